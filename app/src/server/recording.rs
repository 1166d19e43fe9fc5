//! Recording real-time checks: every answered check that asked to be recorded is stored, with
//! the verdicts computed for its answer, after the answer has gone — or counted, never lost
//! silently.
//!
//! The policy (`record all`): a check goes to a bounded queue in memory; writer tasks take it
//! in batches (up to [`BATCH`] checks or [`WINDOW`], whichever comes first) and store each batch
//! in one transaction (outputs, the real-time scores as computed, the scores of the project's
//! other automated metrics, rollups). When the queue is full, or a batch cannot be stored, the
//! checks go to the journal on local disk (`journal`), which is replayed into the database as
//! soon as the queue has room again; the answer never waits for the database. On shutdown the
//! queue drains for a bounded time and what is left goes to the journal, replayed at the next
//! start. A check is counted as not recorded only when the journal cannot take it either (off,
//! full or failing) or a stored check's line cannot be read back.
//!
//! What a crash can lose: a killed process (SIGKILL, out of memory) loses the checks waiting in
//! the queue (at most its capacity) and those being written in a batch; what reached the
//! journal survives. A power cut may also lose the journal's last unsynced lines.

pub mod journal;

use super::db;
use super::scorer_cache::ScorerCache;
use super::scoring::active::ActiveScorer;
use super::telemetry::Telemetry;
use crate::domain::metric::kinds::Cadence;
use crate::domain::output::NewOutput;
use crate::domain::score_row::ScoreRow;
use crate::error::AppError;
use journal::Journal;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Mutex};

/// Most checks stored in one transaction.
pub const BATCH: usize = 1_000;
/// How long a writer waits for a batch to fill once it holds a check.
pub const WINDOW: Duration = Duration::from_millis(5);

/// A check waiting to be stored: the project, the reply and the verdicts of its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub project_id: i64,
    pub output: NewOutput,
    pub realtime: Vec<ScoreRow>,
}

/// How the recorder is set up.
#[derive(Debug, Clone)]
pub struct RecorderSettings {
    /// Checks that may wait in memory.
    pub capacity: usize,
    /// The journal's folder; `None`: no journal, a check the queue cannot take is not recorded.
    pub journal: Option<PathBuf>,
    /// The most the journal may hold on disk.
    pub journal_limit_bytes: u64,
    /// Writer tasks storing batches concurrently.
    pub writers: usize,
}

impl Default for RecorderSettings {
    fn default() -> Self {
        Self {
            capacity: 4_096,
            journal: None,
            journal_limit_bytes: 1 << 30,
            writers: 2,
        }
    }
}

/// What became of the checks still waiting when the server stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Waiting (queued or being written) when the drain began.
    pub waiting: usize,
    /// Left in the queue at the deadline and written to the journal.
    pub journaled: usize,
    /// Left in the queue at the deadline and not recorded (no journal, or it refused them).
    pub lost: usize,
}

