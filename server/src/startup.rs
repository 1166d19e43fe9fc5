//! Building the application: database, sessions and the router (reused by the HTTP tests).

use crate::config::Config;
use crate::gate::gate;
use app::server::state::{AppState, SessionPolicy};
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tower_sessions::cookie::SameSite;
use tower_sessions::{ExpiredDeletion, Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vernier_session";

/// Session settings taken from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    pub idle: time::Duration,
    pub absolute: chrono::Duration,
    pub secure: bool,
}

impl SessionSettings {
    /// The settings `config` asks for.
    pub fn from_config(config: &Config) -> Self {
        Self {
            idle: time::Duration::minutes(config.session_idle_minutes),
            absolute: chrono::Duration::hours(config.session_absolute_hours),
            secure: config.secure_cookies,
        }
    }
}

/// Alerting and telemetry settings taken from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Operations {
    /// Vernier's address as people reach it, for links in alerts (default: the listen address).
    pub public_url: String,
    /// Webhooks may use plain HTTP to any host (else only to this machine).
    pub allow_http_webhooks: bool,
    /// Webhooks may reach private and link-local addresses.
    pub allow_private_webhooks: bool,
    /// The bearer token of `/metrics`; `None`: the endpoint is off.
    pub metrics_token: Option<String>,
    /// The client's address is the last `X-Forwarded-For` entry (one trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// The key sealing stored secrets; `None`: a new random one (tests).
    pub secret_key: Option<app::server::secrets::SecretKey>,
    /// How real-time checks are recorded (queue, journal).
    pub recording: app::server::recording::RecorderSettings,
}

/// Everything `build_router` is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub sessions: SessionSettings,
    pub operations: Operations,
}

impl From<SessionSettings> for Settings {
    fn from(sessions: SessionSettings) -> Self {
        Settings {
            sessions,
            operations: Operations {
                public_url: "http://127.0.0.1:3000".into(),
                ..Operations::default()
            },
        }
    }
}

impl Settings {
    /// The settings `config` asks for.
    pub fn from_config(config: &Config) -> Self {
        Settings {
            sessions: SessionSettings::from_config(config),
            operations: Operations {
                public_url: config
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}", config.addr)),
                allow_http_webhooks: config.allow_http_webhooks,
                allow_private_webhooks: config.allow_private_webhooks,
                metrics_token: config.metrics_token.clone(),
                trust_forwarded_for: config.trust_forwarded_for,
                // Loaded by the caller, which may fail: see `secret_key::load`.
                secret_key: None,
                recording: app::server::recording::RecorderSettings {
                    capacity: config.check_queue as usize,
                    journal: config.check_journal.clone(),
                    journal_limit_bytes: (config.check_journal_max_mb as u64) << 20,
                    ..Default::default()
                },
            },
        }
    }
}

/// Connects to Postgres and applies the migrations.
pub async fn connect(url: &str) -> Result<PgPool, String> {
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Applies Vernier's migrations (the session store's table is created by `build_router`), then
/// counts the rollups of projects never counted (those older than rollups).
pub async fn migrate(pool: &PgPool) -> Result<(), String> {
    sqlx::migrate!("../migrations")
        .run(pool)
        .await
        .map_err(|e| format!("migrations failed: {e}"))?;
    let rebuilt = app::server::db::rollups::rebuild_missing(pool)
        .await
        .map_err(|e| format!("counting rollups failed: {e}"))?;
    if rebuilt > 0 {
        tracing::info!("counted the rollups of {rebuilt} project(s)");
    }
    Ok(())
}

/// Drops hourly rollups once they are older than the 48 hours dashboards show, every hour.
async fn prune_rollups(pool: PgPool) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    while !pool.is_closed() {
        every_hour.tick().await;
        if let Err(error) = app::server::db::rollups::prune_hours(&pool).await {
            tracing::error!("pruning hourly rollups: {error}");
        }
    }
}

/// Where the server's autovacuum is off, vacuums and analyzes the tables past its thresholds
/// every 30 seconds (`db::upkeep`): without it dead rows pile up and the planner guesses, and
/// millisecond queries become minute-long ones as the data grows.
async fn keep_tables(pool: PgPool) {
    use app::server::db::upkeep;
    match upkeep::autovacuum_on(&pool).await {
        Ok(true) => return,
        Ok(false) => tracing::warn!(
            "autovacuum is off on this PostgreSQL server: Vernier vacuums and analyzes its own tables every 30 s"
        ),
        Err(error) => return tracing::error!("reading the autovacuum setting: {error}"),
    }
    let mut every = tokio::time::interval(std::time::Duration::from_secs(30));
    while !pool.is_closed() {
        every.tick().await;
        match upkeep::run_due(&pool).await {
            Ok(tables) if !tables.is_empty() => tracing::debug!(?tables, "vacuumed or analyzed"),
            Ok(_) => {}
            Err(error) => tracing::error!("table upkeep: {error}"),
        }
    }
}

