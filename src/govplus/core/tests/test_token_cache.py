"""A verified access token is remembered briefly; scopes are still enforced on every request, and
with the cache off a revoked token stops working at once."""

from __future__ import annotations

import datetime as dt
import secrets
import time

from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

API = "/api/v1"


def _token(user, scope: str) -> str:  # type: ignore[no-untyped-def]
    token = secrets.token_urlsafe(30)
    get_access_token_model().objects.create(
        user=user, token=token, scope=scope, expires=timezone.now() + dt.timedelta(hours=1)
    )
    return token


def _get(path: str, token: str) -> int:
    return Client().get(f"{API}{path}", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_remembered_token_still_needs_the_scope_of_each_endpoint(county):
    token = _token(county.staff["clerk"], "openid profile")
    assert _get("/me", token) == 200
    assert _get("/me", token) == 200  # now from the cache
    assert _get("/tasks", token) == 403, "the cache must not widen what the token was granted (403 insufficient_scope)"


def test_the_remembered_user_is_the_tokens_own(county):
    clerk_token, citizen_token = _token(county.staff["clerk"], "openid tasks"), _token(county.citizen, "openid")
    for _ in range(2):
        assert Client().get(f"{API}/me", headers={"Authorization": f"Bearer {clerk_token}"}).json()["username"] == (
            county.staff["clerk"].username
        )
        assert Client().get(f"{API}/me", headers={"Authorization": f"Bearer {citizen_token}"}).json()["username"] == (
            county.citizen.username
        )


def test_with_the_cache_off_a_revoked_token_is_refused_at_once(county, settings):
    settings.GOVPLUS_TOKEN_CACHE_SECONDS = 0
    token = _token(county.citizen, "openid applications")
    assert _get("/applications", token) == 200
    get_access_token_model().objects.get(token=token).revoke()
    assert _get("/applications", token) == 401


def test_a_revoked_token_is_refused_once_the_remembered_seconds_are_over(county, settings):
    settings.GOVPLUS_TOKEN_CACHE_SECONDS = 0.3
    token = _token(county.citizen, "openid applications")
    assert _get("/applications", token) == 200
    get_access_token_model().objects.get(token=token).revoke()
    time.sleep(0.4)
    assert _get("/applications", token) == 401


def test_a_role_taken_away_stops_counting_once_the_remembered_seconds_are_over(county, settings):
    """The staff roles read for a remembered token are reused by its next requests, never longer than
    the token itself is remembered; with the cache off they are read on every request."""
    from govplus.identity.models import StaffRole

    def roles_seen(token: str) -> list[str]:
        return Client().get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).json()["roles"]

    settings.GOVPLUS_TOKEN_CACHE_SECONDS = 0.3
    clerk = county.staff["clerk"]
    token = _token(clerk, "openid profile")
    assert roles_seen(token) and roles_seen(token) == roles_seen(token)  # the second from the memo
    roles = list(StaffRole.objects.filter(user=clerk).values_list("department_id", "role"))
    StaffRole.objects.filter(user=clerk).delete()
    time.sleep(0.4)
    assert roles_seen(token) == []
    settings.GOVPLUS_TOKEN_CACHE_SECONDS = 0
    StaffRole.objects.bulk_create([StaffRole(user=clerk, department_id=d, role=r) for d, r in roles])
    assert len(roles_seen(token)) == len(roles)
