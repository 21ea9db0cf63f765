"""Sign-in throttling (登录失败处理, GB/T 22239-2019 8.1.4.1 b): lockout per account *and* address.

Failures are counted per (username, client address): after `GOVPLUS_LOCKOUT_THRESHOLD` failures in a
row (wrong password or wrong one-time code) within `GOVPLUS_LOCKOUT_MINUTES`, that pair is locked for
`GOVPLUS_LOCKOUT_MINUTES`; while locked even the right password is refused. Keying by the pair, not by
the account alone, means nobody can lock a clerk out by typing her name five times from another
machine. An address that fails `GOVPLUS_LOGIN_ADDRESS_LIMIT` times in the window, whatever the
usernames, is refused too: that stops one machine guessing passwords across many accounts.

Unknown usernames are counted and locked exactly like known ones, so neither the message nor the
lockout tells a guesser whether an account exists. The counts live in Django's cache (Redis in
production), shared by every web process; the keys are digests, holding no username or address.
"""

from __future__ import annotations

from django.conf import settings

from govplus.core.ratelimit import limit_clear, limit_hit, limit_key, limit_retry_after, lock_retry_after, lock_set


def _window() -> int:
    return int(settings.GOVPLUS_LOCKOUT_MINUTES) * 60


def _pair(username: str, address: str) -> str:
    return limit_key("login", username.strip().casefold(), address)


def login_wait_seconds(*, username: str, address: str) -> int:
    """Seconds before this username may try again from this address (0: it may try now)."""
    return max(
        lock_retry_after(name="login", key=_pair(username, address)),
        limit_retry_after(
            name="login-address",
            key=limit_key(address),
            limit=int(settings.GOVPLUS_LOGIN_ADDRESS_LIMIT),
            window=_window(),
        ),
    )


def login_failure_note(*, username: str, address: str) -> int:
    """Count one failed attempt; returns the lock's length in seconds when this failure locked the pair."""
    pair = _pair(username, address)
    limit_hit(name="login-address", key=limit_key(address), window=_window())
    failures = limit_hit(name="login-failure", key=pair, window=_window())
    if failures >= int(settings.GOVPLUS_LOCKOUT_THRESHOLD):
        limit_clear(name="login-failure", key=pair, window=_window())
        lock_set(name="login", key=pair, seconds=_window())
        return _window()
    return 0


def login_success_note(*, username: str, address: str) -> None:
    """A complete sign-in (password and, where enabled, the one-time code) clears the pair's count."""
    limit_clear(name="login-failure", key=_pair(username, address), window=_window())
