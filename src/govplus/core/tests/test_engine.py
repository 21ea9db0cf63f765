"""The workflow engine without Django: both shipped processes, driven step by step through the JSON state.

Every step goes through `advance`, which passes on nothing but the serialized string, re-encoded the way
a jsonb column would store it (keys sorted), so no Python object survives from one step to the next.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from govplus.core.engine import (
    EngineState,
    ProcessError,
    ProcessStep,
    UserTaskInfo,
    process_steps,
    process_validate,
    workflow_cancel,
    workflow_complete_task,
    workflow_start,
)

# The engine is tested on the two processes the catalogue ships (read as files: core imports no domain module).
BPMN_DIR = Path(__file__).resolve().parents[2] / "catalog" / "bpmn"
STANDARD = (BPMN_DIR / "standard.bpmn").read_text(encoding="utf-8")
PARALLEL = (BPMN_DIR / "parallel.bpmn").read_text(encoding="utf-8")
DEPARTMENTS = ["SCJGJ", "SWJ", "GAJ"]  # 市场监管局, 税务局, 公安局


def stored(state: EngineState) -> str:
    """The state as it comes back from the database."""
    return json.dumps(json.loads(state.serialized), sort_keys=True)


def ready(state: EngineState, step: str, department: str | None = None) -> UserTaskInfo:
    matches = [t for t in state.ready_tasks if t.step == step and t.department == department]
    assert len(matches) == 1, f"expected one ready {step}/{department}, got {state.ready_tasks}"
    return matches[0]


def advance(
    xml: str, state: EngineState, step: str, data: dict[str, object], department: str | None = None
) -> EngineState:
    task = ready(state, step, department)
    return workflow_complete_task(bpmn_xml=xml, serialized=stored(state), task_id=task.task_id, data=data)


def steps_of(state: EngineState) -> list[tuple[str, str, str | None]]:
    return [(t.step, t.role, t.department) for t in state.ready_tasks]


def start_parallel(departments: list[str]) -> EngineState:
    state = workflow_start(bpmn_xml=PARALLEL, data={"applicant": "某某科技有限公司"})
    return advance(PARALLEL, state, "accept", {"outcome": "accept", "co_departments": departments})


# --- standard process ------------------------------------------------------------------------------


def test_standard_path_accept_review_decide_conclude_completes() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={"applicant": "张三", "item": "个体工商户登记"})
    assert state.ready_tasks == [UserTaskInfo(state.ready_tasks[0].task_id, "accept", "受理", "clerk", None)]
    assert not state.is_completed
    assert state.data == {"applicant": "张三", "item": "个体工商户登记"}

    state = advance(STANDARD, state, "accept", {"outcome": "accept", "opinion": "材料齐全"})
    assert steps_of(state) == [("review", "reviewer", None)]
    assert ready(state, "review").label == "审查"

    state = advance(STANDARD, state, "review", {"outcome": "pass", "opinion": "符合条件"})
    assert steps_of(state) == [("decide", "approver", None)]

    state = advance(STANDARD, state, "decide", {"outcome": "approve"})
    assert steps_of(state) == [("conclude", "clerk", None)]

    state = advance(STANDARD, state, "conclude", {"result_no": "NO.0001"})
    assert state.is_completed
    assert state.ready_tasks == []
    assert state.data["applicant"] == "张三"
    assert state.data["outcome"] == "approve"
    assert state.data["result_no"] == "NO.0001"


def test_not_accepted_ends_the_workflow_at_once() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={})
    state = advance(STANDARD, state, "accept", {"outcome": "not_accept", "opinion": "不属于本部门职权范围"})
    assert state.is_completed
    assert state.ready_tasks == []
    assert state.data == {"outcome": "not_accept", "opinion": "不属于本部门职权范围"}


def test_review_return_goes_back_to_accept() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={})
    first_accept = ready(state, "accept").task_id
    state = advance(STANDARD, state, "accept", {"outcome": "accept"})
    state = advance(STANDARD, state, "review", {"outcome": "return", "opinion": "请补正材料"})

    assert steps_of(state) == [("accept", "clerk", None)]
    assert ready(state, "accept").task_id != first_accept
    assert state.data["opinion"] == "请补正材料"

    state = advance(STANDARD, state, "accept", {"outcome": "accept", "opinion": "已补正"})
    state = advance(STANDARD, state, "review", {"outcome": "pass"})
    assert steps_of(state) == [("decide", "approver", None)]


def test_state_does_not_depend_on_the_order_of_json_keys() -> None:
    """SpiffWorkflow stores task data as changes to the parent's; a jsonb column reorders keys."""
    state = workflow_start(bpmn_xml=STANDARD, data={"applicant": "张三"})
    state = advance(STANDARD, state, "accept", {"outcome": "accept"})
    reordered = json.loads(state.serialized)
    reordered["tasks"] = dict(reversed(reordered["tasks"].items()))  # children before their parents

    state = workflow_complete_task(
        bpmn_xml=STANDARD,
        serialized=json.dumps(reordered),
        task_id=ready(state, "review").task_id,
        data={"outcome": "pass"},
    )

    assert steps_of(state) == [("decide", "approver", None)]
    assert state.data == {"applicant": "张三", "outcome": "pass"}


