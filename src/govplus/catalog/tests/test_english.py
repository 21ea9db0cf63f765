"""English readers see the catalogue's content in English, find it by English words, and read their
timeline and inbox in English; Chinese readers see nothing change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from govplus.catalog.selectors import service_search
from govplus.catalog.services import builtin_processes_install, catalog_export, catalog_import
from govplus.core.i18n import message_en
from govplus.identity.services import regions_departments_import

DEMO = Path(__file__).resolve().parents[1] / "demo" / "county.json"
CJK = range(0x4E00, 0xA000)


def english(client):  # type: ignore[no-untyped-def]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def has_chinese(text: str) -> bool:
    return any(ord(char) in CJK for char in text)


def test_the_english_guide_shows_the_items_names_in_english(county, client):
    english(client)
    page = client.get(f"/services/{county.standard_item.code}/").content.decode()
    assert "Renewal of the resident identity card" in page
    assert "Deqing County Public Security Bureau" in page
    assert "Photo of the resident identity card (the old card)" in page
    assert "For residents whose ID card has expired or is damaged." in page
    for stage in ("Acceptance", "Review", "Decision", "Conclusion"):
        assert stage in page


def test_the_chinese_guide_is_unchanged_and_untranslated_items_fall_back_to_chinese(county, client):
    page = client.get(f"/services/{county.standard_item.code}/").content.decode()
    assert "居民身份证换领" in page and "Renewal of the resident identity card" not in page
    # the co-handled item has no English name: English readers see its Chinese one, not a blank
    english(client)
    page = client.get(f"/services/{county.parallel_item.code}/").content.decode()
    assert "企业开办（一件事）" in page


def test_english_search_finds_the_id_card_renewal(county, client):
    assert [item.name for item in service_search(query="ID card").items] == ["居民身份证换领"]
    assert [item.name for item in service_search(query="identity cards").items] == ["居民身份证换领"]
    english(client)
    page = client.get("/services/?q=ID+card").content.decode()
    assert "Renewal of the resident identity card" in page


def test_an_english_word_matches_whole_words_only(county):
    # "id" is inside "provident", "guide", "residents"…: only the word itself (or identity) counts
    assert service_search(query="id").count == 1
    assert service_search(query="cat").count == 0


def test_the_api_gives_both_names(county, client):
    found = client.get("/api/v1/services", {"q": "ID card"}).json()["results"][0]
    assert found["name"] == "居民身份证换领"
    assert found["name_en"] == "Renewal of the resident identity card"
    assert found["department_en"] == "Deqing County Public Security Bureau"
    guide = client.get(f"/api/v1/services/{county.standard_item.code}").json()
    assert guide["materials"][0]["name_en"] == "Photo of the resident identity card (the old card)"


def test_export_and_import_carry_the_english(county):
    exported = catalog_export()
    item = next(s for s in exported["services"] if s["code"] == county.standard_item.code)
    assert item["name_en"] == "Renewal of the resident identity card"
    assert item["summary_en"].startswith("For residents")
    assert item["materials"][0]["name_en"].startswith("Photo of")
    item["name_en"] = "Replacing an identity card"
    assert catalog_import(actor=None, data=exported)["updated"] == 1
    assert service_search(query="replacing").items[0].name == "居民身份证换领"


def test_the_english_timeline_and_inbox(county, client):
    application = county.submitted_application()
    client.force_login(county.citizen)
    english(client)
    detail = client.get(f"/my/applications/{application.receipt_no}").content.decode()
    assert "Application submitted" in detail and "提交申请" not in detail
    inbox = client.get("/inbox/").content.decode()
    assert "Your application was submitted: Renewal of the resident identity card" in inbox
    assert f"Case number {application.receipt_no}; you will be told when it is accepted." in inbox
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "您的申请已提交：居民身份证换领" in client.get("/inbox/").content.decode()


def test_staff_actions_are_stored_in_both_languages(county):
    from govplus.cases.actions import task_complete

    application = county.submitted_application()
    task = county.open_task(application, "accept")
    task_complete(actor=county.staff["clerk"], task_id=task.pk, action="accept")
    titles = list(application.events.values_list("title", "title_en"))
    assert ("受理：受理", "Acceptance: Accept") in titles
    notification = county.citizen.notifications.first()
    assert (notification.title, notification.title_en) == ("您的申请已受理", "Your application was accepted")


def test_people_s_words_are_never_translated():
    assert message_en("材料不清楚，请重新上传") == ""
    assert message_en("您的申请已提交：某事项") == ""  # no English name given: no half-English message


def test_the_demo_county_is_translated_throughout(db):
    data = json.loads(DEMO.read_text())
    assert len(data["services"]) == 49 and len(data["departments"]) == 17 and len(data["themes"]) == 16
    texts = [d["name_en"] for d in data["departments"]]
    texts += [t["name_en"] for t in data["themes"]] + [t["description_en"] for t in data["themes"]]
    for item in data["services"]:
        texts += [item["name_en"], item["summary_en"]] + [m["name_en"] for m in item["materials"]]
    assert all(text and not has_chinese(text) for text in texts)
    assert len(set(d["name_en"] for d in data["departments"])) == 17
    assert len(set(item["name_en"] for item in data["services"])) == 49


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ID card", "居民身份证换领"),
        ("marriage", "结婚登记"),
        ("unemployment benefit", "失业保险金申领"),
        ("food business licence", "食品经营许可"),
        ("food business license", "食品经营许可"),
        ("housing provident fund withdrawal", "住房公积金提取（购房、还贷、租房、退休）"),
        ("how to apply for a residence permit", "居住证申领"),
    ],
)
def test_the_demo_county_is_found_in_english(db, query, expected):
    data = json.loads(DEMO.read_text())
    regions_departments_import(actor=None, regions=data["regions"], departments=data["departments"])
    builtin_processes_install(actor=None)
    catalog_import(actor=None, data=data)
    with translation.override("en"):
        assert service_search(query=query).items[0].name == expected


def test_every_demo_guide_reads_in_english(db, client):
    data = json.loads(DEMO.read_text())
    regions_departments_import(actor=None, regions=data["regions"], departments=data["departments"])
    builtin_processes_install(actor=None)
    catalog_import(actor=None, data=data)
    english(client)
    published = [item for item in data["services"] if item.get("status", "published") == "published"]
    assert len(published) >= 45
    for item in published:
        response = client.get(f"/services/{item['implementation_code']}/")
        page = response.content.decode()
        assert response.status_code == 200, item["name"]
        assert item["name_en"].replace("'", "&#x27;") in page, item["name"]
        assert all(m["name_en"].replace("'", "&#x27;") in page for m in item["materials"]), item["name"]
    home = client.get("/").content.decode()
    assert all(theme["name_en"].replace("'", "&#x27;") in home for theme in data["themes"])
