"""Factories: a small county made through the real services (no fixtures written around them).

`county_build()` gives two departments (公安局 gaj, 市场监管局 scjgj) plus two co-handling ones, the
built-in processes, a standard item and a parallel item, a citizen, a second citizen, and staff with
each role in gaj and a reviewer in each co-handling department.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govplus.cases.models import Application, CaseTask
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.catalog.models import ServiceItem
from govplus.catalog.services import builtin_processes_install, catalog_import
from govplus.identity.models import Department, Role, User
from govplus.identity.services import citizen_register, regions_departments_import, staff_create
from govplus.identity.validators import id_check_char
from govplus.testing.files import pdf_bytes, png_bytes

PASSWORD = "Test@2026pass"
PDF = pdf_bytes(b"test material")
PNG = png_bytes()


def pdf_of_size(size: int) -> bytes:
    """A sound PDF of exactly `size` bytes (upload limits)."""
    return pdf_bytes(b"test material", size=size)


def id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


def item_data(code: str, name: str, department: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "basic_code": code[-12:],
        "name": name,
        "item_type": "public_service",
        "category": "户籍",
        "department": department,
        "co_departments": [],
        "legal_basis": "《中华人民共和国居民身份证法》第十一条",
        "target": ["citizen"],
        "conditions": ["户籍在本县"],
        "process_key": "standard",
        "statutory_limit_days": 20,
        "promised_limit_days": 5,
        "visits_required": 0,
        "online_depth": 4,
        "result_type": "licence",
        "result_name": "居民身份证",
        "delivery": ["download", "post", "window"],
        "keywords": ["身份证", "换证"],
        "status": "published",
        "form_fields": [
            {
                "name": "reason",
                "label": "换领原因",
                "label_en": "Reason for replacement",
                "type": "select",
                "required": True,
                "options": ["有效期满", "证件损坏"],
            },
            {"name": "phone", "label": "联系电话", "type": "phone", "required": True},
        ],
        "materials": [
            {
                "code": "M01",
                "name": "居民身份证（原证）照片",
                "name_en": "Photo of the resident identity card (the old card)",
                "is_required": True,
                "source": "applicant",
                "accept": ["pdf", "jpg", "png"],
            },
            {
                # Optional here: a required licence needs an upload or a provider's supply with consent
                # (cases/providers.py), which only the tests about providers set up.
                "code": "M02",
                "name": "居民户口簿",
                "is_required": False,
                "source": "licence",
                "licence_type": "居民户口簿",
            },
            {"code": "M03", "name": "其他说明", "is_required": False, "source": "applicant", "accept": ["pdf"]},
        ],
        "themes": [],
    }
    data.update(overrides)
    return data


@dataclass
class County:
    departments: dict[str, Department]
    standard_item: ServiceItem
    parallel_item: ServiceItem
    citizen: User
    other_citizen: User
    staff: dict[str, User] = field(default_factory=dict)

    def submitted_application(self, *, applicant: User | None = None, phone: str = "13800138000") -> Application:
        applicant = applicant or self.citizen
        application = application_create(
            actor=applicant, service_code=self.standard_item.code, form={"reason": "有效期满", "phone": phone}
        )
        material_upload_bytes(
            actor=applicant, receipt_no=application.receipt_no, material_code="M01", name="id.pdf", content=PDF
        )
        return application_submit(actor=applicant, receipt_no=application.receipt_no)

    def open_task(self, application: Application, step: str | None = None) -> CaseTask:
        tasks = CaseTask.objects.filter(application=application, status=CaseTask.Status.OPEN)
        if step:
            tasks = tasks.filter(step=step)
        return tasks.order_by("id").first()  # type: ignore[return-value]


def county_build() -> County:
    regions_departments_import(
        actor=None,
        regions=[
            {"code": "330000", "name": "浙江省", "level": "province", "parent": None},
            {"code": "330500", "name": "湖州市", "level": "prefecture", "parent": "330000"},
            {"code": "330521", "name": "德清县", "level": "county", "parent": "330500"},
        ],
        departments=[
            {
                "code": "gaj",
                "name": "德清县公安局",
                "name_en": "Deqing County Public Security Bureau",
                "short_name": "公安局",
            },
            {"code": "scjgj", "name": "德清县市场监督管理局", "short_name": "市场监管局"},
            {"code": "swj", "name": "国家税务总局德清县税务局", "short_name": "税务局"},
            {"code": "rsj", "name": "德清县人力资源和社会保障局", "short_name": "人社局"},
        ],
    )
    builtin_processes_install(actor=None)
    catalog_import(
        actor=None,
        data={
            "themes": [{"code": "business", "name": "开办企业", "audience": "business"}],
            "services": [
                item_data(
                    "11330521TEST000000000105001000",
                    "居民身份证换领",
                    "gaj",
                    name_en="Renewal of the resident identity card",
                    summary_en="For residents whose ID card has expired or is damaged.",
                ),
                item_data(
                    "11330521TEST000000000200001000",
                    "企业开办（一件事）",
                    "scjgj",
                    co_departments=["swj", "rsj"],
                    process_key="parallel",
                    target=["citizen", "business"],
                    item_type="administrative_licensing",
                    keywords=["开办企业", "营业执照"],
                    result_name="营业执照",
                    results_by_department=[
                        {"department": "scjgj", "result": "营业执照", "result_en": "Business licence"},
                        {"department": "swj", "result": "税务登记", "result_en": "Tax registration"},
                        {"department": "rsj", "result": "社会保险登记", "result_en": "Social insurance registration"},
                    ],
                    themes=["business"],
                ),
            ],
        },
    )
    departments = {d.code: d for d in Department.objects.all()}
    citizen = citizen_register(
        username="zhangsan",
        password=PASSWORD,
        name="张三",
        id_number=id_number("33052119900307123"),
        phone="13800138000",
    )
    other = citizen_register(
        username="lisi", password=PASSWORD, name="李四", id_number=id_number("33052119851111456"), phone="13900139000"
    )
    staff: dict[str, User] = {
        str(role): staff_create(
            actor=None,
            username=f"gaj_{role}",
            password=PASSWORD,
            display_name=f"公安{role}",
            roles=[(departments["gaj"], role)],
        )
        for role in (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN)
    }
    staff["clerk2"] = staff_create(
        actor=None,
        username="gaj_clerk2",
        password=PASSWORD,
        display_name="公安受理2",
        roles=[(departments["gaj"], Role.CLERK)],
    )
    for code in ("scjgj", "swj", "rsj"):
        for role in (Role.CLERK, Role.REVIEWER, Role.APPROVER):
            staff[f"{code}_{role}"] = staff_create(
                actor=None,
                username=f"{code}_{role}",
                password=PASSWORD,
                display_name=f"{code}{role}",
                roles=[(departments[code], role)],
            )
    return County(
        departments=departments,
        standard_item=ServiceItem.objects.get(code="11330521TEST000000000105001000"),
        parallel_item=ServiceItem.objects.get(code="11330521TEST000000000200001000"),
        citizen=citizen,
        other_citizen=other,
        staff=staff,
    )
