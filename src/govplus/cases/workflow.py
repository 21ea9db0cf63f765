"""What may happen to a case, and by whom.

The BPMN process decides the order of steps; this file decides which actions each step offers, what
each action tells the engine, and which case statuses allow the case-level actions (suspend, resume,
extend, withdraw). Rules follow the Administrative Licensing Law (《行政许可法》):
- 第三十二条: accept, refuse with reasons, or notify everything to supplement at once (一次性告知);
- 第四十二条: decide within the limit; the head of the organ may extend it, with reasons;
- 第四十五条 and the 中止 practice: time spent waiting for the applicant or on a suspension does not
  count towards the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from govplus.cases.models import Application
from govplus.identity.models import Role


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    engine_outcome: str | None  # None: the action does not complete the BPMN task
    requires_opinion: bool = False
    result: str | None = None


ACTIONS: dict[str, Action] = {
    action.code: action
    for action in [
        Action("accept", gettext_noop("受理"), "accept"),
        Action("not_accept", gettext_noop("不予受理"), "not_accept", requires_opinion=True),
        Action("request_supplement", gettext_noop("一次性告知补正"), None, requires_opinion=True),
        Action("pass", gettext_noop("审查通过"), "pass"),
        Action("return", gettext_noop("退回受理"), "return", requires_opinion=True),
        Action("approve", gettext_noop("准予"), "approve", result=Application.Result.APPROVED),
        Action("deny", gettext_noop("不予准予"), "deny", requires_opinion=True, result=Application.Result.DENIED),
        Action("conclude", gettext_noop("办结送达"), "concluded"),
    ]
}

STEP_ACTIONS: dict[str, list[str]] = {
    "accept": ["accept", "request_supplement", "not_accept"],
    "review": ["pass", "request_supplement", "return"],
    "co_review": ["approve", "deny"],
    "decide": ["approve", "deny"],
    "conclude": ["conclude"],
}

DELIVERY_METHODS = {
    "download": gettext_noop("网上下载"),
    "post": gettext_noop("邮寄送达"),
    "window": gettext_noop("窗口领取"),
}

SUSPENDABLE = {Application.Status.IN_PROGRESS}
# Who may suspend/resume a case (the reviewing or deciding official) and extend its limit (第四十二条:
# the head of the organ, here the approver).
SUSPEND_ROLES: set[str] = {Role.REVIEWER, Role.APPROVER}
EXTEND_ROLES: set[str] = {Role.APPROVER}
EXTENDABLE = {Application.Status.IN_PROGRESS, Application.Status.SUSPENDED}
WITHDRAWABLE = {Application.Status.DRAFT, Application.Status.SUBMITTED, Application.Status.SUPPLEMENT_REQUESTED}
RATEABLE = {Application.Status.CONCLUDED, Application.Status.NOT_ACCEPTED}
MAX_EXTENSION_DAYS = 30


def actions_for_step(step: str) -> list[Action]:
    return [ACTIONS[code] for code in STEP_ACTIONS.get(step, [])]


def action_allowed(step: str, action: str) -> bool:
    return action in STEP_ACTIONS.get(step, [])


def status_after_engine(*, ready_steps: list[str], is_completed: bool, outcome_status: str | None) -> str:
    """The case status after the engine ran: ended, or in progress / waiting for acceptance."""
    if is_completed:
        return outcome_status or Application.Status.CONCLUDED
    if ready_steps and all(step == "accept" for step in ready_steps):
        return Application.Status.SUBMITTED
    return Application.Status.IN_PROGRESS
