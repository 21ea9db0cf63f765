"""A licence library on the test county: credit codes for its departments and two licence types —
the ID card its standard item issues, the household register (居民户口簿) its materials ask for."""

from __future__ import annotations

import datetime as dt

import pytest

from govplus.identity.models import Department
from govplus.identity.validators import credit_check_char
from govplus.licences.models import Licence, LicenceType
from govplus.licences.services import licence_issue, licence_types_load

AUTHORITY = "11100000000013127" + credit_check_char("11100000000013127")
CREDIT_CODES = {
    "gaj": "11330521002583510X",
    "scjgj": "11330521MB18194480",
    "swj": "11330521MB181679XH",
    "rsj": "11330521002583430A",
}


def credit(code17: str) -> str:
    return code17 + credit_check_char(code17)


def id_card_type(item_code: str) -> dict:
    return {
        "code": AUTHORITY + "001",
        "name": "居民身份证",
        "name_en": "Resident Identity Card",
        "defining_authority": "公安部",
        "defining_authority_code": AUTHORITY,
        "holder_kind": "citizen",
        "validity_years": 20,
        "face_schema": [
            {
                "name": "sex",
                "label": "性别",
                "label_en": "Sex",
                "type": "enum",
                "required": True,
                "choices": ["男", "女"],
                "from": "id.sex",
            },
            {
                "name": "birth_date",
                "label": "出生日期",
                "label_en": "Date of birth",
                "type": "date",
                "required": True,
                "personal": True,
                "from": "id.birth_date",
            },
            {
                "name": "reason",
                "label": "换领原因",
                "label_en": "Reason",
                "type": "text",
                "required": False,
                "from": "form:reason",
            },
        ],
        "issued_by": [{"service_code": item_code, "department": "gaj"}],
    }


HOUSEHOLD = {
    "code": AUTHORITY + "002",
    "name": "居民户口簿",
    "name_en": "Household Register",
    "defining_authority": "公安部",
    "defining_authority_code": AUTHORITY,
    "holder_kind": "citizen",
    "validity_years": None,
    "face_schema": [
        {
            "name": "household_type",
            "label": "户别",
            "label_en": "Household type",
            "type": "text",
            "required": True,
        },
    ],
    "issued_by": [],
}


@pytest.fixture
def library(county):
    for code, credit_code in CREDIT_CODES.items():
        Department.objects.filter(code=code).update(credit_code=credit_code)
    licence_types_load(actor=None, data=[id_card_type(county.standard_item.code), HOUSEHOLD])
    county.departments = {d.code: d for d in Department.objects.all()}
    return county


@pytest.fixture
def household_of_zhangsan(library) -> Licence:
    profile = library.citizen.citizen_profile
    return licence_issue(
        actor=None,
        licence_type=LicenceType.objects.get(name="居民户口簿"),
        issuer=library.departments["gaj"],
        holder_name=profile.name,
        holder_code=profile.id_number,
        face={"household_type": "家庭户"},
        issued_on=dt.date(2015, 6, 1),
        jurisdiction="330521",
        origin=Licence.Origin.IMPORTED,
    )
