"""The licence library: identifiers, issuance when a case is approved, status changes, tell-us-once."""

from __future__ import annotations

import datetime as dt

import pytest

from govplus.cases.actions import task_complete
from govplus.cases.models import Application, CaseEvent
from govplus.cases.services import (
    application_create,
    application_submit,
    material_supply_consent,
    material_upload_bytes,
)
from govplus.catalog.models import Material
from govplus.core.audit import audit_verify
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.events import Event, events_sweep
from govplus.core.models import AuditEntry, Notification, OutboxEvent
from govplus.licences.identifiers import licence_id_make, licence_id_problem, mod37_36_check
from govplus.licences.issuance import licence_issue_on_approval
from govplus.licences.models import Licence, LicenceEvent, LicenceType
from govplus.licences.selectors import licence_document, licence_face, licence_for, licences_of_holder
from govplus.licences.services import licence_issue, licence_share, licence_status_change
from govplus.testing.factories import PDF

TYPE = "11100000000013127D001"
ISSUER = "11330521002583510X"


def test_identifier_has_the_provincial_structure_and_a_mod_37_36_check():
    licence_id = licence_id_make(type_code=TYPE, issuer_code=ISSUER, serial=42)
    assert licence_id.startswith(f"1.2.156.3005.2.{TYPE}.{ISSUER}.0000042.001.")
    assert licence_id_problem(licence_id) is None
    check = licence_id[-1]
    wrong = next(c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != check)
    assert "校验位" in licence_id_problem(licence_id[:-1] + wrong)[0]
    assert "格式" in licence_id_problem("1.2.156.3005.2.abc")[0]
    assert licence_id_problem("") is not None
    # ISO 7064 MOD 37,36 (a hybrid system) catches every single substitution, and nearly every swap of
    # two neighbours (not all: hybrid systems guarantee single errors only)
    body = f"12156300521{TYPE}{ISSUER}0000042001"
    good = mod37_36_check(body)
    for position, char in enumerate(body):
        for other in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if other != char:
                assert mod37_36_check(body[:position] + other + body[position + 1 :]) != good
    swaps = [body[:i] + body[i + 1] + body[i] + body[i + 2 :] for i in range(len(body) - 1) if body[i] != body[i + 1]]
    missed = [swapped for swapped in swaps if mod37_36_check(swapped) == good]
    assert len(missed) <= len(swaps) // 20


def _approve_and_conclude(county, application: Application) -> Application:
    task_complete(actor=county.staff["clerk"], task_id=county.open_task(application).pk, action="accept")
    task_complete(actor=county.staff["reviewer"], task_id=county.open_task(application, "review").pk, action="pass")
    task_complete(
        actor=county.staff["approver"],
        task_id=county.open_task(application, "decide").pk,
        action="approve",
        opinion="准予",
    )
    return task_complete(
        actor=county.staff["clerk"],
        task_id=county.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="download",
    )


def test_an_approved_case_issues_its_licence_to_the_applicant_once(library):
    application = _approve_and_conclude(library, library.submitted_application())
    assert application.status == Application.Status.CONCLUDED
    assert not Licence.objects.exists()  # issued by the event handler, after the commit
    events_sweep()

    licence = Licence.objects.get()
    assert licence.holder == library.citizen
    assert licence.licence_type.name == "居民身份证"
    assert licence.issuer.code == "gaj" and licence.issuer_code == ISSUER
    assert licence_id_problem(licence.licence_id) is None
    assert licence.application_id == application.pk
    assert licence.origin == Licence.Origin.ISSUED and licence.status == Licence.Status.VALID
    assert licence.valid_until == licence.valid_from.replace(year=licence.valid_from.year + 20) - dt.timedelta(days=1)
    face = licence_face(licence)
    assert face == {"sex": "男", "birth_date": "1990-03-07", "reason": "有效期满"}
    assert "张三" not in licence.holder_name_encrypted and "1990" not in licence.face_encrypted
    # the applicant is told and finds the result on the case
    assert Notification.objects.filter(recipient=library.citizen, category="licence").exists()
    result = CaseEvent.objects.get(application=application, kind="result")
    assert result.link == f"/my/licences/{licence.licence_id}" and result.is_public
    # redelivering the same event issues nothing more
    concluded = OutboxEvent.objects.get(name="application.concluded")
    licence_issue_on_approval(Event(concluded.pk, concluded.name, concluded.payload, concluded.occurred_at))
    assert Licence.objects.count() == 1
    assert CaseEvent.objects.filter(application=application, kind="result").count() == 1
    assert AuditEntry.objects.filter(action="licences.licence_issue", object_id=licence.licence_id).exists()
    assert audit_verify().is_intact


