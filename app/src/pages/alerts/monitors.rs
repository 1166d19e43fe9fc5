//! The alerts page's monitor sections: open alerts to acknowledge or mute, every monitor with
//! where it stands, and the alert history.

use super::Actions;
use crate::components::data_table::Column;
use crate::domain::monitor::draft::window_words;
use crate::domain::monitor::view::{AlertEvent, MonitorView};
use crate::domain::monitor::{MonitorState, Reason};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// A state as a coloured badge.
pub(super) fn state_badge(state: MonitorState) -> impl IntoView {
    let class = match state {
        MonitorState::Firing | MonitorState::NoData => "badge bad",
        MonitorState::Pending | MonitorState::Muted => "badge warn",
        _ => "badge good",
    };
    view! { <span class=class data-testid="monitor-state">{state.label()}</span> }
}

pub(super) const OPEN_COLUMNS: &[Column] = &[
    Column::text("Monitor"),
    Column::text("Since (UTC)"),
    Column::text("Now"),
    Column::text(""),
];
pub(super) const MONITOR_COLUMNS: &[Column] = &[
    Column::text("Monitor"),
    Column::text("Metric and scope"),
    Column::text("Condition"),
    Column::text("State"),
    Column::text("Last evaluation"),
    Column::text(""),
];
pub(super) const HISTORY_COLUMNS: &[Column] = &[
    Column::text("When (UTC)"),
    Column::text("Monitor"),
    Column::text("Change"),
    Column::number("Observed"),
    Column::number("Verdicts"),
    Column::text("Acknowledged"),
];

/// Mute buttons: for an hour, a day; or unmute.
#[component]
pub(super) fn MuteButtons(monitor: MonitorView, actions: Actions, slug: String) -> impl IntoView {
    let id = monitor.id;
    if monitor.state == MonitorState::Muted {
        let until = monitor
            .muted_until
            .map(|u| u.format("%m-%d %H:%M").to_string())
            .unwrap_or_default();
        return view! {
            <ActionForm action=actions.mute attr:class="inline-form">
                <input type="hidden" name="project" value=slug/>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="minutes" value="0"/>
                <span class="muted">{format!("until {until}")}</span>
                <button type="submit" class="link-button" data-testid="unmute">"Unmute"</button>
            </ActionForm>
        }
        .into_any();
    }
    [(60, "Mute 1 h"), (24 * 60, "Mute 24 h")]
        .into_iter()
        .map(move |(minutes, label)| {
            let slug = slug.clone();
            view! {
                <ActionForm action=actions.mute attr:class="inline-form">
                    <input type="hidden" name="project" value=slug/>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="minutes" value=minutes/>
                    <button type="submit" class="link-button" data-testid=format!("mute-{minutes}")>{label}</button>
                </ActionForm>
            }
        })
        .collect_view()
        .into_any()
}

#[component]
pub(super) fn AcknowledgeButton(event: i64, actions: Actions, slug: String) -> impl IntoView {
    view! {
        <ActionForm action=actions.acknowledge attr:class="inline-form">
            <input type="hidden" name="project" value=slug/>
            <input type="hidden" name="event" value=event/>
            <button type="submit" data-testid="acknowledge">"Acknowledge"</button>
        </ActionForm>
    }
}

#[component]
pub(super) fn OpenRow(
    monitor: MonitorView,
    actions: Actions,
    slug: String,
    can_answer: bool,
) -> impl IntoView {
    let event = monitor.open_event.unwrap_or_default();
    view! {
        <tr data-testid="open-alert">
            <td><strong>{monitor.spec.name.clone()}</strong><div class="muted">{format!("{} · {}", monitor.metric_name, monitor.scope())}</div></td>
            <td>{monitor.since.format("%Y-%m-%d %H:%M").to_string()}</td>
            <td>{state_badge(monitor.state)}" "{monitor.last_observed.clone()}</td>
            <td class="actions">
                {can_answer.then(|| view! {
                    <AcknowledgeButton event actions slug=slug.clone()/>
                    <MuteButtons monitor=monitor.clone() actions slug=slug.clone()/>
                })}
            </td>
        </tr>
    }
}

#[component]
pub(super) fn MonitorRow(
    monitor: MonitorView,
    actions: Actions,
    slug: String,
    can_edit: bool,
    can_answer: bool,
) -> impl IntoView {
    let condition = format!(
        "{} over {}, at least {} verdicts{}",
        monitor.spec.rule.condition.describe(),
        window_words(monitor.spec.window_minutes),
        monitor.spec.rule.min_sample,
        if monitor.spec.rule.for_evaluations > 1 {
            format!(", for {} evaluations", monitor.spec.rule.for_evaluations)
        } else {
            String::new()
        }
    );
    let name = if can_edit {
        view! { <a href=format!("/projects/{slug}/monitors/{}", monitor.id) data-testid="edit-monitor">{monitor.spec.name.clone()}</a> }.into_any()
    } else {
        view! { <span>{monitor.spec.name.clone()}</span> }.into_any()
    };
    view! {
        <tr data-testid="monitor-row">
            <td>{name}</td>
            <td>{monitor.metric_name.clone()}<div class="muted">{monitor.scope()}</div></td>
            <td>{condition}</td>
            <td>{state_badge(monitor.state)}<div class="muted">{format!("since {}", monitor.since.format("%m-%d %H:%M"))}</div></td>
            <td>{monitor.last_observed.clone()}</td>
            <td class="actions">{can_answer.then(|| view! { <MuteButtons monitor=monitor.clone() actions slug=slug.clone()/> })}</td>
        </tr>
    }
}

#[component]
pub(super) fn EventRow(event: AlertEvent, actions: Actions, slug: String, open: bool) -> impl IntoView {
    let reminder = event.reason == Reason::Reminder;
    let acknowledged = match (&event.acknowledged_by, event.acknowledged_at) {
        (Some(by), Some(at)) => view! { <span data-testid="acknowledged-by">{format!("{by}, {}", at.format("%m-%d %H:%M"))}</span> }.into_any(),
        _ if open => view! { <AcknowledgeButton event=event.id actions slug/> }.into_any(),
        _ => view! { <span class="muted">"—"</span> }.into_any(),
    };
    view! {
        <tr data-testid="alert-event">
            <td>{event.at.format("%Y-%m-%d %H:%M").to_string()}</td>
            <td>{event.monitor.clone()}<div class="muted">{event.metric_name.clone()}</div></td>
            <td>
                {if reminder { "Reminder: still firing".to_owned() } else { format!("{} → {}", event.previous_state.label(), event.state.label()) }}
            </td>
            <td class="num">{event.observed_text.clone()}</td>
            <td class="num">{event.verdicts}</td>
            <td>{acknowledged}</td>
        </tr>
    }
}
