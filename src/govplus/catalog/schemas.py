"""API shapes of the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class ServiceSummaryOut(Schema):
    code: str
    name: str
    department: str
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
    is_required: bool
    form: str
    medium: str
    copies: int
    source: str
    licence_type: str
    note: str
    accepted_types: list[str]


class ServiceDetailOut(ServiceSummaryOut):
    basic_code: str
    co_departments: list[str]
    legal_basis: str
    target: list[str]
    scope: str
    conditions: list[str]
    process_key: str
    process_steps: list[dict[str, Any]]
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
    audience: str
    description: str


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    phone: str
    address: str


class ImportResultOut(Schema):
    created: int
    updated: int
    unchanged: int
    themes: int
