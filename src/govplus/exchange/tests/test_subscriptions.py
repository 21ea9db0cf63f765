"""Change subscriptions as a consumer department and its receiving system see them: a records write
becomes one signed POST to a real HTTP server (http.server in a thread) that checks the signature and
the timestamp with the code docs/exchange.md gives receivers; only granted fields, masked as granted;
a key set gets only its keys; a failing endpoint is retried with the same event id, then paused and
its data officer told; a withdrawn grant stops the pushes; every delivery is evidence."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from govplus.core.events import events_sweep
from govplus.core.models import AuditEntry, EventDelivery, Notification, OutboxEvent
from govplus.exchange.models import ExchangeEvidence, Grant, Subscription
from govplus.exchange.records import record_key_hash, records_write
from govplus.exchange.services import grant_withdraw, share_request_create, share_request_decide
from govplus.exchange.subscriptions import subscription_create, subscription_pause, subscription_resume
from govplus.exchange.webhooks import DELIVER_HANDLER, PAGE

API = "/api/v1/exchange"
ZHANG = "330521199003071234"
LI = "330521198512120021"


def _receiver_code() -> dict[str, Any]:
    """The receiver's verification function, exactly as docs/exchange.md prints it."""
    text = (Path(settings.BASE_DIR) / "docs" / "exchange.md").read_text(encoding="utf-8")
    section = text[text.index("## Subscriptions") :]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None, "the Subscriptions section gives the receiver's code"
    assert len(code.group(1).strip().splitlines()) <= 12
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), "docs/exchange.md", "exec"), namespace)  # our own documentation, run as printed
    return namespace


webhook_verified = _receiver_code()["webhook_verified"]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: dict[str, Any] | None  # None: the signature or timestamp was refused
    refused: str = ""


@dataclass
class Receiver:
    """A consumer system's endpoint: verifies each request as the docs say, answers `status`."""

    base: str
    secrets: dict[str, str] = field(default_factory=dict)  # path -> signing secret
    received: list[Received] = field(default_factory=list)
    status: int = 200

    def url(self, path: str) -> str:
        return self.base + path

    def verified(self) -> list[Received]:
        return [r for r in self.received if r.payload is not None]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k: v for k, v in self.headers.items()}
            try:
                payload = webhook_verified(state.secrets.get(self.path, ""), self.headers, body)
                refused = ""
            except ValueError as error:
                payload, refused = None, str(error)
            state.received.append(Received(self.path, headers, body, payload, refused))
            status = state.status if payload is not None else 401
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def deliver(now: dt.datetime | None = None) -> None:
    """Run the outbox until nothing more is due: the fan-out queues the webhooks it then delivers."""
    for _ in range(5):
        counts = events_sweep(now=now)
        if not counts["delivered"]:
            return


def granted(exchange: Any, fields: list[str], unmasked: list[str]) -> Grant:
    today = timezone.localdate()
    asked = share_request_create(
        actor=exchange.consumer_officer,
        resource=exchange.population,
        consumer=exchange.consumer,
        purpose="社保待遇资格审核",
        legal_basis="《社会保险法》",
        fields=fields,
        valid_from=today,
        valid_until=today + dt.timedelta(days=365),
    )
    share_request_decide(
        actor=exchange.provider_officer,
        request_number=asked.number,
        grant=True,
        fields=fields,
        unmasked_fields=unmasked,
    )
    return Grant.objects.get(request=asked)


def subscribe(exchange: Any, receiver: Receiver, path: str, keys: list[str] | None = None) -> Subscription:
    subscription, secret = subscription_create(
        actor=exchange.consumer_officer,
        consumer=exchange.consumer,
        resource=exchange.population,
        endpoint_url=receiver.url(path),
        keys=keys,
    )
    receiver.secrets[path] = secret
    return subscription


ROWS = [
    {"id_number": ZHANG, "name": "张三", "address": "德清县武康街道长虹中街 8 号", "religion": "佛教"},
    {"id_number": LI, "name": "李四", "address": "德清县新市镇", "religion": "无"},
]


