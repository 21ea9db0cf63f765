"""Headers a browser relies on: a Content-Security-Policy with no inline script on every page,
`Cache-Control: no-store` on everything personal, and the shared progress-query limit answering 429
with Retry-After."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from govplus.cases.selectors import PROGRESS_ATTEMPTS_PER_HOUR

SRC = Path(__file__).resolve().parents[2]


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for template in SRC.glob("*/templates/**/*.html"):
        html = template.read_text()
        for match in re.finditer(r"<script\b[^>]*>", html):
            if "src=" not in match.group(0) and 'type="application/json"' not in match.group(0):
                offenders.append(f"{template.name}: {match.group(0)}")
        offenders += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", html)]
        offenders += [f"{template.name}: javascript:" for _ in re.findall(r"javascript:", html)]
    assert not offenders


@pytest.mark.parametrize(
    "url", ["/", "/services/", "/login/", "/register/", "/progress/", "/power-list/", "/no-such-page/", "/api/v1/docs"]
)
def test_every_page_carries_the_content_security_policy(county, client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    script = policy.split("script-src")[1].split(";")[0]
    assert script.strip() == "'self'"
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_a_signed_in_page_carries_the_policy_and_the_material_viewer_keeps_its_sandbox(county):
    application = county.submitted_application()
    clerk = Client()
    clerk.force_login(county.staff["clerk"])
    assert "script-src 'self'" in clerk.get(f"/staff/cases/{application.receipt_no}")["Content-Security-Policy"]
    material = application.materials.first()
    viewer = clerk.get(f"/staff/cases/{application.receipt_no}/materials/{material.pk}")
    assert viewer["Content-Security-Policy"] == "sandbox"


def test_personal_pages_and_api_answers_are_not_stored(county):
    application = county.submitted_application()
    citizen, clerk = Client(), Client()
    citizen.force_login(county.citizen)
    clerk.force_login(county.staff["clerk"])
    personal = [
        (citizen, "/my/applications"),
        (citizen, f"/my/applications/{application.receipt_no}"),
        (citizen, "/inbox/"),
        (citizen, "/api/v1/applications"),
        (citizen, f"/api/v1/applications/{application.receipt_no}"),
        (citizen, "/api/v1/me"),
        (clerk, "/staff/"),
        (clerk, f"/staff/cases/{application.receipt_no}"),
        (clerk, "/api/v1/tasks"),
        (citizen, "/"),  # the header greets the citizen by name
    ]
    for client, url in personal:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_a_bearer_answer_is_not_stored_and_a_public_page_stays_cacheable(county, client):
    assert "no-store" in client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nope")["Cache-Control"]
    assert "no-store" not in client.get("/services/").get("Cache-Control", "")


def test_the_progress_query_limit_answers_429_with_retry_after(county):
    application = county.submitted_application()
    page, api = Client(), Client()
    for _ in range(PROGRESS_ATTEMPTS_PER_HOUR):
        page.get("/progress/", {"receipt_no": application.receipt_no, "phone_last4": "0000"}, REMOTE_ADDR="10.9.9.9")
    refused = page.get(
        "/progress/", {"receipt_no": application.receipt_no, "phone_last4": "8000"}, REMOTE_ADDR="10.9.9.9"
    )
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "查询过于频繁" in refused.content.decode()
    # the API shares the count with the page (one cache, every process)
    refused_api = api.get(
        "/api/v1/progress", {"receipt_no": application.receipt_no, "phone_last4": "8000"}, REMOTE_ADDR="10.9.9.9"
    )
    assert refused_api.status_code == 429 and refused_api.json()["code"] == "rate_limited"
    assert 0 < int(refused_api["Retry-After"]) <= 3600
    other = api.get(
        "/api/v1/progress", {"receipt_no": application.receipt_no, "phone_last4": "8000"}, REMOTE_ADDR="10.9.9.8"
    )
    assert other.status_code == 200
