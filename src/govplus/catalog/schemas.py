"""API shapes of the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class ServiceSummaryOut(Schema):
    code: str
    name: str
    name_en: str = Field("", description="English name; empty when not translated yet")
    department: str
    department_en: str = ""
    department_code: str
    item_type: str
    item_type_label: str
    category: str
    statutory_limit_days: int
    promised_limit_days: int
    visits_required: int
    online_depth: int
    is_applicable_online: bool


class ServiceListOut(Schema):
    count: int
    results: list[ServiceSummaryOut]


class ServiceMaterialOut(Schema):
    code: str
    name: str
    name_en: str = ""
    is_required: bool
    form: str
    medium: str
    copies: int
    source: str
    licence_type: str
    note: str
    accepted_types: list[str]


class ProcessStepOut(Schema):
    """A business step of the item's process (not the BPMN file's gateways or end events)."""

    step: str = Field(description="step key: accept, review, co_review, decide, conclude")
    name: str = Field(description="环节名称")
    name_en: str = Field(description="name of the step in English")
    role: str = Field(description="who acts: clerk, reviewer, approver")
    kind: str = Field(description="user, or parallel (each co-handling department acts)")
    limit_days: int | None = Field(
        description="working days promised for the step: acceptance within the acceptance limit (from "
        "submission); conclusion within the promised limit (from acceptance, 0 = 即办 on the spot); "
        "null where the guide promises nothing for the step alone"
    )
    description: str = Field(description="what happens at this step, from the guide (Chinese)")


class ServiceDetailOut(ServiceSummaryOut):
    basic_code: str
    co_departments: list[str]
    legal_basis: str
    target: list[str]
    scope: str
    summary_en: str = Field("", description="who can apply and for what, in English")
    conditions: list[str]
    process_key: str
    process_steps: list[ProcessStepOut]
    process_description: list[str]
    fee_is_charged: bool
    fee_standard: str
    fee_basis: str
    place: str
    hours: str
    phone_consult: str
    phone_complaint: str
    result_type: str
    result_name: str
    delivery_methods: list[str]
    faqs: list[dict[str, str]]
    form_fields: list[dict[str, Any]]
    themes: list[str]
    materials: list[ServiceMaterialOut]
    version: int
    effective_date: dt.date | None


class ThemeOut(Schema):
    code: str
    name: str
    name_en: str = ""
    audience: str
    description: str
    description_en: str = ""


class DepartmentOut(Schema):
    code: str
    name: str
    name_en: str = ""
    short_name: str
    phone: str
    address: str


class ImportResultOut(Schema):
    created: int
    updated: int
    unchanged: int
    themes: int
