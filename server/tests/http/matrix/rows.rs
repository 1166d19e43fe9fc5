//! The rows of the access matrix: for every route, how to call it and what each caller gets.

use super::setup::{metric_input, monitor_form, output_record, rest_metric, Ctx};
use super::*;
use reqwest::Method;
use serde_json::{json, Value};

pub(super) enum Body {
    None,
    Form(Vec<(String, String)>),
    Json(Value),
}

pub(super) struct Request {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) body: Body,
}

pub(super) type Build = Box<dyn Fn(&Ctx, Caller) -> Request>;

pub(super) struct Row {
    /// The server function path, or "METHOD /path/{template}" of a REST operation.
    pub(super) route: &'static str,
    pub(super) expected: [u16; 8],
    pub(super) build: Build,
}

/// One GenAI span in OTLP JSON, its span id telling the callers apart.
fn otlp_spans(caller: Caller) -> Value {
    let span_id = format!("{:016x}", caller as u64 + 1);
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": "chat",
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.input.messages", "value": {"stringValue": "[{\"role\":\"user\",\"content\":\"Hallo\"}]"}},
            {"key": "gen_ai.output.messages", "value": {"stringValue": "[{\"role\":\"assistant\",\"content\":\"Guten Tag\"}]"}}
        ]
    }]}]}]})
}

