"""One run of each licences write service for core's "every write is audited" test, and the public
functions of licences' service modules that are not write services (with the reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from jwcrypto.jwk import JWK

from govplus.identity.models import Department, User
from govplus.licences import services, wallet
from govplus.licences.models import Licence, LicenceShare, LicenceType
from govplus.licences.selectors import licence_for_staff
from govplus.licences.tests.conftest import CREDIT_CODES, HOUSEHOLD, id_card_type
from govplus.testing.factories import County


def library_of(county: County) -> None:
    for code, credit_code in CREDIT_CODES.items():
        Department.objects.filter(code=code).update(credit_code=credit_code)
    services.licence_types_load(actor=None, data=[id_card_type(county.standard_item.code), HOUSEHOLD])


def household(county: County) -> Licence:
    """张三's household register (a new one each run)."""
    library_of(county)
    profile = county.citizen.citizen_profile
    return services.licence_issue(
        actor=county.staff["approver"],
        licence_type=LicenceType.objects.get(name="居民户口簿"),
        issuer=Department.objects.get(code="gaj"),
        holder_name=profile.name,
        holder_code=profile.id_number,
        face={"household_type": "家庭户"},
        issued_on=dt.date(2015, 6, 1),
        jurisdiction="330521",
        origin=Licence.Origin.IMPORTED,
    )


def shared(county: County) -> LicenceShare:
    return services.licence_share(
        actor=county.citizen,
        licence_id=household(county).licence_id,
        department_code="rsj",
        purpose="办理社保卡",
        valid_until=dt.date.today() + dt.timedelta(days=30),
    )


def _expired(county: County) -> int:
    licence = household(county)
    Licence.objects.filter(pk=licence.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    return services.licences_expire_due()


def _share_opened(county: County) -> None:
    share = shared(county)
    rsj = county.staff["rsj_reviewer"]
    services.licence_staff_open_record(
        actor=rsj, found=licence_for_staff(actor=rsj, licence_id=share.licence.licence_id)
    )


def _result_attached(county: County) -> Any:
    from govplus.cases.models import Application
    from govplus.cases.services import application_result_attach

    application = Application.objects.order_by("id").first() or county.submitted_application()
    return application_result_attach(
        application_id=application.pk,
        actor=county.staff["clerk"],
        title="已签发电子证照：居民身份证",
        link="/my/licences/x",
    )


def _holder_key() -> dict[str, Any]:
    return JWK.generate(kty="EC", crv="P-256").export_public(as_dict=True)


Runner = Callable[[County], Any]
WRITE_SERVICES: dict[str, tuple[Runner, str, Callable[[County], User | None]]] = {
    "govplus.cases.services.application_result_attach": (
        _result_attached,
        "cases.application_result_attach",
        lambda c: c.staff["clerk"],
    ),
    "govplus.licences.services.licence_types_load": (
        lambda c: services.licence_types_load(actor=c.staff["department_admin"], data=[HOUSEHOLD]),
        "licences.types_load",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.licences.services.licence_issue": (household, "licences.licence_import", lambda c: c.staff["approver"]),
    "govplus.licences.services.licence_status_change": (
        lambda c: services.licence_status_change(
            actor=c.staff["approver"], licence_id=household(c).licence_id, action="suspend", reason="核查"
        ),
        "licences.licence_suspend",
        lambda c: c.staff["approver"],
    ),
    "govplus.licences.services.licence_status_change_by_staff": (
        lambda c: services.licence_status_change_by_staff(
            actor=c.staff["approver"], licence_id=household(c).licence_id, action="revoke", reason="户口迁出"
        ),
        "licences.licence_revoke",
        lambda c: c.staff["approver"],
    ),
    "govplus.licences.services.licence_annotate": (
        lambda c: services.licence_annotate(
            actor=c.staff["approver"], licence_id=household(c).licence_id, note="户主变更"
        ),
        "licences.licence_annotate",
        lambda c: c.staff["approver"],
    ),
    "govplus.licences.services.licences_expire_due": (_expired, "licences.licence_expire", lambda c: None),
    "govplus.licences.services.licence_use_record": (
        lambda c: services.licence_use_record(licence=household(c), kind="verify", user=c.staff["clerk"]),
        "licences.licence_use_verify",
        lambda c: c.staff["clerk"],
    ),
    "govplus.licences.services.licence_share": (shared, "licences.licence_share", lambda c: c.citizen),
    "govplus.licences.services.licence_share_withdraw": (
        lambda c: services.licence_share_withdraw(
            actor=c.citizen, licence_id=(share := shared(c)).licence.licence_id, share_id=share.pk
        ),
        "licences.licence_share_withdraw",
        lambda c: c.citizen,
    ),
    "govplus.licences.services.licence_staff_open_record": (
        _share_opened,
        "licences.licence_use_share_use",
        lambda c: c.staff["rsj_reviewer"],
    ),
    "govplus.licences.services.licence_personal_reveal": (
        lambda c: services.licence_personal_reveal(
            actor=c.staff["clerk"], licence_id=household(c).licence_id, reason="核对户籍信息"
        ),
        "licences.licence_use_view",
        lambda c: c.staff["clerk"],
    ),
    "govplus.licences.wallet.licence_credential": (
        lambda c: wallet.licence_credential(
            actor=c.citizen, licence_id=household(c).licence_id, holder_jwk=_holder_key()
        ),
        "licences.licence_use_credential",
        lambda c: c.citizen,
    ),
    "govplus.licences.wallet.licence_show": (
        lambda c: wallet.licence_show(actor=c.citizen, licence_id=household(c).licence_id),
        "licences.licence_use_show",
        lambda c: c.citizen,
    ),
}

NOT_WRITE_SERVICES = {
    "govplus.licences.services.face_clean": "checks values",
    "govplus.licences.services.holder_code_problem": "checks a value",
    "govplus.licences.services.licence_digest": "computes a digest",
    "govplus.licences.services.status_indices_take": "a step inside licence_issue's transaction, audited there",
    "govplus.licences.services.validity_until": "computes a date",
    "govplus.licences.services.licence_for_update": "locks a row for the service that called it",
    "govplus.licences.services.may_manage": "reads",
    "govplus.licences.services.licence_status_change_check": "checks without writing (the confirm step)",
}
