"""Validation of an item's online application form (申请表), field by field.

Each item declares its fields (name, label, type, required, options). Every problem is reported at
once under `form.<name>`, in Chinese and English, so the applicant fixes everything in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from govplus.core.errors import ValidationFailed
from govplus.core.input import SURROGATE_PROBLEM, has_lone_surrogate, printable_name
from govplus.identity.validators import id_number_problem, phone_problem

MAX_TEXT = {"text": 200, "textarea": 2000, "address": 200, "email": 200}


def _field_problem(field: dict[str, Any], value: Any) -> str | None:
    kind = field.get("type", "text")
    text = str(value).strip()
    if kind == "phone":
        return phone_problem(text)
    if kind == "idcard":
        return id_number_problem(text)
    if kind == "number":
        try:
            float(text)
        except ValueError:
            return "请填写数字 / enter a number"
    if kind == "date":
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return "日期格式应为 YYYY-MM-DD / use the date format YYYY-MM-DD"
    if kind == "select" and text not in field.get("options", []):
        return "请从选项中选择 / choose one of the options"
    if kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        return "邮箱格式不正确 / not an email address"
    if len(text) > MAX_TEXT.get(kind, 200):
        return f"不能超过 {MAX_TEXT.get(kind, 200)} 字 / too long"
    return None


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
    for field in fields:
        if f"form.{field['name']}" in problems:
            continue
        name = field["name"]
        value = data.get(name)
        if value is None or str(value).strip() == "":
            if require_complete and field.get("required"):
                problems[f"form.{name}"] = [f"请填写“{field.get('label', name)}” / {name} is required"]
            continue
        if isinstance(value, (dict, list)):
            problems[f"form.{name}"] = ["应为文本 / must be text"]
            continue
        if problem := _field_problem(field, value):
            problems[f"form.{name}"] = [f"{field.get('label', name)}：{problem}"]
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
