//! The metrics REST API: roles, the error envelope, creation, updates with history, retirement.

use super::support::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

const METRICS: &str = "/api/v1/projects/support-bot-dach/metrics";

fn document(key: &str, cost: &str) -> Value {
    json!({
        "key": key,
        "name": "Reply is valid JSON",
        "question": "Can our integration parse every reply?",
        "paradigm": "model",
        "category": "format",
        "cadence": "real-time",
        "action_on_failure": "retry",
        "scorer": { "kind": "valid_json" },
        "pass_rule": { "threshold": 1, "direction": "at_least" },
        "stage": "crawl",
        "owner": "owner",
        "cost_per_failure": cost,
        "review_date": "2027-03-01",
        "tags": ["api"]
    })
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_creates_lists_updates_and_retires_a_metric(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let url = format!("{}{METRICS}", app.base);

    let created = owner
        .post(&url)
        .json(&document("valid-json", "2.50"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["cost_per_failure"].as_str()),
        (Some("draft"), Some("2.50"))
    );

    let listed: Value = owner
        .get(format!("{url}?tag=api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let none: Value = owner
        .get(format!("{url}?status=retired"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none.as_array().map(Vec::len), Some(0));

    let updated = owner
        .put(format!("{url}/valid-json"))
        .json(&document("valid-json", "0.75"))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    let fetched: Value = owner
        .get(format!("{url}/valid-json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched["cost_per_failure"], "0.75");

    let refused = owner
        .post(format!("{url}/valid-json/retire"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["field"], "reason");
    let retired = owner
        .post(format!("{url}/valid-json/retire"))
        .json(&json!({"reason": "moved to schema check"}))
        .send()
        .await
        .unwrap();
    let retired: Value = retired.json().await.unwrap();
    assert_eq!(
        (retired["status"].as_str(), retired["status_reason"].as_str()),
        (Some("retired"), Some("moved to schema check"))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn readers_may_list_but_not_write_annotators_may_not_read_and_strangers_get_401(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let url = format!("{}{METRICS}", app.base);
    let owner = app.signed_in("owner").await;
    owner
        .post(&url)
        .json(&document("valid-json", "1"))
        .send()
        .await
        .unwrap();

    let annotator = app.signed_in("annotator").await;
    assert_eq!(
        annotator.get(&url).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    for username in ["manager", "viewer", "annotator"] {
        let client = app.signed_in(username).await;
        if username != "annotator" {
            assert_eq!(client.get(&url).send().await.unwrap().status(), StatusCode::OK);
        }
        let post = client
            .post(&url)
            .json(&document("other", "1"))
            .send()
            .await
            .unwrap();
        assert_eq!(post.status(), StatusCode::FORBIDDEN, "{username}");
        let error: Value = post.json().await.unwrap();
        assert_eq!(error["error"]["code"], "forbidden");
        let retire = client
            .post(format!("{url}/valid-json/retire"))
            .json(&json!({"reason": "no"}))
            .send()
            .await
            .unwrap();
        assert_eq!(retire.status(), StatusCode::FORBIDDEN);
    }
    let anonymous = app.client();
    assert_eq!(
        anonymous.get(&url).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let with_key = anonymous
        .get(&url)
        .header("authorization", "Bearer vk_not_a_key")
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_bodies_name_the_field_and_store_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let url = format!("{}{METRICS}", app.base);
    let cases = [
        (document("valid-json", "-1"), "cost_per_failure"),
        (json!({"key": "x1", "nmae": "typo"}), "nmae"),
        (
            {
                let mut d = document("valid-json", "1");
                d["scorer"] = json!({"kind": "regex", "pattern": "("});
                d
            },
            "scorer",
        ),
        (
            {
                let mut d = document("valid-json", "1");
                d["owner"] = json!("ghost");
                d
            },
            "owner",
        ),
    ];
    for (body, field) in cases {
        let response = owner.post(&url).json(&body).send().await.unwrap();
        let status = response.status();
        let error: Value = response.json().await.unwrap();
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{error}"
        );
    }
    let not_json = owner
        .post(&url)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed: Value = owner.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, json!([]));

    owner
        .post(&url)
        .json(&document("valid-json", "1"))
        .send()
        .await
        .unwrap();
    let duplicate = owner
        .post(&url)
        .json(&document("valid-json", "1"))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
    let missing = owner.get(format!("{url}/nope")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let no_project = owner
        .get(format!("{}/api/v1/projects/nope/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(no_project.status(), StatusCode::NOT_FOUND);
}
