#!/usr/bin/env bash
# Crash durability: scripts/crash_client.py sends outputs from several retrying clients while
# Vernier is killed with SIGKILL twice and PostgreSQL is restarted in immediate mode once, then
# checks that exactly the sent outputs are stored, each once, with all their scores. Runs on a
# private PostgreSQL of its own (so it can be crashed), whatever DATABASE_URL says.
# Usage: scripts/crash-durability.sh SERVER_BINARY WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
binary=$1 work=$2/crash
mkdir -p "$work"
chmod 755 "$work"
trap stop_private_pg EXIT

start_private_pg "$work/pg" "$(free_port)"
psql "$DATABASE_URL" -qc "CREATE DATABASE vernier_crash" >/dev/null
export DATABASE_URL="${DATABASE_URL%/*}/vernier_crash"
export VERNIER_ADMIN_PASSWORD="crash-durability-$RANDOM$RANDOM"
port=$(free_port)
RUST_LOG=error "$binary" admin create --username admin >/dev/null
server="VERNIER_ADDR=127.0.0.1:$port VERNIER_DATA_DIR='$work/data' RUST_LOG=error exec '$binary' serve >>'$work/server.log' 2>&1"
python3 scripts/crash_client.py "http://127.0.0.1:$port" "$DATABASE_URL" "$server" \
  "bash -c 'source scripts/lib.sh; restart_private_pg_immediately'"
