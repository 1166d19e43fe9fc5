//! Sign-in, sessions, roles and the server-function gate.

use super::support::TestApp;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use server::demo::DEMO_PASSWORD;
use server::gate::server_fn_paths;
use server::startup::SESSION_COOKIE;
use sqlx::PgPool;

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .cookies()
        .find(|cookie| cookie.name() == SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn every_non_public_server_function_refuses_anonymous_callers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (all, public) = server_fn_paths();
    assert!(
        all.len() >= 10,
        "expected the app's server functions to be registered, got {all:?}"
    );
    assert_eq!(public.len(), 3);
    let client = app.client();
    for path in all.iter().filter(|path| !public.contains(path)) {
        let response = client.post(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{path} let an anonymous caller through"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, Value::String("Unauthorized".into()), "{path}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn only_admins_may_call_the_user_functions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for username in ["owner", "manager", "annotator"] {
        let client = app.signed_in(username).await;
        let (status, body) = app.call(&client, "list_users", &[]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}: {body}");
        assert_eq!(body["Forbidden"], "Only Admin may do this.");
        let form = [
            ("username", "sneaky"),
            ("display_name", ""),
            ("password", "a long password"),
            ("role", "admin"),
        ];
        let (status, _) = app.call(&client, "create_user", &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username} created a user");
    }
    let admin = app.signed_in("admin").await;
    let (status, body) = app.call(&admin, "list_users", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().map(Vec::len), Some(6));
    assert!(
        body.to_string().find("sneaky").is_none(),
        "a refused create stored a user"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn only_owners_and_admins_create_projects_and_each_caller_lists_their_own(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let form = [
        ("name", "Legal bot"),
        ("slug", ""),
        ("description", ""),
        ("purpose", ""),
    ];
    // Mia manages both demo projects; Anna annotates and Vic views the support bot only.
    for (username, projects) in [("manager", 2), ("annotator", 1), ("viewer", 1)] {
        let client = app.signed_in(username).await;
        let (status, body) = app.call(&client, "list_projects", &[]).await;
        assert_eq!(
            (status, body.as_array().map(Vec::len)),
            (StatusCode::OK, Some(projects)),
            "{username}: {body}"
        );
        assert_eq!(
            app.call(&client, "create_project", &form).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let owner = app.signed_in("owner").await;
    let (status, body) = app.call(&owner, "create_project", &form).await;
    assert_eq!(
        (status, body["slug"].as_str()),
        (StatusCode::OK, Some("legal-bot"))
    );
    let (status, body) = app.call(&owner, "create_project", &form).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["Conflict"]["field"], "slug");
    // Otto now owns two projects and still does not see Lena's; the admin sees all three.
    let (_, listed) = app.call(&owner, "list_projects", &[]).await;
    let mine: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["project"]["slug"].as_str().unwrap(),
                l["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(mine, [("legal-bot", "owner"), ("support-bot-dach", "owner")]);
    let admin = app.signed_in("admin").await;
    let (_, every) = app.call(&admin, "list_projects", &[]).await;
    assert_eq!(every.as_array().map(Vec::len), Some(3));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_password_is_a_validation_error_on_the_password_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    for (username, password) in [("admin", "wrong password"), ("nobody", DEMO_PASSWORD)] {
        let (status, body) = app
            .call(
                &client,
                "login",
                &[("username", username), ("password", password)],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Validation"]["field"], "password");
        assert_eq!(body["Validation"]["message"], "Wrong username or password.");
    }
    let (_, body) = app.call(&client, "current_user", &[]).await;
    assert_eq!(body, Value::Null, "a failed sign-in must not sign anyone in");
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_input_names_the_field_and_stores_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.signed_in("admin").await;
    let cases = [
        (
            [
                ("username", ""),
                ("display_name", ""),
                ("password", "a long password"),
                ("role", "owner"),
            ],
            "username",
            422,
        ),
        (
            [
                ("username", "owner"),
                ("display_name", ""),
                ("password", "a long password"),
                ("role", "owner"),
            ],
            "username",
            409,
        ),
        (
            [
                ("username", "newbie"),
                ("display_name", ""),
                ("password", "short"),
                ("role", "owner"),
            ],
            "password",
            422,
        ),
        (
            [
                ("username", "newbie"),
                ("display_name", ""),
                ("password", "a long password"),
                ("role", "boss"),
            ],
            "role",
            422,
        ),
        (
            [
                ("username", "newbie"),
                ("display_name", &"x".repeat(81)),
                ("password", "a long password"),
                ("role", "owner"),
            ],
            "display_name",
            422,
        ),
    ];
    for (form, field, status) in cases {
        let (got, body) = app.call(&admin, "create_user", &form).await;
        assert_eq!(got.as_u16(), status, "{form:?}: {body}");
        let variant = if status == 409 { "Conflict" } else { "Validation" };
        assert_eq!(body[variant]["field"], field, "{form:?}: {body}");
    }
    let (_, users) = app.call(&admin, "list_users", &[]).await;
    assert_eq!(
        users.as_array().map(Vec::len),
        Some(6),
        "nothing may be stored: {users}"
    );
    let (status, body) = app
        .call(
            &admin,
            "change_role",
            &[("id", "not-a-number"), ("role", "owner")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deactivated_user_is_signed_out_and_cannot_sign_in(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let annotator = app.signed_in("annotator").await;
    assert_eq!(app.call(&annotator, "list_projects", &[]).await.0, StatusCode::OK);

    let admin = app.signed_in("admin").await;
    let (_, users) = app.call(&admin, "list_users", &[]).await;
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "annotator")
        .unwrap()["id"]
        .to_string();
    let (status, body) = app
        .call(&admin, "set_user_active", &[("id", &id), ("active", "false")])
        .await;
    assert_eq!((status, body["active"].as_bool()), (StatusCode::OK, Some(false)));

    assert_eq!(
        app.call(&annotator, "list_projects", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = app
        .call(
            &app.client(),
            "login",
            &[("username", "annotator"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["Validation"]["message"]
            .as_str()
            .unwrap()
            .contains("deactivated"),
        "{body}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_cannot_deactivate_themselves(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.signed_in("admin").await;
    let (_, me) = app.call(&admin, "current_user", &[]).await;
    let (status, body) = app
        .call(
            &admin,
            "set_user_active",
            &[("id", &me["id"].to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(
        (status, body["Validation"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("active"))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_cycles_the_session_id_and_signing_out_ends_it_on_the_server(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let plain = Client::new();
    let login = |client: &Client| {
        client
            .post(format!("{}/api/login", app.base))
            .form(&[("username", "owner"), ("password", DEMO_PASSWORD)])
            .send()
    };
    let first = session_cookie(&login(&plain).await.unwrap()).expect("a session cookie");
    let cookie = format!("{SESSION_COOKIE}={first}");
    let second = login(&plain).await.unwrap();
    let second = session_cookie(&second).expect("a new cookie");
    assert_ne!(first, second, "the session id must change at sign-in");

    let with = |id: &str| {
        plain
            .post(format!("{}/api/list_projects", app.base))
            .header("cookie", format!("{SESSION_COOKIE}={id}"))
    };
    assert_eq!(with(&second).send().await.unwrap().status(), StatusCode::OK);
    let logout = plain
        .post(format!("{}/api/logout", app.base))
        .header("cookie", format!("{SESSION_COOKIE}={second}"));
    assert_eq!(logout.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        with(&second).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "a copied cookie outlived sign-out"
    );
    assert_eq!(
        with(cookie.trim_start_matches(&format!("{SESSION_COOKIE}=")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "signing in again elsewhere must not end the first session"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_session_ends_at_its_absolute_lifetime_however_active(pool: PgPool) {
    let app = TestApp::spawn_with(pool, chrono::Duration::seconds(1)).await;
    let owner = app.signed_in("owner").await;
    assert_eq!(app.call(&owner, "list_projects", &[]).await.0, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        app.call(&owner, "list_projects", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_redirect_anonymous_visitors_to_sign_in(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |path: &str| {
        client
            .get(format!("{}{path}", app.base))
            .header("accept", "text/html")
            .send()
    };
    let response = page("/admin/users").await.unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/login");
    let login = page("/login").await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert!(login.text().await.unwrap().contains("data-testid=\"login-form\""));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_admin_page_refuses_other_roles_with_403(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let annotator = app.signed_in("annotator").await;
    let response = annotator
        .get(format!("{}/admin/users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"forbidden\"") && !html.contains("data-testid=\"user-table\""));

    let admin = app.signed_in("admin").await;
    let response = admin
        .get(format!("{}/admin/users", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("data-testid=\"user-table\""));
}

#[sqlx::test(migrations = "../migrations")]
async fn health_answers_when_the_database_does(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app
        .client()
        .get(format!("{}/health", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (response.status(), response.text().await.unwrap()),
        (StatusCode::OK, "ok".to_owned())
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_its_request_id_and_a_clients_id_is_kept(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let first = client.get(format!("{}/health", app.base)).send().await.unwrap();
    let second = client.get(format!("{}/health", app.base)).send().await.unwrap();
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(id(&first), id(&second), "each request gets its own id");
    let traced = client
        .post(format!("{}/api/list_projects", app.base))
        .header("x-request-id", "trace-4711")
        .send()
        .await
        .unwrap();
    assert_eq!(traced.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(id(&traced), "trace-4711");
}
