//! Project membership through the server functions: bad input changes nothing, and a removed
//! member loses access on their next request while their session stays.

use super::support::{metric_form, TestApp};
use reqwest::StatusCode;
use sqlx::PgPool;

const PROJECT: &str = "support-bot-dach";

#[sqlx::test(migrations = "../migrations")]
async fn bad_membership_changes_name_their_field_and_change_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let (_, before) = app.call(&owner, "list_members", &[("project", PROJECT)]).await;
    // (server function, arguments, status, field named by the error)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 5] = [
        (
            "add_member",
            &[("username", "nobody"), ("role", "viewer")],
            422,
            "username",
        ),
        (
            "add_member",
            &[("username", "lena"), ("role", "superuser")],
            422,
            "role",
        ),
        (
            "add_member",
            &[("username", "viewer"), ("role", "viewer")],
            409,
            "username",
        ),
        ("remove_member", &[("username", "owner")], 422, "username"),
        (
            "change_member_role",
            &[("username", "owner"), ("role", "viewer")],
            422,
            "username",
        ),
    ];
    for (function, args, status, field) in cases {
        let mut form = vec![("project", PROJECT)];
        form.extend_from_slice(args);
        let (got, body) = app.call(&owner, function, &form).await;
        assert_eq!(got.as_u16(), status, "{function} {args:?}: {body}");
        let variant = if status == 409 { "Conflict" } else { "Validation" };
        assert_eq!(body[variant]["field"], field, "{function} {args:?}: {body}");
    }
    let (_, after) = app.call(&owner, "list_members", &[("project", PROJECT)]).await;
    assert_eq!(
        before, after,
        "a refused change altered the members or their history"
    );
    assert_eq!(after["members"].as_array().map(Vec::len), Some(4));
    assert_eq!(after["editable"], true);
    assert!(after["candidates"].to_string().contains("lena"), "{after}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_removed_member_loses_access_on_the_next_request_and_viewers_see_no_candidates(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.signed_in("owner").await;
    let viewer = app.signed_in("viewer").await;
    let (status, members) = app.call(&viewer, "list_members", &[("project", PROJECT)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            members["editable"].as_bool(),
            members["candidates"].as_array().map(Vec::len)
        ),
        (Some(false), Some(0))
    );

    let (status, body) = app
        .call(
            &owner,
            "remove_member",
            &[("project", PROJECT), ("username", "viewer")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.call(&viewer, "get_project", &[("slug", PROJECT)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.call(&viewer, "current_user", &[]).await;
    assert_eq!(status, StatusCode::OK, "the session itself stays");
    let (_, listed) = app.call(&viewer, "list_projects", &[]).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0));
    let (_, history) = app.call(&owner, "list_members", &[("project", PROJECT)]).await;
    assert_eq!(history["history"][0]["username"], "viewer");
    assert_eq!(history["history"][0]["new_role"], serde_json::Value::Null);
    assert_eq!(history["history"][0]["changed_by"], "Otto Owner");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_annotator_removed_from_the_project_no_longer_sees_or_rates_its_queues(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, _) = app.with_metrics(&[], &[]).await;
    let (_, rubric) = app
        .call(
            &owner,
            "save_rubric",
            &[
                ("project", PROJECT),
                ("input[name]", "Tone"),
                ("input[scale]", "binary"),
                ("input[levels]", "Fail\nPass"),
                ("input[instructions]", ""),
            ],
        )
        .await;
    let scorer = format!(r#"{{"kind": "human", "rubric_id": {}}}"#, rubric["id"]);
    let metric = metric_form(PROJECT, "tone", "human", &scorer);
    let metric: Vec<(&str, &str)> = metric.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = app.call(&owner, "create_metric", &metric).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.call(
        &owner,
        "activate_metric",
        &[("project", PROJECT), ("key", "tone")],
    )
    .await;
    app.client()
        .post(format!("{}/api/v1/projects/{PROJECT}/outputs", app.base))
        .bearer_auth(
            app.call(&owner, "create_api_key", &[("project", PROJECT), ("name", "k")])
                .await
                .1["secret"]
                .as_str()
                .unwrap(),
        )
        .json(&serde_json::json!([{"version": "v1", "input": "Hallo", "output": "Guten Tag."}]))
        .send()
        .await
        .unwrap();
    let queue_form = [
        ("project", PROJECT),
        ("input[name]", "Q"),
        ("input[metrics]", "tone"),
        ("input[sampling]", "random"),
        ("input[n]", "1"),
        ("input[annotators]", "annotator"),
        ("input[overlap]", "1"),
        ("input[due_date]", ""),
    ];
    let (status, queue) = app.call(&owner, "create_queue", &queue_form).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    let queue = queue.as_i64().unwrap().to_string();

    let annotator = app.signed_in("annotator").await;
    let (_, mine) = app.call(&annotator, "my_queues", &[]).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.call(&annotator, "work_item", &[("queue", &queue)]).await.0,
        StatusCode::OK
    );

    app.call(
        &owner,
        "remove_member",
        &[("project", PROJECT), ("username", "annotator")],
    )
    .await;
    let (_, mine) = app.call(&annotator, "my_queues", &[]).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(0));
    assert_eq!(
        app.call(&annotator, "work_item", &[("queue", &queue)]).await.0,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_keys_of_a_demoted_owner_stop_working_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (owner, key) = app.with_metrics(&[], &[]).await;
    let metrics = format!("{}/api/v1/projects/{PROJECT}/metrics", app.base);
    let get = || app.client().get(&metrics).bearer_auth(&key).send();
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    let form = [("project", PROJECT), ("username", "lena"), ("role", "owner")];
    assert_eq!(app.call(&owner, "add_member", &form).await.0, StatusCode::OK);
    let lena = app.signed_in("lena").await;
    let demote = [("project", PROJECT), ("username", "owner"), ("role", "manager")];
    let (status, body) = app.call(&lena, "change_member_role", &demote).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(get().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Otto still reads the project as a manager, and no longer edits it.
    let (status, _) = app.call(&owner, "list_api_keys", &[("project", PROJECT)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
