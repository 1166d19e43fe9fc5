//! Monitors and alerts: reading them (every reader of the project), acknowledging and muting
//! (managers and owners, who answer alerts), and creating monitors and channels (owners); the
//! header's count of open alerts in the caller's projects.

use crate::domain::monitor::channel::{ChannelView, DeliveryView};
use crate::domain::monitor::draft::MonitorForm;
use crate::domain::monitor::view::{AlertEvent, MonitorView};
use crate::domain::monitor::Notification;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::{
    domain::membership::ProjectAccess,
    server::{auth, db},
};

/// The alerts page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsPage {
    pub name: String,
    pub monitors: Vec<MonitorView>,
    pub events: Vec<AlertEvent>,
    /// Owners see each channel's address; others see its host only.
    pub channels: Vec<ChannelView>,
    pub deliveries: Vec<DeliveryView>,
    /// Owners: create and edit monitors and channels.
    pub can_edit: bool,
    /// Managers and owners: acknowledge and mute.
    pub can_answer: bool,
    /// The project's segment keys, and those `/metrics` exports.
    pub segment_keys: Vec<String>,
    pub exported_keys: Vec<String>,
}

/// Everything the alerts page shows.
#[server(endpoint = "get_alerts")]
pub async fn get_alerts(project: String) -> Result<AlertsPage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Read).await?;
    let can_edit = ProjectAccess::Edit.allows(caller.role);
    let mut channels = db::alert_channels::list(&caller.pool, caller.project_id).await?;
    if !can_edit {
        for channel in &mut channels {
            channel.url = url::Url::parse(&channel.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
        }
    }
    Ok(AlertsPage {
        name: db::projects::find_by_id(&caller.pool, caller.project_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default(),
        monitors: db::monitors::list(&caller.pool, caller.project_id).await?,
        events: db::monitors::events(&caller.pool, caller.project_id, 100).await?,
        deliveries: db::alert_channels::deliveries(&caller.pool, caller.project_id, 20).await?,
        channels,
        can_edit,
        can_answer: ProjectAccess::Manage.allows(caller.role),
        segment_keys: db::projects::segment_keys(&caller.pool, caller.project_id).await?,
        exported_keys: db::projects::exported_segment_keys(&caller.pool, caller.project_id).await?,
    })
}

/// What the monitor form needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorFormPage {
    pub form: MonitorForm,
    /// (key, name)
    pub metrics: Vec<(String, String)>,
    pub segment_keys: Vec<String>,
    pub versions: Vec<String>,
    /// (id, name, disabled)
    pub channels: Vec<(i64, String, bool)>,
}

/// The form of monitor `id`, or of a new one (`id` 0) on `metric` (a key, or empty).
#[server(endpoint = "get_monitor_form")]
pub async fn get_monitor_form(project: String, id: i64, metric: String) -> Result<MonitorFormPage, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let (metrics, versions) = db::monitors::choices(&caller.pool, caller.project_id).await?;
    let channels = db::alert_channels::list(&caller.pool, caller.project_id).await?;
    let form = if id == 0 {
        let metric = if metric.trim().is_empty() {
            metrics.first().map(|(k, _)| k.clone()).unwrap_or_default()
        } else {
            metric
        };
        let mut form = MonitorForm::new_for(&metric);
        // New monitors notify every enabled channel unless the owner unticks them.
        form.channels = channels
            .iter()
            .filter(|c| c.disabled_at.is_none())
            .map(|c| c.id)
            .collect();
        form
    } else {
        db::monitors::find(&caller.pool, caller.project_id, id)
            .await?
            .spec
            .to_form()
    };
    let mut segment_keys = db::projects::segment_keys(&caller.pool, caller.project_id).await?;
    segment_keys.push("turn".into());
    Ok(MonitorFormPage {
        form,
        metrics,
        segment_keys,
        versions,
        channels: channels
            .into_iter()
            .map(|c| (c.id, c.name, c.disabled_at.is_some()))
            .collect(),
    })
}

