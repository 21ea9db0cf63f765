"""What may happen to a case, and by whom.

The BPMN process decides the order of steps; this file decides which actions each step offers, what
each action tells the engine, and — in `TRANSITIONS` — which status changes each action may make
(applied only by `cases/transitions.py::application_transition`). Rules follow the Administrative
Licensing Law (《行政许可法》):
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

S = Application.Status
FINAL_STATUSES = frozenset({S.CONCLUDED, S.NOT_ACCEPTED, S.WITHDRAWN})


@dataclass(frozen=True)
class Transition:
    """What an action may do to a case's status: from-status → the statuses it may lead to (several
    where the BPMN engine decides: a step may end the process), and the domain event it publishes."""

    moves: dict[str, frozenset[str]]
    event: str


def _moves(*pairs: tuple[str, set[str]]) -> dict[str, frozenset[str]]:
    return {source: frozenset(targets) for source, targets in pairs}


# Every change of `Application.status` is one of these, applied by `cases/transitions.py`.
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(_moves((S.DRAFT, {S.SUBMITTED})), "application.submitted"),
    # 第三十二条: accept, refuse, or notify everything to supplement at once.
    "accept": Transition(_moves((S.SUBMITTED, {S.IN_PROGRESS, S.CONCLUDED})), "application.accepted"),
    "not_accept": Transition(_moves((S.SUBMITTED, {S.NOT_ACCEPTED})), "application.not_accepted"),
    "request_supplement": Transition(
        _moves((S.SUBMITTED, {S.SUPPLEMENT_REQUESTED}), (S.IN_PROGRESS, {S.SUPPLEMENT_REQUESTED})),
        "application.supplement_requested",
    ),
    "supplement": Transition(
        _moves((S.SUPPLEMENT_REQUESTED, {S.SUBMITTED, S.IN_PROGRESS})), "application.supplemented"
    ),
    "pass": Transition(_moves((S.IN_PROGRESS, {S.IN_PROGRESS, S.CONCLUDED})), "application.reviewed"),
    "return": Transition(_moves((S.IN_PROGRESS, {S.SUBMITTED})), "application.returned"),
    "approve": Transition(_moves((S.IN_PROGRESS, {S.IN_PROGRESS, S.CONCLUDED})), "application.decided"),
    "deny": Transition(_moves((S.IN_PROGRESS, {S.IN_PROGRESS, S.CONCLUDED})), "application.decided"),
    "conclude": Transition(_moves((S.IN_PROGRESS, {S.CONCLUDED})), "application.concluded"),
    # 中止 and 第四十二条 extension: the clock stops or grows; extension keeps the status.
    "suspend": Transition(_moves((S.IN_PROGRESS, {S.SUSPENDED})), "application.suspended"),
    "resume": Transition(_moves((S.SUSPENDED, {S.IN_PROGRESS})), "application.resumed"),
    "extend": Transition(
        _moves((S.IN_PROGRESS, {S.IN_PROGRESS}), (S.SUSPENDED, {S.SUSPENDED})), "application.extended"
    ),
    "withdraw": Transition(
        _moves((S.DRAFT, {S.WITHDRAWN}), (S.SUBMITTED, {S.WITHDRAWN}), (S.SUPPLEMENT_REQUESTED, {S.WITHDRAWN})),
        "application.withdrawn",
    ),
}
# Published, besides the action's own event, whenever a case reaches 办结 or 不予受理.
CONCLUDED_EVENT = "application.concluded"

SUSPENDABLE = frozenset(TRANSITIONS["suspend"].moves)
EXTENDABLE = frozenset(TRANSITIONS["extend"].moves)
WITHDRAWABLE = frozenset(TRANSITIONS["withdraw"].moves)
# Who may suspend/resume a case (the reviewing or deciding official) and extend its limit (第四十二条:
# the head of the organ, here the approver).
SUSPEND_ROLES: set[str] = {Role.REVIEWER, Role.APPROVER}
EXTEND_ROLES: set[str] = {Role.APPROVER}
RATEABLE = {Application.Status.CONCLUDED, Application.Status.NOT_ACCEPTED}
MAX_EXTENSION_DAYS = 30


def actions_for_step(step: str) -> list[Action]:
    return [ACTIONS[code] for code in STEP_ACTIONS.get(step, [])]


def action_allowed(step: str, action: str) -> bool:
    return action in STEP_ACTIONS.get(step, [])


def transition_allowed(*, action: str, source: str, target: str) -> bool:
    transition = TRANSITIONS.get(action)
    return transition is not None and target in transition.moves.get(source, frozenset())
