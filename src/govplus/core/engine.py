"""The workflow engine: BPMN 2.0 run by SpiffWorkflow, as pure functions without Django.

Used by the application flow (cases, 办件) and by any module with a BPMN process (appeals, supervision);
the catalogue validates attached definitions with it.

State in, state out: every call takes the workflow state as the JSON string the previous call returned
and gives back a new `EngineState`; nothing is kept between calls except caches. The caller stores
`EngineState.serialized` in the application's row and passes it back for the next step. If a call
raises `ProcessError`, nothing happened: keep the old state.

Rules:
- A process definition is one BPMN file with exactly one executable process. Every user task sits in a
  lane named "显示名|role_code" (e.g. "受理员|clerk"); the role code says who may do the task.
- Gateway conditions and scripts are Python expressions on the task data (`outcome == "accept"`), run
  by SpiffWorkflow's default script engine. Task data must stay JSON-serialisable.
- A parallel multi-instance user task (并联审批, 会签) creates one task per department code in its input
  collection; the element variable `department` names the department a task belongs to, so the
  workflow data must not have a `department` of its own. The SpiffWorkflow extension
  `spiffworkflow:preScript` / `postScript` (hence the Spiff parser rather than the plain one) lets
  the BPMN build each department's result, see `catalog/bpmn/parallel.bpmn`.
- The state carries the process definition it was started with, so replacing a definition never
  changes or breaks applications already running; a new definition applies to new applications.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import asdict, dataclass
from typing import Any, Literal

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import BPMN_MODEL_NS
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.parser.task_spec import SPIFFWORKFLOW_NSMAP
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

StepKind = Literal["user", "parallel", "gateway", "end"]

DEPARTMENT_VARIABLE = "department"
_CACHE_SIZE = 64
_BPMN = f"{{{BPMN_MODEL_NS}}}"
_SPIFF = f"{{{SPIFFWORKFLOW_NSMAP['spiffworkflow']}}}"
_USER_TAGS = {f"{_BPMN}userTask", f"{_BPMN}manualTask"}
_GATEWAY_TAGS = {f"{_BPMN}{kind}Gateway" for kind in ("exclusive", "inclusive", "parallel", "eventBased", "complex")}


class ProcessError(Exception):
    """Bad BPMN, unknown task, task not ready, or a failure inside the engine. Nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class UserTaskInfo:
    """A user task waiting for staff: `step` is the BPMN element id, `role` comes from its lane.

    `department` is set only for an instance of a multi-instance task (the department it belongs to);
    None means the task belongs to the lead department.
    """

    task_id: str
    step: str
    label: str
    role: str
    department: str | None


@dataclass(frozen=True)
class ProcessStep:
    """One element of a process as shown on its diagram; `role` is None outside role lanes."""

    id: str
    name: str
    role: str | None
    kind: StepKind


@dataclass(frozen=True)
class EngineState:
    """The result of a step. `data` is described in `workflow_start`."""

    serialized: str
    ready_tasks: list[UserTaskInfo]
    is_completed: bool
    data: dict[str, Any]


@dataclass(frozen=True)
class _Compiled:
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    steps: tuple[ProcessStep, ...]


_compiled_cache: dict[str, _Compiled] = {}
_cache_lock = threading.Lock()
_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
# The serializer flips a flag on its registry while dumping, so dumps must not overlap.
_serializer_lock = threading.Lock()
_script_engine = PythonScriptEngine()
# BPMN files are uploaded by administrators: no entity expansion, no network access.
_xml_parser = etree.XMLParser(resolve_entities=False, no_network=True)


def process_validate(*, bpmn_xml: str) -> list[ProcessStep]:
    """Check a BPMN file and return its user steps (kind "user" or "parallel") in flow order.

    Raises ProcessError with a readable message if the XML is malformed, breaks the BPMN schema, has
    no (or more than one) executable process, has a user task outside a role lane, or has a condition
    or script that is not valid Python.
    """
    return [step for step in _compile(bpmn_xml).steps if step.kind in ("user", "parallel")]


def process_steps(*, bpmn_xml: str) -> list[dict[str, Any]]:
    """The process for drawing: {"id", "name", "role", "kind"} per element, walking from the start event.

    The walk is depth-first along the sequence flows, visiting each element once (a loop back is not
    repeated) and taking branches that end the process last, so the main path comes first. Kinds:
    "user", "parallel" (a parallel multi-instance user task), "gateway", "end"; start events and
    automatic elements are walked through but not listed.
    """
    return [asdict(step) for step in _compile(bpmn_xml).steps]


