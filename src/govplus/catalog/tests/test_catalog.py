"""The catalog: Chinese search, import/export, lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govplus.catalog.models import ServiceItem
from govplus.catalog.selectors import power_list, service_search
from govplus.catalog.services import catalog_export, catalog_import, service_item_set_status
from govplus.core.errors import ValidationFailed
from govplus.testing.factories import item_data

DEMO = Path(__file__).resolve().parents[1] / "demo" / "county.json"


def test_search_for_id_card_finds_the_renewal(county):
    names = [item.name for item in service_search(query="身份证").items]
    assert names[0] == "居民身份证换领"


def test_search_understands_a_sentence(county):
    names = [item.name for item in service_search(query="我想办理开办企业").items]
    assert names == ["企业开办（一件事）"]


def test_search_hides_retired_items(county):
    service_item_set_status(actor=None, code=county.standard_item.code, status=ServiceItem.Status.RETIRED)
    assert service_search(query="身份证").count == 0


def test_import_reports_every_problem_and_writes_nothing(county):
    bad = item_data("X1", "坏事项", "nowhere", promised_limit_days=30, statutory_limit_days=20, item_type="magic")
    with pytest.raises(ValidationFailed) as error:
        catalog_import(actor=None, data={"services": [bad]})
    fields = error.value.fields
    assert "services[0].department" in fields and "services[0].item_type" in fields
    assert "services[0].promised_limit_days" in fields
    assert not ServiceItem.objects.filter(code="X1").exists()


def test_export_then_import_changes_nothing(county):
    exported = catalog_export()
    counts = catalog_import(actor=None, data=json.loads(json.dumps(exported)))
    assert counts["unchanged"] == 2 and counts["updated"] == 0


def test_an_edited_item_gets_a_new_version(county):
    exported = catalog_export()
    exported["services"][0]["promised_limit_days"] = 3
    catalog_import(actor=None, data=exported)
    assert ServiceItem.objects.get(code=exported["services"][0]["code"]).version == 2


def test_power_list_holds_administrative_powers_only(county):
    assert [item.name for item in power_list()] == ["企业开办（一件事）"]


def test_the_demo_catalog_imports(db):
    from govplus.catalog.services import builtin_processes_install
    from govplus.identity.services import regions_departments_import

    data = json.loads(DEMO.read_text())
    regions_departments_import(actor=None, regions=data["regions"], departments=data["departments"])
    builtin_processes_install(actor=None)
    counts = catalog_import(actor=None, data=data)
    assert counts["created"] >= 30
    assert len(data["departments"]) >= 12
    assert service_search(query="身份证").items[0].name == "居民身份证换领"