/// Records checks in the background; cheap to clone.
#[derive(Debug, Clone)]
pub struct CheckRecorder {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    sender: mpsc::Sender<Check>,
    receiver: Mutex<mpsc::Receiver<Check>>,
    capacity: usize,
    pool: PgPool,
    scorers: Arc<ScorerCache>,
    telemetry: Arc<Telemetry>,
    journal: Option<Journal>,
    /// Checks taken from the queue and not yet stored or journaled.
    in_flight: AtomicUsize,
    stop: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl CheckRecorder {
    /// Opens the journal (when set) and starts the writer tasks and the journal's replay.
    pub fn start(
        pool: PgPool,
        scorers: Arc<ScorerCache>,
        settings: RecorderSettings,
        telemetry: Arc<Telemetry>,
    ) -> Result<Self, String> {
        let journal = match &settings.journal {
            Some(dir) => Some(
                Journal::open(dir, settings.journal_limit_bytes)
                    .map_err(|e| format!("cannot open the check journal in {}: {e}", dir.display()))?,
            ),
            None => None,
        };
        let capacity = settings.capacity.max(1);
        let (sender, receiver) = mpsc::channel(capacity);
        let inner = Arc::new(Inner {
            sender,
            receiver: Mutex::new(receiver),
            capacity,
            pool,
            scorers,
            telemetry,
            journal,
            in_flight: AtomicUsize::new(0),
            stop: watch::Sender::new(false),
            tasks: std::sync::Mutex::default(),
        });
        inner.report_pending();
        let mut tasks: Vec<_> = (0..settings.writers.max(1))
            .map(|_| tokio::spawn(write_loop(inner.clone())))
            .collect();
        if inner.journal.is_some() {
            tasks.push(tokio::spawn(replay_loop(inner.clone())));
        }
        *inner.tasks.lock().unwrap_or_else(|e| e.into_inner()) = tasks;
        Ok(Self { inner })
    }

    /// Takes a check for recording without waiting: `true` when it is queued or journaled (it
    /// will be stored), `false` when it could not be taken (counted in
    /// `vernier_checks_unrecorded_total` by reason).
    pub fn record(&self, check: Check) -> bool {
        let inner = &self.inner;
        if *inner.stop.borrow() {
            return inner.spill(vec![check], "recorder_stopped");
        }
        match inner.sender.try_send(check) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(check)) => inner.spill(vec![check], "queue_full"),
            Err(mpsc::error::TrySendError::Closed(check)) => inner.spill(vec![check], "recorder_stopped"),
        }
    }

    /// Checks waiting in memory (queued or being written).
    pub fn waiting(&self) -> usize {
        self.inner.waiting()
    }

    /// Checks waiting in the journal.
    pub fn journaled(&self) -> u64 {
        self.inner.journal.as_ref().map_or(0, Journal::pending)
    }

    /// Stops recording: waits up to `within` for the queue to be stored, then writes what is
    /// left to the journal (replayed at the next start) and syncs it. Logs and answers the
    /// outcome; checks recorded after this go to the journal directly.
    pub async fn shutdown(&self, within: Duration) -> Drained {
        let inner = &self.inner;
        let waiting = inner.waiting();
        let deadline = tokio::time::Instant::now() + within;
        while inner.waiting() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        inner.stop.send_replace(true);
        let tasks = std::mem::take(&mut *inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
        let mut left = Vec::new();
        {
            let mut receiver = inner.receiver.lock().await;
            while let Ok(check) = receiver.try_recv() {
                left.push(check);
            }
        }
        let mut drained = Drained {
            waiting,
            ..Drained::default()
        };
        let count = left.len();
        if count > 0 {
            if inner.spill(left, "recorder_stopped") {
                drained.journaled = count;
            } else {
                drained.lost = count;
            }
        }
        if let Some(journal) = &inner.journal {
            if let Err(error) = journal.seal() {
                tracing::error!("syncing the check journal at shutdown: {error}");
            }
        }
        tracing::info!(
            "check recording stopped: {} waiting when the drain began, {} of them written to the journal, \
             {} not recorded; {} in the journal for the next start",
            drained.waiting,
            drained.journaled,
            drained.lost,
            self.journaled()
        );
        drained
    }
}

impl Inner {
    fn waiting(&self) -> usize {
        (self.capacity - self.sender.capacity()) + self.in_flight.load(Ordering::SeqCst)
    }

    /// Writes checks to the journal: `true` when written; otherwise they are counted as not
    /// recorded, under `reason` when there is no journal.
    fn spill(&self, checks: Vec<Check>, reason: &'static str) -> bool {
        let count = checks.len() as u64;
        let result = match &self.journal {
            None => Err(reason),
            Some(journal) => journal.append(&checks).map_err(|refused| match refused {
                journal::Refused::Full => "journal_full",
                journal::Refused::Io(error) => {
                    tracing::error!("writing {count} check(s) to the journal failed: {error}");
                    "journal_error"
                }
            }),
        };
        match result {
            Ok(()) => {
                self.telemetry.journaled_checks(count);
                self.report_pending();
                true
            }
            Err(reason) => {
                tracing::warn!("{count} check(s) answered but not recorded: {reason}");
                self.telemetry.unrecorded_checks(reason, count);
                false
            }
        }
    }

    fn report_pending(&self) {
        let journaled = self.journal.as_ref().map_or(0, Journal::pending);
        self.telemetry
            .pending_checks(self.waiting() as i64, journaled as i64);
    }
}

