"""The public progress query (no sign-in: receipt number and the last four digits of the phone)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from govplus.cases.selectors import progress_public
from govplus.core.errors import GovplusError, RateLimited
from govplus.core.middleware import client_ip
from govplus.portal.helpers import field_errors


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
            response = render(request, "cases/progress.html", context, status=error.status)
            if isinstance(error, RateLimited):
                response["Retry-After"] = str(error.retry_after)
            return response
    return render(request, "cases/progress.html", context)
