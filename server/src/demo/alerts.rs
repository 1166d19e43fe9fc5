//! The demo project's monitor: German replies must be in German. Over a day's window the
//! prompt-v2 regression keeps it firing, so the alerts page, the header's badge and
//! `/metrics` have something true to show. No channel: the demo has nowhere real to send to.

use app::domain::monitor::draft::MonitorForm;
use app::error::AppError;
use app::server::db;
use sqlx::PgPool;

/// The demo monitor's name.
pub const MONITOR: &str = "German replies in German";

/// Creates the monitor; the server's first evaluation (at start) fires it.
pub async fn seed(pool: &PgPool, project_id: i64, owner: i64) -> Result<i64, AppError> {
    let spec = MonitorForm {
        name: MONITOR.into(),
        segment: "language=de".into(),
        window_minutes: "1440".into(),
        threshold: "20%".into(),
        recovery: "10%".into(),
        min_sample: "10".into(),
        for_evaluations: "1".into(),
        ..MonitorForm::new_for("reply-language")
    }
    .parse()?;
    let monitor = db::monitors::resolve(pool, project_id, &spec).await?;
    db::monitors::save(pool, project_id, None, &monitor, &[], owner, chrono::Utc::now()).await
}
