#!/usr/bin/env bash
# Backs up Vernier's database into one file (pg_dump's custom format: compressed, restorable
# table by table). Usage: scripts/backup.sh FILE
# Uses $DATABASE_URL, or Vernier's own local PostgreSQL (VERNIER_PG_PORT, default 54329) when
# it is unset. Safe while Vernier runs: pg_dump reads one consistent snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
file=${1:?usage: scripts/backup.sh FILE}
url=${DATABASE_URL:-postgres://vernier@127.0.0.1:${VERNIER_PG_PORT:-54329}/vernier}
bin=$(postgres_bin)
"$bin/pg_dump" --format=custom --no-owner --no-privileges --file="$file" "$url"
say "backed up to $file ($(du -h "$file" | cut -f1))"
