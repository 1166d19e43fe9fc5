# Shared set-up for ./run.sh and ./test.sh: install what is missing, start a private Postgres.
# Sourced, not run. Every step is idempotent and quick when its tool is already there.

export PATH="$HOME/.cargo/bin:$PATH"
CARGO_LEPTOS_VERSION="0.3.5"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31mvernier:\033[0m %s\n' "$*" >&2; exit 1; }

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || die "cannot install $* automatically (no apt-get); install it and run again"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    $sudo apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# The Rust pieces cargo-leptos needs: the WASM target, cargo-leptos itself, and a wasm-bindgen
# CLI of exactly the version in Cargo.lock (cargo-leptos would otherwise try to download one).
ensure_rust_tools() {
  command -v cargo >/dev/null || die "Rust is not installed: see https://rustup.rs"
  for component in rustfmt clippy; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
      say "adding the $component component"
      rustup component add "$component"
    fi
  done
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes, once)"
    cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked
  fi
  local wanted
  wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wanted\$"; then
    say "installing wasm-bindgen-cli $wanted (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$wanted"
  fi
}

# wasm-opt shrinks the release WASM; npm's binaryen ships it (no download at run time).
ensure_wasm_opt() {
  command -v wasm-opt >/dev/null && return
  command -v npm >/dev/null || apt_install nodejs npm
  say "installing wasm-opt (npm binaryen)"
  npm install -g --silent binaryen
}

# Echoes the folder holding initdb and pg_ctl, installing Debian's postgresql when none is found.
postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] && command -v initdb >/dev/null; then dir=$(dirname "$(command -v initdb)"); fi
  if [ -z "$dir" ]; then
    apt_install postgresql >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -x "$dir/initdb" ] || die "PostgreSQL's initdb was not found; install the 'postgresql' package or set DATABASE_URL"
  echo "$dir"
}

# Runs a PostgreSQL tool; as root it runs as the 'postgres' user, since PostgreSQL refuses root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_private_pg DIR PORT: a throw-away cluster in DIR (trust auth on 127.0.0.1 only).
# Exports PG_PRIVATE_DIR and DATABASE_URL (its 'postgres' database, superuser 'vernier').
start_private_pg() {
  local dir="$1" port="$2" bin
  bin=$(postgres_bin)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U vernier --auth=trust --encoding=UTF8 --locale=C >/dev/null
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  export PG_PRIVATE_BIN="$bin" PG_PRIVATE_DIR="$dir"
  export DATABASE_URL="postgres://vernier@127.0.0.1:$port/postgres"
}

stop_private_pg() {
  [ -n "${PG_PRIVATE_DIR:-}" ] || return 0
  as_pg "$PG_PRIVATE_BIN/pg_ctl" -D "$PG_PRIVATE_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until URL answers 200, or fails after SECONDS.
wait_for() {
  local url="$1" seconds="${2:-60}"
  for _ in $(seq "$((seconds * 4))"); do
    curl -fs "$url" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  return 1
}

# Restarts the private cluster in immediate mode: no checkpoint, as after a crash.
restart_private_pg_immediately() {
  as_pg "$PG_PRIVATE_BIN/pg_ctl" -D "$PG_PRIVATE_DIR/data" -l "$PG_PRIVATE_DIR/server.log" -m immediate -w -t 60 restart >/dev/null
}

# cargo fuzz (libFuzzer) for scripts/fuzz.sh.
ensure_cargo_fuzz() {
  cargo fuzz --version >/dev/null 2>&1 && return
  say "installing cargo-fuzz (a few minutes, once)"
  cargo install cargo-fuzz --locked
}
