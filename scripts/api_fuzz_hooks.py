"""What JSON Schema cannot state about Vernier's API, for schemathesis (see api_fuzz.py).

The OpenAPI document states every rule about one value: types, lengths, patterns, enums,
required fields, and the rules across fields JSON Schema can spell (all four eval fields
together, an input unless an eval field, which scorers suit a paradigm, a built-in scorer for a
real-time metric). Vernier enforces the document itself (server/src/rest/contract.rs), so a
request the schema refuses is refused.

The rules below depend on what the project holds, on the clock, or on several values at once in
a way JSON Schema cannot express. A schema-valid request that breaks one of them is refused with
422 naming the field, which is right; so that the property test measures the schema and not
the demo's contents, these hooks reshape the *schema-valid* (positive) cases to follow the rules.
Schema-violating (negative) cases are never touched. Each rule, as the server answers it:

Stored data (the demo project support-bot-dach):
  - a metric's owner is a member of the project                      -> 422 owner
  - a hybrid scorer names a human and an automated metric of it      -> 422 scorer
  - a human scorer's rubric_id names a rubric of it                  -> 422 scorer
  - an eval output names a dataset, version and item of it           -> 422 dataset / item_id
  - feedback names a feedback metric and a value on its scale        -> 422 metric / value
  - feedback names an output by id, or waits 24 h for its external id -> 422 output_id / external_id
  - compare's versions a and b are versions of the project           -> 422 a / b
  - an experiment's control version, primary and guardrails are the project's, its key is new
                                                                     -> 422 versions / primary / guardrails / key
  - PUT keeps the metric's key (the body's key is the path's)        -> 422 key
  - a metric with scores (or queued for rating) does not become a feedback metric, and a
    feedback metric with answers keeps its scale: a PUT to kind user_feedback goes to
    fuzz-feedback, a feedback metric api_fuzz.py made that nothing ever scores -> 422 scorer
Clock:
  - an output's timestamp is at most a day ahead; feedback's `at` 5 minutes -> 422 timestamp / at
Several values:
  - a length scorer's min is not above its max                       -> 422 scorer
  - a regex (or score_pattern, with a group) compiles in Rust's regex syntax -> 422 scorer
  - retirement_date is not before review_date                        -> 422 retirement_date
  - a trend by hour covers at most 2 days                            -> 422 days
  - an experiment's baseline ± its change stays inside 0..1, and the sample it asks for is
    one the power calculation can give (a change of 0.00001 or an α of 1e-300 cannot)
                                                                     -> 422 minimum_change / alpha
  - compare's from is not after to, at most 366 days apart           -> 422 from
  - external ids (outputs) and feedback ids are unique within a batch -> 422 external_id / id
  - an Idempotency-Key is sent with one body only (IETF draft)       -> 422 Idempotency-Key
"""

import datetime
import hashlib
import json
import os
import re
import uuid

import schemathesis

PROJECT = "support-bot-dach"
OWNER = "owner"
VERSIONS = ["prompt-v1", "prompt-v2"]
FEEDBACK_METRIC = "thumbs-up"
HUMAN_METRIC, AUTOMATED_METRIC = "helpfulness", "answers-the-question"
# The metrics the rules above rely on, and every metric made before the run (api_fuzz.py lists
# them), are left as they were: their scores, answers and queues decide what an edit may do.
KEPT = {FEEDBACK_METRIC, HUMAN_METRIC, AUTOMATED_METRIC} | set(filter(None, os.environ.get("API_FUZZ_KEPT", "").split(",")))
# A feedback metric without scores or answers (api_fuzz.py creates it): only feedback scorers
# are PUT on it, and feedback is only ever sent to FEEDBACK_METRIC.
FEEDBACK_TARGET = "fuzz-feedback"
EVAL_FIELDS = ("dataset", "dataset_version", "item_id", "run")


def positive(case):
    meta = case.meta
    return meta is not None and meta.generation.mode.is_positive


def records(body):
    """The records of a batch body (a list, or one record)."""
    if isinstance(body, list):
        return [record for record in body if isinstance(record, dict)]
    return [body] if isinstance(body, dict) else []


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def not_ahead(value, slack):
    """A date-time no later than now + slack (values that do not parse are left as they are)."""
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        return value
    if moment.tzinfo is not None and moment > now() + slack:
        return now().isoformat()
    return value


def outputs(body):
    seen = set()
    for record in records(body):
        for field in EVAL_FIELDS:  # the demo's datasets are not what the schema can know
            record.pop(field, None)
        if not record.get("input") and not record.get("messages"):
            record["input"] = "Wie kann ich kündigen?"
        if record.get("source") == "eval":
            record["source"] = "production"
        if "timestamp" in record:
            record["timestamp"] = not_ahead(record["timestamp"], datetime.timedelta(hours=23))
        if "external_id" in record:
            while record["external_id"].strip() in seen or not record["external_id"].strip():
                record["external_id"] = f"{record['external_id']}-{len(seen)}"
            seen.add(record["external_id"].strip())


def feedback(body):
    seen = set()
    for index, record in enumerate(records(body)):
        record["metric"] = FEEDBACK_METRIC
        record["value"] = index % 2 == 0
        record.pop("output_id", None)
        record["external_id"] = f"api-fuzz-{index}"  # not logged yet: waits for its output
        record.pop("at", None)
        record["id"] = f"api-fuzz-{now().timestamp()}-{index}"
        seen.add(record["id"])


