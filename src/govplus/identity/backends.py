"""Password login with lockout (登录失败锁定, 等级保护 requirement).

After `GOVPLUS_LOCKOUT_THRESHOLD` wrong passwords in a row the account is locked for
`GOVPLUS_LOCKOUT_MINUTES`; while locked even the right password is refused. Success resets the count.
Counting happens here so that every login path (portal, admin, OIDC authorize) obeys it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from govplus.identity.models import User


class LockoutModelBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle for usernames
            return None
        now = timezone.now()
        if user.locked_until and user.locked_until > now:
            if request is not None:
                request.govplus_locked_until = user.locked_until  # type: ignore[attr-defined]
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_login_count or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
            return user
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count"])
        if user.failed_login_count >= settings.GOVPLUS_LOCKOUT_THRESHOLD:
            locked_until = now + dt.timedelta(minutes=settings.GOVPLUS_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=locked_until, failed_login_count=0)
            if request is not None:
                request.govplus_locked_until = locked_until  # type: ignore[attr-defined]
        elif request is not None:
            request.govplus_attempts_left = (  # type: ignore[attr-defined]
                settings.GOVPLUS_LOCKOUT_THRESHOLD - user.failed_login_count
            )
        return None
