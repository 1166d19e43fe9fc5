//! Demo data: one user per role and two projects with different owners. Safe to run again: what
//! exists is kept.

use app::domain::membership::ProjectRole;
use app::domain::metric::catalogue;
use app::domain::metric::kinds::Status;
use app::domain::output;
use app::domain::project::NewProject;
use app::domain::user::NewUser;
use app::error::AppError;
use app::server::{db, metric_lifecycle, password};
use sqlx::PgPool;

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
const SAMPLE_METRICS: [&str; 3] = ["reply-language", "no-delve", "reply-length"];

/// What the demo project's sample traffic looks like: a German support bot whose second prompt
/// version starts answering in English at the fifth turn (the story of the design).
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
    let batch = output::validate(sample_records(now), now)
        .map_err(|errors| AppError::Internal(format!("demo records are invalid: {errors:?}")))?;
    let scorers = app::server::ingest::scorers(pool, project.id).await?;
    let mut tx = pool.begin().await.map_err(db::database)?;
    db::outputs::ingest(&mut tx, project.id, &batch, &scorers).await?;
    tx.commit().await.map_err(db::database)?;
    Ok(())
}

/// Twelve five-turn conversations over the last twelve days: prompt-v1 for the first half,
/// prompt-v2 after; v2's fifth reply is English, and one reply of each version says "delve".
fn sample_records(now: chrono::DateTime<chrono::Utc>) -> Vec<serde_json::Value> {
    const QUESTIONS: [&str; 5] = [
        "Hallo, ich möchte meinen Vertrag kündigen.",
        "Welche Kündigungsfrist gilt für mich?",
        "Kann ich auch online kündigen?",
        "Bekomme ich eine Bestätigung per E-Mail?",
        "Und was passiert mit meinem Guthaben?",
    ];
    const GERMAN: [&str; 5] = [
        "Gerne helfe ich Ihnen bei der Kündigung Ihres Vertrags. Um welchen Tarif handelt es sich?",
        "Für Ihren Tarif gilt eine Kündigungsfrist von einem Monat zum Monatsende.",
        "Ja, Sie können im Kundenkonto unter „Verträge“ online kündigen.",
        "Ja, nach der Kündigung erhalten Sie innerhalb weniger Minuten eine Bestätigung per E-Mail.",
        "Ihr Guthaben wird nach Vertragsende innerhalb von vierzehn Tagen auf Ihr Konto überwiesen.",
    ];
    const ENGLISH_FIFTH: &str =
        "Your remaining balance will be transferred to your bank account within fourteen days after the contract ends.";
    let mut records = Vec::new();
    for conversation in 0..12i64 {
        let version = if conversation < 6 {
            "prompt-v1"
        } else {
            "prompt-v2"
        };
        let day = now - chrono::Duration::days(12 - conversation);
        let customer = ["acme", "globex", "initech"][(conversation % 3) as usize];
        let mut messages = Vec::new();
        for turn in 0..5usize {
            messages.push(serde_json::json!({"role": "user", "content": QUESTIONS[turn]}));
            let reply = match (version, turn, conversation) {
                ("prompt-v2", 4, _) => ENGLISH_FIFTH.to_owned(),
                (_, 2, 3) | (_, 2, 9) => format!("Lassen Sie uns tiefer eintauchen (delve): {}", GERMAN[2]),
                _ => GERMAN[turn].to_owned(),
            };
            records.push(serde_json::json!({
                "version": version,
                "model": "gpt-4o-mini",
                "external_id": format!("demo-{conversation}-{turn}"),
                "conversation_id": format!("demo-conversation-{conversation}"),
                "turn_index": turn,
                "messages": messages.clone(),
                "output": reply.clone(),
                "source": "production",
                "metadata": {"language": "de", "customer": customer, "channel": "web"},
                "latency_ms": 600 + 37 * turn as i64 + 13 * conversation,
                "timestamp": day + chrono::Duration::minutes(2 * turn as i64),
            }));
            messages.push(serde_json::json!({"role": "assistant", "content": reply}));
        }
    }
    records
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
    async fn sample_traffic_shows_the_fifth_turn_in_english_once(pool: PgPool) {
        seed(&pool).await.unwrap();
        seed_samples(&pool).await.unwrap();
        seed_samples(&pool).await.unwrap();
        let (outputs, failed): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM outputs),
                    (SELECT count(*) FROM scores s JOIN metrics m ON m.id = s.metric_id
                     WHERE m.key = 'reply-language' AND s.passed = false)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            (outputs, failed),
            (60, 6),
            "six v2 conversations answer in English at turn five"
        );
    }
}
