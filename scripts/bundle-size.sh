#!/usr/bin/env bash
# Measures what a browser downloads before the sign-in page and the annotator workspace work:
# the JavaScript and WebAssembly each page's HTML loads (scripts, module preloads, the WASM it
# preloads), fetched as a browser does (Accept-Encoding: br, gzip) from a release build started
# on a fresh demo database. Prints a Markdown table: raw bytes, bytes sent with brotli, and twiggy's
# largest items of the WASM when `twiggy` is installed.
# Usage: scripts/bundle-size.sh   (SKIP_BUILD=1 reuses the last `cargo leptos build --release --precompress`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

work=$(mktemp -d /tmp/vernier-bundle.XXXXXX)
chmod 755 "$work"
server_pid=""
db=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$db" ] && psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
  stop_private_pg
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${SKIP_BUILD:-}" ]; then
  ensure_rust_tools
  ensure_wasm_opt
  say "building the release site, precompressed"
  cargo leptos build --release --precompress >&2
fi
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
[ -z "${DATABASE_URL:-}" ] && start_private_pg "$work/pg" "$(free_port)"
db="vernier_bundle_$$"
psql "$DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
port=$(free_port)
DATABASE_URL="${DATABASE_URL%/*}/$db" VERNIER_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
  "$target_dir/release/server" serve --demo >"$work/server.log" 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$port/health" 120 || { cat "$work/server.log"; die "Vernier did not start"; }

python3 - "http://127.0.0.1:$port" <<'PY'
import http.cookiejar, re, sys, urllib.parse, urllib.request

base = sys.argv[1]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

def get(path, encoding="identity"):
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": encoding})
    with opener.open(request) as response:
        return response.read(), response.headers

def assets(html):
    """The JavaScript and WebAssembly a page loads before it works, in order, once each."""
    found = re.findall(r'(?:src|href)="(/[^"]+\.(?:js|wasm))"', html)
    found += re.findall(r'["\'](/pkg/[^"\']+\.(?:js|wasm))["\']', html)
    return list(dict.fromkeys(found))

def measure(page, path):
    html = get(path)[0].decode()
    total_raw = total_br = 0
    for asset in assets(html):
        raw = len(get(asset)[0])
        body, headers = get(asset, "br, gzip")
        encoding = headers.get("Content-Encoding", "none")
        total_raw += raw
        total_br += len(body)
        print(f"| {page} | `{asset}` | {raw:,} | {len(body):,} ({encoding}) |")
    print(f"| **{page}, total** | | **{total_raw:,}** | **{total_br:,}** |")
    return total_br

print("| page | file | raw bytes | bytes sent |\n| --- | --- | --- | --- |")
measure("sign-in page", "/login")
form = urllib.parse.urlencode({"username": "annotator", "password": "vernier-demo"}).encode()
opener.open(urllib.request.Request(base + "/api/login", data=form))
queues = get("/annotate")[0].decode()
queue = re.search(r'href="(/annotate/\d+)"', queues)
if not queue:
    sys.exit("the annotator has no queue to open")
measure("annotator workspace", queue.group(1))
PY

wasm_hash=$(awk '/^wasm:/ { print "." $2 }' "$target_dir/release/hash.txt" 2>/dev/null || true)
wasm="target/site/pkg/vernier$wasm_hash.wasm"
if command -v twiggy >/dev/null; then
  echo
  echo "Largest items of $(basename "$wasm") (twiggy top -n 15, shallow bytes before compression):"
  echo '```'
  twiggy top -n 15 "$wasm"
  echo '```'
fi
