"""What a holder does with a licence in the wallet: take its credential, show it (亮证).

Rule: only the holder (by account or by the code they hold it under) may take a credential or make a
亮证 code, and only of a licence valid today; each is recorded as a use (用证记录) and audited. The
platform never sees the holder's private key: the wallet sends its public JWK, to which the credential
is bound (`cnf`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from govplus.licences.credentials import credential_issue, disclosable_names
from govplus.licences.models import LicenceUse
from govplus.licences.selectors import licence_document, licence_held_by
from govplus.licences.services import licence_use_record
from govplus.licences.show import LIFETIME, show_qr_svg, show_token_issue
from govplus.licences.status_list import status_list_uri

# What a 亮证 code shows unless the holder chooses: who holds it and its number, enough for a window
# clerk to match the person in front of them, and nothing of the face fields.
SHOW_DEFAULT = ("holder_name", "number")
# What the holder can tick, in words (face fields are named by their label on the type).
SHOW_LABELS = {
    "licence_id": gettext_noop("证照标识"),
    "number": gettext_noop("证照编号"),
    "holder_name": gettext_noop("持证人姓名"),
    "holder_code": gettext_noop("证件号码"),
    "issued_on": gettext_noop("颁证日期"),
    "jurisdiction": gettext_noop("行政区划"),
    "age_over_18": gettext_noop("已满 18 周岁（不显示出生日期）"),
}


def licence_credential(*, actor: Any, licence_id: str, holder_jwk: dict[str, Any]) -> str:
    """The SD-JWT VC of the holder's licence, bound to `holder_jwk` (every claim disclosable)."""
    with transaction.atomic():
        licence = licence_held_by(actor=actor, licence_id=licence_id)
        credential = credential_issue(
            licence_document(licence),
            holder_jwk=holder_jwk,
            issuer=settings.SITE_URL.rstrip("/"),
            status_uri=status_list_uri(settings.SITE_URL),
            now=timezone.now(),
        )
        licence_use_record(licence=licence, kind=LicenceUse.Kind.CREDENTIAL, user=actor, purpose="领取数字凭证")
    return credential


@dataclass(frozen=True)
class ShowCode:
    token: str
    qr_svg: str
    expires_at: dt.datetime
    disclosed: tuple[str, ...]


def licence_show(*, actor: Any, licence_id: str, disclose: list[str] | None = None) -> ShowCode:
    """A 亮证 code: a signed token valid for five minutes showing only the chosen claims, as a QR code
    a clerk or a shop verifies offline with the published keys."""
    with transaction.atomic():
        licence = licence_held_by(actor=actor, licence_id=licence_id)
        document = licence_document(licence)
        chosen = list(disclose) if disclose else [n for n in SHOW_DEFAULT if n in disclosable_names(document)]
        now = timezone.now()
        token = show_token_issue(document, disclose=chosen, now=now, issuer=settings.SITE_URL)
        faces = {f"face.{f.name}": f.label for f in document.fields}
        shown = "、".join(SHOW_LABELS.get(name, faces.get(name, name)) for name in chosen)
        licence_use_record(licence=licence, kind=LicenceUse.Kind.SHOW, user=actor, purpose=f"亮证：{shown}"[:200])
    return ShowCode(token=token, qr_svg=show_qr_svg(token), expires_at=now + LIFETIME, disclosed=tuple(chosen))
