"""How fast licence PDFs are rendered, sealed and verified, and how big they are.

    DJANGO_SETTINGS_MODULE=config.settings GOVPLUS_VAR_DIR=/tmp/govplus-pdf-bench \
        python bench/licence_pdf.py --count 200 [--processes 2] [--verify 200]

Uses its own scratch directory (GOVPLUS_VAR_DIR, default /tmp/govplus-pdf-bench) and database
(DATABASE_URL, default a SQLite file there), migrated on start. One department is created and its seal,
the TSA and the root are made before timing (set-up, not the steady state). Then:
- render + seal (`signing.licence_pdf_build`) `--count` licences in one process, then the same number
  split over `--processes` processes started together (fork; each warms up on one licence first): the
  throughput is licences / wall time of the slowest process; CPU seconds are printed too, since on a
  shared machine they do not depend on other load;
- the PDF size (min / median / max);
- `pdf_verify` on `--verify` of the sealed PDFs: p50, p95, max, and that every one came out valid.
Targets (PRODUCT.md, e-licences): ≥ 20 licences/s on 2 cores, < 300 KB a PDF, verify p95 < 100 ms.
Prints a human summary and one JSON line. The machine's own counters (/proc/stat) over the parallel run
are printed too: on a shared machine the CPU seconds that were not ours tell how much of the two cores
the benchmark actually had.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

SCRATCH = Path(os.environ.setdefault("GOVPLUS_VAR_DIR", "/tmp/govplus-pdf-bench"))
SCRATCH.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{SCRATCH / 'pdf-bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from govplus.identity.models import Department  # noqa: E402
from govplus.licences import ca  # noqa: E402
from govplus.licences.document import FaceField, LicenceDocument  # noqa: E402
from govplus.licences.identifiers import licence_id_make  # noqa: E402
from govplus.licences.pdf_verify import pdf_verify  # noqa: E402
from govplus.licences.signing import licence_pdf_build  # noqa: E402

TYPE_CODE = "11330521MB1234567X001"
ISSUER_CODE = "11330521002519463K"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
SCOPE = (
    "预包装食品销售（含冷藏冷冻食品）、散装食品销售（不含冷藏冷冻食品）、热食类食品制售、冷食类食品制售、自制饮品制售"
)


def department() -> Department:
    found, _ = Department.objects.get_or_create(
        code="bench-scjgj", defaults={"name": "德清县市场监督管理局", "credit_code": ISSUER_CODE}
    )
    return found


def document(index: int) -> LicenceDocument:
    licence_id = licence_id_make(type_code=TYPE_CODE, issuer_code=ISSUER_CODE, serial=index + 1)
    given = GIVEN[index % len(GIVEN)] + GIVEN[(index * 7) % len(GIVEN)]
    holder = f"德清县{SURNAMES[index % len(SURNAMES)]}{given}餐饮管理有限公司"
    return LicenceDocument(
        licence_id=licence_id,
        type_code=TYPE_CODE,
        type_name="食品经营许可证",
        type_name_en="Food Business Licence",
        holder_name=holder,
        holder_code=f"91330521MA2B{index:06d}",
        holder_code_type="001",
        number=f"JY1330521{index:07d}",
        issuer_name="德清县市场监督管理局",
        issuer_code=ISSUER_CODE,
        issuer_department_id=0,
        issued_on=dt.date(2026, 12, 2),
        valid_from=dt.date(2026, 12, 2),
        valid_until=dt.date(2031, 12, 1),
        jurisdiction="330521",
        status="valid",
        status_index=index,
        origin="issued",
        verify_url=f"https://zwfw.deqing.gov.cn/licences/verify/{licence_id}",
        fields=(
            FaceField("legal_rep", "法定代表人（负责人）", "Legal representative", SURNAMES[index % 20] + "某"),
            FaceField("address", "经营场所", "Premises", f"浙江省湖州市德清县武康街道千秋街{index % 300 + 1}号"),
            FaceField("subject_type", "主体业态", "Type of business", "餐饮服务经营者（中型餐馆）"),
            FaceField("scope", "经营项目", "Business scope", SCOPE),
        ),
    )


def cpu_counters() -> tuple[int, int]:
    """(jiffies the machine's CPUs were busy, jiffies stolen by the hypervisor) from /proc/stat: on a
    shared virtual machine, steal says how much of the wall time other guests took."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq, steal


def build_many(start: int, count: int) -> tuple[list[bytes], float, float]:
    issuer = department()
    started, cpu = time.perf_counter(), time.process_time()
    pdfs = [
        licence_pdf_build(document(i), department=issuer, signed_at=timezone.now()) for i in range(start, start + count)
    ]
    return pdfs, time.perf_counter() - started, time.process_time() - cpu


def _worker(start: int, count: int, barrier, results) -> None:  # type: ignore[no-untyped-def]
    connections.close_all()
    licence_pdf_build(document(start + 10_000), department=department(), signed_at=timezone.now())  # warm up
    barrier.wait()
    _pdfs, wall, cpu = build_many(start, count)
    results.put((wall, cpu))


def parallel(count: int, processes: int) -> tuple[float, float]:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(processes), context.Queue()
    share = count // processes
    connections.close_all()
    workers = [context.Process(target=_worker, args=(i * share, share, barrier, results)) for i in range(processes)]
    for worker in workers:
        worker.start()
    measured = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return max(wall for wall, _ in measured), sum(cpu for _, cpu in measured)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--verify", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    issuer = department()
    ca.ca_root(), ca.tsa_key(), ca.department_seal(issuer)
    licence_pdf_build(document(99_999), department=issuer, signed_at=timezone.now())  # warm up: font, keys

    pdfs, wall, cpu = build_many(0, args.count)
    single = args.count / wall
    busy_before, steal_before = cpu_counters()
    parallel_wall, parallel_cpu = parallel(args.count, args.processes)
    busy_after, steal_after = cpu_counters()
    ticks = os.sysconf("SC_CLK_TCK")
    done = args.count // args.processes * args.processes
    sizes = sorted(len(p) for p in pdfs)

    sample = pdfs[: args.verify]
    pdf_verify(sample[0])  # warm up
    timings, valid = [], 0
    for pdf in sample:
        started = time.perf_counter()
        result = pdf_verify(pdf)
        timings.append((time.perf_counter() - started) * 1000)
        valid += result.valid
    timings.sort()
    report = {
        "count": args.count,
        "single_process_per_s": round(single, 1),
        "single_process_cpu_ms_each": round(cpu / args.count * 1000, 1),
        "processes": args.processes,
        "parallel_per_s": round(done / parallel_wall, 1),
        "parallel_cpu_ms_each": round(parallel_cpu / done * 1000, 1),
        "parallel_machine_busy_s": round((busy_after - busy_before) / ticks, 1),
        "parallel_steal_s": round((steal_after - steal_before) / ticks, 1),
        "parallel_other_load_cpu_s": round((busy_after - busy_before) / ticks - parallel_cpu, 1),
        "parallel_wall_s": round(parallel_wall, 1),
        "size_kb_min": round(sizes[0] / 1024, 1),
        "size_kb_median": round(statistics.median(sizes) / 1024, 1),
        "size_kb_max": round(sizes[-1] / 1024, 1),
        "verify_n": len(sample),
        "verify_valid": valid,
        "verify_p50_ms": round(timings[len(timings) // 2], 1),
        "verify_p95_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.95))], 1),
        "verify_max_ms": round(timings[-1], 1),
    }
    print(
        f"render+seal, 1 process:  {report['single_process_per_s']}/s "
        f"({report['single_process_cpu_ms_each']} ms CPU each)"
    )
    print(
        f"render+seal, {args.processes} processes: {report['parallel_per_s']}/s "
        f"({report['parallel_cpu_ms_each']} ms CPU each; in {report['parallel_wall_s']} s the machine was busy "
        f"{report['parallel_machine_busy_s']} CPU-s, {report['parallel_other_load_cpu_s']} of them not ours, "
        f"{report['parallel_steal_s']} s stolen by the hypervisor)"
    )
    print(f"PDF size: {report['size_kb_min']}–{report['size_kb_max']} KB (median {report['size_kb_median']} KB)")
    print(
        f"pdf_verify: p50 {report['verify_p50_ms']} ms, p95 {report['verify_p95_ms']} ms, "
        f"max {report['verify_max_ms']} ms; {valid}/{len(sample)} valid"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
