"""Tell-us-once (免提交): the licence library as a material provider for applications.

Rule: a catalogue material whose source is a licence (电子证照) of a type is satisfied by the
applicant's own licence of that type that is valid today (有效, within its validity). The offer carries a
verifiable reference: the licence identifier and the SHA-256 digest of its content, which cases records
with the applicant's consent and confirms again at submission (a licence revoked, suspended or changed
since no longer counts, and the applicant is asked to upload instead). A licence that expired or was
revoked is never offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from govplus.cases.providers import MaterialNeed, MaterialOffer, SuppliedMaterial, SupplyNote
from govplus.licences.models import Licence
from govplus.licences.selectors import licence_by_id, licence_status_at, usable_licences_of

PROVIDER_NAME = "licences"


class LicenceLibrary:
    """The e-licence library's answer to "which of these materials can you supply for this applicant?"."""

    name = PROVIDER_NAME

    def offers(self, *, applicant: Any, item_code: str, needs: Sequence[MaterialNeed]) -> list[MaterialOffer]:
        wanted = [need for need in needs if need.source == "licence" and need.licence_type]
        if not wanted or not getattr(applicant, "is_authenticated", False):
            return []
        usable = usable_licences_of(
            holder=applicant, type_names={n.licence_type for n in wanted}, on=timezone.localdate()
        )
        offers = []
        for need in wanted:
            licence = usable.get(need.licence_type)
            if licence is None:
                continue
            offers.append(
                MaterialOffer(
                    material_code=need.code,
                    provider=PROVIDER_NAME,
                    reference=licence.licence_id,
                    digest=licence.digest,
                    title=f"{licence.licence_type.name}（电子证照 {licence.number}，{licence.issuer_name}）",
                )
            )
        return offers

    def supply_note(self, *, supplied: SuppliedMaterial) -> SupplyNote | None:
        """For staff on the case page: the licence's status when the case used it and now, and the
        link to its staff page (opened for this case)."""
        licence = licence_by_id(supplied.reference)
        if licence is None:
            return None
        then = licence_status_at(licence, supplied.supplied_at) or licence.status
        now = licence.status
        then_label, now_label = Licence.Status(then).label, Licence.Status(now).label
        return SupplyNote(
            text=f"电子证照 {licence.number}：使用时{then_label}，现在{now_label}",
            text_en=f"E-licence {licence.number}: {STATUS_EN[then]} when the case used it, {STATUS_EN[now]} now",
            link=f"/staff/licences/{licence.licence_id}?case={supplied.receipt_no}",
            is_alert=then != now,
        )


STATUS_EN: dict[str, str] = {
    Licence.Status.VALID: "valid",
    Licence.Status.SUSPENDED: "suspended",
    Licence.Status.REVOKED: "revoked",
    Licence.Status.CANCELLED: "cancelled",
    Licence.Status.EXPIRED: "expired",
    Licence.Status.WITHDRAWN: "withdrawn",
}
