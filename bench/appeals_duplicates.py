"""The duplicate check an appeal's intake makes, against many open appeals.

    python bench/appeals_duplicates.py [--open 100000] [--checks 500]

Own scratch directory (GOVPLUS_VAR_DIR, default /tmp/govplus-dup-bench) and database (DATABASE_URL,
default a fresh SQLite file there), migrated on start. Set-up (not timed): `--open` open appeals over
the last 30 days in the county's streets and communities, texts from the demo's templates, bulk
inserted. Then `--checks` new appeals' texts (half repeats of an open one, half new) go through
`duplicates.duplicate_find` one after another; prints p50/p95/max in ms and how many were linked,
as one JSON line. Target: p95 < 50 ms at 100,000 open appeals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path

SCRATCH = Path(os.environ.setdefault("GOVPLUS_VAR_DIR", "/tmp/govplus-dup-bench"))
SCRATCH.mkdir(parents=True, exist_ok=True)
if "DATABASE_URL" not in os.environ:
    (SCRATCH / "dup.sqlite3").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH / 'dup.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from govplus.appeals.duplicates import duplicate_find  # noqa: E402
from govplus.appeals.models import Appeal, Category  # noqa: E402
from govplus.appeals.taxonomy import taxonomy_load  # noqa: E402
from govplus.demo.appeals_history import SPOTS, TEMPLATES  # noqa: E402
from govplus.identity.models import Region  # noqa: E402


def places() -> list[Region]:
    county, _ = Region.objects.get_or_create(code="330521", defaults={"name": "德清县", "level": "county"})
    return [
        Region.objects.get_or_create(
            code=f"330521{n:03d}", defaults={"name": f"街道{n}", "level": "street", "parent": county}
        )[0]
        for n in range(1, 26)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    taxonomy_load()
    rng = random.Random(1)
    regions = places()
    firsts = {c.name: c for c in Category.objects.filter(level=1, name__in=TEMPLATES)}
    now = timezone.now()
    have = Appeal.objects.filter(status=Appeal.Status.SIGNED).count()
    texts: list[tuple[str, Region, Category]] = []
    rows = []
    for index in range(have, args.open):
        first = rng.choice(sorted(TEMPLATES))
        region = rng.choice(regions)
        text = rng.choice(TEMPLATES[first][1]).format(
            place=region.name, spot=rng.choice(SPOTS), days=rng.randint(3, 40)
        )
        rows.append(
            Appeal(
                number=f"B{index:012d}",
                token=str(uuid.uuid4()),
                channel="web",
                title=text[:30],
                body=text,
                category=firsts[first],
                region=region,
                status=Appeal.Status.SIGNED,
                submitted_at=now - dt.timedelta(minutes=rng.randint(0, 29 * 24 * 60)),
            )
        )
        if len(rows) == 5_000:
            Appeal.objects.bulk_create(rows)
            rows = []
    Appeal.objects.bulk_create(rows)
    for _ in range(args.checks):
        first = rng.choice(sorted(TEMPLATES))
        region = rng.choice(regions)
        text = rng.choice(TEMPLATES[first][1]).format(
            place=region.name, spot=rng.choice(SPOTS), days=rng.randint(3, 40)
        )
        texts.append((text if rng.random() < 0.5 else f"{text[::-1]}", region, firsts[first]))
    timings, linked = [], 0
    for text, region, category in texts:
        started = time.perf_counter()
        found = duplicate_find(title=text[:30], body=text, category=category, region=region, address="")
        timings.append((time.perf_counter() - started) * 1000)
        linked += found is not None
    timings.sort()
    print(
        json.dumps(
            {
                "benchmark": "appeals_duplicates",
                "database": django.db.connection.vendor,
                "open_appeals": Appeal.objects.filter(status=Appeal.Status.SIGNED).count(),
                "checks": len(timings),
                "linked": linked,
                "p50_ms": round(timings[len(timings) // 2], 2),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
                "max_ms": round(timings[-1], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
