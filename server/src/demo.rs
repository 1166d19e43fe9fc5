//! Demo data: one user per role and two projects with different owners. Safe to run again: what
//! exists is kept.

use app::domain::membership::ProjectRole;
use app::domain::metric::catalogue;
use app::domain::metric::kinds::Status;
use app::domain::output;
use app::domain::project::NewProject;
use app::domain::user::NewUser;
use app::error::AppError;
use app::server::{db, ingest, metric_lifecycle, password};
use sqlx::PgPool;

mod alerts;
mod annotation;
mod feedback;
pub mod golden;
mod judge;
mod maturity;
pub mod traffic;

/// The password of every demo user.
pub const DEMO_PASSWORD: &str = "vernier-demo";

/// The demo users: username, display name, global role.
pub const DEMO_USERS: [(&str, &str, &str); 6] = [
    ("admin", "Ada Admin", "admin"),
    ("owner", "Otto Owner", "owner"),
    ("manager", "Mia Manager", "manager"),
    ("annotator", "Anna Annotator", "annotator"),
    ("viewer", "Vic Viewer", "viewer"),
    ("lena", "Lena Legal", "owner"),
];

/// One demo project: name, slug, description, purpose, and its members (the first is the
/// creator, who becomes the owner).
type DemoProject = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, ProjectRole)],
);

/// The demo projects. Otto owns the support bot and cannot see the
/// legal assistant; Lena owns the legal assistant; Mia manages both.
const DEMO_PROJECTS: [DemoProject; 2] = [
    (
        "Support bot — DACH",
        "support-bot-dach",
        "German-language customer support chatbot for Germany, Austria and Switzerland.",
        "Answer support tickets in the customer's language, citing the help centre.",
        &[
            ("owner", ProjectRole::Owner),
            ("manager", ProjectRole::Manager),
            ("annotator", ProjectRole::Annotator),
            ("viewer", ProjectRole::Viewer),
        ],
    ),
    (
        "Legal assistant",
        "legal-assistant",
        "Drafts first answers to contract questions for the in-house legal team.",
        "Answer contract questions correctly and say when a lawyer must look.",
        &[("lena", ProjectRole::Owner), ("manager", ProjectRole::Manager)],
    ),
];

/// Creates what is missing of the demo data.
pub async fn seed(pool: &PgPool) -> Result<(), AppError> {
    let mut ids = std::collections::HashMap::new();
    for (username, display_name, role) in DEMO_USERS {
        let user = NewUser::parse(username, display_name, DEMO_PASSWORD, role)?;
        let id = match db::users::find_credentials(pool, username).await? {
            Some((existing, _)) => existing.id,
            None => {
                let hash = password::hash(DEMO_PASSWORD).map_err(|e| AppError::Internal(e.to_string()))?;
                db::users::insert(pool, &user, &hash).await?.id
            }
        };
        ids.insert(username, id);
    }
    for (name, slug, description, purpose, members) in DEMO_PROJECTS {
        if db::projects::find_by_slug(pool, slug).await?.is_some() {
            continue;
        }
        let project = NewProject::parse(name, slug, description, purpose)?;
        let Some(((creator, _), others)) = members.split_first() else {
            continue;
        };
        let creator = ids[creator];
        let created = db::projects::insert(pool, &project, creator).await?;
        for (username, role) in others {
            db::members::add(pool, created.id, username, *role, creator).await?;
        }
    }
    Ok(())
}

/// The catalogue metrics the demo project starts with, all activated.
const SAMPLE_METRICS: [&str; 4] = ["reply-language", "no-delve", "reply-length", "thumbs-up"];

/// The keys the demo project's dashboards break traffic down by.
const SEGMENT_KEYS: [&str; 3] = ["language", "customer", "channel"];

