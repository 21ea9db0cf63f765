"""Run the govplus benchmarks against gunicorn (2 sync workers) and record the figures.

    python bench/run_bench.py server-start | server-stop
    python bench/run_bench.py reads     [--duration 20] [--concurrency 16]
    python bench/run_bench.py workbench --label 100k [--duration 15]
    python bench/run_bench.py submit    [--rate 100] [--open-duration 20] [--closed 2,4,8,16]
    python bench/run_bench.py exchange-gateway [--records 1000000] [--duration 20]
    python bench/run_bench.py rss
    python bench/run_bench.py report    # markdown tables of the latest figures

Needs the environment of bench/env.sh and the files of bench/setup_clients.py. Every measurement is
preceded by a 3 s warm-up and by a check that each URL answers as expected (200/201, and for staff pages
not the login page). Closed-loop load comes from wrk (C, one thread) with bench/wrk/*.lua; open-loop
load from bench/openloop.py.

Besides throughput and latency each result carries the CPU time spent per request by the gunicorn
workers, by PostgreSQL and by the load generator (from /proc), and the machine's CPU not used by any
of them ("other"): the load generator and the database share the 2 cores with the server, and the
"other" column shows whether something else ran at the same time. Results are appended to
$BENCH_VAR/results.jsonl.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VAR = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench"))
WORK = VAR / "work"
URL = os.environ.get("BENCH_URL", "http://127.0.0.1:8321")
PORT = URL.rsplit(":", 1)[1]
PIDFILE = VAR / "gunicorn.pid"
HUEY_PIDFILE = VAR / "huey.pid"
RESULTS = VAR / "results.jsonl"
TICKS = os.sysconf("SC_CLK_TCK")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PY = sys.executable


# --- processes and CPU accounting -------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[int, str, float] | None:
    """(ppid, comm, cpu seconds) of a process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / TICKS


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def master_pid() -> int | None:
    try:
        pid = int(PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if proc_stat(pid) else None


def worker_pids() -> list[int]:
    """The web workers and the task consumer (with its workers): the platform's own CPU. The consumer
    places the gateway's staged evidence entries, so its work is part of what a lookup costs."""
    master = master_pid()
    if master is None:
        return []
    workers = [pid for pid in all_pids() if (stat := proc_stat(pid)) and stat[0] == master]
    return sorted(workers + huey_pids())


def huey_pids() -> list[int]:
    try:
        consumer = int(HUEY_PIDFILE.read_text())
    except (OSError, ValueError):
        return []
    if proc_stat(consumer) is None:
        return []
    return [consumer, *(pid for pid in all_pids() if (stat := proc_stat(pid)) and stat[0] == consumer)]


def _postgres_processes() -> list[tuple[int, str]]:
    """(pid, command line) of every PostgreSQL process on the machine."""
    found = []
    for pid in all_pids():
        stat = proc_stat(pid)
        if not stat or not stat[1].startswith("postgres"):
            continue
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        found.append((pid, title))
    return found


def bench_backends() -> list[int]:
    """PostgreSQL backends connected to the benchmark database (the server's connections), nothing else."""
    database = os.environ.get("BENCH_DB", "govplus_bench")
    return [pid for pid, title in _postgres_processes() if f" {database} " in title]


def postgres_pids() -> list[int]:
    """The cluster's own processes plus the backends connected to the benchmark database (not other
    databases on the same server, which other people's tests may be using)."""
    database = os.environ.get("BENCH_DB", "govplus_bench")
    return [
        pid
        for pid, title in _postgres_processes()
        if f" {database} " in title or not re.search(r"postgres: \S+: \S+ \S+ ", title)
    ]


def cpu_of(pids: list[int]) -> float:
    return sum(stat[2] for pid in pids if (stat := proc_stat(pid)))


def cpu_each(pids: list[int]) -> dict[int, float]:
    return {pid: stat[2] for pid in pids if (stat := proc_stat(pid))}


def cpu_since(start: dict[int, float]) -> float:
    """CPU used since `start` by the processes still alive (one that ended took its counters with it)."""
    now = cpu_each(list(start))
    return sum(now[pid] - start[pid] for pid in now)


def machine_busy() -> tuple[float, float]:
    """(seconds of CPU spent in processes — user, nice, system —, total seconds) over all CPUs since boot.
    Interrupt and softirq time (the loopback network) is not attributed to any process, so it is left
    out of "busy" rather than counted as "other"."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (values[0] + values[1] + values[2]) / TICKS, sum(values[:8]) / TICKS


def rss_mb(pids: list[int]) -> list[float]:
    """Resident set size as `ps -o rss` reports it, in MB."""
    if not pids:
        return []
    out = subprocess.run(["ps", "-o", "rss=", "-p", ",".join(map(str, pids))], capture_output=True, text=True).stdout
    return [round(int(v) / 1024, 1) for v in out.split()]


def private_mb(pids: list[int]) -> list[dict[str, float]]:
    """Per worker: PSS (its fair share of pages shared with the master and the other worker) and USS
    (pages only it has; what stopping it would give back), in MB, from /proc/<pid>/smaps_rollup."""
    shares = []
    for pid in pids:
        fields: dict[str, float] = {}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("Pss", "Private_Clean", "Private_Dirty"):
                    fields[name] = int(rest.split()[0]) / 1024
        shares.append(
            {
                "pss": round(fields.get("Pss", 0.0), 1),
                "uss": round(fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0), 1),
            }
        )
    return shares


class Meter:
    """CPU used by workers / PostgreSQL / the load generator / anything else during a measurement."""

    def __enter__(self) -> Meter:
        self.w0, self.p0 = cpu_each(worker_pids()), cpu_each(postgres_pids())
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.g0 = usage.ru_utime + usage.ru_stime
        self.m0 = machine_busy()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.t0
        self.worker_cpu = cpu_since(self.w0)
        self.pg_cpu = cpu_since(self.p0)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.gen_cpu = usage.ru_utime + usage.ru_stime - self.g0
        busy, total = machine_busy()
        self.machine_cpu = busy - self.m0[0]
        self.machine_total = total - self.m0[1]

    def figures(self, requests: int) -> dict[str, float]:
        per = 1000 / max(1, requests)
        other = self.machine_cpu - self.worker_cpu - self.pg_cpu - self.gen_cpu
        return {
            "cpu_ms_app": round(self.worker_cpu * per, 2),
            "cpu_ms_db": round(self.pg_cpu * per, 2),
            "cpu_ms_loadgen": round(self.gen_cpu * per, 2),
            "machine_busy_pct": round(100 * self.machine_cpu / max(1e-9, self.machine_total), 1),
            "other_cpu_pct": round(100 * max(0.0, other) / max(1e-9, self.machine_total), 1),
        }


# --- server ---------------------------------------------------------------------------------------------

PRIORITY = int(os.environ.get("BENCH_NICE", "-10"))


def boost(pids: list[int]) -> None:
    """Run the processes under test at a higher CPU priority (nice -10 by default, BENCH_NICE=0 to turn it
    off): gunicorn's master and workers, the PostgreSQL backends connected to the benchmark database
    (never the postmaster, whose children would inherit it) and the load generator. This machine may
    be shared: other people's test runs would otherwise take CPU from the server, the database and the
    load generator in the middle of a measurement. Needs root; silently skipped otherwise."""
    backends = set(bench_backends())
    for pid in pids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, PRIORITY)
        if pid not in backends:
            # With the kernel's autogroup scheduling (sched_autogroup_enabled=1) CPU is first shared
            # between sessions, so the nice value of the process's own session group is what counts
            # against other people's work. The database backends share the postmaster's group with
            # every other database on the server: that group is left alone.
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/autogroup").write_text(str(PRIORITY))


def server_start(workers: int = WORKERS) -> int:
    if master_pid():
        return master_pid()  # type: ignore[return-value]
    log = open(VAR / "gunicorn.log", "ab")  # noqa: SIM115 - handed to the server process
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "config.wsgi:application",
        "--config",
        str(ROOT / "config/gunicorn.conf.py"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{PORT}",
        "--pid",
        str(PIDFILE),
        "--backlog",
        "4096",
        "--control-socket",
        str(VAR / "gunicorn.ctl"),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    huey_log = open(VAR / "huey.log", "ab")  # noqa: SIM115 - handed to the consumer process
    consumer = subprocess.Popen(
        [PY, "-m", "govplus.cli", "run_huey", "--quiet", "--workers", "1", "--worker-type", "thread"],
        cwd=ROOT,
        stdout=huey_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    HUEY_PIDFILE.write_text(str(consumer.pid))
    for _ in range(100):
        time.sleep(0.2)
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {VAR / 'gunicorn.log'}")
        try:
            urllib.request.urlopen(URL + "/bench/bare", timeout=2).read()
            if len(worker_pids()) >= workers:
                boost([process.pid, *worker_pids()])
                return process.pid
        except OSError:
            continue
    sys.exit("gunicorn did not answer on /bench/bare")


def server_stop() -> None:
    for consumer in huey_pids()[:1]:
        os.kill(consumer, signal.SIGTERM)
    HUEY_PIDFILE.unlink(missing_ok=True)
    pid = master_pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(150):
        if proc_stat(pid) is None:
            break
        time.sleep(0.2)
    PIDFILE.unlink(missing_ok=True)


QUIET_PCT = float(os.environ.get("BENCH_QUIET_PCT", "8"))


def wait_quiet(limit: float = float(os.environ.get("BENCH_QUIET_WAIT", "30"))) -> float:
    """Wait until the machine is quiet (<= QUIET_PCT% CPU busy over a second): this machine may be shared
    with other people's test runs, which would steal CPU from the server under test."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        busy0, total0 = machine_busy()
        time.sleep(1)
        busy1, total1 = machine_busy()
        if 100 * (busy1 - busy0) / max(1e-9, total1 - total0) <= QUIET_PCT:
            break
    return round(time.perf_counter() - start, 1)


def wait_idle(limit: float = 180) -> float:
    """Wait until the workers stop using CPU (a backlog left by an overload is drained); returns seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        before = cpu_of(worker_pids())
        time.sleep(1)
        if cpu_of(worker_pids()) - before < 0.05:
            break
    return round(time.perf_counter() - start, 1)


# --- checks and load ---------------------------------------------------------------------------------------


def check(
    path: str, headers: dict[str, str], *, method: str = "GET", body: bytes | None = None, expect: int = 200
) -> None:
    request = urllib.request.Request(URL + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
            final = response.geturl()
    except urllib.error.HTTPError as error:
        status, text, final = error.code, error.read().decode("utf-8", "replace"), path
    if status != expect or "/login/" in final:
        sys.exit(f"check failed: {method} {path} -> {status} {final} {text[:300]}")


def staff() -> dict[str, dict[str, str]]:
    return json.loads((WORK / "staff.json").read_text())


def parse_wrk(output: str) -> dict[str, float]:
    match = re.search(r"^WRKJSON (.*)$", output, re.M)
    if not match:
        sys.exit("wrk printed no result:\n" + output)
    raw = json.loads(match.group(1))
    errors = raw["err_connect"] + raw["err_read"] + raw["err_write"] + raw["err_status"] + raw["err_timeout"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "errors": errors,
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "mean_ms": round(raw["mean_us"] / 1000, 1),
    }


def wrk(script: str, args: list[str], concurrency: int, duration: float) -> tuple[dict[str, float], Meter]:
    command = [
        "nice",
        "-n",
        str(PRIORITY),
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        str(BENCH / "wrk" / script),
        URL,
        "--",
        *args,
    ]
    boost(worker_pids() + bench_backends())
    with Meter() as meter:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output), meter


def record(entry: dict[str, object]) -> None:
    entry["at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    entry["rss_mb"] = rss_mb(worker_pids())
    entry["pss_uss_mb"] = private_mb(worker_pids())
    with RESULTS.open("a") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    keys = (
        "rps",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "errors",
        "achieved_rate",
        "cpu_ms_app",
        "cpu_ms_db",
        "cpu_ms_loadgen",
        "other_cpu_pct",
        "rss_mb",
    )
    shown = " ".join(f"{k}={entry[k]}" for k in keys if k in entry)
    print(f"[{entry['scenario']}/{entry['label']} c={entry.get('concurrency', '-')}] {shown}", flush=True)


def measure_get(
    scenario: str,
    label: str,
    paths_file: Path,
    concurrency: int,
    duration: float,
    header: tuple[str, str] | None = None,
    warmup: float = 3,
    headers: list[str] | None = None,
    check_paths: bool = True,
    **extra: object,
) -> dict[str, object]:
    """`header` one (name, value) pair, or `headers` a flat list name, value, name, value …; with
    `check_paths=False` only the first 20 paths are checked (a file of thousands of lookups)."""
    pairs = list(header or ()) + list(headers or [])
    sent = dict(zip(pairs[::2], pairs[1::2], strict=True))
    for path in paths_file.read_text().split()[: None if check_paths else 20]:
        check(path, sent)
    args = [str(paths_file), *pairs]

    def once() -> dict[str, object]:
        wait_quiet()
        if warmup:
            wrk("paths.lua", args, concurrency, warmup)
        figures, meter = wrk("paths.lua", args, concurrency, duration)
        return {
            "scenario": scenario,
            "label": label,
            "concurrency": concurrency,
            "duration_s": duration,
            **figures,
            **meter.figures(int(figures["requests"])),
            **extra,
        }

    entry = least_disturbed(once)
    record(entry)
    return entry


ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "3"))


def least_disturbed(run, attempts: int = ATTEMPTS) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Run a measurement again (up to `attempts` times) while something else used more than QUIET_PCT% of
    the machine's CPU during it; keep the least disturbed run and say how disturbed it was."""
    best: dict[str, object] | None = None
    for attempt in range(attempts):
        entry = run()
        entry["attempt"] = attempt + 1
        if best is None or float(entry["other_cpu_pct"]) < float(best["other_cpu_pct"]):  # type: ignore[arg-type]
            best = entry
        if float(entry["other_cpu_pct"]) <= QUIET_PCT:  # type: ignore[arg-type]
            break
        print(f"  (disturbed: {entry['other_cpu_pct']}% CPU used by other processes; measuring again)", flush=True)
    return best  # type: ignore[return-value]


# --- scenarios -------------------------------------------------------------------------------------------


def scenario_reads(args: argparse.Namespace) -> None:
    server_start()
    pages = [
        ("bare", "bare.paths"),
        ("guide", "guide.paths"),
        ("search-html", "search.paths"),
        ("search-api", "api-search.paths"),
        ("bare-again", "bare.paths"),
    ]
    for label, name in pages:
        measure_get("reads", label, WORK / name, args.concurrency, args.duration)
    for label, name in pages[:4]:
        measure_get("reads-c1", label, WORK / name, 1, args.duration / 2, warmup=1)


def db_figures() -> dict[str, object]:
    output = subprocess.run([PY, str(BENCH / "explain_tasks.py")], capture_output=True, text=True, check=True)
    return json.loads(output.stdout)


def scenario_workbench(args: argparse.Namespace) -> None:
    server_start()
    info = db_figures()
    print(f"[workbench/{args.label}] data: {json.dumps(info['counts'], ensure_ascii=False)}", flush=True)
    users = staff()
    clerk = users["clerk"]
    runs = [
        ("api-clerk", "tasks.paths", ("Authorization", f"Bearer {clerk['token']}"), args.concurrency, "clerk"),
        ("html-clerk", "staff.paths", ("Cookie", f"sessionid={clerk['session']}"), args.concurrency, "clerk"),
        (
            "api-reviewer3",
            "tasks.paths",
            ("Authorization", f"Bearer {users['reviewer']['token']}"),
            args.concurrency,
            "reviewer",
        ),
        (
            "api-reviewer1",
            "tasks.paths",
            ("Authorization", f"Bearer {users['rsj.reviewer']['token']}"),
            args.concurrency,
            "rsj.reviewer",
        ),
        ("api-clerk-c1", "tasks.paths", ("Authorization", f"Bearer {clerk['token']}"), 1, "clerk"),
    ]
    (WORK / "tasks.paths").write_text("/api/v1/tasks\n")
    (WORK / "staff.paths").write_text("/staff/\n")
    for label, name, header, concurrency, user in runs:
        measure_get(
            "workbench",
            label,
            WORK / name,
            concurrency,
            args.duration,
            header=header,
            size=args.label,
            counts=info["counts"],
            visible=info["users"][user]["visible"],
            sql_ms=info["users"][user]["sql_ms"],
        )


def scenario_submit(args: argparse.Namespace) -> None:
    server_start()
    tokens = WORK / "citizens.tokens"
    bodies = sorted(WORK.glob("submit-*.json"))
    token = tokens.read_text().split()[0]
    check(
        "/api/v1/applications",
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"check-{time.time()}",
        },
        method="POST",
        body=bodies[0].read_bytes(),
        expect=201,
    )
    wrk("submit.lua", [str(tokens), *map(str, bodies)], 2, 3)
    for concurrency in [int(c) for c in args.closed.split(",") if c]:

        def closed(concurrency: int = concurrency) -> dict[str, object]:
            wait_quiet()
            figures, meter = wrk("submit.lua", [str(tokens), *map(str, bodies)], concurrency, args.closed_duration)
            return {
                "scenario": "submit-closed",
                "label": "submit",
                "concurrency": concurrency,
                "duration_s": args.closed_duration,
                **figures,
                **meter.figures(int(figures["requests"])),
            }

        record(least_disturbed(closed))
    command = [
        "nice",
        "-n",
        str(PRIORITY),
        PY,
        str(BENCH / "openloop.py"),
        "--url",
        URL,
        "--rate",
        str(args.rate),
        "--duration",
        str(args.open_duration),
        "--timeout",
        "15",
        "--submit",
        str(tokens),
        *map(str, bodies),
    ]

    def opened() -> dict[str, object]:
        wait_idle()
        wait_quiet()
        boost(worker_pids() + bench_backends())
        with Meter() as meter:
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = json.loads(re.search(r"^OPENJSON (.*)$", output, re.M).group(1))  # type: ignore[union-attr]
        entry = {
            "scenario": "submit-open",
            "label": "submit",
            "concurrency": "open",
            **result,
            **meter.figures(int(result["sent"])),
        }
        entry["rss_mb_under_load"] = rss_mb(worker_pids())
        entry["drain_s"] = wait_idle()
        return entry

    record(least_disturbed(opened, attempts=min(2, ATTEMPTS)))


