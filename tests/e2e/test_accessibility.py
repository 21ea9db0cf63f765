"""No serious or critical axe-core violation on any page a visitor, a citizen or a clerk opens, in
Chinese and English, on a desktop and on a phone screen (the audit itself is in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from govplus.appeals.intake import AppealInput, appeal_submit
from govplus.appeals.models import Appeal
from govplus.appeals.taxonomy import taxonomy_load
from govplus.cases.services import application_create
from govplus.core.notify import notification_send
from govplus.identity.models import Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD, County

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def in_language(page: Page, language: str) -> None:
    """Switch with the site's own language link (a cookie), as a visitor would."""
    if language == "en":
        page.goto("/lang/en/?next=/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_every_page_passes_axe_in_both_languages_and_on_a_phone(
    county_tx: County,
    open_page: Callable[..., Page],
    sign_in: Callable[..., Page],
    language: str,
    screen: str,
) -> None:
    size = PHONE if screen == "phone" else DESKTOP
    submitted = county_tx.submitted_application()
    draft = application_create(
        actor=county_tx.citizen, service_code=county_tx.standard_item.code, form={"reason": "有效期满"}
    )
    notification_send(recipient=county_tx.citizen, title="办件已受理", body="测试消息", external=False)
    code = county_tx.standard_item.code
    taxonomy_load()
    # an appeal signed for by 公安局, so its clerk has one to open
    appeal = appeal_submit(
        actor=county_tx.citizen,
        data=AppealInput(channel="web", body="武康街道英溪路口红绿灯坏了，早高峰很危险", contact_phone="13800138000"),
    )
    Appeal.objects.filter(pk=appeal.pk).update(department=county_tx.departments["gaj"], status="signed")
    staff_create(
        actor=None,
        username="appeals_dispatcher",
        password=PASSWORD,
        display_name="分办员",
        roles=[(county_tx.departments["gaj"], Role.DISPATCHER)],
    )
    audited: list[str] = []

    visitor = open_page(**size)
    in_language(visitor, language)
    for path in (
        "/",
        "/services/",
        "/services/?q=身份证",
        f"/services/{code}/",
        f"/services/{county_tx.parallel_item.code}/",
        "/power-list/",
        "/responsibility-list/",
        "/progress/",
        f"/progress/?receipt_no={submitted.receipt_no}&phone_last4=8000",
        "/progress/?receipt_no=x&phone_last4=1",
        "/login/",
        "/register/",
        "/appeals/new",
        "/appeals/public",
        "/logout/",
        "/no-such-page/",
    ):
        visitor.goto(path)  # audited by the open_page fixture
        audited.append(path)

    citizen = sign_in("zhangsan", **size)
    in_language(citizen, language)
    for path in (
        "/my/applications",
        f"/my/applications/{submitted.receipt_no}",
        f"/services/{code}/apply/",
        f"/my/applications/{draft.receipt_no}/materials",
        f"/my/applications/{draft.receipt_no}/review",
        "/inbox/",
        "/account/totp/",
        "/my/licences",
        "/my/data-uses",
        "/appeals/new",
        "/my/appeals",
        f"/my/appeals/{appeal.number}",
        "/logout/",
    ):
        citizen.goto(path)
        audited.append(path)

    clerk = sign_in("gaj_clerk", **size)
    in_language(clerk, language)
    for path in (
        "/staff/",
        f"/staff/cases/{submitted.receipt_no}",
        "/staff/appeals",
        f"/staff/appeals/{appeal.number}",
    ):
        clerk.goto(path)
        audited.append(path)
    admin = sign_in("gaj_department_admin", **size)
    in_language(admin, language)
    for path in (
        "/staff/rectifications",
        "/staff/licences",
        "/staff/licences/import",
        "/staff/exchange/requests",
        "/staff/exchange/grants",
        "/staff/exchange/systems",
        "/staff/exchange/nodes",
        "/staff/exchange/resources",
        "/staff/exchange/subscriptions",
        "/staff/exchange/evidence",
    ):
        admin.goto(path)
        audited.append(path)
    dispatcher = sign_in("appeals_dispatcher", **size)
    in_language(dispatcher, language)
    for path in ("/staff/appeals?tab=dispatch", "/staff/appeals/hotline"):
        dispatcher.goto(path)
        audited.append(path)
    assert len(audited) == 45
