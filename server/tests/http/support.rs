//! The app under test: the real router on an ephemeral port, over a fresh database.

use leptos::prelude::LeptosOptions;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use server::demo::{self, DEMO_PASSWORD};
use server::startup::{build_router, Operations, SessionSettings, Settings};

/// The `/metrics` token every test app is configured with.
pub const METRICS_TOKEN: &str = "matrix-metrics-token";
use sqlx::PgPool;

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, chrono::Duration::hours(1)).await
    }

    pub async fn spawn_with(pool: PgPool, absolute: chrono::Duration) -> Self {
        let options = LeptosOptions::builder().output_name("vernier").build();
        Self::spawn_configured(pool, absolute, options).await
    }

    /// Serving static files from `site_root` (the folder cargo-leptos builds the site into).
    pub async fn spawn_with_site(pool: PgPool, site_root: &str) -> Self {
        let options = LeptosOptions::builder()
            .output_name("vernier")
            .site_root(site_root)
            .build();
        Self::spawn_configured(pool, chrono::Duration::hours(1), options).await
    }

    async fn spawn_configured(pool: PgPool, absolute: chrono::Duration, options: LeptosOptions) -> Self {
        demo::seed(&pool).await.unwrap();
        let sessions = SessionSettings {
            idle: time::Duration::hours(1),
            absolute,
            secure: false,
        };
        let settings = Settings {
            sessions,
            operations: Operations {
                public_url: "https://vernier.test".into(),
                allow_http_webhooks: false,
                allow_private_webhooks: false,
                metrics_token: Some(METRICS_TOKEN.into()),
                trust_forwarded_for: false,
                secret_key: None,
                // No journal: a test server leaves nothing on disk.
                recording: Default::default(),
            },
        };
        let router = build_router(pool.clone(), options, settings).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
        Self { base, pool }
    }

    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> Client {
        Client::builder().cookie_store(true).build().unwrap()
    }

    /// Calls a server function with form-encoded arguments, as an `ActionForm` does.
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = client
            .post(format!("{}/api/{endpoint}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Calls a server function that takes JSON (`input = Json`); asserts it succeeds.
    pub async fn call_json(&self, client: &Client, endpoint: &str, body: &Value) -> Value {
        let response = client
            .post(format!("{}/api/{endpoint}", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{endpoint}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    pub async fn signed_in(&self, username: &str) -> Client {
        let client = self.client();
        let (status, body) = self
            .call(
                &client,
                "login",
                &[("username", username), ("password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        client
    }

    /// Adds catalogue `templates` to the demo project, activates the `active` ones, and creates
    /// an API key; returns the owner's client and the key.
    pub async fn with_metrics(&self, templates: &[&str], active: &[&str]) -> (Client, String) {
        let owner = self.signed_in("owner").await;
        for template in templates {
            let form = [("project", "support-bot-dach"), ("template", *template)];
            let (status, body) = self.call(&owner, "add_template", &form).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        for key in active {
            let form = [("project", "support-bot-dach"), ("key", *key)];
            assert_eq!(
                self.call(&owner, "activate_metric", &form).await.0,
                StatusCode::OK
            );
        }
        let form = [("project", "support-bot-dach"), ("name", "test client")];
        let (_, created) = self.call(&owner, "create_api_key", &form).await;
        (owner, created["secret"].as_str().unwrap().to_owned())
    }
}

/// The form fields of a metric for `create_metric` / `update_metric` in `project`: an async
/// format metric passing from 1, owned by "owner", with the given paradigm and scorer (JSON).
pub fn metric_form(project: &str, key: &str, paradigm: &str, scorer: &str) -> Vec<(&'static str, String)> {
    let fields = [
        ("project", project),
        ("input[key]", key),
        ("input[name]", "Test metric"),
        ("input[description]", ""),
        ("input[question]", "Does it hold?"),
        ("input[paradigm]", paradigm),
        ("input[category]", "format"),
        ("input[cadence]", "async"),
        ("input[action_on_failure]", "flag"),
        ("input[scorer]", scorer),
        ("input[threshold]", "1"),
        ("input[direction]", "at_least"),
        ("input[stage]", "crawl"),
        ("input[owner]", "owner"),
        ("input[cost_per_failure]", "1"),
        ("input[cost_per_evaluation]", "0"),
        ("input[review_date]", "2030-01-01"),
        ("input[retirement_date]", ""),
        ("input[tags]", ""),
    ];
    fields.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
}
