"""The exchange evidence log at a million entries: append rate, proof time, full verification.

    python bench/exchange_evidence.py [--size 1000000] [--batch 10000] [--proofs 200]

Uses its own scratch directory (GOVPLUS_VAR_DIR, default /tmp/govplus-exchange-bench) and database
(DATABASE_URL, default a fresh SQLite file there; e.g. postgres://postgres@127.0.0.1:5432/exchange_bench).
The log is filled fast up to `--size`: the product's canonical JSON, RFC 6962 leaf hashes and subtree
nodes (`entry_canonical`, `evidence_tree.completed_nodes`), written with the database cursor's
executemany and the log's head row moved as `append` moves it (Django's bulk_create spends most of its
time compiling the INSERT; that is not what the log costs). Then:

- bulk appends through the product's own path (`EVIDENCE_LOG.append`, `--batch` entries per
  transaction, the ORM's bulk_create) of `--append` entries (appends/s);
- single exchanges: `evidence_record` one exchange per transaction, as the gateway does — the entry is
  staged (`stage_per_second`); then `evidence_sequence` places all of them (`sequence_per_second`);
  `append_per_second` is staged entries over the time of both (target ≥ 1,000/s); then as many again
  from `--stage-threads` concurrent callers (`concurrent_append_per_second`), as web workers' threads
  call it — the database flushes their commits together;
- proofs at the full size from stored hashes (`evidence_tree`): random inclusion proofs, consistency
  proofs and past roots, each checked with core's RFC 9162 verifier; the time per proof and the number
  of queries (target < 50 ms each);
- the proofs of a 1,000-entry export in one batch;
- full verification (`EVIDENCE_LOG.verify`: every leaf recomputed from its entry, the tree rebuilt,
  every signed head checked), and the rebuilt root compared with `evidence_tree.root_at` and the signed
  tree head (target < 60 s).

Wall and CPU time are printed (CPU time does not depend on other load on a shared machine), as one
JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

SCRATCH = Path(os.environ.setdefault("GOVPLUS_VAR_DIR", "/tmp/govplus-exchange-bench"))
SCRATCH.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'exchange-bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("HUEY_IMMEDIATE", "off")  # entries are placed by the timed sequencer, as a consumer would
os.environ.setdefault("GOVPLUS_AUDIT_STH_EVERY", "100000")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from govplus.core.merkle import Frontier, verify_consistency, verify_inclusion  # noqa: E402
from govplus.core.models import MerkleLogHead  # noqa: E402
from govplus.exchange import evidence_tree  # noqa: E402
from govplus.exchange.evidence import (  # noqa: E402
    EVIDENCE_FIELDS,
    EVIDENCE_LOG,
    entry_canonical,
    evidence_record,
    evidence_sequence,
    evidence_values,
)
from govplus.exchange.models import EvidenceNode, ExchangeEvidence  # noqa: E402
from govplus.exchange.tree_heads import tree_head_sign  # noqa: E402

OPERATIONS = ["lookup", "batch", "changes", "webhook"]


def entries(current: int, count: int) -> list[ExchangeEvidence]:
    base = timezone.now() - timedelta(days=365)
    return [
        ExchangeEvidence(
            evidence_id=f"00000000-0000-4000-8000-{current + i:012d}",
            occurred_at=base + timedelta(seconds=current + i),
            node="330521",
            consumer=f"system-{(current + i) % 31}",
            consumer_department=("rsj", "mzj", "scjgj")[(current + i) % 3],
            operation=OPERATIONS[(current + i) % 4],
            resource_code="330521-GAJ-0001",
            purpose="社保待遇资格审核",
            fields=["name", "address"],
            record_count=(current + i) % 50,
            request_hash=f"{current + i:064x}",
            response_hash=f"{current + i + 1:064x}",
            subject_hash=f"{(current + i) * 7:064x}",
        )
        for i in range(count)
    ]


def append_through_the_log(count: int, batch: int) -> float:
    """Seconds to append `count` entries with the product's append, `batch` per transaction."""
    started = time.perf_counter()
    current, end = evidence_tree.log_size(), evidence_tree.log_size() + count
    while current < end:
        rows = entries(current, min(batch, end - current))
        with transaction.atomic():
            EVIDENCE_LOG.append(rows, evidence_values)
        current += len(rows)
    return time.perf_counter() - started


