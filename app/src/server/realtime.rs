//! The real-time check: the verdicts of the real-time metrics (from the scorer cache) and the
//! action, and recording checks after the answer has gone.

use super::db;
use super::scorer_cache::ScorerCache;
use super::scoring::active::{score_all, ActiveScorer};
use super::scoring::ScoringInput;
use super::telemetry::Telemetry;
use crate::domain::metric::kinds::{Cadence, FailureAction};
use crate::domain::output::NewOutput;
use crate::domain::score_row::ScoreRow;
use crate::error::AppError;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// One metric's verdict on the checked reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub metric: String,
    pub value: Option<f64>,
    pub passed: Option<bool>,
    /// What the metric asks for when the reply fails (`none` when it passed or did not apply).
    pub action: FailureAction,
    pub rationale: String,
}

/// The answer of a check: the action to take now, and each metric's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub action: FailureAction,
    pub verdicts: Vec<Verdict>,
}

/// Scores a reply with the real-time scorers; the action is the most severe of the failures
/// (block, then retry, then flag, then alert). Also answers the score rows, which recording
/// stores as they are instead of scoring the reply again.
pub fn check(scorers: &[ActiveScorer], input: &ScoringInput<'_>) -> (CheckAnswer, Vec<ScoreRow>) {
    let scored: Vec<(&ActiveScorer, ScoreRow)> = scorers
        .iter()
        .filter_map(|scorer| Some((scorer, scorer.score(input).filter(|row| !row.pending())?)))
        .collect();
    let verdicts: Vec<Verdict> = scored
        .iter()
        .map(|(scorer, row)| verdict(scorer, row.clone()))
        .collect();
    let rows = scored.into_iter().map(|(_, row)| row).collect();
    let action = verdicts
        .iter()
        .map(|v| v.action)
        .max_by_key(|a| severity(*a))
        .unwrap_or(FailureAction::Nothing);
    (CheckAnswer { action, verdicts }, rows)
}

fn verdict(scorer: &ActiveScorer, row: ScoreRow) -> Verdict {
    let failed = row.passed == Some(false);
    Verdict {
        metric: scorer.key.clone(),
        value: row.value,
        passed: row.passed,
        action: if failed {
            scorer.action
        } else {
            FailureAction::Nothing
        },
        rationale: row.error.unwrap_or(row.rationale),
    }
}

fn severity(action: FailureAction) -> u8 {
    match action {
        FailureAction::Nothing => 0,
        FailureAction::Alert => 1,
        FailureAction::Flag => 2,
        FailureAction::Retry => 3,
        FailureAction::Block => 4,
    }
}

/// A check waiting to be stored: the project, the reply and its real-time scores.
type Recorded = (i64, NewOutput, Vec<ScoreRow>);

/// Records checks in the background, so storage never delays an answer.
#[derive(Debug, Clone)]
pub struct CheckRecorder {
    sender: mpsc::Sender<Recorded>,
    telemetry: Arc<Telemetry>,
}

impl CheckRecorder {
    /// Starts the recording task; up to `capacity` checks wait while the database is busy.
    /// Checks that cannot be stored are counted in `telemetry`, never dropped silently.
    pub fn start(
        pool: PgPool,
        scorers: Arc<ScorerCache>,
        capacity: usize,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        let (sender, mut receiver) = mpsc::channel::<Recorded>(capacity);
        let counted = telemetry.clone();
        tokio::spawn(async move {
            while let Some((project_id, output, rows)) = receiver.recv().await {
                // Drain what queued meanwhile and store it in one transaction per project.
                let mut batches: HashMap<i64, Vec<(NewOutput, Vec<ScoreRow>)>> =
                    HashMap::from([(project_id, vec![(output, rows)])]);
                while let Ok((project_id, output, rows)) = receiver.try_recv() {
                    batches.entry(project_id).or_default().push((output, rows));
                }
                for (project_id, batch) in batches {
                    if let Err(error) = record(&pool, &scorers, project_id, &batch).await {
                        tracing::error!(project_id, "recording {} check(s) failed: {error}", batch.len());
                        counted.unrecorded_checks("storage_error", batch.len() as u64);
                    }
                }
            }
        });
        Self { sender, telemetry }
    }

