//! The recorder against a real database. These tests run on a single-threaded runtime, so the
//! writer tasks run only when a test awaits: a burst recorded without awaiting meets a full
//! queue from its second check on, whatever the machine's speed.

use super::*;
use crate::server::db::fixture;
use std::path::Path;

/// A fresh folder for a journal, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "vernier-journal-{name}-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        Folder(path)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn settings(capacity: usize, journal: Option<&Path>) -> RecorderSettings {
    RecorderSettings {
        capacity,
        journal: journal.map(Path::to_owned),
        writers: 1,
        ..RecorderSettings::default()
    }
}

fn check(project_id: i64, i: usize) -> Check {
    let output = crate::domain::output::validate(
        vec![serde_json::json!({"input": "Hallo", "output": format!("Guten Tag, Anfrage {i}"), "version": "v1"})],
        chrono::Utc::now(),
    )
    .unwrap()
    .remove(0);
    Check {
        project_id,
        output,
        realtime: Vec::new(),
    }
}

async fn stored(pool: &PgPool, project: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outputs WHERE project_id = $1")
        .bind(project)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Waits (by polling, bounded) until the recorder holds nothing in memory or on disk.
async fn settle(recorder: &CheckRecorder) {
    for _ in 0..3_000 {
        if recorder.waiting() == 0 && recorder.journaled() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the recorder did not settle: {} waiting, {} journaled",
        recorder.waiting(),
        recorder.journaled()
    );
}

fn counter(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} is not in\n{text}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_burst_larger_than_the_queue_is_stored_in_full_through_the_journal(pool: PgPool) {
    let f = fixture::fixture(&pool).await;
    let folder = Folder::new("burst");
    let telemetry = Telemetry::new(None);
    let recorder = CheckRecorder::start(
        pool.clone(),
        Arc::default(),
        settings(4, Some(&folder.0)),
        telemetry.clone(),
    )
    .unwrap();
    let taken = (0..250).filter(|i| recorder.record(check(f.project, *i))).count();
    assert_eq!(taken, 250, "every check is taken: queued or journaled");
    assert_eq!(
        recorder.journaled(),
        246,
        "the queue holds 4, the journal the rest"
    );
    settle(&recorder).await;
    assert_eq!(stored(&pool, f.project).await, 250);
    let text = telemetry.render(&pool).await.unwrap();
    assert_eq!(counter(&text, "vernier_checks_recorded_total"), 250);
    assert_eq!(counter(&text, "vernier_checks_journaled_total"), 246);
    for reason in crate::server::telemetry::UNRECORDED_REASONS {
        assert_eq!(
            counter(
                &text,
                &format!("vernier_checks_unrecorded_total{{reason=\"{reason}\"}}")
            ),
            0
        );
    }
    let left: usize = std::fs::read_dir(&folder.0).unwrap().count();
    assert_eq!(left, 0, "replayed segments are deleted");
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_journal_what_the_queue_cannot_take_is_counted_and_the_rest_stored(pool: PgPool) {
    let f = fixture::fixture(&pool).await;
    let telemetry = Telemetry::new(None);
    let recorder =
        CheckRecorder::start(pool.clone(), Arc::default(), settings(3, None), telemetry.clone()).unwrap();
    let taken = (0..10).filter(|i| recorder.record(check(f.project, *i))).count();
    assert_eq!(taken, 3);
    settle(&recorder).await;
    let text = telemetry.render(&pool).await.unwrap();
    let unrecorded = counter(&text, "vernier_checks_unrecorded_total{reason=\"queue_full\"}");
    assert_eq!(
        (stored(&pool, f.project).await, unrecorded),
        (3, 7),
        "stored + counted = answered"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn shutdown_stores_the_queue_within_its_time(pool: PgPool) {
    let f = fixture::fixture(&pool).await;
    let recorder = CheckRecorder::start(
        pool.clone(),
        Arc::default(),
        settings(500, None),
        Telemetry::new(None),
    )
    .unwrap();
    for i in 0..300 {
        assert!(recorder.record(check(f.project, i)));
    }
    let drained = recorder.shutdown(Duration::from_secs(60)).await;
    assert_eq!(
        drained,
        Drained {
            waiting: 300,
            journaled: 0,
            lost: 0
        }
    );
    assert_eq!(stored(&pool, f.project).await, 300);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_shutdown_out_of_time_journals_the_rest_and_the_next_start_stores_it_once(pool: PgPool) {
    let f = fixture::fixture(&pool).await;
    let folder = Folder::new("restart");
    let first = CheckRecorder::start(
        pool.clone(),
        Arc::default(),
        settings(500, Some(&folder.0)),
        Telemetry::new(None),
    )
    .unwrap();
    for i in 0..120 {
        assert!(first.record(check(f.project, i)));
    }
    // No time to store anything: all 120 go to the journal.
    let drained = first.shutdown(Duration::ZERO).await;
    assert_eq!((drained.waiting, drained.journaled, drained.lost), (120, 120, 0));
    assert_eq!(stored(&pool, f.project).await, 0);
    // A check recorded after the shutdown goes to the journal too.
    assert!(first.record(check(f.project, 120)));
    assert_eq!(first.journaled(), 121);
    // Its segment is sealed by the next shutdown (or, were the process gone, by the next start).
    assert_eq!(first.shutdown(Duration::ZERO).await, Drained::default());

    let second = CheckRecorder::start(
        pool.clone(),
        Arc::default(),
        settings(500, Some(&folder.0)),
        Telemetry::new(None),
    )
    .unwrap();
    assert_eq!(second.journaled(), 121, "the next start finds the journal");
    settle(&second).await;
    assert_eq!(stored(&pool, f.project).await, 121);
    let progress: i64 = sqlx::query_scalar("SELECT count(*) FROM check_journal_progress")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(progress, 0, "finished segments are forgotten");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_segment_replayed_again_after_a_crash_stores_only_what_it_had_not(pool: PgPool) {
    let f = fixture::fixture(&pool).await;
    let folder = Folder::new("crash");
    let journal = Journal::open(&folder.0, 1 << 20).unwrap();
    let checks: Vec<Check> = (0..5).map(|i| check(f.project, i)).collect();
    journal.append(&checks).unwrap();
    journal.seal().unwrap();
    let segment = journal.sealed().unwrap().remove(0);
    // A crash after the first three were stored with their progress, before the file was
    // deleted; and half a line at the end, cut inside a character, as a killed process may
    // leave.
    let mut tx = pool.begin().await.unwrap();
    db::check_journal::advance(&mut tx, &segment.name, 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&segment.path)
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, b"{\"project_id\": 1, \"output\": \"Gr\xc3")
        })
        .unwrap();
    drop(journal);

    let telemetry = Telemetry::new(None);
    let recorder = CheckRecorder::start(
        pool.clone(),
        Arc::default(),
        settings(16, Some(&folder.0)),
        telemetry.clone(),
    )
    .unwrap();
    settle(&recorder).await;
    let outputs: Vec<String> =
        sqlx::query_scalar("SELECT output FROM outputs WHERE project_id = $1 ORDER BY id")
            .bind(f.project)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(outputs, ["Guten Tag, Anfrage 3", "Guten Tag, Anfrage 4"]);
    let text = telemetry.render(&pool).await.unwrap();
    assert_eq!(
        counter(
            &text,
            "vernier_checks_unrecorded_total{reason=\"journal_unreadable\"}"
        ),
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_full_journal_refuses_and_counts(pool: PgPool) {
    let f = fixture::fixture(&pool).await;
    let folder = Folder::new("full");
    let telemetry = Telemetry::new(None);
    let recorder = CheckRecorder::start(
        pool.clone(),
        Arc::default(),
        RecorderSettings {
            journal_limit_bytes: 2_000,
            ..settings(1, Some(&folder.0))
        },
        telemetry.clone(),
    )
    .unwrap();
    let taken = (0..40).filter(|i| recorder.record(check(f.project, *i))).count();
    let journaled = recorder.journaled() as usize;
    assert!(journaled > 0 && journaled < 39, "{journaled} journaled");
    assert_eq!(taken, 1 + journaled);
    settle(&recorder).await;
    let text = telemetry.render(&pool).await.unwrap();
    let refused = counter(&text, "vernier_checks_unrecorded_total{reason=\"journal_full\"}") as usize;
    assert_eq!(refused, 40 - taken);
    assert_eq!(stored(&pool, f.project).await as usize, taken);
}

#[test]
fn a_segment_left_open_by_a_dead_process_is_sealed_when_the_journal_opens() {
    let folder = Folder::new("left-open");
    std::fs::create_dir_all(&folder.0).unwrap();
    let line = serde_json::to_string(&check(1, 0)).unwrap();
    // No process has this id (Linux's ids stay below 2^22).
    let left = folder
        .0
        .join("checks-00000000000000000001-4294967294-000000.jsonl.open");
    std::fs::write(&left, format!("{line}\n{line}\n")).unwrap();
    let journal = Journal::open(&folder.0, 1 << 20).unwrap();
    assert_eq!(journal.pending(), 2);
    let sealed = journal.sealed().unwrap();
    assert_eq!(sealed.len(), 1);
    assert_eq!(journal.read(&sealed[0]).unwrap().checks.len(), 2);
    // A segment being written is never listed.
    journal.append(&[check(1, 1)]).unwrap();
    assert_eq!(journal.sealed().unwrap().len(), 1);
    journal.seal().unwrap();
    assert_eq!(journal.sealed().unwrap().len(), 2);
}
