"""The shell's own pages: home, the language switch, the message inbox."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from govplus.cases.selectors import service_demand
from govplus.catalog import selectors
from govplus.core.notify import notification_mark_read
from govplus.core.selectors import notification_list_for
from govplus.portal.helpers import pager_for, user_of
from govplus.portal.page_cache import public_page

POPULAR_DAYS = 90
INBOX_PER_PAGE = 20


@public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "citizen_themes": selectors.theme_list(audience="citizen"),
            "business_themes": selectors.theme_list(audience="business"),
            "popular": selectors.services_popular(demand=service_demand(days=POPULAR_DAYS), limit=8),
        },
    )


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


def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('portal:login')}?next={request.path}")
    if request.method == "POST":
        notification_mark_read(recipient=user_of(request))
        return redirect("portal:inbox")
    unread_only = request.GET.get("unread") == "1"
    rows = notification_list_for(recipient=user_of(request), unread_only=unread_only, limit=None)
    pager = pager_for(
        request, total=rows.count(), per_page=INBOX_PER_PAGE, filters={"unread": "1" if unread_only else ""}
    )
    return render(
        request,
        "portal/inbox.html",
        {
            "notifications": rows[pager.offset : pager.offset + pager.per_page],
            "pager": pager,
            "unread_only": unread_only,
        },
    )
