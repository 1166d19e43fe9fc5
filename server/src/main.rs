//! The `server` binary: serves Vernier, or creates an admin from the command line.

use server::cli::{self, Command};
use server::config::Config;
use server::local_pg::LocalPostgres;
use server::{demo, startup};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("vernier: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Vec<String>) -> Result<(), String> {
    let command = cli::parse(&args)?;
    if command == Command::Help {
        println!("{}", cli::USAGE);
        return Ok(());
    }
    let config = Config::from_env()?;
    tracing_subscriber::fmt()
        .with_env_filter(config.log_filter.as_str())
        .init();

    let mut local = None;
    let url = match &config.database_url {
        Some(url) => url.clone(),
        None => {
            tracing::info!(
                "DATABASE_URL is unset; starting a local PostgreSQL in {}/pg",
                config.data_dir.display()
            );
            let cluster = LocalPostgres::start(&config.data_dir, config.pg_port)?;
            let url = cluster.url.clone();
            local = Some(cluster);
            url
        }
    };
    let result = match command {
        Command::Serve { demo } => serve(&config, &url, demo).await,
        Command::CreateAdmin {
            username,
            display_name,
        } => create_admin(&url, &username, &display_name).await,
        Command::RotateSecretKey => rotate_secret_key(&config, &url).await,
        Command::Help => Ok(()),
    };
    if let Some(mut cluster) = local {
        cluster.stop();
    }
    result
}

async fn serve(config: &Config, url: &str, demo: bool) -> Result<(), String> {
    let pool = startup::connect(url).await?;
    if demo {
        demo::seed(&pool)
            .await
            .map_err(|e| format!("seeding demo data failed: {e}"))?;
        demo::seed_samples(&pool)
            .await
            .map_err(|e| format!("seeding demo outputs failed: {e}"))?;
    }
    if !app::server::db::users::any_admin(&pool)
        .await
        .map_err(|e| e.to_string())?
    {
        eprintln!(
            "No admin exists yet. Create one with:\n  VERNIER_ADMIN_PASSWORD='…' server admin create --username NAME\n\
             (or start with --demo for demo users)."
        );
    }
    let mut leptos_options = leptos::prelude::get_configuration(None)
        .map_err(|e| e.to_string())?
        .leptos_options;
    leptos_options.site_addr = config.addr;
    // cargo-leptos (`hash-files`) names the bundle by its content and writes the names beside
    // the binary; serving them lets browsers keep the bundle for a year.
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(&*leptos_options.hash_file)));
    if let Some(hash_file) = hash_file.filter(|file| file.exists()) {
        leptos_options.hash_files = true;
        warn_if_bundle_missing(&leptos_options, Some(&hash_file));
    } else {
        warn_if_bundle_missing(&leptos_options, None);
    }
    let mut settings = startup::Settings::from_config(config);
    let (key, _) = server::secret_key::load(config.secret_key.as_deref(), &config.data_dir)?;
    settings.operations.secret_key = Some(key);
    let (router, state) = startup::build_app(pool, leptos_options, settings).await?;
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    println!("Vernier is listening on http://{}", config.addr);
    if demo {
        println!("Demo logins (username / password):\n{}", demo::logins());
    }
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| e.to_string())?;
    // No request is in flight any more: store what the recorder holds, for a bounded time.
    let within = std::time::Duration::from_secs(config.shutdown_drain_seconds as u64);
    let drained = state.recorder.shutdown(within).await;
    if drained.lost > 0 {
        eprintln!(
            "{} recorded check(s) could not be stored or journaled (see the log)",
            drained.lost
        );
    }
    Ok(())
}

/// Says so at start-up when the browser bundle the pages will name is not in the site folder (a
/// binary copied without its `hash.txt`, or a site from another build): pages would load but
/// never become interactive.
fn warn_if_bundle_missing(options: &leptos::prelude::LeptosOptions, hash_file: Option<&std::path::Path>) {
    let hash = hash_file
        .and_then(|file| std::fs::read_to_string(file).ok())
        .and_then(|hashes| {
            hashes
                .lines()
                .find_map(|line| line.strip_prefix("wasm:").map(|h| format!(".{}", h.trim())))
        })
        .unwrap_or_default();
    let bundle = std::path::Path::new(&*options.site_root)
        .join(&*options.site_pkg_dir)
        .join(format!("{}{hash}.wasm", options.output_name));
    if !bundle.exists() {
        eprintln!(
            "warning: the browser bundle {} is missing; build the site with `cargo leptos build` and keep \
             `hash.txt` beside the server binary",
            bundle.display()
        );
    }
}

async fn create_admin(url: &str, username: &str, display_name: &str) -> Result<(), String> {
    let password = match std::env::var("VERNIER_ADMIN_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            eprintln!("Password for {username} (10+ characters), then Enter:");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let pool = startup::connect(url).await?;
    let user = app::domain::user::NewUser::parse(username, display_name, &password, "admin")
        .map_err(|e| e.to_string())?;
    let hash = app::server::password::hash(user.password.expose()).map_err(|e| e.to_string())?;
    let created = app::server::db::users::insert(&pool, &user, &hash)
        .await
        .map_err(|e| e.to_string())?;
    println!("Created admin {} (id {}).", created.username, created.id);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    tracing::info!("shutting down");
}

/// `server secrets rotate`: a new key, every stored secret re-sealed under it in one
/// transaction. With a key file, the new key is written beside it first (`secret.key.new`) and
/// replaces it after the database commits, so a crash midway leaves both keys on disk.
async fn rotate_secret_key(config: &Config, url: &str) -> Result<(), String> {
    use app::server::secret_rotation;
    use app::server::secrets::SecretKey;
    use server::secret_key::{self, Source};
    let pool = startup::connect(url).await?;
    let (old, source) = secret_key::load(config.secret_key.as_deref(), &config.data_dir)?;
    let new = SecretKey::generate();
    let staged = match &source {
        Source::File(path) => {
            let staged = path.with_extension("key.new");
            secret_key::write(&staged, &new)?;
            Some((staged, path.clone()))
        }
        Source::Environment => None,
    };
    let count = secret_rotation::rotate(&pool, &old, &new)
        .await
        .map_err(|e| e.to_string())?;
    match staged {
        Some((staged, path)) => {
            std::fs::rename(&staged, &path).map_err(|e| {
                format!("re-sealed {count} secrets, but could not move {} to {}: {e}; move it by hand", staged.display(), path.display())
            })?;
            println!("Re-sealed {count} stored secrets; the new key is in {}.", path.display());
        }
        None => println!(
            "Re-sealed {count} stored secrets. Set VERNIER_SECRET_KEY to the new key before the next start:\n{}",
            new.encode()
        ),
    }
    Ok(())
}
