"""Public pages: home, search, service guide, themes, power and responsibility lists, progress query."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from govplus.cases.engine import process_steps
from govplus.cases.selectors import progress_public
from govplus.catalog import selectors
from govplus.core.errors import GovplusError, NotFound
from govplus.core.middleware import client_ip
from govplus.portal.helpers import field_errors


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "citizen_themes": selectors.theme_list(audience="citizen"),
            "business_themes": selectors.theme_list(audience="business"),
            "popular": selectors.service_search(limit=8).items,
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    theme_code = request.GET.get("theme", "")
    theme = None
    if theme_code:
        try:
            theme = selectors.theme_get(code=theme_code)
        except NotFound as error:
            raise Http404 from error
    result = selectors.service_search(query=query, theme=theme_code, target=request.GET.get("target", ""), limit=100)
    return render(request, "portal/search.html", {"query": query, "theme": theme, "result": result})


def guide(request: HttpRequest, code: str) -> HttpResponse:
    """The service guide; the rendered body is cached per item version and language."""
    try:
        item = selectors.service_get_published(code=code)
    except NotFound as error:
        raise Http404 from error
    cache_key = f"govplus:guide:{item.code}:{item.version}:{item.updated_at.timestamp()}:{get_language()}"
    body = cache.get(cache_key)
    if body is None:
        body = render(
            request,
            "portal/guide_body.html",
            {
                "item": item,
                "steps": [
                    s for s in process_steps(bpmn_xml=item.process.bpmn_xml) if s["kind"] in ("user", "parallel")
                ],
                "materials": list(item.materials.all()),
                "co_departments": list(item.co_departments.all()),
            },
        ).content.decode()
        cache.set(cache_key, body, timeout=600)
    return render(request, "portal/guide.html", {"item": item, "body": body})


def power_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/power_list.html", {"items": selectors.power_list()})


def responsibility_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/responsibility_list.html", {"rows": selectors.responsibility_list()})


def progress(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "receipt_no": request.GET.get("receipt_no", ""),
        "phone_last4": request.GET.get("phone_last4", ""),
    }
    if "receipt_no" in request.GET:
        try:
            context["progress"] = progress_public(
                receipt_no=request.GET.get("receipt_no", ""),
                phone_last4=request.GET.get("phone_last4", ""),
                client=client_ip(request) or "unknown",
            )
        except GovplusError as error:
            context["errors"] = field_errors(error)
            return render(request, "portal/progress.html", context, status=error.status)
    return render(request, "portal/progress.html", context)
