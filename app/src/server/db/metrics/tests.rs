//! Database tests of metrics: lifecycle, history, exact money, validation, filters, queue.

use super::*;
use crate::domain::metric::filter::MetricFilter;
use crate::domain::metric::review;
use crate::domain::metric::MetricInput;
use crate::server::db::fixture::{fixture, Fixture};
use crate::server::db::metric_history;
use crate::server::metric_lifecycle::{create as insert, set_status, update};

/// The domain's test metric under another key, costing $0.10 per failure.
fn input(key: &str) -> MetricInput {
    MetricInput {
        key: key.into(),
        name: format!("Metric {key}"),
        owner: "owner".into(),
        cost_per_failure: "0.10".into(),
        tags: "tone".into(),
        ..crate::domain::metric::tests::input()
    }
}

async fn create(pool: &PgPool, f: &Fixture, input: MetricInput) -> MetricView {
    insert(pool, f.project, &input.parse().unwrap(), f.owner)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_metric_is_a_draft_with_its_creation_recorded(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = create(&pool, &f, input("no-delve")).await;
    assert_eq!(
        (
            metric.status,
            metric.owner_name.as_str(),
            metric.project_slug.as_str()
        ),
        (Status::Draft, "Otto Owner", "bot")
    );
    let history = metric_history::list(&pool, metric.id).await.unwrap();
    assert_eq!(
        (
            history.len(),
            history[0].field.as_str(),
            history[0].changed_by.as_str()
        ),
        (1, "created", "Otto Owner")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_lifecycle_needs_a_reason_to_retire_and_allows_reactivation(pool: PgPool) {
    let f = fixture(&pool).await;
    create(&pool, &f, input("no-delve")).await;
    let active = set_status(&pool, f.project, "no-delve", Status::Active, "", f.owner)
        .await
        .unwrap();
    assert_eq!(active.status, Status::Active);
    let error = set_status(&pool, f.project, "no-delve", Status::Retired, "  ", f.owner)
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("reason"));
    assert_eq!(
        find(&pool, f.project, "no-delve").await.unwrap().unwrap().status,
        Status::Active,
        "a refused retire changes nothing"
    );

    let retired = set_status(
        &pool,
        f.project,
        "no-delve",
        Status::Retired,
        "Never fails any more",
        f.owner,
    )
    .await
    .unwrap();
    assert_eq!(
        (retired.status, retired.status_reason.as_str()),
        (Status::Retired, "Never fails any more")
    );
    assert!(
        set_status(&pool, f.project, "no-delve", Status::Draft, "", f.owner)
            .await
            .is_err()
    );
    assert_eq!(
        set_status(&pool, f.project, "no-delve", Status::Active, "", f.owner)
            .await
            .unwrap()
            .status,
        Status::Active
    );

    let history = metric_history::list(&pool, retired.id).await.unwrap();
    let statuses: Vec<(String, String)> = history
        .iter()
        .filter(|c| c.field == "status")
        .map(|c| (c.old_value.clone(), c.new_value.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("retired".into(), "active".into()),
            ("active".into(), "retired: Never fails any more".into()),
            ("draft".into(), "active".into())
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn each_kind_of_change_is_recorded_with_old_and_new_values(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = create(&pool, &f, input("no-delve")).await;
    let mut edited = input("no-delve");
    edited.cost_per_failure = "2.50".into();
    edited.threshold = "0.5".into();
    edited.scorer = r#"{"kind": "not_contains", "words": ["delve", "tapestry"]}"#.into();
    edited.owner = "olga".into();
    edited.review_date = "2027-03-31".into();
    edited.retirement_date = "2027-12-31".into();
    let updated = update(&pool, f.project, "no-delve", &edited.parse().unwrap(), f.owner)
        .await
        .unwrap();
    assert_eq!(updated.owner_name, "Olga Other");

    let history = metric_history::list(&pool, metric.id).await.unwrap();
    let change = |field: &str| {
        history
            .iter()
            .find(|c| c.field == field)
            .map(|c| (c.old_value.as_str(), c.new_value.as_str()))
    };
    assert_eq!(change("cost_per_failure"), Some(("$0.10", "$2.50")));
    assert_eq!(
        change("pass_rule"),
        Some(("score at least 1", "score at least 0.5"))
    );
    assert_eq!(change("owner"), Some(("owner", "olga")));
    assert_eq!(change("review_date"), Some(("2027-01-31", "2027-03-31")));
    assert_eq!(change("retirement_date"), Some(("—", "2027-12-31")));
    assert!(change("scorer").is_some_and(|(_, new)| new.contains("tapestry")));
    assert_eq!(
        history.len(),
        7,
        "six changed fields and the creation: {history:?}"
    );

    // Saving the same definition again records nothing.
    update(&pool, f.project, "no-delve", &edited.parse().unwrap(), f.owner)
        .await
        .unwrap();
    assert_eq!(metric_history::list(&pool, metric.id).await.unwrap().len(), 7);
}

#[sqlx::test(migrations = "../migrations")]
async fn money_is_stored_and_summed_exactly(pool: PgPool) {
    let f = fixture(&pool).await;
    let mut cheap = input("cheap");
    cheap.cost_per_evaluation = "0.0004".into();
    let metric = create(&pool, &f, cheap).await;
    assert_eq!(metric.definition.cost_per_failure.times(3).to_string(), "$0.30");
    assert_eq!(metric.definition.cost_per_evaluation, Money::from_micros(400));
    let three: i64 = sqlx::query_scalar("SELECT cost_per_failure * 3 FROM metrics WHERE id = $1")
        .bind(metric.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(Money::from_micros(three), Money::parse("total", "0.30").unwrap());
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_changes_are_refused_by_field_and_store_nothing(pool: PgPool) {
    let f = fixture(&pool).await;
    let metric = create(&pool, &f, input("no-delve")).await;
    let duplicate = insert(&pool, f.project, &input("no-delve").parse().unwrap(), f.owner)
        .await
        .unwrap_err();
    assert_eq!(duplicate.field(), Some("key"));

    let mut stranger = input("no-delve");
    stranger.owner = "nobody".into();
    stranger.cost_per_failure = "9".into();
    let error = update(&pool, f.project, "no-delve", &stranger.parse().unwrap(), f.owner)
        .await
        .unwrap_err();
    assert_eq!(error.field(), Some("owner"));
    let renamed = update(
        &pool,
        f.project,
        "no-delve",
        &input("other-key").parse().unwrap(),
        f.owner,
    )
    .await
    .unwrap_err();
    assert_eq!(renamed.field(), Some("key"));

    let stored = find(&pool, f.project, "no-delve").await.unwrap().unwrap();
    assert_eq!(
        stored.definition, metric.definition,
        "nothing may be half-written"
    );
    assert_eq!(metric_history::list(&pool, metric.id).await.unwrap().len(), 1);
    assert_eq!(
        list(&pool, Some(f.project), &Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_list_filters_by_each_field_and_by_text(pool: PgPool) {
    let f = fixture(&pool).await;
    let mut json = input("valid-json");
    json.name = "Reply is valid JSON".into();
    json.scorer = r#"{"kind": "valid_json"}"#.into();
    json.category = "format".into();
    json.cadence = "async".into();
    json.stage = "walk".into();
    json.owner = "olga".into();
    json.tags = "api, structure".into();
    create(&pool, &f, json).await;
    create(&pool, &f, input("no-delve")).await;
    set_status(&pool, f.project, "no-delve", Status::Active, "", f.owner)
        .await
        .unwrap();

    let keys = |filter: MetricFilter| {
        let pool = pool.clone();
        async move {
            let found = list(&pool, Some(f.project), &filter.parse().unwrap())
                .await
                .unwrap();
            found.into_iter().map(|m| m.definition.key).collect::<Vec<_>>()
        }
    };
    assert_eq!(keys(MetricFilter::default()).await, ["no-delve", "valid-json"]);
    assert_eq!(
        keys(MetricFilter {
            status: "active".into(),
            ..Default::default()
        })
        .await,
        ["no-delve"]
    );
    assert_eq!(
        keys(MetricFilter {
            stage: "walk".into(),
            ..Default::default()
        })
        .await,
        ["valid-json"]
    );
    assert_eq!(
        keys(MetricFilter {
            cadence: "real-time".into(),
            ..Default::default()
        })
        .await,
        ["no-delve"]
    );
    assert_eq!(
        keys(MetricFilter {
            category: "format".into(),
            ..Default::default()
        })
        .await,
        ["valid-json"]
    );
    assert_eq!(
        keys(MetricFilter {
            owner: "olga".into(),
            ..Default::default()
        })
        .await,
        ["valid-json"]
    );
    assert_eq!(
        keys(MetricFilter {
            tag: "tone".into(),
            ..Default::default()
        })
        .await,
        ["no-delve"]
    );
    assert_eq!(
        keys(MetricFilter {
            q: "JSON".into(),
            ..Default::default()
        })
        .await,
        ["valid-json"]
    );
    assert_eq!(
        keys(MetricFilter {
            q: "machine-written".into(),
            ..Default::default()
        })
        .await,
        ["no-delve", "valid-json"]
    );
    assert!(
        keys(MetricFilter {
            q: "100%".into(),
            ..Default::default()
        })
        .await
        .is_empty(),
        "% is matched literally"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_queue_holds_overdue_and_soon_retiring_metrics_but_not_retired_ones(pool: PgPool) {
    let f = fixture(&pool).await;
    let today: chrono::NaiveDate = "2026-11-24".parse().unwrap();
    let mut overdue = input("overdue");
    overdue.review_date = "2026-11-01".into();
    create(&pool, &f, overdue).await;
    let mut retiring = input("retiring");
    retiring.review_date = "2026-11-30".into();
    retiring.retirement_date = "2026-12-05".into();
    create(&pool, &f, retiring).await;
    create(&pool, &f, input("fine")).await;
    let mut gone = input("gone");
    gone.review_date = "2026-01-01".into();
    create(&pool, &f, gone).await;
    set_status(&pool, f.project, "gone", Status::Retired, "superseded", f.owner)
        .await
        .unwrap();

    let items = review::queue(
        queue_candidates(&pool, Some(&[f.project]), today, &[])
            .await
            .unwrap(),
        &review::QueueContext {
            today,
            quiet: Default::default(),
            quiet_days: 30,
            costly: Default::default(),
        },
    );
    let rows: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.metric.definition.key.clone(), i.reasons[0].describe()))
        .collect();
    assert_eq!(
        rows,
        [
            ("overdue".into(), "review overdue by 23 days".into()),
            ("retiring".into(), "retirement date in 11 days".into())
        ]
    );
    assert_eq!(
        queue_candidates(&pool, None, today, &[]).await.unwrap().len(),
        2,
        "across projects too"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_metric_is_quiet_when_it_was_scored_but_never_failed_in_the_window(pool: PgPool) {
    let f = fixture(&pool).await;
    let mut ids = std::collections::HashMap::new();
    for key in ["quiet-one", "noisy-one", "unscored", "young"] {
        let metric = create(&pool, &f, input(key)).await;
        set_status(&pool, f.project, key, Status::Active, "", f.owner)
            .await
            .unwrap();
        ids.insert(key, metric.id);
    }
    sqlx::query("UPDATE metrics SET created_at = now() - interval '60 days' WHERE key <> 'young'")
        .execute(&pool)
        .await
        .unwrap();
    let version: i64 =
        sqlx::query_scalar("INSERT INTO system_versions (project_id, label) VALUES ($1, 'v1') RETURNING id")
            .bind(f.project)
            .fetch_one(&pool)
            .await
            .unwrap();
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO outputs (project_id, version_id, output, source, occurred_at)
             VALUES ($1, $2, 'hi', 'production', now()) RETURNING id",
        )
        .bind(f.project)
        .bind(version)
        .fetch_one(&pool)
        .await
        .unwrap();
        outputs.push(id);
    }
    // quiet-one failed 40 days ago, outside the 30-day window; noisy-one failed 2 days ago;
    // young passes but is newer than the window; unscored has no score at all.
    for (output, key, passed, age) in [
        (0, "quiet-one", true, 1),
        (1, "quiet-one", false, 40),
        (0, "noisy-one", false, 2),
        (0, "young", true, 1),
    ] {
        sqlx::query(
            "INSERT INTO scores (output_id, metric_id, value, passed, scorer_version, scored_at)
             VALUES ($1, $2, 1, $3, 'test', now() - make_interval(days => $4))",
        )
        .bind(outputs[output])
        .bind(ids[key])
        .bind(passed)
        .bind(age)
        .execute(&pool)
        .await
        .unwrap();
    }
    assert_eq!(
        quiet(&pool, Some(&[f.project]), 30).await.unwrap(),
        [ids["quiet-one"]]
    );
    assert_eq!(
        quiet(&pool, None, 30).await.unwrap(),
        [ids["quiet-one"]],
        "across projects too"
    );

    let today = chrono::Utc::now().date_naive();
    let quiet_ids = quiet(&pool, Some(&[f.project]), 30).await.unwrap();
    let candidates = queue_candidates(&pool, Some(&[f.project]), today, &quiet_ids)
        .await
        .unwrap();
    let context = review::QueueContext {
        today,
        quiet: quiet_ids.into_iter().collect(),
        quiet_days: 30,
        costly: Default::default(),
    };
    let items = review::queue(candidates, &context);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].reasons[0].describe(), "no failing score in 30 days");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_metric_whose_evaluation_costs_more_than_the_failures_it_finds_is_costly(pool: PgPool) {
    let f = fixture(&pool).await;
    for (key, per_evaluation) in [("judge-like", "1.00"), ("cheap", "0")] {
        let metric = MetricInput {
            cost_per_evaluation: per_evaluation.into(),
            ..input(key)
        };
        create(&pool, &f, metric).await;
        set_status(&pool, f.project, key, Status::Active, "", f.owner)
            .await
            .unwrap();
    }
    crate::server::db::fixture::ingest(
        &pool,
        f.project,
        vec![
            serde_json::json!({"version": "v1", "output": "Gern."}),
            serde_json::json!({"version": "v1", "output": "I delve."}),
        ],
    )
    .await;
    let found = costly(&pool, Some(&[f.project]), 30).await.unwrap();
    // Two evaluations at $1 = $2 against one failure at $0.10.
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].spend, found[0].found),
        (Money::from_cents(200), Money::from_cents(10))
    );
    assert_eq!(
        find(&pool, f.project, "judge-like").await.unwrap().unwrap().id,
        found[0].id
    );
    assert!(costly(&pool, Some(&[f.project + 1]), 30)
        .await
        .unwrap()
        .is_empty());
}
