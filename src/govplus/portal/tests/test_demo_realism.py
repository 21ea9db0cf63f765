"""The demo looks like a county at work: live cases spread over many residents, forms filled in as
people fill them in, and dates that agree with each other."""

from __future__ import annotations

import datetime as dt
import random
import re

from django.core.management import call_command
from django.utils import timezone

from govplus.cases.models import Application, CaseEvent
from govplus.core.models import Notification
from govplus.demo.forms import PAST_DAYS, Applicant, sample_form
from govplus.identity.models import User
from govplus.identity.validators import id_number_problem

LIVE = ["submitted", "in_progress", "supplement_requested"]


def test_live_cases_belong_to_many_residents_and_forms_read_true(db):
    call_command("seed_demo", "--history", "40")
    citizen = User.objects.get(username="citizen")
    live = Application.objects.filter(status__in=LIVE).select_related("service_item")
    assert 3 <= live.filter(applicant=citizen).count() <= 5
    assert live.values("applicant").distinct().count() >= 20
    unread = Notification.objects.filter(recipient=citizen, read_at__isnull=True).count()
    assert 1 <= unread <= 5
    # the timeline reads as words in both languages ("审查：审查通过", not "审查：pass")
    titles = list(CaseEvent.objects.values_list("title", "title_en"))
    assert titles and all(not re.search(r"[a-z_]+$", title) and title_en for title, title_en in titles), [
        pair for pair in titles if re.search(r"[a-z_]+$", pair[0]) or not pair[1]
    ][:5]
    for application in Application.objects.select_related("service_item"):
        submitted = timezone.localdate(application.submitted_at)
        values = application.form_data
        for field in application.service_item.form_fields:
            value = str(values.get(field["name"], ""))
            label = field["label"]
            assert value != "演示填写内容", (application.service_item.name, label)
            if field.get("required"):
                assert value, (application.service_item.name, label)
            if field["type"] == "date" and value:
                day = dt.date.fromisoformat(value)
                if any(word in label for word in PAST_DAYS):
                    assert day < submitted, (application.service_item.name, label, value, submitted)
                else:
                    assert day >= submitted, (application.service_item.name, label, value, submitted)
            if field["type"] == "idcard" and value:
                assert id_number_problem(value) is None


def test_a_death_is_reported_after_it_happened_by_someone_else():
    fields = [
        {"name": "deceased", "label": "死者姓名", "type": "text"},
        {"name": "deceased_id", "label": "死者身份证号码", "type": "idcard"},
        {"name": "died_on", "label": "死亡日期", "type": "date"},
    ]
    applicant = Applicant(name="张三", phone="13800138000", id_number="330521199003071235")
    today = dt.date(2026, 12, 1)
    for seed in range(50):
        values = sample_form(
            fields=fields, applicant=applicant, submitted_on=today, today=today, rng=random.Random(seed)
        )
        assert dt.date.fromisoformat(values["died_on"]) < today
        born = dt.date(int(values["deceased_id"][6:10]), int(values["deceased_id"][10:12]), 1)
        assert 60 <= (today - born).days // 365 <= 95
        assert values["deceased"] != applicant.name and len(values["deceased"]) in (2, 3)
