//! The role × route matrix: for every registered server function and every REST operation, the
//! status each kind of caller gets on the demo project "support-bot-dach". A route without a row
//! fails the test, so a new route cannot skip its access check.
//!
//! Callers, in column order: anonymous; Lena, who owns another project (a non-member here, with
//! the strongest global role short of admin); Vic the viewer, Anna the annotator, Mia the
//! manager and Otto the owner of this project; the admin; and an API key of Lena's project.
//! Allowed calls carry real arguments and succeed (each caller's creations use their own
//! names), so a cell proves both the refusal and that the gate lets the right callers through.

use super::support::{metric_form, TestApp};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use server::gate::server_fn_paths;
use sqlx::PgPool;
use std::collections::BTreeSet;

const PROJECT: &str = "support-bot-dach";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    NonMember,
    Viewer,
    Annotator,
    Manager,
    Owner,
    Admin,
    OtherKey,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::NonMember,
    Caller::Viewer,
    Caller::Annotator,
    Caller::Manager,
    Caller::Owner,
    Caller::Admin,
    Caller::OtherKey,
];

impl Caller {
    fn name(self) -> &'static str {
        match self {
            Caller::Anonymous => "anonymous",
            Caller::NonMember => "lena",
            Caller::Viewer => "viewer",
            Caller::Annotator => "annotator",
            Caller::Manager => "manager",
            Caller::Owner => "owner",
            Caller::Admin => "admin",
            Caller::OtherKey => "other-key",
        }
    }
}

// Expected statuses, in the order of `CALLERS`. Server functions know no API keys: a key
// alone is an anonymous caller there (401).
const SIGNED_IN: [u16; 8] = [401, 200, 200, 200, 200, 200, 200, 401];
const READ: [u16; 8] = [401, 404, 200, 403, 200, 200, 200, 401];
const MANAGE: [u16; 8] = [401, 404, 403, 403, 200, 200, 200, 401];
const EDIT: [u16; 8] = [401, 404, 403, 403, 403, 200, 200, 401];
const ADMIN: [u16; 8] = [401, 403, 403, 403, 403, 403, 200, 401];
/// Global owners (Lena, Otto) and admins create projects.
const CREATE_PROJECT: [u16; 8] = [401, 200, 403, 403, 403, 200, 200, 401];
/// Only the queue's annotator; members who are not assigned are refused, others not told.
const OWN_QUEUE: [u16; 8] = [401, 404, 403, 200, 403, 403, 403, 401];
const REST_READ: [u16; 8] = [401, 404, 200, 403, 200, 200, 200, 404];
const REST_EDIT: [u16; 8] = [401, 404, 403, 403, 403, 200, 200, 404];
const REST_CREATE: [u16; 8] = [401, 404, 403, 403, 403, 201, 201, 404];
const EVERYONE: [u16; 8] = [200; 8];
/// Sign-in with a wrong password: the same validation error for everyone.
const LOGIN_REFUSED: [u16; 8] = [422; 8];

/// Ids the fixture created, for the arguments of the calls.
struct Ctx {
    queue: i64,
    item: i64,
    human_metric: i64,
    assignment: i64,
    output: i64,
    key_id: i64,
    zoe: i64,
    metrics_doc: String,
}

enum Body {
    None,
    Form(Vec<(String, String)>),
    Json(Value),
}

struct Request {
    method: Method,
    path: String,
    body: Body,
}

type Build = Box<dyn Fn(&Ctx, Caller) -> Request>;

struct Row {
    /// The server function path, or "METHOD /path/{template}" of a REST operation.
    route: &'static str,
    expected: [u16; 8],
    build: Build,
}

