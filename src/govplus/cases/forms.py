"""Validation of an item's online application form (申请表), field by field.

Each item declares its fields (name, label, label_en, type, required, options), and may add:
- `"not_before": "today"` / `"not_after": "today"` on a date (an appointment cannot be in the past,
  a date of birth or death cannot be in the future; "today" is the county's date);
- `"required_when": {"field": "<name>", "in": [<values>]}`: required only when another field has one
  of these values (a mailing address when the applicant chose delivery by post).
Every problem is reported at once under `form.<name>`, in Chinese and English, each naming the field
by its label in that language, so the applicant fixes everything in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from govplus.core.errors import ValidationFailed
from govplus.core.input import SURROGATE_PROBLEM, has_lone_surrogate, printable_name
from govplus.identity.validators import id_number_problem, phone_problem

MAX_TEXT = {"text": 200, "textarea": 2000, "address": 200, "email": 200}
DATE_BOUNDS = {"today"}


def labels_of(field: dict[str, Any]) -> tuple[str, str]:
    """The field's label in Chinese and in English (the Chinese one when the catalogue has no English)."""
    label = str(field.get("label") or field.get("name", ""))
    return label, str(field.get("label_en") or label)


def _bilingual(text: str) -> tuple[str, str]:
    chinese, _, english = text.partition(" / ")
    return chinese, english or chinese


def _field_problem(field: dict[str, Any], value: Any, *, today: dt.date) -> tuple[str, str] | None:
    """(Chinese, English) description of what is wrong with the value, or None."""
    kind = field.get("type", "text")
    text = str(value).strip()
    if kind == "phone":
        problem = phone_problem(text)
        return _bilingual(problem) if problem else None
    if kind == "idcard":
        problem = id_number_problem(text)
        return _bilingual(problem) if problem else None
    if kind == "number":
        try:
            float(text)
        except ValueError:
            return "请填写数字", "enter a number"
    if kind == "date":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return "日期格式应为 YYYY-MM-DD", "use the date format YYYY-MM-DD"
        if field.get("not_before") == "today" and day < today:
            return f"不能早于今天（{today:%Y-%m-%d}）", f"cannot be before today ({today:%Y-%m-%d})"
        if field.get("not_after") == "today" and day > today:
            return f"不能晚于今天（{today:%Y-%m-%d}）", f"cannot be after today ({today:%Y-%m-%d})"
    if kind == "select" and text not in field.get("options", []):
        return "请从选项中选择", "choose one of the options"
    if kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        return "邮箱格式不正确", "not an email address"
    if len(text) > MAX_TEXT.get(kind, 200):
        return f"不能超过 {MAX_TEXT.get(kind, 200)} 字", f"at most {MAX_TEXT.get(kind, 200)} characters"
    return None


def _is_required(field: dict[str, Any], data: dict[str, Any]) -> bool:
    condition = field.get("required_when")
    if isinstance(condition, dict):
        other = data.get(str(condition.get("field", "")))
        return other is not None and str(other).strip() in [str(v) for v in condition.get("in", [])]
    return bool(field.get("required"))


def form_clean(
    *, fields: list[dict[str, Any]], data: dict[str, Any], require_complete: bool, refuse_unknown: bool = True
) -> dict[str, str]:
    """The declared fields as trimmed strings. Raises with every problem; a key the item's form does
    not define is one (`refuse_unknown=False` drops them instead: a stored draft re-checked after an
    administrator removed a field from the form)."""
    if not isinstance(data, dict):
        raise ValidationFailed({"form": ["申请表应为对象 / the form must be an object"]})
    cleaned: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    declared = {field["name"] for field in fields}
    for key in data:
        name = printable_name(str(key))
        if refuse_unknown and key not in declared:
            problems[f"form.{name}"] = ["此事项的申请表没有这一项 / not a field of this item's form"]
        elif isinstance(data[key], str) and has_lone_surrogate(data[key]):
            problems[f"form.{name}"] = [SURROGATE_PROBLEM]
    today = timezone.localdate()
    for field in fields:
        if f"form.{field['name']}" in problems:
            continue
        name = field["name"]
        label, label_en = labels_of(field)
        value = data.get(name)
        if value is None or str(value).strip() == "":
            if require_complete and _is_required(field, data):
                problems[f"form.{name}"] = [f"请填写“{label}” / please fill in “{label_en}”"]
            continue
        if isinstance(value, (dict, list)):
            problems[f"form.{name}"] = [f"{label}：应为文本 / {label_en}: must be text"]
            continue
        if problem := _field_problem(field, value, today=today):
            chinese, english = problem
            problems[f"form.{name}"] = [f"{label}：{chinese} / {label_en}: {english}"]
            continue
        cleaned[name] = str(value).strip()
    if problems:
        raise ValidationFailed(problems)
    return cleaned


def contact_phone_of(*, fields: list[dict[str, Any]], cleaned: dict[str, str]) -> str:
    for field in fields:
        if field.get("type") == "phone" and cleaned.get(field["name"]):
            return cleaned[field["name"]]
    return ""
