"""用证记录 of tell-us-once: a submitted case that relies on a licence is a use of it.

Rule: when an application is submitted (`application.submitted`), every material the licence library
supplied to it with the applicant's consent (a `MaterialSupply` of provider "licences") is recorded as
a use of that licence (办事免提交调用): which department, for which case, when. The holder reads it in
用证记录 and it is audited. Delivery is at least once, so the handler records one use per (licence,
case): a redelivered event, or a case submitted again after a supplement, adds nothing.
"""

from __future__ import annotations

from django.db import transaction

from govplus.cases.models import Application, MaterialSupply
from govplus.core.events import Event
from govplus.licences.models import Licence, LicenceUse
from govplus.licences.providers import PROVIDER_NAME
from govplus.licences.services import licence_use_record

HANDLER_NAME = "licences.record_supply_use"


def licence_supply_uses_record(event: Event) -> None:
    application_id = int(event.payload["application_id"])
    receipt_no = str(event.payload.get("receipt_no", ""))
    supplies = list(
        MaterialSupply.objects.filter(application_id=application_id, provider=PROVIDER_NAME).values_list(
            "reference", flat=True
        )
    )
    if not supplies:
        return
    application = Application.objects.select_related("department", "service_item").get(pk=application_id)
    with transaction.atomic():
        for licence in Licence.objects.filter(licence_id__in=supplies):
            if LicenceUse.objects.filter(licence=licence, receipt_no=receipt_no, kind=LicenceUse.Kind.SUPPLY).exists():
                continue
            licence_use_record(
                licence=licence,
                kind=LicenceUse.Kind.SUPPLY,
                department=application.department,
                purpose=f"办理“{application.service_item.name}”，申请人同意免提交调用",
                receipt_no=receipt_no,
            )
