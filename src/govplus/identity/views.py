"""The OIDC discovery document, served at the site root with the root as issuer."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from oauth2_provider.views import ConnectDiscoveryInfoView

from govplus.identity.oidc import root_issuer


class RootDiscoveryView(ConnectDiscoveryInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document["issuer"] = root_issuer(document["issuer"])
        response.content = json.dumps(document).encode()
        return response
