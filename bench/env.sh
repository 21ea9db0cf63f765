# Environment of every benchmark: production-like settings (DEBUG off) on a scratch PostgreSQL database.
# Source it:  . bench/env.sh     Override any variable before sourcing (e.g. BENCH_DB=govplus_bench2).
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BENCH_ROOT
export BENCH_VAR="${BENCH_VAR:-/tmp/govplus-bench}"
export BENCH_DB="${BENCH_DB:-govplus_bench}"
export BENCH_PGHOST="${BENCH_PGHOST:-127.0.0.1}"
export BENCH_PGUSER="${BENCH_PGUSER:-postgres}"
export BENCH_PORT="${BENCH_PORT:-8321}"
export BENCH_URL="http://127.0.0.1:${BENCH_PORT}"
export PY="${BENCH_ROOT}/.venv/bin/python"
mkdir -p "$BENCH_VAR"

export DEBUG=off
export DJANGO_SETTINGS_MODULE=bench.bench_settings
export PYTHONPATH="${BENCH_ROOT}:${BENCH_ROOT}/src${PYTHONPATH:+:$PYTHONPATH}"
export DATABASE_URL="${DATABASE_URL:-postgres://${BENCH_PGUSER}@${BENCH_PGHOST}:5432/${BENCH_DB}}"
export GOVPLUS_VAR_DIR="$BENCH_VAR/var"
export GOVPLUS_MEDIA_ROOT="$BENCH_VAR/media"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
# Bench-only secrets, random once per scratch dir (start-up refuses placeholders with DEBUG off).
if [ ! -s "$BENCH_VAR/secrets.env" ]; then
  python3 - > "$BENCH_VAR/secrets.env" <<'PY'
import secrets
for name in ("SECRET_KEY", "GOVPLUS_DATA_KEY", "GOVPLUS_LOOKUP_KEY", "GOVPLUS_AUDIT_KEY"):
    print(f"export {name}={secrets.token_urlsafe(48)}")
PY
  chmod 600 "$BENCH_VAR/secrets.env"
fi
. "$BENCH_VAR/secrets.env"
export OIDC_RSA_PRIVATE_KEY="$BENCH_VAR/oidc-rsa.pem"
if [ ! -s "$OIDC_RSA_PRIVATE_KEY" ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OIDC_RSA_PRIVATE_KEY" 2>/dev/null
  chmod 600 "$OIDC_RSA_PRIVATE_KEY"
fi
# The `govplus` command without needing the project installed into the venv (src/ is on PYTHONPATH).
govplus() { "$PY" -m govplus.cli "$@"; }
# The audit log's signing key (required with DEBUG off), generated once per scratch dir.
export GOVPLUS_AUDIT_SIGNING_KEY="$BENCH_VAR/audit-ed25519.pem"
if [ ! -s "$GOVPLUS_AUDIT_SIGNING_KEY" ]; then
  openssl genpkey -algorithm ed25519 -out "$GOVPLUS_AUDIT_SIGNING_KEY" 2>/dev/null
  chmod 600 "$GOVPLUS_AUDIT_SIGNING_KEY"
fi
export GOVPLUS_AUDIT_CHECKPOINT_DIR="$BENCH_VAR/audit-checkpoints"
