"""Catalog import/export from the command line, as a county IT team would use it."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command


def test_export_then_import_from_files(county, tmp_path, capsys):
    path = tmp_path / "catalog.json"
    call_command("catalog", "export", str(path))
    data = json.loads(path.read_text())
    assert {item["name"] for item in data["services"]} == {"居民身份证换领", "企业开办（一件事）"}
    call_command("catalog", "import", str(path))
    assert "unchanged" in capsys.readouterr().out


def test_a_bad_file_names_every_problem(county, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"services": [{"code": "X", "name": "", "department": "nowhere"}]}))
    with pytest.raises(CommandError) as error:
        call_command("catalog", "import", str(path))
    assert "services[0].department" in str(error.value) and "services[0].name" in str(error.value)
