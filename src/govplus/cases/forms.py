"""Validation of an item's online application form (申请表), field by field.

Each item declares its fields (name, label, type, required, options). Every problem is reported at
once under `form.<name>`, in Chinese and English, so the applicant fixes everything in one go.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from govplus.core.errors import ValidationFailed
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


def form_clean(*, fields: list[dict[str, Any]], data: dict[str, Any], require_complete: bool) -> dict[str, str]:
    """The declared fields as trimmed strings; unknown keys dropped. Raises with every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed({"form": ["申请表应为对象 / the form must be an object"]})
    cleaned: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for field in fields:
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
