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
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govplus.cases.deadlines import deadline_colour, near_due_before
from govplus.cases.models import (
    Application,
    ApplicationMaterial,
    CaseEvent,
    CaseTask,
    MaterialSupply,
    RectificationTask,
    SupplementRequest,
)
from govplus.cases.providers import (
    MaterialNeed,
    MaterialOffer,
    SuppliedMaterial,
    SupplyNote,
    material_offers,
    material_supply_note,
)
from govplus.cases.scope import task_scope
from govplus.cases.workflow import EXTEND_ROLES, SUSPEND_ROLES
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import NotFound, RateLimited, ValidationFailed
from govplus.core.i18n import localized
from govplus.core.ratelimit import limit_hit, limit_key, limit_retry_after
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


def supplement_open(*, application: Application) -> SupplementRequest | None:
    """The one open supplement notice of a case (a database constraint allows at most one), or None."""
    return application.supplement_requests.filter(resolved_at__isnull=True).first()


@dataclass(frozen=True)
class CaseAccess:
    """What a member of staff may do on a case page: her open tasks on it and the case-level actions."""

    my_open_tasks: list[CaseTask]
    can_suspend: bool
    can_extend: bool


def case_access_for(*, actor: User, tasks: list[CaseTask]) -> CaseAccess:
    """The actor's open tasks among `tasks` (within her (department, role) scope) and whether her roles
    may suspend/resume or extend (the same role sets the actions check, `workflow.SUSPEND_ROLES`)."""
    scope = {(a.department_id, a.role) for a in staff_assignments(user=actor)}
    roles = {role for _, role in scope}
    return CaseAccess(
        my_open_tasks=[t for t in tasks if t.status == CaseTask.Status.OPEN and (t.department_id, t.role) in scope],
        can_suspend=bool(roles & SUSPEND_ROLES),
        can_extend=bool(roles & EXTEND_ROLES),
    )


def rectification_list_for(*, actor: User, limit: int = 200) -> QuerySet[RectificationTask]:
    """Rectification tasks (from poor ratings) of the actor's departments, open ones first, by due date."""
    department_ids = [a.department_id for a in staff_assignments(user=actor)]
    return (
        RectificationTask.objects.filter(department_id__in=department_ids)
        .select_related("rating", "rating__application", "rating__application__service_item", "department")
        .order_by("status", "due_date")[:limit]
    )


def material_offers_for(*, application: Application) -> dict[str, MaterialOffer]:
    """What registered providers can supply, by material code, for this application's applicant."""
    needs = [
        MaterialNeed(code=m.code, name=m.name, source=m.source, licence_type=m.licence_type)
        for m in application.service_item.materials.all()
        if m.source != "applicant"
    ]
    return material_offers(applicant=application.applicant, item_code=application.service_item.code, needs=needs)


def application_supplies(*, application: Application) -> dict[str, MaterialSupply]:
    """The materials supplied by providers with the applicant's consent, by material code."""
    return {s.material_code: s for s in MaterialSupply.objects.filter(application=application)}


def application_supplies_for_staff(*, application: Application) -> list[tuple[MaterialSupply, SupplyNote | None]]:
    """The supplied materials with what each provider tells staff about them (the case page)."""
    return [
        (
            supply,
            material_supply_note(
                SuppliedMaterial(
                    receipt_no=application.receipt_no,
                    material_code=supply.material_code,
                    provider=supply.provider,
                    reference=supply.reference,
                    digest=supply.digest,
                    supplied_at=supply.supplied_at,
                )
            ),
        )
        for supply in MaterialSupply.objects.filter(application=application)
    ]


