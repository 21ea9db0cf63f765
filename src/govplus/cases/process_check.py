"""Does a BPMN process fit the case-handling vocabulary? Checked when an administrator stores one.

The engine (`engine.py`) only checks that a file is valid BPMN. A valid file can still be unusable
for cases: a user task whose id is not a step of `workflow.STEP_ACTIONS` offers staff no action at
all, and a gateway that tests an `outcome` no action produces (`outcome == "accepted"` where the
accept action sends "accept") stops the workflow when the task is completed ("No conditions
satisfied"). Both are refused on save, with the element named, instead of failing on a live case.
"""

from __future__ import annotations

import ast
from typing import Any

from lxml import etree

from govplus.cases.workflow import ACTIONS, STEP_ACTIONS
from govplus.core.engine import ProcessError, process_validate

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_GATEWAYS = {f"{_BPMN}{kind}Gateway" for kind in ("exclusive", "inclusive", "complex")}
_PASS_THROUGH = {f"{_BPMN}parallelGateway", f"{_BPMN}task", f"{_BPMN}scriptTask", f"{_BPMN}intermediateThrowEvent"}
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def step_outcomes(step: str) -> set[str]:
    """The engine outcomes that completing `step` can send (the actions offered there)."""
    return {outcome for code in STEP_ACTIONS.get(step, []) if (outcome := ACTIONS[code].engine_outcome) is not None}


def process_vocabulary_problems(bpmn_xml: str) -> list[str]:
    """Every reason the process cannot run cases, one bilingual line each; [] when it can.

    Invalid BPMN is reported as the engine reports it. Then: each user step must be a known step;
    each literal compared with `outcome` in a gateway condition must be an outcome some action sends;
    and each gateway reached from a step must have a branch (or a default flow) for every outcome that
    step can send. A condition that reads other task data is not judged (it cannot be known on save).
    """
    try:
        steps = process_validate(bpmn_xml=bpmn_xml)
    except ProcessError as error:
        return [error.message]
    problems = [
        f"环节 {step.id}（{step.name}）不是已知的办理环节，办理人员将无可用操作；可用环节：{'、'.join(STEP_ACTIONS)}"
        f" / step {step.id} is not a known step (known: {', '.join(STEP_ACTIONS)})"
        for step in steps
        if step.id not in STEP_ACTIONS
    ]
    root = etree.fromstring(bpmn_xml.encode("utf-8"), _XML_PARSER)
    processes = list(root.iter(f"{_BPMN}process"))
    process = next((el for el in processes if el.get("isExecutable") == "true"), processes[0])
    nodes = {el.get("id"): el for el in process if el.get("id") is not None}
    flows = list(process.iterfind(f"{_BPMN}sequenceFlow"))
    known_outcomes = {action.engine_outcome for action in ACTIONS.values() if action.engine_outcome}
    for flow in flows:
        for value in _outcome_literals(_condition(flow)):
            if value not in known_outcomes:
                gateway, known = flow.get("sourceRef"), ", ".join(sorted(known_outcomes))
                problems.append(
                    f"网关 {gateway} 的分支 {flow.get('id')} 判断的结果 “{value}” 不是任何办理操作的结果；"
                    f"可用结果：{known} / gateway {gateway}, flow {flow.get('id')}: outcome {value!r} is sent by "
                    f"no action (known: {known})"
                )
    for step in steps:
        for gateway_id in _gateways_after(step.id, nodes, flows):
            branches = [flow for flow in flows if flow.get("sourceRef") == gateway_id]
            if nodes[gateway_id].get("default"):
                continue
            for outcome in sorted(step_outcomes(step.id)):
                verdicts = [_holds(_condition(flow), outcome) for flow in branches]
                if None in verdicts or True in verdicts:
                    continue
                problems.append(
                    f"网关 {gateway_id} 没有环节 {step.id} 的结果 “{outcome}” 可走的分支，办理时流程会中断"
                    f" / gateway {gateway_id} has no branch for outcome {outcome!r} of step {step.id}"
                )
    return problems


def _condition(flow: Any) -> str | None:
    element = flow.find(f"{_BPMN}conditionExpression")
    return None if element is None else (element.text or "").strip()


def _outcome_literals(condition: str | None) -> set[str]:
    """String constants compared with `outcome` (==, !=, in, not in) in a condition."""
    if not condition:
        return set()
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError:
        return set()  # the engine's own check reports syntax errors
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if not any(isinstance(operand, ast.Name) and operand.id == "outcome" for operand in operands):
            continue
        for operand in operands:
            for constant in ast.walk(operand):
                if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                    found.add(constant.value)
    return found


def _holds(condition: str | None, outcome: str) -> bool | None:
    """Whether the branch is taken for `outcome`; None when the condition reads other data."""
    if condition is None:
        return True  # an unconditional flow out of a gateway is always taken
    try:
        # The engine evaluates the same administrator-written expression on every case; here it sees
        # nothing but `outcome` (no builtins), so anything else it reads makes it undecidable.
        return bool(eval(compile(condition, "<bpmn>", "eval"), {"__builtins__": {}}, {"outcome": outcome}))
    except Exception:  # NameError for other task data, anything else: not decidable on save
        return None


def _gateways_after(step_id: str, nodes: dict[str, Any], flows: list[Any]) -> list[str]:
    """The deciding gateways the step's outcome reaches next, through automatic elements only."""
    found: list[str] = []
    pending, seen = [step_id], {step_id}
    while pending:
        source = pending.pop()
        for flow in flows:
            target = flow.get("targetRef", "")
            if flow.get("sourceRef") != source or target in seen or target not in nodes:
                continue
            seen.add(target)
            if nodes[target].tag in _GATEWAYS:
                found.append(target)
            elif nodes[target].tag in _PASS_THROUGH:
                pending.append(target)
    return found
