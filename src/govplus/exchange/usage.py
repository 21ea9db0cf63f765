"""Metering of the gateway (计量): how many calls and records, per day, consumer system, resource and
operation — counted from the evidence entries themselves, so the meter and the evidence never disagree
and nothing is counted that was not served (a refused call — 401, 403, 404 of a resource, 422, 429 —
is no exchange and is not metered; the rate limiter still counts it).

Who sees what: a department's administrators and data officers see the usage of their department's
consumer systems and of the resources their department provides; the platform administrator sees all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from govplus.core.errors import PermissionDenied, ValidationFailed
from govplus.exchange.models import ConsumerSystem, ExchangeEvidence, Resource
from govplus.exchange.selectors import data_departments_of
from govplus.identity.models import Department
from govplus.identity.selectors import is_platform_admin

USAGE_MAX_DAYS = 366
GATEWAY_OPERATIONS = ("lookup", "batch", "changes")


@dataclass(frozen=True)
class UsageRow:
    day: dt.date
    consumer: str  # client id
    consumer_name: str
    consumer_department: str
    resource: str
    operation: str
    calls: int
    records: int


def usage_period(date_from: dt.date | None, date_until: dt.date | None) -> tuple[dt.date, dt.date]:
    """The period asked (default: the last 30 days to today); 422 naming the field when it is wrong."""
    until = date_until or timezone.localdate()
    start = date_from or until - dt.timedelta(days=29)
    if start > until:
        raise ValidationFailed({"date_from": ["开始日期晚于结束日期 / the period starts after it ends"]})
    if (until - start).days >= USAGE_MAX_DAYS:
        raise ValidationFailed({"date_from": [f"最多查询 {USAGE_MAX_DAYS} 天 / at most {USAGE_MAX_DAYS} days"]})
    return start, until


def usage_by_day(*, actor: Any, date_from: dt.date | None = None, date_until: dt.date | None = None) -> list[UsageRow]:
    """Gateway usage per day (the platform's time zone), newest day first, within what the actor sees."""
    start, until = usage_period(date_from, date_until)
    rows = ExchangeEvidence.objects.filter(
        operation__in=GATEWAY_OPERATIONS,
        occurred_at__date__gte=start,
        occurred_at__date__lte=until,
    )
    if not is_platform_admin(user=actor):
        departments = data_departments_of(actor)
        if not departments:
            raise PermissionDenied(
                "只有部门管理员或数据管理员可以查看调用量", "only department administrators and data officers see usage"
            )
        codes = list(Department.objects.filter(pk__in=departments).values_list("code", flat=True))
        provided = list(Resource.objects.filter(provider_id__in=departments).values_list("code", flat=True))
        rows = rows.filter(Q(consumer_department__in=codes) | Q(resource_code__in=provided))
    grouped = (
        rows.annotate(day=TruncDate("occurred_at"))
        .values("day", "consumer", "consumer_department", "resource_code", "operation")
        .annotate(calls=Count("id"), records=Sum("record_count"))
        .order_by("-day", "consumer", "resource_code", "operation")
    )
    found = list(grouped)
    names = dict(
        ConsumerSystem.objects.filter(application__client_id__in={r["consumer"] for r in found}).values_list(
            "application__client_id", "name"
        )
    )
    return [
        UsageRow(
            day=r["day"],
            consumer=r["consumer"],
            consumer_name=names.get(r["consumer"], ""),
            consumer_department=r["consumer_department"],
            resource=r["resource_code"],
            operation=r["operation"],
            calls=int(r["calls"]),
            records=int(r["records"] or 0),
        )
        for r in found
    ]
