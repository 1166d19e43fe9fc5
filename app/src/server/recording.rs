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
    /// Written to the journal during the drain (left at the deadline, or in a batch that failed).
    pub journaled: usize,
    /// Not recorded during the drain (no journal, or it refused them; a batch abandoned).
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
    journal: Option<Arc<Journal>>,
    /// Checks written to the journal and checks not recorded, since the start.
    spilled: AtomicUsize,
    lost: AtomicUsize,
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
            Some(dir) => Some(Arc::new(
                Journal::open(dir, settings.journal_limit_bytes)
                    .map_err(|e| format!("cannot open the check journal in {}: {e}", dir.display()))?,
            )),
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
            spilled: AtomicUsize::new(0),
            lost: AtomicUsize::new(0),
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
        self.inner.journal.as_ref().map_or(0, |j| j.pending())
    }

    /// Stops recording: waits up to `within` for the queue to be stored, then writes what is
    /// left to the journal (replayed at the next start) and syncs it. A writer still busy
    /// [`GRACE`] after the deadline is abandoned and its batch counted as not recorded. Logs and
    /// answers the outcome; checks recorded after this go to the journal directly.
    pub async fn shutdown(&self, within: Duration) -> Drained {
        let inner = &self.inner;
        let waiting = inner.waiting();
        let (spilled, lost) = (
            inner.spilled.load(Ordering::SeqCst),
            inner.lost.load(Ordering::SeqCst),
        );
        let deadline = tokio::time::Instant::now() + within;
        while inner.waiting() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        inner.stop.send_replace(true);
        let tasks = std::mem::take(&mut *inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        let abandon_at = tokio::time::Instant::now().max(deadline) + GRACE;
        for mut task in tasks {
            if tokio::time::timeout_at(abandon_at, &mut task).await.is_err() {
                task.abort();
            }
        }
        let abandoned = inner.in_flight.swap(0, Ordering::SeqCst);
        if abandoned > 0 {
            tracing::error!(
                "{abandoned} check(s) being stored when the drain ran out of time are not recorded"
            );
            inner
                .telemetry
                .unrecorded_checks("recorder_stopped", abandoned as u64);
            inner.lost.fetch_add(abandoned, Ordering::SeqCst);
        }
        let mut left = Vec::new();
        {
            let mut receiver = inner.receiver.lock().await;
            // A check recorded from now on finds the queue closed and goes to the journal.
            receiver.close();
            while let Ok(check) = receiver.try_recv() {
                left.push(check);
            }
        }
        if !left.is_empty() {
            inner.spill(left, "recorder_stopped");
        }
        if let Some(journal) = &inner.journal {
            if let Err(error) = journal.seal() {
                tracing::error!("syncing the check journal at shutdown: {error}");
            }
        }
        let drained = Drained {
            waiting,
            journaled: inner.spilled.load(Ordering::SeqCst) - spilled,
            lost: inner.lost.load(Ordering::SeqCst) - lost,
        };
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

/// How long a writer may go on storing its batch after the drain's deadline.
pub const GRACE: Duration = Duration::from_secs(5);

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
                self.spilled.fetch_add(count as usize, Ordering::SeqCst);
                self.telemetry.journaled_checks(count);
                self.report_pending();
                true
            }
            Err(reason) => {
                tracing::warn!("{count} check(s) answered but not recorded: {reason}");
                self.lost.fetch_add(count as usize, Ordering::SeqCst);
                self.telemetry.unrecorded_checks(reason, count);
                false
            }
        }
    }

    fn report_pending(&self) {
        let journaled = self.journal.as_ref().map_or(0, |j| j.pending());
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
    let Some(journal) = inner.journal.clone() else {
        return Ok(());
    };
    if busy(inner) {
        return Ok(());
    }
    // File work (a sync, a read of up to a segment) off the request threads.
    let files = journal.clone();
    let segments = tokio::task::spawn_blocking(move || {
        files.seal()?;
        files.sealed()
    })
    .await
    .map_err(|e| AppError::internal("read the check journal", e))?
    .map_err(|e| AppError::internal("read the check journal", e))?;
    for segment in segments {
        let (files, path) = (journal.clone(), segment.clone());
        let read = tokio::task::spawn_blocking(move || files.read(&path))
            .await
            .map_err(|e| AppError::internal("read the check journal", e))?
            .map_err(|e| AppError::internal("read the check journal", e))?;
        loop {
            if *stop.borrow() || busy(inner) {
                return Ok(());
            }
            let mut tx = inner.pool.begin().await.map_err(db::database)?;
            let done = db::check_journal::claim(&mut tx, &segment.name).await?;
            // Another server sharing the folder finished the segment (it deletes the file
            // before forgetting its progress).
            if done >= read.checks.len() || !segment.path.exists() {
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
                    tracing::warn!(segment = %segment.name, "replaying {} journaled check(s) failed, trying each alone: {error}", chunk.len());
                    one_by_one(inner, stop, &segment.name, done, chunk).await?;
                }
            }
        }
        if read.unreadable > 0 {
            tracing::error!(segment = %segment.name, "{} journal line(s) could not be read back", read.unreadable);
            inner
                .telemetry
                .unrecorded_checks("journal_unreadable", read.unreadable as u64);
            inner.lost.fetch_add(read.unreadable, Ordering::SeqCst);
        }
        // The file goes first: a crash before its progress is forgotten leaves a row that
        // names no file, never a file whose progress is lost.
        journal
            .delete(&segment)
            .map_err(|e| AppError::internal("delete a replayed journal segment", e))?;
        journal.replayed(read.checks.len() + read.unreadable);
        db::check_journal::forget(&inner.pool, &segment.name).await?;
    }
    Ok(())
}

/// Attempts at a journaled check before it counts as refused.
const ATTEMPTS: usize = 3;

/// Stores a chunk that failed as a whole check by check. A check that fails [`ATTEMPTS`] times
/// while the database answers (its project deleted, say) is counted as not recorded and passed
/// over; when the database does not answer, the replay stops and tries again later.
async fn one_by_one(
    inner: &Inner,
    stop: &watch::Receiver<bool>,
    segment: &str,
    done: usize,
    chunk: &[Check],
) -> Result<(), AppError> {
    for (offset, check) in chunk.iter().enumerate() {
        let position = done + offset;
        let mut attempt = 0;
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            sqlx::query("SELECT 1")
                .execute(&inner.pool)
                .await
                .map_err(db::database)?;
            let mut tx = inner.pool.begin().await.map_err(db::database)?;
            if db::check_journal::claim(&mut tx, segment).await? != position {
                // Another server replays this segment.
                return Ok(());
            }
            attempt += 1;
            match store_in(&mut tx, &inner.pool, &inner.scorers, std::slice::from_ref(check)).await {
                Ok(()) => {
                    db::check_journal::advance(&mut tx, segment, position + 1).await?;
                    tx.commit().await.map_err(db::database)?;
                    inner.telemetry.recorded_checks(1);
                    break;
                }
                Err(error) if attempt >= ATTEMPTS => {
                    drop(tx);
                    tracing::error!(
                        segment,
                        "a journaled check was refused {ATTEMPTS} times and is not recorded: {error}"
                    );
                    let mut tx = inner.pool.begin().await.map_err(db::database)?;
                    if db::check_journal::claim(&mut tx, segment).await? != position {
                        return Ok(());
                    }
                    db::check_journal::advance(&mut tx, segment, position + 1).await?;
                    tx.commit().await.map_err(db::database)?;
                    inner.telemetry.unrecorded_checks("storage_error", 1);
                    inner.lost.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                Err(_) => {
                    drop(tx);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
