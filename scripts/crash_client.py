"""Crash durability: several clients send outputs in batches, each batch with its own
Idempotency-Key, and retry a batch with the same key and body until it is answered 201, while
this script kills Vernier with SIGKILL twice (and starts it again) and has PostgreSQL restarted
in immediate mode once. At the end exactly the sent outputs must be stored, each once, with a
score from every active metric, and each batch's answer must name the ids the database holds.

Usage: python crash_client.py BASE_URL DATABASE_URL SERVER_COMMAND PG_RESTART_COMMAND
  BASE_URL            where Vernier answers, e.g. http://127.0.0.1:3999 (started by this script)
  SERVER_COMMAND      the shell command that serves Vernier there (with an admin 'admin' whose
                      password is VERNIER_ADMIN_PASSWORD)
  PG_RESTART_COMMAND  a shell command that restarts PostgreSQL in immediate mode
Environment: CRASH_OUTPUTS (default 100000), CRASH_CLIENTS (4), CRASH_BATCH (500).
Prints "crash checks passed: N" when every check passes.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import peer_client
from peer_client import Checks, Vernier

BASE, DATABASE_URL, SERVER_COMMAND, PG_RESTART = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
OUTPUTS = int(os.environ.get("CRASH_OUTPUTS", "100000"))
CLIENTS = int(os.environ.get("CRASH_CLIENTS", "4"))
BATCH = int(os.environ.get("CRASH_BATCH", "500"))
PROJECT = "crash-durability"
METRICS = [
    ("no-delve", {"kind": "not_contains", "words": ["delve"]}),
    ("short-enough", {"kind": "length", "unit": "chars", "max": 400}),
    ("no-apology", {"kind": "regex", "pattern": "(?i)sorry", "must_match": False}),
]
check = Checks()


def psql(sql):
    return peer_client.psql(DATABASE_URL, sql)


# ---- the server process ----------------------------------------------------------------------

server = None


def start_server():
    global server
    server = peer_client.start_server(SERVER_COMMAND, BASE)


def kill_server():
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()


# ---- set-up: a project of its own with three automated metrics ---------------------------------

start_server()
vernier = Vernier(BASE)
vernier.sign_in("admin", os.environ["VERNIER_ADMIN_PASSWORD"])
KEY = vernier.project_with_real_time_metrics(PROJECT, "Crash durability",
                                             "Outputs sent while Vernier and PostgreSQL crash.", METRICS)

# ---- the clients ----------------------------------------------------------------------------

batches = [(start, min(start + BATCH, OUTPUTS)) for start in range(0, OUTPUTS, BATCH)]
answers = {}  # batch number -> the ids the 201 answer named, in record order
lock = threading.Lock()
retries = {"connection": 0, "5xx": 0, "409": 0}


def body_of(start, end):
    return json.dumps([{
        "version": "crash-v1", "external_id": f"crash-{n}", "input": f"Question {n}",
        "output": ("I'm sorry, " if n % 7 == 0 else "") + f"answer {n} " + ("delve " if n % 11 == 0 else "")
        + "x" * (n % 500),
        "metadata": {"client": str(n % CLIENTS)},
    } for n in range(start, end)]).encode()


def send(number):
    start, end = batches[number]
    body = body_of(start, end)
    while True:
        request = urllib.request.Request(
            f"{BASE}/api/v1/projects/{PROJECT}/outputs", data=body, method="POST", headers={
                "Authorization": f"Bearer {KEY}", "Content-Type": "application/json",
                "Idempotency-Key": f"crash-batch-{number}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answer = json.load(response)
                if response.status != 201:
                    sys.exit(f"FAILED: batch {number} answered {response.status}")
                with lock:
                    answers[number] = [row["id"] for row in answer["outputs"]]
                return
        except urllib.error.HTTPError as error:
            kind = "409" if error.code == 409 else "5xx" if error.code >= 500 else None
            if kind is None:
                sys.exit(f"FAILED: batch {number} refused {error.code}: {error.read()[:300]!r}")
            with lock:
                retries[kind] += 1
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
            with lock:
                retries["connection"] += 1
        time.sleep(0.2)


def client(me):
    for number in range(me, len(batches), CLIENTS):
        send(number)


started = time.monotonic()
threads = [threading.Thread(target=client, args=(me,), daemon=True) for me in range(CLIENTS)]
for thread in threads:
    thread.start()


def stored_so_far():
    with lock:
        return len(answers)


# Crashes at a quarter, half (PostgreSQL) and three quarters of the batches.
crashes = []
for fraction, what in [(0.25, "vernier"), (0.5, "postgres"), (0.75, "vernier")]:
    while stored_so_far() < len(batches) * fraction:
        time.sleep(0.05)
    if what == "vernier":
        kill_server()
        crashes.append(f"SIGKILL Vernier after {stored_so_far()} batches answered")
        time.sleep(1)
        start_server()
    else:
        subprocess.run(PG_RESTART, shell=True, check=True)
        crashes.append(f"PostgreSQL restarted in immediate mode after {stored_so_far()} batches answered")
    print(crashes[-1], flush=True)

for thread in threads:
    thread.join()
elapsed = time.monotonic() - started
print(f"{OUTPUTS} outputs in {len(batches)} batches from {CLIENTS} clients in {elapsed:.1f} s "
      f"({OUTPUTS / elapsed:.0f} a second, crashes included); retries: {retries}", flush=True)

# ---- the checks -----------------------------------------------------------------------------

check(len(crashes) == 3, "Vernier was killed twice and PostgreSQL restarted once during ingestion")
check(sum(retries.values()) > 0, f"the clients had to retry ({retries})")
check(len(answers) == len(batches), f"every one of the {len(batches)} batches was answered 201")
project_id = psql(f"SELECT id FROM projects WHERE slug = '{PROJECT}'")
stored, distinct = psql(f"SELECT count(*), count(DISTINCT external_id) FROM outputs WHERE project_id = {project_id}").split("|")
check(int(stored) == OUTPUTS, f"exactly {OUTPUTS} outputs are stored (found {stored})")
check(int(distinct) == OUTPUTS, f"each external id once (found {distinct} distinct)")
expected = psql(f"SELECT count(*) FROM outputs WHERE project_id = {project_id} AND external_id NOT IN "
                f"(SELECT 'crash-' || n FROM generate_series(0, {OUTPUTS - 1}) AS n)")
check(expected == "0", "every stored output is one that was sent")
answered = sorted(i for ids in answers.values() for i in ids)
check(len(answered) == OUTPUTS and len(set(answered)) == OUTPUTS, "the answers name each output once")
ids = psql(f"SELECT string_agg(id::text, ',' ORDER BY id) FROM outputs WHERE project_id = {project_id}")
check([int(i) for i in ids.split(",")] == answered, "the ids answered are the ids stored")
scores, missing = psql(
    f"SELECT (SELECT count(*) FROM scores s JOIN outputs o ON o.id = s.output_id WHERE o.project_id = {project_id}), "
    f"(SELECT count(*) FROM outputs o CROSS JOIN metrics m LEFT JOIN scores s ON s.output_id = o.id AND s.metric_id = m.id "
    f"WHERE o.project_id = {project_id} AND m.project_id = {project_id} AND s.output_id IS NULL)").split("|")
check(int(scores) == OUTPUTS * len(METRICS), f"{OUTPUTS * len(METRICS)} scores, one per output and metric (found {scores})")
check(missing == "0", "no output lacks a metric's score")
fails = psql(f"SELECT count(*) FROM scores s JOIN outputs o ON o.id = s.output_id JOIN metrics m ON m.id = s.metric_id "
             f"WHERE o.project_id = {project_id} AND m.key = 'no-delve' AND s.passed = false")
check(int(fails) == len(range(0, OUTPUTS, 11)), f"the scores are right: {fails} replies say 'delve'")
kill_server()
print(f"crash checks passed: {check.passed}")
