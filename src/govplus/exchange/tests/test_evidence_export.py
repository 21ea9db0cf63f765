"""Evidence exports from a real log, checked by the standalone verifier run as an auditor runs it: with
an isolated Python (`-I`) that cannot import govplus, and the keys fetched from the platform's JWKS."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from jwcrypto.jwk import JWK

from govplus.core.models import AuditEntry
from govplus.exchange.evidence import evidence_record
from govplus.exchange.tests.test_tree_heads import client_for, lookup, supervisor  # noqa: F401 - fixture

VERIFIER = Path(__file__).resolve().parents[4] / "docs" / "verifier" / "verify_exchange_evidence.py"
API = "/api/v1/exchange/evidence"


def verify(tmp_path: Path, document: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-I", str(VERIFIER), str(path), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # nowhere near the source tree: the script must stand alone
    )


@pytest.fixture
def logged(exchange):
    entries = [lookup(exchange, n) for n in range(6)]
    other = exchange.county.departments["swj"]
    # an exchange of two other departments, which a data officer of 人社局 or 公安局 must not get
    evidence_record(
        consumer="swj-system",
        consumer_department=other.code,
        operation="lookup",
        resource_code="330521-SWJ-0001",
        purpose="纳税信用评价",
        fields=["name"],
        record_count=2,
        request="q",
        response="r",
    )
    return entries


def test_an_auditor_verifies_an_export_offline_and_a_changed_byte_is_found(logged, exchange, tmp_path, client):
    response = client_for(exchange.consumer_officer).get(
        f"{API}/export", {"from": str(timezone.localdate()), "to": str(timezone.localdate())}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="exchange-evidence-')
    document = response.json()
    assert document["format"] == "govplus-exchange-evidence-v1"
    assert [e["evidence_id"] for e in document["entries"]] == [e.evidence_id for e in logged]  # not 税务局's
    assert document["tree_head"]["tree_size"] == 7
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(client.get("/o/.well-known/jwks.json").content)  # fetched independently

    good = verify(tmp_path, document, "--jwks", str(jwks_file))
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("OK   entry") == 6 and "6 of 6 entries verified" in good.stdout
    assert "independently fetched" in good.stdout
    assert verify(tmp_path, document).returncode == 0  # with the export's own keys, said to be weaker
    assert "inside the export" in verify(tmp_path, document).stdout

    # one byte of one entry changed: found, and the entry named
    altered = json.loads(json.dumps(document))
    victim = altered["entries"][2]
    assert '"record_count":1' in victim["canonical"]
    victim["canonical"] = victim["canonical"].replace('"record_count":1', '"record_count":7')
    result = verify(tmp_path, altered, "--jwks", str(jwks_file))
    assert result.returncode == 1
    assert f"FAIL entry {victim['evidence_id']} (leaf 2)" in result.stdout and "5 of 6" in result.stdout
    # … also when the forger recomputes the leaf hash: the proof no longer reaches the signed root
    victim["leaf_hash"] = hashlib.sha256(b"\x00" + victim["canonical"].encode()).hexdigest()
    result = verify(tmp_path, altered, "--jwks", str(jwks_file))
    assert result.returncode == 1 and "inclusion proof fails" in result.stdout

    # the signature changed: the head is refused
    forged = json.loads(json.dumps(document))
    header, payload, signature = forged["tree_head"]["jws"].split(".")
    forged["tree_head"]["jws"] = (
        f"{header}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"
    )
    result = verify(tmp_path, forged, "--jwks", str(jwks_file))
    assert result.returncode == 1 and "FAIL tree head" in result.stdout and "signature does not verify" in result.stdout

    # a head that claims a bigger root in the export than the one signed: refused
    claimed = json.loads(json.dumps(document))
    claimed["tree_head"]["tree_size"] = 8
    assert verify(tmp_path, claimed, "--jwks", str(jwks_file)).returncode == 1

    # keys from somewhere else (not the platform's): refused
    stranger = tmp_path / "stranger.json"
    key = JWK.generate(kty="RSA", size=2048)
    stranger.write_text(
        json.dumps({"keys": [{**key.export_public(as_dict=True), "kid": document["tree_head"]["kid"]}]})
    )
    assert verify(tmp_path, document, "--jwks", str(stranger)).returncode == 1

    assert AuditEntry.objects.filter(action="exchange.evidence_export", actor=exchange.consumer_officer).exists()


def test_one_exchange_is_exported_with_its_proof(logged, supervisor, tmp_path):  # noqa: F811
    entry = logged[4]
    response = client_for(supervisor).get(f"{API}/export", {"evidence_id": entry.evidence_id})
    assert response.status_code == 200
    document = response.json()
    assert [e["leaf_index"] for e in document["entries"]] == [4]
    assert verify(tmp_path, document).returncode == 0
    audit = AuditEntry.objects.get(action="exchange.evidence_export", actor=supervisor)
    assert audit.object_id == entry.evidence_id and audit.changes["entries"] == 1


def test_who_may_export_and_bad_periods(logged, exchange, county):
    today = str(timezone.localdate())
    assert Client().get(f"{API}/export", {"from": today, "to": today}).status_code == 401
    assert client_for(exchange.clerk).get(f"{API}/export", {"from": today, "to": today}).status_code == 403
    officer = client_for(exchange.provider_officer)  # 公安局 provides the resource: it sees the six
    response = officer.get(f"{API}/export", {"from": today, "to": today, "resource": exchange.population.code})
    assert response.status_code == 200 and len(response.json()["entries"]) == 6
    backwards = officer.get(f"{API}/export", {"from": today, "to": str(timezone.localdate() - dt.timedelta(days=1))})
    assert backwards.status_code == 422 and "to" in backwards.json()["fields"]
    missing = officer.get(f"{API}/export", {"to": today})
    assert missing.status_code == 422 and "from" in missing.json()["fields"]
    not_a_day = officer.get(f"{API}/export", {"from": "yesterday", "to": today})
    assert not_a_day.status_code == 422 and "from" in json.dumps(not_a_day.json()["fields"])
    last_year = officer.get(f"{API}/export", {"from": "2020-01-01", "to": "2020-12-31"})
    assert last_year.status_code == 404


def test_the_command_writes_an_export_the_verifier_accepts(logged, tmp_path):
    out = StringIO()
    today = str(timezone.localdate())
    call_command(
        "exchange_evidence_export", "--from", today, "--to", today, "--resource", "330521-GAJ-0001", stdout=out
    )
    document = json.loads(out.getvalue())
    assert len(document["entries"]) == 6
    result = verify(tmp_path, document)
    assert result.returncode == 0, result.stdout
    assert AuditEntry.objects.filter(action="exchange.evidence_export", actor=None).exists()
    with pytest.raises(CommandError, match="from"):
        call_command("exchange_evidence_export", "--to", today, stdout=StringIO())


PAGE = "/staff/exchange/evidence"


def test_a_data_officer_downloads_an_entry_and_a_period_from_the_evidence_page(logged, exchange, tmp_path):
    officer = client_for(exchange.consumer_officer)  # 人社局's data officer: its six lookups, not 税务局's
    page = officer.get(PAGE)
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="evidence-entries"' in text
    assert all(e.evidence_id in text for e in logged) and "330521-SWJ-0001" not in text
    entry = logged[2]
    assert f"{PAGE}/export?evidence_id={entry.evidence_id}" in text

    one = officer.get(f"{PAGE}/export", {"evidence_id": entry.evidence_id})
    assert one.status_code == 200 and one["Content-Type"].startswith("application/json")
    assert one["Content-Disposition"] == f'attachment; filename="exchange-evidence-{entry.evidence_id}.json"'
    document = json.loads(one.content)
    assert [e["evidence_id"] for e in document["entries"]] == [entry.evidence_id]
    checked = verify(tmp_path, document)
    assert checked.returncode == 0 and "1 of 1 entries verified" in checked.stdout, checked.stdout

    today = timezone.localdate()
    period = officer.get(f"{PAGE}/export", {"from": str(today - dt.timedelta(days=2)), "to": str(today)})
    assert period.status_code == 200
    name = f"exchange-evidence-{today - dt.timedelta(days=2)}_{today}.json"
    assert period["Content-Disposition"] == f'attachment; filename="{name}"'
    document = json.loads(period.content)
    assert [e["evidence_id"] for e in document["entries"]] == [e.evidence_id for e in logged]
    checked = verify(tmp_path, document)
    assert checked.returncode == 0 and "6 of 6 entries verified" in checked.stdout, checked.stdout
    audited = AuditEntry.objects.filter(action="exchange.evidence_export", actor=exchange.consumer_officer)
    assert sorted(a.changes["entries"] for a in audited) == [1, 6]


def test_the_evidence_page_names_a_bad_period_and_refuses_who_may_not_export(logged, exchange, monkeypatch):
    officer = client_for(exchange.consumer_officer)
    today = timezone.localdate()
    not_a_day = officer.get(f"{PAGE}/export", {"from": "12/01/2026", "to": str(today)})
    text = not_a_day.content.decode()
    assert not_a_day.status_code == 422 and 'id="from-error"' in text and "YYYY-MM-DD" in text
    assert "Content-Disposition" not in not_a_day
    backwards = officer.get(f"{PAGE}/export", {"from": str(today), "to": str(today - dt.timedelta(days=1))})
    assert backwards.status_code == 422 and "结束日期早于开始日期" in backwards.content.decode()
    missing = officer.get(f"{PAGE}/export", {"to": str(today)})
    assert missing.status_code == 422 and "须给出开始日期" in missing.content.decode()
    empty = officer.get(f"{PAGE}/export", {"from": "2020-01-01", "to": "2020-12-31"})
    assert empty.status_code == 404 and "没有符合条件的交换存证" in empty.content.decode()
    # too many entries for one file: the page asks for a shorter period, as the API does
    from govplus.exchange import evidence_export

    monkeypatch.setattr(evidence_export, "EXPORT_MAX_ENTRIES", 3)  # the bound, not the code, made small
    too_many = officer.get(f"{PAGE}/export", {"from": str(today), "to": str(today)})
    assert too_many.status_code == 422 and "请缩短时段" in too_many.content.decode()
    # another department's exchange is not there for this officer
    other = evidence_export.ExchangeEvidence.objects.get(resource_code="330521-SWJ-0001")
    assert officer.get(f"{PAGE}/export", {"evidence_id": other.evidence_id}).status_code == 404
    # a clerk (no data role) gets neither the page's list nor a file
    clerk = client_for(exchange.clerk)
    refused = clerk.get(f"{PAGE}/export", {"evidence_id": logged[0].evidence_id})
    assert refused.status_code == 403 and "Content-Disposition" not in refused
    assert clerk.get(PAGE).status_code == 403
    assert Client().get(f"{PAGE}/export", {"evidence_id": logged[0].evidence_id}).status_code == 302  # sign in
