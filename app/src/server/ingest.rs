//! Ingesting outputs, shared by every door they come in through (the REST API today, OTLP
//! later): validate the batch whole, answer a repeated idempotency key with its first answer,
//! store the batch and score the new outputs with the project's active automated metrics, all
//! in one transaction.

use super::db;
use super::idempotent::{remember, replay, Answer, Idempotency, Refused, CREATED};
use super::scorer_cache::{ProjectScorers, ScorerCache};
use super::scoring::active::{score_all, ActiveScorer};
use crate::domain::output;
use crate::domain::score_row::ScoreRow;
use crate::error::AppError;
use db::outputs::Ingested;
use serde_json::Value;
use sqlx::{PgConnection, PgPool};

/// Scores every output of `batch` with the project's scorers on the scoring pool (off the async
/// runtime, spread over its threads); answers the batch back with each output's score rows.
pub async fn score_batch(
    scorers: std::sync::Arc<ProjectScorers>,
    batch: Vec<output::NewOutput>,
) -> Result<(Vec<output::NewOutput>, Vec<Vec<ScoreRow>>), AppError> {
    super::cpu::run("score a batch", move || {
        let rows = score_in_parallel(&scorers.all, &batch);
        (batch, rows)
    })
    .await
}

/// Each output's score rows, in order, scored in parallel on the calling rayon pool.
pub fn score_in_parallel(scorers: &[ActiveScorer], batch: &[output::NewOutput]) -> Vec<Vec<ScoreRow>> {
    use rayon::prelude::*;
    // Below this many outputs a task of their own costs more than it saves.
    const PER_TASK: usize = 64;
    batch
        .par_iter()
        .with_min_len(PER_TASK)
        .map(|o| score_all(scorers, o))
        .collect()
}

/// Stores an already validated batch in `connection`'s transaction, scoring each new output with
/// `scorers` on the calling thread (the demo's bulk load and tests; requests go through
/// [`store`]).
pub async fn store_scored(
    connection: &mut PgConnection,
    project_id: i64,
    batch: &[output::NewOutput],
    scorers: &[ActiveScorer],
) -> Result<Ingested, AppError> {
    db::outputs::ingest(connection, project_id, batch, |_, output| {
        score_all(scorers, output)
    })
    .await
}

/// Ingests `records` into the project: see the module documentation.
pub async fn ingest(
    pool: &PgPool,
    scorers: &ScorerCache,
    project_id: i64,
    records: Vec<Value>,
    idempotency: Option<Idempotency>,
) -> Result<Answer, Refused> {
    if let Some(answer) = replay(pool, project_id, idempotency.as_ref()).await? {
        return Ok(answer);
    }
    let batch = output::validate(records, chrono::Utc::now()).map_err(Refused::Records)?;
    store(pool, scorers, project_id, batch, Vec::new(), idempotency.as_ref()).await
}

/// Stores a validated batch and scores its new outputs in one transaction: see the module
/// documentation. `reported[i]`, when given, holds scores computed elsewhere for output `i`
/// (external metrics), stored beside Vernier's own.
pub async fn store(
    pool: &PgPool,
    scorers: &ScorerCache,
    project_id: i64,
    batch: Vec<output::NewOutput>,
    mut reported: Vec<Vec<ScoreRow>>,
    idempotency: Option<&Idempotency>,
) -> Result<Answer, Refused> {
    let scorers = scorers.get(pool, project_id).await?;
    let mut tx = pool.begin().await.map_err(AppError::from)?;
    // Eval-run outputs name their dataset item and run: resolved (and runs created) in the
    // same transaction, so a refused batch leaves no run behind.
    let batch = super::datasets::resolve_eval(&mut tx, project_id, batch)
        .await?
        .map_err(Refused::Records)?;
    let (batch, mut scored) = score_batch(scorers.clone(), batch).await?;
    let reported_metrics: Vec<i64> = reported.iter().flatten().map(|row| row.metric_id).collect();
    let ingested = db::outputs::ingest(&mut tx, project_id, &batch, |index, _| {
        let mut rows = std::mem::take(&mut scored[index]);
        rows.extend(reported.get_mut(index).map(std::mem::take).unwrap_or_default());
        rows
    })
    .await?;
    // The monitors of the metrics just scored are evaluated within seconds.
    let mut scored: Vec<i64> = scorers.all.iter().map(|s| s.metric_id).collect();
    scored.extend(reported_metrics);
    scored.sort_unstable();
    scored.dedup();
    db::monitors::wake(&mut tx, &scored).await?;
    // Feedback that arrived before its output counts from now.
    super::feedback::attach_waiting(&mut tx, project_id, &batch, &ingested).await?;
    let body = serde_json::to_value(&ingested).map_err(|e| AppError::internal("encode answer", e))?;
    remember(&mut tx, project_id, idempotency, &body).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(Answer {
        status: CREATED,
        body,
        replayed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metric::kinds::FailureAction;

    #[test]
    fn a_batch_scored_on_every_core_gets_each_output_its_own_scores_in_order() {
        let scorers = [
            ActiveScorer::for_test(
                1,
                "language",
                r#"{"kind": "language_match", "expected_key": "language"}"#,
                FailureAction::Retry,
            ),
            ActiveScorer::for_test(
                2,
                "short",
                r#"{"kind": "length", "unit": "chars", "max": 60}"#,
                FailureAction::Flag,
            ),
        ];
        let records: Vec<Value> = (0..300)
            .map(|i| {
                let reply = if i % 3 == 0 {
                    format!("Thank you for your message, we will answer request {i} soon.")
                } else {
                    format!("Vielen Dank für Ihre Nachricht, wir beantworten Anfrage {i} bald und gerne ausführlich.")
                };
                serde_json::json!({"version": "v1", "input": "Hallo", "output": reply, "metadata": {"language": "de"}})
            })
            .collect();
        let batch = output::validate(records, chrono::Utc::now()).unwrap();
        let parallel = score_in_parallel(&scorers, &batch);
        let serial: Vec<Vec<ScoreRow>> = batch.iter().map(|o| score_all(&scorers, o)).collect();
        assert_eq!(parallel, serial);
        assert_eq!(parallel.len(), 300);
        let failed_language = parallel
            .iter()
            .filter(|rows| rows[0].passed == Some(false))
            .count();
        assert_eq!(failed_language, 100, "every third reply is in English");
    }
}
