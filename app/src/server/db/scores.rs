//! Scores: changed only through [`apply`] (the one seam where rollups and monitors learn what
//! changed), claimed by the worker when an endpoint scorer is due, and read per output.

use super::database;
use super::rollups::{self, Scope};
use super::verdict_counts;
use crate::domain::metric::scorer::PassRule;
use crate::domain::output_browse::ScoreView;
use crate::domain::score_row::ScoreRow;
use crate::domain::score_value::storable_value;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool};
use std::sync::LazyLock;

/// One score: an output scored by a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScoreKey {
    pub output_id: i64,
    pub metric_id: i64,
}

/// A change to stored scores. Every write of a score value or verdict is one of these and goes
/// through [`apply`]: ingest, the real-time check's recording, the worker, re-scoring jobs,
/// final labels and adjudication, hybrid recomputation and pass-rule changes.
#[derive(Debug, Clone, Copy)]
pub enum ScoreChange<'a> {
    /// Write these scores (output id, row), replacing an output's earlier score of a metric.
    Write {
        rows: &'a [(i64, ScoreRow)],
        version: &'a str,
    },
    /// The first scores of outputs stored in this same transaction: none existed, and no other
    /// transaction can see the outputs yet, so nothing is withdrawn from the rollups and no
    /// score needs a lock of its own (what ingestion and recorded checks write).
    Insert {
        rows: &'a [(i64, ScoreRow)],
        version: &'a str,
    },
    /// Withdraw the metric's scores of these outputs (a final label undone, a hybrid whose
    /// parts are gone).
    Remove { metric_id: i64, outputs: &'a [i64] },
    /// Keep the metric's stored values and decide pass or fail again by `rule`.
    ReapplyPassRule { metric_id: i64, rule: &'a PassRule },
    /// End the retries of a score whose metric no longer scores automatically, recording why
    /// as its error.
    Abandon { key: ScoreKey, why: &'a str },
}

/// What a [`ScoreChange`] changed: the one place where rollups and monitors learn of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoreChanges {
    /// Scores that did not exist before.
    pub added: Vec<ScoreKey>,
    /// Scores that existed and were written again (value, verdict or error may have changed).
    pub updated: Vec<ScoreKey>,
    /// Scores withdrawn.
    pub removed: Vec<ScoreKey>,
    /// Scores that fail now and did not before (new failures included).
    pub newly_failing: Vec<ScoreKey>,
    /// Scores that reached a result they did not have (one of [`verdict_counts::RESULTS`]):
    /// new ones with a verdict, and re-scorings that moved one. What the counters count.
    pub reached: Vec<(ScoreKey, &'static str)>,
}

impl ScoreChanges {
    /// Adds `other`'s changes to these.
    pub fn extend(&mut self, other: ScoreChanges) {
        self.added.extend(other.added);
        self.updated.extend(other.updated);
        self.removed.extend(other.removed);
        self.newly_failing.extend(other.newly_failing);
        self.reached.extend(other.reached);
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}

/// Applies one change to stored scores, within the caller's transaction, and says what changed.
/// The rollups follow in the same transaction: the touched scores are withdrawn from them as
/// they were and added back as they are.
pub async fn apply(connection: &mut PgConnection, change: ScoreChange<'_>) -> Result<ScoreChanges, AppError> {
    let outputs: Vec<i64>;
    let metrics: Vec<i64>;
    let scope = match change {
        ScoreChange::Write { rows, .. } => {
            outputs = rows.iter().map(|(output, _)| *output).collect();
            metrics = rows.iter().map(|(_, row)| row.metric_id).collect();
            Scope::Scores {
                outputs: &outputs,
                metrics: &metrics,
            }
        }
        ScoreChange::Insert { rows, .. } => {
            outputs = rows.iter().map(|(output, _)| *output).collect();
            metrics = rows.iter().map(|(_, row)| row.metric_id).collect();
            Scope::NewScores {
                outputs: &outputs,
                metrics: &metrics,
            }
        }
        ScoreChange::Remove {
            metric_id,
            outputs: removed,
        } => {
            metrics = vec![metric_id; removed.len()];
            Scope::Scores {
                outputs: removed,
                metrics: &metrics,
            }
        }
        ScoreChange::ReapplyPassRule { metric_id, .. } => Scope::ValuedScoresOf(metric_id),
        ScoreChange::Abandon { key, .. } => {
            outputs = vec![key.output_id];
            metrics = vec![key.metric_id];
            Scope::Scores {
                outputs: &outputs,
                metrics: &metrics,
            }
        }
    };
    // A transaction of its own (a savepoint inside the caller's): the withdrawal, the change and
    // the addition land together or not at all.
    let mut tx = sqlx::Connection::begin(&mut *connection).await?;
    rollups::lock(&mut tx, scope).await?;
    // New scores were counted nowhere yet: nothing to withdraw.
    if !matches!(change, ScoreChange::Insert { .. }) {
        rollups::shift(&mut tx, scope, -1).await?;
    }
    let changes = match change {
        ScoreChange::Write { rows, version } => write(&mut tx, &UPSERT, rows, version).await?,
        ScoreChange::Insert { rows, version } => write(&mut tx, &INSERT, rows, version).await?,
        ScoreChange::Remove { metric_id, outputs } => remove(&mut tx, metric_id, outputs).await?,
        ScoreChange::ReapplyPassRule { metric_id, rule } => reapply(&mut tx, metric_id, rule).await?,
        ScoreChange::Abandon { key, why } => abandon(&mut tx, key, why).await?,
    };
    rollups::shift(&mut tx, scope, 1).await?;
    verdict_counts::add(&mut tx, &changes.reached).await?;
    tx.commit().await?;
    Ok(changes)
}

/// (output, metric, existed before, failed before, fails now, result before, result now) of
/// each changed score; a result is one of [`verdict_counts::RESULTS`], `None` while pending.
type Written = (
    i64,
    i64,
    bool,
    Option<bool>,
    Option<bool>,
    Option<String>,
    Option<String>,
);

fn changes_of(written: Vec<Written>) -> ScoreChanges {
    let mut changes = ScoreChanges::default();
    for (output_id, metric_id, existed, was, now, result_was, result_now) in written {
        let key = ScoreKey { output_id, metric_id };
        if existed {
            changes.updated.push(key);
        } else {
            changes.added.push(key);
        }
        if now == Some(false) && was != Some(false) {
            changes.newly_failing.push(key);
        }
        if result_now != result_was {
            if let Some(result) = result_now.as_deref().and_then(verdict_counts::result) {
                changes.reached.push((key, result));
            }
        }
    }
    changes
}

/// The statement that writes scores, given as UNNEST-ed arrays `$1`…`$9` (see [`write`]). It
/// answers a [`Written`] row per score.
static UPSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH input AS (
        SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::bool[], $5::text[], $6::text[],
                             $8::int[], $9::int[])
            AS t(output_id, metric_id, value, passed, rationale, error, attempts, after_secs)),
     old AS (
        SELECT s.output_id, s.metric_id, s.passed, {was} AS result FROM scores s
        JOIN input i ON i.output_id = s.output_id AND i.metric_id = s.metric_id),
     up AS (
        INSERT INTO scores (output_id, metric_id, value, passed, rationale, error, scorer_version, attempts, retry_at)
        SELECT t.output_id, t.metric_id, t.value, t.passed, t.rationale, t.error, $7, COALESCE(t.attempts, 0),
               now() + make_interval(secs => t.after_secs)
        FROM input t
        ON CONFLICT (output_id, metric_id) DO UPDATE SET
           value = EXCLUDED.value, passed = EXCLUDED.passed, rationale = EXCLUDED.rationale,
           error = EXCLUDED.error, scorer_version = EXCLUDED.scorer_version, scored_at = now(),
           attempts = EXCLUDED.attempts, retry_at = EXCLUDED.retry_at
        RETURNING output_id, metric_id, passed, {now} AS result)
     SELECT up.output_id, up.metric_id, old.output_id IS NOT NULL, old.passed, up.passed, old.result, up.result
     FROM up LEFT JOIN old ON old.output_id = up.output_id AND old.metric_id = up.metric_id",
        was = verdict_counts::result_of("s."),
        now = verdict_counts::result_of(""),
    )
});

