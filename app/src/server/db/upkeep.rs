//! Table upkeep where PostgreSQL does none. With `autovacuum` off (some managed and test
//! servers run so), nothing vacuums or analyzes Vernier's tables. Scores are rewritten on every
//! pass-rule change and every retry, rollups on every score: without VACUUM their dead rows pile
//! up (1.3 million behind 700,000 live scores after one property-test run) and a pass-rule change
//! that takes 0.2 s takes 6; without ANALYZE the planner works from guesses (outputs it takes
//! for 45 rows hold 12,000) and a browse that takes a millisecond runs for fifty seconds. While
//! autovacuum is off, [`run_due`] does what autovacuum would, by autovacuum's own thresholds.

use crate::error::AppError;
use sqlx::PgPool;

/// Whether the server's autovacuum daemon runs (and so looks after the tables itself).
pub async fn autovacuum_on(pool: &PgPool) -> Result<bool, AppError> {
    let setting: String = sqlx::query_scalar("SELECT current_setting('autovacuum')")
        .fetch_one(pool)
        .await?;
    Ok(setting == "on")
}

/// What a table is due for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Schema-qualified and quoted (PostgreSQL's `format('%I.%I')`).
    pub table: String,
    /// VACUUM (ANALYZE) when its dead rows passed autovacuum's vacuum threshold, else ANALYZE.
    pub vacuum: bool,
}

/// The database's tables past autovacuum's thresholds: dead rows above
/// `autovacuum_vacuum_threshold` plus `autovacuum_vacuum_scale_factor` of their rows, or rows
/// changed since the last ANALYZE above the analyze pair; a table's own settings come first.
pub async fn due(pool: &PgPool) -> Result<Vec<Due>, AppError> {
    let rows: Vec<(String, bool)> = sqlx::query_as(
        "WITH own AS (
            SELECT c.oid,
                (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_vacuum_threshold=%') AS vt,
                (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_vacuum_scale_factor=%') AS vs,
                (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_analyze_threshold=%') AS an_t,
                (SELECT split_part(o, '=', 2)::float8 FROM unnest(c.reloptions) o WHERE o LIKE 'autovacuum_analyze_scale_factor=%') AS an_s
            FROM pg_class c),
         counted AS (
            SELECT format('%I.%I', t.schemaname, t.relname) AS name,
                t.n_dead_tup > COALESCE(own.vt, current_setting('autovacuum_vacuum_threshold')::float8)
                    + COALESCE(own.vs, current_setting('autovacuum_vacuum_scale_factor')::float8) * greatest(t.n_live_tup, 0) AS vacuum,
                t.n_mod_since_analyze > COALESCE(own.an_t, current_setting('autovacuum_analyze_threshold')::float8)
                    + COALESCE(own.an_s, current_setting('autovacuum_analyze_scale_factor')::float8) * greatest(t.n_live_tup, 0) AS stale
            FROM pg_stat_user_tables t JOIN own ON own.oid = t.relid)
         SELECT name, vacuum FROM counted WHERE vacuum OR stale ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(table, vacuum)| Due { table, vacuum })
        .collect())
}

/// Vacuums or analyzes every table [`due`] for it; answers which.
pub async fn run_due(pool: &PgPool) -> Result<Vec<Due>, AppError> {
    let tables = due(pool).await?;
    for due in &tables {
        // `due.table` is quoted by PostgreSQL's own format('%I.%I').
        let statement = match due.vacuum {
            true => format!("VACUUM (ANALYZE) {}", due.table),
            false => format!("ANALYZE {}", due.table),
        };
        sqlx::query(&statement).execute(pool).await?;
    }
    Ok(tables)
}

#[cfg(test)]
mod tests;