fn form(pairs: Vec<(&str, String)>) -> Body {
    Body::Form(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

pub(super) fn p() -> (&'static str, String) {
    ("project", PROJECT.to_owned())
}

/// A server function row; `args` builds the form from the fixture and the caller.
fn sf(
    name: &'static str,
    expected: [u16; 8],
    args: impl Fn(&Ctx, Caller) -> Vec<(&'static str, String)> + 'static,
) -> Row {
    let route: &'static str = Box::leak(format!("/api/{name}").into_boxed_str());
    Row {
        route,
        expected,
        build: Box::new(move |ctx, caller| Request {
            method: Method::POST,
            path: route.to_owned(),
            body: form(args(ctx, caller)),
        }),
    }
}

/// A server function that takes JSON (`input = Json`).
fn sf_json(name: &'static str, expected: [u16; 8], args: impl Fn(&Ctx, Caller) -> Value + 'static) -> Row {
    let route: &'static str = Box::leak(format!("/api/{name}").into_boxed_str());
    Row {
        route,
        expected,
        build: Box::new(move |ctx, caller| Request {
            method: Method::POST,
            path: route.to_owned(),
            body: Body::Json(args(ctx, caller)),
        }),
    }
}

/// A REST row: `route` is the registered template; `path` and `body` are built per call.
fn rest(
    route: &'static str,
    expected: [u16; 8],
    path: impl Fn(&Ctx, Caller) -> String + 'static,
    body: impl Fn(&Ctx, Caller) -> Option<Value> + 'static,
) -> Row {
    let method = Method::from_bytes(route.split(' ').next().unwrap().as_bytes()).unwrap();
    Row {
        route,
        expected,
        build: Box::new(move |ctx, caller| Request {
            method: method.clone(),
            path: path(ctx, caller),
            body: body(ctx, caller).map_or(Body::None, Body::Json),
        }),
    }
}

pub(super) fn v(s: &str) -> String {
    s.to_owned()
}

/// Every route's row. Order matters only where one call prepares the next for the same caller
/// (retire before activate; add, change, then remove a member); `logout` comes last.
pub(super) fn rows() -> Vec<Row> {
    let metrics = format!("/api/v1/projects/{PROJECT}/metrics");
    let (m1, m2, m3, m4, m5, m6) = (
        metrics.clone(),
        metrics.clone(),
        metrics.clone(),
        metrics.clone(),
        metrics.clone(),
        metrics,
    );
    vec![
        // Projects and the caller's own lists.
        sf("list_projects", SIGNED_IN, |_, _| vec![]),
        sf("get_project", READ, move |_, _| vec![("slug", v(PROJECT))]),
        sf("create_project", CREATE_PROJECT, |_, c| {
            vec![
                ("name", format!("Matrix {}", c.name())),
                ("slug", String::new()),
                ("description", String::new()),
                ("purpose", String::new()),
            ]
        }),
        sf("my_memberships", SIGNED_IN, |_, _| vec![]),
        sf("my_queues", SIGNED_IN, |_, _| vec![]),
        sf("metric_templates", SIGNED_IN, |_, _| vec![]),
        sf("list_people", READ, |_, _| vec![p()]),
        // Members.
        sf("list_members", READ, |_, _| vec![p()]),
        sf("add_member", EDIT, |_, _| {
            vec![p(), ("username", v("zoe")), ("role", v("viewer"))]
        }),
        sf("change_member_role", EDIT, |_, _| {
            vec![p(), ("username", v("zoe")), ("role", v("manager"))]
        }),
        sf("remove_member", EDIT, |_, _| vec![p(), ("username", v("zoe"))]),
        // Metrics.
        sf("list_metrics", READ, |_, _| {
            let mut pairs = vec![p()];
            for field in ["status", "stage", "cadence", "category", "owner", "tag", "q"] {
                pairs.push((Box::leak(format!("filter[{field}]").into_boxed_str()), v("")));
            }
            pairs
        }),
        sf("get_metric", READ, |_, _| vec![p(), ("key", v("reply-language"))]),
        sf("create_metric", EDIT, |_, c| {
            metric_input(&format!("m-{}", c.name()), r#"{"kind": "valid_json"}"#)
        }),
        sf("update_metric", EDIT, |_, _| {
            let mut pairs = metric_input("fixed", r#"{"kind": "valid_json"}"#);
            pairs.push(("key", v("fixed")));
            pairs
        }),
        sf("retire_metric", EDIT, |_, _| {
            vec![p(), ("key", v("fixed")), ("reason", v("matrix"))]
        }),
        sf("activate_metric", EDIT, |_, _| vec![p(), ("key", v("fixed"))]),
        sf("extend_review", EDIT, |_, _| {
            vec![p(), ("key", v("fixed")), ("review_date", v("2030-01-01"))]
        }),
        sf("change_owner", EDIT, |_, _| {
            vec![p(), ("key", v("fixed")), ("owner", v("owner"))]
        }),
        sf("retirement_queue", READ, |_, _| {
            vec![p(), ("quiet_days", v("30"))]
        }),
        sf("export_metrics", READ, |_, _| vec![p(), ("format", v("yaml"))]),
        sf("preview_import", EDIT, |ctx, _| {
            vec![p(), ("format", v("yaml")), ("text", ctx.metrics_doc.clone())]
        }),
        sf("apply_import", EDIT, |ctx, _| {
            vec![p(), ("format", v("yaml")), ("text", ctx.metrics_doc.clone())]
        }),
        sf("add_template", EDIT, |_, c| {
            let template = if c == Caller::Admin {
                "reply-length"
            } else {
                "no-delve"
            };
            vec![p(), ("template", v(template))]
        }),
        // Rubrics, queues, annotation.
        sf("list_rubrics", MANAGE, |_, _| vec![p()]),
        sf("save_rubric", EDIT, |_, c| {
            vec![
                p(),
                ("input[name]", format!("Rubric {}", c.name())),
                ("input[scale]", v("binary")),
                ("input[levels]", v("Fail\nPass")),
                ("input[instructions]", v("")),
            ]
        }),
        sf("list_queues", MANAGE, |_, _| vec![p()]),
        sf("queue_choices", MANAGE, |_, _| vec![p()]),
        sf("create_queue", MANAGE, |_, c| {
            vec![
                p(),
                ("input[name]", format!("Queue {}", c.name())),
                ("input[metrics]", v("tone")),
                ("input[sampling]", v("random")),
                ("input[n]", v("1")),
                ("input[annotators]", v("annotator")),
                ("input[overlap]", v("1")),
                ("input[due_date]", v("")),
            ]
        }),
        sf("queue_report", MANAGE, |ctx, _| {
            vec![p(), ("id", ctx.queue.to_string())]
        }),
        sf("metric_agreement", MANAGE, |_, _| vec![p(), ("key", v("tone"))]),
        sf("adjudicate", MANAGE, |ctx, _| {
            vec![
                p(),
                ("queue", ctx.queue.to_string()),
                ("item", ctx.item.to_string()),
                ("metric", ctx.human_metric.to_string()),
                ("value", v("1")),
                ("note", v("matrix")),
            ]
        }),
        sf("check_judge", MANAGE, |_, _| {
            vec![
                p(),
                ("human", v("tone")),
                ("automated", v("reply-language")),
                ("bias_level", v("")),
            ]
        }),
        sf("work_item", OWN_QUEUE, |ctx, _| {
            vec![("queue", ctx.queue.to_string())]
        }),
        sf_json(
            "skip_item",
            OWN_QUEUE,
            |ctx, _| json!({"queue": ctx.queue, "assignment": ctx.assignment, "comment": "later"}),
        ),
        sf_json(
            "rate_item",
            OWN_QUEUE,
            |ctx, _| json!({"queue": ctx.queue, "assignment": ctx.assignment, "ratings": [[ctx.human_metric, 1.0]], "comment": ""}),
        ),
        // Outputs, scoring, endpoints, keys.
        sf("list_outputs", MANAGE, |_, _| vec![p()]),
        sf("feedback_comments", MANAGE, |_, _| {
            vec![p(), ("filter[search]", v("English"))]
        }),
        // The maturity review.
        sf("get_review", READ, |_, _| vec![p()]),
        sf("maturity_overview", SIGNED_IN, |_, _| vec![]),
        sf("save_challenge", MANAGE, |_, c| {
            vec![
                p(),
                ("id", v("0")),
                ("title", format!("Challenge seen by {}", c.name())),
                ("hypothesis", v("a guess")),
                ("goal", v("a goal")),
                ("metrics", v("tone")),
            ]
        }),
        sf("delete_challenge", MANAGE, |ctx, c| {
            vec![p(), ("id", ctx.challenges[c.name()].to_string())]
        }),
        sf("attest_item", REVIEW, |_, _| {
            vec![p(), ("item", v("monitors")), ("note", v("PagerDuty"))]
        }),
        sf("withdraw_attestation", REVIEW, |_, _| {
            vec![p(), ("item", v("monitors"))]
        }),
        sf("sign_off_stage", REVIEW, |_, _| {
            vec![p(), ("stage", v("crawl")), ("note", v("matrix"))]
        }),
        sf("record_review", REVIEW, |_, _| vec![p(), ("note", v("looked"))]),
        sf("set_maturity_thresholds", REVIEW, |_, _| {
            vec![
                p(),
                ("thresholds[tuning_examples]", v("800")),
                ("thresholds[rating_days]", v("45")),
            ]
        }),
        // Monitors and alerts.
        sf("list_experiments", READ, |_, _| vec![p()]),
        sf("get_experiment", READ, |_, _| vec![p(), ("key", v("ab-fixed"))]),
        sf("create_experiment", MANAGE, |_, c| {
            vec![
                p(),
                ("input[key]", format!("ab-{}", c.name())),
                ("input[name]", v("Matrix A/B")),
                ("input[versions]", v("v1, v2")),
                ("input[primary]", v("rest-fixed")),
                ("input[baseline]", v("50%")),
                ("input[minimum_change]", v("10%")),
                ("input[alpha]", v("0.05")),
                ("input[power]", v("80%")),
            ]
        }),
        sf("stop_experiment", MANAGE, |_, _| {
            vec![p(), ("key", v("ab-fixed"))]
        }),
        // Datasets and eval runs.
        sf("list_datasets", READ, |_, _| vec![p()]),
        sf("create_dataset", MANAGE, |_, c| {
            vec![
                p(),
                ("input[name]", format!("ds-{}", c.name())),
                ("input[description]", v("")),
            ]
        }),
        sf("get_dataset", READ, |_, _| vec![p(), ("name", v("golden-fixed"))]),
        sf("import_dataset", MANAGE, |_, _| {
            vec![
                p(),
                ("name", v("golden-fixed")),
                ("input[file_name]", v("more.csv")),
                ("input[text]", v("id,input\nc,Servus\n")),
                ("input[mode]", v("upsert")),
                ("input[note]", v("")),
                ("input[confirm]", v("no")),
            ]
        }),
        sf("save_dataset_item", MANAGE, |_, c| {
            vec![
                p(),
                ("name", v("golden-fixed")),
                ("input[id]", format!("by-{}", c.name())),
                ("input[input]", v("Grüezi")),
            ]
        }),
        sf("remove_dataset_item", MANAGE, |_, c| {
            vec![
                p(),
                ("name", v("golden-fixed")),
                ("item", format!("by-{}", c.name())),
            ]
        }),
        sf("add_outputs_to_dataset", MANAGE, |_, _| {
            vec![p(), ("name", v("golden-fixed")), ("filter[version]", v("v2"))]
        }),
        sf("review_dataset", MANAGE, |_, _| {
            vec![p(), ("name", v("golden-fixed"))]
        }),
        sf("dataset_health", READ, |_, _| {
            vec![
                p(),
                ("name", v("golden-fixed")),
                ("thresholds[min_class_share]", v("10%")),
            ]
        }),
        sf("get_run", READ, |_, _| vec![p(), ("run", v("run-a"))]),
        sf("compare_runs", READ, |_, _| {
            vec![p(), ("first", v("run-a")), ("second", v("run-b"))]
        }),
        sf("get_alerts", READ, |_, _| vec![p()]),
        sf("open_alerts", SIGNED_IN, |_, _| vec![]),
        sf("get_monitor_form", EDIT, |ctx, c| {
            vec![p(), ("id", ctx.monitors[c.name()].to_string()), ("metric", v(""))]
        }),
        sf_json(
            "backtest_monitor",
            EDIT,
            |_, _| json!({"project": PROJECT, "form": monitor_form("Backtested")}),
        ),
        sf_json(
            "save_monitor",
            EDIT,
            |_, c| json!({"project": PROJECT, "id": 0, "form": monitor_form(&format!("Saved by {}", c.name()))}),
        ),
        sf("acknowledge_alert", MANAGE, |ctx, c| {
            vec![p(), ("event", ctx.alert_events[c.name()].to_string())]
        }),
        sf("mute_monitor", MANAGE, |ctx, c| {
            vec![
                p(),
                ("id", ctx.monitors[c.name()].to_string()),
                ("minutes", v("60")),
            ]
        }),
        sf("delete_monitor", EDIT, |ctx, c| {
            vec![p(), ("id", ctx.monitors[c.name()].to_string())]
        }),
        sf("save_channel", EDIT, |_, c| {
            vec![
                p(),
                ("id", v("0")),
                ("name", format!("Slack of {}", c.name())),
                ("kind", v("slack")),
                ("url", v("https://hooks.slack.com/services/T0/B0/X")),
                ("secret", v("")),
                ("disable_after", v("3")),
            ]
        }),
        sf("send_test_message", EDIT, |ctx, c| {
            vec![p(), ("id", ctx.channels[c.name()].to_string())]
        }),
        sf("enable_channel", EDIT, |ctx, c| {
            vec![p(), ("id", ctx.channels[c.name()].to_string())]
        }),
        sf("delete_channel", EDIT, |ctx, c| {
            vec![p(), ("id", ctx.channels[c.name()].to_string())]
        }),
        sf("set_exported_segment_keys", EDIT, |_, _| {
            vec![p(), ("keys", v("turn"))]
        }),
        sf("get_segment_keys", READ, |_, _| vec![p()]),
        sf("set_segment_keys", EDIT, |_, _| {
            vec![p(), ("keys", v("language, channel"))]
        }),
        sf("metric_trend", READ, |_, _| vec![p(), ("key", v("tone"))]),
        sf("project_overview", READ, |_, _| vec![p(), ("days", v("30"))]),
        sf("compare_versions", READ, |_, _| {
            vec![p(), ("a", v("")), ("b", v("")), ("from", v("")), ("to", v(""))]
        }),
        sf("get_output", MANAGE, |ctx, _| {
            vec![p(), ("id", ctx.output.to_string())]
        }),
        sf("get_endpoints", EDIT, |_, _| vec![p()]),
        sf("save_endpoints", EDIT, |_, _| {
            let mut pairs = vec![p()];
            for name in [
                "input[chat_url]",
                "input[chat_model]",
                "input[chat_key]",
                "input[embeddings_url]",
                "input[embeddings_model]",
                "input[embeddings_key]",
            ] {
                pairs.push((name, v("")));
            }
            pairs.push(("input[timeout_ms]", v("10000")));
            pairs
        }),
        sf("list_scoring_jobs", MANAGE, |_, _| {
            vec![p(), ("key", v("reply-language"))]
        }),
        sf("start_scoring_job", EDIT, |_, _| {
            vec![
                p(),
                ("key", v("reply-language")),
                ("from", v("2026-01-01")),
                ("to", v("")),
            ]
        }),
        sf("list_api_keys", EDIT, |_, _| vec![p()]),
        sf("create_api_key", EDIT, |_, c| {
            vec![p(), ("name", format!("key {}", c.name()))]
        }),
        sf("revoke_api_key", EDIT, |ctx, _| {
            vec![p(), ("id", ctx.key_id.to_string())]
        }),
        // Users (admins only).
        sf("list_users", ADMIN, |_, _| vec![]),
        sf("list_sign_in_failures", ADMIN, |_, _| vec![]),
        sf("audit_log", ADMIN, |_, _| vec![]),
        // The setup failed to sign in as "ghost" once; the admin forgets it.
        sf("lift_sign_in_lock", ADMIN, |_, _| {
            vec![("scope", v("account")), ("subject", v("ghost"))]
        }),
        sf("create_user", ADMIN, |_, c| {
            vec![
                ("username", format!("u-{}", c.name())),
                ("display_name", v("")),
                ("password", v("a long password")),
                ("role", v("viewer")),
            ]
        }),
        sf("change_role", ADMIN, |ctx, _| {
            vec![("id", ctx.zoe.to_string()), ("role", v("viewer"))]
        }),
        sf("set_user_active", ADMIN, |ctx, _| {
            vec![("id", ctx.zoe.to_string()), ("active", v("true"))]
        }),
        // REST.
        rest(
            "GET /api/v1/openapi.json",
            EVERYONE,
            |_, _| v("/api/v1/openapi.json"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/metrics",
            REST_READ,
            move |_, _| m1.clone(),
            |_, _| None,
        ),
        rest(
            "POST /api/v1/projects/{project}/metrics",
            REST_CREATE,
            move |_, _| m2.clone(),
            |_, c| Some(rest_metric(&format!("rest-{}", c.name()))),
        ),
        rest(
            "GET /api/v1/projects/{project}/metrics/{key}",
            REST_READ,
            move |_, _| format!("{m3}/rest-fixed"),
            |_, _| None,
        ),
        rest(
            "PUT /api/v1/projects/{project}/metrics/{key}",
            REST_EDIT,
            move |_, _| format!("{m4}/rest-fixed"),
            |_, _| Some(rest_metric("rest-fixed")),
        ),
        rest(
            "POST /api/v1/projects/{project}/metrics/{key}/retire",
            REST_EDIT,
            move |_, _| format!("{m5}/rest-fixed/retire"),
            |_, _| Some(json!({"reason": "matrix"})),
        ),
        rest(
            "POST /api/v1/projects/{project}/metrics/{key}/activate",
            REST_EDIT,
            move |_, _| format!("{m6}/rest-fixed/activate"),
            |_, _| Some(json!({})),
        ),
        rest(
            "POST /api/v1/projects/{project}/check",
            REST_EDIT,
            |_, _| format!("/api/v1/projects/{PROJECT}/check"),
            |_, _| Some(json!({"output": "Gerne helfe ich Ihnen weiter.", "metadata": {"language": "de"}})),
        ),
        rest(
            "POST /api/v1/projects/{project}/outputs",
            REST_CREATE,
            |_, _| format!("/api/v1/projects/{PROJECT}/outputs"),
            |_, c| Some(json!([output_record(&format!("x-{}", c.name()))])),
        ),
        rest(
            "POST /api/v1/projects/{project}/feedback",
            REST_CREATE,
            |_, _| format!("/api/v1/projects/{PROJECT}/feedback"),
            |_, c| {
                Some(
                    json!([{"id": format!("fb-{}", c.name()), "external_id": "setup-0", "metric": "thumbs", "value": true}]),
                )
            },
        ),
        rest(
            "POST /v1/traces",
            KEY_ONLY,
            |_, _| "/v1/traces".to_owned(),
            |_, c| Some(otlp_spans(c)),
        ),
        rest(
            "POST /api/v1/projects/{project}/otlp/v1/traces",
            REST_EDIT,
            |_, _| format!("/api/v1/projects/{PROJECT}/otlp/v1/traces"),
            |_, c| Some(otlp_spans(c)),
        ),
        sf("otlp_overview", MANAGE, |_, _| vec![p()]),
        sf("save_otlp_mapping", EDIT, |_, _| {
            vec![
                p(),
                ("version_attribute", "service.version".to_owned()),
                ("segments", "user.locale = language".to_owned()),
            ]
        }),
        rest(
            "GET /api/v1/projects/{project}/outputs",
            REST_MANAGE,
            |_, _| format!("/api/v1/projects/{PROJECT}/outputs?segment=language%3Dde"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/maturity",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/maturity?format=markdown"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/audit",
            REST_ADMIN,
            |_, _| "/api/v1/audit?category=sign_in&format=csv".to_owned(),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/maturity",
            REST_SIGNED_IN,
            |_, _| "/api/v1/maturity?format=csv".to_owned(),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/datasets/{name}/versions/{version}/items",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/datasets/golden-fixed/versions/1/items?format=csv"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/runs/{run}",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/runs/run-a"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/runs/compare",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/runs/compare?first=run-a&second=run-b"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/experiments",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/experiments"),
            |_, _| None,
        ),
        rest(
            "POST /api/v1/projects/{project}/experiments",
            REST_MANAGE_CREATE,
            |_, _| format!("/api/v1/projects/{PROJECT}/experiments"),
            |_, c| {
                Some(
                    json!({"key": format!("rest-ab-{}", c.name()), "name": "REST A/B", "versions": ["v1", "v2"],
                    "primary": "rest-fixed", "baseline": 0.5, "minimum_change": 0.1}),
                )
            },
        ),
        rest(
            "POST /api/v1/projects/{project}/experiments/{key}/stop",
            REST_MANAGE,
            |_, _| format!("/api/v1/projects/{PROJECT}/experiments/ab-fixed/stop"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/experiments/{key}",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/experiments/ab-fixed"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/experiments/{key}/arm",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/experiments/ab-fixed/arm?user=u-1"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/overview",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/overview?days=7"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/metrics/{key}/trend",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/metrics/tone/trend?days=7&format=csv"),
            |_, _| None,
        ),
        rest(
            "GET /api/v1/projects/{project}/compare",
            REST_READ,
            |_, _| format!("/api/v1/projects/{PROJECT}/compare?a=v1&b=v2&format=csv"),
            |_, _| None,
        ),
        // Public, last: sign-out ends the caller's session.
        sf("current_user", EVERYONE, |_, _| vec![]),
        // Each caller a different account name, so that no name collects enough failures to lock.
        sf("login", LOGIN_REFUSED, |_, c| {
            vec![
                ("username", format!("nobody-{}", c.name())),
                ("password", v("wrong password")),
            ]
        }),
        sf("logout", EVERYONE, |_, _| vec![]),
    ]
}
