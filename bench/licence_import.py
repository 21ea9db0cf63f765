"""Bulk import of existing licences at scale: a 100,000-row CSV checked and committed, timed.

    . bench/env.sh && python bench/licence_import.py                  # 100,000 居民身份证 rows for 公安局
    python bench/licence_import.py --rows 20000 --xlsx                # an Excel file instead
    python bench/licence_import.py --file /tmp/mine.csv --type CODE   # a file of your own

Target (issue "bulk import"): 100,000 register rows in under 5 minutes, metadata only (PDFs are made on
first download). The script writes the file (GB18030 by default, as Chinese Excel saves a CSV; 8
columns: number, holder, ID number, dates, status, address — sex and birth date come from the ID
number), then runs the same functions as the staff page and `govplus licences_import`: the check (the
dry run, every row, nothing written) and the commit, in batches of 2,000 rows each committed with the
job's progress, in this process (the page runs it in a Huey worker; the work is the same). It prints
the time of each phase and the rows per second, and appends them to `$BENCH_VAR/results.jsonl`.

Needs the demo county seeded (the licence types and 公安局's credit code): `govplus seed_demo --force`.
Each run uses fresh numbers (`--tag`), so the library's duplicate check never refuses a rerun.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from pathlib import Path

import django

django.setup()

from django.db import connection  # noqa: E402

from govplus.identity.validators import id_check_char  # noqa: E402
from govplus.licences.imports import BATCH_SIZE, licence_import_check, licence_import_commit, licence_import_run  # noqa: E402
from govplus.licences.models import Licence, LicenceImport  # noqa: E402

ID_CARD = "11100000000013127D001"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘沈姚钱"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉萍红玲芬燕春兰凤洁梅琳雪荣佳嘉琼珍莉晶妍婷颖瑶怡欣宁浩宇轩泽睿"
STREETS = ["武康街道英溪南路", "武康街道永安街", "舞阳街道千秋路", "阜溪街道长虹中街", "新市镇南昌街", "乾元镇直街"]
HEADER = ["证照编号", "持证人", "持证人代码", "颁证日期", "有效期止", "状态", "民族", "住址"]


def rows(count: int, tag: str, rng: random.Random) -> list[list[str]]:
    """Distinct valid ID numbers (region 330523, apart from the demo's), ID-card validity by age."""
    out = []
    for index in range(count):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=index // 900 * 180)  # 55 years of births
        first17 = f"330523{birth:%Y%m%d}{index % 900 + 100:03d}"
        issued = max(birth.replace(year=birth.year + 16, day=min(birth.day, 28)), dt.date(2006, 1, 1))
        issued = min(issued + dt.timedelta(days=rng.randrange(0, 365 * 8)), dt.date.today() - dt.timedelta(days=30))
        age = issued.year - birth.year
        years = 10 if age < 26 else 20 if age <= 45 else None
        until = (
            "长期" if years is None else (issued.replace(year=issued.year + years, day=min(issued.day, 28))).isoformat()
        )
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
        home = f"浙江省湖州市德清县{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
        status = "有效" if rng.random() > 0.01 else "注销"
        out.append(
            [f"{tag}{index:07d}", name, first17 + id_check_char(first17), issued.isoformat(), until, status, "汉", home]
        )
    return out


def write_file(path: Path, data: list[list[str]], *, xlsx: bool, encoding: str) -> None:
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADER)
        for row in data:
            sheet.append(row)
        workbook.save(path)
        return
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(data)
    path.write_bytes(buffer.getvalue().encode(encoding))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--type", dest="type_code", default=ID_CARD)
    parser.add_argument("--department", default="gaj")
    parser.add_argument("--file", default="", help="import this file instead of generating one")
    parser.add_argument("--xlsx", action="store_true", help="generate an .xlsx instead of a CSV")
    parser.add_argument("--encoding", default="gb18030", help="of the generated CSV (gb18030, utf-8, utf-8-sig)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--tag", default=f"B{int(time.time()) % 10**6:06d}", help="prefix of the generated numbers")
    args = parser.parse_args()
    var = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench"))
    var.mkdir(parents=True, exist_ok=True)

    if args.file:
        path = Path(args.file)
    else:
        path = var / f"licences-{args.rows}.{'xlsx' if args.xlsx else 'csv'}"
        started = time.perf_counter()
        write_file(path, rows(args.rows, args.tag, random.Random(args.rows)), xlsx=args.xlsx, encoding=args.encoding)
        print(
            f"file: {path} ({path.stat().st_size / 2**20:.1f} MB) in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    before = Licence.objects.count()

    started = time.perf_counter()
    with path.open("rb") as stream:
        job = licence_import_check(
            actor=None,
            department_code=args.department,
            type_code=args.type_code,
            file_name=path.name,
            file=stream,
            batch_size=args.batch_size,
        )
    check_s = time.perf_counter() - started
    print(f"check: {job.rows_total} rows, {job.problem_count} problems, {check_s:.1f} s", file=sys.stderr)
    if job.status != LicenceImport.Status.CHECKED:
        for problem in job.problems[:20]:
            print(problem["message"], file=sys.stderr)
        sys.exit(1)

    started = time.perf_counter()
    licence_import_commit(actor=None, job_id=job.pk, enqueue=False)

    def progress(current: LicenceImport) -> None:
        if current.rows_done % (10 * args.batch_size) == 0 or current.rows_done == current.rows_total:
            elapsed = time.perf_counter() - started
            print(f"  {current.rows_done:>7} rows, {current.rows_done / elapsed:,.0f}/s", file=sys.stderr)

    job = licence_import_run(job_id=job.pk, progress=progress)
    commit_s = time.perf_counter() - started
    written = Licence.objects.count() - before
    result = {
        "scenario": "licence_import",
        "database": connection.vendor,
        "format": path.suffix.lstrip("."),
        "rows": job.rows_total,
        "written": written,
        "status": job.status,
        "check_s": round(check_s, 1),
        "commit_s": round(commit_s, 1),
        "total_s": round(check_s + commit_s, 1),
        "rows_per_s": round(job.rows_total / (check_s + commit_s)),
        "batch_size": args.batch_size,
        "library_before": before,
        "at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    print(json.dumps(result, ensure_ascii=False))
    with (var / "results.jsonl").open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    if job.status != LicenceImport.Status.DONE or written != job.rows_total:
        sys.exit(f"import ended {job.status} with {written} of {job.rows_total} rows: {job.error}")


if __name__ == "__main__":
    main()
