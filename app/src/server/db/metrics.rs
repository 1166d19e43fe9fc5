//! Metrics of a project: definitions, lifecycle and the queries behind the list and the queue.

use super::{database, map_unique, metric_history};
use crate::domain::actor::Actor;
use crate::domain::metric::filter::ParsedFilter;
use crate::domain::metric::kinds::{Cadence, Category, Direction, FailureAction, Paradigm, Stage, Status};
use crate::domain::metric::scorer::{PassRule, ScorerSpec};
use crate::domain::metric::{MetricDefinition, MetricView};
use crate::domain::money::Money;
use crate::error::AppError;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

const SELECT: &str =
    "SELECT m.id, p.slug AS project_slug, m.key, m.name, m.description, m.question, m.paradigm,
        m.category, m.cadence, m.action_on_failure, m.scorer, m.threshold, m.direction, m.stage,
        u.username AS owner, u.display_name AS owner_name, m.cost_per_failure, m.cost_per_evaluation,
        m.review_date, m.retirement_date, m.tags, m.status, m.status_reason, m.created_at, m.updated_at
    FROM metrics m JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.owner_id";

#[derive(sqlx::FromRow)]
struct MetricRow {
    id: i64,
    project_slug: String,
    key: String,
    name: String,
    description: String,
    question: String,
    paradigm: Paradigm,
    category: Category,
    cadence: Cadence,
    action_on_failure: FailureAction,
    scorer: serde_json::Value,
    threshold: f64,
    direction: Direction,
    stage: Stage,
    owner: String,
    owner_name: String,
    cost_per_failure: i64,
    cost_per_evaluation: i64,
    review_date: chrono::NaiveDate,
    retirement_date: Option<chrono::NaiveDate>,
    tags: Vec<String>,
    status: Status,
    status_reason: String,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl MetricRow {
    fn into_view(self) -> Result<MetricView, AppError> {
        // Stored enums decode as themselves (`choice!`); only the scorer JSON is parsed here.
        let scorer: ScorerSpec = serde_json::from_value(self.scorer)
            .map_err(|e| super::super::auth::internal("stored scorer", e))?;
        Ok(MetricView {
            id: self.id,
            project_slug: self.project_slug,
            definition: MetricDefinition {
                key: self.key,
                name: self.name,
                description: self.description,
                question: self.question,
                paradigm: self.paradigm,
                category: self.category,
                cadence: self.cadence,
                action_on_failure: self.action_on_failure,
                scorer,
                pass_rule: PassRule {
                    threshold: self.threshold,
                    direction: self.direction,
                },
                stage: self.stage,
                owner: self.owner,
                cost_per_failure: Money::from_micros(self.cost_per_failure),
                cost_per_evaluation: Money::from_micros(self.cost_per_evaluation),
                review_date: self.review_date,
                retirement_date: self.retirement_date,
                tags: self.tags,
            },
            owner_name: self.owner_name,
            status: self.status,
            status_reason: self.status_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The id of `username`, for the owner field: an active member of the project, or an admin.
async fn owner_id(connection: &mut PgConnection, project_id: i64, username: &str) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u WHERE u.username = $1 AND u.active AND (u.role = 'admin' OR EXISTS
            (SELECT 1 FROM project_members m WHERE m.project_id = $2 AND m.user_id = u.id))",
    )
    .bind(username)
    .bind(project_id)
    .fetch_optional(connection)
    .await?
    .ok_or_else(|| {
        AppError::invalid(
            "owner",
            format!("'{username}' is not an active member of this project (nor an admin)"),
        )
    })
}

/// The seventeen editable columns, in the order [`bind_fields`] binds them.
const FIELDS: [&str; 17] = [
    "name",
    "description",
    "question",
    "paradigm",
    "category",
    "cadence",
    "action_on_failure",
    "scorer",
    "threshold",
    "direction",
    "stage",
    "owner_id",
    "cost_per_failure",
    "cost_per_evaluation",
    "review_date",
    "retirement_date",
    "tags",
];

type Query<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Binds a definition's editable fields in [`FIELDS`] order.
fn bind_fields<'q>(
    query: Query<'q>,
    definition: &'q MetricDefinition,
    owner: i64,
) -> Result<Query<'q>, AppError> {
    let scorer = serde_json::to_value(&definition.scorer)
        .map_err(|e| super::super::auth::internal("encode scorer", e))?;
    Ok(query
        .bind(&definition.name)
        .bind(&definition.description)
        .bind(&definition.question)
        .bind(definition.paradigm.as_str())
        .bind(definition.category.as_str())
        .bind(definition.cadence.as_str())
        .bind(definition.action_on_failure.as_str())
        .bind(scorer)
        .bind(definition.pass_rule.threshold)
        .bind(definition.pass_rule.direction.as_str())
        .bind(definition.stage.as_str())
        .bind(owner)
        .bind(definition.cost_per_failure.micros())
        .bind(definition.cost_per_evaluation.micros())
        .bind(definition.review_date)
        .bind(definition.retirement_date)
        .bind(&definition.tags))
}

/// `$first, $first+1, …` for the editable fields.
fn placeholders(first: usize) -> Vec<String> {
    (first..first + FIELDS.len()).map(|n| format!("${n}")).collect()
}

/// Stores a new metric as a draft within a caller's transaction and records its creation;
/// returns the new id.
pub async fn insert_in(
    connection: &mut PgConnection,
    project_id: i64,
    definition: &MetricDefinition,
    by: Actor,
) -> Result<i64, AppError> {
    use sqlx::Row;
    let owner = owner_id(connection, project_id, &definition.owner).await?;
    super::metric_refs::check(connection, project_id, &definition.scorer).await?;
    let sql = format!(
        "INSERT INTO metrics (project_id, key, {}) VALUES ($1, $2, {}) RETURNING id",
        FIELDS.join(", "),
        placeholders(3).join(", ")
    );
    let query = sqlx::query(&sql).bind(project_id).bind(&definition.key);
    let row = bind_fields(query, definition, owner)?
        .fetch_one(&mut *connection)
        .await
        .map_err(|e| {
            map_unique(
                e,
                "metrics_project_key_key",
                "key",
                "is already used by another metric of this project",
            )
        })?;
    let id: i64 = row.get("id");
    metric_history::record(
        connection,
        id,
        by,
        &[("created", String::new(), definition.name.clone())],
    )
    .await?;
    Ok(id)
}

/// Replaces a metric's definition (its key stays) within a caller's transaction and records
/// each changed field; answers the metric as it was before (the use case decides what follows).
pub async fn update_in(
    connection: &mut PgConnection,
    project_id: i64,
    key: &str,
    definition: &MetricDefinition,
    by: Actor,
) -> Result<MetricView, AppError> {
    if definition.key != key {
        return Err(AppError::invalid(
            "key",
            "cannot be changed; create a new metric and retire this one",
        ));
    }
    let current = lock(connection, project_id, key).await?;
    let changes = definition.changes_from(&current.definition);
    if changes.is_empty() {
        return Ok(current);
    }
    let owner = owner_id(connection, project_id, &definition.owner).await?;
    super::metric_refs::check(connection, project_id, &definition.scorer).await?;
    let assignments: Vec<String> = FIELDS
        .iter()
        .zip(placeholders(2))
        .map(|(field, p)| format!("{field} = {p}"))
        .collect();
    let sql = format!(
        "UPDATE metrics SET {}, updated_at = now() WHERE id = $1",
        assignments.join(", ")
    );
    bind_fields(sqlx::query(&sql).bind(current.id), definition, owner)?
        .execute(&mut *connection)
        .await?;
    metric_history::record(connection, current.id, by, &changes).await?;
    Ok(current)
}

/// Writes a metric's new status and reason and records the change (the use case has checked
/// the transition).
pub async fn write_status(
    connection: &mut PgConnection,
    current: &MetricView,
    next: Status,
    reason: &str,
    by: Actor,
) -> Result<(), AppError> {
    sqlx::query("UPDATE metrics SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1")
        .bind(current.id)
        .bind(next)
        .bind(reason)
        .execute(&mut *connection)
        .await?;
    let new_value = if reason.is_empty() {
        next.to_string()
    } else {
        format!("{next}: {reason}")
    };
    metric_history::record(
        connection,
        current.id,
        by,
        &[("status", current.status.to_string(), new_value)],
    )
    .await
}

/// One metric by project and key.
pub async fn find(pool: &PgPool, project_id: i64, key: &str) -> Result<Option<MetricView>, AppError> {
    let row = sqlx::query_as::<_, MetricRow>(&format!("{SELECT} WHERE m.project_id = $1 AND m.key = $2"))
        .bind(project_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
    row.map(MetricRow::into_view).transpose()
}

/// A metric by id.
pub async fn find_by_id(pool: &PgPool, id: i64) -> Result<MetricView, AppError> {
    sqlx::query_as::<_, MetricRow>(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(pool)
        .await?
        .into_view()
}

/// A metric of the project by key, locked for the rest of the transaction, or "not found".
pub async fn lock(connection: &mut PgConnection, project_id: i64, key: &str) -> Result<MetricView, AppError> {
    sqlx::query_as::<_, MetricRow>(&format!(
        "{SELECT} WHERE m.project_id = $1 AND m.key = $2 FOR UPDATE OF m"
    ))
    .bind(project_id)
    .bind(key)
    .fetch_optional(connection)
    .await?
    .ok_or_else(|| AppError::NotFound(format!("Metric '{key}'")))?
    .into_view()
}

/// A metric of the project by key, or "not found".
pub async fn get(pool: &PgPool, project_id: i64, key: &str) -> Result<MetricView, AppError> {
    find(pool, project_id, key.trim())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Metric '{key}'")))
}

/// The metrics of a project (or of every project) that pass `filter`, by name.
pub async fn list(
    pool: &PgPool,
    project_id: Option<i64>,
    filter: &ParsedFilter,
) -> Result<Vec<MetricView>, AppError> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    query.push(" WHERE TRUE");
    if let Some(project_id) = project_id {
        query.push(" AND m.project_id = ").push_bind(project_id);
    }
    if let Some(status) = filter.status {
        query.push(" AND m.status = ").push_bind(status.as_str());
    }
    if let Some(stage) = filter.stage {
        query.push(" AND m.stage = ").push_bind(stage.as_str());
    }
    if let Some(cadence) = filter.cadence {
        query.push(" AND m.cadence = ").push_bind(cadence.as_str());
    }
    if let Some(category) = filter.category {
        query.push(" AND m.category = ").push_bind(category.as_str());
    }
    if let Some(owner) = &filter.owner {
        query.push(" AND u.username = ").push_bind(owner.clone());
    }
    if let Some(tag) = &filter.tag {
        query.push(" AND ").push_bind(tag.clone()).push(" = ANY (m.tags)");
    }
    if let Some(q) = &filter.q {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        query
            .push(" AND (m.key ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.name ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.description ILIKE ")
            .push_bind(pattern.clone())
            .push(" OR m.question ILIKE ")
            .push_bind(pattern)
            .push(")");
    }
    query.push(" ORDER BY lower(m.name), m.id");
    fetch_views(pool, query).await
}

async fn fetch_views(
    pool: &PgPool,
    mut query: QueryBuilder<'_, Postgres>,
) -> Result<Vec<MetricView>, AppError> {
    query
        .build_query_as::<MetricRow>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(MetricRow::into_view)
        .collect()
}

/// Metrics that may belong in the retirement queue on `today`: not retired, and reviewed,
/// retiring within the horizon, or among `quiet`; the domain decides the reasons. `projects`
/// narrows them to those projects (`None`: every project).
pub async fn queue_candidates(
    pool: &PgPool,
    projects: Option<&[i64]>,
    today: chrono::NaiveDate,
    quiet: &[i64],
) -> Result<Vec<MetricView>, AppError> {
    let horizon = today + chrono::Duration::days(crate::domain::metric::review::RETIREMENT_HORIZON_DAYS);
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    query
        .push(" WHERE m.status <> 'retired' AND (m.review_date <= ")
        .push_bind(today);
    query.push(" OR m.retirement_date <= ").push_bind(horizon);
    query.push(" OR m.id = ANY(").push_bind(quiet.to_vec()).push("))");
    if let Some(projects) = projects {
        query
            .push(" AND m.project_id = ANY(")
            .push_bind(projects.to_vec())
            .push(")");
    }
    fetch_views(pool, query).await
}

/// Active metrics older than `days` that were scored within the last `days` days and never
/// failed there: candidates to retire because they no longer catch anything. `projects`
/// narrows them to those projects (`None`: every project).
pub async fn quiet(pool: &PgPool, projects: Option<&[i64]>, days: i64) -> Result<Vec<i64>, AppError> {
    sqlx::query_scalar(
        "SELECT m.id FROM metrics m
         WHERE m.status = 'active' AND ($1::int8[] IS NULL OR m.project_id = ANY($1))
           AND m.created_at < now() - make_interval(days => $2::int)
           AND EXISTS (SELECT 1 FROM scores s WHERE s.metric_id = m.id AND s.scored_at > now() - make_interval(days => $2::int))
           AND NOT EXISTS (SELECT 1 FROM scores s WHERE s.metric_id = m.id AND s.passed = false
                           AND s.scored_at > now() - make_interval(days => $2::int))",
    )
    .bind(projects)
    .bind(days)
    .fetch_all(pool)
    .await
    .map_err(database)
}

#[cfg(test)]
mod tests;
