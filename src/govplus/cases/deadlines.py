"""Time limits of a case, counted in working days (see `govplus.core.calendar`).

`Application.due_date` is always the deadline that currently binds the case:
- while it waits for acceptance: submission (or the last supplement) + the item's acceptance limit
  (5 working days by default, 《行政许可法》第三十二条);
- after acceptance: acceptance + the statutory limit, plus any extension;
- while the clock is stopped (waiting for a supplement, suspended) the remaining working days are kept
  and the deadline is recomputed from the day the clock restarts.
Warnings: red once the deadline has passed, yellow when 2 or fewer working days remain.
"""

from __future__ import annotations

import datetime as dt

from govplus.cases.models import Application
from govplus.core.calendar import WorkingCalendar

YELLOW_WITHIN_WORKING_DAYS = 2


def deadline_level(*, due_date: dt.date | None, today: dt.date, calendar: WorkingCalendar) -> str:
    return deadline_colour(due_date=due_date, today=today, near_due=near_due_before(today=today, calendar=calendar))


def deadline_colour(*, due_date: dt.date | None, today: dt.date, near_due: dt.date) -> str:
    """red: overdue; yellow: due before `near_due` (see `near_due_before`, computed once per list)."""
    if due_date is None:
        return ""
    if due_date < today:
        return "red"
    if due_date < near_due:
        return "yellow"
    return ""


def near_due_before(*, today: dt.date, calendar: WorkingCalendar) -> dt.date:
    """Due dates from today up to (not including) this day are near due (yellow): at most
    YELLOW_WITHIN_WORKING_DAYS working days remain, counting the due day, not today. The workbench's
    colours and the warning scan both use it, so a weekend due date after the 2nd working day is yellow
    in both. Walking 3 working days is cheap; counting up to a due date 60 days away was not."""
    return calendar.add_working_days(today, YELLOW_WITHIN_WORKING_DAYS + 1)


def clock_start_acceptance(application: Application, *, today: dt.date, calendar: WorkingCalendar) -> None:
    """Waiting for acceptance: the acceptance deadline binds; the promised date (承诺期限) is counted
    from submission so that applicant and staff see the expected completion from the first day; it is
    counted again from acceptance."""
    item = application.service_item
    application.due_date = calendar.add_working_days(today, item.acceptance_limit_days)
    application.promised_due_date = calendar.add_working_days(today, item.promised_limit_days)
    application.paused_promised_days_remaining = None


def clock_start_processing(application: Application, *, today: dt.date, calendar: WorkingCalendar) -> None:
    item = application.service_item
    application.due_date = calendar.add_working_days(today, item.statutory_limit_days)
    application.promised_due_date = calendar.add_working_days(today, item.promised_limit_days)


def clock_pause(application: Application, *, today: dt.date, calendar: WorkingCalendar) -> None:
    if application.clock_paused_on is not None:
        return
    application.clock_paused_on = today
    if application.due_date:
        application.paused_days_remaining = calendar.working_days_between(today, application.due_date)
    if application.promised_due_date:
        application.paused_promised_days_remaining = calendar.working_days_between(today, application.promised_due_date)


def clock_resume(application: Application, *, today: dt.date, calendar: WorkingCalendar) -> None:
    """Restart the clock with the working days that were left (an overdue case stays overdue)."""
    if application.clock_paused_on is None:
        return
    if application.paused_days_remaining is not None and application.paused_days_remaining >= 0:
        application.due_date = calendar.add_working_days(today, application.paused_days_remaining)
    if application.paused_promised_days_remaining is not None and application.paused_promised_days_remaining >= 0:
        application.promised_due_date = calendar.add_working_days(today, application.paused_promised_days_remaining)
    application.clock_paused_on = None
    application.paused_days_remaining = None
    application.paused_promised_days_remaining = None


def clock_extend(application: Application, *, days: int, calendar: WorkingCalendar) -> None:
    if application.clock_paused_on is not None and application.paused_days_remaining is not None:
        application.paused_days_remaining += days
    elif application.due_date:
        application.due_date = calendar.add_working_days(application.due_date, days)
    application.extended_days += days