def test_a_denied_case_issues_nothing(library):
    application = library.submitted_application()
    task_complete(actor=library.staff["clerk"], task_id=library.open_task(application).pk, action="accept")
    task_complete(actor=library.staff["reviewer"], task_id=library.open_task(application, "review").pk, action="pass")
    task_complete(
        actor=library.staff["approver"],
        task_id=library.open_task(application, "decide").pk,
        action="deny",
        opinion="不符合条件",
    )
    task_complete(
        actor=library.staff["clerk"],
        task_id=library.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="download",
    )
    events_sweep()
    assert not Licence.objects.exists()


def test_issue_refuses_bad_face_values_and_holder_codes_by_field(library):
    with pytest.raises(ValidationFailed) as refused:
        licence_issue(
            actor=None,
            licence_type=LicenceType.objects.get(name="居民身份证"),
            issuer=library.departments["gaj"],
            holder_name="王五",
            holder_code="330521199003071230",
            face={"sex": "未知", "birth_date": "1990/03/07", "colour": "red"},
            issued_on=dt.date(2020, 1, 1),
            jurisdiction="3305",
        )
    fields = refused.value.fields
    assert {"face.sex", "face.birth_date", "face.colour", "holder_code", "jurisdiction"} <= set(fields)
    assert not Licence.objects.exists()


def test_status_changes_belong_to_the_issuing_departments_approvers_and_need_a_reason(household_of_zhangsan, library):
    licence_id = household_of_zhangsan.licence_id
    with pytest.raises(PermissionDenied):
        licence_status_change(actor=library.staff["clerk"], licence_id=licence_id, action="suspend", reason="核查")
    with pytest.raises(ValidationFailed) as no_reason:
        licence_status_change(actor=library.staff["approver"], licence_id=licence_id, action="suspend", reason=" ")
    assert "reason" in no_reason.value.fields
    approver = library.staff["approver"]
    assert (
        licence_status_change(actor=approver, licence_id=licence_id, action="suspend", reason="核查").status
        == "suspended"
    )
    with pytest.raises(Conflict):
        licence_status_change(actor=approver, licence_id=licence_id, action="suspend", reason="again")
    assert (
        licence_status_change(actor=approver, licence_id=licence_id, action="restore", reason="核查无误").status
        == "valid"
    )
    assert (
        licence_status_change(actor=approver, licence_id=licence_id, action="revoke", reason="骗取登记").status
        == "revoked"
    )
    with pytest.raises(Conflict):
        licence_status_change(actor=approver, licence_id=licence_id, action="restore", reason="x")
    kinds = list(LicenceEvent.objects.filter(licence=household_of_zhangsan).values_list("kind", "reason"))
    assert kinds == [("import", ""), ("suspend", "核查"), ("restore", "核查无误"), ("revoke", "骗取登记")]
    assert AuditEntry.objects.filter(action="licences.licence_revoke", object_id=licence_id).exists()
    assert OutboxEvent.objects.filter(name="licence.status_changed").count() == 3
    with pytest.raises(ValidationFailed):
        licence_status_change(actor=approver, licence_id="1.2.156.3005.2.bad", action="revoke", reason="x")


def test_the_wallet_holds_only_the_holders_licences_and_others_get_404(household_of_zhangsan, library):
    rows, total = licences_of_holder(holder=library.citizen)
    assert total == 1 and rows[0].licence_id == household_of_zhangsan.licence_id
    assert licences_of_holder(holder=library.other_citizen)[1] == 0
    with pytest.raises(NotFound):
        licence_for(actor=library.other_citizen, licence_id=household_of_zhangsan.licence_id)
    assert licence_for(actor=library.staff["clerk"], licence_id=household_of_zhangsan.licence_id)[1] == "issuer"
    rsj = library.staff["rsj_reviewer"]
    with pytest.raises(NotFound):
        licence_for(actor=rsj, licence_id=household_of_zhangsan.licence_id)
    share = licence_share(
        actor=library.citizen,
        licence_id=household_of_zhangsan.licence_id,
        department_code="rsj",
        purpose="办理社保卡",
        valid_until=dt.date.today() + dt.timedelta(days=30),
    )
    assert licence_for(actor=rsj, licence_id=household_of_zhangsan.licence_id)[1] == "share"
    with pytest.raises(NotFound):  # only the holder may share it
        licence_share(
            actor=library.other_citizen,
            licence_id=household_of_zhangsan.licence_id,
            department_code="rsj",
            purpose="x",
            valid_until=dt.date.today(),
        )
    assert share.withdrawn_at is None
    document = licence_document(household_of_zhangsan)
    assert document.holder_name == "张三" and document.holder_birth_date == dt.date(1990, 3, 7)
    assert document.verify_url.endswith(f"/licences/verify/{household_of_zhangsan.licence_id}")


@pytest.fixture
def household_required(library):
    Material.objects.filter(item=library.standard_item, code="M02").update(is_required=True)
    return library


