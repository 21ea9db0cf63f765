"""Browser end-to-end tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server, on the small county of the root conftest (`county_tx`, committed data).

Every test here is marked `browser`. Without /usr/bin/chromium the tests are skipped (and the run
says so at the end), unless GOVPLUS_REQUIRE_BROWSER=1 asks for them to fail instead.
Screenshots go to test-artifacts/screenshots/ (git-ignored); a failing test also saves what each of
its pages showed at that moment as `failed-<test>-<n>.png`.

Accessibility: axe-core (vendored in vendor/axe.min.js, MPL-2.0, from the npm package `axe-core`; nothing
is downloaded when the tests run) is injected into every page a test opens. Every page reached with
`page.goto`, and the page each test leaves behind, is audited in the language, width and sign-in of
that test; a serious or critical violation fails the test. Upgrade: `npm pack axe-core@4` and copy
`package/axe.min.js` and its LICENSE files here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from govplus.testing.factories import PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response
    from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = E2E_DIR.parent.parent / "test-artifacts" / "screenshots"
TIMEOUT_MS = 30_000  # a page waits this long on a loaded 2-core CI machine
SKIP_REASON = (
    "浏览器测试已跳过：未找到 /usr/bin/chromium。安装：apt-get install -y chromium fonts-wqy-microhei / "
    "Browser tests skipped: Chromium not found at /usr/bin/chromium. "
    "Install it with: apt-get install -y chromium fonts-wqy-microhei"
)
REQUIRED_REASON = (
    "GOVPLUS_REQUIRE_BROWSER=1，但未找到 /usr/bin/chromium / GOVPLUS_REQUIRE_BROWSER=1 but Chromium is "
    "missing at /usr/bin/chromium. Install it with: apt-get install -y chromium fonts-wqy-microhei"
)
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
AXE_SOURCE = E2E_DIR / "vendor" / "axe.min.js"
AXE_BLOCKING = ("serious", "critical")
# Not audited: Swagger UI of /api/v1/docs (django-ninja's bundled third-party widget). Known there:
# button-name (copy buttons), color-contrast (version tags), nested-interactive (operation rows).
AXE_EXCLUDE = ["#swagger-ui"]
# axe's result for the page as it is now: its serious and critical violations, each with where it is.
AXE_RUN_JS = """
async ([blocking, exclude]) => {
  const results = await axe.run({exclude: exclude}, {resultTypes: ['violations']});
  return results.violations
    .filter((violation) => blocking.includes(violation.impact))
    .map((violation) => ({
      id: violation.id, impact: violation.impact, help: violation.help,
      where: violation.nodes.slice(0, 5).map((node) => node.target.join(' ') + ' ' + node.html.slice(0, 80)),
    }));
}
"""


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page as it is now, one line each."""
    page.wait_for_load_state("load")
    found = page.evaluate(AXE_RUN_JS, [list(AXE_BLOCKING), AXE_EXCLUDE])
    return [f"{page.url} — {v['impact']} {v['id']}: {v['help']} — {' | '.join(v['where'])}" for v in found]


def _in_e2e(path: Path) -> bool:
    return path == E2E_DIR or E2E_DIR in path.parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, not only this folder's.
    for item in items:
        if _in_e2e(item.path):
            item.add_marker(pytest.mark.browser)
            # WhiteNoise warns that STATIC_ROOT was never collected; the live server serves static files
            # from the apps (staticfiles' handler), so the warning says nothing about these tests.
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report: pytest.TestReport = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def _e2e_reports(config: pytest.Config, reports: list[pytest.TestReport]) -> list[pytest.TestReport]:
    return [report for report in reports if _in_e2e(config.rootpath / report.nodeid.split("::")[0])]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = _e2e_reports(config, terminalreporter.stats.get("skipped", []))
    if skipped:
        reports = [r.longrepr for r in skipped if isinstance(r.longrepr, tuple)]
        reasons = {str(longrepr[2]).removeprefix("Skipped: ") for longrepr in reports}
        terminalreporter.write_sep("=", "浏览器测试 / browser tests", yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(skipped)} 个浏览器测试已跳过 / {len(skipped)} browser tests were skipped:", yellow=True
        )
        for reason in sorted(reasons):
            terminalreporter.write_line(f"  {reason}", yellow=True)
    elif SCREENSHOTS.is_dir() and _e2e_reports(config, terminalreporter.stats.get("passed", [])):
        count = len(list(SCREENSHOTS.glob("*.png")))
        terminalreporter.write_line(f"浏览器测试截图 / browser screenshots: {SCREENSHOTS} ({count} files)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Chromium for the whole session; skipped (or failed, if required) when it is not installed."""
    if not CHROMIUM.exists():
        if os.environ.get("GOVPLUS_REQUIRE_BROWSER") == "1":
            pytest.fail(REQUIRED_REASON, pytrace=False)
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread, so Django refuses ORM calls
    # here (SynchronousOnlyOperation). The documented switch allows them; test-only, and scoped to
    # the browser's lifetime. The browser and the test's own ORM calls never run at the same time.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """`open_page(**context_options)`: a page in a new browser context (own cookies) on the live server.

    Fails the test when the server answers any request with a 5xx, a page throws a script error, the
    browser blocks something under the Content-Security-Policy, or axe-core finds a serious or critical
    violation on a page opened with `goto` or left at the end.
    """
    contexts = []
    problems: list[str] = []
    audited: set[tuple[int, str]] = set()

    def audit(page: Page) -> None:
        key = (id(page), page.url)
        if key not in audited:
            audited.add(key)
            problems.extend(axe_violations(page))

    def on_response(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"HTTP {response.status} {response.url}")

    def _open(**options: Any) -> Page:
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        context.add_init_script(path=AXE_SOURCE)  # not subject to the page's Content-Security-Policy
        page = context.new_page()
        page.on("response", on_response)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        # The Content-Security-Policy allows our own static scripts only: Chromium reports anything it
        # blocked (an inline script, an on…= handler, a foreign source) on the console.
        page.on(
            "console",
            lambda message: (
                problems.append(f"CSP violation: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )
        goto = page.goto

        def goto_and_audit(url: str, **goto_options: Any) -> Response | None:
            response = goto(url, **goto_options)
            audit(page)
            return response

        page.goto = goto_and_audit  # type: ignore[method-assign]
        return page

    yield _open
    call = request.node.stash.get(REPORTS, {}).get("call")
    if call is not None and call.passed:
        for page in [page for context in contexts for page in context.pages]:
            audit(page)
    if call is not None and call.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w-]+", "-", request.node.name)
        pages = [page for context in contexts for page in context.pages]
        for number, page in enumerate(pages, start=1):
            page.screenshot(path=SCREENSHOTS / f"failed-{name}-{number}.png", full_page=True)
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("服务器错误或脚本错误 / server or script errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def sign_in(open_page: Callable[..., Page]) -> Callable[..., Page]:
    """`sign_in(username)`: a new browser context signed in through the login form."""
    from playwright.sync_api import expect

    def _sign_in(username: str, **options: Any) -> Page:
        page = open_page(**options)
        page.goto("/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("main").get_by_role("button", name="登录").click()
        expect(page.get_by_role("button", name="退出")).to_be_visible()
        return page

    return _sign_in


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """`screenshot(page, "01-home")`: a full-page PNG in test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _save(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return _save
