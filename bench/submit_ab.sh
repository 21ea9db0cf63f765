#!/usr/bin/env bash
# The application submit (POST /api/v1/applications with a 100 KB PDF, submit=true) of two commits,
# measured in one run on this machine: each commit gets its own worktree, database and scratch dir, the
# same virtualenv (this checkout's .venv, a superset of both commits' dependencies) and the same load.
# Rounds alternate (base, head, base, head, …) so drift of the machine hits both alike.
#
#   bash bench/submit_ab.sh BASE_REF [HEAD_REF]        # HEAD_REF defaults to HEAD
#   BENCH_ROUNDS=2 BENCH_DURATION=15 bash bench/submit_ab.sh c4c9a4e
#
# Prints, per commit and round, the closed-loop throughput and latency at 2 and 8 clients and the open
# loop at BENCH_SUBMIT_RATE/s, then the head/base ratio of the best closed-loop throughput.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
HERE="$PWD"
BASE_REF="${1:?usage: submit_ab.sh BASE_REF [HEAD_REF]}"
HEAD_REF="${2:-HEAD}"
ROUNDS="${BENCH_ROUNDS:-2}"
DURATION="${BENCH_DURATION:-15}"
RATE="${BENCH_SUBMIT_RATE:-100}"
AB="${BENCH_AB_DIR:-/tmp/govplus-ab}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x "$HERE/.venv/bin/python" ] || { echo "no virtualenv at .venv: run 'make install' first" >&2; exit 1; }
mkdir -p "$AB"

prepare() {  # label ref: a worktree of ref at $AB/label/src with a fresh database, demo and clients
  local label="$1" ref="$2" tree="$AB/$1/tree"
  git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
  git worktree add -q --detach "$tree" "$ref"
  ln -sfn "$HERE/.venv" "$tree/.venv"
  # Both commits get the same clients and request bodies: this checkout's setup script.
  cp "$HERE/bench/setup_clients.py" "$tree/bench/setup_clients.py"
  (
    cd "$tree"
    export BENCH_VAR="$AB/$label/var" BENCH_DB="govplus_ab_$label"
    rm -rf "$BENCH_VAR"
    . bench/env.sh
    [ -f "$HERE/bench/env.extra.sh" ] && . "$HERE/bench/env.extra.sh"
    dropdb -h "$BENCH_PGHOST" -U "$BENCH_PGUSER" --if-exists "$BENCH_DB"
    createdb -h "$BENCH_PGHOST" -U "$BENCH_PGUSER" "$BENCH_DB"
    govplus migrate --noinput >/dev/null
    govplus seed_demo --force >/dev/null
    govplus collectstatic --noinput >/dev/null
    "$PY" bench/setup_clients.py >/dev/null
  )
  echo "prepared $label = $(git rev-parse --short "$ref")"
}

measure() {  # label round
  local label="$1" tree="$AB/$1/tree"
  (
    cd "$tree"
    export BENCH_VAR="$AB/$label/var" BENCH_DB="govplus_ab_$label"
    . bench/env.sh
    [ -f "$HERE/bench/env.extra.sh" ] && . "$HERE/bench/env.extra.sh"
    "$PY" bench/run_bench.py server-stop >/dev/null 2>&1 || true
    "$PY" bench/run_bench.py server-start >/dev/null
    "$PY" bench/run_bench.py submit --closed 2,8 --closed-duration "$DURATION" --rate "$RATE" --open-duration "$DURATION" >/dev/null
    "$PY" bench/run_bench.py server-stop >/dev/null
    mv "$BENCH_VAR/results.jsonl" "$AB/$label/round-$2.jsonl"
  )
}

prepare base "$BASE_REF"
prepare head "$HEAD_REF"
for round in $(seq 1 "$ROUNDS"); do
  measure base "$round"
  measure head "$round"
done
"$HERE/.venv/bin/python" - "$AB" "$ROUNDS" <<'PY'
import json, sys
from pathlib import Path
ab, rounds = Path(sys.argv[1]), int(sys.argv[2])
best = {}
print("| commit | round | 2 clients req/s | p95 ms | 8 clients req/s | p95 ms | open loop offered → done/s | p95 ms | app CPU ms/req |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for label in ("base", "head"):
    for r in range(1, rounds + 1):
        rows = [json.loads(line) for line in (ab / label / f"round-{r}.jsonl").read_text().splitlines()]
        closed = {str(e["concurrency"]): e for e in rows if e["scenario"] == "submit-closed"}
        opened = [e for e in rows if e["scenario"] == "submit-open"][-1]
        c2, c8 = closed["2"], closed["8"]
        best[label] = max(best.get(label, 0), c2["rps"], c8["rps"])
        print(f"| {label} | {r} | {c2['rps']} | {c2['p95_ms']} | {c8['rps']} | {c8['p95_ms']} | "
              f"{opened['offered_rate']:.0f} → {opened['achieved_rate']} | {opened['p95_ms']} | {c8['cpu_ms_app']} |")
print(f"\nbest closed-loop throughput: base {best['base']:.1f}/s, head {best['head']:.1f}/s, head/base = {best['head'] / best['base']:.2f}")
PY