    /// Queues a check and its real-time scores for recording; when the queue is full the check
    /// is answered unrecorded, and counted (`vernier_checks_unrecorded_total{reason="queue_full"}`).
    pub fn record(&self, project_id: i64, output: NewOutput, realtime: Vec<ScoreRow>) {
        match self.sender.try_send((project_id, output, realtime)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(project_id, "check recording queue full; a check was not recorded");
                self.telemetry.unrecorded_checks("queue_full", 1);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!(
                    project_id,
                    "the check recorder has stopped; a check was not recorded"
                );
                self.telemetry.unrecorded_checks("recorder_stopped", 1);
            }
        }
    }
}

/// Stores recorded checks with their real-time scores and the scores of the project's other
/// active automated metrics (cached), so no reply is scored twice.
async fn record(
    pool: &PgPool,
    cache: &ScorerCache,
    project_id: i64,
    batch: &[(NewOutput, Vec<ScoreRow>)],
) -> Result<(), AppError> {
    let scorers = cache.get(pool, project_id).await?;
    let others: Vec<ActiveScorer> = scorers
        .all
        .iter()
        .filter(|s| s.cadence != Cadence::RealTime)
        .cloned()
        .collect();
    let outputs: Vec<NewOutput> = batch.iter().map(|(output, _)| output.clone()).collect();
    let mut tx = pool.begin().await.map_err(db::database)?;
    let ingested = db::outputs::ingest(&mut tx, project_id, &outputs, |index, output| {
        let mut rows = batch[index].1.clone();
        rows.extend(score_all(&others, output));
        rows
    })
    .await?;
    super::feedback::attach_waiting(&mut tx, project_id, &outputs, &ingested).await?;
    tx.commit().await.map_err(db::database)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recorder's task runs only when this single-threaded test yields, so a queue of one
    /// is full from the second check on: those are answered, not stored, and counted.
    #[sqlx::test(migrations = "../migrations")]
    async fn checks_the_recorder_cannot_take_are_counted_not_lost_silently(pool: PgPool) {
        let telemetry = Telemetry::new(None);
        let recorder = CheckRecorder::start(pool.clone(), Arc::default(), 1, telemetry.clone());
        let output = crate::domain::output::validate(
            vec![serde_json::json!({"version": "v1", "input": "Hallo", "output": "Guten Tag"})],
            chrono::Utc::now(),
        )
        .unwrap()
        .remove(0);
        for _ in 0..3 {
            recorder.record(1, output.clone(), Vec::new());
        }
        let text = telemetry.render(&pool).await.unwrap();
        assert!(
            text.contains("vernier_checks_unrecorded_total{reason=\"queue_full\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("vernier_checks_unrecorded_total{reason=\"recorder_stopped\"} 0"),
            "{text}"
        );
    }

    fn scorer(key: &str, spec: &str, action: FailureAction) -> ActiveScorer {
        ActiveScorer::for_test(1, key, spec, action)
    }

    #[test]
    fn the_most_severe_failing_action_wins() {
        let scorers = [
            scorer(
                "no-delve",
                r#"{"kind": "not_contains", "words": ["delve"]}"#,
                FailureAction::Retry,
            ),
            scorer(
                "moderation",
                r#"{"kind": "moderation", "words": ["idiot"]}"#,
                FailureAction::Block,
            ),
            scorer("json", r#"{"kind": "valid_json"}"#, FailureAction::Flag),
        ];
        let (answer, _) = check(
            &scorers,
            &ScoringInput {
                output: "Let us delve in, idiot.",
                ..Default::default()
            },
        );
        assert_eq!(answer.action, FailureAction::Block);
        let actions: Vec<FailureAction> = answer.verdicts.iter().map(|v| v.action).collect();
        assert_eq!(
            actions,
            [FailureAction::Retry, FailureAction::Block, FailureAction::Flag]
        );
    }

    #[test]
    fn a_passing_reply_needs_no_action() {
        let scorers = [scorer(
            "no-delve",
            r#"{"kind": "not_contains", "words": ["delve"]}"#,
            FailureAction::Retry,
        )];
        let (answer, _) = check(
            &scorers,
            &ScoringInput {
                output: "Gerne helfe ich.",
                ..Default::default()
            },
        );
        assert_eq!(
            (answer.action, answer.verdicts[0].passed),
            (FailureAction::Nothing, Some(true))
        );
    }
}
