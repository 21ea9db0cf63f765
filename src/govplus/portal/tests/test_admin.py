"""The admin: platform admins manage the catalog and processes; every admin write is audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from govplus.catalog.models import ProcessDefinition, ServiceItem
from govplus.core.models import AuditEntry
from govplus.identity.models import Role
from govplus.identity.services import staff_create

BPMN = Path(__file__).resolve().parents[2] / "catalog" / "bpmn" / "standard.bpmn"


@pytest.fixture
def admin_client(county) -> Client:
    admin = staff_create(
        actor=None,
        username="root",
        password="Root@2026pass",
        display_name="管理员",
        roles=[(county.departments["gaj"], Role.PLATFORM_ADMIN)],
        is_superuser=True,
    )
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/catalog/serviceitem/",
        "/admin/identity/user/",
        "/admin/identity/department/",
        "/admin/core/auditentry/",
        "/admin/cases/application/",
        "/admin/catalog/processdefinition/",
        "/admin/identity/citizenprofile/",
    ],
)
def test_admin_pages_open(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_citizen_data_is_masked_in_the_admin(county, admin_client):
    html = admin_client.get("/admin/identity/citizenprofile/").content.decode()
    assert county.citizen.citizen_profile.id_number not in html and "张*" in html


def test_uploading_a_bpmn_file_creates_a_process_and_is_audited(admin_client):
    response = admin_client.post(
        "/admin/catalog/processdefinition/add/",
        {
            "key": "custom",
            "name": "自定义流程",
            "bpmn_xml": "",
            "bpmn_file": SimpleUploadedFile("custom.bpmn", BPMN.read_bytes()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ProcessDefinition.objects.filter(key="custom").exists()
    assert AuditEntry.objects.filter(action="admin.add", object_type="catalog.processdefinition").exists()


def test_a_broken_bpmn_file_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        "/admin/catalog/processdefinition/add/",
        {
            "key": "broken",
            "name": "坏流程",
            "bpmn_xml": "<definitions>nope",
            "bpmn_file": "",
        },
    )
    assert response.status_code == 200 and "BPMN 文件无法使用" in response.content.decode()
    assert not ProcessDefinition.objects.filter(key="broken").exists()


def test_deleting_items_in_the_admin_changelist_is_audited(county, admin_client):
    item = county.parallel_item
    response = admin_client.post(
        "/admin/catalog/serviceitem/",
        {"action": "delete_selected", "_selected_action": [item.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ServiceItem.objects.filter(pk=item.pk).exists()
    assert AuditEntry.objects.filter(action="admin.delete", object_type="catalog.serviceitem", object_id=item.pk)


def test_a_bpmn_file_whose_gateway_outcome_no_action_sends_is_refused_with_a_message(admin_client):
    response = admin_client.post(
        "/admin/catalog/processdefinition/add/",
        {
            "key": "custom",
            "name": "自定义流程",
            "bpmn_xml": "",
            "bpmn_file": SimpleUploadedFile(
                "custom.bpmn", BPMN.read_bytes().replace(b'outcome == "accept"', b'outcome == "accepted"')
            ),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "BPMN 文件无法使用" in html
    assert "gw_accept" in html and "accepted" in html
    assert not ProcessDefinition.objects.filter(key="custom").exists()
