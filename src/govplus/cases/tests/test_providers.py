"""Material providers: a required licence is missing unless uploaded or supplied with consent, and the
applicant sees and gives that consent on the materials page. The provider here is a test-only stand-in
for the licence library (the licences module registers the real one)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from govplus.cases.models import Application, MaterialSupply
from govplus.cases.providers import (
    MaterialNeed,
    MaterialOffer,
    material_provider_register,
    material_provider_unregister,
)
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.catalog.models import Material
from govplus.core.errors import ValidationFailed
from govplus.core.models import AuditEntry
from govplus.testing.factories import PDF


@dataclass
class LicenceShelf:
    """Holds e-licences by (username, licence type); offers them for licence-source materials."""

    name: str = "test-licences"
    licences: dict[tuple[str, str], bytes] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def offers(self, *, applicant: Any, item_code: str, needs: Sequence[MaterialNeed]) -> list[MaterialOffer]:
        self.asked.append(item_code)
        found = []
        for need in needs:
            document = self.licences.get((applicant.username, need.licence_type))
            if need.source == "licence" and document is not None:
                found.append(
                    MaterialOffer(
                        material_code=need.code,
                        provider=self.name,
                        reference=f"DZZZ-{applicant.pk}-{need.licence_type}",
                        digest=hashlib.sha256(document).hexdigest(),
                        title=f"{need.licence_type}（电子证照）",
                    )
                )
        return found


@pytest.fixture
def shelf(county):
    Material.objects.filter(item=county.standard_item, code="M02").update(is_required=True)
    provider = LicenceShelf(licences={("zhangsan", "居民户口簿"): b"hukou of zhangsan v1"})
    material_provider_register(provider)
    yield provider
    material_provider_unregister(provider.name)


def draft(county, applicant=None) -> Application:
    applicant = applicant or county.citizen
    application = application_create(
        actor=applicant, service_code=county.standard_item.code, form={"reason": "有效期满", "phone": "13800138000"}
    )
    material_upload_bytes(
        actor=applicant, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
    )
    return application


def test_a_required_licence_is_missing_without_an_upload_or_a_supply(county):
    Material.objects.filter(item=county.standard_item, code="M02").update(is_required=True)
    application = draft(county)
    with pytest.raises(ValidationFailed) as refused:
        application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert list(refused.value.fields) == ["materials.M02"]
    assert "电子证照" in refused.value.fields["materials.M02"][0]


def test_an_uploaded_licence_scan_satisfies_it(county):
    Material.objects.filter(item=county.standard_item, code="M02").update(is_required=True)
    application = draft(county)
    material_upload_bytes(
        actor=county.citizen, receipt_no=application.receipt_no, material_code="M02", name="hukou.pdf", content=PDF
    )
    assert application_submit(actor=county.citizen, receipt_no=application.receipt_no).status == "submitted"


def test_the_page_offers_the_e_licence_and_consent_supplies_it(county, shelf):
    application = draft(county)
    citizen = Client()
    citizen.force_login(county.citizen)
    url = f"/my/applications/{application.receipt_no}/materials"
    page = citizen.get(url).content.decode()
    assert "可由您的电子证照提供，勾选即同意调取" in page and "居民户口簿（电子证照）" in page
    assert 'name="consent_M02"' in page and "checked" not in page

    response = citizen.post(url, {"consent_M02": "1"})
    assert response.status_code == 302 and response["Location"].endswith("/review")
    supply = MaterialSupply.objects.get(application=application, material_code="M02")
    assert (supply.provider, supply.consented_by) == ("test-licences", county.citizen)
    assert supply.consent_given_at is not None
    assert supply.digest == hashlib.sha256(b"hukou of zhangsan v1").hexdigest()
    assert supply.reference == f"DZZZ-{county.citizen.pk}-居民户口簿"
    audit = AuditEntry.objects.filter(action="cases.material_supply_consent", object_id=application.receipt_no)
    assert audit.count() == 1 and audit.get().changes["reference"] == supply.reference
    assert "checked" in citizen.get(url).content.decode()
    review = citizen.get(f"/my/applications/{application.receipt_no}/review").content.decode()
    assert "经您同意调取的材料" in review and "居民户口簿（电子证照）" in review

    submitted = application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert submitted.status == Application.Status.SUBMITTED


def test_without_the_tick_the_offer_does_not_count(county, shelf):
    application = draft(county)
    citizen = Client()
    citizen.force_login(county.citizen)
    citizen.post(f"/my/applications/{application.receipt_no}/materials", {})
    assert not MaterialSupply.objects.filter(application=application).exists()
    with pytest.raises(ValidationFailed) as refused:
        application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert list(refused.value.fields) == ["materials.M02"]


def test_clearing_the_tick_withdraws_the_consent(county, shelf):
    application = draft(county)
    citizen = Client()
    citizen.force_login(county.citizen)
    url = f"/my/applications/{application.receipt_no}/materials"
    citizen.post(url, {"consent_M02": "1"})
    citizen.post(url, {})
    assert not MaterialSupply.objects.filter(application=application).exists()
    assert AuditEntry.objects.filter(action="cases.material_supply_withdraw").count() == 1


def test_a_licence_changed_since_the_consent_no_longer_counts(county, shelf):
    application = draft(county)
    citizen = Client()
    citizen.force_login(county.citizen)
    citizen.post(f"/my/applications/{application.receipt_no}/materials", {"consent_M02": "1"})
    shelf.licences[("zhangsan", "居民户口簿")] = b"hukou of zhangsan v2 (reissued)"
    with pytest.raises(ValidationFailed) as refused:
        application_submit(actor=county.citizen, receipt_no=application.receipt_no)
    assert list(refused.value.fields) == ["materials.M02"]


def test_nothing_is_offered_to_someone_without_the_licence(county, shelf):
    application = draft(county, applicant=county.other_citizen)
    other = Client()
    other.force_login(county.other_citizen)
    page = other.get(f"/my/applications/{application.receipt_no}/materials").content.decode()
    assert 'name="consent_M02"' not in page and "请上传证照的扫描件或照片" in page
    refused = other.post(f"/my/applications/{application.receipt_no}/materials", {"consent_M02": "1"})
    # a tick for nothing offered is ignored: the step is not left, the missing upload is named
    assert refused.status_code == 422 and "请上传" in refused.content.decode()
    assert not MaterialSupply.objects.filter(application=application).exists()


def test_a_provider_cannot_supply_a_material_it_was_not_asked_about(county, shelf):
    class Pushy(LicenceShelf):
        def offers(self, *, applicant: Any, item_code: str, needs: Sequence[MaterialNeed]) -> list[MaterialOffer]:
            return [
                MaterialOffer("M01", self.name, "X", "0" * 64, "not asked"),
                *super().offers(applicant=applicant, item_code=item_code, needs=needs),
            ]

    material_provider_unregister(shelf.name)
    pushy = Pushy(name="pushy", licences=dict(shelf.licences))
    material_provider_register(pushy)
    try:
        application = draft(county)
        citizen = Client()
        citizen.force_login(county.citizen)
        page = citizen.get(f"/my/applications/{application.receipt_no}/materials").content.decode()
        assert 'name="consent_M01"' not in page and 'name="consent_M02"' in page
    finally:
        material_provider_unregister("pushy")


def test_consent_through_the_service_refuses_an_applicant_material(county, shelf):
    from govplus.cases.services import material_supply_consent

    application = draft(county)
    with pytest.raises(ValidationFailed) as refused:
        material_supply_consent(
            actor=county.citizen, receipt_no=application.receipt_no, material_code="M01", consent=True
        )
    assert "material_code" in refused.value.fields
