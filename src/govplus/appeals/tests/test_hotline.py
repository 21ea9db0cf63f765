"""The hotline console: a 分办员 types a call in; it is taken in like any appeal (channel 热线), the
operator is the audit's actor, and the caller's number shows their earlier appeals."""

from __future__ import annotations

import pytest
from django.test import Client

from govplus.appeals.models import Appeal
from govplus.appeals.taxonomy import taxonomy_load
from govplus.core.models import AuditEntry
from govplus.identity.models import Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD

CALL = {
    "contact_phone": "13912345678",
    "contact_name": "王先生",
    "body": "新市镇菜市场门口夜里摆摊噪音大，影响休息",
    "urgency": "normal",
}


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def operator(county):
    taxonomy_load()
    return staff_create(
        actor=None, username="hotline1", password=PASSWORD, display_name="坐席一号",
        roles=[(county.departments["gaj"], Role.DISPATCHER)],
    )  # fmt: skip


def test_an_operator_types_a_call_in_and_sees_the_callers_earlier_appeals(county, operator):
    page = client_for(operator)
    assert page.get("/staff/appeals/hotline").status_code == 200
    taken = page.post("/staff/appeals/hotline", CALL)
    assert taken.status_code == 200 and "已登记" in taken.content.decode()
    appeal = Appeal.objects.get()
    assert appeal.channel == "hotline" and appeal.citizen is None and appeal.contact_phone_hash
    entry = AuditEntry.objects.filter(action="appeals.appeal_submit", object_id=appeal.number).get()
    assert entry.actor == operator
    again = page.get("/staff/appeals/hotline", {"phone": "13912345678"}).content.decode()
    assert appeal.number in again and "该号码的历史诉求" in again


def test_bad_input_shows_the_form_again_with_what_was_typed(county, operator):
    page = client_for(operator)
    answer = page.post("/staff/appeals/hotline", {**CALL, "body": "", "contact_phone": "12"})
    text = answer.content.decode()
    assert answer.status_code == 422 and "请写明诉求内容" in text and "王先生" in text
    assert Appeal.objects.count() == 0


def test_other_staff_do_not_get_the_console(county):
    assert client_for(county.staff["clerk"]).get("/staff/appeals/hotline").status_code == 404