def workflow_start(*, bpmn_xml: str, data: dict[str, Any]) -> EngineState:
    """Start a workflow with `data` as the initial task data and run it up to the first user tasks.

    `EngineState.data` is the workflow data: for a workflow that finished normally the data at its
    end event; otherwise (running or cancelled) the data of the most recently completed step. Data of
    a multi-instance task's instances is private to them and reaches the workflow data only through
    the task's collected output (e.g. `co_results`) once every instance has finished.
    """
    compiled = _compile(bpmn_xml)
    workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=_script_engine)
    workflow.task_tree.data.update(_json_copy(data))
    _run_engine(workflow)
    return _state(workflow)


def workflow_complete_task(*, bpmn_xml: str, serialized: str, task_id: str, data: dict[str, Any]) -> EngineState:
    """Complete a READY user task with the staff's `data` and run the workflow to the next user tasks.

    `data` updates the task's data (top-level keys replace existing ones), e.g. {"outcome": "accept",
    "opinion": "材料齐全"}. The task must be one of the `ready_tasks` of `serialized`; anything else
    raises ProcessError, as does a gateway none of whose conditions holds (an unknown `outcome`).
    The workflow runs on the definition stored in `serialized`; `bpmn_xml` (the definition's current
    version) is not used to run it, so editing a process does not disturb applications under way.
    """
    workflow = _load(serialized)
    task = _ready_task(workflow, task_id)
    task.data.update(_json_copy(data))
    try:
        task.run()
    except Exception as error:  # scripts on the task can fail in any way
        raise ProcessError(f"无法完成任务 {task.task_spec.bpmn_id} / task failed: {_reason(error)}") from error
    _run_engine(workflow)
    return _state(workflow)


def workflow_cancel(*, bpmn_xml: str, serialized: str) -> EngineState:
    """Cancel every open task (the application is withdrawn or terminated).

    Afterwards there are no ready tasks and `is_completed` is True; cancelling a finished workflow
    changes nothing. As in `workflow_complete_task`, `bpmn_xml` is not used.
    """
    workflow = _load(serialized)
    if not workflow.is_completed():
        workflow.cancel()
    return _state(workflow)


def _compile(bpmn_xml: str) -> _Compiled:
    """Parse and check a definition once per distinct XML text (keyed by its sha256)."""
    key = hashlib.sha256(bpmn_xml.encode("utf-8")).hexdigest()
    compiled = _compiled_cache.get(key)
    if compiled is None:
        compiled = _parse(bpmn_xml)
        with _cache_lock:
            if len(_compiled_cache) >= _CACHE_SIZE:
                _compiled_cache.pop(next(iter(_compiled_cache)))
            _compiled_cache[key] = compiled
    return compiled


def _parse(bpmn_xml: str) -> _Compiled:
    try:
        root = etree.fromstring(bpmn_xml.encode("utf-8"), _xml_parser)
    except etree.XMLSyntaxError as error:
        raise ProcessError(f"XML 格式错误 / malformed XML: {error.msg}") from error
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root)
    except Exception as error:  # the parser reports most problems as ValidationException, not all
        raise ProcessError(f"BPMN 定义无效 / invalid BPMN: {_reason(error)}") from error
    process_ids = parser.get_process_ids()
    if len(process_ids) != 1:
        raise ProcessError(
            f"需要恰好一个可执行流程 / expected exactly one executable process, found {len(process_ids)}"
        )
    process = next(el for el in root.iter(f"{_BPMN}process") if el.get("id") == process_ids[0])
    _check_expressions(process)
    steps = tuple(_walk(process))
    try:
        spec = parser.get_spec(process_ids[0])
        subprocess_specs = parser.get_subprocess_specs(process_ids[0])
    except Exception as error:
        raise ProcessError(f"BPMN 定义无效 / invalid BPMN: {_reason(error)}") from error
    _connect_instance_merges(spec)
    return _Compiled(spec=spec, subprocess_specs=subprocess_specs, steps=steps)


