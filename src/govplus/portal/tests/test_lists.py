"""Long lists come in pages with their filters kept: my applications, the inbox, the power list, the workbench."""

from __future__ import annotations

import re

from django.test import Client

from govplus.cases import views_staff
from govplus.cases.services import application_create
from govplus.catalog.services import catalog_import
from govplus.core.notify import notification_mark_read, notification_send
from govplus.testing.factories import item_data


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def page_links(html: str) -> list[str]:
    pager = html.split('<ul class="pager">')[-1].split("</ul>")[0]
    return re.findall(r'href="([^"]+)"', pager.replace("&amp;", "&"))


def rows_of(html: str) -> int:
    return html.split("<tbody>")[1].split("</tbody>")[0].count("<tr")


def test_my_applications_come_in_pages_and_filter_by_status(county):
    for _ in range(22):
        application_create(actor=county.citizen, service_code=county.standard_item.code, form={"reason": "有效期满"})
    for _ in range(3):
        county.submitted_application()
    citizen = client_for(county.citizen)
    first = citizen.get("/my/applications").content.decode()
    assert rows_of(first) == 20 and "共 25 件" in first
    assert '<span aria-current="page">' in first and "?page=2" in page_links(first)
    second = citizen.get("/my/applications", {"page": 2}).content.decode()
    assert rows_of(second) == 5 and "?page=1" in page_links(second)

    submitted = citizen.get("/my/applications", {"status": "submitted"}).content.decode()
    assert rows_of(submitted) == 3 and "待受理" in submitted and "草稿" not in submitted.split("<tbody>")[1]
    assert '<option value="submitted" selected>' in submitted
    drafts = citizen.get("/my/applications", {"status": "draft"}).content.decode()
    assert "?status=draft&page=2" in page_links(drafts)  # the filter is kept on the next page
    assert citizen.get("/my/applications", {"page": "x", "status": "nonsense"}).status_code == 200


def test_the_inbox_pages_and_shows_only_unread_when_asked(county):
    for number in range(23):
        notification_send(recipient=county.other_citizen, title=f"旧消息{number}", body="", link="")
    notification_mark_read(recipient=county.other_citizen)
    for number in range(21):
        notification_send(recipient=county.other_citizen, title=f"新消息{number}", body="", link="")
    inbox = client_for(county.other_citizen)
    everything = inbox.get("/inbox/").content.decode()
    assert "共 44 条" in everything and "?page=3" in page_links(everything)
    unread = inbox.get("/inbox/", {"unread": "1"}).content.decode()
    assert "共 21 条" in unread and "旧消息" not in unread
    assert "?unread=1&page=2" in page_links(unread)
    last = inbox.get("/inbox/", {"unread": "1", "page": "2"}).content.decode()
    assert last.count("新消息") == 1


def test_the_power_list_filters_by_department_and_type_across_pages(county, client):
    catalog_import(
        actor=None,
        data={
            "services": [
                item_data(
                    f"11330521TEST0000000003{number:05d}00",
                    f"公安许可事项{number}",
                    "gaj",
                    item_type="administrative_licensing",
                )
                for number in range(33)
            ]
        },
    )
    everything = client.get("/power-list/").content.decode()
    assert "共 34 项" in everything  # 33 of 公安 and 企业开办 of 市场监管
    gaj = client.get("/power-list/", {"department": "gaj", "type": "administrative_licensing"}).content.decode()
    assert "共 33 项" in gaj and "企业开办" not in gaj
    assert "?department=gaj&type=administrative_licensing&page=2" in page_links(gaj)
    second = client.get(
        "/power-list/", {"department": "gaj", "type": "administrative_licensing", "page": 2}
    ).content.decode()
    assert rows_of(second) == 3
    confirmation = client.get("/power-list/", {"type": "administrative_confirmation"}).content.decode()
    assert "共 0 项" in confirmation


def test_the_workbench_page_numbers_keep_the_step_filter(county, monkeypatch):
    monkeypatch.setattr(views_staff, "WORKBENCH_PER_PAGE", 3)
    for _ in range(7):
        county.submitted_application()
    clerk = client_for(county.staff["clerk"])
    first = clerk.get("/staff/", {"step": "accept"}).content.decode()
    assert rows_of(first) == 3
    assert page_links(first) == ["?step=accept&page=2", "?step=accept&page=3", "?step=accept&page=2"]
    last = clerk.get("/staff/", {"step": "accept", "page": 3}).content.decode()
    assert rows_of(last) == 1 and 'rel="prev"' in last and 'rel="next"' not in last
    beyond = clerk.get("/staff/", {"step": "accept", "page": 99}).content.decode()
    assert rows_of(beyond) == 1  # past the end: the last page
