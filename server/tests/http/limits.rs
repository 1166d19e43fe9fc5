//! Body limits on server functions: a body over the limit is refused with 413 naming the limit
//! before anything decodes it (it was a 500 "length limit exceeded"), and a form under it — a
//! dataset file larger than axum's 2 MiB default — reaches its function.

use super::support::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use server::gate::MAX_SERVER_FN_BODY;
use sqlx::PgPool;

async fn sign_in_with_password(app: &TestApp, password: &str) -> (StatusCode, Value) {
    let response = app
        .client()
        .post(format!("{}/api/login", app.base))
        .form(&[("username", "owner"), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_function_body_over_the_limit_is_refused_with_413_naming_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, body) = sign_in_with_password(&app, &"x".repeat(MAX_SERVER_FN_BODY + 1)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["TooLarge"].as_str().unwrap_or_default();
    assert!(message.contains("32 MiB"), "{body}");

    // Three megabytes is under the limit: the function runs and answers its own refusal.
    let (status, body) = sign_in_with_password(&app, &"x".repeat(3 << 20)).await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
    );
}