def material_get_for(*, actor: User, receipt_no: str, material_id: int) -> ApplicationMaterial:
    application = application_get_for(actor=actor, receipt_no=receipt_no)
    material = application.materials.filter(pk=material_id).first()
    if material is None:
        raise NotFound("未找到该材料。", "No such material.")
    return material


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One line of the workbench: the task with what the list shows of its case, and its colour."""

    id: int
    application_id: int
    step: str
    label: str
    role: str
    status: str
    due_date: dt.date | None
    department: str
    receipt_no: str
    application_status: str
    submitted_at: dt.datetime | None
    service_name: str
    service_name_en: str
    department_en: str
    warning: str

    @property
    def status_label(self) -> str:
        return str(CaseTask.Status(self.status).label)


_TASK_ROW_COLUMNS = (
    "id",
    "application_id",
    "step",
    "label",
    "role",
    "status",
    "due_date",
    "department__name",
    "application__receipt_no",
    "application__status",
    "application__submitted_at",
    "application__service_item__name",
    "application__service_item__name_en",
    "department__name_en",
)


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

    On PostgreSQL, one statement: an ordered range scan of the partial index `task_open_queue`
    (department, role, due_date, id) per (department, role) queue of the caller, each stopping after
    offset+limit entries, merged; only the page's rows are joined to their case (`_task_page_postgres`).
    So the cost depends on the number of queues and the page, not on how much open work the queues
    hold nor on the size of history. The total is counted from the same index, at most every 30 s.
    Returns (total, rows).
    """
    states: list[str] = [CaseTask.Status.OPEN, CaseTask.Status.WAITING] if include_waiting else [CaseTask.Status.OPEN]
    if actor.kind != User.Kind.STAFF:
        return 0, []
    if connection.vendor == "postgresql":
        values, total = _task_page_postgres(actor.pk, states=states, step=step, limit=limit, offset=offset)
    else:
        values, total = _task_page_portable(actor, states=states, step=step, limit=limit, offset=offset)
    when = today or timezone.localdate()  # the county's date, not the server's
    near_due = near_due_before(today=when, calendar=WorkingCalendar())
    return total, [
        TaskRow(*row, deadline_colour(due_date=row[6], today=when, near_due=near_due))  # type: ignore[call-arg]
        for row in values  # the columns are TaskRow's fields, in order
    ]


def _task_page_portable(
    actor: User, *, states: list[str], step: str, limit: int, offset: int
) -> tuple[list[tuple[Any, ...]], int]:
    """Any database: one OR-ed filter over the caller's queues, then the page's rows."""
    rows = CaseTask.objects.filter(task_scope(actor), status__in=states)
    if step:
        rows = rows.filter(step=step)
    ids = list(rows.order_by("due_date", "id").values_list("id", flat=True)[offset : offset + limit])
    # A short page that holds rows ends the list, so its total is known; an empty page past the end
    # says nothing about how many came before it.
    total = offset + len(ids) if 0 < len(ids) < limit or (offset == 0 and not ids) else rows.count()
    # plain tuples, not model instances: 50 rows x 4 models cost more Python than the whole query
    by_id = {row[0]: row for row in CaseTask.objects.filter(pk__in=ids).values_list(*_TASK_ROW_COLUMNS)}
    return [by_id[task_id] for task_id in ids if task_id in by_id], total


TASK_COUNT_SECONDS = 30
_QUEUE_HEADS_SQL = """
WITH queue AS (SELECT DISTINCT department_id, role FROM identity_staffrole WHERE user_id = %(user)s),
head AS (
  SELECT h.id, h.due_date FROM queue CROSS JOIN LATERAL (
    SELECT t.id, t.due_date FROM cases_casetask t
    WHERE t.department_id = queue.department_id AND t.role = queue.role AND t.status = ANY(%(states)s){step}
    ORDER BY t.due_date, t.id LIMIT %(head)s) h
  ORDER BY h.due_date, h.id LIMIT %(limit)s OFFSET %(offset)s)
SELECT t.id, t.application_id, t.step, t.label, t.role, t.status, t.due_date, d.name,
       a.receipt_no, a.status, a.submitted_at, s.name, s.name_en, d.name_en
FROM head
JOIN cases_casetask t ON t.id = head.id
JOIN cases_application a ON a.id = t.application_id
JOIN catalog_serviceitem s ON s.id = a.service_item_id
JOIN identity_department d ON d.id = t.department_id
ORDER BY head.due_date, head.id
"""
_QUEUE_COUNT_SQL = """
WITH queue AS (SELECT DISTINCT department_id, role FROM identity_staffrole WHERE user_id = %(user)s)
SELECT count(*) FROM queue CROSS JOIN LATERAL (
  SELECT 1 FROM cases_casetask t
  WHERE t.department_id = queue.department_id AND t.role = queue.role AND t.status = ANY(%(states)s){step}) h
"""