/// The demo project's sample traffic (see [`traffic`]), its metrics, and a helpfulness queue
/// with items waiting for the demo annotator.
pub async fn seed_samples(pool: &PgPool) -> Result<(), AppError> {
    let Some(project) = db::projects::find_by_slug(pool, "support-bot-dach").await? else {
        return Ok(());
    };
    let outputs: i64 = sqlx::query_scalar("SELECT count(*) FROM outputs WHERE project_id = $1")
        .bind(project.id)
        .fetch_one(pool)
        .await
        .map_err(db::database)?;
    if outputs > 0 {
        return Ok(());
    }
    let owner = db::users::find_credentials(pool, "owner")
        .await?
        .map(|(user, _)| user)
        .ok_or_else(|| AppError::Internal("the demo owner is missing".into()))?;
    let keys: Vec<String> = SEGMENT_KEYS.map(str::to_owned).to_vec();
    db::projects::set_segment_keys(pool, project.id, &keys).await?;
    let review = chrono::Utc::now().date_naive() + chrono::Duration::days(catalogue::FIRST_REVIEW_DAYS);
    for id in SAMPLE_METRICS {
        if db::metrics::find(pool, project.id, id).await?.is_some() {
            continue;
        }
        let template =
            catalogue::template(id).ok_or_else(|| AppError::Internal(format!("no template {id}")))?;
        let definition = template.to_input(&owner.username, review).parse()?;
        metric_lifecycle::create(pool, project.id, &definition, owner.id).await?;
        metric_lifecycle::set_status(pool, project.id, id, Status::Active, "", owner.id).await?;
    }
    let now = chrono::Utc::now();
    let traffic = traffic::records(now);
    let batch = output::validate(traffic.clone(), now)
        .map_err(|errors| AppError::Internal(format!("demo records are invalid: {errors:?}")))?;
    let scorers = app::server::scorer_cache::scorers(pool, project.id).await?;
    for chunk in batch.chunks(1000) {
        let mut tx = pool.begin().await.map_err(db::database)?;
        ingest::store_scored(&mut tx, project.id, chunk, &scorers).await?;
        tx.commit().await.map_err(db::database)?;
    }
    judge::seed(pool, project.id, owner.id).await?;
    feedback::seed(pool, project.id, owner.id, &traffic).await?;
    // Every output was scored as it was ingested (the judge's verdicts just now); the
    // activations' re-scoring has nothing to add.
    db::scoring_jobs::finish_open(pool, project.id, "the demo's outputs were scored at ingest").await?;
    annotation::seed(pool, project.id, owner.id).await?;
    golden::seed(pool, project.id, owner.id).await?;
    let manager = db::users::find_credentials(pool, "manager")
        .await?
        .map(|(user, _)| user.id)
        .ok_or_else(|| AppError::Internal("the demo manager is missing".into()))?;
    maturity::seed(pool, project.id, owner.id, manager).await?;
    alerts::seed(pool, project.id, owner.id).await.map(|_| ())
}

