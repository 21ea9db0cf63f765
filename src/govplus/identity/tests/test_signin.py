"""Sign-in: one answer for unknown and known usernames, lockout per (username, address) plus per
address, 429 with Retry-After, the admin site through the same sign-in, and every outcome audited."""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from govplus.core.models import AuditEntry
from govplus.identity.services import staff_create, totp_begin, totp_enable
from govplus.testing.factories import PASSWORD


def _post_login(client: Client, username: str, password: str, address: str = "10.0.0.1", **extra: str):
    return client.post("/login/", {"username": username, "password": password, **extra}, REMOTE_ADDR=address)


def _totp_on(user) -> pyotp.TOTP:
    totp = pyotp.TOTP(pyotp.parse_uri(totp_begin(actor=user)).secret)
    totp_enable(actor=user, code=totp.now())
    return totp


def test_an_unknown_and_a_known_username_get_the_same_answer(county, client):
    known = _post_login(client, "zhangsan", "wrong-password")
    unknown = _post_login(client, "nobody-here", "wrong-password")
    assert known.status_code == unknown.status_code == 401
    assert "用户名或密码错误。" in known.content.decode()
    assert "次" not in known.content.decode().split('role="alert"')[1].split("</p>")[0]
    message = lambda page: page.content.decode().split('role="alert">')[1].split("</p>")[0]  # noqa: E731
    assert message(known) == message(unknown)
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD - 1):
        known = _post_login(client, "zhangsan", "wrong-password")
        unknown = _post_login(client, "nobody-here", "wrong-password")
    assert known.status_code == unknown.status_code == 429  # an unknown name locks exactly like a known one
    assert message(known) == message(unknown)


def test_nobody_can_lock_a_clerk_out_from_another_address(county):
    attacker, clerk = Client(), Client()
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD + 2):
        refused = _post_login(attacker, "gaj_clerk", "guess", address="203.0.113.9")
    assert refused.status_code == 429
    assert _post_login(attacker, "gaj_clerk", PASSWORD, address="203.0.113.9").status_code == 429
    assert _post_login(clerk, "gaj_clerk", PASSWORD, address="10.1.2.3").status_code == 302
    assert clerk.get("/staff/").status_code == 200


def test_one_address_guessing_across_many_accounts_is_refused(county, settings):
    settings.GOVPLUS_LOGIN_ADDRESS_LIMIT = 6
    client = Client()
    for index in range(6):
        assert _post_login(client, f"user{index}", "guess", address="198.51.100.7").status_code == 401
    refused = _post_login(client, "zhangsan", PASSWORD, address="198.51.100.7")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.GOVPLUS_LOCKOUT_MINUTES * 60
    assert "请" in refused.content.decode() and "分钟后再试" in refused.content.decode()
    assert _post_login(Client(), "zhangsan", PASSWORD, address="198.51.100.8").status_code == 302


def test_wrong_one_time_codes_count_towards_the_lockout(county):
    clerk = county.staff["clerk"]
    totp = _totp_on(clerk)
    client = Client()
    assert _post_login(client, "gaj_clerk", PASSWORD).status_code == 401  # asks for the code: no failure
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD):
        last = _post_login(client, "gaj_clerk", PASSWORD, totp_code="000000")
    assert last.status_code == 429
    assert _post_login(client, "gaj_clerk", PASSWORD, totp_code=totp.now()).status_code == 429


def test_sign_in_outcomes_are_audited_without_the_username_in_full(county):
    client = Client()
    _post_login(client, "zhangsan", "wrong-password")
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD + 3):  # the last 3 are refused unchecked
        _post_login(client, "lisi", "wrong-password")
    _post_login(client, "zhangsan", PASSWORD)
    failures = AuditEntry.objects.filter(action="identity.login_failure")
    assert failures.count() == settings.GOVPLUS_LOCKOUT_THRESHOLD + 1
    assert failures.filter(changes__username="z******n").exists()
    lockout = AuditEntry.objects.get(action="identity.login_lockout")
    assert lockout.changes["username"] == "l**i" and lockout.ip_address == "10.0.0.1"
    success = AuditEntry.objects.get(action="identity.login")
    assert success.actor == county.citizen
    for entry in AuditEntry.objects.filter(action__startswith="identity.login"):
        assert "zhangsan" not in str(entry.changes) and "lisi" not in str(entry.changes)
        assert PASSWORD not in str(entry.changes)


