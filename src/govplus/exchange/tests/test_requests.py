"""Sharing requests and grants as both departments' staff use them through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from govplus.core.models import AuditEntry
from govplus.exchange.models import Grant, ShareRequest
from govplus.exchange.selectors import grant_active

API = "/api/v1/exchange"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(exchange, resource, fields, **extra) -> Any:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    actor = extra.pop("actor", exchange.consumer_officer)
    body = {
        "resource": resource.code,
        "consumer": exchange.consumer.application.client_id,
        "purpose": "社保待遇资格审核",
        "legal_basis": "《社会保险法》第八十二条",
        "fields": fields,
        "valid_from": str(today),
        "valid_until": str(today + dt.timedelta(days=365)),
        **extra,
    }
    return client_for(actor).post(f"{API}/requests", body, content_type="application/json")


def test_an_unconditional_resource_is_granted_at_once(exchange):
    response = ask(exchange, exchange.open_table, ["code", "name"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "granted" and body["grant"]["in_force"] and body["due_on"] is None
    assert grant_active(consumer=exchange.consumer, resource=exchange.open_table).fields == ["code", "name"]


def test_a_conditional_request_waits_for_the_providers_data_officer_who_grants_fewer_fields(exchange):
    created = ask(exchange, exchange.population, ["id_number", "name", "address"]).json()
    assert created["status"] == "pending" and created["grant"] is None
    assert dt.date.fromisoformat(created["due_on"]) > timezone.localdate()  # ten working days
    assert grant_active(consumer=exchange.consumer, resource=exchange.population) is None
    # the provider sees it to decide; a clerk of the provider may see it but not decide
    listed = client_for(exchange.provider_officer).get(f"{API}/requests", {"status": "pending"}).json()
    assert [r["number"] for r in listed] == [created["number"]]
    decide = f"{API}/requests/{created['number']}/decide"
    by_clerk = client_for(exchange.clerk).post(decide, {"grant": True}, content_type="application/json")
    assert by_clerk.status_code == 404
    wrong = client_for(exchange.provider_officer).post(
        decide, {"grant": True, "fields": ["name"], "unmasked_fields": ["address"]}, content_type="application/json"
    )
    assert wrong.status_code == 422 and "unmasked_fields" in wrong.json()["fields"]
    granted = client_for(exchange.provider_officer).post(
        decide,
        {"grant": True, "fields": ["id_number", "name"], "reason": "住址不在用途范围内"},
        content_type="application/json",
    )
    assert granted.status_code == 200, granted.content
    assert granted.json()["status"] == "granted" and granted.json()["grant"]["fields"] == ["id_number", "name"]
    again = client_for(exchange.provider_officer).post(
        decide, {"grant": False, "reason": "x"}, content_type="application/json"
    )
    assert again.status_code == 409
    # the consumer's side sees the decision too
    mine = client_for(exchange.consumer_officer).get(f"{API}/requests/{created['number']}").json()
    assert mine["decision_reason"] == "住址不在用途范围内"
    actions = set(AuditEntry.objects.filter(object_id=created["number"]).values_list("action", flat=True))
    assert {"exchange.request_create", "exchange.grant_create"} <= actions


def test_a_refusal_needs_a_reason_and_a_grant_can_be_withdrawn_by_either_side(exchange):
    number = ask(exchange, exchange.population, ["name"]).json()["number"]
    decide = f"{API}/requests/{number}/decide"
    no_reason = client_for(exchange.provider_officer).post(decide, {"grant": False}, content_type="application/json")
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["fields"]
    refused = client_for(exchange.provider_officer).post(
        decide, {"grant": False, "reason": "用途与资源无关"}, content_type="application/json"
    )
    assert refused.json()["status"] == "refused"
    granted_number = ask(exchange, exchange.open_table, ["code"]).json()["number"]
    grant = Grant.objects.get(request__number=granted_number)
    withdraw = f"{API}/grants/{grant.pk}/withdraw"
    assert (
        client_for(exchange.clerk).post(withdraw, {"reason": "x"}, content_type="application/json").status_code == 404
    )
    done = client_for(exchange.consumer_officer).post(withdraw, {"reason": "系统下线"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["in_force"] is False
    assert grant_active(consumer=exchange.consumer, resource=exchange.open_table) is None


def test_bad_requests_are_refused_with_the_field_named(exchange):
    secret_field = ask(exchange, exchange.population, ["religion"])
    assert secret_field.status_code == 422 and "高度敏感" in secret_field.json()["fields"]["fields"][0]
    unknown = ask(exchange, exchange.population, ["salary"])
    assert unknown.status_code == 422 and "salary" in unknown.json()["fields"]["fields"][0]
    no_purpose = ask(exchange, exchange.population, ["name"], purpose=" ")
    assert no_purpose.status_code == 422 and "purpose" in no_purpose.json()["fields"]
    backwards = ask(exchange, exchange.population, ["name"], valid_until="2000-01-01")
    assert backwards.status_code == 422 and "valid_until" in backwards.json()["fields"]
    other_department = ask(exchange, exchange.population, ["name"], actor=exchange.provider_officer)
    assert other_department.status_code == 403
    citizen = ask(exchange, exchange.population, ["name"], actor=exchange.county.citizen)
    assert citizen.status_code == 404
    assert not ShareRequest.objects.exists()  # nothing half-written
