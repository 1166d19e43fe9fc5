"""What the peer checks share: counted checks, and a Vernier client that signs in through the
server functions (as the browser does) and calls the REST API with a key.

Only the standard library, so it runs in any virtual environment the checks make.
"""

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


def psql(database_url, sql):
    """Runs one statement with psql and answers its unaligned output."""
    return subprocess.run(["psql", database_url, "-XAtqc", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def start_server(command, base):
    """Starts the shell command serving Vernier in a session of its own and waits until `base`
    answers /health (a minute at most); answers the process."""
    server = subprocess.Popen(command, shell=True, start_new_session=True)
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2)
            return server
        except Exception:
            time.sleep(0.25)
    sys.exit("FAILED: Vernier did not start")


class Checks:
    """Counts passed checks; the first failure ends the run with its description."""

    def __init__(self):
        self.passed = 0

    def __call__(self, condition, what):
        if not condition:
            sys.exit(f"FAILED: {what}")
        self.passed += 1
        print(f"ok: {what}", flush=True)


class Vernier:
    """A signed-in browser session and REST calls against one running Vernier."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def server_fn(self, name, fields):
        """Calls a server function as a same-origin form post and answers its JSON."""
        request = urllib.request.Request(
            f"{self.base}/api/{name}", data=urllib.parse.urlencode(fields).encode(),
            headers={"Accept": "application/json", "Origin": self.base})
        return json.load(self.browser.open(request))

    def sign_in(self, username, password):
        self.server_fn("login", {"username": username, "password": password})

    def api_key(self, project, name):
        """A new API key of `project` (the signed-in user must own it); answers the secret."""
        return self.server_fn("create_api_key", {"project": project, "name": name})["secret"]

    def rest(self, method, path, key, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def project_with_real_time_metrics(self, slug, name, purpose, metrics):
        """Creates a project (the signed-in user owns it), a key for it and an active real-time
        metric per (key, scorer) of `metrics`, flagging failures; answers the key's secret."""
        self.server_fn("create_project", {"name": name, "slug": slug, "description": "", "purpose": purpose})
        key = self.api_key(slug, f"{slug} clients")
        for metric, scorer in metrics:
            self.rest("POST", f"/api/v1/projects/{slug}/metrics", key, {
                "key": metric, "name": metric, "question": f"Does the reply pass {metric}?", "paradigm": "model",
                "category": "format", "cadence": "real-time", "action_on_failure": "flag", "scorer": scorer,
                "pass_rule": {"threshold": 1, "direction": "at_least"}, "stage": "crawl", "owner": "admin",
                "cost_per_failure": "0.10", "review_date": "2030-01-01"})
            self.rest("POST", f"/api/v1/projects/{slug}/metrics/{metric}/activate", key, {})
        return key

