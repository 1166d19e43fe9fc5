#!/usr/bin/env bash
# Property-based testing of the REST API: installs schemathesis from PyPI into a throw-away
# virtual environment and runs scripts/api_fuzz.py against a running Vernier (with the demo
# project). API_FUZZ_SECONDS bounds the run (default 240).
# Usage: scripts/api-fuzz.sh http://HOST:PORT WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 work=$2

[ -x "$work/api-venv/bin/st" ] || python3 -m venv "$work/api-venv"
"$work/api-venv/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
mkdir -p "$work/api-fuzz"
"$work/api-venv/bin/python" scripts/api_fuzz.py "$base" "$work/api-fuzz" "$work/api-venv/bin/st"
