"""Working days as the law counts them: weekends, statutory holidays, adjusted workdays, overrides."""

from __future__ import annotations

import datetime as dt

from govplus.core.calendar import WorkingCalendar, overrides_changed


def test_national_day_week_is_not_counted():
    calendar = WorkingCalendar(overrides={})
    assert not calendar.is_workday(dt.date(2026, 10, 1))
    assert not calendar.is_workday(dt.date(2026, 10, 7))
    # Wednesday 2026-09-30 + 1 working day lands after the holiday week (10-01 to 10-07).
    assert calendar.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)


def test_adjusted_workday_on_a_weekend_counts():
    calendar = WorkingCalendar(overrides={})
    assert dt.date(2026, 10, 10).weekday() == 5  # a Saturday
    assert calendar.is_workday(dt.date(2026, 10, 10))  # 调休上班


def test_start_day_is_not_counted_and_zero_days_is_the_same_day():
    calendar = WorkingCalendar(overrides={})
    monday = dt.date(2026, 11, 16)
    assert calendar.add_working_days(monday, 0) == monday
    assert calendar.add_working_days(monday, 1) == dt.date(2026, 11, 17)
    assert calendar.add_working_days(monday, 5) == dt.date(2026, 11, 23)
    assert calendar.working_days_between(monday, dt.date(2026, 11, 23)) == 5


def test_years_without_official_data_fall_back_safely_and_say_so():
    calendar = WorkingCalendar(overrides={})
    assert calendar.is_provisional(dt.date(2027, 3, 1))
    assert not calendar.is_workday(dt.date(2027, 1, 1))  # 元旦 is fixed
    assert not calendar.is_workday(dt.date(2027, 10, 1))
    assert calendar.is_workday(dt.date(2027, 3, 1))


def test_an_administrators_override_wins(db):
    from govplus.core.models import CalendarDay

    CalendarDay.objects.create(date=dt.date(2027, 2, 8), is_workday=False, name="春节")
    overrides_changed()
    calendar = WorkingCalendar()
    assert not calendar.is_workday(dt.date(2027, 2, 8))
    assert not calendar.is_provisional(dt.date(2027, 5, 1))