/// The same write for scores known to be new ([`ScoreChange::Insert`]): no earlier verdict to
/// look up, no conflict to resolve.
static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO scores (output_id, metric_id, value, passed, rationale, error, scorer_version, attempts, retry_at)
     SELECT t.output_id, t.metric_id, t.value, t.passed, t.rationale, t.error, $7, COALESCE(t.attempts, 0),
            now() + make_interval(secs => t.after_secs)
     FROM UNNEST($1::bigint[], $2::bigint[], $3::float8[], $4::bool[], $5::text[], $6::text[], $8::int[], $9::int[])
        AS t(output_id, metric_id, value, passed, rationale, error, attempts, after_secs)
     RETURNING output_id, metric_id, false, NULL::bool, passed, NULL::text, {}",
        verdict_counts::result_of("")
    )
});

/// Writes `rows` with `statement` ([`UPSERT`] or [`INSERT`]). Every CTE of the upsert sees the
/// scores as they were before the statement, so `old` holds the verdicts being replaced.
async fn write(
    connection: &mut PgConnection,
    statement: &str,
    rows: &[(i64, ScoreRow)],
    version: &str,
) -> Result<ScoreChanges, AppError> {
    if rows.is_empty() {
        return Ok(ScoreChanges::default());
    }
    let retry = |f: fn(&ScoreRow) -> Option<i32>| rows.iter().map(|(_, r)| f(r)).collect::<Vec<_>>();
    let written: Vec<Written> = sqlx::query_as(statement)
        .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<_>>())
        .bind(rows.iter().map(|(_, r)| r.metric_id).collect::<Vec<_>>())
        .bind(
            rows.iter()
                .map(|(_, r)| r.value.map(storable_value))
                .collect::<Vec<_>>(),
        )
        .bind(rows.iter().map(|(_, r)| r.passed).collect::<Vec<_>>())
        .bind(rows.iter().map(|(_, r)| r.rationale.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|(_, r)| r.error.as_deref()).collect::<Vec<_>>())
        .bind(version)
        .bind(retry(|r| r.retry.map(|r| i32::from(r.attempts))))
        .bind(retry(|r| r.retry.map(|r| r.after_secs)))
        .fetch_all(&mut *connection)
        .await?;
    Ok(changes_of(written))
}

