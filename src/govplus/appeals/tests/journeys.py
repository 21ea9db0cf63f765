"""Each public write service of the appeals module, run once (for core's audit test)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govplus.appeals import intake, partners
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


def _issued(county: County) -> Any:
    return partners.partner_issue(actor=platform_admin(county), name="测试应用")[0]


WRITE_SERVICES: dict[str, tuple[Callable[[County], Any], str, Callable[[County], Any]]] = {
    "govplus.appeals.intake.appeal_submit": (_submitted, "appeals.appeal_submit", lambda c: c.citizen),
    "govplus.appeals.partners.partner_issue": (_issued, "appeals.partner_issue", platform_admin),
    "govplus.appeals.partners.partner_disable": (
        lambda c: partners.partner_disable(actor=platform_admin(c), partner_id=_issued(c).pk),
        "appeals.partner_disable",
        platform_admin,
    ),
}

NOT_WRITE_SERVICES: dict[str, str] = {
    "govplus.appeals.intake.appeal_number": "computes a number",
    "govplus.appeals.intake.reply_due_of": "computes a date",
}