def test_a_change_is_pushed_once_signed_with_only_the_granted_fields_masked_and_is_evidence(exchange, receiver):
    granted(exchange, ["id_number", "name", "address"], unmasked=["address"])
    subscription = subscribe(exchange, receiver, "/all")
    counts = records_write(exchange.population, ROWS)  # 张三 changed, 李四 new
    assert (counts.added, counts.changed) == (1, 1)
    deliver()

    assert len(receiver.received) == 1
    posted = receiver.received[0]
    assert posted.payload is not None, posted.refused  # the signature and timestamp check out
    body = posted.payload
    assert body["event_id"] == int(posted.headers["X-Govplus-Event-Id"])
    assert (body["resource"], body["version_from"], body["version_to"]) == (
        exchange.population.code,
        counts.version_from,
        counts.version_to,
    )
    by_name = {r["values"]["name"]: r for r in body["changed"]}
    assert set(by_name) == {"张三", "李四"}
    zhang = by_name["张三"]
    # id_number is sensitive and not unmasked; address is unmasked; religion (高度敏感) never leaves
    assert zhang["values"] == {"id_number": "330521********1234", "name": "张三", "address": ROWS[0]["address"]}
    assert zhang["key"] == "330521********1234" and zhang["deleted"] is False
    assert "佛教" not in posted.body.decode() and ZHANG not in posted.body.decode()

    # a forged or stale request is refused by the documented check
    with pytest.raises(ValueError, match="bad signature"):
        webhook_verified("whsec_wrong", posted.headers, posted.body)
    stale = {**posted.headers, "X-Govplus-Timestamp": str(int(posted.headers["X-Govplus-Timestamp"]) - 301)}
    with pytest.raises(ValueError):
        webhook_verified(receiver.secrets["/all"], stale, posted.body)

    evidence = ExchangeEvidence.objects.get(operation="webhook")
    assert evidence.record_count == 2 and evidence.consumer == exchange.consumer.application.client_id
    assert evidence.request_hash == hashlib.sha256(posted.body).hexdigest()
    assert evidence.response_hash == hashlib.sha256(b"ok").hexdigest()
    assert evidence.purpose == "社保待遇资格审核" and evidence.fields == ["address", "id_number", "name"]
    subscription.refresh_from_db()
    assert subscription.delivered_version == counts.version_to and subscription.last_delivered_at is not None

    deliver(now=timezone.now() + dt.timedelta(hours=1))  # nothing is delivered twice
    assert len(receiver.received) == 1
    records_write(exchange.population, ROWS)  # nothing changed: nothing is pushed
    deliver()
    assert len(receiver.received) == 1


def test_a_key_set_subscription_gets_only_its_keys_and_their_deletion(exchange, receiver):
    granted(exchange, ["name"], unmasked=[])
    zhang_only = subscribe(exchange, receiver, "/zhang", keys=[ZHANG])
    assert zhang_only.key_hashes == [record_key_hash(ZHANG)]
    assert ZHANG not in json.dumps(zhang_only.key_hashes)
    records_write(exchange.population, [ROWS[1]])  # only 李四
    deliver()
    assert receiver.received == []

    records_write(exchange.population, [{**ROWS[0], "name": "张叁"}, {**ROWS[1], "name": "李肆"}])
    deliver()
    assert [r.path for r in receiver.verified()] == ["/zhang"]
    changed = receiver.verified()[0].payload["changed"]  # type: ignore[index]
    assert changed == [{"key": ZHANG, "version": changed[0]["version"], "deleted": False, "values": {"name": "张叁"}}]

    records_write(exchange.population, [{**ROWS[1], "name": "李四"}], replace_all=True)  # 张三 removed
    deliver()
    tombstone = receiver.verified()[-1].payload["changed"]  # type: ignore[index]
    assert len(receiver.verified()) == 2
    assert [(r["deleted"], r["values"]) for r in tombstone] == [(True, None)]


