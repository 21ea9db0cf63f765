"""What a grant lets its consumer see of a record: the granted fields only, the sensitive ones masked.

Rule (the same for the gateway's pull calls and the pushed webhooks): a record's values are cut down
to the grant's `fields`; a field of sensitivity 3 (敏感) is masked unless the provider's data officer
listed it in the grant's `unmasked_fields`; sensitivity 4 (高度敏感) is never granted, so never shown.
`grant_fields_view(grant, values)` is the one place that applies it; a caller that views many records
of one grant builds the rules once (`grant_field_rules`) and passes them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from govplus.core.crypto import mask_id_number, mask_middle, mask_name, mask_phone
from govplus.exchange.models import Grant, ResourceField


def mask_value(value: Any) -> Any:
    """A sensitive value as shown without an unmasking grant: an ID number 330521********1234, a mobile
    138****5678, a short text (a name) 张*, other text with its middle starred."""
    if value is None or value == "":
        return value
    text = str(value)
    if len(text) == 18 and text[:17].isdigit():
        return mask_id_number(text)
    if len(text) == 11 and text.isdigit() and text.startswith("1"):
        return mask_phone(text)
    if len(text) <= 4:
        return mask_name(text)
    return mask_middle(text, min(6, len(text) // 3), min(4, len(text) // 4))


def grant_field_rules(grant: Grant) -> list[tuple[str, bool]]:
    """The grant's fields in the resource's order, each with whether it is shown masked."""
    unmasked = set(grant.unmasked_fields)
    granted = set(grant.fields)
    return [
        (field.name, field.sensitivity == ResourceField.Sensitivity.SENSITIVE and field.name not in unmasked)
        for field in grant.resource.fields.all()
        if field.name in granted and field.sensitivity < ResourceField.Sensitivity.SECRET
    ]


def grant_fields_view(
    grant: Grant, values: dict[str, Any], *, rules: Sequence[tuple[str, bool]] | None = None
) -> dict[str, Any]:
    """The record's `values` as the grant's consumer may see them (see the module's rule)."""
    shown: dict[str, Any] = {}
    for name, masked in grant_field_rules(grant) if rules is None else rules:
        if name in values:
            shown[name] = mask_value(values[name]) if masked else values[name]
    return shown
