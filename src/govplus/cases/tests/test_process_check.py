"""A BPMN process the case vocabulary cannot run is refused on save; an engine failure is never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from govplus.cases.models import Application, CaseTask
from govplus.cases.process_check import process_vocabulary_problems
from govplus.cases.tests.test_api import assert_error, client_for, post_json
from govplus.catalog.selectors import process_get
from govplus.catalog.services import process_definition_save
from govplus.core.errors import ValidationFailed

BPMN_DIR = Path(__file__).resolve().parents[2] / "catalog" / "bpmn"
STANDARD = (BPMN_DIR / "standard.bpmn").read_text()


def test_the_builtin_processes_fit_the_vocabulary():
    for path in BPMN_DIR.glob("*.bpmn"):
        assert process_vocabulary_problems(path.read_text()) == [], path.name


def test_a_gateway_testing_an_outcome_no_action_sends_is_refused_and_the_old_definition_kept(county):
    """The reviewer's case: gw_accept tested "accepted", so accepting gave a 500 on a live case."""
    broken = STANDARD.replace('outcome == "accept"', 'outcome == "accepted"')
    before = process_get(key="standard").version
    with pytest.raises(ValidationFailed) as refused:
        process_definition_save(actor=None, key="standard", name="标准审批流程", bpmn_xml=broken)
    problems = " ".join(refused.value.fields["bpmn_xml"])
    assert "gw_accept" in problems and "accepted" in problems
    # The accept step's outcome "accept" now has no branch at gw_accept either.
    assert "“accept”" in problems
    assert process_get(key="standard").version == before
    assert 'outcome == "accepted"' not in process_get(key="standard").bpmn_xml


def test_a_step_the_vocabulary_does_not_know_is_refused(county):
    renamed = STANDARD.replace('"review"', '"check"').replace(">review<", ">check<")
    with pytest.raises(ValidationFailed) as refused:
        process_definition_save(actor=None, key="renamed", name="改名流程", bpmn_xml=renamed)
    problems = refused.value.fields["bpmn_xml"]
    assert any("check" in problem and "不是已知的办理环节" in problem for problem in problems)


def test_a_gateway_without_a_branch_for_an_outcome_of_its_step_is_refused(county):
    gap = STANDARD.replace('outcome == "not_accept"', 'outcome == "return"')
    problems = process_vocabulary_problems(gap)
    assert any("gw_accept" in problem and "not_accept" in problem for problem in problems), problems


def test_an_engine_failure_while_completing_a_task_is_409_and_the_task_stays_open(county):
    """A condition reading data that does not exist cannot be judged on save; it fails at run time."""
    fragile = STANDARD.replace('outcome == "accept"', 'outcome == "accept" and priority &gt; 1')
    process_definition_save(actor=None, key="standard", name="标准审批流程", bpmn_xml=fragile)
    application = county.submitted_application()
    task = county.open_task(application, "accept")
    clerk = client_for(county.staff["clerk"])
    body = assert_error(post_json(clerk, f"/tasks/{task.pk}/complete", {"action": "accept"}), 409, "process_error")
    assert "流程无法按“受理”继续" in body["message"] and "administrator" in body["message_en"]
    task.refresh_from_db()
    application.refresh_from_db()
    assert task.status == CaseTask.Status.OPEN
    assert application.status == Application.Status.SUBMITTED
    # The case page says the same instead of a server error.
    page = clerk.post(
        f"/staff/tasks/{task.pk}/act", {"action": "accept", "receipt_no": application.receipt_no}, follow=True
    )
    assert page.status_code == 200 and "流程无法按“受理”继续" in page.content.decode()
