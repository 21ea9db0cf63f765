"""Training from the platform's own labelled appeals: the demo's year trains a model that routes; a
dispatcher's correction is a label of the next training; a new model replaces the active one only if
it is better on the same held-out slice."""

from __future__ import annotations

import pytest

from govplus.appeals import services
from govplus.appeals.intake import AppealInput, appeal_submit
from govplus.appeals.models import Appeal, Category, ClassifierModel
from govplus.appeals.training import labelled_appeals, model_train
from govplus.core.errors import ValidationFailed
from govplus.demo.appeals_history import demo_appeals_create
from govplus.identity.models import Department, Role
from govplus.identity.services import staff_create
from govplus.testing.factories import PASSWORD

SCHOOL = "孩子今年上小学，户口在学区内却被安排到很远的学校，请教育局核实就近入学的学位安排。"


@pytest.fixture
def trained(county):
    Department.objects.get_or_create(code="jyj", defaults={"name": "德清县教育局"})
    assert demo_appeals_create(size=300, log=lambda _line: None) == 300
    return ClassifierModel.objects.get(is_active=True)


def test_the_demo_history_trains_a_model_that_routes_a_school_enrolment_to_the_education_bureau(county, trained):
    assert trained.trained_on + trained.held_out == 300 and trained.figures["macro_f1"] > 0.8
    assert trained.figures["active_model_on_same_slice"] is None  # the first model
    appeal = appeal_submit(actor=county.citizen, data=AppealInput(channel="web", body=SCHOOL))
    assert appeal.category is not None and appeal.category.name == "教育文体"
    assert appeal.category_source == "model" and 0 < appeal.category_confidence <= 1
    assert appeal.category_words  # the words that decided it
    assert appeal.department is not None and appeal.department.code == "jyj"
    assert appeal.status == (Appeal.Status.ASSIGNED if appeal.category_confidence >= 0.6 else Appeal.Status.DISPATCHING)


def test_a_dispatchers_correction_is_a_label_and_a_model_no_better_stays_inactive(county, trained, settings):
    settings.GOVPLUS_APPEALS_ROUTING_THRESHOLD = 1.01  # nothing is confident: everything reaches the dispatcher
    appeal = appeal_submit(
        actor=county.citizen, data=AppealInput(channel="web", body="村口的桥栏杆断了，孩子上学经过很危险")
    )
    assert appeal.status == Appeal.Status.DISPATCHING
    dispatcher = staff_create(
        actor=None,
        username="d1",
        password=PASSWORD,
        display_name="分办",
        roles=[(county.departments["gaj"], Role.DISPATCHER)],
    )
    Department.objects.get_or_create(code="zjj", defaults={"name": "德清县住房和城乡建设局"})
    services.appeal_dispatch(
        actor=dispatcher,
        number=appeal.number,
        department_code="zjj",
        category_code=Category.objects.get(level=1, name="城乡建设").code,
    )
    assert (appeal.number, f"{appeal.title} {appeal.body}", "城乡建设") in labelled_appeals()
    again = model_train(actor=None, note="retrained")
    previous = again.figures["active_model_on_same_slice"]
    assert previous is not None  # both judged on the same held-out slice
    assert again.is_active == (again.figures["macro_f1"] > previous["macro_f1"])
    assert ClassifierModel.objects.filter(is_active=True).count() == 1


def test_too_few_labels_is_a_clear_refusal(county):
    with pytest.raises(ValidationFailed) as refused:
        model_train(actor=None)
    assert "labels" in refused.value.fields


def test_a_hint_the_classifier_disagrees_with_goes_to_the_dispatcher_with_both(county, trained):
    traffic = Category.objects.get(level=1, name="交通运输")
    appeal = appeal_submit(
        actor=county.citizen, data=AppealInput(channel="web", body=SCHOOL, category_code=traffic.code)
    )
    assert appeal.status == Appeal.Status.DISPATCHING and appeal.department is None  # nobody's until 分办
    assert appeal.category is not None and appeal.category.name == "教育文体"  # the suggestion
    assert appeal.category_hint == traffic  # the citizen's choice, kept beside it
