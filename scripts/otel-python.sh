#!/usr/bin/env bash
# A real OpenTelemetry client: installs Python's opentelemetry-sdk and its OTLP/HTTP exporter
# from PyPI into a throw-away virtual environment and runs scripts/otel_client.py against a
# running Vernier (with the demo project).
# Usage: scripts/otel-python.sh http://HOST:PORT WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
base=$1 work=$2

python3 -m venv "$work/otel-venv"
"$work/otel-venv/bin/pip" install --quiet --disable-pip-version-check \
  opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
"$work/otel-venv/bin/python" scripts/otel_client.py "$base"
