"""The demo county's shared data: six published resources from one coherent synthetic population of at
least 10,000 people with the demo citizen and business in it, seeded fast and only once."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from govplus.catalog.services import builtin_processes_install, catalog_import
from govplus.core.crypto import decrypt_text
from govplus.demo.accounts import accounts_create
from govplus.demo.exchange import POPULATION, demo_exchange_create
from govplus.demo.seed import COUNTY_FILE
from govplus.exchange.models import Resource, ResourceRecord, SourceVersion
from govplus.exchange.providers import resources_answering
from govplus.exchange.records import record_values, records_by_keys
from govplus.identity.models import BusinessProfile, CitizenProfile, Role, StaffRole
from govplus.identity.services import regions_departments_import
from govplus.identity.validators import credit_code_problem, id_number_problem

# What the shared data may add to `make run`'s seed: measured in CPU seconds of this process (the SQLite
# database runs in it), so other work on a shared machine does not make the test flaky.
SEED_SECONDS_MAX = 20


@pytest.fixture
def demo_county(db):
    data = json.loads(COUNTY_FILE.read_text())
    regions_departments_import(actor=None, regions=data["regions"], departments=data["departments"])
    builtin_processes_install(actor=None)
    catalog_import(actor=None, data=data)
    return accounts_create()


@pytest.mark.slow
def test_the_demo_publishes_six_coherent_resources_once(demo_county):
    started = time.process_time()
    counts = demo_exchange_create(actor=demo_county["admin"], log=lambda _: None)
    seconds = time.process_time() - started
    assert seconds < SEED_SECONDS_MAX, f"the demo's shared data took {seconds:.1f} s"
    assert set(counts) == {"户籍人口", "婚姻登记", "社保参保缴纳", "不动产登记", "市场主体登记", "低保对象"}
    resources = {r.name: r for r in Resource.objects.filter(is_published=True)}
    population = resources["户籍人口"]
    assert population.share_class == "unconditional" and population.record_count >= POPULATION
    assert {r.share_class for n, r in resources.items() if n not in ("户籍人口", "市场主体登记")} == {"conditional"}
    assert all(r.share_conditions for r in resources.values() if r.share_class == "conditional")
    assert {r.provider.code for r in resources.values()} == {"gaj", "mzj", "rsj", "zrzyj", "scjgj"}

    citizen = CitizenProfile.objects.get(user=demo_county["citizen"])
    citizen_id = decrypt_text(citizen.id_number_encrypted)
    person = record_values(records_by_keys(population, [citizen_id])[citizen_id])
    assert person["name"] == "张三" and person["household_number"] == "330521-0012873"
    marriage = record_values(records_by_keys(resources["婚姻登记"], [citizen_id])[citizen_id])
    assert marriage["marital_status"] == "已婚" and marriage["spouse_name"] == "李梅"
    spouse = marriage["spouse_id_number"]
    assert record_values(records_by_keys(resources["婚姻登记"], [spouse])[spouse])["spouse_id_number"] == citizen_id
    assert records_by_keys(population, [spouse])  # the spouse is a resident too
    business = BusinessProfile.objects.get(user=demo_county["business"])
    insured = record_values(records_by_keys(resources["社保参保缴纳"], [citizen_id])[citizen_id])
    assert insured["employer_credit_code"] == business.credit_code
    entity = record_values(records_by_keys(resources["市场主体登记"], [business.credit_code])[business.credit_code])
    assert entity["name"] == business.name and entity["representative"] == "李四"
    assert records_by_keys(population, [entity["representative_id_number"]])  # a resident of the county
    home = record_values(records_by_keys(resources["不动产登记"], [citizen_id])[citizen_id])
    assert home["certificate_number"] == "浙（2019）德清县不动产权第0012345号" and home["co_owner"] == "李梅"

    # every ID number and credit code is valid; a small share of households has 低保
    sample = [record_values(r) for r in ResourceRecord.objects.filter(resource=population).order_by("?")[:300]]
    assert all(id_number_problem(row["id_number"]) is None for row in sample)
    companies = [record_values(r) for r in ResourceRecord.objects.filter(resource=resources["市场主体登记"])[:200]]
    assert all(credit_code_problem(row["credit_code"]) is None for row in companies)
    assert 0 < resources["低保对象"].record_count < population.record_count * 0.05
    # tell-us-once finds them by the material names the catalogue uses
    answering = resources_answering(
        {"户籍证明", "不动产登记信息", "社保参保缴费信息"}, "11330521002583430A000104002000"
    )
    assert answering["户籍证明"].name == "户籍人口" and answering["社保参保缴费信息"].name == "社保参保缴纳"
    # the demo data officer speaks for 民政局
    assert StaffRole.objects.filter(user__username="dataofficer", role=Role.DATA_OFFICER, department__code="mzj")

    versions = SourceVersion.objects.count()
    assert demo_exchange_create(actor=demo_county["admin"], log=lambda _: None) == {}
    assert SourceVersion.objects.count() == versions  # a second run writes nothing

    # the demo consumer system reads 户籍人口 with the credentials the README prints, once made
    from urllib.parse import quote

    from govplus.demo.exchange import DEMO_CONSUMER_ID, DEMO_CONSUMER_SECRET, demo_consumer_create
    from govplus.exchange.tests.test_gateway import token_for

    assert demo_consumer_create(actor=demo_county["admin"], log=lambda _: None)
    assert not demo_consumer_create(actor=demo_county["admin"], log=lambda _: None)  # once
    token = token_for(DEMO_CONSUMER_ID, DEMO_CONSUMER_SECRET)
    answer = Client().get(
        f"/api/v1/exchange/gateway/330521-GAJ-0001/records/{citizen_id}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_PURPOSE=quote("养老保险待遇资格认证"),
        HTTP_X_CASE_NUMBER="RSJ-2026-0001",
        HTTP_X_CONSENT=quote("申请人书面授权"),
    )
    assert answer.status_code == 200, answer.content
    values = answer.json()["data"]["values"]
    assert values["name"] == "张三" and values["id_number"] != citizen_id  # 敏感 fields come masked
    assert "address" not in values  # not granted
