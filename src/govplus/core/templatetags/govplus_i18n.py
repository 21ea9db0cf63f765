"""Template filters for content in two languages (loaded into every template, see TEMPLATES builtins).

{{ item|localized }}            item.name_en in English (when filled in), else item.name
{{ item|localized:"summary" }}  any field with an `_en` twin
{{ task.label|stage_name }}     a business step (受理, 审查…) in the reader's language
"""

from __future__ import annotations

from typing import Any

from django import template

from govplus.core import i18n

register = template.Library()


@register.filter
def localized(obj: Any, field: str = "name") -> str:
    return i18n.localized(obj, field)


@register.filter
def stage_name(name: Any) -> str:
    return i18n.stage_name(str(name or ""))
