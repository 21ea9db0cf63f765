"""Bulk issuance (批量签发并盖章) at scale: 10,000 licences checked, written and each sealed as a PDF by the
real Huey workers, with the progress the job page shows.

    . bench/env.sh && REDIS_URL=redis://127.0.0.1:6379/5 python bench/licence_bulk_issue.py   # 10,000 rows
    python bench/licence_bulk_issue.py --rows 2000 --workers 2

Target (issue #7): issue with PDF and seal ≥ 20 licences/s sustained on 2 cores; a PDF < 300 KB.
The script writes a CSV of 食品经营许可证-like 居民身份证 rows (as bench/licence_import.py, fresh numbers
per run), then does what the staff page does: the check, the commit (queued), and it starts the consumer
exactly as `make run` does (`govplus run_huey`, process workers, `--workers`), which writes the batches
and seals the PDFs in chunks side by side. While it runs, the script polls the job's progress (the JSON
the page's two bars poll) every second and draws both bars. It reports: the rows phase, the sealing
phase (first to last PDF), the sustained rate over the middle 80% of the PDFs (start-up and tail
excluded), PDF sizes (min / median / max over a sample of 200), the machine's busy CPU seconds that were
not ours and the hypervisor's steal (so a figure on a shared machine is read with its load), one JSON line
appended to `$BENCH_VAR/results.jsonl`. Needs the demo seeded (`govplus seed_demo --force`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import django

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection  # noqa: E402

from bench.licence_import import rows, write_file  # noqa: E402
from govplus.licences.imports import licence_import_check, licence_import_commit, licence_import_progress  # noqa: E402
from govplus.licences.models import Licence, LicenceImport  # noqa: E402

ID_CARD = "11100000000013127D001"
S = LicenceImport.Status


def machine_busy() -> tuple[int, int]:
    """(jiffies every CPU was busy, jiffies stolen) from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


def own_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and their children, from /proc (the consumer and its workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parts = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(parts[1]) == pid or int(stat.parent.name) == pid:  # the process or a child of it
                total += int(parts[11]) + int(parts[12])
    return total / tick


def bar(done: int, total: int, width: int = 30) -> str:
    filled = int(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="Huey worker processes (one per core)")
    parser.add_argument("--department", default="gaj")
    parser.add_argument("--tag", default=f"I{int(time.time()) % 10**6:06d}", help="prefix of the generated numbers")
    args = parser.parse_args()
    var = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench"))
    var.mkdir(parents=True, exist_ok=True)
    if os.environ.get("HUEY_IMMEDIATE", "").lower() in ("1", "true", "on"):
        sys.exit("HUEY_IMMEDIATE is on: the workers would not be used")

    path = var / f"issue-{args.rows}.csv"
    data = rows(args.rows, args.tag, random.Random(args.rows))
    for row in data:
        row[5] = "有效"  # a bulk issuance issues valid licences
        if row[4] != "长期" and row[4] < dt.date.today().isoformat():
            row[4] = "长期"
    write_file(path, data, xlsx=False, encoding="utf-8")

    started = time.perf_counter()
    with path.open("rb") as stream:
        job = licence_import_check(
            actor=None,
            department_code=args.department,
            type_code=ID_CARD,
            file_name=path.name,
            file=stream,
            mode=LicenceImport.Mode.ISSUE,
        )
    check_s = time.perf_counter() - started
    print(f"check: {job.rows_total} rows, {job.problem_count} problems, {check_s:.1f} s", file=sys.stderr)
    if job.status != S.CHECKED:
        for problem in job.problems[:20]:
            print(problem["message"], file=sys.stderr)
        sys.exit(1)

    consumer = subprocess.Popen(
        [sys.executable, "-m", "govplus.cli", "run_huey", "--quiet", "-w", str(args.workers), "-k", "process"],
        env={**os.environ, "HUEY_IMMEDIATE": "off"},
    )
    try:
        busy0, steal0 = machine_busy()
        started = time.perf_counter()
        licence_import_commit(actor=None, job_id=job.pk)  # queued, as the page's button does
        samples: list[tuple[float, int]] = []  # (seconds since commit, PDFs sealed)
        rows_s = None
        while True:
            time.sleep(1)
            current = LicenceImport.objects.get(pk=job.pk)
            progress = licence_import_progress(current)
            now = time.perf_counter() - started
            if rows_s is None and current.rows_done == current.rows_total:
                rows_s = now
            samples.append((now, current.pdfs_done))
            print(
                f"\r  rows {bar(current.rows_done, current.rows_total)} {progress['percent']:5.1f}%"
                f"  PDFs {bar(current.pdfs_done, current.rows_total)} {progress['pdf_percent']:5.1f}%"
                f"  {current.pdfs_done / now:5.1f}/s",
                end="",
                file=sys.stderr,
            )
            if progress["is_finished"] or current.error or consumer.poll() is not None:
                break
        print(file=sys.stderr)
        total_s = time.perf_counter() - started
        consumer_cpu = own_cpu([consumer.pid])
        busy1, steal1 = machine_busy()
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)

    job = LicenceImport.objects.get(pk=job.pk)
    tick = os.sysconf("SC_CLK_TCK")
    total = job.rows_total
    low, high = int(total * 0.1), int(total * 0.9)
    t_low = next((t for t, done in samples if done >= low), total_s)
    t_high = next((t for t, done in samples if done >= high), total_s)
    t_first = next((t for t, done in samples if done > 0), total_s)
    sustained = (high - low) / (t_high - t_low) if t_high > t_low else 0.0
    sample = list(Licence.objects.filter(import_job=job).exclude(pdf_path="").values_list("pdf_path", flat=True)[:200])
    sizes = sorted(default_storage.size(name) for name in sample)
    result = {
        "scenario": "licence_bulk_issue",
        "database": connection.vendor,
        "rows": total,
        "workers": args.workers,
        "status": job.status,
        "sealed": job.pdfs_done,
        "check_s": round(check_s, 1),
        "rows_written_s": round(rows_s or total_s, 1),
        "first_pdf_s": round(t_first, 1),
        "total_s": round(total_s, 1),
        "pdfs_per_s_overall": round(job.pdfs_done / total_s, 1),
        "pdfs_per_s_sustained": round(sustained, 1),
        "pdf_kb": {
            "min": round(sizes[0] / 1024, 1) if sizes else None,
            "median": round(statistics.median(sizes) / 1024, 1) if sizes else None,
            "max": round(sizes[-1] / 1024, 1) if sizes else None,
        },
        "machine_busy_cpu_s": round((busy1 - busy0) / tick, 1),
        "consumer_cpu_s": round(consumer_cpu, 1),
        "steal_cpu_s": round((steal1 - steal0) / tick, 1),
        "at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    print(json.dumps(result, ensure_ascii=False))
    with (var / "results.jsonl").open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    if job.status != S.DONE or job.pdfs_done != total:
        sys.exit(f"issuance ended {job.status} with {job.pdfs_done} of {total} PDFs: {job.error}")


if __name__ == "__main__":
    main()
