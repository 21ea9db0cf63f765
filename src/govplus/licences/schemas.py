"""API shapes of licences. Every request body is an `InputSchema`: an object of exactly its fields."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import BaseModel

from govplus.core.api import InputSchema


class FaceFieldOut(Schema):
    name: str
    label: str
    label_en: str
    type: str
    required: bool
    personal: bool = False
    choices: list[str] = []


class IssuedByOut(Schema):
    service_code: str
    department: str = ""


class LicenceTypeOut(Schema):
    code: str
    name: str
    name_en: str
    defining_authority: str
    defining_authority_code: str
    holder_kind: str
    holder_code_type: str
    validity_years: int | None
    face_schema: list[FaceFieldOut]
    issued_by: list[IssuedByOut]
    aliases: list[str]


# The list shapes are plain pydantic models: a list's rows are dicts, validated without ninja's
# per-object attribute resolver (a fifth of a wallet request).
class LicenceSummaryOut(BaseModel):
    """What anyone who may know of the licence sees: personal data masked."""

    licence_id: str
    type_code: str
    type_name: str
    type_name_en: str
    number: str
    holder_name: str
    holder_code: str
    issuer_name: str
    issuer_name_en: str
    issuer_code: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    status_label: str
    origin: str
    origin_label: str


class LicenceListOut(BaseModel):
    """`count` is exact up to 10,000; beyond, it is 10,001 and `count_capped` is true (filter to narrow)."""

    count: int
    count_capped: bool = False
    results: list[LicenceSummaryOut]


class HistoryOut(Schema):
    kind: str
    reason: str
    actor: str
    occurred_at: dt.datetime


class LicenceDetailOut(LicenceSummaryOut):
    """The holder sees their own data in full; staff of the issuing department see it masked."""

    holder_code_type: str
    jurisdiction: str
    face: dict[str, str]
    digest: str
    history: list[HistoryOut]
    access: str


class ReasonIn(InputSchema):
    reason: str = Field(..., max_length=500)


class ShareIn(InputSchema):
    department_code: str = Field(..., max_length=32)
    purpose: str = Field(..., max_length=200)
    valid_until: dt.date


class ShareOut(Schema):
    id: int
    department_code: str
    department: str
    purpose: str
    valid_until: dt.date
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None


class UseOut(Schema):
    kind: str
    kind_label: str
    department: str
    purpose: str
    receipt_no: str
    occurred_at: dt.datetime


class CredentialIn(InputSchema):
    holder_jwk: dict[str, str | int | list[str] | bool]


class CredentialOut(Schema):
    sd_jwt: str


class ShowIn(InputSchema):
    disclose: list[str] = Field(default=[], max_length=20)


class ShowOut(Schema):
    token: str
    qr_svg: str
    expires_at: dt.datetime
    disclosed: list[str]


class CheckOut(Schema):
    """`ok` is the check's result; `checked` is false for one not run because an earlier check failed."""

    name: str
    ok: bool
    checked: bool = True
    detail: str
    detail_en: str


class VerifyIn(InputSchema):
    """One of: `presentation` with the verifier's `nonce` and `audience`; a 亮证 `show_code`; a
    `licence_id` (from a QR code). A sealed PDF is sent as multipart `file` instead."""

    presentation: str = Field(default="", max_length=20_000)
    nonce: str = Field(default="", max_length=200)
    audience: str = Field(default="", max_length=300)
    show_code: str = Field(default="", max_length=6_000)
    licence_id: str = Field(default="", max_length=80)


class VerifyOut(Schema):
    valid: bool
    checks: list[CheckOut]
    licence: LicenceSummaryOut | None
    disclosed: dict[str, object] = {}
