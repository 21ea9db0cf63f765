"""Case reads, always scoped to who is asking.

A citizen sees only their own applications; staff see cases and tasks of their own departments; a
receipt number outside the caller's scope is 404 (never 403), so its existence is not revealed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet

from govplus.cases.deadlines import deadline_level
from govplus.cases.models import Application, ApplicationMaterial, CaseEvent, CaseTask
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import NotFound, RateLimited, ValidationFailed
from govplus.identity.models import User
from govplus.identity.selectors import staff_assignments

PROGRESS_ATTEMPTS_PER_HOUR = 20


def application_list_for(*, actor: User, status: str = "") -> QuerySet[Application]:
    rows = Application.objects.filter(applicant=actor).select_related("service_item", "department")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at")


def application_get_for(*, actor: User, receipt_no: str) -> Application:
    """The applicant's own case, or — for staff — a case their department leads or co-handles."""
    rows = Application.objects.select_related("service_item", "service_item__process", "department", "applicant")
    if actor.kind == User.Kind.STAFF:
        department_ids = {a.department_id for a in staff_assignments(user=actor)}
        rows = rows.filter(Q(department_id__in=department_ids) | Q(tasks__department_id__in=department_ids)).distinct()
    else:
        rows = rows.filter(applicant=actor)
    application = rows.filter(receipt_no=receipt_no).first()
    if application is None:
        raise NotFound("未找到该办件。", "No application with this receipt number.")
    return application


def application_events(*, application: Application, include_internal: bool) -> list[CaseEvent]:
    events = application.events.select_related("actor")
    if not include_internal:
        events = events.filter(is_public=True)
    return list(events)


def application_materials(*, application: Application, current_only: bool = True) -> list[ApplicationMaterial]:
    rows = application.materials.all()
    return list(rows.filter(is_current=True) if current_only else rows)


def material_get_for(*, actor: User, receipt_no: str, material_id: int) -> ApplicationMaterial:
    application = application_get_for(actor=actor, receipt_no=receipt_no)
    material = application.materials.filter(pk=material_id).first()
    if material is None:
        raise NotFound("未找到该材料。", "No such material.")
    return material


@dataclass(frozen=True)
class TaskRow:
    task: CaseTask
    warning: str


def task_list_for(
    *,
    actor: User,
    include_waiting: bool = True,
    step: str = "",
    limit: int = 50,
    offset: int = 0,
    today: dt.date | None = None,
) -> tuple[int | None, list[TaskRow]]:
    """The caller's open tasks, earliest deadline first, with yellow/red marks.

    On PostgreSQL, one ordered range scan of the partial index `task_open_queue` (department, role,
    due_date, id) per (department, role) queue of the caller, each stopping after offset+limit
    entries, merged (see `_queue_heads`); only the page's rows are then joined to their application.
    So the cost depends on the number of queues and the page, not on how much open work the queues
    hold nor on the size of history. The total (first page only, as before) is counted from the same
    index.
    Returns (total, rows).
    """
    states: list[str] = [CaseTask.Status.OPEN, CaseTask.Status.WAITING] if include_waiting else [CaseTask.Status.OPEN]
    assignments = sorted({(a.department_id, a.role) for a in staff_assignments(user=actor)})
    if not assignments:
        return 0, []
    base = CaseTask.objects.filter(status__in=states)
    if step:
        base = base.filter(step=step)
    if connection.vendor == "postgresql" and len(assignments) > 1:
        ids, total = _queue_heads(assignments, states=states, step=step, limit=limit, offset=offset)
    else:  # one queue is already one index range scan; SQLite has no LATERAL
        scope = Q(pk__in=[])
        for department_id, role in assignments:
            scope |= Q(department_id=department_id, role=role)
        rows = base.filter(scope)
        ids = list(rows.order_by("due_date", "id").values_list("id", flat=True)[offset : offset + limit])
        total = rows.count() if len(ids) == limit else offset + len(ids)
    by_id = (
        CaseTask.objects.select_related("application", "application__service_item", "department")
        .only(
            "id",
            "step",
            "label",
            "role",
            "status",
            "due_date",
            "created_at",
            "department__name",
            "application__receipt_no",
            "application__status",
            "application__submitted_at",
            "application__service_item__name",
            "application__applicant_id",
            "application__channel",
        )
        .in_bulk(ids)
    )
    page = [by_id[task_id] for task_id in ids if task_id in by_id]
    calendar = WorkingCalendar()
    when = today or dt.date.today()
    return total, [
        TaskRow(task, deadline_level(due_date=task.due_date, today=when, calendar=calendar)) for task in page
    ]


TASK_COUNT_SECONDS = 30


