#!/usr/bin/env bash
# Has a real Prometheus (Debian's package) scrape a running Vernier and asks it, over its HTTP
# API, for Vernier's counters: the proof that /metrics speaks Prometheus.
# Usage: scripts/prometheus-scrape.sh VERNIER_HOST:PORT TOKEN WORK_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
target=$1 token=$2 work=$3

command -v prometheus >/dev/null || apt_install prometheus
mkdir -p "$work/prometheus"
printf '%s' "$token" >"$work/prometheus/token"
cat >"$work/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vernier
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials_file: $work/prometheus/token
    static_configs:
      - targets: ["$target"]
YAML
port=$(free_port)
prometheus --config.file="$work/prometheus/prometheus.yml" --storage.tsdb.path="$work/prometheus/data" \
  --web.listen-address="127.0.0.1:$port" >"$work/prometheus/log" 2>&1 &
prometheus_pid=$!
trap 'kill $prometheus_pid 2>/dev/null; wait $prometheus_pid 2>/dev/null || true' EXIT
wait_for "http://127.0.0.1:$port/-/ready" 60 || { cat "$work/prometheus/log"; die "Prometheus did not start"; }

# Asks PromQL `query` until it answers a sample (up to 60 s); prints the answer's JSON.
ask() {
  local query=$1 answer=""
  for _ in $(seq 1 60); do
    answer=$(curl -fsS --get "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" || true)
    if python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["status"]=="success" and r["data"]["result"] else 1)' "$answer" 2>/dev/null; then
      echo "$answer"
      return 0
    fi
    sleep 1
  done
  echo "no answer to $query: $answer" >&2
  curl -fsS "http://127.0.0.1:$port/api/v1/targets" >&2 || true
  return 1
}

passed=0
up=$(ask 'up{job="vernier"} == 1')
passed=$((passed + 1))
failures=$(ask 'sum(vernier_evaluations_total{project="support-bot-dach",metric="reply-language",result="fail"})')
value=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["data"]["result"][0]["value"][1])' "$failures")
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > 0 else 1)' "$value" \
  || die "Prometheus reads no reply-language failures: $failures"
passed=$((passed + 1))
ask 'count(vernier_monitor_state{project="support-bot-dach"} == 1) > 0' >/dev/null
passed=$((passed + 1))
ask 'sum(vernier_failure_cost_usd_total{project="support-bot-dach"}) > 0' >/dev/null
passed=$((passed + 1))
ask 'sum(vernier_http_requests_total) > 0' >/dev/null
passed=$((passed + 1))
# Every query of the Grafana dashboard in docs/ is valid PromQL with an answer from the demo's
# series; only the panels below may be empty here, for the reason given.
python3 - "$port" docs/grafana-dashboard.json <<'PY' || die "a Grafana dashboard query failed"
import json, sys, time, urllib.parse, urllib.request
port, path = sys.argv[1], sys.argv[2]
may_be_empty = {
    "Failure rate by exported segment": "the demo exports no segment key",
    "Check latency p95": "the journeys may make no real-time check",
}
for panel in json.load(open(path))["panels"]:
    for target in panel["targets"]:
        expr = target["expr"].replace("$project", ".*").replace("$__range", "1h")
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        for _ in range(30):
            answer = json.load(urllib.request.urlopen(url))
            if answer["status"] != "success":
                sys.exit(f"{panel['title']}: {answer}")
            if answer["data"]["result"] or panel["title"] in may_be_empty:
                break
            time.sleep(1)  # rates need a few scrapes
        else:
            sys.exit(f"{panel['title']}: no series for {expr}")
print("grafana dashboard queries: all evaluated, all answered")
PY
passed=$((passed + 1))
say "Prometheus scraped Vernier: ${value} reply-language failures, monitor states, dollars and requests ($passed checks)"
echo "prometheus checks passed: $passed"
