"""API shapes of sharing requests and grants. Every request body is an `InputSchema`."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from govplus.core.api import InputSchema


class ShareRequestIn(InputSchema):
    """Ask for `resource` (its code) for the consumer system `consumer` (its OAuth client id)."""

    resource: str = Field(max_length=40)
    consumer: str = Field(max_length=100)
    purpose: str = Field(max_length=200)
    legal_basis: str = Field(max_length=300)
    fields: list[str] = Field(max_length=200)
    valid_from: dt.date
    valid_until: dt.date


class DecisionIn(InputSchema):
    """Grant (all the fields asked, or `fields`; sensitive ones in full only if in `unmasked_fields`)
    or refuse with a `reason`."""

    grant: bool
    reason: str = Field(default="", max_length=300)
    fields: list[str] | None = Field(default=None, max_length=200)
    unmasked_fields: list[str] = Field(default=[], max_length=200)


class ReasonIn(InputSchema):
    reason: str = Field(max_length=300)


class GrantOut(Schema):
    id: int
    resource: str
    consumer: str
    fields: list[str]
    unmasked_fields: list[str]
    valid_from: dt.date
    valid_until: dt.date
    withdrawn_at: dt.datetime | None
    withdraw_reason: str
    in_force: bool


class ShareRequestOut(Schema):
    number: str
    resource: str
    resource_name: str
    provider: str
    consumer: str
    consumer_department: str
    purpose: str
    legal_basis: str
    fields: list[str]
    valid_from: dt.date
    valid_until: dt.date
    status: str
    status_label: str
    requested_at: dt.datetime
    due_on: dt.date | None
    decided_at: dt.datetime | None
    decision_reason: str
    grant: GrantOut | None
