"""Handling an appeal through the services: intake and routing, 分办, 退回, 签收, 答复 with its checks,
评价 and 重办; each step only in its state, by the people it belongs to."""

from __future__ import annotations

import pytest

from govplus.appeals import services
from govplus.appeals.intake import AppealInput, appeal_submit
from govplus.appeals.models import Appeal, AppealStep, Category
from govplus.appeals.taxonomy import taxonomy_load
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.identity.models import Department, Region, Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD

LAMP = "小区门口路灯坏了一个月，晚上出行很不安全，希望住建局尽快修复路灯。"
GOOD_REPLY = "您好！经核实，小区门口路灯损坏属实，我局已安排维修单位于 12 月 10 日前修复路灯，感谢您的监督。"


@pytest.fixture
def desk(county):
    taxonomy_load()
    zjj, _ = Department.objects.get_or_create(code="zjj", defaults={"name": "德清县住房和城乡建设局"})
    clerk = staff_create(
        actor=None, username="zjj_clerk", password=PASSWORD, display_name="住建受理", roles=[(zjj, Role.CLERK)]
    )
    dispatcher = staff_create(
        actor=None,
        username="dispatcher",
        password=PASSWORD,
        display_name="分办员",
        roles=[(county.departments["gaj"], Role.DISPATCHER)],
    )
    return {"county": county, "zjj": zjj, "clerk": clerk, "dispatcher": dispatcher}


def _construction() -> Category:
    return Category.objects.get(level=1, name="城乡建设")


def _filed(desk, **more) -> Appeal:
    data = AppealInput(channel="web", body=LAMP, contact_name="张三", contact_phone="13800138000", **more)
    return appeal_submit(actor=desk["county"].citizen, data=data)


def test_without_a_category_it_waits_for_the_dispatcher_who_routes_it(desk):
    appeal = _filed(desk)
    assert appeal.status == Appeal.Status.DISPATCHING and appeal.department is None  # no classifier yet
    with pytest.raises(PermissionDenied):
        services.appeal_dispatch(
            actor=desk["clerk"], number=appeal.number, department_code="zjj", category_code=_construction().code
        )
    with pytest.raises(ValidationFailed) as bad:
        services.appeal_dispatch(actor=desk["dispatcher"], number=appeal.number, department_code="", category_code="")
    assert set(bad.value.fields) == {"department", "category"}
    routed = services.appeal_dispatch(
        actor=desk["dispatcher"], number=appeal.number, department_code="zjj", category_code=_construction().code
    )
    assert routed.status == Appeal.Status.ASSIGNED and routed.category_source == "dispatcher"
    assert routed.reply_due is not None and routed.reply_due > routed.submitted_at.date()
    with pytest.raises(Conflict):  # a second click does nothing twice
        services.appeal_dispatch(
            actor=desk["dispatcher"], number=appeal.number, department_code="zjj", category_code=_construction().code
        )


def test_a_department_signs_replies_after_the_checks_and_a_dissatisfied_citizen_reopens_it(desk):
    appeal = _filed(desk, category_code=_construction().code)
    assert appeal.status == Appeal.Status.ASSIGNED and appeal.department == desk["zjj"]
    with pytest.raises(PermissionDenied):  # another department's staff
        services.appeal_sign(actor=desk["county"].staff["clerk"], number=appeal.number)
    services.appeal_sign(actor=desk["clerk"], number=appeal.number)
    with pytest.raises(Conflict):
        services.appeal_sign(actor=desk["clerk"], number=appeal.number)
    with pytest.raises(ValidationFailed) as personal:
        services.appeal_reply(
            actor=desk["clerk"], number=appeal.number, text=GOOD_REPLY + "如有疑问请联系张师傅 13912345678。"
        )
    assert "手机号或身份证号" in personal.value.fields["reply"][0]
    vague = "您好，您反映的问题已收悉，感谢您对我们工作的关心和支持。"
    with pytest.raises(ValidationFailed) as soft:
        services.appeal_reply(actor=desk["clerk"], number=appeal.number, text=vague)
    assert any("时限" in problem for problem in soft.value.fields["reply"])
    services.appeal_reply(actor=desk["clerk"], number=appeal.number, text=GOOD_REPLY)
    with pytest.raises(NotFound):  # only the citizen who filed it rates it
        services.appeal_rate(actor=desk["county"].other_citizen, number=appeal.number, verdict="satisfied")
    reopened = services.appeal_rate(
        actor=desk["county"].citizen, number=appeal.number, verdict="unsatisfied", comment="路灯还是没修"
    )
    assert reopened.status == Appeal.Status.SIGNED and reopened.reopened_count == 1
    services.appeal_reply(actor=desk["clerk"], number=appeal.number, text=GOOD_REPLY.replace("10", "5"))
    closed = services.appeal_rate(actor=desk["county"].citizen, number=appeal.number, verdict="satisfied")
    assert closed.status == Appeal.Status.CLOSED and closed.verdict == "satisfied"
    kinds = list(AppealStep.objects.filter(appeal=appeal).values_list("kind", flat=True))
    assert kinds == ["sign", "reply", "reopen", "reply", "rate"]