def test_tell_us_once_the_household_register_comes_from_the_library(household_required, household_of_zhangsan):
    county = household_required
    application = application_create(
        actor=county.citizen,
        service_code=county.standard_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
    )
    supply = material_supply_consent(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True
    )
    assert supply is not None and supply.provider == "licences"
    assert supply.reference == household_of_zhangsan.licence_id and supply.digest == household_of_zhangsan.digest
    submitted = application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert submitted.status == Application.Status.SUBMITTED


def test_a_revoked_licence_is_not_used_and_the_applicant_must_upload(household_required, household_of_zhangsan):
    county = household_required
    application = application_create(
        actor=county.citizen,
        service_code=county.standard_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
    )
    material_supply_consent(actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True)
    licence_status_change(
        actor=county.staff["approver"], licence_id=household_of_zhangsan.licence_id, action="revoke", reason="户口迁出"
    )
    with pytest.raises(ValidationFailed) as refused:
        application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert "materials.M02" in refused.value.fields
    with pytest.raises(ValidationFailed):  # and it is no longer offered
        material_supply_consent(
            actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True
        )


def test_an_expired_licence_is_not_offered(household_required, household_of_zhangsan):
    county = household_required
    Licence.objects.filter(pk=household_of_zhangsan.pk).update(valid_until=dt.date.today() - dt.timedelta(days=1))
    application = application_create(
        actor=county.citizen,
        service_code=county.standard_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    with pytest.raises(ValidationFailed):
        material_supply_consent(
            actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True
        )


def test_the_nightly_sweep_expires_licences_past_their_validity(household_of_zhangsan, library):
    from govplus.licences.services import licences_expire_due

    Licence.objects.filter(pk=household_of_zhangsan.pk).update(valid_until=dt.date(2026, 1, 31))
    assert licences_expire_due(today=dt.date(2026, 1, 31)) == 0  # valid through its last day
    assert licences_expire_due(today=dt.date(2026, 2, 1)) == 1
    expired = Licence.objects.get(pk=household_of_zhangsan.pk)
    assert expired.status == Licence.Status.EXPIRED
    assert expired.events.last().kind == "expire"
    assert licences_expire_due(today=dt.date(2026, 2, 2)) == 0


def test_only_the_sweep_or_the_issuing_department_marks_a_licence_expired(household_of_zhangsan, library):
    with pytest.raises(PermissionDenied):
        licence_status_change(
            actor=library.other_citizen, licence_id=household_of_zhangsan.licence_id, action="expire", reason="x"
        )
    assert Licence.objects.get(pk=household_of_zhangsan.pk).status == Licence.Status.VALID


def test_a_joint_item_issues_each_departments_part(library):
    """一件事: an approved parallel case issues one licence per department named in `issued_by`."""
    from govplus.cases.models import CaseTask
    from govplus.licences.services import licence_types_load
    from govplus.licences.tests.conftest import AUTHORITY, HOUSEHOLD

    parallel = library.parallel_item.code
    licence_types_load(
        actor=None,
        data=[
            {
                **HOUSEHOLD,
                "face_schema": [{**HOUSEHOLD["face_schema"][0], "from": "const:家庭户"}],
                "issued_by": [{"service_code": parallel, "department": "scjgj"}],
            },
            {
                **HOUSEHOLD,
                "code": AUTHORITY + "009",
                "name": "社会保险登记证",
                "name_en": "Social insurance registration",
                "face_schema": [],
                "issued_by": [{"service_code": parallel, "department": "rsj"}],
            },
        ],
    )
    application = application_create(
        actor=library.citizen, service_code=parallel, form={"reason": "有效期满", "phone": "13800138000"}
    )
    material_upload_bytes(
        actor=library.citizen, receipt_no=application.receipt_no, material_code="M01", name="a.pdf", content=PDF
    )
    application = application_submit(actor=library.citizen, receipt_no=application.receipt_no)
    staff = library.staff
    task_complete(actor=staff["scjgj_clerk"], task_id=library.open_task(application).pk, action="accept")
    for code in ("swj", "rsj"):
        task = CaseTask.objects.get(application=application, step="co_review", department__code=code)
        task_complete(actor=staff[f"{code}_reviewer"], task_id=task.pk, action="approve")
    task_complete(actor=staff["scjgj_approver"], task_id=library.open_task(application, "decide").pk, action="approve")
    task_complete(
        actor=staff["scjgj_clerk"],
        task_id=library.open_task(application, "conclude").pk,
        action="conclude",
        delivery_method="download",
    )
    events_sweep()
    issued = {
        (licence.licence_type.name, licence.issuer.code)
        for licence in Licence.objects.filter(application_id=application.pk)
    }
    assert issued == {("居民户口簿", "scjgj"), ("社会保险登记证", "rsj")}
    assert CaseEvent.objects.filter(application=application, kind="result").count() == 2