def test_unknown_outcome_is_refused_and_the_old_state_still_works() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={})
    with pytest.raises(ProcessError, match="gw_accept"):
        advance(STANDARD, state, "accept", {"outcome": "maybe"})
    with pytest.raises(ProcessError, match="outcome"):
        advance(STANDARD, state, "accept", {})
    assert steps_of(advance(STANDARD, state, "accept", {"outcome": "accept"})) == [("review", "reviewer", None)]


def test_cancel_closes_every_open_task() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={"applicant": "张三"})
    state = advance(STANDARD, state, "accept", {"outcome": "accept"})
    review = ready(state, "review")

    cancelled = workflow_cancel(bpmn_xml=STANDARD, serialized=stored(state))

    assert cancelled.is_completed
    assert cancelled.ready_tasks == []
    assert cancelled.data == {"applicant": "张三", "outcome": "accept"}
    with pytest.raises(ProcessError, match="not ready"):
        workflow_complete_task(bpmn_xml=STANDARD, serialized=stored(cancelled), task_id=review.task_id, data={})
    again = workflow_cancel(bpmn_xml=STANDARD, serialized=stored(cancelled))
    assert again.is_completed and again.ready_tasks == []


def test_running_applications_keep_the_definition_they_started_with() -> None:
    edited = STANDARD.replace('<bpmn:userTask id="review" name="审查">', '<bpmn:userTask id="review" name="实质审查">')
    running = workflow_start(bpmn_xml=STANDARD, data={})

    running = advance(edited, running, "accept", {"outcome": "accept"})
    fresh = advance(edited, workflow_start(bpmn_xml=edited, data={}), "accept", {"outcome": "accept"})

    assert ready(running, "review").label == "审查"
    assert ready(fresh, "review").label == "实质审查"


# --- parallel process (并联审批) ---------------------------------------------------------------------


def test_parallel_review_creates_one_task_per_department() -> None:
    state = start_parallel(DEPARTMENTS)

    assert steps_of(state) == [("co_review", "reviewer", code) for code in DEPARTMENTS]
    assert {t.label for t in state.ready_tasks} == {"会签审查"}
    assert len({t.task_id for t in state.ready_tasks}) == 3


@pytest.mark.parametrize("order", list(itertools.permutations(DEPARTMENTS)))
def test_parallel_reviews_finish_in_any_order_before_decide(order: tuple[str, ...]) -> None:
    outcomes = {"SCJGJ": "approve", "SWJ": "deny", "GAJ": "approve"}
    state = start_parallel(DEPARTMENTS)

    for done, code in enumerate(order, start=1):
        state = advance(PARALLEL, state, "co_review", {"outcome": outcomes[code], "opinion": code}, code)
        if done < len(order):
            assert {t.step for t in state.ready_tasks} == {"co_review"}
            assert {t.department for t in state.ready_tasks} == set(order[done:])
            assert "co_results" not in state.data

    assert steps_of(state) == [("decide", "approver", None)]
    assert state.data["co_results"] == [
        {"department": code, "outcome": outcomes[code], "opinion": code} for code in order
    ]

    state = advance(PARALLEL, state, "decide", {"outcome": "approve"})
    state = advance(PARALLEL, state, "conclude", {})
    assert state.is_completed
    assert len(state.data["co_results"]) == 3


def test_each_department_starts_with_a_blank_outcome_and_opinion() -> None:
    state = workflow_start(bpmn_xml=PARALLEL, data={})
    state = advance(PARALLEL, state, "accept", {"outcome": "accept", "opinion": "受理", "co_departments": ["SWJ"]})
    state = advance(PARALLEL, state, "co_review", {"outcome": "approve"}, "SWJ")

    assert state.data["co_results"] == [{"department": "SWJ", "outcome": "approve", "opinion": None}]
    assert state.data["opinion"] == "受理"


def test_parallel_without_co_departments_goes_straight_to_decide() -> None:
    state = start_parallel([])

    assert steps_of(state) == [("decide", "approver", None)]
    assert state.data["co_results"] == []


def test_parallel_not_accepted_ends_without_reviews() -> None:
    state = workflow_start(bpmn_xml=PARALLEL, data={"co_departments": DEPARTMENTS})
    state = advance(PARALLEL, state, "accept", {"outcome": "not_accept"})
    assert state.is_completed
    assert state.ready_tasks == []