def _check_expressions(process: etree._Element) -> None:
    """Compile every condition and script so a typo is reported when the file is saved, not later."""
    checks = [(el, "eval") for el in process.iter(f"{_BPMN}conditionExpression", f"{_BPMN}completionCondition")]
    checks += [(el, "exec") for el in process.iter(f"{_BPMN}script", f"{_SPIFF}preScript", f"{_SPIFF}postScript")]
    for element, mode in checks:
        try:
            compile(element.text or "", "<bpmn>", mode)
        except SyntaxError as error:
            owner = element.getparent()
            while owner is not None and owner.get("id") is None:
                owner = owner.getparent()
            where = owner.get("id") if owner is not None else "?"
            raise ProcessError(
                f"{where} 的表达式有语法错误 / syntax error in {where} (line {element.sourceline}): {error.msg}"
            ) from error


def _connect_instance_merges(spec: BpmnProcessSpec) -> None:
    """Wire loop/multi-instance result collection now, before the cached spec is shared by threads.

    SpiffWorkflow connects it lazily on first use, which under a race could connect it twice and
    collect every result twice.
    """
    for task_spec in list(spec.task_specs.values()):
        if isinstance(task_spec, LoopTask):
            instance_spec = spec.task_specs[task_spec.task_spec]
            if not instance_spec.completed_event.is_connected(task_spec.merge_child):
                instance_spec.completed_event.connect(task_spec.merge_child)