def _task_page_postgres(
    user_id: int, *, states: list[str], step: str, limit: int, offset: int
) -> tuple[list[tuple[Any, ...]], int]:
    """PostgreSQL: the whole page in one statement, whatever the size of the queues or of history.

    For each (department, role) queue of the user a LATERAL subquery walks the partial index
    `task_open_queue` in (due_date, id) order and stops after offset+limit entries; the few rows are
    merged, cut to the page and only then joined to their case, item and department.
    """
    step_sql = " AND t.step = %(step)s" if step else ""
    params: dict[str, Any] = {
        "user": user_id,
        "states": states,
        "step": step,
        "head": offset + limit,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(_QUEUE_HEADS_SQL.format(step=step_sql), params)
        rows = cursor.fetchall()
        if 0 < len(rows) < limit or (offset == 0 and not rows):  # the last page: the total is known
            return rows, offset + len(rows)
        # The total is the one part that grows with the open work (an index-only count of every open
        # task of the queues: ~0.3 ms per 1,000); it may lag by TASK_COUNT_SECONDS.
        key = f"govplus:task-count:{user_id}:{','.join(states)}:{hashlib.sha256(step.encode()).hexdigest()[:16]}"
        total = cache.get(key)
        if total is None:
            cursor.execute(_QUEUE_COUNT_SQL.format(step=step_sql), params)
            total = cursor.fetchone()[0]
            cache.set(key, total, timeout=TASK_COUNT_SECONDS)
    return rows, total


@dataclass(frozen=True)
class TimeLimits:
    """The limits of a case in one wording for every page: 承诺期限 (promised) and 法定期限 (statutory).

    `promised_date` is the expected completion (预计办结): counted from acceptance, or from submission
    while the case waits for acceptance (`is_before_acceptance`); `statutory_date` is the legal maximum,
    known once the case is accepted (before that the item's `statutory_days` from acceptance apply);
    `acceptance_due` binds while the case waits for acceptance. A withdrawn or refused case has none.
    0 days means 即办 (done on the spot).
    """

    promised_days: int
    statutory_days: int
    promised_date: dt.date | None
    statutory_date: dt.date | None
    acceptance_due: dt.date | None
    is_before_acceptance: bool
    is_paused: bool
    has_limits: bool


def application_time_limits(*, application: Application) -> TimeLimits:
    item = application.service_item
    ended_without_decision = application.status in (Application.Status.WITHDRAWN, Application.Status.NOT_ACCEPTED)
    before_acceptance = application.accepted_at is None and not ended_without_decision
    return TimeLimits(
        promised_days=item.promised_limit_days,
        statutory_days=item.statutory_limit_days,
        promised_date=None if ended_without_decision else application.promised_due_date,
        statutory_date=None if before_acceptance or ended_without_decision else application.due_date,
        acceptance_due=application.due_date if before_acceptance and application.submitted_at else None,
        is_before_acceptance=before_acceptance,
        is_paused=application.clock_paused_on is not None,
        has_limits=not ended_without_decision and application.status != Application.Status.DRAFT,
    )


@dataclass(frozen=True)
class DepartmentPart:
    """并联审批: one department's own part of a case — what it issues and how it decided.

    `status` is "pending" (not decided yet), "approved", "denied", or "none" (the case ended before
    the department decided: withdrawn, not accepted). `reason` is the department's opinion.
    """

    department_code: str
    department_name: str
    result: str
    result_en: str
    is_lead: bool
    status: str
    decided_at: dt.datetime | None
    reason: str

    @property
    def status_label(self) -> str:
        labels = {
            "pending": _("待办理"),
            "approved": _("准予"),
            "denied": _("不予准予"),
            "none": _("未办理"),
        }
        return str(labels[self.status])


PART_DECISIONS = {"approve": "approved", "deny": "denied"}


def application_department_parts(*, application: Application) -> list[DepartmentPart]:
    """The parts of a case handled by several departments in parallel (并联审批), lead first.

    Each co-handling department decides its own part in its co-review task (准予 / 不予准予 with
    reasons); the lead department's part is its decision. What each part issues comes from the
    catalogue (`results_by_department`); the lead's defaults to the item's result. An item handled by
    one department has no parts (empty list).
    """
    item = application.service_item
    co_departments = list(item.co_departments.all())
    if not co_departments:
        return []
    results = {part["department"]: part for part in item.results_by_department if isinstance(part, dict)}
    order = list(results)  # the catalogue's order, then the rest by code
    co_departments.sort(key=lambda d: (order.index(d.code) if d.code in order else len(order), d.code))
    decisions: dict[int, CaseTask] = {}
    for task in application.tasks.filter(status=CaseTask.Status.COMPLETED, action__in=PART_DECISIONS).order_by(
        "completed_at", "id"
    ):
        decisions[task.department_id] = task  # the latest decision of each department counts
    parts = []
    for department in [application.department, *co_departments]:
        is_lead = department.pk == application.department_id
        decided = decisions.get(department.pk)
        if decided is not None:
            status = PART_DECISIONS[decided.action]
        else:
            status = "none" if application.is_finished else "pending"
        catalogue = results.get(department.code, {})
        parts.append(
            DepartmentPart(
                department_code=department.code,
                department_name=department.name,
                result=catalogue.get("result", item.result_name if is_lead else ""),
                result_en=catalogue.get("result_en", ""),
                is_lead=is_lead,
                status=status,
                decided_at=decided.completed_at if decided else None,
                reason=decided.opinion if decided else "",
            )
        )
    return parts


def co_handling_denials(*, application: Application, parts: list[DepartmentPart] | None = None) -> list[DepartmentPart]:
    """The co-handling departments that refused their part (不予准予); `parts`: when the caller has them."""
    if parts is None:
        parts = application_department_parts(application=application)
    return [part for part in parts if part.status == "denied" and not part.is_lead]


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
    limits: TimeLimits | None = None


def progress_public(*, receipt_no: str, phone_last4: str, client: str) -> PublicProgress:
    """办件进度公开查询: receipt number plus the last 4 digits of the contact phone.

    A wrong pair and an unknown receipt give the same answer; 20 wrong attempts per client address in
    a clock hour stop guessing (counted in the shared cache, `core/ratelimit.py`; 429 with Retry-After).
    Shows no name, no form content, no opinions: only where the case is.
    """
    problems: dict[str, list[str]] = {}
    if not receipt_no.strip() or len(receipt_no) > 32:
        problems["receipt_no"] = ["请输入办件编号 / enter the receipt number"]
    if not (len(phone_last4) == 4 and phone_last4.isdigit()):
        problems["phone_last4"] = ["请输入手机号后4位 / enter the last 4 digits of the phone"]
    if problems:
        raise ValidationFailed(problems)
    key = limit_key(client)
    if wait := limit_retry_after(name="progress", key=key, limit=PROGRESS_ATTEMPTS_PER_HOUR, window=3600):
        minutes = -(-wait // 60)
        raise RateLimited(
            f"查询过于频繁，请 {minutes} 分钟后再试。",
            f"Too many queries; try again in {minutes} minutes.",
            retry_after=wait,
        )
    application = (
        Application.objects.select_related("service_item", "department")
        .filter(receipt_no=receipt_no.strip())
        .exclude(status=Application.Status.DRAFT)
        .first()
    )
    if application is None or not application.contact_phone.endswith(phone_last4):
        limit_hit(name="progress", key=key, window=3600)
        raise NotFound("办件编号或手机号后4位不正确。", "Receipt number and phone digits do not match.")
    events = application.events.filter(is_public=True).order_by("occurred_at", "id")
    rows = events.values_list("occurred_at", "title", "title_en")
    steps = [(at, localized({"title": title, "title_en": title_en}, "title")) for at, title, title_en in rows]
    return PublicProgress(
        receipt_no=application.receipt_no,
        service_name=localized(application.service_item),
        department=localized(application.department),
        status=application.status,
        status_label=application.get_status_display(),
        stage=application.stage,
        submitted_at=application.submitted_at,
        due_date=application.due_date,
        concluded_at=application.concluded_at,
        steps=steps,
        limits=application_time_limits(application=application),
    )


DEMAND_SECONDS = 600


def service_demand(*, days: int = 90) -> list[tuple[int, int]]:
    """(service item id, applications submitted in the last `days` days), most asked-for first: what
    热门事项 on the home page is ranked by. Kept for `DEMAND_SECONDS`; demand moves slowly."""
    key = f"govplus:service-demand:{days}"
    demand = cache.get(key)
    if demand is None:
        since = timezone.now() - dt.timedelta(days=days)
        demand = list(
            Application.objects.filter(submitted_at__gte=since)
            .values("service_item_id")
            .annotate(n=Count("id"))
            .order_by("-n", "service_item_id")
            .values_list("service_item_id", "n")
        )
        cache.set(key, demand, timeout=DEMAND_SECONDS)
    return demand
