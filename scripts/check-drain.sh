#!/usr/bin/env bash
# Recorded checks survive a stop (scripts/check_drain.py): SIGTERM during a load of real-time
# checks loses none of those answered as recorded; SIGKILL reports what it lost. Uses
# DATABASE_URL's server (a database of its own) and the given server binary.
# Usage: scripts/check-drain.sh SERVER_BINARY WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
binary=$1 work=$2/drain
mkdir -p "$work"
db="vernier_drain_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
admin_url=$DATABASE_URL
trap 'psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
export DATABASE_URL="${DATABASE_URL%/*}/$db"
# A small queue, so that checks overflow into the journal under the load.
export VERNIER_CHECK_QUEUE=${VERNIER_CHECK_QUEUE:-4}
export VERNIER_ADMIN_PASSWORD="check-drain-$RANDOM$RANDOM"
port=$(free_port)
RUST_LOG=error "$binary" admin create --username admin >/dev/null
server="VERNIER_ADDR=127.0.0.1:$port VERNIER_DATA_DIR='$work/data' VERNIER_CHECK_JOURNAL='$work/journal' \
  VERNIER_CHECK_QUEUE=$VERNIER_CHECK_QUEUE RUST_LOG=info exec '$binary' serve >>'$work/server.log' 2>&1"
python3 scripts/check_drain.py "http://127.0.0.1:$port" "$DATABASE_URL" "$server" "$work/journal"
grep -h 'check recording stopped' "$work/server.log" || true
