"""The demo county: seeds what the README promises, and never into production by accident."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from govplus.cases.models import Application, CaseTask
from govplus.catalog.models import ServiceItem
from govplus.core.audit import audit_verify
from govplus.identity.models import Department, User


def test_demo_refuses_to_seed_with_debug_off(db, settings):
    settings.DEBUG = False
    settings.GOVPLUS_DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_county(db, capsys):
    call_command("seed_demo", "--history", "60")
    assert ServiceItem.objects.filter(status="published").count() >= 30
    assert Department.objects.count() >= 12
    for username in (
        "citizen",
        "business",
        "clerk",
        "reviewer",
        "approver",
        "deptadmin",
        "admin",
        "supervisor",
        "leader",
    ):
        assert User.objects.filter(username=username).exists(), username
    assert Application.objects.filter(status="concluded").count() > 40
    assert CaseTask.objects.filter(status="open").count() >= 30
    assert audit_verify().is_intact
    assert "Demo@2026" in capsys.readouterr().out
    call_command("seed_demo")  # a second run changes nothing
    assert User.objects.filter(username="citizen").count() == 1
