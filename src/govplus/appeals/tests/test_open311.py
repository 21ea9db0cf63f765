"""Open311 GeoReport v2 as a partner app and the PyPI `georeport` client use it: services, their
definitions, posting with the spec's form fields, reading requests back in JSON and XML, tokens; bad
input answered with the spec's error list and nothing stored."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client
from georeport import GeoReport

from govplus.appeals.models import Appeal, Partner
from govplus.appeals.partners import partner_issue
from govplus.appeals.taxonomy import taxonomy_load
from govplus.core.crypto import lookup_hash
from govplus.identity.models import Department

KEY = "test-open311-key"
SCHOOL = {  # a second-level service of 教育文体 and one of its third-level categories, found by name below
    "description": "孩子小学入学学位申请被拒，户口在学区内却不能就近入学，电话13812345678，请教育局核实。",
    "address_string": "德清县武康街道英溪南路 1 号",
    "lat": "30.5447",
    "long": "119.9670",
    "first_name": "三",
    "last_name": "张",
    "phone": "13812345678",
}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip


@pytest.fixture
def open311(county_tx, live_server) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    taxonomy_load()
    Department.objects.get_or_create(code="jyj", defaults={"name": "德清县教育局", "short_name": "教育局"})
    partner_issue(actor=None, name="测试应用", key=KEY)
    return {"root": f"{live_server.url}/open311/v2", "county": county_tx}


def _education_service() -> str:
    from govplus.appeals.models import Category

    return Category.objects.get(level=2, parent__name="教育文体", name="考试招生").code


def _post(root: str, fmt: str = "json", **fields: str) -> requests.Response:
    return requests.post(f"{root}/requests.{fmt}", data=fields, timeout=10)


def test_the_georeport_client_lists_services_and_reads_a_posted_request_in_json_and_xml(open311):
    root = open311["root"]
    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction=settings.GOVPLUS_REGION_CODE, output_format=fmt)
        services = client.get_service_list()
        assert len(services) == 118  # the taxonomy's second level
        education = next(s for s in services if s["service_code"] == _education_service())
        assert education["group"] == "教育文体" and education["metadata"] in (True, "true")
        definition = client.get_service_definition(education["service_code"])
        assert definition["service_code"] == education["service_code"]
    code = _education_service()
    posted = _post(root, api_key=KEY, service_code=code, **SCHOOL)
    assert posted.status_code == 200, posted.text
    answer = posted.json()[0]
    number, token = answer["service_request_id"], answer["token"]
    appeal = Appeal.objects.get(number=number)
    assert appeal.channel == "open311" and appeal.partner is not None and appeal.category is not None
    assert appeal.category.code == code  # without a trained classifier the partner's service is the category
    assert appeal.department is not None and appeal.department.code == "jyj"  # 教育文体 → 教育局
    assert appeal.status == Appeal.Status.ASSIGNED and appeal.reply_due is not None
    assert "13812345678" not in appeal.contact_phone_encrypted and appeal.contact_phone_hash == lookup_hash(
        "13812345678"
    )
    for fmt in ("json", "xml"):
        client = GeoReport(root, jurisdiction=settings.GOVPLUS_REGION_CODE, output_format=fmt)
        one = client.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["agency_responsible"] == "德清县教育局" and one["service_code"] == code
        assert "13812345678" not in one["description"] and "138****5678" in one["description"]  # published masked
        listed = client.get_service_requests(service_code=code, status="open")
        listed = listed if isinstance(listed, list) else [listed]  # xmltodict gives one request as a dict
        assert [r["service_request_id"] for r in listed] == [number]
    assert requests.get(f"{root}/tokens/{token}.json", timeout=10).json() == [
        {"service_request_id": number, "token": token}
    ]


def test_json_and_xml_have_the_shapes_of_the_spec(open311):
    root, code = open311["root"], _education_service()
    number = _post(root, api_key=KEY, service_code=code, **SCHOOL).json()[0]["service_request_id"]
    listing = requests.get(f"{root}/requests.json", timeout=10).json()
    assert isinstance(listing, list) and set(listing[0]) == REQUEST_FIELDS
    document = ElementTree.fromstring(requests.get(f"{root}/requests.xml", timeout=10).content)
    assert document.tag == "service_requests" and [child.tag for child in document] == ["request"]
    assert {child.tag for child in document[0]} == REQUEST_FIELDS
    assert document[0].findtext("service_request_id") == number
    services = ElementTree.fromstring(requests.get(f"{root}/services.xml", timeout=10).content)
    assert services.tag == "services" and services[0].tag == "service"
    assert {c.tag for c in services[0]} == {
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group"
    }  # fmt: skip
    definition = ElementTree.fromstring(requests.get(f"{root}/services/{code}.xml", timeout=10).content)
    assert definition.tag == "service_definition"
    attribute = definition.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("datatype") == "singlevaluelist"
    assert attribute.find("values/value/key") is not None and attribute.find("values/value/name") is not None
    posted = ElementTree.fromstring(_post(root, "xml", api_key=KEY, service_code=code, **SCHOOL).content)
    assert posted.tag == "service_requests" and posted[0].findtext("service_request_id")
    discovery = requests.get(f"{root.rsplit('/v2', 1)[0]}/discovery.json", timeout=10).json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_bad_input_is_refused_with_the_specs_error_list_and_nothing_is_stored(open311):
    root, code = open311["root"], _education_service()
    other_partner, other_key = partner_issue(actor=None, name="外地应用")
    Partner.objects.filter(pk=other_partner.pk).update(jurisdiction="330500")  # a key of the city's partner
    cases = [
        ({**SCHOOL, "api_key": KEY, "service_code": code, "description": ""}, 400, "body"),
        ({**SCHOOL, "api_key": KEY, "service_code": code, "description": "很长" * 25_000}, 400, "body"),
        ({**SCHOOL, "api_key": KEY, "service_code": "9999"}, 404, "service_code"),
        ({**SCHOOL, "api_key": other_key, "service_code": code}, 403, "api_key"),
        ({**SCHOOL, "api_key": "not-a-key", "service_code": code}, 403, "api_key"),
        ({**SCHOOL, "service_code": code}, 403, "api_key"),
        ({**SCHOOL, "api_key": KEY, "service_code": code, "lat": "91"}, 400, "lat"),
    ]
    for fields, status, named in cases:
        for fmt in ("json", "xml"):
            answer = _post(root, fmt, **fields)
            assert answer.status_code == status, (fields.get("api_key"), answer.text[:200])
            if fmt == "json":
                errors = answer.json()
                assert errors[0]["code"] == status and named in errors[0]["description"]
            else:
                document = ElementTree.fromstring(answer.content)
                assert document.tag == "errors" and document[0].tag == "error"
                assert document[0].findtext("code") == str(status)
    assert Appeal.objects.count() == 0
    unknown = requests.get(f"{root}/requests/330521000000000000.json", timeout=10)
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    wrong = requests.get(f"{root}/services.json", params={"jurisdiction_id": "110000"}, timeout=10)
    assert wrong.status_code == 404 and "jurisdiction_id" in wrong.json()[0]["description"]
    too_long = requests.get(
        f"{root}/requests.json",
        params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        timeout=10,
    )
    assert too_long.status_code == 400 and "90" in too_long.json()[0]["description"]


def test_the_demo_key_is_the_documented_one(county):
    from govplus.demo.appeals import DEMO_OPEN311_KEY, demo_partner_create

    taxonomy_load()
    assert demo_partner_create(actor=None, log=lambda _line: None) is True
    assert demo_partner_create(actor=None, log=lambda _line: None) is False  # a second run changes nothing
    assert Partner.objects.get(key_hash=lookup_hash(DEMO_OPEN311_KEY)).is_active
    assert Client().get("/open311/v2/services.json").status_code == 200
