"""Set up the gateway benchmark on the bench database: a resource of `--records` people (default
1,000,000; loaded once, through records_write, encrypted as in production), a consumer system of 人社局
with a grant on two of its fields (one masked), a token for it, and the paths files wrk reads:
gateway lookups of 2,000 random keys and the same keys through the bare one-query view. Prints JSON.

    . bench/env.sh && python bench/exchange_setup.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

import django

django.setup()

from django.test import Client  # noqa: E402

from govplus.exchange import services  # noqa: E402
from govplus.exchange.models import ConsumerSystem, Resource, ResourceField  # noqa: E402
from govplus.exchange.records import record_key_hash, records_write  # noqa: E402
from govplus.identity.models import Department, User  # noqa: E402
from govplus.identity.validators import id_check_char  # noqa: E402

CODE = "330521-BENCH-0001"
CLIENT_ID, SECRET = "bench-gateway", "bench-gateway-secret"


def person(index: int) -> str:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=index // 997 % 25_000)
    first17 = f"330521{birth:%Y%m%d}{index % 997:03d}"
    return first17 + id_check_char(first17)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench")) / "work"
    work.mkdir(parents=True, exist_ok=True)
    gaj, rsj = Department.objects.get(code="gaj"), Department.objects.get(code="rsj")
    resource, created = Resource.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "户籍人口（压测）",
            "provider": gaj,
            "share_class": Resource.ShareClass.UNCONDITIONAL,
            "update_cycle": Resource.UpdateCycle.DAILY,
            "key_field": "id_number",
        },
    )
    if created:
        for position, (name, label, level, personal) in enumerate(
            [("id_number", "公民身份号码", 3, True), ("name", "姓名", 2, True), ("address", "住址", 3, True)]
        ):
            ResourceField.objects.create(
                resource=resource, position=position, name=name, label=label, sensitivity=level, is_personal=personal
            )
    started = time.perf_counter()
    have = resource.record_count
    step = 20_000
    for start in range(have, args.records, step):
        rows = [
            {"id_number": person(i), "name": f"居民{i}", "address": f"德清县武康街道{i % 500}号"}
            for i in range(start, min(start + step, args.records))
        ]
        records_write(resource, rows)
        print(f"  {start + len(rows):>9} records ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    resource.refresh_from_db()
    consumer = ConsumerSystem.objects.filter(application__client_id=CLIENT_ID).first()
    if consumer is None:
        consumer, _ = services.consumer_system_create(
            actor=None,
            department=rsj,
            name="压测系统",
            client_id=CLIENT_ID,
            client_secret=SECRET,
            rate_per_minute=10**8,
        )
        today = dt.date.today()
        services.share_request_create(
            actor=User.objects.get(username="admin"),  # the demo's platform administrator
            resource=resource,
            consumer=consumer,
            purpose="压测",
            legal_basis="压测",
            fields=["id_number", "name"],
            valid_from=today,
            valid_until=today + dt.timedelta(days=365),
        )
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    answer = Client(SERVER_NAME="127.0.0.1").post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    token = answer.json()["access_token"]
    rng = random.Random(7)
    keys = [person(rng.randrange(args.records)) for _ in range(2_000)]
    (work / "gateway.paths").write_text("".join(f"/api/v1/exchange/resources/{CODE}/records/{k}\n" for k in keys))
    (work / "gateway-bare.paths").write_text(
        "".join(f"/bench/record/{resource.pk}/{record_key_hash(k)}\n" for k in keys)
    )
    (work / "gateway-batch.json").write_text(json.dumps({"keys": keys[:1000]}))
    print(json.dumps({"token": token, "resource": CODE, "records": resource.record_count, "keys": len(keys)}))


if __name__ == "__main__":
    main()
