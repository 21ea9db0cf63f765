"""Whole-page cache of the public catalogue pages for visitors without a session.

Most visitors of a service guide or a search are anonymous and see exactly the same page as everyone
else reading in the same language. For them the finished page is kept in the cache, keyed by path,
query string, language and the catalogue stamp (`catalog_stamp`), for `PAGE_SECONDS`: a catalogue
change is visible at once in the process that made it and within `CATALOG_STAMP_SECONDS` elsewhere.

Never cached: anyone with a session or a pending message (the page greets them or shows their
unread count), anything but GET/HEAD, any response other than 200, and any response that sets a
cookie or needs a CSRF token (it would be someone's own).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from govplus.catalog.selectors import catalog_cache_key

PAGE_SECONDS = 60
_VISITOR_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def _is_shared_view(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and not any(name in request.COOKIES for name in _VISITOR_COOKIES)


def _is_shareable(request: HttpRequest, response: HttpResponseBase) -> bool:
    return (
        isinstance(response, HttpResponse)
        and response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def public_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve the view's page from the cache to visitors without a session (see the module)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _is_shared_view(request):
            return view(request, *args, **kwargs)
        key = catalog_cache_key("page", request.get_full_path(), get_language())
        cached = cache.get(key)
        response: HttpResponseBase
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if _is_shareable(request, response):
                assert isinstance(response, HttpResponse)
                cache.set(key, (response.content, response["Content-Type"]), timeout=PAGE_SECONDS)
        patch_vary_headers(response, ("Cookie",))
        return response

    return wrapper
