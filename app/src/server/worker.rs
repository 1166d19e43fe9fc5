//! The scoring worker: runs re-scoring jobs chunk by chunk and scores what waits for an
//! endpoint (LLM judges, embeddings), retrying failures with growing delays.
//!
//! Everything it does is recorded in Postgres as it goes (job cursors, score retry times), so a
//! restarted server carries on where it stopped, and several servers share the work through
//! leases and `FOR UPDATE SKIP LOCKED`.

use super::db::scores::ScoreChange;
use super::db::{self, scores, scoring_jobs};
use super::scorer_cache::ScorerCache;
use super::scoring::active::ActiveScorer;
use super::scoring::external::Failure;
use super::scoring::{Compiled, ScoringInput};
use crate::domain::endpoint::Endpoints;
use crate::domain::output::NewOutput;
use crate::domain::score_row::{Retry, ScoreRow, BUILTIN_SCORER_VERSION};
use crate::domain::scoring_job::JobStatus;
use crate::error::AppError;
use futures::StreamExt;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The channel a queued job is announced on (by a trigger).
pub const CHANNEL: &str = "vernier_jobs";
/// Outputs per chunk for built-in scorers, and for endpoint scorers.
const CHUNK: i64 = 500;
const ENDPOINT_CHUNK: i64 = 20;
/// How long a claimed job chunk or score is hidden from other workers.
const LEASE_SECS: i32 = 300;
/// Scores due for an endpoint taken at once, and calls in flight.
const DUE_BATCH: i64 = 16;
const CONCURRENCY: usize = 4;
/// Attempts before a failing score is given up (its error stays visible).
pub const MAX_ATTEMPTS: i16 = 6;

/// When to try again after `attempts` failed attempts: 30 s, doubling, at most an hour;
/// `None` once [`MAX_ATTEMPTS`] are spent.
pub fn retry_after(attempts: i16) -> Option<Retry> {
    (attempts < MAX_ATTEMPTS).then(|| Retry {
        attempts,
        after_secs: (30i32 << (attempts.clamp(1, 8) - 1)).min(3600),
    })
}

/// The worker; cheap to clone.
#[derive(Clone)]
pub struct Worker {
    pool: PgPool,
    scorers: Arc<ScorerCache>,
    http: reqwest::Client,
}

impl Worker {
    pub fn new(pool: PgPool, scorers: Arc<ScorerCache>) -> Self {
        Self {
            pool,
            scorers,
            http: reqwest::Client::new(),
        }
    }

