"""Public pages: home, search, service guide, themes, power and responsibility lists, progress query."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from govplus.cases.engine import process_steps
from govplus.cases.selectors import progress_public
from govplus.catalog import selectors
from govplus.core.errors import GovplusError, NotFound
from govplus.core.middleware import client_ip
from govplus.portal.helpers import field_errors, pager_for
from govplus.portal.page_cache import public_page


@public_page
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


@public_page
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


@public_page
def guide(request: HttpRequest, code: str) -> HttpResponse:
    """The service guide; the rendered body is cached per item version and language.

    A cache hit costs one narrow query (is the item published, at which version); the item with its
    materials, departments, themes and process is loaded only to render a missing body.
    """
    head = selectors.service_published_head(code=code)
    if head is None:
        raise Http404
    cache_key = selectors.catalog_cache_key("guide", head.code, head.version, head.updated_at, get_language())
    body = cache.get(cache_key)
    if body is None:
        try:
            item = selectors.service_get_published(code=code)
        except NotFound as error:
            raise Http404 from error
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
    return render(request, "portal/guide.html", {"item": head, "body": body})


POWER_LIST_PER_PAGE = 30


@public_page
def power_list(request: HttpRequest) -> HttpResponse:
    """权力清单, 30 a page, filtered by department and power type (unknown filter values show all)."""
    departments, types = selectors.power_list_filters()
    department = request.GET.get("department", "")
    department = department if department in {code for code, _name in departments} else ""
    item_type = request.GET.get("type", "")
    item_type = item_type if item_type in {value for value, _label in types} else ""
    items = selectors.power_list(department=department, item_type=item_type)
    pager = pager_for(
        request,
        total=items.count(),
        per_page=POWER_LIST_PER_PAGE,
        filters={"department": department, "type": item_type},
    )
    return render(
        request,
        "portal/power_list.html",
        {
            "items": items[pager.offset : pager.offset + pager.per_page],
            "pager": pager,
            "departments": departments,
            "types": types,
            "department": department,
            "item_type": item_type,
        },
    )


@public_page
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


@never_cache
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language (a plain link, so that pages need no form and can be cached)
    and go back to the page the visitor came from (only ever a page of this site)."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
