#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh into an EMPTY database (create it first, e.g.
# `createdb vernier_restored`), then start Vernier with DATABASE_URL pointing at it.
# Usage: scripts/restore.sh FILE DATABASE_URL
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
file=${1:?usage: scripts/restore.sh FILE DATABASE_URL} url=${2:?usage: scripts/restore.sh FILE DATABASE_URL}
bin=$(postgres_bin)
tables=$(psql "$url" -Atqc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
[ "$tables" = 0 ] || die "the target database is not empty ($tables tables); restore into a new one"
"$bin/pg_restore" --no-owner --no-privileges --exit-on-error --dbname="$url" "$file"
say "restored $file"