def test_a_department_returns_what_is_not_theirs_with_a_reason(desk):
    appeal = _filed(desk, category_code=_construction().code)
    with pytest.raises(ValidationFailed):
        services.appeal_return(actor=desk["clerk"], number=appeal.number, reason="不")
    returned = services.appeal_return(actor=desk["clerk"], number=appeal.number, reason="属于交通运输局职责")
    assert returned.status == Appeal.Status.DISPATCHING and returned.department is None
    assert returned.returned_reason == "属于交通运输局职责"


def test_bad_input_names_each_field_and_stores_nothing(desk):
    cases = [
        (AppealInput(channel="web", body=""), "body"),
        (AppealInput(channel="web", body="很" * 50_000), "body"),
        (AppealInput(channel="web", body=LAMP, category_code="99"), "category"),
        (AppealInput(channel="web", body=LAMP, region_code="000000"), "region"),
        (AppealInput(channel="web", body=LAMP, contact_phone="12345"), "contact_phone"),
        (AppealInput(channel="web", body=LAMP, latitude="abc"), "lat"),
        (AppealInput(channel="fax", body=LAMP), "channel"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as error:
            appeal_submit(actor=desk["county"].citizen, data=data)
        assert field in error.value.fields, (field, error.value.fields)
    assert Appeal.objects.count() == 0


def test_an_anonymous_appeal_keeps_no_name_or_phone_but_stays_the_citizens_to_follow(desk):
    appeal = appeal_submit(
        actor=desk["county"].citizen,
        data=AppealInput(channel="web", body=LAMP, is_anonymous=True, contact_name="张三", contact_phone="13800138000"),
    )
    assert appeal.contact_phone_encrypted == "" and appeal.contact_name_encrypted == "" and appeal.is_anonymous
    assert appeal.citizen == desk["county"].citizen


def test_an_answered_public_appeal_is_shown_anonymised_and_a_private_one_is_not(desk, client):
    shown = _filed(desk, category_code=_construction().code)
    private = _filed(desk, category_code=_construction().code, is_public=False)
    for appeal in (shown, private):
        services.appeal_sign(actor=desk["clerk"], number=appeal.number)
        services.appeal_reply(actor=desk["clerk"], number=appeal.number, text=GOOD_REPLY)
    Appeal.objects.filter(pk=shown.pk).update(body=LAMP + "我的电话 13800138000")
    page = client.get("/appeals/public").content.decode()
    assert shown.title in page and "138****8000" in page and "13800138000" not in page
    assert page.count("路灯损坏属实") == 1  # the private one is not published
    assert "张三" not in page  # never the caller


def test_a_repeat_of_an_open_appeal_at_the_same_place_is_linked_and_can_be_merged_or_split(desk):
    street = Region.objects.create(
        code="330521001", name="武康街道", level="street", parent=Region.objects.get(code="330521")
    )
    first = _filed(desk, category_code=_construction().code, region_code=street.code)
    again = _filed(desk, category_code=_construction().code, region_code=street.code)
    assert again.duplicate_of == first and again.duplicate_score >= 0.45
    elsewhere = _filed(desk, category_code=_construction().code)  # no place given: not compared
    assert elsewhere.duplicate_of is None
    other_matter = appeal_submit(
        actor=desk["county"].citizen,
        data=AppealInput(channel="web", body="学校门口早上接送孩子的车太多，交通很乱", region_code=street.code),
    )
    assert other_matter.duplicate_of is None
    merged = services.appeal_merge(actor=desk["clerk"], number=again.number, into=first.number)
    assert merged.status == Appeal.Status.CLOSED and merged.merged and first.number in merged.reply
    split = services.appeal_split(actor=desk["clerk"], number=again.number)
    assert split.duplicate_of is None and split.status == Appeal.Status.DISPATCHING
    with pytest.raises(Conflict):
        services.appeal_split(actor=desk["clerk"], number=again.number)