def _walk(process: etree._Element) -> list[ProcessStep]:
    nodes = {el.get("id"): el for el in process if el.get("id") is not None}
    outgoing: dict[str, list[str]] = {}
    for flow in process.iterfind(f"{_BPMN}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow.get("targetRef", ""))
    lanes = {
        ref.text: lane.get("name") for lane in process.iter(f"{_BPMN}lane") for ref in lane.iter(f"{_BPMN}flowNodeRef")
    }

    def ends_process(node_id: str) -> bool:
        return node_id in nodes and nodes[node_id].tag == f"{_BPMN}endEvent"

    steps: list[ProcessStep] = []
    seen: set[str] = set()
    stack = [el.get("id", "") for el in reversed(process.findall(f"{_BPMN}startEvent"))]
    while stack:
        node_id = stack.pop()
        if node_id in seen or node_id not in nodes:
            continue
        seen.add(node_id)
        step = _step(nodes[node_id], lanes.get(node_id))
        if step is not None:
            steps.append(step)
        stack.extend(reversed(sorted(outgoing.get(node_id, []), key=ends_process)))
    return steps


def _step(element: etree._Element, lane: str | None) -> ProcessStep | None:
    node_id, name, role = element.get("id", ""), element.get("name", ""), _role(lane)
    kind: StepKind
    if element.tag in _USER_TAGS:
        if role is None:
            raise ProcessError(
                f"用户任务 {node_id} 不在角色泳道中 / user task {node_id} is not in a role lane "
                f"(lane name must look like '受理员|clerk', got {lane!r})"
            )
        loop = element.find(f"{_BPMN}multiInstanceLoopCharacteristics")
        kind = "parallel" if loop is not None and loop.get("isSequential") != "true" else "user"
    elif element.tag in _GATEWAY_TAGS:
        kind = "gateway"
    elif element.tag == f"{_BPMN}endEvent":
        kind = "end"
    else:
        return None
    return ProcessStep(id=node_id, name=name, role=role, kind=kind)


def _role(lane: str | None) -> str | None:
    """Lane "受理员|clerk" -> "clerk"; None if the lane names no role."""
    if lane is None or "|" not in lane:
        return None
    return lane.rsplit("|", 1)[1].strip() or None


def _load(serialized: str) -> BpmnWorkflow:
    try:
        state = json.loads(serialized)
        _serializer.migrate(state)
        for workflow_dict in [state, *state.get("subprocesses", {}).values()]:
            _parents_first(workflow_dict)
        workflow = _serializer.from_dict(state)
    except Exception as error:  # corrupt JSON fails in many ways (JSON, KeyError, migrations)
        raise ProcessError(f"流程状态无法读取 / unreadable workflow state: {error!r}") from error
    if not isinstance(workflow, BpmnWorkflow):
        raise ProcessError("流程状态无法读取 / unreadable workflow state: not a BPMN workflow")
    workflow.script_engine = _script_engine
    return workflow


def _parents_first(workflow_dict: dict[str, Any]) -> None:
    """Order the serialized tasks so that every parent comes before its children.

    SpiffWorkflow stores a task's data as the change from its parent's and restores tasks in the order
    of the `tasks` object; a child restored before its parent silently loses its data. JSON objects
    have no order (a jsonb column sorts their keys), so the order is rebuilt from the tree.
    """
    tasks: dict[str, Any] = workflow_dict["tasks"]
    ordered: dict[str, Any] = {}
    pending = [workflow_dict["root"]]
    while pending:
        task_id = pending.pop()
        if task_id in tasks and task_id not in ordered:
            ordered[task_id] = tasks[task_id]
            pending.extend(reversed(tasks[task_id]["children"]))
    ordered.update(tasks)  # anything outside the tree keeps its place at the end
    workflow_dict["tasks"] = ordered


def _ready_task(workflow: BpmnWorkflow, task_id: str) -> Task:
    try:
        task = workflow.get_task_from_id(uuid.UUID(task_id))
    except (ValueError, SpiffWorkflowException) as error:
        raise ProcessError(f"任务不存在 / unknown task {task_id}") from error
    if task.state != TaskState.READY or not task.task_spec.manual:
        state = TaskState.get_name(task.state)
        raise ProcessError(f"任务当前不可办理 / task {task_id} ({task.task_spec.bpmn_id}) is not ready: {state}")
    return task


def _run_engine(workflow: BpmnWorkflow) -> None:
    try:
        workflow.do_engine_steps()
    except Exception as error:  # gateways and scripts run Python from the BPMN; they can fail in any way
        raise ProcessError(f"流程无法继续 / the workflow cannot proceed: {_reason(error)}") from error


def _state(workflow: BpmnWorkflow) -> EngineState:
    with _serializer_lock:
        serialized = _serializer.serialize_json(workflow)
    return EngineState(
        serialized=serialized,
        ready_tasks=[_task_info(task) for task in workflow.get_tasks(state=TaskState.READY, manual=True)],
        is_completed=workflow.is_completed(),
        data=_json_copy(_current_data(workflow)),
    )


def _task_info(task: Task) -> UserTaskInfo:
    spec = task.task_spec
    department = task.data.get(DEPARTMENT_VARIABLE) if _is_instance(task) else None
    return UserTaskInfo(
        task_id=str(task.id),
        step=spec.bpmn_id,
        label=spec.bpmn_name or spec.bpmn_id,
        role=_role(spec.lane) or "",
        department=None if department is None else str(department),
    )


def _current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    if workflow.is_completed() and workflow.success:
        end_data: dict[str, Any] = workflow.data
        return end_data
    done = [task for task in workflow.get_tasks(state=TaskState.COMPLETED) if not _is_instance(task)]
    latest = max(done, key=lambda task: (task.last_state_change, task.depth), default=workflow.task_tree)
    step_data: dict[str, Any] = latest.data
    return step_data


def _is_instance(task: Task) -> bool:
    """True for one instance of a multi-instance task."""
    return task.parent is not None and isinstance(task.parent.task_spec, MultiInstanceTask)


def _json_copy(data: dict[str, Any]) -> dict[str, Any]:
    try:
        copied = json.loads(json.dumps(data))
    except (TypeError, ValueError) as error:
        raise ProcessError(f"数据必须可序列化为 JSON / data must be JSON-serialisable: {error}") from error
    if not isinstance(copied, dict):
        raise ProcessError("数据必须是对象 / data must be a JSON object")
    result: dict[str, Any] = copied
    return result


def _reason(error: Exception) -> str:
    """One readable line: the message and notes, the Python error behind it, the element and line."""
    if not isinstance(error, SpiffWorkflowException):
        return f"{type(error).__name__}: {error}"
    parts = [str(error.args[0]) if error.args else "", *getattr(error, "notes", [])]
    cause = error.__cause__ or error.__context__
    if cause is not None and not isinstance(cause, SpiffWorkflowException | etree.LxmlError):
        parts.append(f"{type(cause).__name__}: {cause}")
    text = "; ".join(part.strip().rstrip(".") for part in parts if part and part.strip())
    element = getattr(error, "id", "") or getattr(getattr(error, "task_spec", None), "bpmn_id", None)
    line = getattr(error, "line_number", None)
    where = ", ".join(filter(None, [str(element or ""), f"line {line}" if line else ""]))
    return f"{text} [{where}]" if where else text
