//! The role × route matrix: for every registered server function and every REST operation, the
//! status each kind of caller gets on the demo project "support-bot-dach". A route without a row
//! fails the test, so a new route cannot skip its access check.
//!
//! Callers, in column order: anonymous; Lena, who owns another project (a non-member here, with
//! the strongest global role short of admin); Vic the viewer, Anna the annotator, Mia the
//! manager and Otto the owner of this project; the admin; and an API key of Lena's project.
//! Allowed calls carry real arguments and succeed (each caller's creations use their own
//! names), so a cell proves both the refusal and that the gate lets the right callers through.

mod rows;
pub(super) mod setup;

use super::support::TestApp;
use reqwest::{Client, StatusCode};
use rows::{rows, Body};
use server::gate::server_fn_paths;
use setup::setup;
use sqlx::PgPool;
use std::collections::BTreeSet;

pub(super) const PROJECT: &str = "support-bot-dach";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Caller {
    Anonymous,
    NonMember,
    Viewer,
    Annotator,
    Manager,
    Owner,
    Admin,
    OtherKey,
}

pub(super) const CALLERS: [Caller; 8] = [
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
    pub(super) fn name(self) -> &'static str {
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
pub(super) const SIGNED_IN: [u16; 8] = [401, 200, 200, 200, 200, 200, 200, 401];
pub(super) const READ: [u16; 8] = [401, 404, 200, 403, 200, 200, 200, 401];
pub(super) const MANAGE: [u16; 8] = [401, 404, 403, 403, 200, 200, 200, 401];
pub(super) const EDIT: [u16; 8] = [401, 404, 403, 403, 403, 200, 200, 401];
/// The maturity review's sign-off and attestations: managers and admins, not owners.
pub(super) const REVIEW: [u16; 8] = [401, 404, 403, 403, 200, 403, 200, 401];
pub(super) const ADMIN: [u16; 8] = [401, 403, 403, 403, 403, 403, 200, 401];
/// Global owners (Lena, Otto) and admins create projects.
pub(super) const CREATE_PROJECT: [u16; 8] = [401, 200, 403, 403, 403, 200, 200, 401];
/// Only the queue's annotator; members who are not assigned are refused, others not told.
pub(super) const OWN_QUEUE: [u16; 8] = [401, 404, 403, 200, 403, 403, 403, 401];
pub(super) const REST_READ: [u16; 8] = [401, 404, 200, 403, 200, 200, 200, 404];
pub(super) const REST_MANAGE: [u16; 8] = [401, 404, 403, 403, 200, 200, 200, 404];
pub(super) const REST_EDIT: [u16; 8] = [401, 404, 403, 403, 403, 200, 200, 404];
/// Every signed-in user and key, each answered with what it may read.
pub(super) const REST_SIGNED_IN: [u16; 8] = [401, 200, 200, 200, 200, 200, 200, 200];
pub(super) const REST_CREATE: [u16; 8] = [401, 404, 403, 403, 403, 201, 201, 404];
/// Created by managers, owners and admins (A/B tests).
pub(super) const REST_MANAGE_CREATE: [u16; 8] = [401, 404, 403, 403, 201, 201, 201, 404];
/// What concerns every project: admins signed in, never a project key.
pub(super) const REST_ADMIN: [u16; 8] = [401, 403, 403, 403, 403, 403, 200, 403];
/// OTLP export at the root: an API key only, into its own project.
pub(super) const KEY_ONLY: [u16; 8] = [401, 401, 401, 401, 401, 401, 401, 200];
pub(super) const EVERYONE: [u16; 8] = [200; 8];
/// Sign-in with a wrong password: the same validation error for everyone.
pub(super) const LOGIN_REFUSED: [u16; 8] = [422; 8];

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
