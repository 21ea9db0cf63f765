"""Licence endpoints: the catalogue, the holder's wallet and the department register, status changes,
shares and use records. Thin: every rule lives in services/selectors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from govplus.core.api import OFFSET_MAX, actor_of, auth_with, errors
from govplus.core.crypto import mask_id_number, mask_name
from govplus.core.errors import ValidationFailed
from govplus.identity.models import User
from govplus.licences import downloads, selectors, services, verification, wallet
from govplus.licences.models import Licence, LicenceShare, LicenceUse
from govplus.licences.schemas import (
    CredentialIn,
    CredentialOut,
    LicenceDetailOut,
    LicenceListOut,
    LicenceTypeOut,
    ReasonIn,
    ShareIn,
    ShareOut,
    ShowIn,
    ShowOut,
    UseOut,
    VerifyIn,
    VerifyOut,
)
from govplus.licences.status_list import status_list_current, status_list_uri

router = Router(tags=["licences 证照"])
MAX_PDF_BYTES = 10 * 1024 * 1024
LICENCES_AUTH = auth_with("licences")
PDF_SCHEMA = {"type": "string", "format": "binary"}


@router.get("/licence-types", auth=None, response={200: list[LicenceTypeOut]}, summary="证照目录 / the licence types")
def licence_types(request: HttpRequest) -> Any:
    return selectors.licence_types_public()


@router.get(
    "/licences",
    auth=LICENCES_AUTH,
    response={200: LicenceListOut, **errors(401, 403, 422)},
    summary="我的证照；工作人员：本部门证照库 / my licences; staff: their departments' register",
)
def licence_list(
    request: HttpRequest,
    status: str = Query("", max_length=10),
    type_code: str = Query("", max_length=21),
    number: str = Query("", max_length=60),
    holder_code: str = Query("", max_length=18),
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> Any:
    """A citizen or business gets the licences they hold; staff get the register of their
    departments, filtered (a holder by their full ID number or credit code only)."""
    actor = actor_of(request)
    if status and status not in Licence.Status.values:
        raise ValidationFailed({"status": [f"应为 {'、'.join(Licence.Status.values)} 之一 / unknown status"]})
    if actor.kind == User.Kind.STAFF:
        rows, total = selectors.licence_register(
            actor=actor,
            type_code=type_code,
            status=status,
            number=number,
            holder_code=holder_code,
            issued_from=issued_from,
            issued_to=issued_to,
            offset=offset,
            limit=limit,
        )
    else:
        rows, total = selectors.licences_of_holder(holder=actor, status=status, offset=offset, limit=limit)
    return {
        "count": total,
        "count_capped": total > selectors.COUNT_CAP,
        "results": [selectors.masked_summary(licence) for licence in rows],
    }


@router.get(
    "/licences/status-list",
    auth=None,
    response={200: str},
    summary="证照状态列表（Token Status List）/ the status list every credential points to",
    openapi_extra={"responses": {200: {"content": {"application/statuslist+jwt": {"schema": {"type": "string"}}}}}},
)
def licence_status_list(request: HttpRequest) -> HttpResponse:
    """draft-ietf-oauth-status-list: 2 bits per licence (0 valid, 1 invalid, 2 suspended), signed with the
    credential issuer key published at /.well-known/jwt-vc-issuer; re-fetch after its `ttl`."""
    token = status_list_current(status_list_uri(settings.SITE_URL), timezone.now())
    response = HttpResponse(token, content_type="application/statuslist+jwt")
    response["Cache-Control"] = "public, max-age=60"
    return response


@router.get(
    "/licences/ca.pem",
    auth=None,
    response={200: str},
    summary="平台电子证照根证书（PEM，含已轮换的）/ the platform's root certificates for licence seals",
    openapi_extra={"responses": {200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}}}},
)
def licence_ca(request: HttpRequest) -> HttpResponse:
    """Trust these (and only these) to validate a licence PDF's seal; retired roots stay listed so
    licences sealed before a rotation keep verifying."""
    from govplus.licences.ca import root_certificates_pem

    response = HttpResponse(root_certificates_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="govplus-licences-ca.pem"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


def verification_out(result: verification.Verification) -> dict[str, Any]:
    return {
        "valid": result.valid,
        "checks": [
            {"name": c.name, "ok": c.ok, "checked": c.checked, "detail": c.detail, "detail_en": c.detail_en}
            for c in result.checks
        ],
        "licence": result.licence,
        "disclosed": result.disclosed,
    }


VERIFY_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": VerifyIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "证照 PDF / a licence PDF"}
                },
                "required": ["file"],
            }
        },
    },
}


@router.post(
    "/licences/verify",
    auth=None,
    response={200: VerifyOut, **errors(422)},
    summary="核验证照：PDF、数字凭证、亮证码或证照标识 / verify a PDF, a presentation, a 亮证 code or an identifier",
    openapi_extra={"requestBody": VERIFY_BODY},
)
def licence_verify(request: HttpRequest) -> Any:
    """Anyone may verify: multipart `file` (a licence PDF: the seal — intact, unchanged after sealing,
    from a platform certificate, time-stamped — then the library: the licence exists, is valid now, and
    this is the very file it issued), or JSON `{"presentation", "nonce", "audience"}`, `{"show_code"}` or
    `{"licence_id"}`. Each check is listed with its result in Chinese and English; `licence` is the
    masked summary from the library, `disclosed` what the holder chose to show."""
    actor = request.user if request.user.is_authenticated else None
    if (request.content_type or "").startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed({"file": ["请上传证照 PDF / upload the licence PDF"]})
        if upload.size is not None and upload.size > MAX_PDF_BYTES:
            raise ValidationFailed({"file": ["文件超过 10 MB / the file is larger than 10 MB"]})
        return verification_out(verification.verify_pdf(upload.read(), actor=actor))
    try:
        payload = VerifyIn.model_validate_json(request.body or b"{}")
    except PydanticValidationError as error:
        raise NinjaValidationError(
            [{**e, "loc": ("body", "payload", *e["loc"])} for e in error.errors(include_url=False)]
        ) from error
    return verification_out(_verify_json(payload, actor))


def _verify_json(payload: VerifyIn, actor: Any) -> verification.Verification:
    if payload.presentation:
        if not payload.nonce or not payload.audience:
            raise ValidationFailed(
                {
                    name: ["核验数字凭证须给出随机数和接收方 / nonce and audience are required"]
                    for name in ("nonce", "audience")
                    if not getattr(payload, name)
                }
            )
        return verification.verify_presentation(
            payload.presentation, nonce=payload.nonce, audience=payload.audience, actor=actor
        )
    if payload.show_code:
        return verification.verify_show_code(payload.show_code, actor=actor)
    if payload.licence_id:
        return verification.verify_licence_id(payload.licence_id, actor=actor)
    raise ValidationFailed(
        {
            "presentation": [
                "请提供数字凭证、亮证码或证照标识（PDF 以 multipart 字段 file 上传）"
                " / give a presentation, a show code or a licence id (a PDF goes as the multipart field file)"
            ]
        }
    )


def detail_out(licence: Licence, access: str) -> dict[str, Any]:
    face = selectors.licence_face(licence)
    summary = selectors.masked_summary(licence)
    if access == "holder":
        summary["holder_name"], summary["holder_code"] = licence.holder_name, licence.holder_code
    else:  # staff see personal face fields masked, as on the case page
        personal = {e["name"] for e in licence.licence_type.face_schema if e.get("personal")}
        face = {name: (_mask(value) if name in personal else value) for name, value in face.items()}
    return {
        **summary,
        "holder_code_type": licence.holder_code_type,
        "jurisdiction": licence.jurisdiction,
        "face": face,
        "digest": licence.digest,
        "history": [
            {"kind": e.kind, "reason": e.reason, "actor": e.actor_name, "occurred_at": e.occurred_at}
            for e in selectors.licence_history(licence)
        ],
        "access": access,
    }


def _mask(value: str) -> str:
    return mask_id_number(value) if len(value) == 18 else mask_name(value)


@router.get(
    "/licences/{licence_id}",
    auth=LICENCES_AUTH,
    response={200: LicenceDetailOut, **errors(401, 403, 404, 422)},
    summary="证照详情 / a licence",
)
def licence_detail(request: HttpRequest, licence_id: str) -> Any:
    """The holder, the issuing department's staff, or a department the holder shared it with; anyone
    else gets 404. A department's look through a share is recorded as a use."""
    actor = actor_of(request)
    licence, access = selectors.licence_for(actor=actor, licence_id=licence_id)
    if access == "share":
        services.licence_staff_open_record(
            actor=actor, found=selectors.licence_for_staff(actor=actor, licence_id=licence_id)
        )
    return detail_out(licence, access)