/// Takes batches from the queue and stores them until the recorder stops.
async fn write_loop(inner: Arc<Inner>) {
    let mut stop = inner.stop.subscribe();
    loop {
        let batch = {
            let mut receiver = inner.receiver.lock().await;
            next_batch(&inner, &mut receiver, &mut stop).await
        };
        let Some(batch) = batch else { break };
        let count = batch.len();
        match store(&inner.pool, &inner.scorers, &batch).await {
            Ok(()) => inner.telemetry.recorded_checks(count as u64),
            Err(error) => {
                tracing::error!("storing {count} recorded check(s) failed, journaling them: {error}");
                inner.spill(batch, "storage_error");
            }
        }
        inner.in_flight.fetch_sub(count, Ordering::SeqCst);
        inner.report_pending();
    }
}

/// The next batch: the first check, then whatever follows within [`WINDOW`], up to [`BATCH`].
/// `None` once the recorder stops.
async fn next_batch(
    inner: &Inner,
    receiver: &mut mpsc::Receiver<Check>,
    stop: &mut watch::Receiver<bool>,
) -> Option<Vec<Check>> {
    let first = tokio::select! {
        biased;
        _ = stop.wait_for(|stopped| *stopped) => return None,
        check = receiver.recv() => check?,
    };
    inner.in_flight.fetch_add(1, Ordering::SeqCst);
    let mut batch = vec![first];
    let deadline = tokio::time::Instant::now() + WINDOW;
    while batch.len() < BATCH {
        let next = match receiver.try_recv() {
            Ok(check) => Some(check),
            Err(mpsc::error::TryRecvError::Empty) => tokio::time::timeout_at(deadline, receiver.recv())
                .await
                .ok()
                .flatten(),
            Err(mpsc::error::TryRecvError::Disconnected) => None,
        };
        let Some(check) = next else { break };
        inner.in_flight.fetch_add(1, Ordering::SeqCst);
        batch.push(check);
    }
    Some(batch)
}

/// Stores a batch in one transaction.
async fn store(pool: &PgPool, scorers: &ScorerCache, checks: &[Check]) -> Result<(), AppError> {
    let mut tx = pool.begin().await.map_err(db::database)?;
    store_in(&mut tx, pool, scorers, checks).await?;
    tx.commit().await.map_err(db::database)?;
    Ok(())
}

/// Stores checks in the caller's transaction: per project, the outputs with the verdicts of
/// their answers (those of metrics still active) and the scores of the project's other active
/// automated metrics, computed on the scoring pool.
async fn store_in(
    connection: &mut PgConnection,
    pool: &PgPool,
    cache: &ScorerCache,
    checks: &[Check],
) -> Result<(), AppError> {
    let mut projects: BTreeMap<i64, Vec<&Check>> = BTreeMap::new();
    for check in checks {
        projects.entry(check.project_id).or_default().push(check);
    }
    for (project_id, checks) in projects {
        let scorers = cache.get(pool, project_id).await?;
        let active: HashSet<i64> = scorers.all.iter().map(|s| s.metric_id).collect();
        let others: Vec<ActiveScorer> = scorers
            .all
            .iter()
            .filter(|s| s.cadence != Cadence::RealTime)
            .cloned()
            .collect();
        let outputs: Vec<NewOutput> = checks.iter().map(|c| c.output.clone()).collect();
        let (outputs, mut scored) = if others.is_empty() {
            let none = vec![Vec::new(); outputs.len()];
            (outputs, none)
        } else {
            super::cpu::run("score recorded checks", move || {
                let scored = super::ingest::score_in_parallel(&others, &outputs);
                (outputs, scored)
            })
            .await?
        };
        let ingested = db::outputs::ingest(connection, project_id, &outputs, |index, _| {
            let mut rows: Vec<ScoreRow> = checks[index]
                .realtime
                .iter()
                .filter(|row| active.contains(&row.metric_id))
                .cloned()
                .collect();
            rows.append(&mut scored[index]);
            rows
        })
        .await?;
        super::feedback::attach_waiting(connection, project_id, &outputs, &ingested).await?;
    }
    Ok(())
}

