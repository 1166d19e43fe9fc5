#!/usr/bin/env bash
# The backup test: backs up Vernier's database (its server stopped, so nothing changes under the
# comparison), restores it into a fresh database, compares the two table by table, then starts a
# Vernier on each and reads the same metrics and outputs (with their scores) through the REST API.
# Usage: scripts/backup-roundtrip.sh DATABASE_URL SERVER_BINARY WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
source_url=$1 server=$2 work=$3
copy_db="vernier_restored_$$"
copy_url="${source_url%/*}/$copy_db"
pids=()
finish() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  psql "${source_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS $copy_db" >/dev/null 2>&1 || true
}
trap finish EXIT

DATABASE_URL=$source_url scripts/backup.sh "$work/vernier.dump"
psql "${source_url%/*}/postgres" -qc "CREATE DATABASE $copy_db" >/dev/null
scripts/restore.sh "$work/vernier.dump" "$copy_url"

passed=0
same() {
  local what=$1 left=$2 right=$3
  if [ "$left" != "$right" ] || [ -z "$left" ]; then
    echo "FAILED: $what differs after restore"
    diff <(echo "$left") <(echo "$right") | head -20
    exit 1
  fi
  passed=$((passed + 1))
  echo "ok: $what"
}
digest() {
  psql "$1" -Atqc "SELECT count(*) || ' rows, ' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM $2 t"
}
for table in metrics metric_changes outputs scores score_rollups ratings rubrics annotation_queues users project_members api_keys; do
  same "$table: $(digest "$source_url" "$table")" "$(digest "$source_url" "$table")" "$(digest "$copy_url" "$table")"
done

# A Vernier on each database answers the same: an owner signs in (the users and their password
# hashes came along) and reads the metrics and the outputs page with every score.
start() {
  local url=$1 port
  port=$(free_port)
  DATABASE_URL=$url VERNIER_ADDR="127.0.0.1:$port" RUST_LOG=warn "$server" serve >>"$work/roundtrip.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:$port/health" 60 || { cat "$work/roundtrip.log"; die "Vernier did not start on $url"; }
  echo "http://127.0.0.1:$port"
}
read_api() {
  local base=$1 jar
  jar=$(mktemp "$work/cookies.XXXXXX")
  curl -fsS -c "$jar" -o /dev/null --data-urlencode username=owner --data-urlencode password=vernier-demo "$base/api/login"
  curl -fsS -b "$jar" "$base/api/v1/projects/support-bot-dach/metrics"
  echo
  # The scores' verdicts, not the worker's bookkeeping (next attempt times move on their own).
  curl -fsS -b "$jar" "$base/api/v1/projects/support-bot-dach/outputs" | python3 -c '
import json, sys
page = json.load(sys.stdin)
for o in page["outputs"]:
    scores = sorted((s["metric_key"], s["value"], s["passed"]) for s in o["scores"])
    print(o["id"], o["version"], o["excerpt"][:40], scores)'
}
original=$(start "$source_url")
restored=$(start "$copy_url")
same "metrics and outputs read through the REST API" "$(read_api "$original")" "$(read_api "$restored")"
echo "backup checks passed: $passed"
