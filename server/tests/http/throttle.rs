//! Sign-in throttling over HTTP: failures lock an account name (existing or not) with 429 and
//! `Retry-After`, the right password does not get through a lock, an admin lifts it, and a
//! success forgets the failures.

use super::support::TestApp;
use reqwest::StatusCode;
use server::demo::DEMO_PASSWORD;
use sqlx::PgPool;

async fn attempt(app: &TestApp, username: &str, password: &str) -> (StatusCode, Option<u64>, String) {
    let response = app
        .client()
        .post(format!("{}/api/login", app.base))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, response.text().await.unwrap())
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_lock_an_account_name_alike_whether_or_not_it_exists_until_an_admin_lifts_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut locked_messages = Vec::new();
    for name in ["manager", "no-such-user"] {
        for n in 1..=5 {
            let (status, retry, _) = attempt(&app, name, "wrong password").await;
            assert_eq!(
                (status, retry),
                (StatusCode::UNPROCESSABLE_ENTITY, None),
                "{name}, failure {n}"
            );
        }
        let (status, retry, body) = attempt(&app, name, "wrong password").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{name}: {body}");
        assert_eq!(retry, Some(30));
        locked_messages.push(body);
    }
    assert_eq!(
        locked_messages[0], locked_messages[1],
        "the same answer for an unknown account"
    );
    assert!(
        locked_messages[0].contains("Too many failed sign-ins. Try again in 30 seconds."),
        "{}",
        locked_messages[0]
    );

    // The right password does not get through the lock; other accounts are not locked.
    let (status, retry, _) = attempt(&app, "manager", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry.is_some_and(|r| (1..=30).contains(&r)));
    assert_eq!(attempt(&app, "viewer", DEMO_PASSWORD).await.0, StatusCode::OK);

    // The admin sees the lock and lifts it; the manager signs in, which forgets the failures.
    let admin = app.signed_in("admin").await;
    let (status, listed) = app.call(&admin, "list_sign_in_failures", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let locked: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| !row["locked_until"].is_null())
        .map(|row| row["subject"].as_str().unwrap())
        .collect();
    assert_eq!(locked, ["no-such-user", "manager"]);
    let (status, _) = app
        .call(
            &admin,
            "lift_sign_in_lock",
            &[("scope", "account"), ("subject", "manager")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attempt(&app, "manager", DEMO_PASSWORD).await.0, StatusCode::OK);
    let (_, listed) = app.call(&admin, "list_sign_in_failures", &[]).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["subject"] != "manager"),
        "{listed}"
    );
    let (status, _) = app
        .call(
            &admin,
            "lift_sign_in_lock",
            &[("scope", "account"), ("subject", "manager")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to lift");
}

#[sqlx::test(migrations = "../migrations")]
async fn failures_from_one_address_lock_it_for_every_account_name(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for n in 0..20 {
        let (status, ..) = attempt(&app, &format!("guess-{n}"), "wrong password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "failure {n}");
    }
    let (status, retry, _) = attempt(&app, "guess-20", "wrong password").await;
    assert_eq!((status, retry), (StatusCode::TOO_MANY_REQUESTS, Some(30)));
    assert_eq!(
        attempt(&app, "owner", DEMO_PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is locked"
    );
}