/// Replays the journal whenever the queue has room, every second, until the recorder stops.
async fn replay_loop(inner: Arc<Inner>) {
    let mut stop = inner.stop.subscribe();
    loop {
        tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => break,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        if let Err(error) = replay(&inner, &stop).await {
            tracing::warn!("replaying the check journal: {error}; trying again shortly");
        }
        inner.report_pending();
    }
}

/// Whether live checks should go first: the queue is more than half full.
fn busy(inner: &Inner) -> bool {
    inner.waiting() > inner.capacity / 2
}

/// Stores the journal's sealed segments, oldest first, a batch per transaction, each with its
/// progress; a segment is deleted once stored whole.
async fn replay(inner: &Inner, stop: &watch::Receiver<bool>) -> Result<(), AppError> {
    let Some(journal) = &inner.journal else {
        return Ok(());
    };
    let io = |e: std::io::Error| AppError::internal("read the check journal", e);
    if busy(inner) {
        return Ok(());
    }
    journal.seal().map_err(io)?;
    for segment in journal.sealed().map_err(io)? {
        let read = journal.read(&segment).map_err(io)?;
        loop {
            if *stop.borrow() || busy(inner) {
                return Ok(());
            }
            let mut tx = inner.pool.begin().await.map_err(db::database)?;
            let done = db::check_journal::claim(&mut tx, &segment.name).await?;
            if done >= read.checks.len() {
                break;
            }
            let chunk = &read.checks[done..(done + BATCH).min(read.checks.len())];
            match store_in(&mut tx, &inner.pool, &inner.scorers, chunk).await {
                Ok(()) => {
                    db::check_journal::advance(&mut tx, &segment.name, done + chunk.len()).await?;
                    tx.commit().await.map_err(db::database)?;
                    inner.telemetry.recorded_checks(chunk.len() as u64);
                }
                Err(error) => {
                    drop(tx);
                    set_aside_refused(inner, &segment.name, done, chunk, error).await?;
                }
            }
        }
        if read.unreadable > 0 {
            tracing::error!(segment = %segment.name, "{} journal line(s) could not be read back", read.unreadable);
            inner
                .telemetry
                .unrecorded_checks("journal_unreadable", read.unreadable as u64);
        }
        // The file goes first: a crash before its progress is forgotten leaves a row that
        // names no file, never a file whose progress is lost.
        let lines = read.checks.len() + read.unreadable;
        let remove = journal.delete(&segment);
        db::check_journal::forget(&inner.pool, &segment.name).await?;
        remove.map_err(io)?;
        journal.replayed(lines);
    }
    Ok(())
}

/// A replayed chunk failed. When the database answers, each of its checks is tried alone and
/// one the database refuses (its project deleted, say) is counted and passed over; when it does
/// not, the replay stops and tries again later.
async fn set_aside_refused(
    inner: &Inner,
    segment: &str,
    done: usize,
    chunk: &[Check],
    error: AppError,
) -> Result<(), AppError> {
    sqlx::query("SELECT 1")
        .execute(&inner.pool)
        .await
        .map_err(|_| error)?;
    for (offset, check) in chunk.iter().enumerate() {
        let mut tx = inner.pool.begin().await.map_err(db::database)?;
        if db::check_journal::claim(&mut tx, segment).await? != done + offset {
            // Another server replays this segment.
            return Ok(());
        }
        let stored = store_in(&mut tx, &inner.pool, &inner.scorers, std::slice::from_ref(check)).await;
        let mut tx = match stored {
            Ok(()) => {
                inner.telemetry.recorded_checks(1);
                tx
            }
            Err(refused) => {
                drop(tx);
                tracing::error!(
                    segment,
                    "a journaled check was refused by the database and is not recorded: {refused}"
                );
                inner.telemetry.unrecorded_checks("storage_error", 1);
                let mut again = inner.pool.begin().await.map_err(db::database)?;
                db::check_journal::claim(&mut again, segment).await?;
                again
            }
        };
        db::check_journal::advance(&mut tx, segment, done + offset + 1).await?;
        tx.commit().await.map_err(db::database)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
