"""A clerk reveals an applicant's full phone on the case page with a reason; the applicant sees who looked."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from govplus.testing.factories import County

PHONE = "13800138000"


def test_a_clerk_reveals_the_phone_with_a_reason_and_the_citizen_sees_it(
    county_tx: County, sign_in: Callable[..., Page]
) -> None:
    receipt_no = county_tx.submitted_application(phone=PHONE).receipt_no
    clerk = sign_in("gaj_clerk")
    clerk.goto(f"/staff/cases/{receipt_no}")
    main = clerk.get_by_role("main")
    expect(main).to_contain_text("138****8000")
    expect(main).not_to_contain_text(PHONE)
    main.get_by_text("查看完整个人信息").click()
    main.get_by_label("查看理由").fill("电话核实申请人身份")
    main.get_by_role("button", name="查看", exact=True).click()
    expect(clerk.get_by_test_id("revealed")).to_have_text(PHONE)

    citizen = sign_in("zhangsan")
    citizen.goto(f"/my/applications/{receipt_no}")
    record = citizen.locator("#personal-data-accesses")
    expect(record.get_by_role("row").nth(1)).to_contain_text("德清县公安局")
    expect(record).to_contain_text("公安clerk")
    expect(record).to_contain_text("联系电话")
    expect(record).to_contain_text("电话核实申请人身份")
