//! Planner statistics where PostgreSQL keeps none. With `autovacuum` off (some managed and test
//! servers run so), nothing runs ANALYZE on Vernier's tables, and once they grow the planner
//! works from guesses: outputs it takes for 45 rows hold 12,000, scores it takes for one hold
//! 150,000, and a browse that takes a millisecond runs for fifty seconds. While autovacuum is
//! off, [`analyze_stale`] analyzes what autovacuum would have, by autovacuum's own thresholds.

use crate::error::AppError;
use sqlx::PgPool;

/// Whether the server's autovacuum daemon runs (and so keeps statistics itself).
pub async fn autovacuum_on(pool: &PgPool) -> Result<bool, AppError> {
    let setting: String = sqlx::query_scalar("SELECT current_setting('autovacuum')")
        .fetch_one(pool)
        .await?;
    Ok(setting == "on")
}

/// The database's tables (schema-qualified, quoted) changed by more rows since their last
/// ANALYZE than autovacuum allows: `autovacuum_analyze_threshold` plus
/// `autovacuum_analyze_scale_factor` of their rows, per table where a table sets its own.
pub async fn stale(pool: &PgPool) -> Result<Vec<String>, AppError> {
    let tables = sqlx::query_scalar(
        "WITH own AS (
            SELECT c.oid,
                (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) o
                 WHERE o LIKE 'autovacuum_analyze_threshold=%') AS threshold,
                (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) o
                 WHERE o LIKE 'autovacuum_analyze_scale_factor=%') AS scale
            FROM pg_class c)
         SELECT format('%I.%I', t.schemaname, t.relname) FROM pg_stat_user_tables t JOIN own ON own.oid = t.relid
         WHERE t.n_mod_since_analyze > COALESCE(own.threshold, current_setting('autovacuum_analyze_threshold')::float8)
             + COALESCE(own.scale, current_setting('autovacuum_analyze_scale_factor')::float8) * greatest(t.n_live_tup, 0)
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await?;
    Ok(tables)
}

/// Analyzes the [`stale`] tables; answers which.
pub async fn analyze_stale(pool: &PgPool) -> Result<Vec<String>, AppError> {
    let tables = stale(pool).await?;
    for table in &tables {
        // `table` is quoted by PostgreSQL's own format('%I.%I').
        sqlx::query(&format!("ANALYZE {table}")).execute(pool).await?;
    }
    Ok(tables)
}

#[cfg(test)]
mod tests;
