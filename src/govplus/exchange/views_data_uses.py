"""Who used my data (我的数据被谁使用) for citizens and businesses, and the shared data a case relied on
for the staff handling it (each look recorded)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from govplus.cases.selectors import application_get_for, application_supplies
from govplus.core.audit import audit_record
from govplus.core.errors import NotFound
from govplus.exchange import selectors
from govplus.exchange.models import Resource, ResourceRecord
from govplus.exchange.providers import PROVIDER_NAME, applicant_key_hash, reference_parts
from govplus.exchange.records import record_values
from govplus.identity.models import Department
from govplus.portal.helpers import applicant_required, staff_required, user_of


@applicant_required
def my_data_uses(request: HttpRequest) -> HttpResponse:
    """Every exchange that concerned the signed-in person or business: which department, for what, when."""
    subject = applicant_key_hash(user_of(request))
    rows = list(selectors.evidence_about(subject_hash=subject)) if subject else []
    departments = {d.code: d for d in Department.objects.filter(code__in={r.consumer_department for r in rows})}
    resources = {r.code: r for r in Resource.objects.filter(code__in={r.resource_code for r in rows})}
    return render(
        request,
        "exchange/my_data_uses.html",
        {
            "rows": [(r, departments.get(r.consumer_department), resources.get(r.resource_code)) for r in rows],
        },
    )


@staff_required
def supplied_data(request: HttpRequest, receipt_no: str, material_code: str) -> HttpResponse:
    """The record a case used instead of an uploaded material, for the staff of the case's departments,
    with its provenance: the resource and its provider, the version the applicant consented to, the
    evidence entry of the lookup, and whether the record changed since. Each look is audited."""
    actor = user_of(request)
    try:
        application = application_get_for(actor=actor, receipt_no=receipt_no)
    except NotFound as error:
        raise Http404 from error
    supply = application_supplies(application=application).get(material_code)
    if supply is None or supply.provider != PROVIDER_NAME:
        raise Http404
    code, version = reference_parts(supply.reference)
    resource = Resource.objects.select_related("provider").filter(code=code).first()
    if resource is None:
        raise Http404
    record = ResourceRecord.objects.filter(
        resource=resource, key_hash=applicant_key_hash(application.applicant)
    ).first()
    values = record_values(record) if record is not None else {}
    fields = list(resource.fields.all())
    evidence = (
        selectors.evidence_of_case(case_number=receipt_no, resource_code=code).first() if record is not None else None
    )
    audit_record(
        actor=actor,
        action="exchange.supplied_data_view",
        object_type="application",
        object_id=receipt_no,
        changes={"material_code": material_code, "resource": code},
    )
    return render(
        request,
        "exchange/supplied_data.html",
        {
            "application": application,
            "supply": supply,
            "resource": resource,
            "version": version,
            "rows": [(f, values.get(f.name, "")) for f in fields],
            "unchanged": record is not None and record.data_digest == supply.digest,
            "record": record,
            "evidence": evidence,
        },
    )
