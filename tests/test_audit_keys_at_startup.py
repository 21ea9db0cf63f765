"""With DEBUG off the audit log's keys are required: a missing or weak one stops start-up clearly."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start(tmp_path, **env):
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("GOVPLUS_", "DJANGO_", "PYTEST"))
    }
    environment.update(
        DEBUG="off",
        GOVPLUS_TESTING="off",
        GOVPLUS_VAR_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(50),
        GOVPLUS_DATA_KEY=secrets.token_urlsafe(32),
        GOVPLUS_LOOKUP_KEY=secrets.token_urlsafe(32),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(len(s.GOVPLUS_AUDIT_KEY))"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_or_weak_audit_key_stops_start_up(tmp_path):
    missing = _start(tmp_path)
    assert missing.returncode != 0
    assert "GOVPLUS_AUDIT_KEY" in missing.stderr and "未设置" in missing.stderr
    weak = _start(tmp_path, GOVPLUS_AUDIT_KEY="short")
    assert weak.returncode != 0
    assert "GOVPLUS_AUDIT_KEY" in weak.stderr and "too short (5 characters" in weak.stderr
    assert "Traceback" not in weak.stderr


def test_a_missing_signing_key_stops_start_up(tmp_path):
    result = _start(tmp_path, GOVPLUS_AUDIT_KEY=secrets.token_urlsafe(32))
    assert result.returncode != 0
    assert "GOVPLUS_AUDIT_SIGNING_KEY" in result.stderr
    assert not (tmp_path / "dev-audit-ed25519.pem").exists()  # never invents a production key
    not_ed25519 = _start(
        tmp_path, GOVPLUS_AUDIT_KEY=secrets.token_urlsafe(32), GOVPLUS_AUDIT_SIGNING_KEY="-----BEGIN x"
    )
    assert not_ed25519.returncode != 0 and "Ed25519" in not_ed25519.stderr
