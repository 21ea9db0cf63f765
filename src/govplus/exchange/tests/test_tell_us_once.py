"""Tell-us-once from shared data: the applicant's record answers a material, with consent and evidence."""

from __future__ import annotations

import pytest

from govplus.cases.models import Application
from govplus.cases.services import application_create, application_submit, material_supply_consent
from govplus.catalog.models import Material
from govplus.core.errors import ValidationFailed
from govplus.core.events import events_sweep
from govplus.exchange.models import ExchangeEvidence
from govplus.exchange.records import records_write
from govplus.testing.files import pdf_bytes


@pytest.fixture
def household_from_shared_data(exchange):
    county = exchange.county
    Material.objects.filter(item=county.standard_item, code="M02").update(
        is_required=True, source=Material.Source.SHARED_DATA, licence_type="户籍证明"
    )
    exchange.population.material_names = ["户籍证明"]
    exchange.population.service_items = [county.standard_item.code]
    exchange.population.save()
    profile = county.citizen.citizen_profile
    records_write(exchange.population, [{"id_number": profile.id_number, "name": profile.name, "address": "德清县"}])
    return exchange


def _draft(county):  # type: ignore[no-untyped-def]
    from govplus.cases.services import material_upload_bytes

    application = application_create(
        actor=county.citizen,
        service_code=county.standard_item.code,
        form={"reason": "有效期满", "phone": "13800138000"},
    )
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=pdf_bytes()
    )
    return application


def test_the_household_record_answers_the_material_and_the_lookup_is_evidence(household_from_shared_data):
    exchange = household_from_shared_data
    county = exchange.county
    application = _draft(county)
    supply = material_supply_consent(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True
    )
    assert supply is not None and supply.provider == "exchange"
    assert supply.reference.startswith(exchange.population.code + "@") and "户籍人口" in supply.title
    submitted = application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert submitted.status == Application.Status.SUBMITTED
    events_sweep()  # the handler runs after the commit
    events_sweep()  # delivered at least once: a second delivery adds nothing
    evidence = ExchangeEvidence.objects.get(case_number=application.receipt_no)
    assert evidence.operation == "case-supply" and evidence.consumer_department == county.standard_item.department.code
    assert evidence.subject_hash == county.citizen.citizen_profile.id_number_hash
    assert county.citizen.citizen_profile.id_number not in str(evidence.__dict__)
    # staff of the case's department see the record with its provenance; each look is audited
    from django.test import Client

    staff = Client()
    staff.force_login(county.staff["clerk"])
    page = staff.get(f"/staff/exchange/supplied/{application.receipt_no}/M02")
    assert page.status_code == 200, page.content
    body = page.content.decode()
    assert "张三" in body and evidence.evidence_id in body and "未变化" in body
    from govplus.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="exchange.supplied_data_view", object_id=application.receipt_no).exists()
    outsider = Client()
    outsider.force_login(county.staff["rsj_clerk"])
    assert outsider.get(f"/staff/exchange/supplied/{application.receipt_no}/M02").status_code == 404


def test_no_record_or_an_item_the_resource_does_not_serve_means_no_offer(household_from_shared_data):
    exchange = household_from_shared_data
    county = exchange.county
    exchange.population.service_items = []
    exchange.population.save()
    application = _draft(county)
    with pytest.raises(ValidationFailed) as refused:
        material_supply_consent(
            actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", consent=True
        )
    assert "materials.M02" in refused.value.fields  # upload it instead


def test_the_figures_count_materials_from_the_library_and_from_shared_data(household_from_shared_data):
    from govplus.exchange.figures import need_not_bring_figures

    county = household_from_shared_data.county
    figures = need_not_bring_figures()
    assert figures.from_shared_data == 1 and figures.per_item[county.standard_item.code] >= 1
    assert figures.need_not_bring == figures.from_library + figures.from_shared_data <= figures.required_materials
    page = client_get(f"/services/{county.standard_item.code}/")
    assert 'data-testid="shared-data"' in page and "户籍证明" in page


def client_get(path: str) -> str:
    from django.test import Client

    response = Client().get(path)
    assert response.status_code == 200
    return response.content.decode()