fn form(pairs: Vec<(&str, String)>) -> Body {
    Body::Form(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn p() -> (&'static str, String) {
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

fn metric_input(key: &str, scorer: &str) -> Vec<(&'static str, String)> {
    metric_form(PROJECT, key, "model", scorer)
}

fn rest_metric(key: &str) -> Value {
    json!({
        "key": key, "name": "Matrix REST metric", "question": "Does the gate hold?", "paradigm": "model",
        "category": "format", "cadence": "async", "action_on_failure": "flag", "scorer": {"kind": "valid_json"},
        "pass_rule": {"threshold": 1, "direction": "at_least"}, "stage": "crawl", "owner": "owner",
        "cost_per_failure": "1", "review_date": "2030-01-01"
    })
}

fn output_record(id: &str) -> Value {
    json!({"version": "v1", "input": "Wie kündige ich?", "output": "Im Kundenkonto.", "external_id": id,
           "metadata": {"language": "de"}})
}

/// Every route's row. Order matters only where one call prepares the next for the same caller
/// (retire before activate; add, change, then remove a member); `logout` comes last.
fn v(s: &str) -> String {
    s.to_owned()
}

fn rows() -> Vec<Row> {
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
        // Public, last: sign-out ends the caller's session.
        sf("current_user", EVERYONE, |_, _| vec![]),
        sf("login", LOGIN_REFUSED, |_, _| {
            vec![("username", v("owner")), ("password", v("wrong password"))]
        }),
        sf("logout", EVERYONE, |_, _| vec![]),
    ]
}

/// Every route the application registers: server function paths and REST operations.
fn registered() -> BTreeSet<String> {
    let (server_fns, _) = server_fn_paths();
    let mut routes: BTreeSet<String> = server_fns.into_iter().map(str::to_owned).collect();
    routes.extend(
        server::rest::operations()
            .into_iter()
            .map(|(method, path, _)| format!("{method} {path}")),
    );
    routes
}

#[test]
fn every_registered_route_has_exactly_one_row_in_the_matrix() {
    let listed: Vec<&str> = rows().iter().map(|row| row.route).collect();
    let unique: BTreeSet<String> = listed.iter().map(|r| (*r).to_owned()).collect();
    assert_eq!(unique.len(), listed.len(), "a route has two rows");
    let registered = registered();
    let missing: Vec<&String> = registered.difference(&unique).collect();
    let stale: Vec<&String> = unique.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that are not registered: {stale:?}"
    );
}

async fn setup(app: &TestApp) -> Ctx {
    let owner = app.signed_in("owner").await;
    let call = |client: &Client, name: &'static str, pairs: Vec<(&'static str, String)>| {
        let client = client.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, body) = app.call(&client, name, &pairs).await;
            assert_eq!(status, StatusCode::OK, "setup {name}: {body}");
            body
        }
    };
    call(
        &owner,
        "add_template",
        vec![p(), ("template", "reply-language".into())],
    )
    .await;
    call(
        &owner,
        "activate_metric",
        vec![p(), ("key", "reply-language".into())],
    )
    .await;
    let rubric = call(
        &owner,
        "save_rubric",
        vec![
            p(),
            ("input[name]", "Tone".into()),
            ("input[scale]", "ordinal".into()),
            ("input[levels]", "Rude\nPlain\nWarm".into()),
            ("input[instructions]", "".into()),
        ],
    )
    .await;
    let scorer = format!(r#"{{"kind": "human", "rubric_id": {}}}"#, rubric["id"]);
    let tone = metric_form(PROJECT, "tone", "human", &scorer);
    call(&owner, "create_metric", tone).await;
    call(&owner, "activate_metric", vec![p(), ("key", "tone".into())]).await;
    call(
        &owner,
        "create_metric",
        metric_input("fixed", r#"{"kind": "valid_json"}"#),
    )
    .await;
    call(&owner, "activate_metric", vec![p(), ("key", "fixed".into())]).await;
    let created = owner
        .post(format!("{}/api/v1/projects/{PROJECT}/metrics", app.base))
        .json(&rest_metric("rest-fixed"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    owner
        .post(format!(
            "{}/api/v1/projects/{PROJECT}/metrics/rest-fixed/activate",
            app.base
        ))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let key = call(&owner, "create_api_key", vec![p(), ("name", "setup".into())]).await;
    let batch: Vec<Value> = (0..4).map(|i| output_record(&format!("setup-{i}"))).collect();
    let sent = app
        .client()
        .post(format!("{}/api/v1/projects/{PROJECT}/outputs", app.base))
        .bearer_auth(key["secret"].as_str().unwrap())
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    let queue = call(
        &owner,
        "create_queue",
        vec![
            p(),
            ("input[name]", "Matrix".into()),
            ("input[metrics]", "tone".into()),
            ("input[sampling]", "random".into()),
            ("input[n]", "2".into()),
            ("input[annotators]", "annotator".into()),
            ("input[overlap]", "1".into()),
            ("input[due_date]", "".into()),
        ],
    )
    .await
    .as_i64()
    .unwrap();
    let metrics_doc = call(&owner, "export_metrics", vec![p(), ("format", "yaml".into())])
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.signed_in("admin").await;
    let zoe = call(
        &admin,
        "create_user",
        vec![
            ("username", "zoe".into()),
            ("display_name", "".into()),
            ("password", "a long password".into()),
            ("role", "viewer".into()),
        ],
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let (item, assignment): (i64, i64) = sqlx::query_as(
        "SELECT i.id, a.id FROM queue_items i JOIN assignments a ON a.item_id = i.id
         WHERE i.queue_id = $1 ORDER BY i.id LIMIT 1",
    )
    .bind(queue)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let human_metric: i64 = sqlx::query_scalar(
        "SELECT m.id FROM metrics m JOIN projects p ON p.id = m.project_id WHERE m.key = 'tone' AND p.slug = $1",
    )
    .bind(PROJECT)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let output: i64 = sqlx::query_scalar(
        "SELECT min(o.id) FROM outputs o JOIN projects p ON p.id = o.project_id WHERE p.slug = $1",
    )
    .bind(PROJECT)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    Ctx {
        queue,
        item,
        human_metric,
        assignment,
        output,
        key_id: key["key"]["id"].as_i64().unwrap(),
        zoe,
        metrics_doc,
    }
}

/// A client acting as `caller`, and the bearer key it presents (for the other project's key).
async fn client_for(app: &TestApp, caller: Caller) -> (Client, Option<String>) {
    match caller {
        Caller::Anonymous => (app.client(), None),
        Caller::OtherKey => {
            let lena = app.signed_in("lena").await;
            let (status, body) = app
                .call(
                    &lena,
                    "create_api_key",
                    &[("project", "legal-assistant"), ("name", "legal CI")],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            (app.client(), Some(body["secret"].as_str().unwrap().to_owned()))
        }
        other => (app.signed_in(other.name()).await, None),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_route_answers_each_caller_as_the_matrix_says(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ctx = setup(&app).await;
    let rows = rows();
    let mut wrong = Vec::new();
    for (column, caller) in CALLERS.into_iter().enumerate() {
        let (client, key) = client_for(&app, caller).await;
        for row in &rows {
            let request = (row.build)(&ctx, caller);
            let mut builder = client.request(request.method, format!("{}{}", app.base, request.path));
            if let Some(key) = &key {
                builder = builder.bearer_auth(key);
            }
            builder = match request.body {
                Body::None => builder,
                Body::Form(pairs) => builder.form(&pairs),
                Body::Json(value) => builder.json(&value),
            };
            let response = builder.send().await.unwrap();
            let status = response.status().as_u16();
            if status != row.expected[column] {
                let body = response.text().await.unwrap_or_default();
                let body: String = body.chars().take(200).collect();
                wrong.push(format!(
                    "{} as {}: expected {}, got {status}: {body}",
                    row.route,
                    caller.name(),
                    row.expected[column]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Calls server function `name` as `client` and answers the status and body.
async fn call(app: &TestApp, client: &Client, name: &str, pairs: &[(&str, String)]) -> (StatusCode, Value) {
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call(client, name, &pairs).await
}

#[sqlx::test(migrations = "../migrations")]
async fn ids_of_another_project_are_not_found_under_a_project_the_caller_may_use(pool: PgPool) {
    // Lena builds a queue, a rubric, a key and an output in her legal assistant; the admin (who
    // may use both projects) then names them under the support bot's slug.
    const LEGAL: &str = "legal-assistant";
    let app = TestApp::spawn(pool).await;
    let lena = app.signed_in("lena").await;
    let ok = |(status, body): (StatusCode, Value)| {
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    };
    let legal = || ("project", v(LEGAL));
    let rubric = ok(call(
        &app,
        &lena,
        "save_rubric",
        &[
            legal(),
            ("input[name]", v("Tone")),
            ("input[scale]", v("binary")),
            ("input[levels]", v("Fail\nPass")),
            ("input[instructions]", v("")),
        ],
    )
    .await)["id"]
        .as_i64()
        .unwrap();
    let scorer = format!(r#"{{"kind": "human", "rubric_id": {rubric}}}"#);
    let mut tone = metric_form(LEGAL, "tone", "human", &scorer);
    for (field, value) in tone.iter_mut() {
        if *field == "input[owner]" {
            *value = v("lena");
        }
    }
    ok(call(&app, &lena, "create_metric", &tone).await);
    ok(call(&app, &lena, "activate_metric", &[legal(), ("key", v("tone"))]).await);
    let key = ok(call(&app, &lena, "create_api_key", &[legal(), ("name", v("legal CI"))]).await);
    let sent = app
        .client()
        .post(format!("{}/api/v1/projects/{LEGAL}/outputs", app.base))
        .bearer_auth(key["secret"].as_str().unwrap())
        .json(&json!([output_record("legal-1")]))
        .send()
        .await
        .unwrap();
    let output = sent.json::<Value>().await.unwrap()["outputs"][0]["id"]
        .as_i64()
        .unwrap();
    let queue = ok(call(
        &app,
        &lena,
        "create_queue",
        &[
            legal(),
            ("input[name]", v("Legal queue")),
            ("input[metrics]", v("tone")),
            ("input[sampling]", v("random")),
            ("input[n]", v("1")),
            ("input[annotators]", v("manager")),
            ("input[overlap]", v("1")),
            ("input[due_date]", v("")),
        ],
    )
    .await)
    .as_i64()
    .unwrap();
    let (item, metric): (i64, i64) = sqlx::query_as(
        "SELECT i.id, qm.metric_id FROM queue_items i JOIN queue_metrics qm ON qm.queue_id = i.queue_id WHERE i.queue_id = $1",
    )
    .bind(queue)
    .fetch_one(&app.pool)
    .await
    .unwrap();

    let admin = app.signed_in("admin").await;
    let here = || p();
    let foreign: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("get_output", vec![here(), ("id", output.to_string())]),
        ("queue_report", vec![here(), ("id", queue.to_string())]),
        (
            "adjudicate",
            vec![
                here(),
                ("queue", queue.to_string()),
                ("item", item.to_string()),
                ("metric", metric.to_string()),
                ("value", v("1")),
                ("note", v("")),
            ],
        ),
        (
            "revoke_api_key",
            vec![here(), ("id", key["key"]["id"].to_string())],
        ),
        (
            "save_rubric",
            vec![
                here(),
                ("id", rubric.to_string()),
                ("input[name]", v("Taken")),
                ("input[scale]", v("binary")),
                ("input[levels]", v("Fail\nPass")),
                ("input[instructions]", v("")),
            ],
        ),
    ];
    for (name, args) in foreign {
        let (status, body) = call(&app, &admin, name, &args).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{name} reached another project's data: {body}"
        );
    }
    // Nothing of Lena's changed: her key still works and her rubric keeps its name.
    let still = app
        .client()
        .get(format!("{}/api/v1/projects/{LEGAL}/metrics", app.base))
        .bearer_auth(key["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), StatusCode::OK);
    let (_, rubrics) = call(&app, &lena, "list_rubrics", &[legal()]).await;
    assert_eq!(rubrics[0]["name"], "Tone");
    // A non-member sees none of the support bot's people in owner pickers.
    let (_, people) = call(&app, &lena, "list_people", &[("project", v(""))]).await;
    assert!(!people.to_string().contains("Otto Owner"), "{people}");
    let (status, _) = call(&app, &lena, "list_people", &[p()]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
