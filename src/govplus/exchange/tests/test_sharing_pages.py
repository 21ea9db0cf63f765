"""The sharing pages as both departments' staff and a citizen use them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from govplus.core.models import AuditEntry
from govplus.exchange.evidence import evidence_record
from govplus.exchange.models import Grant, ShareRequest


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_consumer_asks_on_the_page_and_the_provider_decides_there(exchange):
    consumer = client_for(exchange.consumer_officer)
    form = consumer.get(f"/staff/exchange/resources/{exchange.population.code}/request").content.decode()
    assert 'name="fields" value="name"' in form and 'value="religion"' not in form  # 高度敏感 is never offered
    today = timezone.localdate()
    body = {
        "consumer": exchange.consumer.application.client_id,
        "purpose": "",
        "legal_basis": "《社会保险法》",
        "fields": ["id_number", "name"],
        "valid_from": str(today),
        "valid_until": str(today + dt.timedelta(days=30)),
    }
    missing = consumer.post(f"/staff/exchange/resources/{exchange.population.code}/request", body)
    assert missing.status_code == 422 and 'aria-describedby="purpose-error"' in missing.content.decode()
    body["purpose"] = "社保待遇资格审核"
    made = consumer.post(f"/staff/exchange/resources/{exchange.population.code}/request", body)
    assert made.status_code == 302
    share = ShareRequest.objects.get()
    provider = client_for(exchange.provider_officer)
    queue = provider.get("/staff/exchange/requests").content.decode()
    assert share.number in queue
    page = provider.get(f"/staff/exchange/requests/{share.number}").content.decode()
    assert 'value="grant"' in page and 'name="unmasked_fields" value="id_number"' in page
    refused = provider.post(f"/staff/exchange/requests/{share.number}", {"action": "refuse", "reason": ""})
    assert refused.status_code == 422 and "reason-error" in refused.content.decode()
    granted = provider.post(
        f"/staff/exchange/requests/{share.number}", {"action": "grant", "fields": ["name"], "reason": "仅姓名"}
    )
    assert granted.status_code == 302
    assert Grant.objects.get().fields == ["name"]
    # the consumer sees the grant and withdraws it with a reason
    grants = consumer.get("/staff/exchange/grants").content.decode()
    assert "撤销授权" in grants
    consumer.post(f"/staff/exchange/grants/{Grant.objects.get().pk}/withdraw", {"reason": "系统停用"})
    assert Grant.objects.get().withdrawn_at is not None


def test_a_department_registers_a_system_and_sees_its_secret_once(exchange):
    page = client_for(exchange.consumer_officer)
    made = page.post("/staff/exchange/systems", {"department": exchange.consumer.department_id, "name": "就业补贴系统"})
    body = made.content.decode()
    assert made.status_code == 200 and 'data-testid="new-secret"' in body
    assert "就业补贴系统" in page.get("/staff/exchange/systems").content.decode()
    assert 'data-testid="new-secret"' not in page.get("/staff/exchange/systems").content.decode()
    empty = page.post("/staff/exchange/systems", {"department": exchange.consumer.department_id, "name": ""})
    assert empty.status_code == 422 and "name-error" in empty.content.decode()
    assert AuditEntry.objects.filter(action="exchange.consumer_create").count() == 2


def test_a_citizen_sees_which_department_looked_up_their_data(exchange):
    profile = exchange.county.citizen.citizen_profile
    evidence_record(
        consumer=exchange.consumer.application.client_id,
        consumer_department="rsj",
        operation="lookup",
        resource_code=exchange.population.code,
        purpose="社保待遇资格审核",
        fields=["name"],
        record_count=1,
        request={"key": "x"},
        response=b"{}",
        subject_hash=profile.id_number_hash,
    )
    page = client_for(exchange.county.citizen).get("/my/data-uses").content.decode()
    assert "社保待遇资格审核" in page and "户籍人口" in page
    other = client_for(exchange.county.staff["clerk"]).get("/my/data-uses")
    assert other.status_code in (302, 403, 404)
