"""The gateway as a consumer system sees it: a token from the token endpoint (client secret), then
lookups, batches and changes — only granted fields, masking, grants checked on every call, purpose and
case headers, limits, rate limit, and one evidence entry per served call holding no personal data."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from govplus.exchange import services
from govplus.exchange.evidence import EVIDENCE_FIELDS, EVIDENCE_LOG, body_hash, entry_canonical, evidence_sequence
from govplus.exchange.grant_cache import grants_changed
from govplus.exchange.models import ConsumerSystem, ExchangeEvidence, Grant
from govplus.exchange.records import record_key_hash, records_write

GATEWAY = "/api/v1/exchange/gateway"
ID_NUMBER = "330521199003071234"
CASE = {"HTTP_X_PURPOSE": quote("社保待遇资格审核"), "HTTP_X_CASE_NUMBER": "SB-2026-0001", "HTTP_X_CONSENT": "CS-77"}


def grant(exchange: Any, resource: Any, fields: list[str], unmasked: list[str] | None = None) -> Grant:
    today = timezone.localdate()
    asked = services.share_request_create(
        actor=exchange.consumer_officer,
        resource=resource,
        consumer=exchange.consumer,
        purpose="社保待遇资格审核",
        legal_basis="《社会保险法》第八十二条",
        fields=fields,
        valid_from=today,
        valid_until=today + dt.timedelta(days=90),
    )
    if asked.status != asked.Status.GRANTED:
        asked = services.share_request_decide(
            actor=exchange.provider_officer,
            request_number=asked.number,
            grant=True,
            unmasked_fields=unmasked or [],
        )
    return asked.grant


def token_for(client_id: str, secret: str) -> str:
    """Client credentials at the platform's token endpoint, authenticated with HTTP Basic (RFC 6749 §2.3.1)."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "exchange" and body["token_type"] == "Bearer"
    return str(body["access_token"])


class Consumer:
    def __init__(self, exchange: Any, consumer: ConsumerSystem | None = None, secret: str = "") -> None:
        consumer = consumer or exchange.consumer
        self.http = Client(
            HTTP_AUTHORIZATION=f"Bearer {token_for(consumer.application.client_id, secret or exchange.secret)}"
        )

    def lookup(self, resource: Any, key: str, **headers: str) -> Any:
        return self.http.get(f"{GATEWAY}/{resource.code}/records/{key}", **(headers or CASE))

    def batch(self, resource: Any, keys: list[str], **headers: str) -> Any:
        return self.http.post(
            f"{GATEWAY}/{resource.code}/records:batch",
            {"keys": keys},
            content_type="application/json",
            **(headers or CASE),
        )

    def changes(self, resource: Any, since: int = 0, limit: int = 100, **headers: str) -> Any:
        return self.http.get(
            f"{GATEWAY}/{resource.code}/changes", {"since": since, "limit": limit}, **(headers or CASE)
        )


@pytest.fixture
def consumer(exchange) -> Consumer:  # type: ignore[no-untyped-def]
    return Consumer(exchange)


def entry_text(entry: ExchangeEvidence) -> str:
    return entry_canonical(entry.leaf_index, [getattr(entry, name) for name in EVIDENCE_FIELDS]).decode()


def test_only_granted_fields_and_sensitive_ones_masked(exchange, consumer):
    grant(exchange, exchange.population, ["id_number", "name", "address"])
    response = consumer.lookup(exchange.population, ID_NUMBER)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"]["key"] == ID_NUMBER and body["data"]["version"] == 1
    # id_number and address are 敏感 (3): masked; name is 内部 (2): in full; religion (4) never
    assert body["data"]["values"] == {"id_number": "330521********1234", "name": "张三", "address": "德清****道"}


def test_a_grant_that_unmasks_a_field_shows_it_in_full_and_a_narrow_grant_returns_only_its_fields(exchange, consumer):
    grant(exchange, exchange.population, ["name", "address"], unmasked=["address"])
    values = consumer.lookup(exchange.population, ID_NUMBER).json()["data"]["values"]
    assert values == {"name": "张三", "address": "德清县武康街道"}


