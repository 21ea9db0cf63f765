"""Error pages in the visitor's language (Chinese first): the 404/403/500 pages are templates
(`404.html`, `403.html`, `500.html`); a failed CSRF check comes here (settings.CSRF_FAILURE_VIEW)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """An expired or missing form token: explain it plainly and say that nothing was submitted."""
    return render(request, "403_csrf.html", status=403)
