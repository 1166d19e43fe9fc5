//! Server functions, one file per resource. Each starts with `auth::require_project` (anything
//! that concerns one project), `auth::require_queue` (an annotator's own queue),
//! `auth::require` (users, creating a project, the caller's own lists) or `auth::public` (the
//! few anonymous callers may use), and is otherwise thin.

pub mod alerts;
pub mod annotate;
pub mod api_keys;
pub mod dashboards;
pub mod datasets;
pub mod experiments;
pub mod feedback;
pub mod judge_checks;
pub mod maturity;
pub mod members;
pub mod metric_io;
pub mod metrics;
pub mod otlp;
pub mod outputs;
pub mod projects;
pub mod queues;
pub mod rubrics;
pub mod scoring;
pub mod session;
pub mod users;

/// The server function paths anonymous callers may reach; every other one refuses them at the
/// HTTP layer before its arguments are decoded.
#[cfg(feature = "ssr")]
pub fn public_paths() -> [&'static str; 3] {
    use server_fn::ServerFn;
    [
        session::Login::PATH,
        session::Logout::PATH,
        session::CurrentUser::PATH,
    ]
}
