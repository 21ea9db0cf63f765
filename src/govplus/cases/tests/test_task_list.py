"""The workbench list as the API and the page report it: totals that hold on every page, the county's date."""

from __future__ import annotations

import datetime as dt
import time

from django.test import Client, override_settings
from django.utils import timezone

from govplus.cases.models import CaseTask


def test_the_task_total_is_the_same_on_a_page_past_the_end(county):
    for _ in range(13):
        county.submitted_application()
    clerk = Client()
    clerk.force_login(county.staff["clerk"])
    first = clerk.get("/api/v1/tasks", {"limit": 5}).json()
    assert first["count"] == 13 and len(first["results"]) == 5
    last = clerk.get("/api/v1/tasks", {"limit": 5, "offset": 10}).json()
    assert last["count"] == 13 and len(last["results"]) == 3
    beyond = clerk.get("/api/v1/tasks", {"offset": 100}).json()
    assert beyond["count"] == 13 and beyond["results"] == []


def test_overdue_is_judged_by_the_countys_date_not_the_servers(county, monkeypatch):
    """The process clock sits 26 hours behind the county: a task due on the server's "today" is
    already overdue where the clerk works."""
    application = county.submitted_application()
    with override_settings(TIME_ZONE="Pacific/Kiritimati"):  # UTC+14
        monkeypatch.setenv("TZ", "Etc/GMT+12")  # the server's own zone: UTC-12
        time.tzset()
        try:
            server_today = dt.date.today()
            assert server_today < timezone.localdate()
            CaseTask.objects.filter(application=application).update(due_date=server_today)
            clerk = Client()
            clerk.force_login(county.staff["clerk"])
            row = clerk.get("/api/v1/tasks").json()["results"][0]
        finally:
            monkeypatch.undo()
            time.tzset()
    assert row["receipt_no"] == application.receipt_no
    assert row["warning"] == "red"
