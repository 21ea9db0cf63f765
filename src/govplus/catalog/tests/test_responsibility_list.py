"""The responsibility list is written for each power by its kind, under the law of that kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govplus.catalog.selectors import responsibility_list
from govplus.catalog.services import builtin_processes_install, catalog_import
from govplus.identity.services import regions_departments_import

DEMO = Path(__file__).resolve().parents[1] / "demo" / "county.json"


@pytest.fixture
def demo_county(db):  # type: ignore[no-untyped-def]
    data = json.loads(DEMO.read_text())
    regions_departments_import(actor=None, regions=data["regions"], departments=data["departments"])
    builtin_processes_install(actor=None)
    catalog_import(actor=None, data=data)


def entry_for(name: str):  # type: ignore[no-untyped-def]
    return next(entry for entry in responsibility_list() if entry.item.name == name)


def text_of(entry) -> str:  # type: ignore[no-untyped-def]
    return " ".join(f"{name} {text}" for name, text in entry.responsibilities) + entry.accountability


def test_a_penalty_gets_the_duties_of_the_administrative_penalty_law(demo_county):
    entry = entry_for("对未取得食品经营许可从事食品经营活动的行政处罚")
    text = text_of(entry)
    assert "立案责任" in text and "听证" in text and "《行政处罚法》第七十六条" in text
    assert "准予许可" not in text and "不予许可" not in text
    assert "《中华人民共和国行政处罚法》" in entry.basis
    assert entry.item.legal_basis in entry.basis  # the item's own basis comes first


def test_a_compulsory_measure_gets_the_duties_of_the_administrative_enforcement_law(demo_county):
    text = text_of(entry_for("查封、扣押不符合食品安全标准的食品"))
    assert "期限不超过三十日" in text and "《行政强制法》第六十一条" in text
    assert "许可" not in text.replace("食品经营许可", "")


def test_an_inspection_gets_inspection_duties(demo_county):
    text = text_of(entry_for("对用人单位遵守劳动保障法律法规情况的监督检查"))
    assert "双随机、一公开" in text and "准予许可" not in text


def test_a_licence_gets_the_licensing_duties_with_its_own_limits_and_result(demo_county):
    entry = entry_for("食品经营许可")
    text = text_of(entry)
    assert "《行政许可法》第七十二条" in text and "“食品经营许可”" in text
    assert f"法定期限{entry.item.statutory_limit_days}个工作日内" in text
    assert (entry.item.result_name or "") in text


def test_no_two_kinds_of_power_share_one_text(demo_county):
    entries = responsibility_list()
    assert len(entries) == 31
    by_type: dict[str, set[str]] = {}
    for entry in entries:
        by_type.setdefault(entry.item.item_type, set()).add(entry.accountability)
    penalty, licensing = by_type["administrative_penalty"], by_type["administrative_licensing"]
    assert penalty.isdisjoint(licensing)
    # item by item: no two items have the same duties
    assert len({text_of(entry) for entry in entries}) == 31


def test_the_page_shows_it(demo_county, client):
    page = client.get("/responsibility-list/").content.decode()
    assert "立案责任" in page and "《行政强制法》第六十一条" in page and "《行政许可法》第七十二条" in page
