"""Module registration: the API, the page URLs, the OAuth scopes and the navigation are composed from the
modules' own `module.py`, every URL keeps its path, and a new module plugs in without editing any other file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse

from govplus.core.modules import module_scopes, module_specs, navigation_entries, resolve_dotted

ROOT = Path(__file__).resolve().parent.parent

# Every page URL as it was before the pages were composed from modules (name, args, path).
PAGE_URLS = [
    ("portal:home", [], "/"),
    ("portal:search", [], "/services/"),
    ("portal:guide", ["330521001"], "/services/330521001/"),
    ("portal:apply", ["330521001"], "/services/330521001/apply/"),
    ("portal:power_list", [], "/power-list/"),
    ("portal:responsibility_list", [], "/responsibility-list/"),
    ("portal:language", ["en"], "/lang/en/"),
    ("portal:progress", [], "/progress/"),
    ("portal:login", [], "/login/"),
    ("portal:logout", [], "/logout/"),
    ("portal:register", [], "/register/"),
    ("portal:totp", [], "/account/totp/"),
    ("portal:my_applications", [], "/my/applications"),
    ("portal:application_detail", ["R1"], "/my/applications/R1"),
    ("portal:apply_materials", ["R1"], "/my/applications/R1/materials"),
    ("portal:apply_review", ["R1"], "/my/applications/R1/review"),
    ("portal:rate", ["R1"], "/my/applications/R1/rate"),
    ("portal:withdraw", ["R1"], "/my/applications/R1/withdraw"),
    ("portal:inbox", [], "/inbox/"),
    ("portal:workbench", [], "/staff/"),
    ("portal:case", ["R1"], "/staff/cases/R1"),
    ("portal:case_act", ["R1"], "/staff/cases/R1/act"),
    ("portal:case_reveal", ["R1"], "/staff/cases/R1/reveal"),
    ("portal:material", ["R1", 7], "/staff/cases/R1/materials/7"),
    ("portal:task_act", [7], "/staff/tasks/7/act"),
    ("portal:rectifications", [], "/staff/rectifications"),
    ("oidc-discovery", [], "/.well-known/openid-configuration"),
    ("oidc-authorize", [], "/o/authorize/"),
    ("oidc-userinfo", [], "/o/userinfo/"),
    ("admin-login", [], "/admin/login/"),
    ("set_language", [], "/i18n/setlang/"),
    ("api:openapi-json", [], "/api/v1/openapi.json"),
]


@pytest.mark.parametrize(("name", "args", "expected"), PAGE_URLS)
def test_every_url_keeps_its_name_and_path(name, args, expected):
    assert reverse(name, args=args) == expected
    assert resolve(expected).view_name == name


def test_every_api_router_comes_from_a_module_spec():
    from config.urls import api

    declared = [(r.prefix, resolve_dotted(r.router)) for spec in module_specs() for r in spec.api_routers]
    mounted = [(prefix, router) for prefix, router in api._routers if prefix != ""]
    assert [router for _, router in mounted] == [router for _, router in declared]
    assert {spec.name for spec in module_specs()} >= {"identity", "catalog", "cases", "portal"}


def test_oauth_scopes_are_the_modules_scopes_with_their_descriptions():
    scopes = settings.OAUTH2_PROVIDER["SCOPES"]
    assert scopes == module_scopes(settings.INSTALLED_APPS)
    assert scopes["applications"] == "读写我的办件 / read and write my applications"
    assert list(scopes) == ["openid", "profile", "applications", "tasks", "licences", "exchange"]


def test_a_scope_declared_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        module_scopes(["govplus.identity", "govplus.cases", "tests.duplicate_scope_module"])


def test_navigation_is_built_from_the_entries_of_each_visitor_kind(county):
    labels = [entry.label for entry in navigation_entries()]
    assert labels[:3] == ["办事服务", "进度查询", "权责清单"]

    anonymous = Client().get("/services/").content.decode()
    assert 'href="/progress/"' in anonymous and 'href="/staff/"' not in anonymous
    assert 'href="/inbox/"' not in anonymous and 'href="/login/"' in anonymous

    citizen = Client()
    citizen.force_login(county.citizen)
    page = citizen.get("/services/").content.decode()
    assert 'href="/my/applications"' in page and 'href="/inbox/"' in page and 'href="/staff/"' not in page

    clerk = Client()
    clerk.force_login(county.staff["clerk"])
    page = clerk.get("/staff/").content.decode()
    assert 'href="/staff/"' in page and 'href="/my/applications"' not in page


def test_english_navigation_is_translated(county):
    client = Client()
    client.get("/lang/en/")
    page = client.get("/services/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/services/">Services</a>' in page


def test_a_new_module_plugs_in_without_editing_another_file():
    """tests/sample_module declares a router, a page, two navigation entries and a scope; enabling it is
    one environment variable. Run in a fresh process: the URL map and the settings are built at start-up."""
    script = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.urls import reverse
from govplus.core.modules import navigation_entries
client = Client()
api = client.get("/api/v1/sample/ping")
page = client.get("/sample/")
schema = client.get("/api/v1/openapi.json").json()
print(json.dumps({
    "api": api.json(), "page_status": page.status_code, "page": page.content.decode(),
    "path": reverse("portal:sample_page"), "scope": settings.OAUTH2_PROVIDER["SCOPES"].get("sample"),
    "nav": [e.label for e in navigation_entries()],
    "tags": schema["paths"]["/api/v1/sample/ping"]["get"]["tags"],
    "home": reverse("portal:home"),
}))
"""
    environment = {
        **os.environ,
        "GOVPLUS_EXTRA_APPS": "tests.sample_module",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["api"] == {"pong": True}
    assert seen["tags"] == ["sample 示例"]
    assert seen["page_status"] == 200 and "sample page" in seen["page"]
    assert 'href="/sample/"' in seen["page"] and "示例服务" in seen["page"]
    assert "示例督办" not in seen["page"]  # staff with the supervisor role only
    assert seen["path"] == "/sample/" and seen["home"] == "/"
    assert seen["scope"] == "读取示例数据 / read sample data"
    assert seen["nav"][:4] == ["办事服务", "进度查询", "权责清单", "示例服务"]


def test_every_navigation_entry_names_a_page_that_exists():
    for entry in navigation_entries():
        assert reverse(entry.url_name).startswith("/"), entry


def test_a_navigation_entry_for_some_staff_roles_is_shown_to_those_roles_only():
    from govplus.core.modules import NavEntry

    entry = NavEntry("督办", "portal:workbench", audience=frozenset({"staff"}), staff_roles=("approver",))
    assert entry.visible_to(audience="staff", roles=frozenset({"approver", "clerk"}))
    assert not entry.visible_to(audience="staff", roles=frozenset({"clerk"}))
    assert not entry.visible_to(audience="citizen") and not entry.visible_to(audience="anonymous")