def _queue_heads(
    assignments: list[tuple[int, str]], *, states: list[str], step: str, limit: int, offset: int
) -> tuple[list[int], int | None]:
    """PostgreSQL: the page's task ids from the head of each (department, role) queue, and the total.

    For each queue a LATERAL subquery walks `task_open_queue` in (due_date, id) order and stops after
    offset+limit rows; the outer query merges those few rows. The statement stays small whatever the
    number of queues (arrays, not one branch per queue), so it is cheap to build and to plan.
    """
    status_sql = ", ".join(f"'{state}'" for state in states)  # fixed enum values, not user input
    step_sql = " AND t.step = %(step)s" if step else ""
    queues = "unnest(%(departments)s::bigint[], %(roles)s::varchar[]) AS q(department_id, role)"
    params: dict[str, Any] = {
        "departments": [d for d, _ in assignments],
        "roles": [r for _, r in assignments],
        "step": step,
        "head": offset + limit,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.id FROM {queues} CROSS JOIN LATERAL ("
            f" SELECT t.id, t.due_date FROM cases_casetask t WHERE t.department_id = q.department_id"
            f" AND t.role = q.role AND t.status IN ({status_sql}){step_sql}"
            f" ORDER BY t.due_date, t.id LIMIT %(head)s) h"
            f" ORDER BY h.due_date, h.id LIMIT %(limit)s OFFSET %(offset)s",
            params,
        )
        ids = [row[0] for row in cursor.fetchall()]
        if len(ids) < limit:  # the last page: the total is known without counting
            return ids, offset + len(ids)
        # The total is the one part that grows with the open work (an index-only count of every open
        # task of the queues: ~0.3 ms per 1,000); it is shared by everyone on the same queues and may
        # lag by TASK_COUNT_SECONDS.
        key = "govplus:task-count:" + hashlib.sha256(repr((assignments, states, step)).encode()).hexdigest()
        total = cache.get(key)
        if total is not None:
            return ids, total
        cursor.execute(
            f"SELECT count(*) FROM {queues} CROSS JOIN LATERAL ("
            f" SELECT 1 FROM cases_casetask t WHERE t.department_id = q.department_id AND t.role = q.role"
            f" AND t.status IN ({status_sql}){step_sql}) h",
            params,
        )
        total = cursor.fetchone()[0]
    cache.set(key, total, timeout=TASK_COUNT_SECONDS)
    return ids, total


def tasks_of_application(*, application: Application) -> list[CaseTask]:
    return list(application.tasks.select_related("department", "completed_by").order_by("created_at", "id"))


@dataclass(frozen=True)
class PublicProgress:
    receipt_no: str
    service_name: str
    department: str
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    concluded_at: dt.datetime | None
    steps: list[tuple[dt.datetime, str]]


def progress_public(*, receipt_no: str, phone_last4: str, client: str) -> PublicProgress:
    """办件进度公开查询: receipt number plus the last 4 digits of the contact phone.

    A wrong pair and an unknown receipt give the same answer; 20 attempts an hour per client address
    stop guessing. Shows no name, no form content, no opinions: only where the case is.
    """
    problems: dict[str, list[str]] = {}
    if not receipt_no.strip() or len(receipt_no) > 32:
        problems["receipt_no"] = ["请输入办件编号 / enter the receipt number"]
    if not (len(phone_last4) == 4 and phone_last4.isdigit()):
        problems["phone_last4"] = ["请输入手机号后4位 / enter the last 4 digits of the phone"]
    if problems:
        raise ValidationFailed(problems)
    key = f"govplus:progress-attempts:{client}"
    attempts = int(cache.get_or_set(key, 0, timeout=3600) or 0)
    if attempts >= PROGRESS_ATTEMPTS_PER_HOUR:
        raise RateLimited("查询过于频繁，请一小时后再试。", "Too many queries; try again in an hour.")
    application = (
        Application.objects.select_related("service_item", "department")
        .filter(receipt_no=receipt_no.strip())
        .exclude(status=Application.Status.DRAFT)
        .first()
    )
    if application is None or not application.contact_phone.endswith(phone_last4):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=3600)
        raise NotFound("办件编号或手机号后4位不正确。", "Receipt number and phone digits do not match.")
    steps = list(
        application.events.filter(is_public=True).order_by("occurred_at", "id").values_list("occurred_at", "title")
    )
    return PublicProgress(
        receipt_no=application.receipt_no,
        service_name=application.service_item.name,
        department=application.department.name,
        status=application.status,
        status_label=application.get_status_display(),
        stage=application.stage,
        submitted_at=application.submitted_at,
        due_date=application.due_date,
        concluded_at=application.concluded_at,
        steps=steps,
    )
