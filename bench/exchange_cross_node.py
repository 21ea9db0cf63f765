"""What a cross-node lookup adds over a local one: two nodes on loopback, each with its own database.

    python bench/exchange_cross_node.py [--requests 300]

Scratch directories under /tmp/govplus-xnode. The county (德清县, 330521) runs in this process, served by a
threaded WSGI server on loopback; the city (湖州市, 330500) is a second process with its own SQLite database
(`exchange/tests/peer_node.py`, the node the federation test and `make run-city` start), served by
gunicorn with 2 workers (runserver's socket holds a POST's body back ~40 ms: no TCP_NODELAY). Both nodes
run with DEBUG on and SQLite, so the absolute figures are a development set-up's. The county
registers the city, its 人社局 asks for the city's 派出所名录 (无条件: granted at once) and the county
publishes a table of its own of the same shape. A consumer system of the county gets a token, then reads
one record `--requests` times through its own gateway: locally (`/api/v1/exchange/gateway/{resource}/…`)
and from the city (`/api/v1/exchange/gateway/nodes/330500/{resource}/…`), alternating. Target (issue
#8): a cross-node lookup adds < 10 ms over loopback. Both go through the same middleware, token check,
gateway checks and evidence; the cross-node one adds the signed call, the city's gateway and its
evidence, and the county's own evidence of it. Prints p50/p95 of each and the difference; one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path("/tmp/govplus-xnode")
PEER = [sys.executable, "-m", "govplus.exchange.tests.peer_node", "--gunicorn"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    (SCRATCH / "county").mkdir(parents=True)
    county_port, city_port = free_port(), free_port()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{SCRATCH / 'county' / 'node.sqlite3'}",
            "GOVPLUS_VAR_DIR": str(SCRATCH / "county"),
            "GOVPLUS_NODE_CODE": "330521",
            "GOVPLUS_NODE_URL": f"http://127.0.0.1:{county_port}",
            "DEBUG": "on",
            "HUEY_IMMEDIATE": "on",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
        }
    )
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    import datetime as dt

    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from govplus.exchange.federation import node_register, remote_request_create
    from govplus.exchange.models import Resource
    from govplus.exchange.records import records_write
    from govplus.exchange.services import consumer_system_create, share_request_create
    from govplus.exchange.tests.conftest import resource_make
    from govplus.identity.models import Department, Role
    from govplus.identity.services import staff_create

    rsj, _ = Department.objects.get_or_create(code="rsj", defaults={"name": "德清县人力资源和社会保障局"})
    gaj, _ = Department.objects.get_or_create(code="gaj", defaults={"name": "德清县公安局"})
    officer = staff_create(
        actor=None,
        username="rsj_admin",
        password="Pw#12345678",
        display_name="人社",
        roles=[(rsj, Role.DEPARTMENT_ADMIN)],
    )
    local = resource_make(
        "330521-GAJ-0002", "派出所名录", gaj, Resource.ShareClass.UNCONDITIONAL,
        [("code", "编码", 1, False), ("name", "名称", 1, False), ("phone", "电话", 1, False)],
    )  # fmt: skip
    records_write(local, [{"code": "PCS01", "name": "武康派出所", "phone": "0572-8000001"}])
    consumer, secret = consumer_system_create(actor=officer, department=rsj, name="压测系统", rate_per_minute=10**8)
    today = dt.date.today()
    share_request_create(
        actor=officer, resource=local, consumer=consumer, purpose="压测", legal_basis="压测",
        fields=["code", "name"], valid_from=today, valid_until=today + dt.timedelta(days=30),
    )  # fmt: skip

    server = make_server("127.0.0.1", county_port, WSGIHandler(), server_class=Threaded, handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    city = subprocess.Popen(
        [*PEER, "--port", str(city_port), "--var", str(SCRATCH / "city"), "--peer", f"http://127.0.0.1:{county_port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip
    try:
        assert city.stdout is not None
        for line in city.stdout:
            if line.startswith("READY"):
                break
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{city_port}/api/v1/exchange/node", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        node = node_register(actor=None, url=f"http://127.0.0.1:{city_port}")
        remote_request_create(
            actor=officer, node=node, resource_code="330500-GAJ-0002", consumer=consumer, purpose="压测",
            legal_basis="压测", fields=["code", "name"], valid_from=today, valid_until=today + dt.timedelta(days=30),
        )  # fmt: skip
        base = f"http://127.0.0.1:{county_port}"
        token_request = urllib.request.Request(
            base + "/o/token/",
            data=f"grant_type=client_credentials&client_id={consumer.application.client_id}&client_secret={secret}".encode(),
            method="POST",
        )
        token = json.loads(urllib.request.urlopen(token_request, timeout=10).read())["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Purpose": "bench"}
        paths = {
            "local": "/api/v1/exchange/gateway/330521-GAJ-0002/records/PCS01",
            "cross-node": "/api/v1/exchange/gateway/nodes/330500/330500-GAJ-0002/records/PCS01",
        }
        times: dict[str, list[float]] = {name: [] for name in paths}
        for round_ in range(args.requests + 20):
            for name, path in paths.items():
                started = time.perf_counter()
                with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers), timeout=30) as answer:
                    answer.read()
                if round_ >= 20:  # warm-up
                    times[name].append((time.perf_counter() - started) * 1000)
    finally:
        city.terminate()
        city.wait(timeout=20)
        server.shutdown()

    def quantiles(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        }

    result = {name: quantiles(values) for name, values in times.items()}
    added = round(result["cross-node"]["p50_ms"] - result["local"]["p50_ms"], 2)
    print(json.dumps({"scenario": "exchange_cross_node", "requests": args.requests, **result, "added_p50_ms": added}))


if __name__ == "__main__":
    main()
