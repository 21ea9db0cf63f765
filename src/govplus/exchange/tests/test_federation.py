"""Two govplus nodes on loopback — this test's county (the live server, the test database) and 湖州市 (its
own process and SQLite database, peer_node.py) — register each other, and the county's department
reads the city's catalogue and asks for its resources through signed node-to-node calls."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from govplus.core.errors import ValidationFailed
from govplus.core.models import AuditEntry
from govplus.exchange.federation import NODE_API, RemoteRefused, node_call, node_register, remote_request_create
from govplus.exchange.models import Node
from govplus.exchange.node_keys import node_call_sign

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[4]
PEER_COMMAND = [sys.executable, "-m", "govplus.exchange.tests.peer_node"]


@dataclass
class Peer:
    url: str
    thumbprint: str
    process: subprocess.Popen[str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def county_node_code() -> Iterator[str]:
    before = settings.GOVPLUS_NODE_CODE
    settings.GOVPLUS_NODE_CODE = "330521"
    yield "330521"
    settings.GOVPLUS_NODE_CODE = before


@pytest.fixture(scope="module")
def peer(live_server, county_node_code, tmp_path_factory) -> Iterator[Peer]:
    port, var = _free_port(), tmp_path_factory.mktemp("huzhou")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}
    process = subprocess.Popen(
        [*PEER_COMMAND, "--port", str(port), "--var", str(var), "--peer", live_server.url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        thumbprint, output = "", []
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("READY "):
                thumbprint = line.split()[1]
                break
        assert thumbprint, "the peer node did not start:\n" + "".join(output[-40:])
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(url + NODE_API, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield Peer(url, thumbprint, process)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _year() -> tuple[dt.date, dt.date]:
    today = dt.date.today()
    return today, today + dt.timedelta(days=365)


def test_two_nodes_register_each_other_and_the_county_asks_for_city_resources(exchange, peer):
    with pytest.raises(ValidationFailed) as mismatch:
        node_register(actor=None, url=peer.url, thumbprint="0" * 64)
    assert "thumbprint" in mismatch.value.fields
    node = node_register(actor=None, url=peer.url, thumbprint=peer.thumbprint)
    assert (node.code, node.level, node.name, node.thumbprint) == ("330500", "city", "湖州市", peer.thumbprint)
    assert AuditEntry.objects.filter(action="exchange.node_register", object_id="330500").exists()

    # the city's catalogue, read with a signed call: resources and fields, never a record
    catalogue = node_call(node, "GET", f"{NODE_API}/resources")
    assert [r["code"] for r in catalogue] == ["330500-GAJ-0001", "330500-GAJ-0002"]
    assert [f["name"] for f in catalogue[1]["fields"]] == ["code", "name", "phone"]
    assert "王五" not in str(catalogue)

    start, end = _year()
    granted = remote_request_create(
        actor=exchange.consumer_officer,
        node=node,
        resource_code="330500-GAJ-0002",
        consumer=exchange.consumer,
        purpose="办理户籍迁移时核对辖区派出所",
        legal_basis="《户口登记条例》",
        fields=["code", "name"],
        valid_from=start,
        valid_until=end,
    )
    assert (granted.status, granted.granted_fields) == ("granted", ["code", "name"])
    pending = remote_request_create(
        actor=exchange.consumer_officer,
        node=node,
        resource_code="330500-GAJ-0001",
        consumer=exchange.consumer,
        purpose="社保待遇资格认证",
        legal_basis="《社会保险法》第七十二条",
        fields=["name"],
        valid_from=start,
        valid_until=end,
    )
    assert pending.status == "pending" and pending.number.startswith("GX-")
    assert AuditEntry.objects.filter(action="exchange.remote_request_create").count() == 2

    # the city refuses a field it does not have: its message comes back, naming the field, nothing mirrored
    with pytest.raises(RemoteRefused) as refused:
        remote_request_create(
            actor=exchange.consumer_officer,
            node=node,
            resource_code="330500-GAJ-0002",
            consumer=exchange.consumer,
            purpose="核对",
            legal_basis="《户口登记条例》",
            fields=["fax"],
            valid_from=start,
            valid_until=end,
        )
    assert refused.value.status == 422 and "fields" in refused.value.fields
    assert "fax" in refused.value.fields["fields"][0]


def test_the_peer_refuses_unsigned_tampered_replayed_and_misaddressed_calls(exchange, peer):
    node_register(actor=None, url=peer.url, thumbprint=peer.thumbprint)
    path = f"{NODE_API}/resources"
    assert httpx.get(peer.url + path).status_code == 401

    signed = node_call_sign(issuer="330521", audience="330500", method="GET", path=path, body=b"")
    assert httpx.get(peer.url + path, headers={"Authorization": signed}).status_code == 200
    replayed = httpx.get(peer.url + path, headers={"Authorization": signed})
    assert replayed.status_code == 401 and replayed.json()["message_en"] == "the call was replayed"

    other_body = node_call_sign(
        issuer="330521", audience="330500", method="POST", path=f"{NODE_API}/requests", body=b"{}"
    )
    tampered = httpx.post(peer.url + f"{NODE_API}/requests", content=b'{"a":1}', headers={"Authorization": other_body})
    assert tampered.status_code == 401 and tampered.json()["message_en"] == "the signature is for another body"

    elsewhere = node_call_sign(issuer="330521", audience="331100", method="GET", path=path, body=b"")
    misaddressed = httpx.get(peer.url + path, headers={"Authorization": elsewhere})
    assert misaddressed.status_code == 401 and "another node" in misaddressed.json()["message_en"]

    stranger = node_call_sign(issuer="330999", audience="330500", method="GET", path=path, body=b"")
    unknown = httpx.get(peer.url + path, headers={"Authorization": stranger})
    assert unknown.status_code == 401 and "not a node registered here" in unknown.json()["message_en"]
    assert Node.objects.count() == 1


def test_the_node_command_shows_this_node_and_says_why_a_register_failed(capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("exchange_node", "show")
    out = capsys.readouterr().out
    assert "county" in out and "密钥指纹 / key thumbprint:" in out
    with pytest.raises(CommandError, match="无法读取对方节点信息"):
        call_command("exchange_node", "register", f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(CommandError, match="url"):
        call_command("exchange_node", "register", "ftp://nowhere")
    call_command("exchange_node", "list")
    assert capsys.readouterr().out == ""


def test_the_pages_register_the_city_show_its_catalogue_and_ask_for_a_resource(exchange, peer, client):
    from django.urls import reverse

    from govplus.identity.models import Role
    from govplus.identity.services import staff_create

    admin = staff_create(
        actor=None,
        username="platform_admin",
        password="Pw#12345678",
        display_name="平台管理员",
        roles=[(exchange.county.departments["gaj"], Role.PLATFORM_ADMIN)],
    )
    client.force_login(admin)
    page = client.get(reverse("portal:exchange_nodes"))
    assert page.status_code == 200 and "<h2>登记节点</h2>" in page.content.decode()
    wrong = client.post(reverse("portal:exchange_nodes"), {"url": peer.url, "thumbprint": "f" * 64})
    assert wrong.status_code == 422 and "密钥指纹不符" in wrong.content.decode()
    assert not Node.objects.exists()
    done = client.post(reverse("portal:exchange_nodes"), {"url": peer.url, "thumbprint": peer.thumbprint})
    assert done.status_code == 303 and Node.objects.get().code == "330500"

    client.force_login(exchange.consumer_officer)  # a data officer: no register form, the catalogue, the form
    listing = client.get(reverse("portal:exchange_nodes")).content.decode()
    assert "湖州市（330500）" in listing and "<h2>登记节点</h2>" not in listing
    catalogue = client.get(reverse("portal:exchange_node", args=["330500"])).content.decode()
    assert "派出所名录" in catalogue and "330500-GAJ-0002" in catalogue and "王五" not in catalogue
    form_url = reverse("portal:exchange_node_request_new", args=["330500", "330500-GAJ-0002"])
    assert "社保待遇审核系统" in client.get(form_url).content.decode()
    start, end = _year()
    bad = client.post(form_url, {"consumer": "nope", "purpose": "x", "legal_basis": "y", "fields": ["code"]})
    assert bad.status_code == 422 and "请选择本部门的接入系统" in bad.content.decode()
    asked = client.post(
        form_url,
        {
            "consumer": exchange.consumer.application.client_id,
            "purpose": "核对辖区派出所",
            "legal_basis": "《户口登记条例》",
            "fields": ["code", "name"],
            "valid_from": start.isoformat(),
            "valid_until": end.isoformat(),
        },
    )
    assert asked.status_code == 303
    listing = client.get(reverse("portal:exchange_nodes")).content.decode()
    assert "派出所名录" in listing and "已授权" in listing
    assert client.get(reverse("portal:exchange_node", args=["330599"])).status_code == 404


def test_a_county_system_reads_city_data_through_its_gateway_and_both_nodes_prove_it(exchange, peer, live_server):
    from urllib.parse import quote

    from authlib.integrations.requests_client import OAuth2Session

    from govplus.exchange.federation import node_tree_head_audit, peer_evidence_check
    from govplus.exchange.models import ExchangeEvidence

    node = node_register(actor=None, url=peer.url, thumbprint=peer.thumbprint)
    start, end = _year()
    for code, fields in (("330500-GAJ-0002", ["code", "name"]), ("330500-GAJ-0001", ["name"])):
        remote_request_create(
            actor=exchange.consumer_officer,
            node=node,
            resource_code=code,
            consumer=exchange.consumer,
            purpose="核对",
            legal_basis="《户口登记条例》",
            fields=fields,
            valid_from=start,
            valid_until=end,
        )
    client_id = exchange.consumer.application.client_id
    with OAuth2Session(client_id, exchange.secret, scope="exchange") as session:
        token = session.fetch_token(live_server.url + "/o/token/", grant_type="client_credentials")["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": quote("核对辖区派出所")}
    gateway = f"{live_server.url}/api/v1/exchange/gateway/nodes/330500"

    answer = httpx.get(f"{gateway}/330500-GAJ-0002/records/PCS01", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["data"]["values"] == {"code": "PCS01", "name": "爱山派出所"}  # the phone was not granted
    own = ExchangeEvidence.objects.get(evidence_id=body["evidence_id"])
    assert (own.operation, own.resource_code, own.consumer) == ("remote-lookup", "330500:330500-GAJ-0002", client_id)
    proved = peer_evidence_check(node=node, evidence_id=own.evidence_id, peer_evidence_id=body["peer_evidence_id"])
    assert proved["valid"], proved
    assert proved["checks"] == {"signed_by_peer": True, "in_peer_log": True, "same_exchange": True}
    assert proved["peer_entry"]["consumer"] == f"330521:{client_id}"
    assert "爱山派出所" not in str(proved["peer_entry"])  # evidence, never the data

    # 户籍人口 is still waiting for the city's data officer: the city refuses, through the county's gateway
    refused = httpx.get(f"{gateway}/330500-GAJ-0001/records/330501199001011237", headers=headers)
    assert refused.status_code == 403 and refused.json()["message"].startswith("湖州市：")

    first = node_tree_head_audit(actor=None, node=node)
    assert first["valid"] and first["tree_size"] >= 1
    batch = httpx.post(f"{gateway}/330500-GAJ-0002/records:batch", json={"keys": ["PCS01", "PCS99"]}, headers=headers)
    assert batch.status_code == 200 and batch.json()["data"]["missing"] == ["PCS99"]
    second = node_tree_head_audit(actor=None, node=node)  # the peer signs a new head on request (peer_node.py)
    assert second["valid"] and second["tree_size"] > first["tree_size"]  # and it extends the first
    node.refresh_from_db()
    node.tree_head = {**node.tree_head, "root_hash": "00" * 32}  # what a rewritten history would look like
    node.save(update_fields=["tree_head"])
    same_size = node_tree_head_audit(actor=None, node=node)
    assert not same_size["valid"] and "another root for the same size" in same_size["problem"]
    assert httpx.get(f"{gateway}/330500-GAJ-0002/records/PCS01", headers=headers).status_code == 200
    forged = node_tree_head_audit(actor=None, node=node)  # grown since: the consistency proof cannot hold
    assert not forged["valid"] and "the log was rewritten" in forged["problem"]
    assert AuditEntry.objects.filter(action="exchange.node_tree_head_check", object_id="330500").count() == 4
