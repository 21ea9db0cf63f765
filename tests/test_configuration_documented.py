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


def test_every_project_setting_the_code_reads_is_defined_in_settings():
    """A `GOVPLUS_*` setting read with a fallback in the code (getattr) is invisible to operators:
    it must be defined, env-driven, in config/settings.py (and so documented by the test above)."""
    from django.conf import settings

    read: set[str] = set()
    for path in (ROOT / "src" / "govplus").rglob("*.py"):
        source = path.read_text()
        read |= set(re.findall(r"settings\.(GOVPLUS_[A-Z_]+)", source))
        read |= set(re.findall(r'getattr\(settings, "(GOVPLUS_[A-Z_]+)"', source))
    defined = set(re.findall(r"^(GOVPLUS_[A-Z_]+) =", (ROOT / "config" / "settings.py").read_text(), re.M))
    assert "GOVPLUS_REGION_CODE" in read
    assert not sorted(read - defined), f"read by the code but not defined in config/settings.py: {read - defined}"
    assert settings.GOVPLUS_REGION_CODE == "330521"


def test_the_package_declares_its_licence_as_an_spdx_expression():
    """setuptools 77+ deprecates `license = { text = ... }` and warns on every install (PEP 639)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    requires = " ".join(project["build-system"]["requires"])
    minimum = re.search(r"setuptools>=(\d+)", requires)
    assert minimum is not None and int(minimum.group(1)) >= 77, "SPDX license strings need setuptools>=77"