async fn remove(
    connection: &mut PgConnection,
    metric_id: i64,
    outputs: &[i64],
) -> Result<ScoreChanges, AppError> {
    let removed: Vec<(i64, i64)> = sqlx::query_as(
        "DELETE FROM scores WHERE metric_id = $1 AND output_id = ANY($2) RETURNING output_id, metric_id",
    )
    .bind(metric_id)
    .bind(outputs)
    .fetch_all(&mut *connection)
    .await?;
    Ok(ScoreChanges {
        removed: removed
            .into_iter()
            .map(|(output_id, metric_id)| ScoreKey { output_id, metric_id })
            .collect(),
        ..ScoreChanges::default()
    })
}

/// Applies `rule` to every valued score of a metric. Two statements, each one scan of the
/// metric's scores, joined here: a self-join in SQL was planned as a nested loop (O(n²)) for a
/// metric scored since the last ANALYZE, whose rows the planner takes for a handful — 5.6 s for
/// 8,000 scores where the join below takes milliseconds.
async fn reapply(
    connection: &mut PgConnection,
    metric_id: i64,
    rule: &PassRule,
) -> Result<ScoreChanges, AppError> {
    let before: std::collections::HashMap<i64, (Option<bool>, Option<String>)> = sqlx::query_as(&format!(
        "SELECT output_id, passed, {} FROM scores s WHERE metric_id = $1 AND value IS NOT NULL FOR UPDATE",
        verdict_counts::result_of("s.")
    ))
    .bind(metric_id)
    .fetch_all(&mut *connection)
    .await?
    .into_iter()
    .map(|(output_id, passed, result): (i64, Option<bool>, Option<String>)| (output_id, (passed, result)))
    .collect();
    let after: Vec<(i64, Option<bool>, Option<String>)> = sqlx::query_as(&format!(
        "UPDATE scores SET passed = CASE WHEN $3 = 'at_least' THEN value >= $2 ELSE value <= $2 END
         WHERE metric_id = $1 AND value IS NOT NULL
         RETURNING output_id, passed, {}",
        verdict_counts::result_of("")
    ))
    .bind(metric_id)
    .bind(rule.threshold)
    .bind(rule.direction.as_str())
    .fetch_all(&mut *connection)
    .await?;
    let written = after
        .into_iter()
        .map(|(output_id, now, result)| {
            let (was, result_was) = before.get(&output_id).cloned().unwrap_or_default();
            (output_id, metric_id, true, was, now, result_was, result)
        })
        .collect();
    Ok(changes_of(written))
}