    /// Works for the life of the server: while there is work it works, otherwise it waits for
    /// a queued job or a second, whichever comes first (retries come due by time).
    pub async fn run(self) {
        let mut listener = None;
        while !self.pool.is_closed() {
            match self.step().await {
                Ok(true) => {
                    tokio::task::yield_now().await;
                    continue;
                }
                Ok(false) => {}
                Err(error) => tracing::error!("scoring worker: {error}"),
            }
            if listener.is_none() {
                listener = self.listen().await;
            }
            let dropped = match listener.as_mut() {
                Some(listener) => matches!(
                    tokio::time::timeout(Duration::from_secs(1), listener.recv()).await,
                    Ok(Err(_))
                ),
                None => false,
            };
            if dropped || listener.is_none() {
                // No connection to listen on: poll, and listen again next round.
                listener = None;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn listen(&self) -> Option<PgListener> {
        let mut listener = PgListener::connect_with(&self.pool).await.ok()?;
        listener.listen(CHANNEL).await.ok()?;
        Some(listener)
    }

    /// One round: a chunk of the oldest open job and a batch of due scores. `false` when there
    /// was nothing to do.
    pub async fn step(&self) -> Result<bool, AppError> {
        let job = match scoring_jobs::claim(&self.pool, LEASE_SECS).await? {
            Some(job) => {
                self.job_chunk(job).await?;
                true
            }
            None => false,
        };
        let due = scores::claim_due(&self.pool, DUE_BATCH, LEASE_SECS).await?;
        let retried = !due.is_empty();
        if retried {
            self.score_due(due).await?;
        }
        Ok(job || retried)
    }

    /// Works until nothing is left (tests, and draining before a demo).
    pub async fn drain(&self) -> Result<(), AppError> {
        while self.step().await? {}
        Ok(())
    }

    async fn job_chunk(&self, job: scoring_jobs::Claimed) -> Result<(), AppError> {
        if job.total.is_none() {
            scoring_jobs::count_total(&self.pool, &job).await?;
        }
        let scorers = self.scorers.get(&self.pool, job.project_id).await?;
        let scorer = scorers.all.iter().find(|s| s.metric_id == job.metric_id).cloned();
        let Some(scorer) = scorer.filter(|s| !matches!(s.scorer, Ok(Compiled::Elsewhere))) else {
            let why = "the metric is no longer active, or people or another system score it";
            return scoring_jobs::finish(&self.pool, job.id, JobStatus::Cancelled, why).await;
        };
        let external = matches!(scorer.scorer, Ok(Compiled::External(_)));
        let limit = if external { ENDPOINT_CHUNK } else { CHUNK };
        let range = (job.from_time, job.to_time);
        let outputs =
            db::outputs::range_for_scoring(&self.pool, job.project_id, range, job.cursor, limit).await?;
        let Some(last) = outputs.last().map(|(id, _)| *id) else {
            return scoring_jobs::finish(&self.pool, job.id, JobStatus::Done, "").await;
        };
        let endpoints = Arc::new(match external {
            true => db::endpoints::load(&self.pool, job.project_id).await?,
            false => Endpoints::default(),
        });
        let count = outputs.len() as i32;
        let rows: Vec<(i64, ScoreRow)> = if external {
            let calls = outputs.into_iter().map(|(id, output)| {
                let (worker, scorer, endpoints) = (self.clone(), scorer.clone(), endpoints.clone());
                async move { (id, worker.score_one(&scorer, &output, &endpoints, 0).await) }
            });
            futures::stream::iter(calls)
                .buffered(CONCURRENCY)
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .filter_map(|(id, row)| row.map(|row| (id, row)))
                .collect()
        } else {
            // Built-in scorers are CPU work: on the scoring pool, not the request threads.
            let scorer = scorer.clone();
            super::cpu::run("score a re-scoring chunk", move || {
                outputs
                    .into_iter()
                    .filter_map(|(id, output)| {
                        let users = output.user_messages();
                        Some((id, scorer.score(&ScoringInput::of(&output, &users))?))
                    })
                    .collect()
            })
            .await?
        };
        let errors = rows.iter().filter(|(_, row)| row.error.is_some()).count() as i32;
        let mut tx = self.pool.begin().await?;
        let version = version(&scorer, &endpoints);
        scores::apply(
            &mut tx,
            ScoreChange::Write {
                rows: &rows,
                version: &version,
            },
        )
        .await?;
        // Hybrid metrics built on this one follow its new scores.
        super::hybrid::refresh(&mut tx, &rows.iter().map(|(id, _)| *id).collect::<Vec<_>>()).await?;
        if scoring_jobs::advance(&mut tx, job.id, last, count, errors).await? {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn score_due(&self, due: Vec<scores::Due>) -> Result<(), AppError> {
        let ids: Vec<i64> = due.iter().map(|d| d.output_id).collect();
        let outputs: HashMap<i64, NewOutput> = db::outputs::by_ids_for_scoring(&self.pool, &ids)
            .await?
            .into_iter()
            .collect();
        let mut endpoints: HashMap<i64, Arc<Endpoints>> = HashMap::new();
        let mut work = Vec::new();
        for item in &due {
            let scorers = self.scorers.get(&self.pool, item.project_id).await?;
            let Some(scorer) = scorers
                .all
                .iter()
                .find(|s| s.metric_id == item.metric_id)
                .cloned()
            else {
                abandon(&self.pool, item, "the metric is no longer active").await?;
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = endpoints.entry(item.project_id) {
                slot.insert(Arc::new(db::endpoints::load(&self.pool, item.project_id).await?));
            }
            if let Some(output) = outputs.get(&item.output_id).cloned() {
                let (worker, endpoints, item) =
                    (self.clone(), endpoints[&item.project_id].clone(), item.clone());
                work.push(async move {
                    let Some(row) = worker
                        .score_one(&scorer, &output, &endpoints, item.attempts)
                        .await
                    else {
                        return abandon(&worker.pool, &item, "people score this metric").await;
                    };
                    let mut tx = worker.pool.begin().await?;
                    let version = version(&scorer, &endpoints);
                    let rows = [(item.output_id, row)];
                    scores::apply(
                        &mut tx,
                        ScoreChange::Write {
                            rows: &rows,
                            version: &version,
                        },
                    )
                    .await?;
                    super::hybrid::refresh(&mut tx, &[item.output_id]).await?;
                    tx.commit().await?;
                    Ok(())
                });
            }
        }
        let results: Vec<Result<(), AppError>> = futures::stream::iter(work)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Scores one output; `attempts` is how many endpoint calls failed before.
    async fn score_one(
        &self,
        scorer: &ActiveScorer,
        output: &NewOutput,
        endpoints: &Endpoints,
        attempts: i16,
    ) -> Option<ScoreRow> {
        let Ok(Compiled::External(external)) = &scorer.scorer else {
            let users = output.user_messages();
            return scorer.score(&ScoringInput::of(output, &users));
        };
        Some(match external.score(&self.http, endpoints, output).await {
            Ok(outcome) => scorer.row(Some(outcome.value), outcome.rationale, None),
            Err(Failure::NotApplicable(why)) => scorer.row(None, format!("not applicable: {why}"), None),
            Err(Failure::Failed(error)) => {
                let attempts = attempts.saturating_add(1);
                let note = match retry_after(attempts) {
                    Some(retry) => format!("attempt {attempts} failed; next in {} s", retry.after_secs),
                    None => format!("gave up after {attempts} attempts"),
                };
                ScoreRow {
                    retry: retry_after(attempts),
                    ..scorer.row(None, note, Some(error))
                }
            }
        })
    }
}

fn version(scorer: &ActiveScorer, endpoints: &Endpoints) -> String {
    match &scorer.scorer {
        Ok(Compiled::External(external)) => external.version(endpoints),
        _ => BUILTIN_SCORER_VERSION.to_owned(),
    }
}

/// Ends the retries of a claimed score whose metric no longer scores automatically.
async fn abandon(pool: &PgPool, due: &scores::Due, why: &str) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let key = scores::ScoreKey {
        output_id: due.output_id,
        metric_id: due.metric_id,
    };
    scores::apply(&mut tx, ScoreChange::Abandon { key, why }).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests;