def compiles(pattern):
    """Whether Rust's regex crate would take it (approximately: Python's re, without the
    constructs only one of them has)."""
    if re.search(r"\(\?[<=!P#aL]|\\[0-9]|\\[ABZzbGx]|\\[pP]|\{,|\[\[:", pattern):
        return False
    # Rust escapes only ASCII characters (Python takes `\Ä` as a literal Ä).
    if re.search(r"\\[^\x00-\x7f]", pattern):
        return False
    # Rust takes a brace only as a counted repetition after something to repeat (Python takes
    # a stray one as a literal): with escapes gone, every brace must be one.
    bare = re.sub(r"\\.", "e", pattern)
    if re.sub(r"(?<=[^(|{])\{[0-9]+(,[0-9]*)?\}", "", bare).count("{") or \
            re.sub(r"\{[0-9]+(,[0-9]*)?\}", "", bare).count("}"):
        return False
    try:
        re.compile(pattern)
        return True
    except re.error:
        return False


def scorer(document):
    spec = document.get("scorer")
    if not isinstance(spec, dict):
        return
    kind = spec.get("kind")
    bounds = [spec.get("min"), spec.get("max")]
    if kind == "length" and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds):
        spec["min"], spec["max"] = sorted(bounds)
    if kind == "regex" and not compiles(spec.get("pattern", "")):
        spec["pattern"] = r"\d+"
    if kind == "llm_judge" and spec.get("score_pattern") is not None:
        spec["score_pattern"] = r"score: (\d+)"
    if kind == "hybrid":
        spec["human"], spec["automated"] = HUMAN_METRIC, AUTOMATED_METRIC
    if kind == "human":
        spec["rubric_id"] = None


def metric(document, key=None):
    if not isinstance(document, dict):
        return
    document["owner"] = OWNER
    if key is not None and re.fullmatch(r"(?!new$)[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]", key):
        document["key"] = key
    scorer(document)
    review, retirement = document.get("review_date"), document.get("retirement_date")
    if review and retirement and retirement < review:
        document["retirement_date"] = review


def experiment(design):
    """A schema-valid design made to name the demo's versions and metrics, under a new key."""
    if not isinstance(design, dict):
        return
    design["versions"] = list(VERSIONS)
    design["primary"] = FEEDBACK_METRIC
    design["guardrails"] = [AUTOMATED_METRIC] if design.get("guardrails") else []
    design["key"] = f"fuzz-{uuid.uuid4().hex[:16]}"  # a new key each time (a taken one is 409)
    for field, low, high in (("alpha", 0.01, 0.2), ("power", 0.5, 0.99)):
        if isinstance(design.get(field), (int, float)):
            design[field] = min(max(design[field], low), high)
    if design.get("started_on") is not None:
        design["started_on"] = now().date().isoformat()
    baseline = design.get("baseline")
    if isinstance(baseline, (int, float)):
        design["baseline"] = min(max(baseline, 0.05), 0.95)
    change = design.get("minimum_change")
    if isinstance(change, (int, float)):
        design["minimum_change"] = min(max(change, 0.01), 0.04)


def compare_range(query):
    try:
        first = datetime.date.fromisoformat(query.get("from") or "0001-01-01")
        last = datetime.date.fromisoformat(query.get("to") or "9999-12-31")
    except ValueError:
        return
    if "from" in query and "to" in query:
        first, last = sorted([first, last])
        query["from"], query["to"] = first.isoformat(), last.isoformat()
        if (last - first).days >= 366:
            query["from"] = (last - datetime.timedelta(days=365)).isoformat()
    elif "from" in query:  # `to` is today
        today = now().date()
        if first > today or (today - first).days >= 366:
            query["from"] = (today - datetime.timedelta(days=30)).isoformat()


@schemathesis.hook
def map_case(ctx, case):
    method, path = case.operation.method.upper(), case.operation.path
    key = (case.path_parameters or {}).get("key")
    if path.startswith("/api/v1/projects/{project}/metrics/{key}") and method != "GET" and key in KEPT - {FEEDBACK_TARGET}:
        case.path_parameters["key"] = f"{key}-elsewhere"  # no such metric: 404
    if not positive(case):
        return case
    if method == "POST" and path.endswith("/outputs"):
        outputs(case.body)
    elif method == "POST" and path.endswith("/check"):
        for record in records(case.body):
            if "timestamp" in record:
                record["timestamp"] = not_ahead(record["timestamp"], datetime.timedelta(hours=23))
    elif method == "POST" and path.endswith("/feedback"):
        feedback(case.body)
    elif method == "POST" and path.endswith("/metrics"):
        metric(case.body)
    elif method == "POST" and path.endswith("/experiments"):
        experiment(case.body)
    elif method == "PUT" and path.endswith("/metrics/{key}"):
        to_feedback = isinstance(case.body, dict) and isinstance(case.body.get("scorer"), dict) \
            and case.body["scorer"].get("kind") == "user_feedback"
        if to_feedback:
            case.path_parameters["key"] = FEEDBACK_TARGET
        elif case.path_parameters.get("key") == FEEDBACK_TARGET:
            case.path_parameters["key"] = f"{FEEDBACK_TARGET}-elsewhere"  # no such metric: 404
        metric(case.body, key=case.path_parameters.get("key"))
    elif method == "GET" and path.endswith("/compare") and case.query is not None:
        case.query["a"], case.query["b"] = VERSIONS
        compare_range(case.query)
    elif method == "GET" and path.endswith("/trend") and case.query is not None:
        if case.query.get("grain") == "hour" and isinstance(case.query.get("days"), int):
            case.query["days"] = min(case.query["days"], 2)
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":  # one key per (final) body: the body's digest
            digest = hashlib.sha256(json.dumps(case.body, sort_keys=True).encode()).hexdigest()
            case.headers[name] = f"{str(case.headers[name])[:100]}-{digest}"
    return case
