"""How long `govplus audit verify` takes on a large audit log.

    python bench/audit_verify.py [--sizes 100000,1000000] [--batch 10000]

Uses its own scratch directory (GOVPLUS_VAR_DIR, default /tmp/govplus-audit-bench) and database
(DATABASE_URL, default a SQLite file there; e.g. postgres://postgres@127.0.0.1:5432/govplus_audit_bench).
The database is migrated and the audit log grown to each size with the product's own append path
(`AUDIT_LOG.append`, bulk INSERT of `--batch` entries per transaction, a tree head signed every
GOVPLUS_AUDIT_STH_EVERY entries), then verified with the product's `audit_verify` (every leaf
recomputed with the key, the tree rebuilt, every signed head in the database and the checkpoint file
checked). Wall and CPU time are both printed: on a shared machine the CPU time of the process is the
figure that does not depend on other load. Also times a consistency proof and an inclusion proof at
each size (what the API computes). Prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

SCRATCH = Path(os.environ.setdefault("GOVPLUS_VAR_DIR", "/tmp/govplus-audit-bench"))
SCRATCH.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'audit-bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from govplus.core.audit import AUDIT_LOG, _entry_values, audit_verify  # noqa: E402
from govplus.core.models import AuditEntry  # noqa: E402

ACTIONS = ["cases.application_submit", "cases.task_complete", "cases.material_upload", "identity.login"]


def grow_to(size: int, batch: int) -> float:
    started = time.perf_counter()
    current = AUDIT_LOG.current_size()
    base = timezone.now() - timedelta(days=365)
    while current < size:
        count = min(batch, size - current)
        rows = [
            AuditEntry(
                occurred_at=base + timedelta(seconds=current + i),
                actor_label=f"clerk{(current + i) % 97}",
                action=ACTIONS[(current + i) % len(ACTIONS)],
                object_type="application",
                object_id=f"330521{current + i:012d}",
                changes={"status": ["submitted", "accepted"], "opinion": "符合受理条件", "n": current + i},
                ip_address="10.0.0.7",
                request_id=f"{current + i:032x}",
            )
            for i in range(count)
        ]
        with transaction.atomic():
            AUDIT_LOG.append(rows, _entry_values)
        current += count
    AUDIT_LOG.sign_tree_head()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from django.db import connection

    for size in [int(value) for value in args.sizes.split(",")]:
        load_seconds = grow_to(size, args.batch)
        started, started_cpu = time.perf_counter(), time.process_time()
        result = audit_verify()
        verify_seconds = time.perf_counter() - started
        verify_cpu_seconds = time.process_time() - started_cpu
        assert result.is_intact, result.problem
        started = time.perf_counter()
        levels = AUDIT_LOG.levels(size)
        levels.consistency_proof(size // 3, size)
        levels.inclusion_proof(size // 2, size)
        proof_seconds = time.perf_counter() - started
        print(
            json.dumps(
                {
                    "database": connection.vendor,
                    "entries": result.entries_checked,
                    "tree_heads_checked": result.tree_heads_checked,
                    "load_seconds": round(load_seconds, 1),
                    "verify_seconds": round(verify_seconds, 2),
                    "verify_cpu_seconds": round(verify_cpu_seconds, 2),
                    "verify_entries_per_second": round(result.entries_checked / verify_seconds),
                    "load_average": os.getloadavg()[0],
                    "proof_seconds": round(proof_seconds, 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
