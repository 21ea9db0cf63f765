"""The working-day calendar (工作日) that every statutory time limit is counted in.

Rules (《行政许可法》第八十二条: 期限以工作日计算，不含法定节假日):
- a day is a working day unless it is a weekend or a statutory holiday, except adjusted workdays
  (调休上班) which are working days although they fall on a weekend;
- the day a period starts is not counted: N working days after Monday (all working) is the Nth
  working day after it;
- sources, first match wins: an administrator's `CalendarDay` override, then the `chinesecalendar`
  package (State Council notices, one year at a time), then for years it does not know yet a fallback
  of weekends plus the fixed-date holidays (元旦 1/1, 劳动节 5/1–5/2, 国庆 10/1–10/3). The fallback
  omits the lunar holidays, so it can only make a deadline earlier, never later, than the law allows;
  `is_provisional` tells the caller so the page can say so.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar
from django.core.cache import cache

logger = logging.getLogger(__name__)

FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}
_OVERRIDES_VERSION_KEY = "govplus:calendar:overrides-version"


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=64)
def _year_known(year: int) -> bool:
    return _package_knows(year)


def _base_is_workday(day: dt.date) -> bool:
    if _year_known(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


class WorkingCalendar:
    """Answers working-day questions; cheap to build, overrides loaded once per instance."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = overrides if overrides is not None else load_overrides()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _base_is_workday(day)

    def is_provisional(self, day: dt.date) -> bool:
        """True when the year is not yet in the official data and has no overrides."""
        return not _year_known(day.year) and not any(d.year == day.year for d in self.overrides)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (start itself not counted). 0 days = same day."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining > 0:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count


def load_overrides() -> dict[dt.date, bool]:
    version = cache.get(_OVERRIDES_VERSION_KEY, 0)
    return dict(_load_overrides_cached(version))


@lru_cache(maxsize=2)
def _load_overrides_cached(version: int) -> tuple[tuple[dt.date, bool], ...]:
    from govplus.core.models import CalendarDay

    return tuple(CalendarDay.objects.values_list("date", "is_workday"))


def overrides_changed() -> None:
    """Call after CalendarDay rows change so every process reloads them."""
    try:
        cache.incr(_OVERRIDES_VERSION_KEY)
    except ValueError:
        cache.set(_OVERRIDES_VERSION_KEY, 1, timeout=None)
    _load_overrides_cached.cache_clear()