/// The demo logins, for printing at start-up.
pub fn logins() -> String {
    DEMO_USERS
        .iter()
        .map(|(username, _, role)| format!("  {role:<10} {username} / {DEMO_PASSWORD}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo project, seeded with its sample data.
    async fn seeded(pool: &PgPool) -> app::domain::project::ProjectView {
        seed(pool).await.unwrap();
        seed_samples(pool).await.unwrap();
        db::projects::find_by_slug(pool, "support-bot-dach")
            .await
            .unwrap()
            .unwrap()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn seeding_twice_keeps_one_of_everything(pool: PgPool) {
        seed(&pool).await.unwrap();
        seed(&pool).await.unwrap();
        assert_eq!(db::users::list(&pool).await.unwrap().len(), 6);
        let projects = db::projects::list(&pool).await.unwrap();
        assert_eq!(projects.len(), 2);
        let owners: Vec<(String, String)> = projects
            .iter()
            .map(|p| (p.slug.clone(), p.created_by.clone()))
            .collect();
        assert_eq!(
            owners,
            [
                ("legal-assistant".to_owned(), "Lena Legal".to_owned()),
                ("support-bot-dach".to_owned(), "Otto Owner".to_owned())
            ]
        );
        let support = projects.iter().find(|p| p.slug == "support-bot-dach").unwrap();
        assert_eq!(db::members::list(&pool, support.id).await.unwrap().len(), 4);
        let (admin, hash) = db::users::find_credentials(&pool, "admin")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(admin.role, app::domain::role::Role::Admin);
        assert!(password::verify(DEMO_PASSWORD, &hash));
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn sample_traffic_fails_german_late_turns_of_v2_only_and_leaves_a_queue_to_rate(pool: PgPool) {
        seed(&pool).await.unwrap();
        seed_samples(&pool).await.unwrap();
        seed_samples(&pool).await.unwrap();
        let failing: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT DISTINCT v.label, o.metadata ->> 'language', o.turn_index >= 5
             FROM scores s JOIN metrics m ON m.id = s.metric_id JOIN outputs o ON o.id = s.output_id
             JOIN system_versions v ON v.id = o.version_id
             WHERE m.key = 'reply-language' AND s.passed = false AND o.run_id IS NULL",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert!(failing.contains(&("prompt-v2".to_owned(), "de".to_owned(), true)));
        let outputs: i64 = sqlx::query_scalar("SELECT count(*) FROM outputs WHERE run_id IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            outputs as usize,
            traffic::records(chrono::Utc::now()).len(),
            "seeded once"
        );
        let eval: i64 = sqlx::query_scalar("SELECT count(*) FROM outputs WHERE run_id IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            eval as usize,
            2 * golden::items().len(),
            "two runs on the golden set, once"
        );
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM assignments a JOIN users u ON u.id = a.annotator_id
             WHERE u.username = 'annotator' AND a.status = 'pending'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(pending > 0, "the demo annotator has items to rate");
        let open: i64 =
            sqlx::query_scalar("SELECT count(*) FROM scoring_jobs WHERE status IN ('queued', 'running')")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            open, 0,
            "nothing left to re-score: the traffic was scored at ingest"
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_golden_set_shows_v2_significantly_worse_and_its_health_names_the_thin_languages(
        pool: PgPool,
    ) {
        let project = seeded(&pool).await.id;
        let comparison =
            app::server::datasets::compare_runs(&pool, project, golden::BASELINE_RUN, golden::CANDIDATE_RUN)
                .await
                .unwrap();
        let language = comparison
            .metrics
            .iter()
            .find(|m| m.metric == "reply-language")
            .unwrap();
        assert_eq!(language.pairs, 27);
        assert_eq!(language.newly_failing.len(), 9, "{:?}", language.newly_failing);
        assert!(language.newly_failing.iter().all(|i| i.contains("-spaet-")));
        assert!(language.newly_passing.is_empty());
        assert!((language.p - 2.0 / 512.0).abs() < 1e-12, "p = {}", language.p);
        // The other metrics do not move.
        assert!(comparison
            .metrics
            .iter()
            .filter(|m| m.metric != "reply-language")
            .all(|m| m.p == 1.0));
        // Both runs show the Italian zero-shot slip as a variant that flips.
        let run = app::server::datasets::run_view(&pool, project, golden::BASELINE_RUN)
            .await
            .unwrap();
        let sensitivity = run
            .metrics
            .iter()
            .find(|m| m.metric == "reply-language")
            .unwrap()
            .sensitivity
            .clone()
            .unwrap();
        assert_eq!(sensitivity.worst.as_deref(), Some("zero-shot"));
        assert_eq!(sensitivity.flips.len(), 1);
        assert_eq!(sensitivity.flips[0].case_id, "disdetta");
        assert_eq!((sensitivity.cases, sensitivity.stable), (9, 8));
        // Health: French and Italian (40% of production) have three items each.
        let dataset = db::datasets::find(&pool, project, golden::DATASET).await.unwrap();
        let health =
            app::server::datasets::health(&pool, project, &dataset, Default::default(), chrono::Utc::now())
                .await
                .unwrap();
        let uncovered: Vec<&str> = health
            .coverage
            .iter()
            .filter(|c| c.items < 5)
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(uncovered, vec!["fr", "it"], "{:?}", health.coverage);
        assert!(health.duplicates.is_empty(), "{:?}", health.duplicates);
        assert_eq!(health.warnings.len(), 2, "{:?}", health.warnings);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_ab_test_of_concise_replies_wins_on_thumbs_but_breaks_the_length_guardrail(pool: PgPool) {
        use app::domain::experiment::analysis::{Outcome, Verdict};
        let project = seeded(&pool).await;
        let today = chrono::Utc::now().date_naive();
        let view = app::server::experiments::view(&pool, project.id, traffic::AB_TEST, today)
            .await
            .unwrap();
        assert!(
            view.horizon.is_some_and(|h| h < view.ended_on.unwrap()),
            "the sample was reached before it stopped: {:?}",
            view.progress
        );
        assert_eq!(
            view.verdict,
            Verdict::GuardrailBroken {
                version: "prompt-v1-concise".into(),
                guardrails: vec!["reply-length".into()]
            }
        );
        // Read per user: the plan came from the clustering before the test, the arms hold the
        // users the split expects, and the stale cache's outputs are left out and counted.
        eprintln!(
            "design: {} users per arm ({} verdicts, {:.2} per user, DE {:.2}); progress {:?}; units {:?}; primary {:?}",
            view.design.sample_per_arm,
            view.design.verdicts_per_arm,
            view.design.verdicts_per_user,
            view.design.design_effect,
            view.progress,
            view.units,
            view.primary
        );
        assert!(view.design.is_clustering_measured());
        let units = view.units.clone().unwrap();
        assert!(!units.sample_ratio.mismatch(), "{:?}", units.sample_ratio);
        assert!(
            units
                .arms
                .iter()
                .all(|a| a.excluded_outputs > 0 && a.anonymous_outputs == 0),
            "{units:?}"
        );
        let primary = view.primary.clone().unwrap();
        assert!(
            primary
                .arms
                .iter()
                .all(|a| a.users < a.n && a.design_effect.is_some()),
            "{primary:?}"
        );
        let language = &view.guardrails[1];
        assert_eq!(language.key, "reply-language");
        assert_eq!(language.differences[0].outcome, Outcome::NoDetectableDifference);
        // End users' complaints about English replies to German customers are there to read.
        let comments = db::feedback::negative_comments(
            &pool,
            project.id,
            &app::domain::feedback::CommentFilter {
                search: "Englisch".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(comments.len() >= 3, "{}", comments.len());
        assert!(comments.iter().all(|c| !c.passed));
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_dashboards_tell_the_demo_story(pool: PgPool) {
        use app::domain::trends::compare::{Segment, Verdict};
        use app::server::dashboards;
        let project = seeded(&pool).await;
        let today = chrono::Utc::now().date_naive();
        let query = dashboards::CompareQuery {
            a: "prompt-v1".into(),
            b: "prompt-v2".into(),
            ..Default::default()
        };
        let comparison = dashboards::compare(&pool, project.id, &query, today)
            .await
            .unwrap();
        let verdict = |key: &str, value: &str| {
            let segment = Some(Segment {
                key: key.into(),
                value: value.into(),
            });
            comparison
                .rows
                .iter()
                .find(|r| r.metric_key == "reply-language" && r.segment == segment)
                .map(|r| r.verdict)
                .unwrap()
        };
        assert_eq!(verdict("language", "de"), Verdict::Regression);
        assert_eq!(verdict("turn", "5+"), Verdict::Regression);
        assert_eq!(
            verdict("language", "en"),
            Verdict::NoSignificantChange,
            "no false alarm"
        );
        assert_eq!(verdict("turn", "1-4"), Verdict::NoSignificantChange);
        let first = &comparison.rows[0];
        assert_eq!(
            (first.metric_key.as_str(), first.verdict),
            ("reply-language", Verdict::Regression)
        );
        assert!(
            comparison
                .explanations
                .iter()
                .any(|e| e.metric_key == "reply-language"
                    && e.segments.iter().any(|s| s.segment.to_string() == "language=de")),
            "{:?}",
            comparison.explanations
        );
        let overview = dashboards::overview(&pool, project.id, 30, today).await.unwrap();
        assert_eq!(
            overview.rows[0].key, "reply-language",
            "the costliest metric first"
        );
        assert!(overview.rows[0].failures > 10 && overview.dollar_impact > app::domain::money::Money::ZERO);
        // prompt-v2 went live a week ago: the week-over-week change shows the drop.
        let language = &overview.rows[0];
        assert!(language.significant && language.change.direction == app::domain::trends::Direction::Down);
        assert_eq!(overview.regressions, 1);
        let judge = overview.rows.iter().find(|r| r.key == judge::KEY).unwrap();
        assert!(
            judge.failures > 0 && judge.evaluations > 1000,
            "the judge metric has verdicts"
        );
        let judged = comparison
            .rows
            .iter()
            .find(|r| r.metric_key == judge::KEY && r.segment.is_none())
            .unwrap();
        assert_eq!(
            judged.verdict,
            Verdict::NoSignificantChange,
            "the judge grades both versions alike"
        );
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_dashboards_read_from_rollups_what_raw_scores_say(pool: PgPool) {
        use app::domain::trends::trend::TrendAddress;
        use app::server::dashboards;
        use app::server::db::trends::Source;
        let project = seeded(&pool).await.id;
        let (rollups, raw) = (Source::Rollups(&pool), Source::Scores(&pool));
        let now = chrono::Utc::now();
        let today = now.date_naive();
        let from_rollups = dashboards::overview(rollups, project, 30, today).await.unwrap();
        assert!(from_rollups.rows.iter().any(|r| r.evaluations > 0));
        assert_eq!(
            from_rollups,
            dashboards::overview(raw, project, 30, today).await.unwrap()
        );
        let query = dashboards::CompareQuery {
            a: "prompt-v1".into(),
            b: "prompt-v2".into(),
            ..Default::default()
        };
        let from_rollups = dashboards::compare(rollups, project, &query, today)
            .await
            .unwrap();
        assert!(!from_rollups.rows.is_empty());
        assert_eq!(
            from_rollups,
            dashboards::compare(raw, project, &query, today).await.unwrap()
        );
        for address in [
            TrendAddress::default(),
            TrendAddress {
                grain: "hour".into(),
                ..Default::default()
            },
            TrendAddress {
                days: Some(20),
                version: "prompt-v2".into(),
                segment: "language=de".into(),
                ..Default::default()
            },
        ] {
            let from_rollups = dashboards::trend(rollups, project, "reply-language", &address, now)
                .await
                .unwrap();
            assert!(from_rollups.points.iter().any(|p| p.rate.n > 0), "{address:?}");
            assert_eq!(
                from_rollups,
                dashboards::trend(raw, project, "reply-language", &address, now)
                    .await
                    .unwrap(),
                "{address:?}"
            );
        }
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_german_monitor_fires_now_and_its_backtest_fires_first_at_the_v2_deployment(pool: PgPool) {
        use app::domain::monitor::{backtest, MonitorState};
        let project = seeded(&pool).await.id;
        let now = chrono::Utc::now();
        let evaluated = db::monitors::evaluate_due(&pool, now, 10, "http://127.0.0.1:3000")
            .await
            .unwrap();
        assert_eq!(evaluated.notifications.len(), 1, "{evaluated:?}");
        assert_eq!(evaluated.notifications[0].1.state, MonitorState::Firing);
        let monitor = &db::monitors::list(&pool, project).await.unwrap()[0];
        assert_eq!(monitor.spec.name, alerts::MONITOR);
        // The owner's tuning view: a one-hour window over German replies, replayed for 30 days.
        let spec = app::domain::monitor::draft::MonitorForm {
            name: "Tuning".into(),
            segment: "language=de".into(),
            min_sample: "5".into(),
            for_evaluations: "1".into(),
            ..app::domain::monitor::draft::MonitorForm::new_for("reply-language")
        }
        .parse()
        .unwrap();
        let hourly = db::monitors::resolve(&pool, project, &spec).await.unwrap();
        let step = backtest::step_minutes(60);
        let buckets = db::monitors::buckets(
            &pool,
            project,
            &hourly,
            step,
            now - chrono::Duration::days(31),
            now,
        )
        .await
        .unwrap();
        let replayed = backtest::replay(&hourly.rule, 60, app::domain::money::Money::ZERO, &buckets, now);
        let deployed = (now - chrono::Duration::days(traffic::V2_DAYS_AGO)).date_naive();
        let fired: Vec<chrono::NaiveDate> = replayed
            .notifications
            .iter()
            .filter(|(_, n)| n.state == MonitorState::Firing)
            .map(|(at, _)| at.date_naive())
            .collect();
        assert!(
            fired.len() >= 3,
            "the regression shows again and again: {fired:?}"
        );
        assert!(
            fired[0] >= deployed - chrono::Duration::days(1)
                && fired[0] <= deployed + chrono::Duration::days(1),
            "first fired on {}, prompt-v2 went live on {deployed}",
            fired[0]
        );
    }
}
