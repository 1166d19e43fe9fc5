//! Cross-site request forgery: a signed-in browser's state-changing requests pass only from
//! Vernier's own pages.

use super::support::TestApp;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn a_cross_site_form_post_with_the_session_cookie_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let create_key = |origin: Option<&str>, fetch_site: Option<&str>, name: &str| {
        let mut request = owner
            .post(format!("{}/api/create_api_key", app.base))
            .form(&[("project", "support-bot-dach"), ("name", name)]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let evil = create_key(Some("https://evil.example"), Some("cross-site"), "evil")
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(evil.text().await.unwrap().contains("Cross-site request refused"));
    let hidden = create_key(None, Some("cross-site"), "hidden").await.unwrap();
    assert_eq!(
        hidden.status(),
        StatusCode::FORBIDDEN,
        "no Origin, but the browser says cross-site"
    );

    let own = create_key(Some(&app.base), Some("same-origin"), "own page")
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK, "the page served by this host");
    let public = create_key(Some("https://vernier.test"), None, "public origin")
        .await
        .unwrap();
    assert_eq!(public.status(), StatusCode::OK, "the configured public origin");

    let keys: Vec<String> = sqlx::query_scalar("SELECT name FROM api_keys ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        keys,
        ["own page", "public origin"],
        "nothing was created by the refused requests"
    );

    // REST with the session cookie is guarded the same way; with an API key it is not cookie-borne.
    let rest = owner
        .post(format!(
            "{}/api/v1/projects/support-bot-dach/metrics/no-delve/retire",
            app.base
        ))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({"reason": "forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::FORBIDDEN);
}
