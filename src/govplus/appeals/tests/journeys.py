"""Each public write service of the appeals module, run once (for core's audit test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govplus.appeals import intake, partners, services, training
from govplus.appeals.models import Appeal, Category
from govplus.appeals.taxonomy import taxonomy_load
from govplus.identity.models import Role, User
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD, County


def platform_admin(county: County) -> User:
    found = User.objects.filter(username="appeals_admin").first()
    return found or staff_create(
        actor=None,
        username="appeals_admin",
        password=PASSWORD,
        display_name="平台管理员",
        roles=[(county.departments["gaj"], Role.PLATFORM_ADMIN)],
    )


def _submitted(county: County) -> Any:
    taxonomy_load()
    return intake.appeal_submit(
        actor=county.citizen,
        data=intake.AppealInput(channel="web", body="小区门口路灯坏了一个月，晚上出行不安全，请尽快修复。"),
    )


def _routed(county: County) -> Any:
    """An appeal sent to 公安局 (a dispatcher's choice)."""
    appeal = _submitted(county)
    # waiting for a dispatcher whatever a trained model (an earlier journey's) made of it
    Appeal.objects.filter(pk=appeal.pk).update(status=Appeal.Status.DISPATCHING, department=None)
    first = Category.objects.get(level=1, name="政法")
    return services.appeal_dispatch(
        actor=platform_admin(county), number=appeal.number, department_code="gaj", category_code=first.code
    )


def _signed(county: County) -> Any:
    return services.appeal_sign(actor=county.staff["clerk"], number=_routed(county).number)


def _replied(county: County) -> Any:
    return services.appeal_reply(
        actor=county.staff["clerk"],
        number=_signed(county).number,
        text="您好！我局已安排民警核实路灯问题，将于 5 个工作日内联系住建部门修复，感谢监督。",
        confirmed=True,
    )


def _issued(county: County) -> Any:
    return partners.partner_issue(actor=platform_admin(county), name="测试应用")[0]


WRITE_SERVICES: dict[str, tuple[Callable[[County], Any], str, Callable[[County], Any]]] = {
    "govplus.appeals.intake.appeal_submit": (_submitted, "appeals.appeal_submit", lambda c: c.citizen),
    "govplus.appeals.partners.partner_issue": (_issued, "appeals.partner_issue", platform_admin),
    "govplus.appeals.services.appeal_dispatch": (_routed, "appeals.appeal_dispatch", platform_admin),
    "govplus.appeals.services.appeal_return": (
        lambda c: services.appeal_return(actor=c.staff["clerk"], number=_routed(c).number, reason="不属于本部门职责"),
        "appeals.appeal_return",
        lambda c: c.staff["clerk"],
    ),
    "govplus.appeals.services.appeal_sign": (_signed, "appeals.appeal_sign", lambda c: c.staff["clerk"]),
    "govplus.appeals.services.appeal_reply": (_replied, "appeals.appeal_reply", lambda c: c.staff["clerk"]),
    "govplus.appeals.services.appeal_rate": (
        lambda c: services.appeal_rate(actor=c.citizen, number=_replied(c).number, verdict="satisfied"),
        "appeals.appeal_rate",
        lambda c: c.citizen,
    ),
    "govplus.appeals.partners.partner_disable": (
        lambda c: partners.partner_disable(actor=platform_admin(c), partner_id=_issued(c).pk),
        "appeals.partner_disable",
        platform_admin,
    ),
}


def _trained(county: County) -> Any:
    from govplus.demo.appeals_history import demo_appeals_create

    demo_appeals_create(size=120, log=lambda _line: None)
    return training.model_train(actor=platform_admin(county), note="journey")


WRITE_SERVICES["govplus.appeals.training.model_train"] = (_trained, "appeals.model_train", platform_admin)


def _merged(county: County) -> Any:
    first, second = _routed(county), _routed(county)
    return services.appeal_merge(actor=platform_admin(county), number=second.number, into=first.number)


WRITE_SERVICES["govplus.appeals.services.appeal_merge"] = (_merged, "appeals.appeal_merge", platform_admin)
WRITE_SERVICES["govplus.appeals.services.appeal_split"] = (
    lambda c: services.appeal_split(actor=platform_admin(c), number=_merged(c).number),
    "appeals.appeal_split",
    platform_admin,
)

NOT_WRITE_SERVICES: dict[str, str] = {
    "govplus.appeals.training.labelled_appeals": "reads",
    "govplus.appeals.intake.appeal_number": "computes a number",
}