def fill_to(size: int, batch: int) -> float:
    """Seconds to fill the log to `size` entries with executemany (same rows, hashes and nodes)."""
    started = time.perf_counter()
    model_fields = [ExchangeEvidence._meta.get_field(name) for name in ("leaf_index", "leaf_hash", *EVIDENCE_FIELDS)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    placeholders = ", ".join(["%s"] * len(model_fields))
    insert_entries = f"INSERT INTO {ExchangeEvidence._meta.db_table} ({columns}) VALUES ({placeholders})"
    insert_nodes = f"INSERT INTO {EvidenceNode._meta.db_table} (height, position, hash) VALUES (%s, %s, %s)"
    occurred, listed = ExchangeEvidence._meta.get_field("occurred_at"), ExchangeEvidence._meta.get_field("fields")
    while True:
        with transaction.atomic():
            head, _ = MerkleLogHead.objects.select_for_update().get_or_create(log_name="exchange")
            if head.tree_size >= size:
                return time.perf_counter() - started
            frontier = Frontier.from_hex(head.tree_size, head.frontier)
            rows, leaves = [], []
            for entry in entries(head.tree_size, min(batch, size - head.tree_size)):
                index = head.tree_size + len(rows)
                values = evidence_values(entry)
                leaf = hashlib.sha256(b"\x00" + entry_canonical(index, values)).digest()
                leaves.append(leaf)
                stored = [
                    occurred.get_db_prep_save(value, connection)
                    if name == "occurred_at"
                    else listed.get_db_prep_save(value, connection)
                    if name == "fields"
                    else value
                    for name, value in zip(EVIDENCE_FIELDS, values, strict=True)
                ]
                rows.append((index, leaf.hex(), *stored))
            nodes = [(h, p, d.hex()) for h, p, d in evidence_tree.completed_nodes(frontier, leaves)]
            with connection.cursor() as cursor:
                cursor.executemany(insert_entries, rows)
                cursor.executemany(insert_nodes, nodes)
            frontier.extend(leaves)
            head.tree_size, head.frontier = frontier.size, frontier.to_hex()
            head.last_leaf_id = ExchangeEvidence.objects.order_by("-id").values_list("id", flat=True).first() or 0
            head.save(update_fields=["tree_size", "frontier", "last_leaf_id"])


def timed(function, repeat):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - started) / repeat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--append", type=int, default=20_000, help="entries appended through the product's path")
    parser.add_argument("--proofs", type=int, default=200)
    parser.add_argument("--staged", type=int, default=5_000, help="single exchanges staged, then sequenced")
    parser.add_argument("--stage-threads", type=int, default=8, help="concurrent callers staging as many again")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    figures: dict[str, object] = {"database": connection.vendor}

    before = evidence_tree.log_size()
    fill_seconds = fill_to(args.size - args.append, args.batch)
    if evidence_tree.log_size() > before:
        figures["fill_per_second"] = round((evidence_tree.log_size() - before) / fill_seconds)
    started_cpu = time.process_time()
    append_seconds = append_through_the_log(args.append, args.batch)
    figures["bulk_append_per_second"] = round(args.append / append_seconds)
    figures["bulk_append_per_cpu_second"] = round(args.append / (time.process_time() - started_cpu))

    def one_exchange() -> None:
        with transaction.atomic():
            evidence_record(
                consumer="system-1",
                consumer_department="rsj",
                operation="lookup",
                resource_code="330521-GAJ-0001",
                purpose="社保待遇资格审核",
                fields=["name"],
                record_count=1,
                request={"key_hash": "k"},
                response={"n": 1},
            )

    # an exchange's own write: its entry staged in its transaction (group commit); then the sequencer
    # places what the exchanges staged, in batches under one head lock
    staged = max(200, args.staged)
    started = time.perf_counter()
    for _ in range(staged):
        one_exchange()
    stage_seconds = time.perf_counter() - started
    figures["staged_exchanges"] = staged
    figures["single_stage_ms"] = round(stage_seconds / staged * 1000, 3)
    figures["stage_per_second"] = round(staged / stage_seconds)
    started = time.perf_counter()
    placed = evidence_sequence()
    sequence_seconds = time.perf_counter() - started
    assert placed == staged, (placed, staged)
    figures["sequence_per_second"] = round(placed / sequence_seconds)
    figures["append_per_second"] = round(staged / (stage_seconds + sequence_seconds))
    # the same exchanges from concurrent callers (web workers' threads), each on its own connection:
    # the database commits them together (one WAL flush for several commits)
    if args.stage_threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connections

        def caller(count: int) -> None:
            try:
                for _ in range(count):
                    one_exchange()
            finally:
                connections.close_all()

        each = max(1, staged // args.stage_threads)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.stage_threads) as pool:
            list(pool.map(caller, [each] * args.stage_threads))
        concurrent_seconds = time.perf_counter() - started
        started = time.perf_counter()
        placed = evidence_sequence()
        sequence_seconds = time.perf_counter() - started
        assert placed == each * args.stage_threads, placed
        figures["stage_threads"] = args.stage_threads
        figures["concurrent_stage_per_second"] = round(placed / concurrent_seconds)
        figures["concurrent_append_per_second"] = round(placed / (concurrent_seconds + sequence_seconds))
    head = tree_head_sign()
    size = evidence_tree.log_size()
    figures["entries"] = size
    root = evidence_tree.root_at(size)
    assert head is None or head.root_hash == root.hex()

    rng = random.Random(1)
    indices = [rng.randrange(size) for _ in range(args.proofs)]
    leaves = dict(ExchangeEvidence.objects.filter(leaf_index__in=indices).values_list("leaf_index", "leaf_hash"))
    worst = 0.0
    queries = 0
    started = time.perf_counter()
    for index in indices:
        one = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            proof = evidence_tree.inclusion_proof(index, size)
        worst = max(worst, time.perf_counter() - one)
        queries = max(queries, len(captured))
        assert verify_inclusion(leaf=bytes.fromhex(leaves[index]), index=index, size=size, proof=proof, root=root)
    figures["inclusion_proof_ms"] = round((time.perf_counter() - started) / len(indices) * 1000, 2)
    figures["inclusion_proof_worst_ms"] = round(worst * 1000, 2)
    figures["inclusion_proof_queries"] = queries

    pairs = [(rng.randint(1, size - 1), size) for _ in range(args.proofs // 4)]
    started = time.perf_counter()
    for first, second in pairs:
        proof = evidence_tree.consistency_proof(first, second)
        assert verify_consistency(
            first=first, second=second, first_root=evidence_tree.root_at(first), second_root=root, proof=proof
        )
    figures["consistency_proof_and_two_roots_ms"] = round((time.perf_counter() - started) / len(pairs) * 1000, 2)
    figures["past_root_ms"] = round(timed(lambda: evidence_tree.root_at(rng.randint(1, size)), 100) * 1000, 2)

    export = sorted(rng.sample(range(size), 1000))
    started = time.perf_counter()
    evidence_tree.inclusion_proofs(export, size)
    figures["export_1000_proofs_seconds"] = round(time.perf_counter() - started, 2)

    reset_queries()
    started, started_cpu = time.perf_counter(), time.process_time()
    result, _ = EVIDENCE_LOG.verify()
    figures["verify_seconds"] = round(time.perf_counter() - started, 1)
    figures["verify_cpu_seconds"] = round(time.process_time() - started_cpu, 1)
    assert result.is_intact, result.problem
    assert result.root_hash == root.hex(), "the rebuilt root differs from the stored nodes' root"
    figures["verified_entries"] = result.entries_checked
    figures["load_average"] = os.getloadavg()[0]
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
