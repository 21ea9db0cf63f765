"""Evidence of tell-us-once from shared data: a submitted case that relies on a shared record.

Rule: when an application is submitted (`application.submitted`), every material the exchange supplied
to it with the applicant's consent (a `MaterialSupply` of provider "exchange") is appended to the
exchange evidence log as one lookup by the handling department (operation `case-supply`): the
resource, the fields, the case, the consent, the keyed hash of the applicant's code (so they can see
who used their data) and the hashes of what was asked and of the record as supplied — never the data.
Delivery is at least once, so one entry per (case, material): a redelivered event, or a case submitted
again after a supplement, adds nothing.
"""

from __future__ import annotations

from django.db import transaction

from govplus.cases.models import Application, MaterialSupply
from govplus.core.events import Event
from govplus.exchange.evidence import evidence_record
from govplus.exchange.models import ExchangeEvidence, Resource
from govplus.exchange.providers import PROVIDER_NAME, applicant_key_hash, reference_parts

HANDLER_NAME = "exchange.record_supply_evidence"
OPERATION = "case-supply"


def supply_evidence_record(event: Event) -> None:
    application_id = int(event.payload["application_id"])
    supplies = list(MaterialSupply.objects.filter(application_id=application_id, provider=PROVIDER_NAME))
    if not supplies:
        return
    application = Application.objects.select_related("department", "service_item", "applicant").get(pk=application_id)
    receipt_no = application.receipt_no
    subject = applicant_key_hash(application.applicant)
    with transaction.atomic():
        for supply in supplies:
            code, _version = reference_parts(supply.reference)
            request = {"case": receipt_no, "material": supply.material_code, "reference": supply.reference}
            if ExchangeEvidence.objects.filter(
                operation=OPERATION, case_number=receipt_no, resource_code=code, consent=f"supply:{supply.pk}"
            ).exists():
                continue
            resource = Resource.objects.filter(code=code).first()
            fields = list(resource.fields.values_list("name", flat=True)) if resource else []
            evidence_record(
                consumer=f"govplus:{application.department.code}",
                consumer_department=application.department.code,
                operation=OPERATION,
                resource_code=code,
                purpose=f"办理“{application.service_item.name}”（申请人同意免提交调用）",
                fields=fields,
                record_count=1,
                request=request,
                response=supply.digest,
                case_number=receipt_no,
                consent=f"supply:{supply.pk}",
                subject_hash=subject,
            )
