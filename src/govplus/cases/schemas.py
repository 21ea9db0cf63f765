"""API shapes of cases. Every request body is an `InputSchema`: an object of exactly its fields."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from govplus.core.api import InputSchema


class InlineMaterialIn(InputSchema):
    material_code: str = Field(..., max_length=20)
    filename: str = Field(..., max_length=200)
    content_base64: str


class ApplicationIn(InputSchema):
    service_code: str = Field(..., max_length=40)
    form: dict[str, str | int | float | None] = {}
    submit: bool = False
    channel: str = "api"
    materials: list[InlineMaterialIn] = []


class FormIn(InputSchema):
    form: dict[str, str | int | float | None]


class MaterialOut(Schema):
    id: int
    material_code: str
    original_name: str
    size: int
    content_type: str
    sha256: str
    uploaded_at: dt.datetime
    is_supplement: bool


class EventOut(Schema):
    occurred_at: dt.datetime
    kind: str
    stage: str
    title: str
    opinion: str


class ApplicationOut(Schema):
    receipt_no: str
    status: str
    status_label: str
    stage: str
    result: str
    service_code: str
    service_name: str
    department: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    concluded_at: dt.datetime | None
    due_date: dt.date | None
    promised_due_date: dt.date | None
    is_clock_paused: bool
    delivery_method: str


class PersonalDataAccessOut(Schema):
    """One look at the full personal data of the application: shown to the applicant."""

    accessed_at: dt.datetime
    department: str
    staff: str
    field: str
    field_label: str
    reason: str


class DepartmentPartOut(Schema):
    """并联审批: one department's part — what it issues and its decision (pending/approved/denied/none)."""

    department_code: str
    department: str
    result: str
    result_en: str
    is_lead: bool
    status: str
    decided_at: dt.datetime | None
    reason: str


class ApplicationDetailOut(ApplicationOut):
    departments: list[DepartmentPartOut]
    form: dict[str, str]
    materials: list[MaterialOut]
    events: list[EventOut]
    supplement: dict[str, object] | None
    rating: int | None
    personal_data_accesses: list[PersonalDataAccessOut]


class RevealIn(InputSchema):
    field: str = Field(..., max_length=60)
    reason: str = Field(..., max_length=300)


class RevealOut(Schema):
    field: str
    value: str


class ApplicationListOut(Schema):
    count: int
    results: list[ApplicationOut]


class SupplementIn(InputSchema):
    note: str = Field("", max_length=500)


class ReasonIn(InputSchema):
    reason: str = Field("", max_length=500)


class ExtendIn(InputSchema):
    days: int
    reason: str = Field(..., max_length=500)


class RatingIn(InputSchema):
    score: int
    reasons: list[str] = []
    comment: str = Field("", max_length=1000)


class RatingOut(Schema):
    receipt_no: str
    score: int
    rectification_due: dt.date | None


class SupplementItemIn(InputSchema):
    material_code: str = ""
    reason: str = Field("", max_length=300)


class TaskCompleteIn(InputSchema):
    action: str = Field(..., max_length=30)
    opinion: str = Field("", max_length=2000)
    delivery_method: str = ""
    supplement_items: list[SupplementItemIn] = []


class TaskOut(Schema):
    id: int
    step: str
    label: str
    role: str
    status: str
    department: str
    due_date: dt.date | None
    warning: str
    receipt_no: str
    service_name: str
    application_status: str
    submitted_at: dt.datetime | None
    actions: list[str]


class TaskListOut(Schema):
    count: int | None
    results: list[TaskOut]


class ProgressOut(Schema):
    receipt_no: str
    service_name: str
    department: str
    status: str
    status_label: str
    stage: str
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    concluded_at: dt.datetime | None
    steps: list[dict[str, str]]
