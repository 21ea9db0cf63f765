"""Catalogue facts as staff and visitors read them: names instead of codes, demand instead of order,
the business steps of a process instead of its BPMN elements."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from govplus.cases.models import Application
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.catalog.services import catalog_import
from govplus.testing.factories import PDF, item_data


def test_the_workbench_names_the_departments_not_their_codes(county):
    client = Client()
    client.force_login(county.staff["clerk"])
    page = client.get("/staff/").content.decode()
    assert "德清县公安局 · " in page
    assert ">gaj · " not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Deqing County Public Security Bureau · " in client.get("/staff/").content.decode()


def test_the_case_page_names_the_materials(county):
    application = county.submitted_application()
    client = Client()
    client.force_login(county.staff["clerk"])
    page = client.get(f"/staff/cases/{application.receipt_no}").content.decode()
    assert "居民身份证（原证）照片 · id.pdf" in page
    assert "M01 · id.pdf" not in page


def ordered(names: list[str], page_section: str) -> list[str]:
    return sorted(names, key=page_section.index)


def test_popular_items_follow_demand(county):
    residence = "11330521TEST000000000300001000"
    catalog_import(actor=None, data={"services": [item_data(residence, "居住证申领", "gaj", keywords=["居住证"])]})

    def popular() -> list[str]:
        cache.clear()
        page = Client().get("/").content.decode()
        section = page[page.index("热门事项") : page.index("办件进度查询")]
        return ordered([name for name in ("居民身份证换领", "居住证申领") if name in section], section)

    # no applications yet: the catalogue order fills the list
    assert popular() == ["居民身份证换领", "居住证申领"]
    for _ in range(2):
        application = application_create(
            actor=county.citizen, service_code=residence, form={"reason": "有效期满", "phone": "13800138000"}
        )
        material_upload_bytes(
            actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
        )
        application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    county.submitted_application()
    assert popular() == ["居住证申领", "居民身份证换领"]
    # applications older than 90 days no longer count
    Application.objects.filter(service_item__code=residence).update(
        submitted_at=timezone.now() - dt.timedelta(days=120)
    )
    assert popular() == ["居民身份证换领", "居住证申领"]


def test_process_steps_are_the_business_steps(county):
    guide = Client().get(f"/api/v1/services/{county.standard_item.code}").json()
    steps = guide["process_steps"]
    assert [(s["step"], s["name"], s["name_en"]) for s in steps] == [
        ("accept", "受理", "Acceptance"),
        ("review", "审查", "Review"),
        ("decide", "决定", "Decision"),
        ("conclude", "办结", "Conclusion"),
    ]
    assert steps[0]["limit_days"] == county.standard_item.acceptance_limit_days
    assert steps[-1]["limit_days"] == county.standard_item.promised_limit_days
    parallel = Client().get(f"/api/v1/services/{county.parallel_item.code}").json()["process_steps"]
    assert [s["step"] for s in parallel] == ["accept", "co_review", "decide", "conclude"]
    assert parallel[1]["kind"] == "parallel" and parallel[1]["name_en"] == "Joint review"
