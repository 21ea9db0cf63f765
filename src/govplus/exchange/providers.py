"""Tell-us-once from shared data (免提交): the exchange as a material provider for applications.

Rules:
- A catalogue material whose source is shared data (共享数据) names the data it stands for
  (`Material.licence_type`, e.g. 不动产登记信息, 社保参保缴费信息). A published resource answers it when
  that name is the resource's own or one of its `material_names`, and the resource may serve the item:
  it is not 不予共享, and either it is 无条件共享 or the item is among the items that use it
  (`service_items`) — the catalogue's record that the handling department has the legal basis.
- The applicant's record is found by their key: a citizen's ID number, a business's unified social
  credit code (their keyed hash, the same one the records are stored under). No record, no offer: the
  applicant is asked to upload the material as before.
- The offer carries a verifiable reference (resource code, record version) and the SHA-256 of the
  record's canonical content; cases records it with the applicant's consent and confirms it again at
  submission. The lookup itself is evidence: at submission (`case_uses`) each supply is appended to the
  exchange log naming the handling department, the item, the case and the consent, and the citizen sees
  it in "who used my data".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from govplus.cases.providers import MaterialNeed, MaterialOffer, SuppliedMaterial, SupplyNote
from govplus.core.crypto import lookup_hash
from govplus.exchange.models import Resource, ResourceRecord
from govplus.identity.models import BusinessProfile, CitizenProfile, User

PROVIDER_NAME = "exchange"


def applicant_key_hash(applicant: Any) -> str:
    """The keyed hash a record of the applicant is stored under ('' when they have no code)."""
    if applicant.kind == User.Kind.CITIZEN:
        found = CitizenProfile.objects.filter(user=applicant).values_list("id_number_hash", flat=True).first()
        return found or ""
    if applicant.kind == User.Kind.BUSINESS:
        code = BusinessProfile.objects.filter(user=applicant).values_list("credit_code", flat=True).first()
        return lookup_hash(code) if code else ""
    return ""


def resources_answering(names: set[str], item_code: str) -> dict[str, Resource]:
    """For each material name, the published resource that answers it for this item (see the rules)."""
    found: dict[str, Resource] = {}
    resources = Resource.objects.filter(is_published=True).exclude(share_class=Resource.ShareClass.NONE)
    for resource in resources.select_related("provider").order_by("code"):
        if resource.share_class != Resource.ShareClass.UNCONDITIONAL and item_code not in (
            resource.service_items or []
        ):
            continue
        for name in {resource.name, *(resource.material_names or [])} & names:
            found.setdefault(name, resource)
    return found


def supply_reference(resource: Resource, record: ResourceRecord) -> str:
    return f"{resource.code}@{record.version}"


def reference_parts(reference: str) -> tuple[str, int]:
    code, _, version = reference.rpartition("@")
    return code, int(version) if version.isdigit() else 0


class SharedData:
    """The exchange's answer to "which of these materials can shared data supply for this applicant?"."""

    name = PROVIDER_NAME

    def offers(self, *, applicant: Any, item_code: str, needs: Sequence[MaterialNeed]) -> list[MaterialOffer]:
        wanted = [need for need in needs if need.source == "shared_data" and need.licence_type]
        if not wanted or not getattr(applicant, "is_authenticated", False):
            return []
        key_hash = applicant_key_hash(applicant)
        if not key_hash:
            return []
        answering = resources_answering({n.licence_type for n in wanted}, item_code)
        if not answering:
            return []
        records = {
            r.resource_id: r
            for r in ResourceRecord.objects.filter(
                resource__in=list(answering.values()), key_hash=key_hash, is_deleted=False
            ).only("id", "resource_id", "version", "data_digest", "updated_at")
        }
        offers = []
        for need in wanted:
            resource = answering.get(need.licence_type)
            record = records.get(resource.pk) if resource is not None else None
            if resource is None or record is None:
                continue
            updated = timezone.localtime(record.updated_at).date().isoformat()
            offers.append(
                MaterialOffer(
                    material_code=need.code,
                    provider=PROVIDER_NAME,
                    reference=supply_reference(resource, record),
                    digest=record.data_digest,
                    title=f"{resource.name}（{resource.provider.name}共享数据，{updated} 更新）",
                )
            )
        return offers

    def supply_note(self, *, supplied: SuppliedMaterial) -> SupplyNote | None:
        """For staff on the case page: where the data came from and a link to see it (each look audited)."""
        code, version = reference_parts(supplied.reference)
        resource = Resource.objects.select_related("provider").filter(code=code).first()
        if resource is None:
            return None
        provider_en = resource.provider.name_en or resource.provider.name
        return SupplyNote(
            text=f"共享数据：{resource.name}（{resource.provider.name}），申请时版本 {version}",
            text_en=f"Shared data: {resource.name_en or resource.name} ({provider_en}), version {version} when applied",
            link=f"/staff/exchange/supplied/{supplied.receipt_no}/{supplied.material_code}",
        )
