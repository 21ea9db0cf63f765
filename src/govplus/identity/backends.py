"""Password check with throttling (see `identity/throttle.py`).

The throttle is consulted here so that every path through `django.contrib.auth.authenticate` obeys it;
the sign-in service (`services.login_authenticate`) adds the one-time code and clears the count after a
complete sign-in. The outcome is left on the request for the service: `govplus_retry_after` (seconds,
when the attempt was refused unchecked or this failure locked the pair) and `govplus_locked` (this
failure set the lock).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from govplus.core.middleware import client_ip
from govplus.identity.models import User
from govplus.identity.throttle import login_failure_note, login_wait_seconds


def request_address(request: HttpRequest | None) -> str:
    return (client_ip(request) if request is not None else None) or "unknown"


class LockoutModelBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        address = request_address(request)
        wait = login_wait_seconds(username=username, address=address)
        if wait:
            if request is not None:
                request.govplus_retry_after = wait  # type: ignore[attr-defined]
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle for usernames
        elif user.check_password(password) and self.user_can_authenticate(user):
            return user
        locked_for = login_failure_note(username=username, address=address)
        if request is not None:
            request.govplus_login_user_id = user.pk if user else None  # type: ignore[attr-defined]
            if locked_for:
                request.govplus_retry_after = locked_for  # type: ignore[attr-defined]
                request.govplus_locked = True  # type: ignore[attr-defined]
        return None