def test_admin_login_cannot_sign_a_totp_account_in_by_password_alone(county):
    admin = staff_create(
        actor=None,
        username="platform",
        password=PASSWORD,
        display_name="平台管理员",
        roles=[(county.departments["gaj"], "platform_admin")],
        is_superuser=True,
    )
    totp = _totp_on(admin)
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": "platform", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fadmin%2F"
    assert client.get("/staff/").status_code == 302  # no session
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/admin/").status_code == 302
    assert client.post("/login/", {"username": "platform", "password": PASSWORD, "next": "/admin/"}).status_code == 401
    signed_in = client.post(
        "/login/", {"username": "platform", "password": PASSWORD, "totp_code": totp.now(), "next": "/admin/"}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_login_throttle_lives_in_the_shared_cache(county):
    """The lock is in the "shared" cache (settings.CACHES), holding no username or address in its keys."""
    from django.core.cache import caches

    client = Client()
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD):
        _post_login(client, "zhangsan", "wrong-password")
    assert _post_login(client, "zhangsan", PASSWORD).status_code == 429
    keys = list(caches["shared"]._cache)  # type: ignore[attr-defined]
    assert any(":govplus:lock:login:" in key for key in keys)
    assert not any("zhangsan" in key or "10.0.0.1" in key for key in keys)
    caches["shared"].clear()
    assert _post_login(client, "zhangsan", PASSWORD).status_code == 302


def test_another_process_sees_the_lock_without_redis(county, settings, tmp_path):
    """Without REDIS_URL the shared cache is files under var/: a second process (another gunicorn
    worker) refuses the locked pair too, with the same Retry-After."""
    import subprocess
    import sys

    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "shared"),
        },
    }
    client = Client()
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD):
        _post_login(client, "zhangsan", "wrong-password")
    assert _post_login(client, "zhangsan", PASSWORD).status_code == 429
    probe = (
        "import django; django.setup(); from govplus.identity.throttle import login_wait_seconds; "
        "print(login_wait_seconds(username='zhangsan', address='10.0.0.1'), "
        "login_wait_seconds(username='zhangsan', address='10.0.0.2'))"
    )
    other = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GOVPLUS_VAR_DIR": str(tmp_path),
            "GOVPLUS_TESTING": "off",
            "REDIS_URL": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert other.returncode == 0, other.stderr
    locked_there, other_address = (int(n) for n in other.stdout.split())
    assert 14 * 60 < locked_there <= 15 * 60 and other_address == 0


@pytest.mark.parametrize("code", ["", "123"])
def test_totp_step_asks_for_the_code(county, code):
    _totp_on(county.staff["clerk"])
    page = _post_login(Client(), "gaj_clerk", PASSWORD, totp_code=code)
    assert page.status_code == 401 and 'name="totp_code"' in page.content.decode()


def test_totp_stays_on_when_the_setup_page_is_opened_and_turning_it_off_takes_a_code(county):
    clerk = county.staff["clerk"]
    totp = _totp_on(clerk)
    browser = Client()
    browser.force_login(clerk)
    page = browser.get("/account/totp/")
    assert page.status_code == 200 and "停用动态口令" in page.content.decode()
    clerk.refresh_from_db()
    assert clerk.is_totp_enabled  # opening the page used to start a new secret and switch TOTP off
    refused = browser.post("/account/totp/", {"code": "000000"})
    assert refused.status_code == 422 and "动态口令错误" in refused.content.decode()
    clerk.refresh_from_db()
    assert clerk.is_totp_enabled
    assert browser.post("/account/totp/", {"code": totp.now()}).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_totp_enabled
    actions = list(AuditEntry.objects.filter(object_id=str(clerk.pk)).values_list("action", flat=True))
    assert "identity.totp_enable" in actions and "identity.totp_disable" in actions
    assert _post_login(Client(), "gaj_clerk", PASSWORD).status_code == 302  # no code needed any more