def test_department_is_reserved_for_the_parallel_review() -> None:
    state = workflow_start(bpmn_xml=PARALLEL, data={"department": "lead", "co_departments": ["SWJ"]})
    with pytest.raises(ProcessError, match="department already exists"):
        advance(PARALLEL, state, "accept", {"outcome": "accept"})


# --- refusals --------------------------------------------------------------------------------------


def test_completing_an_unknown_task_raises() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={})
    for task_id in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"]:
        with pytest.raises(ProcessError, match="unknown task"):
            workflow_complete_task(bpmn_xml=STANDARD, serialized=stored(state), task_id=task_id, data={})


def test_completing_a_task_that_is_not_ready_raises() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={})
    accept = ready(state, "accept")
    state = advance(STANDARD, state, "accept", {"outcome": "accept"})
    with pytest.raises(ProcessError, match="not ready"):
        workflow_complete_task(bpmn_xml=STANDARD, serialized=stored(state), task_id=accept.task_id, data={})


def test_task_data_must_be_json() -> None:
    state = workflow_start(bpmn_xml=STANDARD, data={})
    with pytest.raises(ProcessError, match="JSON"):
        advance(STANDARD, state, "accept", {"outcome": "accept", "tags": {"a", "b"}})


def test_a_corrupt_state_raises() -> None:
    with pytest.raises(ProcessError, match="unreadable workflow state"):
        workflow_cancel(bpmn_xml=STANDARD, serialized='{"not": "a workflow"}')


@pytest.mark.parametrize(
    ("bpmn_xml", "message"),
    [
        ("<bpmn:definitions", "malformed XML"),
        ("<process/>", "invalid BPMN"),
        (STANDARD.replace('isExecutable="true"', 'isExecutable="false"'), "exactly one executable process"),
        (STANDARD.replace("审核员|reviewer", "审核员"), "user task review is not in a role lane"),
        (STANDARD.replace('outcome == "return"', 'outcome = "return"'), "syntax error in flow_review_return"),
        (STANDARD.replace('sourceRef="gw_review" targetRef="decide"', 'targetRef="decide"'), "invalid BPMN"),
    ],
)
def test_invalid_bpmn_raises_a_readable_message(bpmn_xml: str, message: str) -> None:
    with pytest.raises(ProcessError, match=message):
        process_validate(bpmn_xml=bpmn_xml)
    with pytest.raises(ProcessError, match=message):
        workflow_start(bpmn_xml=bpmn_xml, data={})


# --- describing a process --------------------------------------------------------------------------


def test_process_validate_lists_the_user_steps() -> None:
    assert process_validate(bpmn_xml=STANDARD) == [
        ProcessStep("accept", "受理", "clerk", "user"),
        ProcessStep("review", "审查", "reviewer", "user"),
        ProcessStep("decide", "决定", "approver", "user"),
        ProcessStep("conclude", "办结", "clerk", "user"),
    ]
    assert [step.id for step in process_validate(bpmn_xml=PARALLEL)] == [
        "accept",
        "co_review",
        "decide",
        "conclude",
    ]


def test_process_steps_standard() -> None:
    assert process_steps(bpmn_xml=STANDARD) == [
        {"id": "accept", "name": "受理", "role": "clerk", "kind": "user"},
        {"id": "gw_accept", "name": "是否受理", "role": "clerk", "kind": "gateway"},
        {"id": "review", "name": "审查", "role": "reviewer", "kind": "user"},
        {"id": "gw_review", "name": "审查结果", "role": "reviewer", "kind": "gateway"},
        {"id": "decide", "name": "决定", "role": "approver", "kind": "user"},
        {"id": "conclude", "name": "办结", "role": "clerk", "kind": "user"},
        {"id": "end_concluded", "name": "办结", "role": "clerk", "kind": "end"},
        {"id": "end_not_accepted", "name": "不予受理", "role": "clerk", "kind": "end"},
    ]


def test_process_steps_parallel() -> None:
    assert process_steps(bpmn_xml=PARALLEL) == [
        {"id": "accept", "name": "受理", "role": "clerk", "kind": "user"},
        {"id": "gw_accept", "name": "是否受理", "role": "clerk", "kind": "gateway"},
        {"id": "co_review", "name": "会签审查", "role": "reviewer", "kind": "parallel"},
        {"id": "decide", "name": "决定", "role": "approver", "kind": "user"},
        {"id": "conclude", "name": "办结", "role": "clerk", "kind": "user"},
        {"id": "end_concluded", "name": "办结", "role": "clerk", "kind": "end"},
        {"id": "end_not_accepted", "name": "不予受理", "role": "clerk", "kind": "end"},
    ]