/// The whole application as an Axum router.
pub async fn build_router(
    pool: PgPool,
    leptos_options: LeptosOptions,
    settings: impl Into<Settings>,
) -> Result<Router, String> {
    Ok(build_app(pool, leptos_options, settings).await?.0)
}

/// The router and the state behind it (whose recorder the server drains when it stops).
pub async fn build_app(
    pool: PgPool,
    leptos_options: LeptosOptions,
    settings: impl Into<Settings>,
) -> Result<(Router, AppState), String> {
    let Settings { sessions, operations } = settings.into();
    // Stored secrets are sealed under one key per process; plain ones left from before are
    // sealed now.
    app::server::secrets::install(
        operations
            .secret_key
            .clone()
            .unwrap_or_else(app::server::secrets::SecretKey::generate),
    );
    let key = app::server::secrets::key().map_err(|e| e.to_string())?;
    let sealed = app::server::secret_rotation::seal_plain(&pool, key)
        .await
        .map_err(|e| format!("cannot seal stored secrets: {e}"))?;
    if sealed > 0 {
        tracing::info!(sealed, "stored secrets sealed");
    }
    let store = PostgresStore::new(pool.clone());
    store
        .migrate()
        .await
        .map_err(|e| format!("session store migration failed: {e}"))?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(std::time::Duration::from_secs(600)),
    );
    let session_layer = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_secure(sessions.secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(sessions.idle));

    // The language guardrail's models load once per process, here rather than in the first check.
    tokio::task::spawn_blocking(app::server::scoring::language::warm_up);
    let scorers = std::sync::Arc::new(app::server::scorer_cache::ScorerCache::default());
    let keys = std::sync::Arc::new(app::server::key_cache::KeyCache::default());
    tokio::spawn(app::server::scorer_cache::listen(
        pool.clone(),
        scorers.clone(),
        keys.clone(),
    ));
    tokio::spawn(app::server::worker::Worker::new(pool.clone(), scorers.clone()).run());
    tokio::spawn(prune_rollups(pool.clone()));
    tokio::spawn(keep_tables(pool.clone()));
    let alerting = app::server::alerting::Alerting::new(
        &operations.public_url,
        app::domain::monitor::channel::Allowed {
            http: operations.allow_http_webhooks,
            private: operations.allow_private_webhooks,
        },
    );
    tokio::spawn(app::server::alerting::evaluate_loop(
        pool.clone(),
        alerting.clone(),
    ));
    tokio::spawn(app::server::alerting::deliver_loop(
        pool.clone(),
        alerting.clone(),
    ));
    let telemetry = app::server::telemetry::Telemetry::new(operations.metrics_token.clone());
    let state = AppState {
        keys,
        recorder: app::server::recording::CheckRecorder::start(
            pool.clone(),
            scorers.clone(),
            operations.recording.clone(),
            telemetry.clone(),
        )?,
        scorers,
        leptos_options,
        pool,
        alerting,
        telemetry,
        sessions: SessionPolicy {
            absolute_lifetime: sessions.absolute,
        },
    };
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    // leptos_routes registers every server function too, and provides `AppState` as context.
    let router = Router::new()
        .route("/health", get(health))
        .route("/ping", get(|| async { "pong" }))
        .route("/metrics", get(crate::metrics_endpoint::scrape))
        .merge(crate::rest::routes())
        .merge(
            Router::new()
                .leptos_routes(&state, routes, move || shell(options.clone()))
                // The gate reads a server function's body whole, up to its own limit.
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::gate::MAX_SERVER_FN_BODY,
                )),
        )
        .fallback_service(crate::delivery::site(
            &state.leptos_options,
            axum::handler::Handler::with_state(
                leptos_axum::file_and_error_handler::<AppState, _>(shell),
                state.clone(),
            ),
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
        .layer(axum::middleware::from_fn({
            let origin: std::sync::Arc<str> = crate::csrf::origin_of(&operations.public_url).into();
            move |request, next| crate::csrf::same_origin(origin.clone(), request, next)
        }))
        .layer(session_layer)
        .layer(axum::middleware::from_fn(crate::delivery::cache_static))
        .layer(axum::middleware::from_fn({
            let https = sessions.secure;
            move |request, next| crate::security_headers::security_headers(https, request, next)
        }))
        .layer(crate::delivery::compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn({
            let trust_forwarded_for = operations.trust_forwarded_for;
            move |request, next| crate::request_id::request_id(trust_forwarded_for, request, next)
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics_endpoint::count_requests,
        ))
        .with_state(state.clone());
    Ok((router, state))
}

/// Readiness: the server runs and the database answers.
async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!("health check: {error}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
