"""Recorded checks survive a stop: eight clients send real-time checks while Vernier is stopped
with SIGTERM; every check answered with "recorded": true must then be stored or waiting in the
journal, and after a restart stored, each once. Then the same with SIGKILL, which may lose what
waited in memory: the run reports how many and checks that nothing is stored twice.

Usage: python check_drain.py BASE_URL DATABASE_URL SERVER_COMMAND JOURNAL_DIR
  SERVER_COMMAND  the shell command that serves Vernier at BASE_URL (admin 'admin', password
                  VERNIER_ADMIN_PASSWORD) with its check journal in JOURNAL_DIR
Environment: DRAIN_CHECKS (checks answered before the signal, default 3000), DRAIN_CLIENTS (8).
Prints "drain checks passed: N" when every check passes.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import peer_client
from peer_client import Checks, Vernier

BASE, DATABASE_URL, SERVER_COMMAND, JOURNAL = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4]
BEFORE_SIGNAL = int(os.environ.get("DRAIN_CHECKS", "3000"))
CLIENTS = int(os.environ.get("DRAIN_CLIENTS", "8"))
PROJECT = "check-drain"
check = Checks()
server = None


def psql(sql):
    return peer_client.psql(DATABASE_URL, sql)


def start_server():
    global server
    server = peer_client.start_server(SERVER_COMMAND, BASE)


def journaled():
    """Checks waiting in the journal: the lines of its segments."""
    if not os.path.isdir(JOURNAL):
        return 0
    total = 0
    for name in os.listdir(JOURNAL):
        if name.endswith(".jsonl"):
            with open(os.path.join(JOURNAL, name), "rb") as segment:
                total += sum(1 for _ in segment)
    return total


def stored():
    return int(psql(f"SELECT count(*) FROM outputs o JOIN projects p ON p.id = o.project_id WHERE p.slug = '{PROJECT}'"))


def settle(expected, what):
    """Waits (bounded) until the journal is empty and the stored count stops changing."""
    last, steady = -1, 0
    for _ in range(600):
        now = stored()
        steady = steady + 1 if now == last and journaled() == 0 else 0
        if steady >= 4 or (now == expected and journaled() == 0):
            return now
        last = now
        time.sleep(0.25)
    sys.exit(f"FAILED: {what}: the recorder did not settle ({stored()} stored, {journaled()} journaled)")


def load(kill_with):
    """Clients send checks until the server is gone; answers the counts of their answers."""
    counts = {"recorded": 0, "unrecorded": 0}
    lock = threading.Lock()
    host, port = urllib.parse.urlsplit(BASE).netloc.split(":")
    body = json.dumps({
        "messages": [{"role": "user", "content": "Hallo, wie kann ich der Rechnung widersprechen?"}],
        "output": "Sie können innerhalb von dreißig Tagen in Ihrem Kundenkonto widersprechen.",
        "metadata": {"language": "de"}})

    def client():
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while True:
            try:
                connection.request("POST", f"/api/v1/projects/{PROJECT}/check", body=body, headers={
                    "Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException):
                return  # the server is going away: this request was never answered
            if response.status != 200:
                sys.exit(f"FAILED: a check answered {response.status}: {answer[:200]!r}")
            recorded = json.loads(answer)["recorded"]
            with lock:
                counts["recorded" if recorded is True else "unrecorded"] += 1

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    while True:
        with lock:
            if counts["recorded"] + counts["unrecorded"] >= BEFORE_SIGNAL:
                break
        time.sleep(0.01)
    os.killpg(server.pid, kill_with)
    status = server.wait(timeout=120)
    for thread in threads:
        thread.join(timeout=60)
    return counts, status


# ---- set-up: a project with three real-time metrics ------------------------------------------

start_server()
vernier = Vernier(BASE)
vernier.sign_in("admin", os.environ["VERNIER_ADMIN_PASSWORD"])
KEY = vernier.project_with_real_time_metrics(PROJECT, "Check drain", "Checks recorded while Vernier stops.", [
    ("no-delve", {"kind": "not_contains", "words": ["delve"]}),
    ("short-enough", {"kind": "length", "unit": "chars", "max": 400}),
    ("reply-language", {"kind": "language_match", "expected_key": "language"})])

# ---- SIGTERM: nothing answered as recorded is lost ---------------------------------------------

counts, status = load(signal.SIGTERM)
at_stop, waiting = stored(), journaled()
print(f"SIGTERM after {counts['recorded']} recorded answers: {at_stop} stored at exit, {waiting} in the journal",
      flush=True)
check(status == 0, f"Vernier exits cleanly on SIGTERM (status {status})")
check(counts["recorded"] >= BEFORE_SIGNAL and counts["unrecorded"] == 0,
      f"every answer said recorded: true ({counts})")
check(at_stop + waiting == counts["recorded"],
      f"at exit, stored + journaled = answered ({at_stop} + {waiting} = {counts['recorded']})")
start_server()
after = settle(counts["recorded"], "after SIGTERM")
check(after == counts["recorded"], f"after the restart exactly the {counts['recorded']} answered checks are stored ({after})")
scored = int(psql(f"SELECT count(*) FROM scores s JOIN outputs o ON o.id = s.output_id JOIN projects p ON p.id = o.project_id "
                  f"WHERE p.slug = '{PROJECT}'"))
check(scored == 3 * after, f"each with its three real-time verdicts ({scored} scores)")

# ---- SIGKILL: what waited in memory may be lost, and is reported -----------------------------

counts, status = load(signal.SIGKILL)
start_server()
now = settle(after + counts["recorded"], "after SIGKILL")
kept = now - after
lost = counts["recorded"] - kept
print(f"SIGKILL after {counts['recorded']} recorded answers: {kept} stored after the restart, {lost} lost "
      f"(at most the queue's capacity and the batches being written)", flush=True)
check(0 <= lost <= int(os.environ.get("VERNIER_CHECK_QUEUE", "4096")) + 2 * 1000,
      f"a SIGKILL loses at most the queue and two batches in flight ({lost} lost)")
os.killpg(server.pid, signal.SIGTERM)
server.wait(timeout=120)
print(f"drain checks passed: {check.passed}")
