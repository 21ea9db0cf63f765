"""The database side of the workbench: data counts, and EXPLAIN ANALYZE of `task_list_for`'s SQL.

    python bench/explain_tasks.py [--plans DIR]

Runs the product's own selector (`govplus.cases.selectors.task_list_for`, first page of 50) for the
clerk (17 department queues), the reviewer (3) and rsj.reviewer (1), captures the SQL it sends, and
runs each statement under EXPLAIN (ANALYZE, BUFFERS). Prints JSON: table counts, and per user the
number of open tasks visible and the summed server-side execution time of the statements. With
--plans, writes the full plans to DIR/<applications>.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import django

# client-side binding, so that the captured statements carry their values and can be EXPLAINed
os.environ["DATABASE_PREPARE_THRESHOLD"] = "off"
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from govplus.cases.models import CaseTask  # noqa: E402
from govplus.cases.scope import task_scope  # noqa: E402
from govplus.cases.selectors import task_list_for  # noqa: E402
from govplus.identity.models import User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", default="")
    args = parser.parse_args()
    with connection.cursor() as cursor:
        counts = {}
        for name, sql in [
            ("applications", "SELECT count(*) FROM cases_application"),
            ("tasks", "SELECT count(*) FROM cases_casetask"),
            ("open_tasks", "SELECT count(*) FROM cases_casetask WHERE status IN ('open', 'waiting')"),
            ("events", "SELECT count(*) FROM cases_caseevent"),
        ]:
            cursor.execute(sql)
            counts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts["database_size"] = cursor.fetchone()[0]
    users = {}
    plans = []
    for username in ("clerk", "reviewer", "rsj.reviewer"):
        user = User.objects.get(username=username)
        visible = CaseTask.objects.filter(task_scope(user), status__in=["open", "waiting"]).count()
        user = User.objects.get(username=username)  # fresh: no cached assignments
        with CaptureQueriesContext(connection) as captured:
            task_list_for(actor=user, limit=50)
        total = 0.0
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(r[0] for r in cursor.fetchall())
            total += float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))  # type: ignore[union-attr]
            plans.append(f"-- {username}\n{sql}\n{plan}\n")
        users[username] = {"visible": visible, "queries": len(captured.captured_queries), "sql_ms": round(total, 2)}
    if args.plans:
        directory = Path(args.plans)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{counts['applications']}.txt").write_text("\n".join(plans))
    print(json.dumps({"counts": counts, "users": users}, ensure_ascii=False))


if __name__ == "__main__":
    main()
