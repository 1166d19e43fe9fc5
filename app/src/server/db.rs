//! Database access, one module per aggregate. Functions take a pool or transaction and domain
//! types; they answer `AppError` so unique violations become field-level conflicts.

pub mod adjudications;
pub mod alert_channels;
pub mod api_keys;
pub mod audit;
pub mod check_journal;
pub mod datasets;
pub mod endpoints;
pub mod eval_runs;
pub mod experiments;
pub mod exposition;
pub mod feedback;
#[cfg(test)]
pub mod fixture;
pub mod hybrid;
pub mod idempotency;
pub mod maturity;
pub mod members;
pub mod metric_history;
pub mod metric_refs;
pub mod metrics;
pub mod monitors;
pub mod otlp;
pub mod output_browse;
pub mod outputs;
pub mod projects;
pub mod queues;
pub mod ratings;
pub mod rollups;
pub mod rubrics;
pub mod scores;
pub mod scoring_jobs;
pub mod secrets;
pub mod sign_in_failures;
pub mod trends;
pub mod upkeep;
pub mod users;
pub mod verdict_counts;

use crate::error::AppError;

/// Maps a sqlx error to `AppError`: a unique violation on `constraint` becomes a conflict on
/// `field`; anything else is logged as internal.
pub(crate) fn map_unique(error: sqlx::Error, constraint: &str, field: &str, message: &str) -> AppError {
    if let sqlx::Error::Database(db_error) = &error {
        if db_error.constraint() == Some(constraint) {
            return AppError::conflict(field, message);
        }
    }
    database(error)
}

/// Succeeds when a statement touched a row; else `what` (e.g. "Monitor 7") was not found.
pub(crate) fn found(rows: u64, what: impl FnOnce() -> String) -> Result<(), AppError> {
    if rows == 0 {
        Err(AppError::NotFound(what()))
    } else {
        Ok(())
    }
}

/// Any other database failure (the same as `AppError::from`, for `map_err`).
pub fn database(error: sqlx::Error) -> AppError {
    AppError::from(error)
}
