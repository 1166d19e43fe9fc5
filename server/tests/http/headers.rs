//! Security headers: pages carry a Content-Security-Policy naming the nonce of their own inline
//! scripts; every response says nosniff and forbids framing.

use super::support::TestApp;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn pages_name_their_script_nonce_and_every_response_forbids_sniffing_and_framing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let page = app
        .client()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page policy names a nonce");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the nonce"
    );
    assert!(
        policy.contains("'wasm-unsafe-eval'") && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert!(!policy.contains("'unsafe-inline'; ") || policy.contains("style-src-attr 'unsafe-inline'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");

    let second = app
        .client()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let other = second.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(other, policy, "a new nonce for every response");

    let api = app
        .client()
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert!(
        api.headers().get("strict-transport-security").is_none(),
        "plain HTTP in tests"
    );
}
