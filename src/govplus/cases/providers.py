"""Material providers: other modules that can supply an application's materials for the applicant.

When a citizen applies, cases asks every registered provider which of the item's materials it can
supply for this applicant (an e-licence from the licence library, a record shared by another
department). An offer names what it needs — the applicant's consent (《个人信息保护法》第十三、十四条:
processing personal data for this purpose needs the person's informed, explicit consent) — and a
verifiable reference: the provider's name, its id of the document and the SHA-256 digest of the
document as the provider holds it. When the applicant consents, cases records the supply
(`MaterialSupply`) with the consent; at submission each supply is confirmed with its provider again,
so a revoked licence or a changed record no longer counts.

A module registers its provider in its `AppConfig.ready()`:

    from govplus.cases.providers import material_provider_register
    material_provider_register(LicenceLibrary())

Providers run inside the applicant's request: they must answer from their own tables quickly and
never call a remote system synchronously without a timeout.

A provider may also say what staff should know about a document it supplied, on the case page
(`supply_note(*, supplied) -> SupplyNote | None`, optional): e.g. the licence library links its staff
page for the licence and says whether the licence's status changed since the case used it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class MaterialNeed:
    """One material of the item, as a provider sees it (no model instance crosses the boundary)."""

    code: str
    name: str
    source: str  # "licence" | "shared_data" | "applicant" (catalog Material.Source)
    licence_type: str


@dataclass(frozen=True)
class MaterialOffer:
    """What a provider can supply for one material: shown to the applicant, recorded on consent."""

    material_code: str
    provider: str
    reference: str  # the provider's id of the licence or record
    digest: str  # SHA-256 (hex) of the document as the provider holds it
    title: str  # what will be supplied, shown to the applicant, e.g. "居民户口簿（电子证照 330521…）"
    needs_consent: bool = True


@dataclass(frozen=True)
class SuppliedMaterial:
    """A supply recorded on a case, as its provider is asked about it (no model instance)."""

    receipt_no: str
    material_code: str
    provider: str
    reference: str
    digest: str
    supplied_at: dt.datetime


@dataclass(frozen=True)
class SupplyNote:
    """What a provider tells staff about a supplied document on the case page, in both languages;
    `link` is a staff page about it, `is_alert` says something changed since the case used it."""

    text: str
    text_en: str = ""
    link: str = ""
    is_alert: bool = False


@runtime_checkable
class MaterialProvider(Protocol):
    name: str

    def offers(self, *, applicant: Any, item_code: str, needs: Sequence[MaterialNeed]) -> list[MaterialOffer]:
        """The offers this provider makes for `applicant` (a User) among `needs`; [] when none."""
        ...


_providers: dict[str, MaterialProvider] = {}


def material_provider_register(provider: MaterialProvider) -> None:
    """Add a provider (once per name; registering the same name again replaces it)."""
    if not isinstance(provider, MaterialProvider) or not getattr(provider, "name", ""):
        raise TypeError("a material provider needs a `name` and an `offers(...)` method")
    _providers[provider.name] = provider


def material_provider_unregister(name: str) -> None:
    _providers.pop(name, None)


def material_providers() -> list[MaterialProvider]:
    return list(_providers.values())


def material_offers(*, applicant: Any, item_code: str, needs: Sequence[MaterialNeed]) -> dict[str, MaterialOffer]:
    """The first offer for each material code, asking providers in the order they registered.

    An offer for a material the item does not have, or from a provider answering for another name,
    is ignored: a provider cannot put a document into a case it was not asked about.
    """
    asked = {need.code for need in needs}
    found: dict[str, MaterialOffer] = {}
    if not needs:
        return found
    for provider in material_providers():
        for offer in provider.offers(applicant=applicant, item_code=item_code, needs=needs):
            if offer.material_code in asked and offer.provider == provider.name:
                found.setdefault(offer.material_code, offer)
    return found


def material_supply_note(supplied: SuppliedMaterial) -> SupplyNote | None:
    """The supplying provider's note for staff, if it is registered and has anything to say."""
    provider = _providers.get(supplied.provider)
    describe = getattr(provider, "supply_note", None)
    return describe(supplied=supplied) if callable(describe) else None
