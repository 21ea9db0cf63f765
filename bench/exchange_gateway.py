"""How fast the exchange gateway serves, against a bare authenticated ninja endpoint in the same run.

    python bench/exchange_gateway.py [--records 5000] [--lookups 2000] [--batches 20] [--appends 3000] [--profile]

Uses its own scratch directory (GOVPLUS_VAR_DIR, default /tmp/govplus-gateway-bench) and database
(DATABASE_URL, default a fresh SQLite file there), migrated on start; requests go through Django's test
client in this one process (the whole middleware stack, the API, authentication — no network, no web
server), with DEBUG off. Set-up (not timed): a provider department with a resource of `--records` people
(ID number, name, address), a consumer system with a grant on three fields (one masked), and an access
token from the token endpoint (client credentials). Then, in rounds that alternate so that both see the
same machine load:
- **bare**: `GET /bench/api/one/{pk}` — a ninja endpoint with the gateway's own token authentication
  that reads one record row and returns it (no grant, no decryption, no evidence);
- **lookup**: `GET /api/v1/exchange/gateway/<resource>/records/<key>` with purpose, case and consent;
- **batch**: `POST …/records:batch` with 1,000 keys;
- **append**: `evidence.evidence_record` alone, each in its own transaction (as the gateway calls it).
The shared cache (rate limit) is the in-process memory cache, standing in for Redis. Prints a human
summary and one JSON line: requests or entries per second, the lookup/bare ratio (target ≥ 0.5) and
the append rate (target ≥ 1,000/s). `--profile` prints a pyinstrument profile of the lookups.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

SCRATCH = Path(os.environ.setdefault("GOVPLUS_VAR_DIR", "/tmp/govplus-gateway-bench"))
SCRATCH.mkdir(parents=True, exist_ok=True)
DATABASE = SCRATCH / "gateway-bench.sqlite3"
if "DATABASE_URL" not in os.environ:
    DATABASE.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from ninja import NinjaAPI  # noqa: E402

from govplus.exchange import services  # noqa: E402
from govplus.exchange.api_gateway import CONSUMER_AUTH  # noqa: E402
from govplus.exchange.evidence import evidence_record  # noqa: E402
from govplus.exchange.models import Resource, ResourceField, ResourceRecord  # noqa: E402
from govplus.exchange.records import records_write  # noqa: E402
from govplus.identity.models import Department, Role  # noqa: E402
from govplus.identity.services import staff_create  # noqa: E402

bench_api = NinjaAPI(urls_namespace="bench-gateway", docs_url=None, openapi_url=None)


@bench_api.get("/one/{record_id}", auth=CONSUMER_AUTH)
def one_row(request: HttpRequest, record_id: int) -> Any:
    """The baseline: authenticated as the gateway authenticates, one row read, a small JSON answer."""
    row = ResourceRecord.objects.filter(pk=record_id).values("id", "version", "data_digest").first()
    return {"record": row}


urlpatterns = [path("bench/api/", bench_api.urls), path("", include("config.urls"))]


def id_number(index: int) -> str:
    return f"330521199{index:08d}X"[:18]


def set_up(records: int) -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    gaj = Department.objects.create(code="bench-gaj", name="公安局")
    rsj = Department.objects.create(code="bench-rsj", name="人社局")
    provider = staff_create(
        actor=None, username="bench_gaj", password="Pw#12345678", display_name="公安数据员",
        roles=[(gaj, Role.DEPARTMENT_ADMIN)],
    )  # fmt: skip
    officer = staff_create(
        actor=None, username="bench_rsj", password="Pw#12345678", display_name="人社数据员",
        roles=[(rsj, Role.DEPARTMENT_ADMIN)],
    )  # fmt: skip
    resource = Resource.objects.create(
        code="BENCH-GAJ-0001",
        name="户籍人口",
        provider=gaj,
        share_class=Resource.ShareClass.CONDITIONAL,
        update_cycle=Resource.UpdateCycle.DAILY,
        key_field="id_number",
    )
    for position, (name, label, sensitivity) in enumerate(
        [("id_number", "公民身份号码", 3), ("name", "姓名", 2), ("address", "住址", 3)]
    ):
        ResourceField.objects.create(
            resource=resource, position=position, name=name, label=label, sensitivity=sensitivity, is_personal=True
        )
    records_write(
        resource,
        ({"id_number": id_number(n), "name": f"居民{n}", "address": f"德清县武康街道{n}号"} for n in range(records)),
    )
    consumer, secret = services.consumer_system_create(
        actor=officer, department=rsj, name="基准系统", rate_per_minute=1_000_000_000
    )
    today = timezone.localdate()
    asked = services.share_request_create(
        actor=officer, resource=resource, consumer=consumer, purpose="基准", legal_basis="基准",
        fields=["id_number", "name", "address"], valid_from=today, valid_until=today + dt.timedelta(days=30),
    )  # fmt: skip
    services.share_request_decide(actor=provider, request_number=asked.number, grant=True, unmasked_fields=["address"])
    basic = base64.b64encode(f"{consumer.application.client_id}:{secret}".encode()).decode()
    answer = Client().post("/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert answer.status_code == 200, answer.content
    return {"resource": resource, "token": answer.json()["access_token"], "client_id": consumer.application.client_id}


CPU: dict[str, list[float]] = {}


def timed(function: Any, count: int) -> float:
    """Calls per second of wall time; calls per second of this process's CPU time go to `CPU` (on a
    shared machine the CPU figure does not depend on the other load)."""
    started, cpu = time.perf_counter(), time.process_time()
    for index in range(count):
        function(index)
    CPU.setdefault(function.__name__, []).append(count / max(1e-9, time.process_time() - cpu))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=5_000)
    parser.add_argument("--lookups", type=int, default=2_000, help="lookups (and bare calls) in all")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--appends", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    with override_settings(
        ROOT_URLCONF=__name__,
        DEBUG=False,
        CACHES={**settings.CACHES, "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    ):
        world = set_up(options.records)
        resource: Resource = world["resource"]
        http = Client(HTTP_AUTHORIZATION=f"Bearer {world['token']}")
        headers = {"HTTP_X_PURPOSE": "benchmark", "HTTP_X_CASE_NUMBER": "BENCH-1", "HTTP_X_CONSENT": "C-1"}
        ids = list(ResourceRecord.objects.filter(resource=resource).values_list("id", flat=True)[:1000])
        base = f"/api/v1/exchange/gateway/{resource.code}"

        def bare(index: int) -> None:
            answer = http.get(f"/bench/api/one/{ids[index % len(ids)]}")
            assert answer.status_code == 200, answer.content

        def lookup(index: int) -> None:
            answer = http.get(f"{base}/records/{id_number(index % options.records)}", **headers)
            assert answer.status_code == 200, answer.content

        keys = [id_number(n) for n in range(1000)]

        def batch(index: int) -> None:
            answer = http.post(f"{base}/records:batch", {"keys": keys}, content_type="application/json", **headers)
            assert answer.status_code == 200 and len(answer.json()["data"]["records"]) == 1000

        def append(index: int) -> None:
            with transaction.atomic():
                evidence_record(
                    consumer=world["client_id"],
                    consumer_department="bench-rsj",
                    operation="bench",
                    resource_code=resource.code,
                    purpose="benchmark",
                    fields=["id_number", "name"],
                    record_count=1,
                    request={"key": index},
                    response={"index": index},
                )

        for warm in (bare, lookup):  # connections, caches, the token's first verification
            timed(warm, 50)
        per_round = max(1, options.lookups // options.rounds)
        bare_rates, lookup_rates, append_rates = [], [], []
        for _ in range(options.rounds):
            bare_rates.append(timed(bare, per_round))
            lookup_rates.append(timed(lookup, per_round))
            append_rates.append(timed(append, max(1, options.appends // options.rounds)))
        batch_rate = timed(batch, options.batches)
        if options.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            timed(lookup, per_round)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    bare_rate, lookup_rate = statistics.median(bare_rates), statistics.median(lookup_rates)
    append_rate = statistics.median(append_rates)
    result = {
        "benchmark": "exchange_gateway",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "records": options.records,
        "bare_per_s": round(bare_rate, 1),
        "lookup_per_s": round(lookup_rate, 1),
        "lookup_vs_bare": round(lookup_rate / bare_rate, 3),
        "batch_1000_per_s": round(batch_rate, 2),
        "batch_records_per_s": round(batch_rate * 1000),
        "evidence_append_per_s": round(append_rate, 1),
        "per_cpu_s": {name: round(statistics.median(rates), 1) for name, rates in CPU.items()},
        "lookup_vs_bare_cpu": round(statistics.median(CPU["lookup"]) / statistics.median(CPU["bare"]), 3),
        "rounds": options.rounds,
    }
    print(
        f"bare {bare_rate:.0f}/s · lookup {lookup_rate:.0f}/s ({lookup_rate / bare_rate:.2f}× bare, target ≥ 0.5) · "
        f"batch of 1,000 {batch_rate:.1f}/s · evidence append {append_rate:.0f}/s (target ≥ 1,000); per CPU "
        f"second: {', '.join(f'{k} {statistics.median(v):.0f}' for k, v in CPU.items())}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
