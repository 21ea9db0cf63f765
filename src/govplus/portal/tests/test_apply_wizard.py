"""The apply wizard checks each step when the applicant leaves it, naming each field by its label."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from govplus.cases.models import Application
from govplus.catalog.services import catalog_import
from govplus.testing.factories import PDF, item_data

APPOINTMENT_ITEM = "11330521TEST000000000105009000"


@pytest.fixture
def citizen(county) -> Client:
    client = Client()
    client.force_login(county.citizen)
    return client


@pytest.fixture
def appointment_item(county):
    catalog_import(
        actor=None,
        data={
            "services": [
                item_data(
                    APPOINTMENT_ITEM,
                    "居民身份证首次申领",
                    "gaj",
                    form_fields=[
                        {
                            "name": "appointment_date",
                            "label": "预约日期",
                            "label_en": "Appointment date",
                            "type": "date",
                            "required": True,
                            "not_before": "today",
                        },
                        {
                            "name": "receive_method",
                            "label": "领取方式",
                            "label_en": "How to receive",
                            "type": "select",
                            "required": True,
                            "options": ["窗口领取", "EMS寄递"],
                        },
                        {
                            "name": "mail_address",
                            "label": "寄递地址",
                            "label_en": "Mailing address",
                            "type": "address",
                            "required": False,
                            "required_when": {"field": "receive_method", "in": ["EMS寄递"]},
                        },
                    ],
                )
            ]
        },
    )
    return APPOINTMENT_ITEM


def test_an_empty_step_1_is_not_left_and_each_field_is_named_in_both_languages(county, citizen):
    page = citizen.post(f"/services/{county.standard_item.code}/apply/", {"reason": "", "phone": ""})
    assert page.status_code == 422
    html = page.content.decode()
    assert "请填写“换领原因” / please fill in “Reason for replacement”" in html
    assert "请填写“联系电话”" in html and "reason is required" not in html
    assert not Application.objects.filter(applicant=county.citizen).exists()


def test_an_appointment_in_the_past_and_a_post_delivery_without_address_are_refused(county, citizen, appointment_item):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    page = citizen.post(
        f"/services/{appointment_item}/apply/", {"appointment_date": yesterday, "receive_method": "EMS寄递"}
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert "预约日期：不能早于今天" in html and "Appointment date: cannot be before today" in html
    assert "请填写“寄递地址” / please fill in “Mailing address”" in html
    assert f'min="{timezone.localdate():%Y-%m-%d}"' in html  # the date picker offers no past day

    next_week = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    at_window = citizen.post(
        f"/services/{appointment_item}/apply/", {"appointment_date": next_week, "receive_method": "窗口领取"}
    )
    assert at_window.status_code == 302  # no address needed when collecting at the window


def test_step_2_is_not_left_without_a_required_material_and_done_steps_are_links(county, citizen):
    response = citizen.post(
        f"/services/{county.standard_item.code}/apply/", {"reason": "有效期满", "phone": "13800138000"}
    )
    receipt_no = response["Location"].split("/")[3]
    stay = citizen.post(f"/my/applications/{receipt_no}/materials", {})
    assert stay.status_code == 422
    html = stay.content.decode()
    assert "请上传“居民身份证（原证）照片”" in html and 'id="err-M01"' in html
    assert f'href="/services/{county.standard_item.code}/apply/?receipt_no={receipt_no}"' in html  # step 1

    moved = citizen.post(
        f"/my/applications/{receipt_no}/materials",
        {"file_M01": SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")},
    )
    assert moved.status_code == 302 and moved["Location"].endswith("/review")
    review = citizen.get(f"/my/applications/{receipt_no}/review").content.decode()
    assert f'href="/my/applications/{receipt_no}/materials"' in review  # step 2 is a link back
    assert 'aria-current="step">3' in review
