"""The API docs' Authorize button: a developer signs in through the platform's OIDC provider (auth
code + PKCE, in Swagger UI's pop-up) and "Try it out" then calls the API with the Bearer token."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from govplus.demo.seed import API_DOCS_CLIENT_ID, api_docs_client_create
from govplus.testing.factories import PASSWORD, County


def test_authorize_in_the_api_docs_gets_a_token_that_the_api_accepts(
    county_tx: County, open_page: Callable[..., Page], live_server
) -> None:
    from oauth2_provider.models import get_application_model

    api_docs_client_create(county_tx.staff["department_admin"])
    get_application_model().objects.filter(client_id=API_DOCS_CLIENT_ID).update(
        redirect_uris=f"{live_server.url}/api/v1/oauth2-redirect.html"
    )
    docs = open_page()
    docs.set_default_timeout(30_000)  # Swagger UI's bundle is 1.5 MB of script
    docs.goto("/api/v1/docs", timeout=60_000)
    docs.get_by_role("button", name="Authorize").first.click()
    dialog = docs.locator(".dialog-ux")
    expect(dialog.get_by_text("authorizationCode with PKCE", exact=True)).to_be_visible()
    expect(dialog.get_by_label("client_id:")).to_have_value(API_DOCS_CLIENT_ID)
    dialog.get_by_text("profile", exact=True).first.click()
    with docs.expect_popup() as opened:
        dialog.locator("button.modal-btn.authorize").first.click()
    popup = opened.value
    popup.get_by_label("用户名").fill("zhangsan")
    popup.get_by_label("密码").fill(PASSWORD)
    popup.get_by_role("main").get_by_role("button", name="登录").click()
    popup.locator("input[name=allow]").click()  # the provider's consent page
    if not popup.is_closed():
        popup.wait_for_event("close", timeout=30_000)
    expect(dialog.locator("button.modal-btn", has_text="Logout")).to_be_visible(timeout=30_000)  # authorized
    dialog.locator("button.btn-done").first.click()

    docs.locator('[data-path="/api/v1/me"]').first.click()
    docs.get_by_role("button", name="Try it out").click()
    with docs.expect_request("**/api/v1/me") as sent:
        docs.get_by_role("button", name="Execute").click()
    assert sent.value.headers["authorization"].startswith("Bearer ")
    status = docs.locator(".live-responses-table tbody td.response-col_status").first
    expect(status).to_contain_text("200", timeout=30_000)
    expect(docs.locator(".live-responses-table")).to_contain_text("zhangsan", timeout=30_000)
