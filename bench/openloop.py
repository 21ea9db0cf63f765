"""Open-loop load generator: send requests at a fixed rate whatever the server does, like real users.

wrk is closed-loop: a slow server slows the clients down and hides queueing. Here request i is due at
t0 + i/rate and its latency is measured from that due time (not from when it could be sent), so a
server that falls behind shows it in the latency instead of in a quietly lower rate (no coordinated
omission). Uses asyncio and raw sockets (one connection per request: gunicorn's sync workers close
the connection after each response), so the generator itself stays cheap.

    python bench/openloop.py --url http://127.0.0.1:8321 --rate 100 --duration 30 \
        --submit TOKENS_FILE BODY_FILE [BODY_FILE ...]
    python bench/openloop.py --url ... --rate 200 --duration 20 --paths PATHS_FILE [--header 'Name: value']

Prints one line `OPENJSON {...}` with offered and achieved rates, status counts and latency percentiles
(milliseconds), plus the generator's own CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


class Requests:
    """Builds each request's bytes: rotating paths, or a submit with a fresh Idempotency-Key."""

    def __init__(self, host: str, args: argparse.Namespace) -> None:
        self.host = host
        self.headers = "".join(f"{h}\r\n" for h in args.header)
        self.counter = itertools.count()
        self.run = uuid.uuid4().hex[:12]
        if args.submit:
            tokens_file, *body_files = args.submit
            self.tokens = Path(tokens_file).read_text().split()
            self.bodies = [Path(path).read_bytes() for path in body_files]
            self.paths: list[str] = []
        else:
            self.paths = Path(args.paths).read_text().split()

    def next(self) -> bytes:
        n = next(self.counter)
        if self.paths:
            path = self.paths[n % len(self.paths)]
            return (f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}Connection: close\r\n\r\n").encode()
        body = self.bodies[n % len(self.bodies)]
        token = self.tokens[(n * 7) % len(self.tokens)]
        head = (
            f"POST /api/v1/applications HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {self.run}-{n}\r\n{self.headers}"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        return head.encode() + body


async def one(host: str, port: int, payload: bytes, timeout: float) -> int:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(payload)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length:
            await asyncio.wait_for(reader.readexactly(length), timeout)
        else:
            await asyncio.wait_for(reader.read(), timeout)
        return status
    finally:
        writer.close()


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    parts = urlsplit(args.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    builder = Requests(f"{host}:{port}", args)
    total = int(args.rate * args.duration)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    in_flight = 0
    peak = 0
    dropped = 0

    async def fire(due: float, payload: bytes) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            status = await one(host, port, payload, args.timeout)
            key = str(status)
        except Exception as error:  # connection refused, reset, timeout: all count as errors
            key = type(error).__name__
        finally:
            in_flight -= 1
        statuses[key] = statuses.get(key, 0) + 1
        latencies.append(time.perf_counter() - due)

    start = time.perf_counter()
    tasks = []
    for i in range(total):
        due = start + i / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= args.max_in_flight:
            dropped += 1
            continue
        tasks.append(asyncio.create_task(fire(due, builder.next())))
    send_end = time.perf_counter()
    await asyncio.gather(*tasks)
    end = time.perf_counter()
    ok = sorted(lat for lat in latencies)
    good = sum(v for k, v in statuses.items() if k.isdigit() and 200 <= int(k) < 300)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "offered_rate": args.rate,
        "duration_s": round(send_end - start, 2),
        "sent": len(tasks),
        "dropped": dropped,
        "ok": good,
        "statuses": statuses,
        "peak_in_flight": peak,
        # completed 2xx per second over the sending window: what the server kept up with
        "achieved_rate": round(good / (end - start), 1),
        "completion_window_s": round(end - start, 2),
        "p50_ms": round(1000 * percentile(ok, 0.50), 1),
        "p90_ms": round(1000 * percentile(ok, 0.90), 1),
        "p95_ms": round(1000 * percentile(ok, 0.95), 1),
        "p99_ms": round(1000 * percentile(ok, 0.99), 1),
        "max_ms": round(1000 * (ok[-1] if ok else float("nan")), 1),
        "generator_cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("BENCH_URL", "http://127.0.0.1:8321"))
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, default=30, help="seconds of sending")
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--max-in-flight", type=int, default=2000)
    parser.add_argument("--header", action="append", default=[], help="extra header line, 'Name: value'")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--paths", help="file with one path per line, requested in turn")
    group.add_argument("--submit", nargs="+", metavar="FILE", help="TOKENS_FILE BODY_FILE [BODY_FILE ...]")
    args = parser.parse_args()
    print("OPENJSON " + json.dumps(asyncio.run(main_async(args))), flush=True)


if __name__ == "__main__":
    main()
