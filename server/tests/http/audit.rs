//! The audit log over HTTP: sign-ins (with the client's address), a lock, a key, a member and a
//! role change are recorded with who and when; admins read and filter them, as JSON and CSV.

use super::support::TestApp;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn who_did_what_is_recorded_and_admins_read_it_filtered(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for _ in 0..6 {
        app.call(
            &app.client(),
            "login",
            &[("username", "mallory"), ("password", "guess")],
        )
        .await;
    }
    let owner = app.signed_in("owner").await;
    let (status, _) = app
        .call(
            &owner,
            "create_api_key",
            &[("project", "support-bot-dach"), ("name", "audited")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .call(
            &owner,
            "change_member_role",
            &[
                ("project", "support-bot-dach"),
                ("username", "viewer"),
                ("role", "manager"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let admin = app.signed_in("admin").await;
    let read = |query: &'static str| {
        let admin = admin.clone();
        let base = app.base.clone();
        async move {
            let response = admin
                .get(format!("{base}/api/v1/audit?{query}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Vec<Value>>().await.unwrap()
        }
    };
    let all = read("").await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "sign_in.succeeded",
            "membership.role_changed",
            "api_key.created",
            "sign_in.succeeded",
            "sign_in.locked",
            "sign_in.failed",
            "sign_in.failed",
            "sign_in.failed",
            "sign_in.failed",
            "sign_in.failed"
        ],
        "newest first: {all:?}"
    );
    let role = &all[1];
    assert_eq!(
        (role["actor"].as_str(), role["target"].as_str()),
        (Some("owner"), Some("viewer"))
    );
    assert_eq!(
        (role["project"].as_str(), role["detail"].as_str()),
        (Some("support-bot-dach"), Some("to manager"))
    );
    assert_eq!(all[4]["actor"], "mallory");
    assert_eq!(all[4]["address"], "127.0.0.1", "the client's address");

    let sign_ins = read("category=sign_in&actor=mallory").await;
    assert_eq!(sign_ins.len(), 6);
    let keys = read("category=api_key&project=support-bot-dach").await;
    assert_eq!(keys.len(), 1);
    assert!(keys[0]["detail"].as_str().unwrap().contains("audited"));

    let csv = admin
        .get(format!(
            "{}/api/v1/audit?category=membership&format=csv",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,at,actor,action,project,target,detail,address");
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains("owner,membership.role_changed,support-bot-dach,viewer,to manager,127.0.0.1"),
        "{csv}"
    );

    let bad = admin
        .get(format!("{}/api/v1/audit?from=yesterday", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let viewer = app.signed_in("viewer").await;
    let refused = viewer
        .get(format!("{}/api/v1/audit", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
