"""Production start-up (DEBUG off): weak or missing secrets stop it with a clean message, and the HTTPS
hardening (HSTS, proxy SSL header, secure cookies) is on. Each case starts a fresh interpreter, as a
web server would."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "from django.conf import settings; import json; print(json.dumps({"
    "'hsts': settings.SECURE_HSTS_SECONDS, 'proxy': settings.SECURE_PROXY_SSL_HEADER, "
    "'session_secure': settings.SESSION_COOKIE_SECURE, 'csrf_secure': settings.CSRF_COOKIE_SECURE, "
    "'csp': settings.GOVPLUS_CONTENT_SECURITY_POLICY}))"
)


@pytest.fixture(scope="module")
def rsa_pem(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("keys") / "oidc.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(path)


def start(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "GOVPLUS_DATA_KEY", "GOVPLUS_LOOKUP_KEY", "OIDC_RSA_PRIVATE_KEY", "DEBUG"}
        and not key.startswith("PYTEST")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        GOVPLUS_VAR_DIR=str(tmp_path),
        GOVPLUS_TESTING="off",
        DEBUG="off",
        PYTHONPATH=str(ROOT),
        **environment,
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {PROBE}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def strong() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "GOVPLUS_DATA_KEY": secrets.token_urlsafe(32),
        "GOVPLUS_LOOKUP_KEY": secrets.token_urlsafe(32),
    }


def test_strong_secrets_start_with_https_hardening_on(tmp_path, rsa_pem):
    started = start(tmp_path, OIDC_RSA_PRIVATE_KEY=rsa_pem, **strong())
    assert started.returncode == 0, started.stderr
    facts = json.loads(started.stdout.strip().splitlines()[-1])
    assert facts["hsts"] >= 31536000
    assert facts["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert facts["session_secure"] and facts["csrf_secure"]
    assert (
        "script-src 'self'" in facts["csp"] and "unsafe-inline" not in facts["csp"].split("script-src")[1].split(";")[0]
    )


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("SECRET_KEY", "short-key", "too short"),
        ("SECRET_KEY", "django-insecure-" + "x" * 60, "placeholder"),
        ("GOVPLUS_DATA_KEY", "ab" * 32, "randomness"),
        ("GOVPLUS_LOOKUP_KEY", "", "is required"),
    ],
)
def test_a_weak_or_missing_secret_stops_start_up_with_a_clean_message(tmp_path, rsa_pem, name, value, words):
    started = start(tmp_path, OIDC_RSA_PRIVATE_KEY=rsa_pem, **{**strong(), name: value})
    assert started.returncode != 0
    assert "Traceback" not in started.stderr
    assert "govplus cannot start" in started.stderr and name in started.stderr and words in started.stderr
    if value:
        assert value not in started.stderr  # the secret itself is never printed


def test_the_development_secret_is_refused_in_production(tmp_path, rsa_pem):
    development = secrets.token_urlsafe(48)
    (tmp_path / "dev-secret_key.secret").write_text(development)
    started = start(tmp_path, OIDC_RSA_PRIVATE_KEY=rsa_pem, **{**strong(), "SECRET_KEY": development})
    assert started.returncode != 0 and "Traceback" not in started.stderr
    assert "development secret" in started.stderr


def test_a_missing_or_bad_signing_key_stops_start_up_cleanly(tmp_path):
    missing = start(tmp_path, OIDC_RSA_PRIVATE_KEY=str(tmp_path / "nope.pem"), **strong())
    assert missing.returncode != 0 and "Traceback" not in missing.stderr and "OIDC_RSA_PRIVATE_KEY" in missing.stderr
    garbage = start(tmp_path, OIDC_RSA_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----\nnot a key\n", **strong())
    assert garbage.returncode != 0 and "Traceback" not in garbage.stderr and "PEM" in garbage.stderr