/// A backtest as the form shows it: the values compactly (thousands of evaluations), the firing
/// spans and the notifications that would have gone out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestView {
    /// The first evaluation; the others follow every `step_minutes`.
    pub start: chrono::DateTime<chrono::Utc>,
    pub step_minutes: i64,
    /// Each evaluation's value (a rate, or dollars), or none below the minimum sample.
    pub values: Vec<Option<f32>>,
    pub firing: Vec<(
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    )>,
    pub notifications: Vec<(chrono::DateTime<chrono::Utc>, Notification)>,
    pub firings: usize,
    pub minutes_firing: i64,
    /// The condition's firing and recovery thresholds in its unit (a rate, or dollars).
    pub threshold: f64,
    pub recovery: f64,
    /// Whether values are dollars (else rates).
    pub dollars: bool,
    /// (version, first UTC day seen) within the backtest's days.
    pub versions: Vec<(String, chrono::DateTime<chrono::Utc>)>,
    /// The condition in words.
    pub condition: String,
}

/// Replays the form's monitor over the last 30 days.
#[server(endpoint = "backtest_monitor", input = Json)]
pub async fn backtest_monitor(project: String, form: MonitorForm) -> Result<BacktestView, AppError> {
    use crate::domain::monitor::{backtest, Condition};
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    // A backtest needs no name yet.
    let mut form = form;
    if form.name.trim().is_empty() {
        form.name = "Unsaved monitor".into();
    }
    let spec = form.parse()?;
    let monitor = db::monitors::resolve(&caller.pool, caller.project_id, &spec).await?;
    let step = backtest::step_minutes(monitor.window_minutes);
    let to = chrono::Utc::now();
    let from = to
        - chrono::Duration::days(backtest::DAYS)
        - chrono::Duration::minutes(monitor.window_minutes + step);
    let buckets = db::monitors::buckets(&caller.pool, caller.project_id, &monitor, step, from, to).await?;
    let cost = db::monitors::cost_per_failure(&caller.pool, monitor.metric_id).await?;
    let replayed = backtest::replay(&monitor.rule, monitor.window_minutes, cost, &buckets, to);
    let (threshold, recovery, dollars) = match monitor.rule.condition {
        Condition::FailureRateAbove { threshold, recovery }
        | Condition::PassRateBelow { threshold, recovery } => (threshold, recovery, false),
        Condition::DollarImpactAbove { threshold, recovery } => (
            threshold.micros() as f64 / 1e6,
            recovery.micros() as f64 / 1e6,
            true,
        ),
    };
    let start = to - chrono::Duration::days(backtest::DAYS);
    let versions = db::trends::versions_seen(&caller.pool, caller.project_id)
        .await?
        .into_iter()
        .filter_map(|v| {
            v.first_day
                .filter(|day| *day >= start - chrono::Duration::days(1))
                .map(|day| (v.label, day))
        })
        .collect();
    let scale = if dollars { 1e-6 } else { 1.0 };
    Ok(BacktestView {
        start: replayed.points.first().map_or(to, |p| p.at),
        step_minutes: replayed.step_minutes,
        values: replayed
            .points
            .iter()
            .map(|p| p.value.map(|v| (v * scale) as f32))
            .collect(),
        firing: replayed.firing_periods(),
        notifications: replayed.notifications.clone(),
        firings: replayed.firings(),
        minutes_firing: replayed.minutes_firing(),
        threshold,
        recovery,
        dollars,
        versions,
        condition: monitor.rule.condition.describe(),
    })
}

/// Creates (`id` 0) or changes a monitor; answers its id.
#[server(endpoint = "save_monitor", input = Json)]
pub async fn save_monitor(project: String, id: i64, form: MonitorForm) -> Result<i64, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let spec = form.parse()?;
    let monitor = db::monitors::resolve(&caller.pool, caller.project_id, &spec).await?;
    let saved = db::monitors::save(
        &caller.pool,
        caller.project_id,
        (id != 0).then_some(id),
        &monitor,
        &spec.channels,
        caller.user.id,
        chrono::Utc::now(),
    )
    .await?;
    auth::state()?.alerting.wake.notify_one();
    Ok(saved)
}

/// Deletes a monitor and its alert history.
#[server(endpoint = "delete_monitor")]
pub async fn delete_monitor(project: String, id: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    db::monitors::delete(&caller.pool, caller.project_id, id).await
}

