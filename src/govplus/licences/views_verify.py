"""Public verification pages and the credential issuer's metadata (no sign-in needed).

`/licences/verify` takes what a verifier has in hand — a licence PDF, a 亮证 code scanned from the
holder's phone, or a licence identifier — and lists every check with its result. `/licences/verify/<id>`
is where a licence PDF's QR code leads: the library's status of that licence, with masked data.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from govplus.licences import verification
from govplus.licences.issuer_keys import issuer_metadata

MAX_PDF_BYTES = 10 * 1024 * 1024


@require_GET
def jwt_vc_issuer(request: HttpRequest) -> JsonResponse:
    """SD-JWT VC issuer metadata (`/.well-known/jwt-vc-issuer`): the issuer and its keys, active and
    retired, so a credential signed before a key rotation still verifies."""
    from django.conf import settings

    response = JsonResponse(issuer_metadata(settings.SITE_URL.rstrip("/")))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _labels(request: HttpRequest) -> dict[str, str]:
    english = getattr(request, "LANGUAGE_CODE", "zh-hans") == "en"
    return {name: (en if english else zh) for name, (zh, en) in verification.CHECK_LABELS.items()}


def _verifier(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.user if request.user.is_authenticated else None


def licence_verify(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"labels": _labels(request)}
    if request.method == "POST":
        result, errors = _verify_posted(request)
        context.update({"result": result, "errors": errors, "code": request.POST.get("code", "")[:6000]})
        return render(request, "licences/verify.html", context, status=422 if errors else 200)
    return render(request, "licences/verify.html", context)


def _verify_posted(request: HttpRequest) -> tuple[verification.Verification | None, dict[str, list[str]]]:
    upload = request.FILES.get("file")
    code = request.POST.get("code", "").strip()
    if upload is not None:
        if upload.size is not None and upload.size > MAX_PDF_BYTES:
            return None, {"file": ["文件超过 10 MB / the file is larger than 10 MB"]}
        return verification.verify_pdf(upload.read(), actor=_verifier(request)), {}
    if not code:
        return None, {"code": ["请上传证照 PDF，或输入亮证码、证照标识 / upload a PDF or enter a code"]}
    if len(code) > 6000:
        return None, {"code": ["内容过长 / too long"]}
    if code.startswith("1.2.156.3005.2."):
        return verification.verify_licence_id(code, actor=_verifier(request)), {}
    return verification.verify_show_code(code, actor=_verifier(request)), {}


@require_GET
def licence_verify_id(request: HttpRequest, licence_id: str) -> HttpResponse:
    """The page a licence's QR code opens: is this a licence of the library, and is it valid now?"""
    result = verification.verify_licence_id(licence_id[:80], actor=_verifier(request))
    context = {"result": result, "scanned": licence_id[:80], "labels": _labels(request)}
    return render(request, "licences/verify.html", context)