def test_a_failing_endpoint_is_retried_with_the_same_event_id_then_paused_and_its_officer_told(
    exchange, receiver, settings
):
    settings.GOVPLUS_WEBHOOK_PAUSE_AFTER = 3
    settings.GOVPLUS_EVENTS_RETRY_SECONDS = 30
    granted(exchange, ["name"], unmasked=[])
    subscription = subscribe(exchange, receiver, "/down")
    receiver.status = 500
    counts = records_write(exchange.population, ROWS)
    deliver()
    assert len(receiver.received) == 1
    subscription.refresh_from_db()
    assert (subscription.status, subscription.consecutive_failures, subscription.last_error) == (
        "active",
        1,
        "HTTP 500",
    )
    delivery = EventDelivery.objects.get(handler=DELIVER_HANDLER)
    assert (delivery.status, delivery.attempts) == ("pending", 1)

    deliver()  # not yet due: the backoff holds it
    assert len(receiver.received) == 1
    for attempt in (2, 3):
        delivery.refresh_from_db()
        deliver(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
        assert len(receiver.received) == attempt
    event_ids = {r.headers["X-Govplus-Event-Id"] for r in receiver.received}
    assert len(event_ids) == 1 and {r.payload["event_id"] for r in receiver.verified()} == {int(*event_ids)}  # type: ignore[index]

    subscription.refresh_from_db()
    assert subscription.status == "paused" and subscription.paused_at is not None
    assert subscription.consecutive_failures == 3 and subscription.last_error == "HTTP 500"
    told = Notification.objects.get(recipient=exchange.consumer_officer)
    assert told.title == "数据订阅已暂停：户籍人口" and "连续 3 次失败（HTTP 500）" in told.body
    assert told.link == "/staff/exchange/subscriptions" and "paused" in told.body_en
    assert AuditEntry.objects.filter(action="exchange.subscription_pause", actor=None).exists()
    assert ExchangeEvidence.objects.filter(operation="webhook-failed").count() == 3
    assert not ExchangeEvidence.objects.filter(operation="webhook").exists()

    delivery.refresh_from_db()  # the paused subscription's queued delivery ends without a request
    deliver(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    assert len(receiver.received) == 3

    receiver.status = 204
    subscription_resume(actor=exchange.consumer_officer, subscription_id=subscription.pk)
    deliver()
    caught_up = receiver.received[-1]
    assert len(receiver.received) == 4 and caught_up.payload is not None
    assert (caught_up.payload["version_from"], caught_up.payload["version_to"]) == (
        counts.version_from,
        counts.version_to,
    )
    assert {r["values"]["name"] for r in caught_up.payload["changed"]} == {"张三", "李四"}
    subscription.refresh_from_db()
    assert (subscription.status, subscription.consecutive_failures, subscription.delivered_version) == (
        "active",
        0,
        counts.version_to,
    )
    assert ExchangeEvidence.objects.filter(operation="webhook").count() == 1


def test_an_unreachable_endpoint_counts_as_a_failure(exchange, receiver):
    granted(exchange, ["name"], unmasked=[])
    subscription = subscribe(exchange, receiver, "/gone")
    Subscription.objects.filter(pk=subscription.pk).update(endpoint_url="http://127.0.0.1:9/gone")  # discard port
    records_write(exchange.population, ROWS)
    deliver()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1 and subscription.last_error.startswith("网络错误 / network error")
    assert not ExchangeEvidence.objects.filter(operation__startswith="webhook").exists()  # nothing was answered


def test_a_withdrawn_grant_stops_the_pushes(exchange, receiver):
    grant = granted(exchange, ["name"], unmasked=[])
    subscription = subscribe(exchange, receiver, "/all")
    grant_withdraw(actor=exchange.provider_officer, grant_id=grant.pk, reason="系统未通过安全评估")
    records_write(exchange.population, ROWS)
    deliver()
    assert receiver.received == []
    assert set(EventDelivery.objects.filter(handler=DELIVER_HANDLER).values_list("status", flat=True)) == {"delivered"}
    subscription_pause(actor=exchange.consumer_officer, subscription_id=subscription.pk)
    resumed = client_for(exchange.consumer_officer).post(f"{API}/subscriptions/{subscription.pk}/resume")
    assert resumed.status_code == 422 and "resource" in resumed.json()["fields"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_creates_lists_pauses_resumes_and_deletes_and_shows_the_secret_once(exchange, receiver):
    granted(exchange, ["name"], unmasked=[])
    officer = client_for(exchange.consumer_officer)
    body = {
        "resource": exchange.population.code,
        "consumer": exchange.consumer.application.client_id,
        "endpoint_url": receiver.url("/api"),
        "keys": [ZHANG],
    }
    created = officer.post(f"{API}/subscriptions", body, content_type="application/json")
    assert created.status_code == 201, created.content
    made = created.json()
    assert made["secret"].startswith("whsec_") and made["key_count"] == 1 and not made["covers_all_records"]
    stored = Subscription.objects.get()
    assert made["secret"] not in stored.secret_encrypted
    assert ZHANG not in json.dumps(AuditEntry.objects.filter(action="exchange.subscription_create").get().changes)

    listed = officer.get(f"{API}/subscriptions").json()
    assert [s["id"] for s in listed] == [made["id"]] and "secret" not in listed[0]
    paused = officer.post(f"{API}/subscriptions/{made['id']}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert officer.post(f"{API}/subscriptions/{made['id']}/pause").status_code == 409
    assert officer.post(f"{API}/subscriptions/{made['id']}/resume").json()["status"] == "active"
    assert officer.post(f"{API}/subscriptions/{made['id']}/resume").status_code == 409
    # the provider's officer neither sees nor touches the consumer's subscription
    provider = client_for(exchange.provider_officer)
    assert provider.get(f"{API}/subscriptions").json() == []
    assert provider.post(f"{API}/subscriptions/{made['id']}/pause").status_code == 404
    assert provider.delete(f"{API}/subscriptions/{made['id']}").status_code == 404
    assert officer.delete(f"{API}/subscriptions/{made['id']}").status_code == 204
    assert not Subscription.objects.exists()
    assert {"exchange.subscription_pause", "exchange.subscription_resume", "exchange.subscription_delete"} <= set(
        AuditEntry.objects.filter(actor=exchange.consumer_officer).values_list("action", flat=True)
    )


def test_bad_subscriptions_are_refused_naming_the_field_and_nothing_is_written(exchange, receiver):
    officer = client_for(exchange.consumer_officer)
    body = {
        "resource": exchange.population.code,
        "consumer": exchange.consumer.application.client_id,
        "endpoint_url": "http://rsj.example.gov.cn/hook",
        "keys": [" "],
    }
    refused = officer.post(f"{API}/subscriptions", body, content_type="application/json")
    assert refused.status_code == 422
    fields = refused.json()["fields"]
    assert set(fields) == {"endpoint_url", "keys", "resource"}  # every problem at once
    assert "https" in fields["endpoint_url"][0] and "授权" in fields["resource"][0]
    granted(exchange, ["name"], unmasked=[])
    for url, problem in [
        ("ftp://rsj.example.gov.cn/hook", "完整"),
        ("https://user:pw@rsj.example.gov.cn/hook", "用户名"),
        ("https://[::1/hook", "格式"),
        ("", "请填写"),
    ]:
        answer = officer.post(f"{API}/subscriptions", {**body, "endpoint_url": url, "keys": None}, "application/json")
        assert answer.status_code == 422 and problem in answer.json()["fields"]["endpoint_url"][0], url
    too_many = [str(n) for n in range(1_001)]
    answer = officer.post(
        f"{API}/subscriptions",
        {**body, "endpoint_url": "https://rsj.example.gov.cn/h", "keys": too_many},
        "application/json",
    )
    assert answer.status_code == 422 and "keys" in answer.json()["fields"]
    unknown = officer.post(f"{API}/subscriptions", {**body, "resource": "NOPE", "consumer": "nope"}, "application/json")
    assert unknown.status_code == 422 and set(unknown.json()["fields"]) == {"resource", "consumer"}
    # another department's staff may not subscribe this department's system
    other = client_for(exchange.provider_officer).post(
        f"{API}/subscriptions",
        {**body, "endpoint_url": "https://gaj.example.gov.cn/h", "keys": None},
        "application/json",
    )
    assert other.status_code == 403 and "数据管理员" in other.json()["message"]
    assert not Subscription.objects.exists()
    assert not AuditEntry.objects.filter(action="exchange.subscription_create").exists()
    # a loopback receiver may use http (a receiver on the same machine); localhost too
    assert subscription_create(
        actor=exchange.consumer_officer,
        consumer=exchange.consumer,
        resource=exchange.population,
        endpoint_url="http://localhost:8080/hook",
    )[0].covers_all_records


def test_the_staff_page_lists_creates_shows_the_secret_once_and_resumes(exchange, receiver, settings):
    settings.GOVPLUS_WEBHOOK_PAUSE_AFTER = 1
    grant = granted(exchange, ["name"], unmasked=[])
    officer = client_for(exchange.consumer_officer)
    page = officer.get("/staff/exchange/subscriptions")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'label for="endpoint_url"' in html and f'value="{grant.pk}"' in html and "还没有变更订阅" in html
    bad = officer.post("/staff/exchange/subscriptions", {"grant": grant.pk, "endpoint_url": "http://x.example/h"})
    assert bad.status_code == 422 and 'aria-describedby="endpoint_url-error"' in bad.content.decode()
    made = officer.post(
        "/staff/exchange/subscriptions",
        {"grant": grant.pk, "endpoint_url": receiver.url("/page"), "scope": "keys", "keys": f"{ZHANG}\n{LI}\n"},
    )
    assert made.status_code == 200
    subscription = Subscription.objects.get()
    secret = re.search(r'data-testid="new-secret".*?<dd class="mono">(whsec_[^<]+)</dd>', made.content.decode(), re.S)
    assert secret is not None and len(subscription.key_hashes) == 2
    assert secret.group(1) not in officer.get("/staff/exchange/subscriptions").content.decode()  # shown once
    receiver.secrets["/page"] = secret.group(1)

    receiver.status = 503
    records_write(exchange.population, ROWS)
    deliver()
    assert receiver.received[0].payload is not None  # the page's secret signs the webhooks
    listing = officer.get("/staff/exchange/subscriptions").content.decode()
    assert "已暂停" in listing and "HTTP 503" in listing and "恢复推送" in listing
    receiver.status = 200
    resumed = officer.post(f"/staff/exchange/subscriptions/{subscription.pk}/resume")
    assert resumed.status_code == 302
    deliver()
    subscription.refresh_from_db()
    assert subscription.status == "active" and len(receiver.verified()) == 2
    english = client_for(exchange.consumer_officer)
    english.cookies["django_language"] = "en"
    assert english.get("/staff/exchange/subscriptions").status_code == 200
    assert (
        client_for(exchange.provider_officer).post(f"/staff/exchange/subscriptions/{subscription.pk}/pause").status_code
        == 302
    )
    subscription.refresh_from_db()
    assert subscription.status == "active"  # the provider cannot pause the consumer's subscription


def test_a_write_that_changed_records_announces_it_once_with_the_changed_keys(exchange):
    before = set(OutboxEvent.objects.filter(name="exchange.records_changed").values_list("pk", flat=True))
    counts = records_write(exchange.population, ROWS)
    records_write(exchange.population, ROWS)  # unchanged: no event
    events = list(OutboxEvent.objects.filter(name="exchange.records_changed").exclude(pk__in=before))
    assert [e.payload for e in events] == [
        {
            "resource_code": exchange.population.code,
            "version_from": counts.version_from,
            "version_to": counts.version_to,
            "changed": "keys",
            "changed_key_hashes": sorted([record_key_hash(ZHANG), record_key_hash(LI)]),
        }
    ]
    many = [{"code": f"P{n:04d}", "name": f"派出所{n}"} for n in range(1_001)]
    records_write(exchange.open_table, many)
    big = OutboxEvent.objects.filter(name="exchange.records_changed").order_by("-pk").first()
    assert big is not None and big.payload["changed"] == "all" and "changed_key_hashes" not in big.payload
    assert big.payload["version_to"] - big.payload["version_from"] == 1_001


def test_a_large_change_comes_as_consecutive_webhooks_of_at_most_a_page(exchange, receiver):
    today = timezone.localdate()
    share_request_create(  # 无条件共享: granted at once
        actor=exchange.consumer_officer,
        resource=exchange.open_table,
        consumer=exchange.consumer,
        purpose="办事指引",
        legal_basis="《政务信息资源共享管理暂行办法》",
        fields=["code", "name"],
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )
    _subscription, secret = subscription_create(
        actor=exchange.consumer_officer,
        consumer=exchange.consumer,
        resource=exchange.open_table,
        endpoint_url=receiver.url("/table"),
    )
    receiver.secrets["/table"] = secret
    counts = records_write(exchange.open_table, [{"code": f"P{n:04d}", "name": f"派出所{n}"} for n in range(PAGE + 1)])
    deliver()
    first, second = (r.payload for r in receiver.verified())
    assert first is not None and second is not None and len(receiver.received) == 2
    assert (len(first["changed"]), first["has_more"]) == (PAGE, True)
    assert (second["version_from"], second["version_to"], second["has_more"]) == (
        first["version_to"],
        counts.version_to,
        False,
    )
    assert [r["key"] for r in second["changed"]] == [f"P{PAGE:04d}"]  # the key field is granted in clear
    assert first["event_id"] != second["event_id"]
