"""The one place where a case changes status.

`application_transition` checks the move against the table in `cases/workflow.py::TRANSITIONS`
(refused with 409 `transition_not_allowed` otherwise), sets the status, bumps the version, saves, and
writes — in the caller's transaction, on a row the caller has locked — the timeline event, the audit
entry and the domain event (`core/events.py`). A case that reaches 办结 or 不予受理 also publishes
`application.concluded` with its outcome and result type, the event later modules (e-licences,
analytics) react to. Payloads carry ids and codes only, never the applicant's personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from govplus.cases.models import Application, CaseEvent
from govplus.cases.workflow import CONCLUDED_EVENT, TRANSITIONS, transition_allowed
from govplus.core.audit import audit_record
from govplus.core.errors import Conflict
from govplus.core.events import event_publish
from govplus.core.i18n import message_en


class TransitionRefused(Conflict):
    code = "transition_not_allowed"


def event_add(
    application: Application,
    *,
    actor: Any,
    kind: str,
    title: str,
    opinion: str = "",
    is_public: bool = True,
    when: dt.datetime | None = None,
) -> CaseEvent:
    """A line on the case's timeline (`is_public`: shown to the applicant)."""
    return CaseEvent.objects.create(
        application=application,
        occurred_at=when or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        stage=application.stage,
        title=title,
        title_en=message_en(title)[:200],  # both languages stored; the reader's picks one
        opinion=opinion,
        is_public=is_public,
    )


def application_payload(application: Application, **extra: Any) -> dict[str, Any]:
    """The ids and codes every `application.*` event carries."""
    return {
        "application_id": application.pk,
        "receipt_no": application.receipt_no,
        "service_code": application.service_item.code,
        "department_id": application.department_id,
        "applicant_id": application.applicant_id,
        **extra,
    }


def application_transition(
    application: Application,
    *,
    action: str,
    to: str,
    actor: Any,
    event_kind: str,
    title: str,
    audit_action: str,
    opinion: str = "",
    is_public: bool = True,
    when: dt.datetime | None = None,
    audit_changes: dict[str, Any] | None = None,
    event_name: str | None = None,
    payload: dict[str, Any] | None = None,
) -> CaseEvent:
    """Move the (locked) application to status `to` by `action`, or refuse with 409.

    `event_kind`/`title`/`opinion`/`is_public` make the timeline line, `audit_action`/`audit_changes`
    the audit entry (the status change is always recorded), `payload` adds to the domain event's ids;
    `event_name` replaces the table's event name where one action means different things at different
    steps (a co-handling department's decision is not the decision on the case)."""
    source = application.status
    if not transition_allowed(action=action, source=source, target=to):
        raise TransitionRefused(
            f"办件当前状态（{application.get_status_display()}）不能执行该操作。",
            f"This action is not allowed while the case is {source}.",
        )
    when = when or timezone.now()
    application.status = to
    application.version += 1
    application.save()
    timeline = event_add(
        application, actor=actor, kind=event_kind, title=title, opinion=opinion, is_public=is_public, when=when
    )
    audit_record(
        actor=actor,
        action=audit_action,
        object_type="application",
        object_id=application.receipt_no,
        changes={**(audit_changes or {}), "status": [source, to]},
    )
    common = application_payload(
        application, action=action, status_from=source, status_to=to, actor_id=getattr(actor, "pk", None)
    )
    is_finished = to in (Application.Status.CONCLUDED, Application.Status.NOT_ACCEPTED) and source != to
    outcome = (
        {"outcome": to, "result": application.result, "result_type": application.service_item.result_type}
        if is_finished
        else {}
    )
    name = event_name or TRANSITIONS[action].event
    if name == CONCLUDED_EVENT:
        event_publish(name=name, payload={**common, **outcome, **(payload or {})}, when=when)
    else:
        event_publish(name=name, payload={**common, **(payload or {})}, when=when)
        if is_finished:
            event_publish(name=CONCLUDED_EVENT, payload={**common, **outcome}, when=when)
    return timeline
