"""The gateway's usage page (调用量统计, /staff/exchange/usage): calls and records per day, consumer
system, resource and operation, for the department's data officers (their systems and resources) and
the platform administrator. The figures are `usage.usage_by_day`, the same as `GET /api/v1/exchange/usage`."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from govplus.core.errors import GovplusError
from govplus.exchange import usage
from govplus.portal.helpers import field_errors, staff_required, user_of


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@staff_required
def usage_page(request: HttpRequest) -> HttpResponse:
    date_from, date_until = _date(request.GET.get("date_from", "")), _date(request.GET.get("date_until", ""))
    try:
        start, until = usage.usage_period(date_from, date_until)
        rows = usage.usage_by_day(actor=user_of(request), date_from=start, date_until=until)
    except GovplusError as error:
        return render(
            request,
            "exchange/usage.html",
            {"rows": [], "errors": field_errors(error), "message": error.message},
            status=error.status,
        )
    totals = {"calls": sum(r.calls for r in rows), "records": sum(r.records for r in rows)}
    return render(
        request, "exchange/usage.html", {"rows": rows, "date_from": start, "date_until": until, "totals": totals}
    )