@router.get(
    "/licences/{licence_id}/pdf",
    auth=LICENCES_AUTH,
    response={200: str, **errors(401, 403, 404, 422)},
    summary="下载盖章的证照 PDF（仅持证人）/ the holder downloads the sealed licence PDF",
    openapi_extra={"responses": {200: {"content": {"application/pdf": {"schema": PDF_SCHEMA}}}}},
)
def licence_pdf(request: HttpRequest, licence_id: str) -> HttpResponse:
    """Only the holder; anyone else gets 404. The PDF is sealed by the issuing department (PAdES, time
    stamp, validation data) and is the very file the library keeps the SHA-256 of; each download is a
    use (下载) listed for the holder and audited."""
    pdf = downloads.licence_pdf_for(actor_of(request), licence_id)
    response = HttpResponse(pdf.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _status_change(request: HttpRequest, licence_id: str, payload: ReasonIn, action: str) -> Any:
    licence = services.licence_status_change(
        actor=actor_of(request), licence_id=licence_id, action=action, reason=payload.reason
    )
    return detail_out(licence, "issuer")


STATUS_ERRORS = errors(401, 403, 404, 409, 422)


@router.post(
    "/licences/{licence_id}/revoke",
    auth=LICENCES_AUTH,
    response={200: LicenceDetailOut, **STATUS_ERRORS},
    summary="撤销证照（颁发部门，须说明原因）/ revoke (issuing department, with a reason)",
)
def licence_revoke(request: HttpRequest, licence_id: str, payload: ReasonIn) -> Any:
    return _status_change(request, licence_id, payload, "revoke")


@router.post(
    "/licences/{licence_id}/suspend",
    auth=LICENCES_AUTH,
    response={200: LicenceDetailOut, **STATUS_ERRORS},
    summary="暂扣证照 / suspend",
)
def licence_suspend(request: HttpRequest, licence_id: str, payload: ReasonIn) -> Any:
    return _status_change(request, licence_id, payload, "suspend")


@router.post(
    "/licences/{licence_id}/restore",
    auth=LICENCES_AUTH,
    response={200: LicenceDetailOut, **STATUS_ERRORS},
    summary="恢复暂扣的证照 / restore a suspended licence",
)
def licence_restore(request: HttpRequest, licence_id: str, payload: ReasonIn) -> Any:
    return _status_change(request, licence_id, payload, "restore")


def share_out(share: LicenceShare) -> dict[str, Any]:
    return {
        "id": share.pk,
        "department_code": share.department.code,
        "department": share.department.name,
        "purpose": share.purpose,
        "valid_until": share.valid_until,
        "created_at": share.created_at,
        "withdrawn_at": share.withdrawn_at,
    }


@router.get(
    "/licences/{licence_id}/shares",
    auth=LICENCES_AUTH,
    response={200: list[ShareOut], **errors(401, 403, 404, 422)},
    summary="用证授权 / who the holder lets use the licence",
)
def licence_shares(request: HttpRequest, licence_id: str) -> Any:
    return [
        share_out(s)
        for s in selectors.licence_shares(selectors.licence_held_by(actor=actor_of(request), licence_id=licence_id))
    ]


@router.post(
    "/licences/{licence_id}/shares",
    auth=LICENCES_AUTH,
    response={201: ShareOut, **errors(401, 403, 404, 409, 422)},
    summary="授权部门使用证照 / let a department use the licence for a purpose until a date",
)
def licence_share_create(request: HttpRequest, licence_id: str, payload: ShareIn) -> Any:
    share = services.licence_share(
        actor=actor_of(request),
        licence_id=licence_id,
        department_code=payload.department_code,
        purpose=payload.purpose,
        valid_until=payload.valid_until,
    )
    return Status(201, share_out(share))


@router.post(
    "/licences/{licence_id}/shares/{share_id}/withdraw",
    auth=LICENCES_AUTH,
    response={200: ShareOut, **errors(401, 403, 404, 422)},
    summary="撤回用证授权 / withdraw a share",
)
def licence_share_withdraw(request: HttpRequest, licence_id: str, share_id: int) -> Any:
    return share_out(services.licence_share_withdraw(actor=actor_of(request), licence_id=licence_id, share_id=share_id))


def use_out(use: LicenceUse) -> dict[str, Any]:
    return {
        "kind": use.kind,
        "kind_label": str(use.get_kind_display()),
        "department": use.department.name if use.department else "",
        "purpose": use.purpose,
        "receipt_no": use.receipt_no,
        "occurred_at": use.occurred_at,
    }


@router.get(
    "/licences/{licence_id}/uses",
    auth=LICENCES_AUTH,
    response={200: list[UseOut], **errors(401, 403, 404, 422)},
    summary="用证记录 / every use of the licence",
)
def licence_uses(request: HttpRequest, licence_id: str) -> Any:
    return [
        use_out(u)
        for u in selectors.licence_uses(selectors.licence_held_by(actor=actor_of(request), licence_id=licence_id))
    ]


@router.post(
    "/licences/{licence_id}/credential",
    auth=LICENCES_AUTH,
    response={200: CredentialOut, **errors(401, 403, 404, 409, 422)},
    summary="领取数字凭证（SD-JWT VC，绑定持证人公钥）/ the licence as an SD-JWT VC bound to the holder's key",
)
def licence_credential(request: HttpRequest, licence_id: str, payload: CredentialIn) -> Any:
    """The holder only. `holder_jwk` is the wallet's public key (a JWK with a private part is refused);
    every claim comes as a disclosure, the wallet chooses what to present."""
    sd_jwt = wallet.licence_credential(actor=actor_of(request), licence_id=licence_id, holder_jwk=payload.holder_jwk)
    return {"sd_jwt": sd_jwt}


@router.post(
    "/licences/{licence_id}/show",
    auth=LICENCES_AUTH,
    response={200: ShowOut, **errors(401, 403, 404, 409, 422)},
    summary="亮证码（5 分钟有效，可离线核验）/ a 5-minute code to show the licence, verifiable offline",
)
def licence_show(request: HttpRequest, licence_id: str, payload: ShowIn) -> Any:
    code = wallet.licence_show(actor=actor_of(request), licence_id=licence_id, disclose=payload.disclose)
    return {
        "token": code.token,
        "qr_svg": code.qr_svg,
        "expires_at": code.expires_at,
        "disclosed": list(code.disclosed),
    }
