"""How the pages look to a person: they fit a phone screen, text is readable (WCAG AA contrast),
every form field has a label, and boxes hold their content."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from govplus.core.notify import notification_send
from govplus.testing.factories import County

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# Text nodes whose colours differ from their background by less than WCAG AA asks for
# (4.5:1, or 3:1 for large text). Text over a gradient or image is skipped: it cannot be measured here.
LOW_CONTRAST_JS = """
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1,
  });
  const luminance = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (element) => {
    const layers = [];
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.backgroundImage !== 'none') return null;
      const colour = parse(style.backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), {r: 255, g: 255, b: 255, a: 1});
  };
  const problems = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const element = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(element)) continue;
    seen.add(element);
    if (['OPTION', 'SCRIPT', 'STYLE', 'NOSCRIPT'].includes(element.tagName)) continue;
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= 0 || box.bottom <= 0) continue;  // off-screen, e.g. a skip link
    const style = getComputedStyle(element);
    const back = background(element);
    if (!back) continue;
    const fore = over(parse(style.color), back);
    const [light, dark] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      problems.push(`${walker.currentNode.textContent.trim().slice(0, 30)} — ${ratio.toFixed(2)}:1 ` +
                    `(${style.color} on rgb(${back.r}, ${back.g}, ${back.b}), ${size}px)`);
    }
  }
  return problems;
}
"""

# Form fields a screen reader would announce without a name.
UNLABELLED_FIELDS_JS = """
() => [...document.querySelectorAll('input, select, textarea')]
  .filter((field) => !['hidden', 'submit', 'button', 'reset'].includes(field.type))
  .filter((field) => !(field.labels && [...field.labels].some((label) => label.textContent.trim()))
                     && !(field.getAttribute('aria-label') || '').trim()
                     && !field.getAttribute('aria-labelledby') && !(field.title || '').trim())
  .map((field) => field.outerHTML.slice(0, 120))
"""

# Boxes of the "facts" grids whose content spills out sideways (cut off or running into the next box).
OVERFLOWING_FACTS_JS = """
() => [...document.querySelectorAll('.facts > div')]
  .filter((box) => box.scrollWidth > box.clientWidth + 1)
  .map((box) => box.innerText.replace(/\\s+/g, ' ').trim())
