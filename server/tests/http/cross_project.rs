//! Ids of one project named under another project's slug are not found, even for a caller who
//! may use both: every handler scopes the ids it takes to the project it checked.

use super::matrix::setup::output_record;
use super::support::{metric_form, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

const PROJECT: &str = "support-bot-dach";

fn v(s: &str) -> String {
    s.to_owned()
}

fn p() -> (&'static str, String) {
    ("project", PROJECT.to_owned())
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

    let challenge = ok(call(
        &app,
        &lena,
        "save_challenge",
        &[
            legal(),
            ("id", v("0")),
            ("title", v("Cites repealed law")),
            ("hypothesis", v("")),
            ("goal", v("")),
            ("metrics", v("tone")),
        ],
    )
    .await)
    .as_i64()
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
        ("delete_challenge", vec![here(), ("id", challenge.to_string())]),
        (
            "save_challenge",
            vec![
                here(),
                ("id", challenge.to_string()),
                ("title", v("Taken")),
                ("hypothesis", v("")),
                ("goal", v("")),
                ("metrics", v("")),
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
