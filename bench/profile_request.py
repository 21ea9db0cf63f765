"""Profile one kind of request in-process (full middleware stack, real database) with pyinstrument.

    python bench/profile_request.py guide            # GET /services/<code>/
    python bench/profile_request.py search-html | search-api | tasks-api | workbench | submit | bare
    python bench/profile_request.py wallet-api | register-api     # GET /api/v1/licences as 张三 / the approver
    python bench/profile_request.py tasks-api -n 300 --html /tmp/tasks.html

Runs the request a few times to warm caches, then N times under pyinstrument, and prints the call tree
(time per request = total / N). Uses the files written by bench/setup_clients.py for tokens and bodies.
This measures the Python side only; the database's own CPU is in the run_bench.py figures.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path

import django

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

WORK = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench")) / "work"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "kind",
        choices=[
            "bare",
            "guide",
            "search-html",
            "search-api",
            "tasks-api",
            "workbench",
            "submit",
            "wallet-api",
            "register-api",
        ],
    )
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--html", default="", help="also write pyinstrument's HTML report here")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    parser.add_argument("--flat", action="store_true", help="cProfile instead: top functions by own and total time")
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    if args.kind in ("wallet-api", "register-api"):
        licence_token = licences_token("citizen" if args.kind == "wallet-api" else "approver")
    else:
        staff = json.loads((WORK / "staff.json").read_text())
        tokens = (WORK / "citizens.tokens").read_text().split()
        body = (WORK / "submit-0.json").read_text()
    counter = iter(range(10**9))

    def request():  # type: ignore[no-untyped-def]
        n = next(counter)
        if args.kind == "bare":
            return client.get("/bench/bare")
        if args.kind == "guide":
            codes = (WORK / "guide.paths").read_text().split()
            return client.get(codes[n % len(codes)])
        if args.kind == "search-html":
            paths = (WORK / "search.paths").read_text().split()
            return client.get(paths[n % len(paths)])
        if args.kind == "search-api":
            paths = (WORK / "api-search.paths").read_text().split()
            return client.get(paths[n % len(paths)])
        if args.kind == "tasks-api":
            return client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {staff['clerk']['token']}"})
        if args.kind in ("wallet-api", "register-api"):
            return client.get("/api/v1/licences", headers={"Authorization": f"Bearer {licence_token}"})
        if args.kind == "workbench":
            client.cookies["sessionid"] = staff["clerk"]["session"]
            return client.get("/staff/")
        return client.post(
            "/api/v1/applications",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": uuid.uuid4().hex},
        )

    for _ in range(5):
        response = request()
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as queries:
        request()
    reset_queries()
    if args.flat:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for _ in range(args.n):
            request()
        profile.disable()
        elapsed = time.perf_counter() - start
        print(
            f"{args.kind}: {1000 * elapsed / args.n:.2f} ms per request under cProfile (inflated), "
            f"{len(queries.captured_queries)} SQL statements per request"
        )
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        return
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for _ in range(args.n):
        request()
    profiler.stop()
    elapsed = time.perf_counter() - start
    print(
        f"{args.kind}: {1000 * elapsed / args.n:.2f} ms per request in-process (wall, incl. database round trips), "
        f"{len(queries.captured_queries)} SQL statements per request"
    )
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


def licences_token(username: str) -> str:
    """A fresh OAuth2 access token with scope `licences` for a demo user (the wallet and register lists)."""
    import datetime as dt
    import secrets

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application

    from govplus.identity.models import User

    token = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=User.objects.get(username=username),
        application=Application.objects.first(),
        token=token,
        scope="openid licences",
        expires=timezone.now() + dt.timedelta(hours=12),
    )
    return token


if __name__ == "__main__":
    main()
