"""Print OAuth2 access tokens with scope `licences` for the wallet and register list benchmarks (JSON).

    python bench/licence_tokens.py        # {"citizen": "…", "approver": "…"}

张三 (`citizen`) reads his wallet; the demo `approver` (three departments) reads the register.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets

import django

django.setup()

from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, Application  # noqa: E402

from govplus.identity.models import User  # noqa: E402


def token_for(username: str) -> str:
    token = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=User.objects.get(username=username),
        application=Application.objects.order_by("pk").first(),
        token=token,
        scope="openid licences",
        expires=timezone.now() + dt.timedelta(hours=12),
    )
    return token


if __name__ == "__main__":
    print(json.dumps({name: token_for(name) for name in ("citizen", "approver")}))