/// A score the worker has claimed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Due {
    pub output_id: i64,
    pub metric_id: i64,
    pub project_id: i64,
    pub attempts: i16,
}

/// Claims up to `limit` scores whose retry time has come; they are hidden from other workers
/// for `lease_secs`, after which a crashed worker's claims come due again.
pub async fn claim_due(pool: &PgPool, limit: i64, lease_secs: i32) -> Result<Vec<Due>, AppError> {
    sqlx::query_as(
        "UPDATE scores s SET retry_at = now() + make_interval(secs => $2)
         FROM outputs o
         WHERE o.id = s.output_id AND s.id IN (
            SELECT id FROM scores WHERE retry_at <= now() ORDER BY retry_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING s.output_id, s.metric_id, o.project_id, s.attempts",
    )
    .bind(limit)
    .bind(lease_secs)
    .fetch_all(pool)
    .await
    .map_err(database)
}

async fn abandon(connection: &mut PgConnection, key: ScoreKey, why: &str) -> Result<ScoreChanges, AppError> {
    let written: Option<Written> = sqlx::query_as(&format!(
        "WITH old AS (SELECT passed, {was} AS result FROM scores s WHERE output_id = $1 AND metric_id = $2)
         UPDATE scores SET retry_at = NULL, error = $3 WHERE output_id = $1 AND metric_id = $2
         RETURNING output_id, metric_id, true, (SELECT passed FROM old), passed, (SELECT result FROM old), {now}",
        was = verdict_counts::result_of("s."),
        now = verdict_counts::result_of(""),
    ))
    .bind(key.output_id)
    .bind(key.metric_id)
    .bind(why)
    .fetch_optional(connection)
    .await?;
    Ok(changes_of(written.into_iter().collect()))
}

/// Every score of the outputs `ids`, by output and metric key.
pub async fn of_outputs(pool: &PgPool, ids: &[i64]) -> Result<Vec<(i64, ScoreView)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        output_id: i64,
        #[sqlx(flatten)]
        score: ScoreView,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.output_id, m.key AS metric_key, m.name AS metric_name, s.value, s.passed, s.rationale, s.error,
                s.scorer_version, s.attempts, s.retry_at, s.scored_at
         FROM scores s JOIN metrics m ON m.id = s.metric_id
         WHERE s.output_id = ANY($1) ORDER BY s.output_id, m.key",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.output_id, row.score)).collect())
}

/// Every score of one output, by metric key.
pub async fn of_output(pool: &PgPool, output_id: i64) -> Result<Vec<ScoreView>, AppError> {
    sqlx::query_as(
        "SELECT m.key AS metric_key, m.name AS metric_name, s.value, s.passed, s.rationale, s.error,
                s.scorer_version, s.attempts, s.retry_at, s.scored_at
         FROM scores s JOIN metrics m ON m.id = s.metric_id
         WHERE s.output_id = $1 ORDER BY m.key",
    )
    .bind(output_id)
    .fetch_all(pool)
    .await
    .map_err(database)
}

/// The outputs of a project scored by both a human metric (its final label) and an automated
/// one, with each verdict and the reply's length, for checking the judge against people.
pub async fn paired(
    pool: &PgPool,
    project_id: i64,
    human: &str,
    automated: &str,
) -> Result<Vec<crate::domain::judge_check::Paired>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        human: f64,
        human_passed: bool,
        judge: f64,
        judge_passed: bool,
        length: i32,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT h.value AS human, h.passed AS human_passed, a.value AS judge, a.passed AS judge_passed,
            char_length(o.output) AS length
         FROM metrics hm JOIN scores h ON h.metric_id = hm.id
         JOIN metrics am ON am.project_id = hm.project_id AND am.key = $3
         JOIN scores a ON a.metric_id = am.id AND a.output_id = h.output_id
         JOIN outputs o ON o.id = h.output_id
         WHERE hm.project_id = $1 AND hm.key = $2
           AND h.value IS NOT NULL AND a.value IS NOT NULL AND h.passed IS NOT NULL AND a.passed IS NOT NULL",
    )
    .bind(project_id)
    .bind(human)
    .bind(automated)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| crate::domain::judge_check::Paired {
            human: row.human,
            human_passed: row.human_passed,
            judge: row.judge,
            judge_passed: row.judge_passed,
            length: row.length.max(0) as usize,
        })
        .collect())
}

#[cfg(test)]
mod tests;
