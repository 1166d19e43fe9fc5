//! Database tests of re-scoring jobs: superseding, leases, progress and the end of a job.

use super::*;
use crate::server::db::fixture::{active_no_delve, fixture, ingest};
use serde_json::json;

fn range() -> (DateTime<Utc>, DateTime<Utc>) {
    (
        Utc::now() - chrono::Duration::days(1),
        Utc::now() + chrono::Duration::days(1),
    )
}

async fn enqueue(pool: &PgPool, project: i64, metric: i64, by: Option<i64>) -> i64 {
    let mut tx = pool.begin().await.unwrap();
    let id = enqueue_in(&mut tx, project, metric, JobReason::Requested, range(), by)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_job_supersedes_the_open_one_and_a_lease_keeps_a_job_to_one_worker(pool: PgPool) {
    let f = fixture(&pool).await;
    // Activation queues a job of its own; it is superseded by the requested one.
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    ingest(
        &pool,
        f.project,
        vec![
            json!({"version": "v1", "output": "a"}),
            json!({"version": "v1", "output": "b"}),
        ],
    )
    .await;
    let job = enqueue(&pool, f.project, metric, Some(f.owner)).await;
    let jobs = of_metric(&pool, metric, 10).await.unwrap();
    assert_eq!(jobs[0].id, job);
    assert_eq!(
        (jobs[0].status, jobs[0].created_by.as_deref()),
        (JobStatus::Queued, Some("owner"))
    );
    assert!(jobs[1..]
        .iter()
        .all(|j| j.status == JobStatus::Cancelled && j.message == format!("superseded by job {job}")));

    let claimed = claim(&pool, 60).await.unwrap().expect("the queued job");
    assert_eq!((claimed.id, claimed.cursor, claimed.total), (job, 0, None));
    assert!(
        claim(&pool, 60).await.unwrap().is_none(),
        "leased to the first worker"
    );
    assert_eq!(count_total(&pool, &claimed).await.unwrap(), 2);

    let mut tx = pool.begin().await.unwrap();
    assert!(advance(&mut tx, job, 41, 2, 1).await.unwrap());
    tx.commit().await.unwrap();
    let resumed = claim(&pool, 60)
        .await
        .unwrap()
        .expect("the lease is released after a chunk");
    assert_eq!((resumed.cursor, resumed.total), (41, Some(2)));
    finish(&pool, job, JobStatus::Done, "").await.unwrap();
    let done = &of_metric(&pool, metric, 1).await.unwrap()[0];
    assert_eq!(
        (done.status, done.done, done.errors, done.finished_at.is_some()),
        (JobStatus::Done, 2, 1, true)
    );

    let mut tx = pool.begin().await.unwrap();
    assert!(
        !advance(&mut tx, job, 50, 1, 0).await.unwrap(),
        "a finished job does not advance"
    );
    assert!(claim(&pool, 60).await.unwrap().is_none());
}

#[sqlx::test(migrations = "../migrations")]
async fn open_jobs_of_a_project_can_be_finished_at_once(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = active_no_delve(&pool, &f, "no-delve").await;
    enqueue(&pool, f.project, metric, None).await;
    assert_eq!(
        finish_open(&pool, f.project, "scored at ingest").await.unwrap(),
        1
    );
    assert!(claim(&pool, 60).await.unwrap().is_none());
    let job = &of_metric(&pool, metric, 1).await.unwrap()[0];
    assert_eq!(
        (job.status, job.message.as_str()),
        (JobStatus::Done, "scored at ingest")
    );
}
