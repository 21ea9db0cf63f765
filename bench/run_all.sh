#!/usr/bin/env bash
# The whole benchmark in one command: a fresh PostgreSQL database, the demo county, the clients, then
# every measurement, ending with the figures as markdown (also in $BENCH_VAR/report.md).
#
#   bash bench/run_all.sh                          # sizes 10k, 100k, 1M (about 20 minutes)
#   BENCH_SIZES="10000 100000" bash bench/run_all.sh
#   BENCH_DURATION=10 bash bench/run_all.sh        # shorter measurements
#
# Environment: bench/env.sh (DEBUG off, scratch dir $BENCH_VAR, database $BENCH_DB, port $BENCH_PORT).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. bench/env.sh
SIZES="${BENCH_SIZES:-10000 100000 1000000}"
DURATION="${BENCH_DURATION:-20}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ -x "$PY" ] || { echo "no virtualenv at .venv: run 'make install' first" >&2; exit 1; }

echo "== machine: $(nproc) CPUs, $(python3 -c 'import os;print(round(os.sysconf("SC_PAGE_SIZE")*os.sysconf("SC_PHYS_PAGES")/2**30))') GiB; $("$PY" -V); $(psql -h "$BENCH_PGHOST" -U "$BENCH_PGUSER" -Atc 'show server_version' postgres | cut -d' ' -f1)"
"$PY" bench/run_bench.py server-stop
echo "== fresh database $BENCH_DB"
dropdb -h "$BENCH_PGHOST" -U "$BENCH_PGUSER" --if-exists "$BENCH_DB"
createdb -h "$BENCH_PGHOST" -U "$BENCH_PGUSER" "$BENCH_DB"
rm -rf "$GOVPLUS_MEDIA_ROOT" "$GOVPLUS_VAR_DIR"
govplus migrate --noinput >/dev/null
govplus seed_demo --force | grep -v "^  "
govplus collectstatic --noinput >/dev/null
"$PY" bench/setup_clients.py
[ -f "$BENCH_VAR/results.jsonl" ] && mv "$BENCH_VAR/results.jsonl" "$BENCH_VAR/results-$(date +%Y%m%d-%H%M%S).jsonl"

"$PY" bench/run_bench.py server-start
echo "== reads: bare view, guide, search (16 clients, ${DURATION}s each)"
"$PY" bench/run_bench.py reads --duration "$DURATION"
for size in $SIZES; do
  echo "== workbench with $size cases"
  "$PY" bench/load_cases.py --total "$size"
  "$PY" bench/explain_tasks.py --plans "$BENCH_VAR/plans" >/dev/null
  "$PY" bench/run_bench.py workbench --label "$size" --duration "$((DURATION * 3 / 4))"
done
echo "== application submit with a 100 KB PDF"
"$PY" bench/run_bench.py submit --rate "${BENCH_SUBMIT_RATE:-100}" --open-duration "$DURATION"
"$PY" bench/run_bench.py rss
"$PY" bench/run_bench.py server-stop
echo
"$PY" bench/run_bench.py report | tee "$BENCH_VAR/report.md"
