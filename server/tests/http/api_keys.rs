//! Project API keys: created once, scoped to their project, revocable, with last use recorded.

use super::support::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

async fn create_key(app: &TestApp, client: &reqwest::Client, project: &str) -> (String, i64) {
    let (status, body) = app
        .call(
            client,
            "create_api_key",
            &[("project", project), ("name", "CI pipeline")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["secret"].as_str().unwrap().to_owned(),
        body["key"]["id"].as_i64().unwrap(),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_works_for_its_project_only_until_revoked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let form = [
        ("name", "Legal bot"),
        ("slug", "legal"),
        ("description", ""),
        ("purpose", ""),
    ];
    assert_eq!(app.call(&owner, "create_project", &form).await.0, StatusCode::OK);
    let (secret, id) = create_key(&app, &owner, "support-bot-dach").await;
    assert!(secret.starts_with("vk_") && secret.len() == 52, "{secret}");

    let plain = app.client();
    let get = |project: &str, key: &str| {
        plain
            .get(format!("{}/api/v1/projects/{project}/metrics", app.base))
            .bearer_auth(key.to_owned())
            .send()
    };
    assert_eq!(
        get("support-bot-dach", &secret).await.unwrap().status(),
        StatusCode::OK
    );
    // A key of another project learns nothing of this one: it is not found.
    let other = get("legal", &secret).await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let body: Value = other.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Project 'legal' was not found.");

    let mut wrong = secret.clone();
    wrong.replace_range(20..21, if &secret[20..21] == "0" { "1" } else { "0" });
    for bad in [wrong.as_str(), "vk_nonsense", ""] {
        assert_eq!(
            get("support-bot-dach", bad).await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "{bad}"
        );
    }

    let (_, keys) = app
        .call(&owner, "list_api_keys", &[("project", "support-bot-dach")])
        .await;
    assert!(
        keys[0]["last_used_at"].is_string(),
        "last use is recorded: {keys}"
    );
    assert!(
        keys.to_string().find(&secret[12..]).is_none(),
        "the secret is never listed"
    );

    let id = id.to_string();
    assert_eq!(
        app.call(
            &owner,
            "revoke_api_key",
            &[("project", "support-bot-dach"), ("id", &id)]
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        get("support-bot-dach", &secret).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let (_, keys) = app
        .call(&owner, "list_api_keys", &[("project", "support-bot-dach")])
        .await;
    assert!(keys[0]["revoked_at"].is_string());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_may_write_metrics_of_its_project_and_its_changes_are_recorded_under_the_key(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let (secret, _) = create_key(&app, &owner, "support-bot-dach").await;
    let body = serde_json::json!({
        "key": "from-ci", "name": "Set by CI", "question": "Is the pipeline wired?", "paradigm": "model",
        "category": "format", "cadence": "async", "action_on_failure": "flag", "scorer": {"kind": "valid_json"},
        "pass_rule": {"threshold": 1, "direction": "at_least"}, "stage": "crawl", "owner": "owner",
        "cost_per_failure": "1", "review_date": "2027-01-01"
    });
    let created = app
        .client()
        .post(format!("{}/api/v1/projects/support-bot-dach/metrics", app.base))
        .bearer_auth(&secret)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let (_, detail) = app
        .call(
            &owner,
            "get_metric",
            &[("project", "support-bot-dach"), ("key", "from-ci")],
        )
        .await;
    let by = detail["history"][0]["changed_by"].as_str().unwrap();
    assert!(
        by.starts_with("API key CI pipeline (vk_") && by.ends_with("…, created by Otto Owner)"),
        "{by}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn only_admins_and_owners_manage_keys(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for username in ["manager", "annotator"] {
        let client = app.signed_in(username).await;
        let (status, _) = app
            .call(
                &client,
                "create_api_key",
                &[("project", "support-bot-dach"), ("name", "x")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
        assert_eq!(
            app.call(&client, "list_api_keys", &[("project", "support-bot-dach")])
                .await
                .0,
            StatusCode::FORBIDDEN
        );
    }
    let admin = app.signed_in("admin").await;
    let (status, body) = app
        .call(
            &admin,
            "create_api_key",
            &[("project", "support-bot-dach"), ("name", " ")],
        )
        .await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    let (status, _) = app
        .call(
            &admin,
            "revoke_api_key",
            &[("project", "support-bot-dach"), ("id", "999")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
