"""The gateway's usage page (调用量统计, /staff/exchange/usage): calls and records per day, consumer
system, resource and operation, for the department's data officers (their systems and resources) and
the platform administrator. The figures are `usage.usage_by_day`, the same as `GET /api/v1/exchange/usage`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from govplus.core.errors import GovplusError
from govplus.exchange import usage
from govplus.portal.helpers import field_errors, staff_required, user_of


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def operation_labels() -> dict[str, str]:
    return {
        "lookup": _("单条查询"),
        "batch": _("批量查询"),
        "changes": _("变更查询"),
        "webhook": _("变更推送"),
        "remote-lookup": _("跨节点单条查询"),
        "remote-batch": _("跨节点批量查询"),
    }


def usage_chart(rows: list[usage.UsageRow], start: dt.date, until: dt.date) -> dict[str, Any]:
    """The ECharts option of the page's chart: calls per day over the whole period (days without calls
    at zero), one stacked bar per operation — the same figures as the table below it."""
    days = [start + dt.timedelta(days=n) for n in range((until - start).days + 1)]
    labels = operation_labels()
    operations = sorted({r.operation for r in rows}, key=lambda op: list(labels).index(op) if op in labels else 99)
    calls = {(r.day, r.operation): 0 for r in rows}
    for r in rows:
        calls[(r.day, r.operation)] += r.calls
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 28},
        "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d in days]},
        "yAxis": {"type": "value", "name": _("调用次数"), "minInterval": 1},
        "series": [
            {
                "name": labels.get(op, op),
                "type": "bar",
                "stack": "calls",
                "data": [calls.get((d, op), 0) for d in days],
            }
            for op in operations
        ],
        "aria": {"enabled": True},
    }


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
        request,
        "exchange/usage.html",
        {
            "rows": rows,
            "date_from": start,
            "date_until": until,
            "totals": totals,
            "chart": usage_chart(rows, start, until) if rows else None,
            "operations": operation_labels(),
        },
    )
