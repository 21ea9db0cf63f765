"""The catalogue's public pages: search, service guide, power and responsibility lists."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from govplus.catalog import selectors
from govplus.catalog.extensions import guide_notes_for
from govplus.core.errors import NotFound
from govplus.portal.helpers import pager_for
from govplus.portal.page_cache import public_page


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
    return render(request, "catalog/search.html", {"query": query, "theme": theme, "result": result})


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
        materials = list(item.materials.all())
        body = render(
            request,
            "catalog/guide_body.html",
            {
                "item": item,
                "steps": selectors.business_steps(item=item),
                "materials": materials,
                "co_departments": list(item.co_departments.all()),
                "notes": guide_notes_for(item=item, materials=materials),
            },
        ).content.decode()
        cache.set(cache_key, body, timeout=600)
    return render(request, "catalog/guide.html", {"item": head, "body": body})


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
        "catalog/power_list.html",
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
    return render(request, "catalog/responsibility_list.html", {"rows": selectors.responsibility_list()})
