"""Every environment variable the settings read is documented (Datasette's rule)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text() + (ROOT / "config" / "gunicorn.conf.py").read_text()
    patterns = [
        r'os\.environ\.get\("([A-Z_]+)"',
        r'env_bool\("([A-Z_]+)"',
        r'env_list\("([A-Z_]+)"',
        r'development_secret\("([A-Z_]+)"',
    ]
    return {name for pattern in patterns for name in re.findall(pattern, source)}


def test_every_setting_is_in_env_example_and_the_docs():
    names = variables_read_by_settings()
    assert len(names) > 20
    example = (ROOT / ".env.example").read_text()
    docs = (ROOT / "docs" / "configuration.md").read_text()
    missing_example = sorted(n for n in names if not re.search(rf"^#? ?{n}=", example, re.M))
    missing_docs = sorted(n for n in names if f"`{n}`" not in docs)
    assert not missing_example, f"not in .env.example: {missing_example}"
    assert not missing_docs, f"not in docs/configuration.md: {missing_docs}"