/// Mutes a monitor for `minutes` (0: unmutes it).
#[server(endpoint = "mute_monitor")]
pub async fn mute_monitor(project: String, id: i64, minutes: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    if !(0..=60 * 24 * 30).contains(&minutes) {
        return Err(AppError::invalid("minutes", "must be from 0 (unmute) to 30 days"));
    }
    let now = chrono::Utc::now();
    let until = (minutes > 0).then(|| now + chrono::Duration::minutes(minutes));
    db::monitors::mute(&caller.pool, caller.project_id, id, until, now).await?;
    auth::state()?.alerting.wake.notify_one();
    Ok(())
}

/// Acknowledges an open alert: records who and when.
#[server(endpoint = "acknowledge_alert")]
pub async fn acknowledge_alert(project: String, event: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Manage).await?;
    db::monitors::acknowledge(
        &caller.pool,
        caller.project_id,
        event,
        caller.user.id,
        chrono::Utc::now(),
    )
    .await
}

/// Adds a channel (`id` 0) or changes one. A webhook without a secret gets a generated one,
/// answered this once; an edit with an empty secret keeps the stored one.
#[server(endpoint = "save_channel")]
pub async fn save_channel(
    project: String,
    id: i64,
    name: String,
    kind: String,
    url: String,
    secret: String,
    disable_after: String,
) -> Result<Option<String>, AppError> {
    use crate::domain::monitor::channel_draft::ChannelDraft;
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let allowed = auth::state()?.alerting.allowed;
    let draft = ChannelDraft::parse(id, &name, &kind, &url, &secret, &disable_after, allowed)?;
    let saved =
        crate::server::channels::save(&caller.pool, caller.project_id, &draft, caller.user.id).await?;
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::ChannelSaved,
        Some(&project),
        &format!("{} (channel {})", draft.name, saved.id),
        saved.audit_detail(&draft),
    )
    .await;
    Ok(saved.generated_secret)
}

/// Deletes a channel and its delivery log.
#[server(endpoint = "delete_channel")]
pub async fn delete_channel(project: String, id: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    db::alert_channels::delete(&caller.pool, caller.project_id, id).await?;
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::ChannelDeleted,
        Some(&project),
        &format!("channel {id}"),
        "",
    )
    .await;
    Ok(())
}

/// Enables a disabled channel again.
#[server(endpoint = "enable_channel")]
pub async fn enable_channel(project: String, id: i64) -> Result<(), AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    db::alert_channels::enable(&caller.pool, caller.project_id, id).await?;
    crate::server::audit::note(
        &caller.pool,
        &caller.user.username,
        crate::domain::audit::Action::ChannelEnabled,
        Some(&project),
        &format!("channel {id}"),
        "",
    )
    .await;
    Ok(())
}

/// Sends a test message through a channel now; answers how the attempt went.
#[server(endpoint = "send_test_message")]
pub async fn send_test_message(project: String, id: i64) -> Result<DeliveryView, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let alerting = auth::state()?.alerting;
    let now = chrono::Utc::now();
    let delivery =
        db::alert_channels::queue_test(&caller.pool, caller.project_id, id, &alerting.public_url, now)
            .await?;
    crate::server::alerting::deliver_one(&caller.pool, &alerting, delivery).await?;
    db::alert_channels::deliveries(&caller.pool, caller.project_id, 20)
        .await?
        .into_iter()
        .find(|d| d.id == delivery)
        .ok_or_else(|| AppError::NotFound(format!("Delivery {delivery}")))
}

/// Open alerts per project the caller reads: (project slug, count), for the header.
#[server(endpoint = "open_alerts")]
pub async fn open_alerts() -> Result<Vec<(String, i64)>, AppError> {
    let caller = auth::require(crate::domain::role::Access::SignedIn).await?;
    let readable: Vec<i64> = auth::projects_of(&caller.pool, &caller.user)
        .await?
        .into_iter()
        .filter(|p| ProjectAccess::Read.allows(p.role))
        .map(|p| p.project.id)
        .collect();
    db::monitors::open_alerts(&caller.pool, &readable).await
}

/// Sets the segment keys whose values `/metrics` exports as labels (comma-separated).
#[server(endpoint = "set_exported_segment_keys")]
pub async fn set_exported_segment_keys(project: String, keys: String) -> Result<Vec<String>, AppError> {
    let caller = auth::require_project(&project, ProjectAccess::Edit).await?;
    let keys: Vec<String> = keys.split(',').map(|k| k.trim().to_owned()).collect();
    db::projects::set_exported_segment_keys(&caller.pool, caller.project_id, &keys).await
}