"""


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (a phone user would have to scroll sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.fixture
def receipt_no(county_tx: County) -> str:
    application = county_tx.submitted_application()
    notification_send(recipient=county_tx.citizen, title="办件已受理", body="测试消息", external=False)
    return application.receipt_no


def test_pages_fit_a_phone_screen(
    county_tx: County,
    receipt_no: str,
    open_page: Callable[..., Page],
    sign_in: Callable[..., Page],
    screenshot: Callable[[Page, str], Path],
) -> None:
    guide = f"/services/{county_tx.standard_item.code}/"
    visitor = open_page(**PHONE)
    too_wide = {}
    for path in (
        "/",
        "/services/?q=身份证",
        guide,
        "/login/",
        "/register/",
        "/power-list/",
        f"/progress/?receipt_no={receipt_no}&phone_last4=8000",
    ):
        visitor.goto(path)
        too_wide[path] = horizontal_overflow(visitor)
        if path == guide:
            expect(visitor.get_by_role("link", name="在线申请")).to_be_in_viewport()
            screenshot(visitor, "15-guide-phone")
        elif path == "/":
            screenshot(visitor, "16-home-phone")

    citizen = sign_in("zhangsan", **PHONE)
    for path in (
        "/my/applications",
        f"/my/applications/{receipt_no}",
        f"/services/{county_tx.standard_item.code}/apply/",
    ):
        citizen.goto(path)
        too_wide[path] = horizontal_overflow(citizen)
    citizen.goto(f"/my/applications/{receipt_no}")
    screenshot(citizen, "17-citizen-case-phone")

    clerk = sign_in("gaj_clerk", **PHONE)
    for path in ("/staff/", f"/staff/cases/{receipt_no}"):
        clerk.goto(path)
        too_wide[path] = horizontal_overflow(clerk)
    screenshot(clerk, "18-staff-case-phone")

    assert {path: px for path, px in too_wide.items() if px > 0} == {}, "pages wider than a 390 px phone"


def test_text_has_enough_contrast(
    county_tx: County, receipt_no: str, open_page: Callable[..., Page], sign_in: Callable[..., Page]
) -> None:
    problems: dict[str, list[str]] = {}
    visitor = open_page()
    for path in (
        "/",
        "/services/?q=身份证",
        f"/services/{county_tx.standard_item.code}/",
        "/login/",
        f"/progress/?receipt_no={receipt_no}&phone_last4=8000",
        "/progress/?receipt_no=x&phone_last4=1",
    ):
        visitor.goto(path)
        problems[path] = visitor.evaluate(LOW_CONTRAST_JS)
    citizen = sign_in("zhangsan")
    unread = citizen.get_by_role("navigation", name="主导航").get_by_label(re.compile("条未读"))
    expect(unread).to_be_visible()
    for path in ("/my/applications", f"/my/applications/{receipt_no}", "/inbox/"):
        citizen.goto(path)
        problems[path] = citizen.evaluate(LOW_CONTRAST_JS)
    clerk = sign_in("gaj_clerk")
    for path in ("/staff/", f"/staff/cases/{receipt_no}"):
        clerk.goto(path)
        problems[path] = clerk.evaluate(LOW_CONTRAST_JS)

    assert {path: found for path, found in problems.items() if found} == {}, "text below WCAG AA contrast"


def test_every_form_field_has_a_label(
    county_tx: County, receipt_no: str, open_page: Callable[..., Page], sign_in: Callable[..., Page]
) -> None:
    problems: dict[str, list[str]] = {}
    visitor = open_page()
    for path in ("/", "/services/", "/login/", "/register/", "/progress/"):
        visitor.goto(path)
        problems[path] = visitor.evaluate(UNLABELLED_FIELDS_JS)
    citizen = sign_in("zhangsan")
    citizen.goto(f"/services/{county_tx.standard_item.code}/apply/")
    problems["apply"] = citizen.evaluate(UNLABELLED_FIELDS_JS)
    citizen.get_by_label("换领原因").select_option("有效期满")
    citizen.get_by_label("联系电话").fill("13800138000")
    citizen.get_by_role("button", name="保存并下一步").click()
    expect(citizen.get_by_role("heading", level=1)).to_contain_text("上传材料")
    problems["materials"] = citizen.evaluate(UNLABELLED_FIELDS_JS)
    clerk = sign_in("gaj_reviewer")
    for path in ("/staff/", f"/staff/cases/{receipt_no}"):
        clerk.goto(path)
        problems[path] = clerk.evaluate(UNLABELLED_FIELDS_JS)

    assert {path: found for path, found in problems.items() if found} == {}, "form fields without a label"


def test_case_facts_fit_in_their_boxes(
    county_tx: County, receipt_no: str, sign_in: Callable[..., Page], screenshot: Callable[[Page, str], Path]
) -> None:
    """The receipt number is the one thing people read out on the phone to 12345: it must show whole."""
    overflowing: dict[str, list[str]] = {}
    citizen = sign_in("zhangsan")
    citizen.goto(f"/my/applications/{receipt_no}")
    expect(citizen.get_by_test_id("status")).to_have_text("待受理")
    overflowing["citizen case"] = citizen.evaluate(OVERFLOWING_FACTS_JS)
    clerk = sign_in("gaj_clerk")
    clerk.goto(f"/staff/cases/{receipt_no}")
    overflowing["staff case"] = clerk.evaluate(OVERFLOWING_FACTS_JS)
    clerk.goto(f"/progress/?receipt_no={receipt_no}&phone_last4=8000")
    overflowing["progress"] = clerk.evaluate(OVERFLOWING_FACTS_JS)

    assert {page: boxes for page, boxes in overflowing.items() if boxes} == {}, "text spilling out of its box"
