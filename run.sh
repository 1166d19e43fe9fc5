#!/usr/bin/env bash
# Starts Vernier with demo data at http://127.0.0.1:3000, installing what is missing first.
# With DATABASE_URL unset, Vernier starts its own PostgreSQL in .vernier/pg (kept between runs).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

ensure_rust_tools
ensure_wasm_opt
if [ -z "${DATABASE_URL:-}" ]; then
  export VERNIER_PG_BIN="${VERNIER_PG_BIN:-$(postgres_bin)}"
fi
say "building Vernier (release; the first build takes several minutes)"
# --precompress writes brotli and gzip copies of the bundle, served to browsers that accept them.
cargo leptos build --release --precompress
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec "$target_dir/release/server" serve --demo
