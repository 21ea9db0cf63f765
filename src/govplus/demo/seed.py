"""Seed the demo county. Idempotent only in the sense that it refuses to run twice."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction

from govplus.catalog.services import builtin_processes_install, catalog_import
from govplus.core.errors import GovplusError
from govplus.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, accounts_create
from govplus.demo.appeals import DEMO_OPEN311_KEY, demo_partner_create
from govplus.demo.appeals_history import demo_appeals_create
from govplus.demo.exchange import DEMO_CONSUMER_ID, DEMO_CONSUMER_SECRET, demo_consumer_create, demo_exchange_create
from govplus.demo.history import history_create, open_cases_create
from govplus.demo.licences import demo_licences_create
from govplus.identity.models import User
from govplus.identity.services import regions_departments_import

logger = logging.getLogger(__name__)
COUNTY_FILE = Path(__file__).resolve().parent.parent / "catalog" / "demo" / "county.json"
CLI_CLIENT_ID = "govplus-cli"
API_DOCS_CLIENT_ID = "govplus-api-docs"  # prefilled by the Authorize dialog of /api/v1/docs (core/api-docs.js)


def oidc_client_create(owner: User) -> None:
    """A public client for command-line tools: auth code + PKCE, any loopback port (RFC 8252)."""
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    Application.objects.update_or_create(
        client_id=CLI_CLIENT_ID,
        defaults={
            "name": "govplus 命令行 / CLI",
            "user": owner,
            "client_type": Application.CLIENT_PUBLIC,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": "http://127.0.0.1/callback http://[::1]/callback",
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": False,
            "client_secret": "",
        },
    )


def api_docs_client_create(owner: User) -> None:
    """A public client for the Authorize button of /api/v1/docs: auth code + PKCE, redirected to the
    docs' static redirect page on this site (GOVPLUS_SITE_URL) and on the loopback addresses."""
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    page = "/api/v1/oauth2-redirect.html"
    origins = dict.fromkeys([settings.SITE_URL.rstrip("/"), "http://127.0.0.1:8000", "http://localhost:8000"])
    Application.objects.update_or_create(
        client_id=API_DOCS_CLIENT_ID,
        defaults={
            "name": "govplus 接口文档 / API docs",
            "user": owner,
            "client_type": Application.CLIENT_PUBLIC,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(origin + page for origin in origins),
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": False,
            "client_secret": "",
        },
    )


def demo_seed(*, force: bool = False, history_size: int = 500, log=print) -> dict[str, int]:  # type: ignore[no-untyped-def]
    if not settings.DEBUG and not force and not getattr(settings, "GOVPLUS_DEMO_ALLOWED", False):
        raise GovplusError(
            "生产环境（DEBUG=off）拒绝写入演示数据；确需写入请加 --force。",
            "Refusing to seed demo data with DEBUG off; pass --force if you really mean it.",
            code="demo_refused",
        )
    if User.objects.filter(username="citizen").exists():
        log("演示数据已存在，跳过 / demo data already present, skipping")
        return {}
    data = json.loads(COUNTY_FILE.read_text())
    with transaction.atomic():
        regions_departments_import(actor=None, regions=data["regions"], departments=data["departments"])
        builtin_processes_install(actor=None)
        counts = catalog_import(actor=None, data=data)
        log(f"事项 / services: {counts}")
        users = accounts_create()
        oidc_client_create(users["admin"])
        api_docs_client_create(users["admin"])
    history = history_create(size=history_size, log=log)
    licences = demo_licences_create(users=users, log=log)
    open_count = open_cases_create(users=users, log=log)
    shared = demo_exchange_create(actor=users["admin"], log=log)
    demo_consumer_create(actor=users["admin"], log=log)
    demo_partner_create(actor=users["admin"], log=log)
    appeals = demo_appeals_create(size=3 * history_size, log=log)
    return {
        "services": counts["created"],
        "history": history,
        "open": open_count,
        "appeals": appeals,
        **licences,
        **shared,
    }


def demo_accounts_text() -> str:
    lines = [f"演示账号 / demo accounts (密码 / password: {DEMO_PASSWORD})"]
    lines += [f"  {username:<11} {role:<36} {what}" for username, role, what in DEMO_ACCOUNTS]
    lines.append("  {部门}.reviewer / {部门}.approver  其他部门的审核员、审批员（如 rsj.reviewer）")
    lines.append(
        f"共享交换网关的演示接入系统 / demo gateway client (client credentials, demo only): "
        f"{DEMO_CONSUMER_ID} / {DEMO_CONSUMER_SECRET} — 民政局, 户籍人口 330521-GAJ-0001"
    )
    lines.append(f"Open311 演示接入密钥 / demo Open311 API key (demo only): {DEMO_OPEN311_KEY} — /open311/v2/")
    return "\n".join(lines)
