"""How fast licence credentials verify, how big a 亮证 code is, how long the status list takes to build.

    python bench/licence_presentation.py [--presentations 3000] [--sizes 10000,100000,1000000] [--cpu 1]

Uses its own scratch directory (GOVPLUS_VAR_DIR, default /tmp/govplus-licence-bench) and database
(DATABASE_URL, default a SQLite file there), migrated on start. The process is pinned to one core (`--cpu`),
so every figure is one core's. Prints one JSON line per measurement:

- `presentation_verify`: presentations (SD-JWT with 3 disclosures + KB-JWT, ES256 holder key) verified
  per second with the product's `presentation_verify`: each has its own nonce (the nonce store is the
  default cache, local memory here), the status comes from a prebuilt signed Token Status List through
  `status_list_lookup` (verified and inflated once, then looked up), the issuer key is cached after the
  first presentation. Wall and CPU time both.
- `show_token`: the 亮证 code's length in characters and its QR version at error level M, for a few
  choices of what to show; and `show_token_verify` per second.
- `status_list_build`: `status_list_token` over N entries (2% not valid, random) — encode, compress, sign;
  then the database path `status_list_current` on N licence rows (inserted with raw SQL first): cold (the
  stamp query, one query over the non-valid rows, the build) and warm (the stamp query and the cached token).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

SCRATCH = Path(os.environ.setdefault("GOVPLUS_VAR_DIR", "/tmp/govplus-licence-bench"))
SCRATCH.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'licence-bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from jwcrypto.jwk import JWK  # noqa: E402
from jwcrypto.jws import JWS  # noqa: E402

from govplus.identity.models import Department  # noqa: E402
from govplus.licences.credentials import credential_issue, disclosure_digest  # noqa: E402
from govplus.licences.document import FaceField, LicenceDocument  # noqa: E402
from govplus.licences.identifiers import licence_id_make  # noqa: E402
from govplus.licences.issuer_keys import issuer_jwks  # noqa: E402
from govplus.licences.models import Licence, LicenceType  # noqa: E402
from govplus.licences.presentation import presentation_verify  # noqa: E402
from govplus.licences.show import show_qr, show_token_issue, show_token_verify  # noqa: E402
from govplus.licences.status_list import status_list_current, status_list_lookup, status_list_token  # noqa: E402

ISSUER = "https://zwfw.zj.gov.cn"
STATUS_URI = ISSUER + "/api/v1/licences/status-list"
AUDIENCE = "https://bank.example.com"
TYPE_CODE = "11330000002482141E001"
ISSUER_CODE = "11330521002582345X"


def emit(**values: object) -> None:
    print(json.dumps(values, ensure_ascii=False), flush=True)


def document(status_index: int = 4097) -> LicenceDocument:
    today = timezone.localdate()
    return LicenceDocument(
        licence_id=licence_id_make(type_code=TYPE_CODE, issuer_code=ISSUER_CODE, serial=42),
        type_code=TYPE_CODE,
        type_name="食品经营许可证",
        type_name_en="Food business licence",
        holder_name="张三",
        holder_code="330521199005011234",
        holder_code_type="111",
        number="JY13305210012345",
        issuer_name="德清县市场监督管理局",
        issuer_code=ISSUER_CODE,
        issuer_department_id=1,
        issued_on=today - dt.timedelta(days=30),
        valid_from=today - dt.timedelta(days=30),
        valid_until=today + dt.timedelta(days=5 * 365),
        jurisdiction="330521",
        status="valid",
        status_index=status_index,
        origin="issued",
        verify_url=ISSUER + "/licences/verify/x",
        fields=(
            FaceField("address", "经营场所", "Premises", "浙江省湖州市德清县武康街道永安街 58 号", personal=True),
            FaceField("business_scope", "经营项目", "Business scope", "预包装食品销售（含冷藏冷冻食品）"),
        ),
        holder_birth_date=dt.date(1990, 5, 1),
    )


def presentation_of(credential: str, key: JWK, nonce: str, keep: tuple[int, ...]) -> str:
    jwt, *disclosures, _ = credential.split("~")
    body = "~".join([jwt, *(disclosures[i] for i in keep)]) + "~"
    payload = {"nonce": nonce, "aud": AUDIENCE, "iat": int(time.time()), "sd_hash": disclosure_digest(body)}
    jws = JWS(json.dumps(payload))
    jws.add_signature(key, alg="ES256", protected=json.dumps({"alg": "ES256", "typ": "kb+jwt"}))
    return body + jws.serialize(compact=True)


def rate(count: int, wall: float, cpu: float) -> dict[str, float]:
    return {"count": count, "per_second": round(count / wall, 1), "per_cpu_second": round(count / cpu, 1)}


def bench_presentations(count: int) -> None:
    key = JWK.generate(kty="EC", crv="P-256")
    now = timezone.now()
    credential = credential_issue(
        document(), holder_jwk=key.export_public(as_dict=True), issuer=ISSUER, status_uri=STATUS_URI, now=now
    )
    statuses = {i: random.choice((1, 2)) for i in random.sample(range(100_000), 2_000) if i != 4097}
    token = status_list_token(uri=STATUS_URI, statuses=statuses, size=100_352, now=now)
    keys = issuer_jwks()

    def lookup(uri: str, idx: int) -> int:
        return status_list_lookup(token, idx, keys, uri=uri, now=now)

    presentations = [presentation_of(credential, key, f"nonce-{i}", (2, 7, 8)) for i in range(count + 50)]
    for i in range(50):  # warm-up: the issuer key and the list are loaded here
        assert presentation_verify(
            presentations[i], nonce=f"nonce-{i}", audience=AUDIENCE, now=now, status_lookup=lookup
        ).valid
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(50, count + 50):
        result = presentation_verify(
            presentations[i], nonce=f"nonce-{i}", audience=AUDIENCE, now=timezone.now(), status_lookup=lookup
        )
        if not result.valid:
            raise SystemExit(f"presentation {i} refused: {result.refusal}")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    emit(measure="presentation_verify", length=len(presentations[50]), **rate(count, wall, cpu))


def bench_show(count: int) -> None:
    now = timezone.now()
    token = ""
    for disclose in (
        ["holder_name"],
        ["holder_name", "number"],
        ["age_over_18"],
        ["holder_name", "number", "face.business_scope"],
        ["holder_name", "number", "face.address", "face.business_scope"],
    ):
        token = show_token_issue(document(), disclose=disclose, now=now, issuer=ISSUER)
        qr = show_qr(token)
        emit(
            measure="show_token",
            disclose=disclose,
            length=len(token),
            qr_version=qr.version,
            qr_error=qr.error,
            qr_modules=qr.symbol_size(border=0)[0],
        )
    token = show_token_issue(document(), disclose=["holder_name", "number"], now=now, issuer=ISSUER)
    lookup_token = status_list_token(uri=STATUS_URI, statuses={}, size=16_384, now=now)
    keys = issuer_jwks()

    def lookup(uri: str, idx: int) -> int:
        return status_list_lookup(lookup_token, idx, keys, uri=uri, now=now)

    assert show_token_verify(token, now=now, status_lookup=lookup).valid
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        show_token_verify(token, now=now, status_lookup=lookup)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    emit(measure="show_token_verify", **rate(count, wall, cpu))


def _insert_licences(total: int) -> None:
    """Top the licence table up to `total` rows with raw SQL (2% not valid)."""
    have = Licence.objects.count()
    if have >= total:
        return
    department, _ = Department.objects.get_or_create(code="bench-scjgj", defaults={"name": "德清县市场监督管理局"})
    licence_type, _ = LicenceType.objects.get_or_create(
        code=TYPE_CODE,
        defaults={
            "name": "食品经营许可证",
            "defining_authority": "国家市场监督管理总局",
            "defining_authority_code": "11100000MB0143028R",
            "holder_kind": "business",
        },
    )
    fields = [f for f in Licence._meta.local_concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {Licence._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    today, now = timezone.localdate(), timezone.now()
    rng = random.Random(have)
    for start in range(have, total, 20_000):
        rows = []
        for i in range(start, min(total, start + 20_000)):
            status = "valid" if rng.random() >= 0.02 else rng.choice(("revoked", "suspended", "expired"))
            values = {
                "licence_id": f"bench.{i}",
                "licence_type": licence_type.pk,
                "issuer": department.pk,
                "issuer_name": department.name,
                "issuer_code": ISSUER_CODE,
                "holder": None,
                "holder_name_encrypted": "",
                "holder_code_encrypted": "",
                "holder_code_hash": "",
                "holder_code_type": "001",
                "number": f"JY{i:014d}",
                "issued_on": today,
                "valid_from": today,
                "valid_until": None,
                "jurisdiction": "330521",
                "face_encrypted": "",
                "status": status,
                "status_changed_at": now if status != "valid" else None,
                "origin": "issued",
                "application": None,
                "issued_for_event": None,
                "status_index": i,
                "digest": "0" * 64,
                "pdf_path": "",
                "pdf_digest": "",
                "created_at": now,
            }
            rows.append([f.get_db_prep_save(values[f.name], connection) for f in fields])
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def bench_status_lists(sizes: list[int]) -> None:
    now = timezone.now()
    for size in sizes:
        rng = random.Random(size)
        statuses = {i: rng.choice((1, 2)) for i in rng.sample(range(size), size // 50)}
        wall, cpu = time.perf_counter(), time.process_time()
        token = status_list_token(uri=STATUS_URI, statuses=statuses, size=size, now=now)
        emit(
            measure="status_list_build",
            source="memory",
            entries=size,
            not_valid=len(statuses),
            wall_ms=round((time.perf_counter() - wall) * 1000, 1),
            cpu_ms=round((time.process_time() - cpu) * 1000, 1),
            token_bytes=len(token),
        )
    for size in sizes:
        started = time.perf_counter()
        _insert_licences(size)
        inserted = time.perf_counter() - started
        caches["default"].clear()
        wall, cpu = time.perf_counter(), time.process_time()
        token = status_list_current(STATUS_URI, timezone.now())
        cold_wall, cold_cpu = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        assert status_list_current(STATUS_URI, timezone.now()) == token
        warm_wall, warm_cpu = time.perf_counter() - wall, time.process_time() - cpu
        emit(
            measure="status_list_build",
            source="database",
            vendor=connection.vendor,
            entries=size,
            insert_s=round(inserted, 1),
            cold_wall_ms=round(cold_wall * 1000, 1),
            cold_cpu_ms=round(cold_cpu * 1000, 1),
            warm_wall_ms=round(warm_wall * 1000, 1),
            warm_cpu_ms=round(warm_cpu * 1000, 1),
            token_bytes=len(token),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presentations", type=int, default=3000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--cpu", type=int, default=1, help="the core to pin to (-1: do not pin)")
    args = parser.parse_args()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    call_command("migrate", verbosity=0)
    bench_presentations(args.presentations)
    bench_show(args.presentations)
    bench_status_lists([int(s) for s in args.sizes.split(",") if s])


if __name__ == "__main__":
    main()