def test_no_grant_a_withdrawn_grant_and_an_unknown_resource(exchange, consumer):
    none = consumer.lookup(exchange.population, ID_NUMBER)
    assert none.status_code == 403 and none.json()["code"] == "no_grant"
    assert "330521-GAJ-0001" in none.json()["message"]
    given = grant(exchange, exchange.population, ["name"])
    assert consumer.lookup(exchange.population, ID_NUMBER).status_code == 200
    services.grant_withdraw(actor=exchange.provider_officer, grant_id=given.pk, reason="用途已结束")
    withdrawn = consumer.lookup(exchange.population, ID_NUMBER)
    assert withdrawn.status_code == 403 and withdrawn.json()["code"] == "grant_withdrawn"
    Grant.objects.filter(pk=given.pk).update(withdrawn_at=None, valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert consumer.lookup(exchange.population, ID_NUMBER).json()["code"] == "no_grant"  # expired
    unknown = consumer.http.get(f"{GATEWAY}/330521-GAJ-9999/records/{ID_NUMBER}", **CASE)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    assert ExchangeEvidence.objects.count() == 1  # only the one served call is an exchange


def test_a_remembered_grant_is_read_again_as_soon_as_a_grant_changes(exchange, consumer):
    given = grant(exchange, exchange.population, ["name", "address"])
    assert set(consumer.lookup(exchange.population, ID_NUMBER).json()["data"]["values"]) == {"name", "address"}
    given.fields = ["name"]
    given.save(update_fields=["fields"])  # any save of a grant sets a new generation (grant_cache)
    assert set(consumer.lookup(exchange.population, ID_NUMBER).json()["data"]["values"]) == {"name"}
    # a change past the platform's models (SQL by hand) is not seen until the generation moves
    Grant.objects.filter(pk=given.pk).update(fields=["name", "address"])
    assert set(consumer.lookup(exchange.population, ID_NUMBER).json()["data"]["values"]) == {"name"}
    grants_changed()
    assert set(consumer.lookup(exchange.population, ID_NUMBER).json()["data"]["values"]) == {"name", "address"}


def test_purpose_and_for_personal_data_the_case_and_consent_are_required(exchange, consumer):
    grant(exchange, exchange.population, ["name"])
    no_purpose = consumer.lookup(exchange.population, ID_NUMBER, HTTP_X_CASE_NUMBER="SB-1", HTTP_X_CONSENT="C-1")
    assert no_purpose.status_code == 422 and list(no_purpose.json()["fields"]) == ["X-Purpose"]
    no_case = consumer.lookup(exchange.population, ID_NUMBER, HTTP_X_PURPOSE="audit")
    assert no_case.status_code == 422 and set(no_case.json()["fields"]) == {"X-Case-Number", "X-Consent"}
    assert no_case.json()["fields"]["X-Case-Number"][0].startswith("查询个人信息须注明办件编号")
    no_consent = consumer.lookup(exchange.population, ID_NUMBER, HTTP_X_PURPOSE="audit", HTTP_X_CASE_NUMBER="SB-1")
    assert list(no_consent.json()["fields"]) == ["X-Consent"]
    # a batch is a bulk use under the grant: the purpose alone will do, but a case still needs consent
    assert consumer.batch(exchange.population, [ID_NUMBER], HTTP_X_PURPOSE="bulk").status_code == 200
    case_only = consumer.batch(exchange.population, [ID_NUMBER], HTTP_X_PURPOSE="bulk", HTTP_X_CASE_NUMBER="SB-1")
    assert case_only.status_code == 422 and list(case_only.json()["fields"]) == ["X-Consent"]
    assert ExchangeEvidence.objects.count() == 1


def test_a_purpose_in_chinese_is_percent_encoded_and_recorded_as_written(exchange, consumer):
    grant(exchange, exchange.population, ["name"])
    assert consumer.lookup(exchange.population, ID_NUMBER).status_code == 200
    assert ExchangeEvidence.objects.get().purpose == "社保待遇资格审核"


def test_batch_returns_found_and_missing_and_refuses_more_than_a_thousand_keys(exchange, consumer):
    grant(exchange, exchange.population, ["name"])
    records_write(exchange.population, [{"id_number": f"3305211990010{n:05d}", "name": f"人{n}"} for n in range(5)])
    keys = [ID_NUMBER, "330521199001000003", "nobody"]
    response = consumer.batch(exchange.population, keys)
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [r["key"] for r in data["records"]] == [ID_NUMBER, "330521199001000003"]
    assert [r["values"] for r in data["records"]] == [{"name": "张三"}, {"name": "人3"}]
    assert data["missing"] == ["nobody"]
    too_many = consumer.batch(exchange.population, [str(n) for n in range(1001)])
    assert too_many.status_code == 422 and list(too_many.json()["fields"]) == ["keys"]
    assert "1000" in too_many.json()["fields"]["keys"][0] or "1,000" in too_many.json()["fields"]["keys"][0]
    assert consumer.batch(exchange.population, [str(n) for n in range(1000)]).status_code == 200
    assert list(ExchangeEvidence.objects.values_list("operation", "record_count")) == [("batch", 2), ("batch", 0)]


def test_changes_page_through_versions_with_tombstones_and_the_next_since(exchange, consumer):
    grant(exchange, exchange.population, ["id_number", "name"], unmasked=["id_number"])
    rows = [
        {"id_number": ID_NUMBER, "name": "张三", "address": "德清县武康街道"},  # as the fixture wrote it: version 1
        {"id_number": "330521199001010011", "name": "李四"},
    ]
    records_write(exchange.population, rows)  # 张三 unchanged, 李四 added: version 2
    records_write(exchange.population, [rows[1]], replace_all=True)  # 张三 removed: version 3
    first = consumer.changes(exchange.population, since=0, limit=1).json()["data"]
    assert first["has_more"] and first["next_since"] == 2
    assert first["records"] == [
        {
            "key": "330521199001010011",
            "version": 2,
            "deleted": False,
            "values": {"id_number": "330521199001010011", "name": "李四"},
        }
    ]
    rest = consumer.changes(exchange.population, since=first["next_since"], limit=1000).json()["data"]
    assert rest == {
        "records": [{"key": ID_NUMBER, "version": 3, "deleted": True, "values": None}],
        "next_since": 3,
        "has_more": False,
    }
    assert consumer.changes(exchange.population, since=3).json()["data"]["next_since"] == 3
    over = consumer.changes(exchange.population, limit=1001)
    assert over.status_code == 422 and list(over.json()["fields"]) == ["limit"]


def test_a_consumer_past_its_rate_gets_429_with_retry_after(exchange):
    ConsumerSystem.objects.filter(pk=exchange.consumer.pk).update(rate_per_minute=3)
    exchange.consumer.refresh_from_db()
    consumer = Consumer(exchange)
    grant(exchange, exchange.open_table, ["code", "name"])
    records_write(exchange.open_table, [{"code": "P01", "name": "武康派出所"}])
    answers = [consumer.lookup(exchange.open_table, "P01", HTTP_X_PURPOSE="sync") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    retry_after = int(answers[-1]["Retry-After"])
    assert 1 <= retry_after <= 60
    assert answers[-1].json()["code"] == "rate_limited" and "3" in answers[-1].json()["message"]


def test_each_served_call_appends_one_evidence_entry_with_the_hashes_and_no_personal_data(exchange, consumer):
    grant(exchange, exchange.population, ["id_number", "name", "address"], unmasked=["id_number"])
    before = EVIDENCE_LOG.current_size()
    lookup = consumer.lookup(exchange.population, ID_NUMBER).json()
    batch = consumer.batch(exchange.population, [ID_NUMBER]).json()
    changes = consumer.changes(exchange.population).json()
    # written with each call, placed in the log by the sequencer (here the test's transaction never
    # commits, so nothing queued it): three staged entries, then three leaves
    assert ExchangeEvidence.objects.filter(leaf_index__isnull=True).count() == 3
    assert evidence_sequence() == 3
    assert EVIDENCE_LOG.current_size() == before + 3
    entries = list(ExchangeEvidence.objects.order_by("leaf_index"))
    assert [e.evidence_id for e in entries] == [lookup["evidence_id"], batch["evidence_id"], changes["evidence_id"]]
    case = {"purpose": "社保待遇资格审核", "case_number": "SB-2026-0001", "consent": "CS-77"}
    resource = exchange.population.code
    expected_requests = [
        {"operation": "lookup", "resource": resource, **case, "key": ID_NUMBER},
        {"operation": "batch", "resource": resource, **case, "keys": [ID_NUMBER]},
        {"operation": "changes", "resource": resource, **case, "since": 0, "limit": 100},
    ]
    for entry, answer, request in zip(entries, [lookup, batch, changes], expected_requests, strict=True):
        assert entry.request_hash == body_hash(request)
        assert entry.response_hash == body_hash(answer["data"])
        assert entry.consumer == exchange.consumer.application.client_id and entry.consumer_department == "rsj"
        assert entry.fields == ["address", "id_number", "name"] and entry.record_count == 1
        assert (entry.case_number, entry.consent) == ("SB-2026-0001", "CS-77")
        text = entry_text(entry)
        assert ID_NUMBER not in text and "张三" not in text and "武康" not in text
    # the single-person lookup names its subject by keyed hash, so 张三 sees it among his data uses
    assert [e.subject_hash for e in entries] == [record_key_hash(ID_NUMBER), "", ""]
    verification, _ = EVIDENCE_LOG.verify()
    assert verification.is_intact and verification.entries_checked == 3, verification.problem
    # an independent RFC 6962 implementation, fed the canonical entries alone, finds the same root
    from pymerkle import InmemoryTree

    independent = InmemoryTree(algorithm="sha256")
    for entry in entries:
        independent.append_entry(entry_text(entry).encode())
    assert independent.get_root().hex() == verification.root_hash


def test_a_key_without_a_record_is_404_and_still_evidence(exchange, consumer):
    grant(exchange, exchange.population, ["name"])
    response = consumer.lookup(exchange.population, "330521200001010000")
    assert response.status_code == 404 and response.json()["code"] == "no_record"
    entry = ExchangeEvidence.objects.get()
    assert response["X-Evidence-Id"] == entry.evidence_id and entry.record_count == 0


def test_a_token_without_a_consumer_system_or_without_a_token_is_refused(exchange, consumer):
    grant(exchange, exchange.open_table, ["code"])
    anonymous = Client().get(f"{GATEWAY}/{exchange.open_table.code}/records/P01", HTTP_X_PURPOSE="x")
    assert anonymous.status_code == 401
    staff = Client()
    staff.force_login(exchange.consumer_officer)  # a session is no consumer system
    assert staff.get(f"{GATEWAY}/{exchange.open_table.code}/records/P01", HTTP_X_PURPOSE="x").status_code == 401
    ConsumerSystem.objects.filter(pk=exchange.consumer.pk).update(is_active=False)
    from govplus.exchange.api_gateway import forget_known_consumers

    forget_known_consumers()
    inactive = consumer.lookup(exchange.open_table, "P01", HTTP_X_PURPOSE="x")
    assert inactive.status_code == 403 and inactive.json()["code"] == "not_a_consumer"


def test_usage_by_day_for_both_sides_and_nobody_else(exchange, consumer):
    grant(exchange, exchange.population, ["name"])
    consumer.lookup(exchange.population, ID_NUMBER)
    consumer.batch(exchange.population, [ID_NUMBER, "nobody"])
    consumer.batch(exchange.population, [ID_NUMBER])
    today = str(timezone.localdate())
    for officer in (exchange.consumer_officer, exchange.provider_officer):
        http = Client()
        http.force_login(officer)
        rows = http.get("/api/v1/exchange/usage").json()
        assert [(r["day"], r["operation"], r["calls"], r["records"]) for r in rows] == [
            (today, "batch", 2, 2),
            (today, "lookup", 1, 1),
        ]
        assert rows[0]["consumer_name"] == "社保待遇审核系统" and rows[0]["resource"] == exchange.population.code
    outsider = Client()
    outsider.force_login(exchange.county.staff["scjgj_clerk"])
    assert outsider.get("/api/v1/exchange/usage").status_code == 403
    http = Client()
    http.force_login(exchange.consumer_officer)
    wrong = http.get("/api/v1/exchange/usage", {"date_from": today, "date_until": "2020-01-01"})
    assert wrong.status_code == 422 and list(wrong.json()["fields"]) == ["date_from"]
    page = http.get("/staff/exchange/usage")
    assert page.status_code == 200
    html = page.content.decode()
    assert "社保待遇审核系统" in html and exchange.population.code in html and 'scope="col"' in html
    # the chart of calls per day draws the same figures from a JSON block (no inline script)
    chart = json.loads(html.split('<script id="usage-chart" type="application/json">')[1].split("</script>")[0])
    bars = {series["name"]: sum(series["data"]) for series in chart["series"]}
    assert bars == {"单条查询": 1, "批量查询": 2} and len(chart["xAxis"]["data"]) == 30
    assert 'data-chart="usage-chart"' in html and "echarts.min.js" in html


def test_each_resource_has_its_own_valid_openapi_document(exchange):
    from openapi_spec_validator import validate

    response = Client().get(f"{GATEWAY}/{exchange.population.code}/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    validate(document)
    assert document["openapi"] == "3.1.0"
    values = document["components"]["schemas"]["Values"]["properties"]
    assert set(values) == {"id_number", "name", "address"}  # religion (高度敏感) is never offered
    assert values["name"]["type"] == "string"
    paths = document["paths"]
    base = f"/api/v1/exchange/gateway/{exchange.population.code}"
    assert set(paths) == {f"{base}/records/{{key}}", f"{base}/records:batch", f"{base}/changes"}
    lookup_headers = {p["name"]: p["required"] for p in paths[f"{base}/records/{{key}}"]["get"]["parameters"]}
    assert lookup_headers == {"key": True, "X-Purpose": True, "X-Case-Number": True, "X-Consent": True}
    flow = document["components"]["securitySchemes"]["ConsumerClientCredentials"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"].endswith("/o/token/") and "exchange" in flow["scopes"]
    assert Client().get(f"{GATEWAY}/NO-SUCH/openapi.json").status_code == 404


def test_the_api_contracts_paths_answer_as_the_issue_states(exchange, consumer):
    """GET resources/{code}/records/{key}, POST resources/{code}/lookup {"keys"}, GET resources/{code}/changes
    → {"next", "results": [{"key", "version", "record"}]}; the tree head's `signature` is a JWS verifiable
    with the platform's published keys; evidence/{id}/proof and evidence/consistency."""
    from jwcrypto import jwk, jws

    grant(exchange, exchange.population, ["id_number", "name"])
    resources = "/api/v1/exchange/resources"
    code = exchange.population.code
    one = consumer.http.get(f"{resources}/{code}/records/{ID_NUMBER}", **CASE)
    assert one.status_code == 200 and one.json()["data"]["values"]["name"] == "张三" and one.json()["evidence_id"]
    many = consumer.http.post(
        f"{resources}/{code}/lookup", {"keys": [ID_NUMBER, "nobody"]}, content_type="application/json", **CASE
    )
    assert many.status_code == 200 and many.json()["data"]["missing"] == ["nobody"]
    no_purpose = consumer.http.get(f"{resources}/{code}/records/{ID_NUMBER}")
    assert no_purpose.status_code == 422 and "purpose" in str(no_purpose.json()["fields"]).lower()
    changes = consumer.http.get(f"{resources}/{code}/changes", {"since": 0}, **CASE).json()
    assert changes["next"] == 1 and changes["has_more"] is False
    assert changes["results"] == [
        {
            "key": ID_NUMBER,
            "version": 1,
            "deleted": False,
            "record": {"id_number": "330521********1234", "name": "张三"},
        }
    ]

    head = Client().get("/api/v1/exchange/evidence/tree-head").json()
    assert head["tree_size"] == 3 and head["signature"] == head["jws"]
    keys = jwk.JWKSet.from_json(Client().get("/o/.well-known/jwks.json").content)
    token = jws.JWS()
    token.deserialize(head["signature"])
    token.verify(keys.get_key(token.jose_header["kid"]), alg="RS256")
    signed = json.loads(token.payload)
    assert (signed["tree_size"], signed["root_hash"], signed["timestamp"]) == (3, head["root_hash"], head["timestamp"])
    officer = Client()
    officer.force_login(exchange.provider_officer)
    proof = officer.get(f"/api/v1/exchange/evidence/{one.json()['evidence_id']}/proof", {"tree_size": 3}).json()
    assert (proof["leaf_index"], proof["tree_size"], len(proof["audit_path"])) == (0, 3, 2)
    consistency = Client().get("/api/v1/exchange/evidence/consistency", {"first": 1, "second": 3}).json()
    assert consistency["proof"] and consistency["first"] == 1
