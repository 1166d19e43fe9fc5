#!/usr/bin/env bash
# Runs every test: the formatting and lint gates, unit and database tests (cargo test, a fresh
# database per test), HTTP tests against the real router, then Playwright journeys in Chromium
# against the built app.
# Uses $DATABASE_URL's server when set; otherwise starts a private PostgreSQL in a temp folder.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

ensure_rust_tools
[ -x /usr/bin/chromium ] || apt_install chromium
command -v prometheus >/dev/null || apt_install prometheus
command -v npm >/dev/null || apt_install nodejs npm

work=$(mktemp -d /tmp/vernier-test.XXXXXX)
chmod 755 "$work"  # the private cluster may run as the postgres user
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  stop_private_pg
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  say "starting a private PostgreSQL"
  start_private_pg "$work/pg" "$(free_port)"
fi

say "formatting and lints (cargo fmt --check, clippy -D warnings)"
cargo fmt --all -- --check
cargo clippy -p app --features ssr -p server --all-targets -- -D warnings
# The benchmark binary too, so it never rots (it only runs by hand).
cargo clippy -p server --features bench --bin bench -- -D warnings

say "unit, database and HTTP tests"
cargo test -p app --features ssr -p server 2>&1 | tee "$work/cargo.log"
cargo_passed=$(awk '/^test result:/ { sum += $4 } END { print sum + 0 }' "$work/cargo.log")
cargo_failed=$(awk '/^test result:/ { sum += $6 } END { print sum + 0 }' "$work/cargo.log")

say "building the app for the browser tests"
cargo leptos build
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

say "starting Vernier on a fresh database"
e2e_db="vernier_e2e_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $e2e_db" >/dev/null
port=$(free_port)
metrics_token="e2e-$(date +%s%N)"
DATABASE_URL="${DATABASE_URL%/*}/$e2e_db" VERNIER_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
  VERNIER_METRICS_TOKEN="$metrics_token" RUST_LOG=warn "$target_dir/debug/server" serve --demo >"$work/server.log" 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$port/health" 60 || { cat "$work/server.log"; die "Vernier did not start"; }

say "browser tests (Playwright, Chromium)"
(cd end2end && { [ -d node_modules/@playwright/test ] || npm ci --no-audit --no-fund; })
set +e
(cd end2end && VERNIER_E2E_URL="http://127.0.0.1:$port" npx playwright test) 2>&1 | tee "$work/e2e.log"
e2e_status=${PIPESTATUS[0]}
set -e
playwright_count() { grep -oE "^ +[0-9]+ $1" "$work/e2e.log" | grep -oE '[0-9]+' | tail -n 1 || true; }
e2e_passed=$(playwright_count passed)
e2e_failed=$(playwright_count failed)
if [ "$e2e_status" != 0 ]; then
  tail -n 50 "$work/server.log"
fi

# peer NAME COMMAND...: runs a check against a real peer, teeing to WORK/NAME.log; the command
# prints "NAME checks passed: N" when it passes. Adds to peer_passed and peer_failed.
peer_passed=0
peer_failed=0
peer() {
  local name=$1 status count
  shift
  set +e
  "$@" 2>&1 | tee "$work/$name.log"
  status=${PIPESTATUS[0]}
  set -e
  count=$(grep -oE "$name checks passed: [0-9]+" "$work/$name.log" | grep -oE '[0-9]+$' || true)
  peer_passed=$((peer_passed + ${count:-0}))
  if [ "$status" != 0 ] || [ -z "$count" ]; then peer_failed=$((peer_failed + 1)); fi
}

say "a real Prometheus scrapes Vernier (Debian's prometheus, PromQL over its HTTP API)"
peer prometheus scripts/prometheus-scrape.sh "127.0.0.1:$port" "$metrics_token" "$work"

say "a real OpenTelemetry client sends GenAI spans (Python's opentelemetry-sdk and OTLP/HTTP exporter from PyPI)"
peer otel scripts/otel-python.sh "http://127.0.0.1:$port" "$work"

say "the REST API under property-based testing (schemathesis from PyPI: every operation, valid and invalid requests)"
peer api scripts/api-fuzz.sh "http://127.0.0.1:$port" "$work"

say "backup and restore (pg_dump, pg_restore into a fresh database, a second Vernier reads it back)"
kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
server_pid=""
peer backup scripts/backup-roundtrip.sh "${DATABASE_URL%/*}/$e2e_db" "$target_dir/debug/server" "$work"

say "crash durability (100,000 outputs from 4 retrying clients; Vernier killed twice, PostgreSQL restarted in immediate mode)"
peer crash scripts/crash-durability.sh "$target_dir/debug/server" "$work"

say "recorded checks survive a stop (SIGTERM during a load of checks: none answered as recorded is lost; SIGKILL: what is lost is reported)"
peer drain scripts/check-drain.sh "$target_dir/debug/server" "$work"

say "coverage-guided fuzzing (cargo fuzz: output records, scorer specs, metrics-as-code, rubrics; ${FUZZ_SECONDS:-30} s each)"
peer fuzz scripts/fuzz.sh "${FUZZ_SECONDS:-30}" "$work/fuzz"

passed=$((cargo_passed + ${e2e_passed:-0} + peer_passed))
failed=$((cargo_failed + ${e2e_failed:-0} + peer_failed))
echo "total: $passed passed, $failed failed"
[ "$e2e_status" = 0 ] && [ "${e2e_passed:-0}" -gt 0 ] && [ "$peer_failed" = 0 ]
