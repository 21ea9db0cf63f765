"""The official taxonomy of appeals (诉求分类): three levels, shipped in `data/taxonomy.csv`, with the
first level's default department and reply limits in `data/first_level.json`.

Rules:
- Codes are positions in the shipped file, two digits per level, in the order each name first
  appears: the first first-level category is "01", its first child "0101", that one's first child
  "010101". Loading is idempotent (by code) and keeps an administrator's later changes to the
  department and limits of a category.
- A category's responsible department is its own if set (an administrator's choice), else its first-
  level ancestor's, else the one `first_level.json` names by code if this installation has it; none
  means a dispatcher decides.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from govplus.appeals.models import Appeal, Category
from govplus.core.calendar import WorkingCalendar
from govplus.identity.models import Department

DATA = Path(__file__).resolve().parent / "data"


@cache
def first_level_defaults() -> dict[str, dict[str, Any]]:
    data = json.loads((DATA / "first_level.json").read_text(encoding="utf-8"))
    return {name: value for name, value in data.items() if not name.startswith("_")}


def taxonomy_rows() -> list[tuple[str, str, str]]:
    with (DATA / "taxonomy.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return [(a.strip(), b.strip(), c.strip()) for a, b, c in rows[1:] if a.strip()]


def taxonomy_codes() -> list[tuple[str, str, int, str]]:
    """(code, name, level, parent code) of every node, parents first."""
    codes: dict[tuple[str, ...], str] = {}
    nodes: list[tuple[str, str, int, str]] = []
    counts: dict[str, int] = {}
    for row in taxonomy_rows():
        for level in range(1, 4):
            path = row[:level]
            if not path[-1] or path in codes:
                continue
            parent = codes.get(path[:-1], "")
            counts[parent] = counts.get(parent, 0) + 1
            code = f"{parent}{counts[parent]:02d}"
            codes[path] = code
            nodes.append((code, path[-1], level, parent))
    return nodes


@transaction.atomic
def taxonomy_load() -> int:
    """Create the categories this installation does not have yet; returns how many were created."""
    existing = set(Category.objects.values_list("code", flat=True))
    by_code = {c.code: c for c in Category.objects.all()}
    defaults = first_level_defaults()
    created = 0
    for code, name, level, parent in taxonomy_codes():
        if code in existing:
            continue
        top = by_code.get(code[:2]) if level > 1 else None
        first = defaults.get(name, {}) if level == 1 else {}
        category = Category.objects.create(
            code=code,
            name=name,
            name_en=str(first.get("en", "")),
            level=level,
            parent=by_code.get(parent),
            reply_days=top.reply_days if top else int(first.get("reply_days", 15)),
            urgent_reply_days=top.urgent_reply_days if top else int(first.get("urgent_reply_days", 3)),
        )
        by_code[code] = category
        created += 1
    taxonomy_forget()
    return created


REMEMBER_SECONDS = 60
_remembered: dict[str, tuple[float, Any]] = {}


def _remember(name: str, load: Any) -> Any:
    """What `load()` gives, kept in the process for `REMEMBER_SECONDS` (intake reads the taxonomy and the
    departments on every appeal; an administrator's change is seen within a minute)."""
    now = time.monotonic()
    known = _remembered.get(name)
    if known is None or known[0] < now:
        known = _remembered[name] = (now + REMEMBER_SECONDS, load())
    return known[1]


def taxonomy_forget() -> None:
    """Read the taxonomy and the departments again at the next use (tests; after an edit)."""
    _remembered.clear()


def categories_by_code() -> dict[str, Category]:
    return _remember("categories", lambda: {c.code: c for c in Category.objects.all()})  # type: ignore[no-any-return]


def first_levels_by_name() -> dict[str, Category]:
    return {c.name: c for c in categories_by_code().values() if c.level == 1}


def _departments() -> dict[int | str, Department]:
    def load() -> dict[int | str, Department]:
        rows = list(Department.objects.filter(is_active=True))
        return {**{d.pk: d for d in rows}, **{d.code: d for d in rows}}

    return _remember("departments", load)  # type: ignore[no-any-return]


def first_level_of(category: Category) -> Category:
    """The first-level category above `category` (its code's first two digits)."""
    known = categories_by_code().get(category.code[:2])
    if known is not None:
        return known
    while category.parent_id is not None:  # a category created since the taxonomy was read
        category = category.parent  # type: ignore[assignment]
    return category


def category_department(category: Category) -> Department | None:
    """The department that answers appeals of this category (see the module's rules)."""
    departments = _departments()
    fresh = categories_by_code().get(category.code, category)
    if fresh.department_id is not None:
        return departments.get(fresh.department_id) or fresh.department
    first = first_level_of(fresh)
    if first.department_id is not None:
        return departments.get(first.department_id) or first.department
    code = str(first_level_defaults().get(first.name, {}).get("department", ""))
    return departments.get(code) if code else None


def reply_due_of(appeal: Appeal, category: Category, *, start: dt.date | None = None) -> dt.date:
    """The reply's last day: the category's limit (the urgent one for 紧急) in working days from `start`
    (the day it was taken in; a reopened appeal counts from the day it was reopened)."""
    days = category.urgent_reply_days if appeal.urgency == Appeal.Urgency.URGENT else category.reply_days
    first = start or timezone.localtime(appeal.submitted_at).date()
    return WorkingCalendar().add_working_days(first, days)
