//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of the REST API.
//!
//! Written out rather than derived: the API's shapes are JSON documents validated field by field
//! (so a bad record names its field), not serde structs a generator could read. The HTTP tests
//! keep it honest: every documented operation exists, every route is documented, and the
//! documented examples validate against the documented schemas and are accepted by the server.

mod metric;
mod records;
pub mod text;

use axum::Json;
use serde_json::{json, Value};
use text::{list_item, non_blank, text, WHITESPACE};

/// Serves the document.
pub async fn document() -> Json<Value> {
    Json(openapi())
}

fn error_responses(codes: &[&str]) -> Value {
    let describe = |code: &str| match code {
        "401" => "No credentials, or a malformed, unknown or revoked API key.",
        "403" => "The key belongs to another project, or the user's role may not do this.",
        "404" => "No such project or metric.",
        "409" => "The key is taken.",
        "413" => "More than 1,000 records or 16 MiB.",
        "422" => "Invalid input: `error.field` names the field; a batch lists every record's problems.",
        _ => "Error.",
    };
    codes
        .iter()
        .map(|code| {
            (
                code.to_string(),
                json!({"description": describe(code), "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
            )
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// The optional `Idempotency-Key` header of the batch routes.
fn idempotency_key() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false,
           "description": "Sent again with the same records (in any key order, spacing or framing), the request is answered as the first one was (for 24 hours); with other records it is refused (422).",
           "schema": {"type": "string", "pattern": "^[\\x21-\\x7E]{1,200}$"}})
}

/// A batch body: a JSON array of 1 to 1,000 records of `schema` (or one record alone), or NDJSON.
fn batch_body(schema: &str, example: Value) -> Value {
    json!({"required": true, "content": {
        "application/json": {"schema": {"oneOf": [records::batch(schema), {"$ref": format!("#/components/schemas/{schema}")}]}, "example": example},
        "application/x-ndjson": {"schema": {"type": "string", "description": format!("One {schema} per line.")}}
    }})
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": text(None)})
}

fn project() -> Value {
    path_param("project", "The project's slug.")
}

fn metric_key() -> Value {
    path_param("key", "The metric's key.")
}

/// A segment filter: key=value with a key that is not blank.
fn segment() -> Value {
    json!({"type": "string", "pattern": format!("^[^=\\u0000]*[^={WHITESPACE}\\u0000][^=\\u0000]*=[^\\u0000]*$"),
           "description": "key=value of the metadata, e.g. language=de."})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn format() -> Value {
    query_param(
        "format",
        "json (default) or csv.",
        json!({"enum": ["json", "csv"], "default": "json"}),
    )
}

fn body(schema: &str, example: Option<Value>) -> Value {
    let mut media = json!({"schema": {"$ref": format!("#/components/schemas/{schema}")}});
    if let Some(example) = example {
        media["example"] = example;
    }
    json!({"required": true, "content": {"application/json": media}})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// OTLP/HTTP trace export (the OpenTelemetry protocol's own schema, not restated here).
fn otlp_operation(id: &str, in_project: bool) -> Value {
    let (summary, parameters) = if in_project {
        (
            "OTLP/HTTP trace export into the named project (its API key, or a signed-in owner).",
            json!([project()]),
        )
    } else {
        ("OTLP/HTTP trace export into the API key's project: point OTEL_EXPORTER_OTLP_TRACES_ENDPOINT here.", json!([]))
    };
    let status =
        json!({"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}});
    let failure = |description: &str| {
        json!({"description": description, "content": {
        "application/json": {"schema": status}, "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}})
    };
    json!({
        "operationId": id,
        "summary": summary,
        "description": "An `ExportTraceServiceRequest` as protobuf (`application/x-protobuf`) or OTLP JSON (`application/json`), gzip-compressed or not (`Content-Encoding: gzip`), at most 16 MiB (32 MiB decompressed). Spans of GenAI generations (`gen_ai.operation.name` chat, text_completion or generate_content; OpenLLMetry and OpenInference LLM spans) become outputs, identified by their span id, so spans sent again are not stored twice; every active metric scores them. `gen_ai.evaluation.result` events on them become scores of the active external metric whose key is the evaluation's name. Other spans are ignored and counted on the project's OpenTelemetry page. The answer is in the request's encoding: an `ExportTraceServiceResponse` whose `partialSuccess` counts and names the GenAI spans refused; errors are a `google.rpc.Status`.",
        "parameters": parameters,
        "requestBody": {"required": true, "content": {
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
            "application/json": {"schema": {"type": "object", "required": ["resourceSpans"], "properties": {"resourceSpans": {"type": "array", "items": {"type": "object"}}}}}
        }},
        "responses": {
            "200": {"description": "Received; `partialSuccess.rejectedSpans` counts GenAI spans refused.", "content": {
                "application/json": {"schema": {"type": "object", "properties": {"partialSuccess": {"type": ["object", "null"], "properties": {
                    "rejectedSpans": {"type": ["integer", "string"]}, "errorMessage": {"type": "string"}}}}}},
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}},
            "400": failure("The body is not an OTLP trace export (or not valid gzip)."),
            "401": failure("No API key, or an unknown or revoked one."),
            "403": failure("The caller may not write to this project."),
            "404": failure("No such project."),
            "413": failure("The body is too large."),
            "415": failure("Neither protobuf nor JSON, or an encoding other than gzip.")
        }
    })
}

/// An example batch, accepted by the server as it stands.
pub fn ingest_example() -> Value {
    json!([{
        "version": "prompt-v7",
        "model": "gpt-4o-mini",
        "conversation_id": "c-42",
        "turn_index": 4,
        "messages": [{"role": "user", "content": "Wie kann ich meinen Vertrag kündigen?"}],
        "output": "Sie können Ihren Vertrag im Kundenkonto unter „Verträge“ kündigen.",
        "source": "production",
        "metadata": {"language": "de", "channel": "web"},
        "retrieved_ids": ["doc-7", "doc-2"],
        "relevant_ids": ["doc-7"],
        "relevance": {"doc-7": 3, "doc-2": 1},
        "latency_ms": 812,
        "tokens_in": 230,
        "tokens_out": 41,
        "timestamp": "2026-11-24T09:30:00Z",
        "external_id": "req-8f3a"
    }])
}

/// An example feedback batch: a thumbs down with a comment on the ingest example's output.
pub fn feedback_example() -> Value {
    json!([{
        "id": "fb-20261124-0001",
        "external_id": "req-8f3a",
        "metric": "thumbs-up",
        "value": false,
        "comment": "this is in English?!",
        "user": "u-5d1c"
    }])
}

/// An example real-time check.
pub fn check_example() -> Value {
    json!({
        "messages": [{"role": "user", "content": "Wie kann ich meinen Vertrag kündigen?"}],
        "output": "You can cancel your contract at any time in your customer account under Contracts, and the cancellation takes effect at the end of the month.",
        "metadata": {"language": "de"}
    })
}

/// The whole document.
pub fn openapi() -> Value {
    let read = error_responses(&["401", "403", "404"]);
    let write = error_responses(&["401", "403", "404", "409", "422"]);
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Vernier API",
            "version": "1",
            "description": "Send LLM outputs, check replies in real time and manage micro metrics. Authenticate with a project API key (`Authorization: Bearer vk_…`, created on the project's API keys page) or a signed-in session. Errors share one envelope: `{\"error\": {\"code\", \"message\", \"field\"}}`."
        },
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}, {"session": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document.", "security": [],
                "responses": {"200": ok("The OpenAPI document.", json!({"type": "object"}))}
            }},
            "/api/v1/projects/{project}/overview": {"get": {
                "operationId": "overview",
                "summary": "Per active metric: pass rate of the last 7 days with its 95% Wilson interval, the change against the 7 before with its test, failures, dollar impact and evaluation spend over `days`, and the daily pass rates; costliest first.",
                "description": "Read from the rollups. `format=csv` answers the rows as CSV (one line per metric).",
                "parameters": [project(), query_param("days", "The range in days, 1 to 366.", json!({"type": "integer", "minimum": 1, "maximum": 366, "default": 30})), format()],
                "responses": with(json!({"200": {"description": "The overview.", "content": {
                    "application/json": {"schema": schema("Overview")}, "text/csv": {"schema": {"type": "string"}}}}}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/metrics/{key}/trend": {"get": {
                "operationId": "metricTrend",
                "summary": "A metric's pass rate per day (or hour, for the last 2 days) with its 95% Wilson interval and n, failures and their cost, and the days versions first appeared.",
                "description": "Read from the rollups; every bucket of the range is present (n = 0 where nothing was scored). `format=csv` answers the points as CSV.",
                "parameters": [project(), metric_key(),
                    query_param("days", "Days back from now (default 30; with hours 2, at most 2).", json!({"type": "integer", "minimum": 1, "maximum": 366})),
                    query_param("grain", "day (default) or hour (then days is at most 2).", json!({"enum": ["day", "hour"]})),
                    query_param("version", "Only this version's outputs.", text(None)),
                    query_param("segment", "Only this segment, key=value.", segment()),
                    format()],
                "responses": with(json!({"200": {"description": "The trend.", "content": {
                    "application/json": {"schema": schema("Trend")}, "text/csv": {"schema": {"type": "string"}}}}}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/compare": {"get": {
                "operationId": "compareVersions",
                "summary": "Version `b` against version `a`, per active metric in all traffic and in every segment, most alarming first.",
                "description": "Each row has both pass rates with Wilson intervals, the difference with Newcombe's interval, a two-proportion z-test (Fisher's exact test when an expected count is below 5), the Benjamini–Hochberg adjusted p-value `q` over every row, and a verdict (regression, improvement, no significant change at q < 0.05, or too little data with the sample size needed). `attributions` split each metric's total change into segments' own rates and the traffic mix. `format=csv` answers the rows as CSV.",
                "parameters": [project(),
                    query_param("a", "The baseline version's label (a version of the project; default the one `b` replaced).", non_blank(None)),
                    query_param("b", "The version compared with it (default the newest).", non_blank(None)),
                    query_param("from", "First day (YYYY-MM-DD); default 89 days before `to`; at most 366 days before it.", json!({"type": "string", "format": "date"})),
                    query_param("to", "Last day (YYYY-MM-DD); default today (UTC); not before `from`.", json!({"type": "string", "format": "date"})),
                    format()],
                "responses": with(json!({"200": {"description": "The comparison.", "content": {
                    "application/json": {"schema": schema("Comparison")}, "text/csv": {"schema": {"type": "string"}}}}}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/maturity": {"get": {
                "operationId": "maturityReview",
                "summary": "The project's crawl-walk-run review: every checklist item met, attested or not met with its evidence, the computed stage, the latest sign-off (with the review it was given on) and whether today's evidence still backs it, and the advice for the next step.",
                "description": "`format=markdown` answers the review as a Markdown document to share.",
                "parameters": [project(), query_param("format", "json (default) or markdown.", json!({"enum": ["json", "markdown"]}))],
                "responses": with(json!({"200": {"description": "The review.", "content": {
                    "application/json": {"schema": schema("MaturityReview")}, "text/markdown": {"schema": {"type": "string"}}}}}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/maturity": {"get": {
                "operationId": "maturityOverview",
                "summary": "Every project the caller reads (a key: its own project) with its signed-off and computed stage, checklist completion, metrics past their review date, the costliest metric of the last 30 days and the last review.",
                "parameters": [format()],
                "responses": with(json!({"200": {"description": "A row per project.", "content": {
                    "application/json": {"schema": {"type": "array", "items": schema("MaturityRow")}}, "text/csv": {"schema": {"type": "string"}}}}}), error_responses(&["401", "422"]))
            }},
            "/api/v1/projects/{project}/outputs": {"get": {
                "operationId": "listOutputs",
                "summary": "A page of outputs (newest first, 50 at a time) with every score of each, filtered like the outputs browser.",
                "description": "Continue with `before` set to the answer's `next_before` until it is null. `format=csv` answers one line per output and score.",
                "parameters": [project(),
                    query_param("version", "A version label.", text(None)),
                    query_param("source", "production, eval or synthetic.", json!({"enum": ["production", "eval", "synthetic"]})),
                    query_param("segment", "key=value of the metadata, e.g. language=de.", segment()),
                    query_param("metric", "A metric key (with verdict: outputs whose score of it has that verdict).", text(None)),
                    query_param("verdict", "pass, fail, error, pending or na (not applicable).", json!({"enum": ["pass", "fail", "error", "pending", "na"]})),
                    query_param("before", "Outputs older than this id.", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})),
                    format()],
                "responses": with(json!({"200": {"description": "The page.", "content": {
                    "application/json": {"schema": schema("OutputsPage")}, "text/csv": {"schema": {"type": "string"}}}}}), error_responses(&["401", "403", "404", "422"]))
            }, "post": {
                "operationId": "ingestOutputs",
                "summary": "Send a batch of outputs (JSON array, or NDJSON with Content-Type application/x-ndjson).",
                "description": "A batch with any invalid record is refused whole, listing every problem by record index and field; a valid batch is stored atomically. Outputs already stored under the same `external_id` are not stored again, and a repeated `Idempotency-Key` answers as the first request did. Every active automated metric scores each new output; LLM judges and embedding scorers are filled in by the scoring worker shortly after.",
                "parameters": [project(), idempotency_key()],
                "requestBody": batch_body("OutputRecord", ingest_example()),
                "responses": with(json!({"201": ok("Stored (or already stored).", schema("Ingested"))}), error_responses(&["401", "403", "404", "413", "422"]))
            }},
            "/api/v1/projects/{project}/feedback": {"post": {
                "operationId": "sendFeedback",
                "summary": "Send end users' feedback on outputs (thumbs, stars or a category, with an optional comment), in batches like outputs.",
                "description": "Each record names a feedback metric (scorer kind `user_feedback`) by `metric` and the output by Vernier `output_id` or by your `external_id`. Feedback for an `external_id` not logged yet waits up to 24 hours (from `at`) for its output and is counted when it arrives; after that it is refused. A batch with any invalid record — unknown metric or output, a value off the metric's scale, an `id` repeated or reused for other feedback — is refused whole, listing every problem by record index and field. A record sent again with the same `id` and content is a duplicate and is not stored twice; a repeated `Idempotency-Key` answers as the first request did. Several answers on one output combine by the metric's rule (latest or mean) into its score, which trends, monitors, hybrid metrics and A/B tests read.\n\n```sh\ncurl -X POST https://vernier.example.com/api/v1/projects/support-bot-dach/feedback \\\n  -H 'Authorization: Bearer vk_…' -H 'Content-Type: application/json' \\\n  -d '[{\"external_id\": \"req-8f3a\", \"metric\": \"thumbs-up\", \"value\": false, \"comment\": \"this is in English?!\", \"user\": \"u-5d1c\"}]'\n```",
                "parameters": [project(), idempotency_key()],
                "requestBody": batch_body("FeedbackRecord", feedback_example()),
                "responses": with(json!({"201": ok("Stored (or already stored, or waiting for its output).", schema("FeedbackStored"))}), error_responses(&["401", "403", "404", "413", "422"]))
            }},
            "/api/v1/projects/{project}/experiments": {"get": {
                "operationId": "listExperiments",
                "summary": "Every A/B test of the project, running first, each read as of today.",
                "parameters": [project()],
                "responses": with(json!({"200": ok("The experiments.", schema("ExperimentList"))}), error_responses(&["401", "403", "404"]))
            }, "post": {
                "operationId": "createExperiment",
                "summary": "Create an A/B test from its design (managers and owners): the versions (the control first), the metric that decides, the guardrails and the smallest change worth detecting.",
                "description": "The sample is planned in end users: the power calculation's independent verdicts per arm, times the design effect, over the verdicts per user that the control's last 30 days of traffic showed (one verdict per user when fewer than 30 users were seen). A `baseline` left out is the control's pass rate of the last 30 days. Outputs count for the test when they name their `user`, and only in the arm the user is assigned to (see the arm call).\n\n```sh\ncurl -X POST https://vernier.example.com/api/v1/projects/support-bot-dach/experiments \\\n  -H 'Authorization: Bearer vk_…' -H 'Content-Type: application/json' \\\n  -d '{\"key\": \"shorter-prompt\", \"name\": \"Shorter prompt\", \"versions\": [\"prompt-v2\", \"prompt-v3\"], \"primary\": \"thumbs-up\", \"guardrails\": [\"reply-language\"], \"minimum_change\": 0.05}'\n```",
                "parameters": [project()],
                "requestBody": body("ExperimentDesign", Some(json!({"key": "shorter-prompt", "name": "Shorter prompt", "versions": ["prompt-v2", "prompt-v3"], "primary": "thumbs-up", "guardrails": ["reply-language"], "minimum_change": 0.05}))),
                "responses": with(json!({"201": ok("Created; the experiment as read today.", schema("Experiment"))}), error_responses(&["400", "401", "403", "404", "409", "415", "422"]))
            }},
            "/api/v1/projects/{project}/experiments/{key}": {"get": {
                "operationId": "getExperiment",
                "summary": "An A/B test read as of today: its design (the users each arm needs), each arm's users and outputs with the sample ratio check, and — once every arm has its users — pass rates per user with intervals, each variant's difference from the control with its interval on the primary metric and every guardrail, the primary metric per segment, and the verdict.",
                "description": "The result is read at a fixed horizon: the first day on which every arm has the users its design asked for, counting up to that day. Before it, `verdict.kind` is `keep_collecting` and no rate is given. The unit is the end user: outputs from users the assignment put in another arm, or without a user, are left out and counted in `units`; a sample ratio mismatch (chi-square p < 0.001 against the even split) or arms that served users on different days block any verdict. Intervals treat the user as the unit (delta method) at the design's α split over the comparisons with the control (Bonferroni).",
                "parameters": [project(), path_param("key", "The experiment's key.")],
                "responses": with(json!({"200": ok("The experiment.", schema("Experiment"))}), error_responses(&["401", "403", "404"]))
            }},
            "/api/v1/projects/{project}/experiments/{key}/stop": {"post": {
                "operationId": "stopExperiment",
                "summary": "Stop an A/B test (managers and owners): today is its last counted day; one stopped before keeps its day. A test stopped before its sample declares nothing.",
                "parameters": [project(), path_param("key", "The experiment's key.")],
                "responses": with(json!({"200": ok("Stopped; the experiment as read today.", schema("Experiment"))}), error_responses(&["401", "403", "404"]))
            }},
            "/api/v1/projects/{project}/experiments/{key}/arm": {"get": {
                "operationId": "experimentArm",
                "summary": "Which version to serve an end user: the same for every call, spread evenly over the versions (FNV-1a of the experiment key and the user id).",
                "description": "```sh\ncurl -H 'Authorization: Bearer vk_…' 'https://vernier.example.com/api/v1/projects/support-bot-dach/experiments/shorter-prompt/arm?user=u-5d1c'\n```\nLog the outputs you serve with `version` set to the answer's `version`.",
                "parameters": [project(), path_param("key", "The experiment's key."),
                    {"name": "user", "in": "query", "required": true, "description": "The end user's pseudonymous id.", "schema": non_blank(Some(200))}],
                "responses": with(json!({"200": ok("The arm.", schema("ExperimentArm"))}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/datasets/{name}/versions/{version}/items": {"get": {
                "operationId": "exportDataset",
                "summary": "A dataset version's items as JSONL (one item per line) or CSV; both import back unchanged.",
                "parameters": [project(), path_param("name", "The dataset's name."),
                    {"name": "version", "in": "path", "required": true, "description": "The version number.", "schema": {"type": "integer", "minimum": 1, "maximum": i32::MAX}},
                    {"name": "format", "in": "query", "required": false, "description": "jsonl (default) or csv.", "schema": {"enum": ["jsonl", "csv"]}}],
                "responses": with(json!({"200": {"description": "The items.", "content": {
                    "application/x-ndjson": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}}}}}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/runs/{run}": {"get": {
                "operationId": "getRun",
                "summary": "An eval run: pass rate per metric (Wilson interval), per tag, prompt-variant sensitivity and every item's verdicts.",
                "parameters": [project(), path_param("run", "The run's name.")],
                "responses": with(json!({"200": ok("The run.", schema("Run"))}), error_responses(&["401", "403", "404"]))
            }},
            "/api/v1/projects/{project}/runs/compare": {"get": {
                "operationId": "compareRuns",
                "summary": "Two runs on one dataset version, item by item: per metric the items newly failing and newly passing, and McNemar's exact p-value.",
                "description": "```sh\ncurl -H 'Authorization: Bearer vk_…' 'https://vernier.example.com/api/v1/projects/support-bot-dach/runs/compare?first=prompt-v1-golden&second=prompt-v2-golden'\n```\nFail a release in CI when a metric's `p` is below 0.05 and `second.passes` is below `first.passes`.",
                "parameters": [project(),
                    {"name": "first", "in": "query", "required": true, "description": "The baseline run.", "schema": non_blank(None)},
                    {"name": "second", "in": "query", "required": true, "description": "The candidate run (on the same dataset version).", "schema": non_blank(None)}],
                "responses": with(json!({"200": ok("The comparison.", schema("RunComparison"))}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/check": {"post": {
                "operationId": "check",
                "summary": "Score one reply against the real-time metrics and get the action to take.",
                "description": "Answers within milliseconds from cached scorers; the check is recorded as an output afterwards (unless `record=false`), in batches; `recorded` says whether it will be stored. When the database cannot keep up, checks wait in a journal on the server's disk and are stored when it can; a check is answered unrecorded only when the journal cannot take it either (counted in `/metrics` as `vernier_checks_unrecorded_total` by reason). `version` and `input` may be omitted.",
                "parameters": [project(),
                    {"name": "record", "in": "query", "required": false, "description": "Store the reply as an output (default true).", "schema": {"type": "boolean", "default": true}}],
                "requestBody": body("CheckRecord", Some(check_example())),
                "responses": with(json!({"200": ok("Verdicts and the most severe action.", schema("CheckAnswer"))}), error_responses(&["401", "403", "404", "422"]))
            }},
            "/api/v1/projects/{project}/metrics": {
                "get": {
                    "operationId": "listMetrics", "summary": "The project's metrics, filtered like the registry.", "parameters": [project(),
                        query_param("status", "draft, active or retired.", json!({"enum": ["draft", "active", "retired"]})),
                        query_param("stage", "crawl, walk or run.", json!({"enum": ["crawl", "walk", "run"]})),
                        query_param("cadence", "real-time or async.", json!({"enum": ["real-time", "async"]})),
                        query_param("category", "The metric's category.", json!({"enum": ["quality", "safety", "degradation", "retrieval", "format", "language", "other"]})),
                        query_param("owner", "The owner's username.", text(None)),
                        query_param("tag", "A tag.", text(None)),
                        query_param("q", "Text in the key, name, description or question.", text(None))],
                    "responses": with(json!({"200": ok("Metrics by name.", json!({"type": "array", "items": schema("Metric")}))}), error_responses(&["401", "403", "404", "422"]))
                },
                "post": {
                    "operationId": "createMetric", "summary": "Create a metric (as a draft).", "parameters": [project()],
                    "requestBody": body("MetricDocument", None),
                    "responses": with(json!({"201": ok("Created.", schema("Metric"))}), write.clone())
                }
            },
            "/api/v1/projects/{project}/metrics/{key}": {
                "get": {
                    "operationId": "getMetric", "summary": "One metric.", "parameters": [project(), metric_key()],
                    "responses": with(json!({"200": ok("The metric.", schema("Metric"))}), read.clone())
                },
                "put": {
                    "operationId": "updateMetric", "summary": "Replace a metric's definition; every changed field is recorded in its history.",
                    "parameters": [project(), metric_key()], "requestBody": body("MetricDocument", None),
                    "responses": with(json!({"200": ok("Updated.", schema("Metric"))}), write.clone())
                }
            },
            "/api/v1/projects/{project}/metrics/{key}/retire": {"post": {
                "operationId": "retireMetric", "summary": "Retire a metric; the reason is required.",
                "parameters": [project(), metric_key()],
                "requestBody": body("RetireBody", None),
                "responses": with(json!({"200": ok("Retired.", schema("Metric"))}), write.clone())
            }},
            "/api/v1/projects/{project}/metrics/{key}/activate": {"post": {
                "operationId": "activateMetric", "summary": "Activate a draft or retired metric; stored outputs of the last 30 days are re-scored in the background.",
                "parameters": [project(), metric_key()],
                "responses": with(json!({"200": ok("Active.", schema("Metric"))}), write)
            }}
        },
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "A project API key, `vk_…`."},
                "session": {"type": "apiKey", "in": "cookie", "name": "vernier_session"}
            },
            "schemas": schemas()
        }
    });
    // OpenTelemetry's own protocol, kept apart (the document is one macro deep enough already).
    document["paths"]["/api/v1/audit"] = json!({"get": {
        "operationId": "auditLog",
        "summary": "The audit log, newest first (admins signed in; not API keys): sign-ins (succeeded, failed, locked, lock lifted), users and global roles, memberships, projects, API keys, LLM endpoints and alert channels, each with who, when, the project, what was acted on, detail and the client's address.",
        "description": "JSON answers 100 entries; continue with `before` set to the last entry's id. `format=csv` answers up to 10,000.",
        "parameters": [
            query_param("category", "sign_in, user, membership, project, api_key, endpoint or channel.", json!({"enum": ["sign_in", "user", "membership", "project", "api_key", "endpoint", "channel"]})),
            query_param("actor", "Who acted, or what was acted on (a username).", text(None)),
            query_param("project", "A project's slug.", text(None)),
            query_param("from", "First day (YYYY-MM-DD, UTC).", json!({"type": "string", "format": "date"})),
            query_param("to", "Last day (YYYY-MM-DD, UTC).", json!({"type": "string", "format": "date"})),
            query_param("before", "Entries older than this id.", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})),
            format()],
        "responses": with(json!({"200": {"description": "The entries.", "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}, "text/csv": {"schema": {"type": "string"}}}}}),
            error_responses(&["401", "403", "422"]))
    }});
    document["paths"]["/v1/traces"] = json!({"post": otlp_operation("exportTraces", false)});
    document["paths"]["/api/v1/projects/{project}/otlp/v1/traces"] =
        json!({"post": otlp_operation("exportProjectTraces", true)});
    document
}

fn schemas() -> Value {
    with(with(core_schemas(), feedback_schemas()), records::schemas())
}

fn feedback_schemas() -> Value {
    json!({
        "Run": {"type": "object", "required": ["run", "metrics", "results", "peers"], "properties": {
            "run": schema("RunInfo"),
            "metrics": {"type": "array", "items": {"type": "object", "properties": {
                "metric": {"type": "string"}, "rate": {"type": "object", "description": "passes, n, rate and its 95% Wilson interval"},
                "by_tag": {"type": "array", "items": {"type": "object"}}, "sensitivity": {"type": ["object", "null"]}}}},
            "results": {"type": "array", "items": {"type": "object", "properties": {
                "item_id": {"type": "string"}, "output_id": {"type": "integer"},
                "verdicts": {"type": "object", "additionalProperties": {"type": ["boolean", "null"]}}}}},
            "peers": {"type": "array", "items": {"type": "string"}, "description": "Runs on the same version."}
        }},
        "RunInfo": {"type": "object", "required": ["name", "dataset", "version"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "dataset": {"type": "string"}, "version": {"type": "integer"},
            "version_id": {"type": "integer"}, "items": {"type": "integer"}, "outputs": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"}
        }},
        "RunComparison": {"type": "object", "required": ["first", "second", "metrics"], "properties": {
            "first": schema("RunInfo"), "second": schema("RunInfo"),
            "metrics": {"type": "array", "items": {"type": "object", "required": ["metric", "pairs", "p"], "properties": {
                "metric": {"type": "string"}, "pairs": {"type": "integer"}, "both_pass": {"type": "integer"}, "both_fail": {"type": "integer"},
                "newly_failing": {"type": "array", "items": {"type": "string"}}, "newly_passing": {"type": "array", "items": {"type": "string"}},
                "p": {"type": "number", "minimum": 0, "maximum": 1, "description": "McNemar's exact two-sided p-value."},
                "first": {"type": "object", "properties": {"passes": {"type": "integer"}, "n": {"type": "integer"}}},
                "second": {"type": "object", "properties": {"passes": {"type": "integer"}, "n": {"type": "integer"}}}
            }}}
        }},
        "ExperimentArm": {"type": "object", "required": ["experiment", "version", "arm", "running"], "properties": {
            "experiment": {"type": "string"}, "version": {"type": "string", "description": "The version to serve."},
            "arm": {"type": "integer", "minimum": 0, "description": "Its position among the versions; 0 is the control."},
            "running": {"type": "boolean", "description": "False once the experiment was stopped."}
        }},
        "ExperimentDesign": {"type": "object", "additionalProperties": false,
            "required": ["key", "name", "versions", "primary", "minimum_change"], "properties": {
            "key": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$"},
            "name": non_blank(Some(120)),
            "hypothesis": text(Some(2000)),
            "versions": {"type": "array", "minItems": 2, "maxItems": 6, "uniqueItems": true, "items": list_item(100),
                "description": "Version labels, the control first. The control must have served outputs (its traffic gives the baseline and the verdicts per user); the other arms may be versions not deployed yet, which the arm call is how they get traffic."},
            "primary": list_item(64),
            "guardrails": {"type": "array", "maxItems": 10, "items": list_item(64), "description": "Metric keys that must not get worse."},
            "baseline": {"type": ["number", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                "description": "The control's expected pass rate; left out: measured over the last 30 days."},
            "minimum_change": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "description": "The smallest change worth detecting, as a fraction (0.05 is 5 points)."},
            "alpha": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 0.2, "description": "Default 0.05."},
            "power": {"type": ["number", "null"], "minimum": 0.5, "exclusiveMaximum": 0.995, "description": "Default 0.8."},
            "started_on": {"type": ["string", "null"], "format": "date", "description": "The first day counted; default today."}
        }},
        "ExperimentList": {"type": "object", "required": ["experiments"], "properties": {
            "experiments": {"type": "array", "items": schema("Experiment")}}},
        "Experiment": {"type": "object", "required": ["design", "progress", "verdict"], "properties": {
            "design": {"type": "object", "properties": {
                "key": {"type": "string"}, "name": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}},
                "primary": {"type": "string"}, "guardrails": {"type": "array", "items": {"type": "string"}},
                "baseline": {"type": "number"}, "minimum_change": {"type": "number"}, "alpha": {"type": "number"}, "power": {"type": "number"},
                "sample_per_arm": {"type": "integer", "description": "End users each arm needs."},
                "verdicts_per_arm": {"type": "integer", "description": "Independent verdicts each arm needs (the power calculation)."},
                "verdicts_per_user": {"type": "number", "description": "Earlier traffic's verdicts per user (1: none measured)."},
                "design_effect": {"type": "number", "description": "Earlier traffic's design effect (1: none measured)."},
                "started_on": {"type": "string", "format": "date"}}},
            "progress": {"type": "array", "description": "[version, users with a verdict of the primary metric so far] per arm."},
            "units": {"type": ["object", "null"], "description": "Users and outputs per arm (and those left out), the sample ratio check and the first day the arms did not both serve users.", "properties": {
                "through": {"type": "string", "format": "date"},
                "arms": {"type": "array", "items": {"type": "object", "properties": {
                    "version": {"type": "string"}, "users": {"type": "integer"}, "outputs": {"type": "integer"},
                    "excluded_users": {"type": "integer"}, "excluded_outputs": {"type": "integer"}, "anonymous_outputs": {"type": "integer"}}}},
                "sample_ratio": {"type": "object", "properties": {
                    "observed": {"type": "array", "items": {"type": "integer"}}, "expected": {"type": "array", "items": {"type": "number"}},
                    "statistic": {"type": "number"}, "p": {"type": "number", "minimum": 0, "maximum": 1}}},
                "uneven_day": {"type": ["array", "null"], "description": "[day, [versions that served no users that day]] for the first such day."}}},
            "horizon": {"type": ["string", "null"], "format": "date"},
            "verdict": {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": [
                "sample_ratio_mismatch", "arms_on_different_days", "keep_collecting", "stopped_early", "settling", "ship",
                "guardrail_broken", "guardrail_unmeasured", "keep_control", "no_detectable_difference"]}}},
            "primary": {"type": ["object", "null"]},
            "guardrails": {"type": "array"},
            "segments": {"type": "array"},
            "comparison_alpha": {"type": "number"}
        }},
        "FeedbackStored": {"type": "object", "required": ["accepted", "duplicates", "waiting", "scores", "feedback"], "properties": {
            "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
            "waiting": {"type": "integer", "description": "Stored records whose output is not logged yet."},
            "scores": {"type": "integer", "description": "Feedback scores written (one per output and metric)."},
            "feedback": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "id": {"type": "integer"}, "duplicate": {"type": "boolean"}, "waiting": {"type": "boolean"}}}}
        }}
    })
}

fn core_schemas() -> Value {
    json!({
        "Ingested": {"type": "object", "required": ["accepted", "duplicates", "scores", "outputs"], "properties": {
            "accepted": {"type": "integer"}, "duplicates": {"type": "integer"}, "scores": {"type": "integer"},
            "outputs": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "id": {"type": "integer"}, "duplicate": {"type": "boolean"}}}}
        }},
        "Action": {"enum": ["none", "alert", "flag", "retry", "block"]},
        "CheckAnswer": {"type": "object", "required": ["action", "verdicts", "recorded"], "properties": {
            "action": schema("Action"),
            "verdicts": {"type": "array", "items": {"type": "object", "properties": {
                "metric": {"type": "string"}, "value": {"type": ["number", "null"]}, "passed": {"type": ["boolean", "null"]},
                "action": schema("Action"), "rationale": {"type": "string"}}}},
            "recorded": {"type": "boolean", "description": "Whether the check will be stored (queued or journaled); false with `record=false`, or when it could not be taken."},
            "elapsed_us": {"type": "integer", "description": "Server-side time, microseconds."}
        }},
        "MetricDocument": metric::document(),
        "Metric": metric::metric(),
        "RetireBody": {"type": "object", "additionalProperties": false, "required": ["reason"], "properties": {"reason": non_blank(Some(1000))}},
        "Rate": {"type": "object", "description": "Passes of n verdicts, the rate (null without verdicts) and its 95% Wilson interval.",
            "properties": {"passes": {"type": "integer"}, "n": {"type": "integer"}, "rate": {"type": ["number", "null"]},
                "interval": {"type": "object", "properties": {"low": {"type": "number"}, "high": {"type": "number"}}}}},
        "MaturityReview": {"type": "object", "required": ["review", "thresholds", "backed", "lapsed"], "properties": {
            "review": {"type": "object", "required": ["items", "advice"], "properties": {
                "stage": {"enum": ["crawl", "walk", "run", null]},
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "item": {"type": "string"}, "stage": {"enum": ["crawl", "walk", "run"]},
                    "state": {"enum": ["Met", "Attested", "NotMet"]}, "evidence": {"type": "string"}}}},
                "advice": {"type": "array", "items": {"type": "string"}}}},
            "thresholds": {"type": "object"},
            "sign_off": {"type": ["object", "null"]},
            "backed": {"type": "boolean"},
            "lapsed": {"type": "array", "items": {"type": "string"}}}},
        "MaturityRow": {"type": "object", "required": ["slug", "name", "completion", "backed"], "properties": {
            "slug": {"type": "string"}, "name": {"type": "string"},
            "signed_off": {"enum": ["crawl", "walk", "run", null]}, "computed": {"enum": ["crawl", "walk", "run", null]},
            "backed": {"type": "boolean"}, "completion": {"type": "array", "items": {"type": "integer"}},
            "metrics_due": {"type": "integer"}, "last_reviewed": {"type": ["string", "null"]}}},
        "Overview": {"type": "object", "required": ["days", "rows"], "properties": {
            "days": {"type": "integer"}, "failures": {"type": "integer"}, "evaluations": {"type": "integer"},
            "dollar_impact": {"type": "integer", "description": "Micro-dollars."}, "evaluation_spend": {"type": "integer", "description": "Micro-dollars."},
            "regressions": {"type": "integer"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "name": {"type": "string"}, "now": schema("Rate"), "change": {"type": "object"},
                "significant": {"type": "boolean"}, "failures": {"type": "integer"}, "evaluations": {"type": "integer"},
                "dollar_impact": {"type": "integer"}, "evaluation_spend": {"type": "integer"},
                "days": {"type": "array", "items": {"type": "object"}}}}}}},
        "Comparison": {"type": "object", "required": ["rows", "comparisons"], "properties": {
            "comparisons": {"type": "integer"},
            "rows": {"type": "array", "items": {"type": "object", "properties": {
                "metric_key": {"type": "string"}, "metric_name": {"type": "string"},
                "segment": {"type": ["object", "null"], "properties": {"key": {"type": "string"}, "value": {"type": "string"}}},
                "a": schema("Rate"), "b": schema("Rate"), "change": {"type": "object"}, "q": {"type": "number"},
                "verdict": {"type": "object", "properties": {"kind": {"enum": ["regression", "improvement", "no_significant_change", "too_little_data"]}, "needed": {"type": "integer"}}}}}},
            "attributions": {"type": "array", "items": {"type": "object"}},
            "explanations": {"type": "array", "description": "Per metric whose total changed significantly, the segments whose own rate explains most of the change (fractions, B − A).",
                "items": schema("Explanation")}}},
        "Explanation": {"type": "object", "required": ["metric_key", "metric_name", "total_change", "segments"], "properties": {
            "metric_key": {"type": "string"}, "metric_name": {"type": "string"}, "total_change": {"type": "number"},
            "segments": {"type": "array", "items": {"type": "object", "required": ["segment", "rate_effect", "own_change"], "properties": {
                "segment": {"type": "object", "properties": {"key": {"type": "string"}, "value": {"type": "string"}}},
                "rate_effect": {"type": "number"}, "own_change": {"type": "number"}}}}}},
        "Trend": {"type": "object", "required": ["metric_key", "grain", "points", "markers"], "properties": {
            "metric_key": {"type": "string"}, "metric_name": {"type": "string"}, "grain": {"enum": ["day", "hour"]},
            "points": {"type": "array", "items": {"type": "object", "properties": {
                "at": {"type": "string", "format": "date-time"}, "rate": schema("Rate"), "failures": {"type": "integer"},
                "failure_cost": {"type": "integer", "description": "Micro-dollars."}}}},
            "markers": {"type": "array", "items": {"type": "object", "properties": {
                "version": {"type": "string"}, "at": {"type": "string", "format": "date-time"}}}}}},
        "OutputsPage": {"type": "object", "required": ["outputs"], "properties": {
            "outputs": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "occurred_at": {"type": "string", "format": "date-time"}, "version": {"type": "string"},
                "source": {"type": "string"}, "excerpt": {"type": "string"}, "segments": {"type": "array", "items": {"type": "string"}},
                "scores": {"type": "array", "items": {"type": "object"}}}}},
            "next_before": {"type": ["integer", "null"]}}},
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"enum": ["validation", "conflict", "unauthorized", "forbidden", "not_found", "too_large", "internal"]},
            "message": {"type": "string"}, "field": {"type": ["string", "null"]},
            "records": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}}}}}}}}
    })
}
