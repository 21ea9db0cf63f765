"""The resource catalogue as the provider's data officer keeps it and every department's staff find it:
the rules of a resource's description, who may change it, the list and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.models import AuditEntry
from govplus.exchange import catalogue, selectors
from govplus.exchange.models import Resource
from govplus.identity.models import Role
from govplus.identity.services import staff_create

API = "/api/v1/exchange"
FIELDS = [
    {"name": "credit_code", "label": "统一社会信用代码", "kind": "string", "sensitivity": 1},
    {"name": "name", "label": "名称", "sensitivity": 1},
    {"name": "representative_id", "label": "法定代表人身份证号", "sensitivity": 3, "is_personal": True},
    {"name": "registered_on", "label": "成立日期", "kind": "date", "sensitivity": 1},
]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(**changes: Any) -> dict[str, Any]:
    return {
        "code": "330521-SCJ-0001",
        "name": "市场主体登记",
        "provider": "scjgj",
        "share_class": "conditional",
        "share_conditions": "用于办理企业相关事项",
        "update_cycle": "daily",
        "key_field": "credit_code",
        "fields": FIELDS,
        "service_items": ["11330521TEST000000000200001000"],
        "material_names": ["营业执照信息"],
        **changes,
    }


@pytest.fixture
def scj_officer(county):
    return staff_create(
        actor=None,
        username="scj_data",
        password="Pw#12345678",
        display_name="市场监管数据员",
        roles=[(county.departments["scjgj"], Role.DATA_OFFICER)],
    )


def test_the_provider_data_officer_describes_a_resource_and_everyone_finds_it(exchange, scj_officer):
    made = client_for(scj_officer).post(f"{API}/resources", body(), content_type="application/json")
    assert made.status_code == 201, made.content
    answer = made.json()
    assert answer["share_class_label"] == "有条件共享" and answer["is_published"] is False
    assert [f["name"] for f in answer["fields"]] == ["credit_code", "name", "representative_id", "registered_on"]
    assert answer["fields"][2]["is_personal"] and answer["fields"][2]["sensitivity"] == 3
    assert AuditEntry.objects.filter(action="exchange.resource_create", object_id="330521-SCJ-0001").exists()
    # unpublished: another department's staff do not see it, its provider does
    clerk = client_for(exchange.clerk)
    assert clerk.get(f"{API}/resources/330521-SCJ-0001").status_code == 404
    catalogue.resource_publish(actor=scj_officer, code="330521-SCJ-0001")
    listed = clerk.get(f"{API}/resources", {"q": "市场主体"}).json()
    assert [r["code"] for r in listed] == ["330521-SCJ-0001"]
    by_provider = clerk.get(f"{API}/resources", {"q": "市场监督"}).json()
    assert [r["code"] for r in by_provider] == ["330521-SCJ-0001"]
    conditional = clerk.get(f"{API}/resources", {"share_class": "unconditional"}).json()
    assert {r["code"] for r in conditional} == {exchange.open_table.code}
    with pytest.raises(Conflict):
        catalogue.resource_publish(actor=scj_officer, code="330521-SCJ-0001")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"share_conditions": ""}, "share_conditions"),
        ({"share_class": "none", "no_share_basis": " "}, "no_share_basis"),
        ({"share_class": "sometimes"}, "share_class"),
        ({"key_field": "id_number"}, "key_field"),
        ({"code": "市场 1"}, "code"),
        ({"update_cycle": "hourly"}, "update_cycle"),
        ({"service_items": ["NO-SUCH-ITEM"]}, "service_items"),
        ({"fields": [*FIELDS, {"name": "Bad Name", "label": "x"}]}, "fields[5]"),
        ({"fields": [*FIELDS, {"name": "level", "label": "级别", "sensitivity": 5}]}, "fields[5]"),
        ({"fields": [*FIELDS, {"name": "name", "label": "重复"}]}, "fields[5]"),
        ({"fields": [*FIELDS, {"name": "amount", "label": "金额", "kind": "money"}]}, "fields[5]"),
    ],
)
def test_a_bad_description_is_a_422_naming_the_field_and_writes_nothing(exchange, scj_officer, changes, field):
    answer = client_for(scj_officer).post(f"{API}/resources", body(**changes), content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert field in answer.json()["fields"]
    assert " / " in answer.json()["fields"][field][0]  # Chinese first, then English
    assert not Resource.objects.filter(code=body(**changes)["code"]).exists()
    assert not AuditEntry.objects.filter(action="exchange.resource_create").exists()


def test_only_the_provider_speaks_for_its_resources(exchange, scj_officer):
    # 人社局's administrator may not describe a resource of 市场监管局
    denied = client_for(exchange.consumer_officer).post(f"{API}/resources", body(), content_type="application/json")
    assert denied.status_code == 403 and not Resource.objects.filter(code="330521-SCJ-0001").exists()
    # nor change 公安局's published resource (403), nor see its draft (404)
    with pytest.raises(PermissionDenied):
        catalogue.resource_update(actor=exchange.consumer_officer, code=exchange.population.code, name="改名")
    catalogue.resource_unpublish(actor=exchange.provider_officer, code=exchange.population.code)
    with pytest.raises(NotFound):
        catalogue.resource_update(actor=exchange.consumer_officer, code=exchange.population.code, name="改名")
    assert Resource.objects.get(code=exchange.population.code).name == "户籍人口"
    # a clerk of the provider is not its data officer
    catalogue.resource_publish(actor=exchange.provider_officer, code=exchange.population.code)
    with pytest.raises(PermissionDenied):
        catalogue.resource_unpublish(actor=exchange.clerk, code=exchange.population.code)
    # a second resource with a taken code
    client_for(scj_officer).post(f"{API}/resources", body(), content_type="application/json")
    again = client_for(scj_officer).post(f"{API}/resources", body(), content_type="application/json")
    assert again.status_code == 409


def test_an_update_keeps_the_rules_and_the_key_of_a_resource_with_records(exchange):
    officer, code = exchange.provider_officer, exchange.population.code
    with pytest.raises(ValidationFailed) as refused:
        catalogue.resource_update(actor=officer, code=code, share_class=Resource.ShareClass.NONE)
    assert "no_share_basis" in refused.value.fields
    with pytest.raises(Conflict):
        catalogue.resource_update(actor=officer, code=code, key_field="name")
    changed = catalogue.resource_update(
        actor=officer,
        code=code,
        share_class=Resource.ShareClass.NONE,
        no_share_basis="《中华人民共和国居民身份证法》第六条",
    )
    assert changed.share_class == "none" and changed.share_conditions == ""
    entry = AuditEntry.objects.get(action="exchange.resource_update", object_id=code)
    assert entry.changes["share_class"] == "none"
    catalogue.resource_update(
        actor=officer,
        code=code,
        fields=[{"name": "id_number", "label": "公民身份号码", "sensitivity": 3, "is_personal": True}],
    )
    assert [f.name for f in Resource.objects.get(code=code).fields.all()] == ["id_number"]


def test_the_catalogue_pages(exchange, scj_officer):
    catalogue.resource_create(
        actor=scj_officer,
        provider=exchange.county.departments["scjgj"],
        **{k: v for k, v in body().items() if k != "provider"},
        is_published=True,
    )
    clerk = client_for(exchange.clerk)
    listing = clerk.get("/staff/exchange/resources", {"share_class": "conditional"})
    page = listing.content.decode()
    assert listing.status_code == 200
    assert "市场主体登记" in page and "户籍人口" in page and "派出所名录" not in page
    assert 'aria-current="page"' in page  # the chosen share-class chip
    searched = clerk.get("/staff/exchange/resources", {"q": "派出所"}).content.decode()
    assert "派出所名录" in searched and "市场主体登记" not in searched
    detail = clerk.get("/staff/exchange/resources/330521-SCJ-0001").content.decode()
    assert "法定代表人身份证号" in detail and "用于办理企业相关事项" in detail and "3 敏感" in detail
    assert "/staff/exchange/resources/330521-SCJ-0001/request" in detail  # the request button
    assert "/upload" not in detail  # a clerk of another department does not upload
    officer_page = client_for(scj_officer).get("/staff/exchange/resources/330521-SCJ-0001").content.decode()
    assert "/staff/exchange/resources/330521-SCJ-0001/upload" in officer_page
    withdrawn = client_for(scj_officer).post(
        "/staff/exchange/resources/330521-SCJ-0001/publish", {"action": "unpublish"}
    )
    assert withdrawn.status_code == 302
    assert clerk.get("/staff/exchange/resources/330521-SCJ-0001").status_code == 404
    assert clerk.get("/staff/exchange/resources/330521-SCJ-0001/upload").status_code == 404
    assert not selectors.resource_catalogue(actor=exchange.clerk, query="市场主体").exists()