def scenario_licence_lists(args: argparse.Namespace) -> None:
    """GET /api/v1/licences as the holder (张三's wallet) and as the approver (three departments'
    register), with and without a status filter; `--label` names the library's size."""
    server_start()
    output = subprocess.run([PY, str(BENCH / "licence_tokens.py")], capture_output=True, text=True, check=True)
    tokens = json.loads(output.stdout)
    WORK.mkdir(parents=True, exist_ok=True)
    count = subprocess.run(
        [
            "psql",
            "-h",
            os.environ["BENCH_PGHOST"],
            "-U",
            os.environ["BENCH_PGUSER"],
            "-Atc",
            "select count(*) from licences_licence",
            os.environ["BENCH_DB"],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    runs = [
        ("wallet", "citizen", "/api/v1/licences"),
        ("wallet-valid", "citizen", "/api/v1/licences?status=valid"),
        ("register", "approver", "/api/v1/licences"),
        ("register-valid", "approver", "/api/v1/licences?status=valid"),
    ]
    for label, user, path in runs:
        paths = WORK / f"licences-{label}.paths"
        paths.write_text(path + "\n")
        entry = measure_get(
            "licence-lists",
            label,
            paths,
            args.concurrency,
            args.duration,
            header=("Authorization", f"Bearer {tokens[user]}"),
            size=args.label,
            licences=int(count),
        )
        print(
            json.dumps(
                {
                    k: entry.get(k)
                    for k in (
                        "label",
                        "size",
                        "licences",
                        "rps",
                        "p50_ms",
                        "p90_ms",
                        "p99_ms",
                        "cpu_ms_app",
                        "cpu_ms_db",
                        "other_cpu_pct",
                    )
                }
            ),
            flush=True,
        )


def scenario_exchange_gateway(args: argparse.Namespace) -> None:
    """The gateway on a resource of a million records: lookups by key through the gateway (token, purpose,
    case and consent headers, grant, masking, evidence) against the same keys read by a bare view with
    one SQL query, same server, same run; then batches of 1,000 keys, timed one after another."""
    server_start()
    setup = subprocess.run(
        [PY, str(BENCH / "exchange_setup.py"), "--records", str(args.records)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(setup.stdout)
    headers = [
        "Authorization", f"Bearer {info['token']}",
        "X-Purpose", "bench", "X-Case-Number", "BENCH-1", "X-Consent", "BENCH-CONSENT",
    ]  # fmt: skip
    bare = measure_get(
        "exchange-gateway",
        "bare-one-query",
        WORK / "gateway-bare.paths",
        args.concurrency,
        args.duration,
        check_paths=False,
        records=info["records"],
    )
    lookup = measure_get(
        "exchange-gateway",
        "lookup",
        WORK / "gateway.paths",
        args.concurrency,
        args.duration,
        headers=headers,
        check_paths=False,
        records=info["records"],
    )
    body = (WORK / "gateway-batch.json").read_bytes()
    timings = []
    for _ in range(args.batches):
        request = urllib.request.Request(
            f"{URL}/api/v1/exchange/resources/{info['resource']}/lookup",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {info['token']}",
                "X-Purpose": "bench",
                "Content-Type": "application/json",
            },
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as answer:
            records = len(json.loads(answer.read())["data"]["records"])
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    record(
        {
            "scenario": "exchange-gateway",
            "label": "batch-1000",
            "records_returned": records,
            "p50_ms": round(timings[len(timings) // 2], 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
            "max_ms": round(timings[-1], 1),
            "batches": len(timings),
        }
    )
    ratio = float(lookup["rps"]) / float(bare["rps"])  # type: ignore[arg-type]
    print(json.dumps({"lookup_vs_bare": round(ratio, 2), "records": info["records"]}), flush=True)


def scenario_appeals_intake(args: argparse.Namespace) -> None:
    """Open311 POSTs of new appeals (form-encoded, a partner's key): each is checked, classified by the
    trained model, checked for duplicates, routed, stored and audited. Target: ≥ 100 appeals/s, p95 <
    200 ms on 2 workers and PostgreSQL."""
    server_start()
    setup = subprocess.run([PY, str(BENCH / "appeals_setup.py")], capture_output=True, text=True, check=True)
    info = json.loads(setup.stdout.strip().splitlines()[-1])
    forms = sorted(str(p) for p in WORK.glob("appeal-*.form"))
    wrk("post_forms.lua", ["/open311/v2/requests.json", *forms], args.concurrency, 2)  # warm-up
    figures, meter = wrk("post_forms.lua", ["/open311/v2/requests.json", *forms], args.concurrency, args.duration)
    entry = {
        "scenario": "appeals-intake",
        "label": f"open311-post c={args.concurrency}",
        "model": info["model"],
        **figures,
        **meter.figures(int(figures.get("requests", 0))),
    }
    record(entry)


def scenario_rss(args: argparse.Namespace) -> None:
    record({"scenario": "rss", "label": "after-load", "workers": worker_pids()})


# --- report ----------------------------------------------------------------------------------------------


def latest() -> dict[tuple[str, str, str, str], dict]:  # type: ignore[type-arg]
    rows: dict[tuple[str, str, str, str], dict] = {}  # type: ignore[type-arg]
    if RESULTS.exists():
        for line in RESULTS.read_text().splitlines():
            entry = json.loads(line)
            rows[(entry["scenario"], entry["label"], str(entry.get("size", "")), str(entry.get("concurrency")))] = entry
    return rows


def scenario_report(args: argparse.Namespace) -> None:
    rows = latest()
    out = []
    reads = {k[1]: v for k, v in rows.items() if k[0] == "reads"}
    reads_c1 = {k[1]: v for k, v in rows.items() if k[0] == "reads-c1"}
    if reads:
        bare = [reads[k]["rps"] for k in ("bare", "bare-again") if k in reads]
        base = sum(bare) / len(bare)
        out.append("### Reads (16 concurrent clients, closed loop)\n")
        out.append(
            "| page | req/s | vs bare | p50 ms | p95 ms | p99 ms | errors | app CPU ms/req | DB CPU ms/req "
            "| wrk CPU ms/req | other CPU % | 1 client p50 / p95 ms |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for label, entry in reads.items():
            single = reads_c1.get(label)
            unloaded = f"{single['p50_ms']} / {single['p95_ms']}" if single else "-"
            out.append(
                f"| {label} | {entry['rps']:.0f} | {entry['rps'] / base:.2f} | {entry['p50_ms']} | "
                f"{entry['p95_ms']} | {entry['p99_ms']} | {entry['errors']} | {entry['cpu_ms_app']} | "
                f"{entry['cpu_ms_db']} | {entry['cpu_ms_loadgen']} | {entry['other_cpu_pct']} | {unloaded} |"
            )
    closed = [v for k, v in rows.items() if k[0] == "submit-closed"]
    opened = [v for k, v in rows.items() if k[0] == "submit-open"]
    if closed or opened:
        out.append("\n### Application submit with a 100 KB PDF (POST /api/v1/applications, submit=true)\n")
        out.append(
            "| load | offered | achieved req/s | p50 ms | p95 ms | p99 ms | errors | app CPU ms/req | DB CPU ms/req "
            "| other CPU % |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for entry in sorted(closed, key=lambda e: int(e["concurrency"])):
            out.append(
                f"| closed, {entry['concurrency']} clients | - | {entry['rps']} | {entry['p50_ms']} | "
                f"{entry['p95_ms']} | {entry['p99_ms']} | {entry['errors']} | {entry['cpu_ms_app']} | "
                f"{entry['cpu_ms_db']} | {entry['other_cpu_pct']} |"
            )
        for entry in opened:
            errors = entry["sent"] - entry["ok"]
            out.append(
                f"| open loop, {entry['duration_s']:.0f} s | {entry['offered_rate']:.0f}/s | "
                f"{entry['achieved_rate']} | {entry['p50_ms']} | {entry['p95_ms']} | {entry['p99_ms']} | "
                f"{errors} | {entry['cpu_ms_app']} | {entry['cpu_ms_db']} | {entry['other_cpu_pct']} |"
            )
    bench = [v for k, v in rows.items() if k[0] == "workbench"]
    if bench:
        out.append("\n### Workbench task list by data size\n")
        out.append(
            "| cases | open tasks | who (queues) | tasks visible | page | clients | req/s | p50 ms | p95 ms "
            "| SQL ms (EXPLAIN ANALYZE) | app CPU ms/req | DB CPU ms/req | other CPU % |"
        )
        out.append("|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        order = {"api-clerk": 0, "html-clerk": 1, "api-reviewer3": 2, "api-reviewer1": 3, "api-clerk-c1": 4}
        for entry in sorted(bench, key=lambda e: (e["counts"]["applications"], order.get(e["label"], 9))):
            who = {
                "api-clerk": "clerk (17)",
                "html-clerk": "clerk (17)",
                "api-reviewer3": "reviewer (3)",
                "api-reviewer1": "rsj.reviewer (1)",
                "api-clerk-c1": "clerk (17)",
            }[entry["label"]]
            page = "/staff/" if entry["label"].startswith("html") else "/api/v1/tasks"
            out.append(
                f"| {entry['counts']['applications']:,} | {entry['counts']['open_tasks']:,} | {who} | "
                f"{entry['visible']:,} | {page} | {entry['concurrency']} | {entry['rps']} | "
                f"{entry['p50_ms']} | {entry['p95_ms']} | {entry['sql_ms']} | {entry['cpu_ms_app']} | "
                f"{entry['cpu_ms_db']} | {entry['other_cpu_pct']} |"
            )
    all_rss = [(v["scenario"], v["label"], v.get("rss_mb", [])) for v in rows.values() if v.get("rss_mb")]
    if all_rss:
        final = [v for v in rows.values() if v["scenario"] == "rss"]
        peak = max(max(r) for _, _, r in all_rss)
        out.append("\n### Worker memory (RSS, `ps -o rss`)\n")
        if final:
            out.append(f"- after all the load: {', '.join(f'{r} MB' for r in final[-1]['rss_mb'])}")
            shares = final[-1].get("pss_uss_mb") or []
            if shares:
                described = ", ".join(f"PSS {s['pss']} MB / USS {s['uss']} MB" for s in shares)
                out.append(f"- of which the worker's own (PSS / USS, `/proc/<pid>/smaps_rollup`): {described}")
        out.append(f"- largest seen after any scenario: {peak} MB")
    print("\n".join(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "scenario",
        choices=[
            "server-start",
            "server-stop",
            "reads",
            "workbench",
            "submit",
            "licence-lists",
            "exchange-gateway",
            "appeals-intake",
            "rss",
            "report",
        ],
    )
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--label", default="")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--open-duration", type=float, default=20)
    parser.add_argument("--closed", default="2,4,8,16")
    parser.add_argument("--closed-duration", type=float, default=15)
    parser.add_argument("--records", type=int, default=1_000_000, help="exchange-gateway: records in the resource")
    parser.add_argument("--batches", type=int, default=20, help="exchange-gateway: batches of 1,000 keys timed")
    args = parser.parse_args()
    boost([os.getpid()])  # this session's group: wrk and the open-loop generator run in it
    if args.scenario == "server-start":
        print(f"gunicorn master {server_start()} on {URL}")
    elif args.scenario == "server-stop":
        server_stop()
    else:
        {
            "reads": scenario_reads,
            "workbench": scenario_workbench,
            "submit": scenario_submit,
            "licence-lists": scenario_licence_lists,
            "exchange-gateway": scenario_exchange_gateway,
            "appeals-intake": scenario_appeals_intake,
            "rss": scenario_rss,
            "report": scenario_report,
        }[args.scenario](args)


if __name__ == "__main__":
    main()
