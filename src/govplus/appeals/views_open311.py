"""The Open311 GeoReport v2 endpoints at /open311/v2/ and the discovery document (thin: the rules are
in `open311.py`). Each answers JSON or XML by the path's extension; errors are the spec's list of
{code, description}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from govplus.appeals import open311
from govplus.core.errors import GovplusError, ValidationFailed

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _answer(fmt: str, root: str, item: str, data: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(open311.xml_document(root, item, data), content_type=FORMATS["xml"], status=status)
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def _status(error: GovplusError) -> int:
    """Open311 answers bad input with 400 (the platform's API says 422)."""
    return 400 if isinstance(error, ValidationFailed) else error.status


def _error_list(error: GovplusError) -> list[dict[str, Any]]:
    if isinstance(error, ValidationFailed) and error.fields:
        return [
            {"code": 400, "description": f"{field}: {'; '.join(messages)}"} for field, messages in error.fields.items()
        ]
    if error.message_en and error.message_en != error.message:
        return [{"code": _status(error), "description": f"{error.message} / {error.message_en}"}]
    return [{"code": _status(error), "description": error.message}]


def _serve(fmt: str, root: str, item: str, produce: Callable[[], Any]) -> HttpResponse:
    if fmt not in FORMATS:
        return JsonResponse(
            [{"code": 404, "description": "格式应为 json 或 xml / format: json or xml"}], safe=False, status=404
        )
    try:
        data = produce()
    except GovplusError as error:
        return _answer(fmt, "errors", "error", _error_list(error), status=_status(error))
    return _answer(fmt, root, item, data)


@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    base = f"{str(settings.SITE_URL).rstrip('/')}/open311/v2"
    return JsonResponse(
        {
            "changeset": "2026-12-03T00:00:00Z",
            "contact": "12345 政务服务便民热线 / the 12345 government service hotline",
            "key_service": f"{str(settings.SITE_URL).rstrip('/')}/staff/appeals/partners",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-12-03T00:00:00Z",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    def produce() -> Any:
        open311.jurisdiction_check(request.GET.get("jurisdiction_id", ""))
        return open311.service_list(get_language() or "zh-hans")

    return _serve(fmt, "services", "service", produce)


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    def produce() -> Any:
        open311.jurisdiction_check(request.GET.get("jurisdiction_id", ""))
        return open311.service_definition(code)

    return _serve(fmt, "service_definition", "service_definition", produce)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in request.POST}
        return _serve(fmt, "service_requests", "request", lambda: [open311.request_post(form)])
    params = {key: request.GET.get(key, "") for key in request.GET}
    return _serve(
        fmt,
        "service_requests",
        "request",
        lambda: [open311.request_out(appeal) for appeal in open311.request_rows(params)],
    )


@require_GET
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    def produce() -> Any:
        open311.jurisdiction_check(request.GET.get("jurisdiction_id", ""))
        return [open311.request_out(appeal) for appeal in open311.request_of(number)]

    return _serve(fmt, "service_requests", "request", produce)


@require_GET
def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    def produce() -> Any:
        open311.jurisdiction_check(request.GET.get("jurisdiction_id", ""))
        return open311.token_rows(token_id[:36])

    return _serve(fmt, "service_requests", "request", produce)
