//! `/projects/:slug/alerts`: what is firing now first (to acknowledge or mute), every monitor
//! with where it stands, the alert history, the channels alerts go to with their delivery log
//! (and a banner when one was disabled), and what `/metrics` exports.

use crate::api::alerts::{
    get_alerts, AcknowledgeAlert, AlertsPage, DeleteChannel, EnableChannel, MuteMonitor, SaveChannel,
    SendTestMessage, SetExportedSegmentKeys,
};
use crate::components::data_table::{Column, DataTable};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError, TextField};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::membership::ProjectAccess;
use crate::domain::monitor::channel::{ChannelKind, ChannelView, DeliveryStatus, DeliveryView};
use crate::domain::monitor::draft::window_words;
use crate::domain::monitor::view::{AlertEvent, MonitorView};
use crate::domain::monitor::{MonitorState, Reason};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The page's actions, created once at its top.
#[derive(Clone, Copy)]
struct Actions {
    acknowledge: ServerAction<AcknowledgeAlert>,
    mute: ServerAction<MuteMonitor>,
    save_channel: ServerAction<SaveChannel>,
    delete_channel: ServerAction<DeleteChannel>,
    enable_channel: ServerAction<EnableChannel>,
    send_test: ServerAction<SendTestMessage>,
    exported: ServerAction<SetExportedSegmentKeys>,
}

impl Actions {
    fn new() -> Self {
        Actions {
            acknowledge: ServerAction::new(),
            mute: ServerAction::new(),
            save_channel: ServerAction::new(),
            delete_channel: ServerAction::new(),
            enable_channel: ServerAction::new(),
            send_test: ServerAction::new(),
            exported: ServerAction::new(),
        }
    }

    fn version(self) -> usize {
        self.acknowledge.version().get()
            + self.mute.version().get()
            + self.save_channel.version().get()
            + self.delete_channel.version().get()
            + self.enable_channel.version().get()
            + self.send_test.version().get()
            + self.exported.version().get()
    }
}

#[component]
pub fn AlertsPage() -> impl IntoView {
    let project = text_param("slug");
    let actions = Actions::new();
    let data = Resource::new(move || (project(), actions.version()), |(p, _)| get_alerts(p));
    view! {
        <Title text="Alerts · Vernier"/>
        <ProjectPageHead title="Alerts">
            <ForProject access=ProjectAccess::Edit>
                <a href=move || format!("/projects/{}/monitors/new", project()) class="button primary" data-testid="new-monitor">"New monitor"</a>
            </ForProject>
        </ProjectPageHead>
        {loaded(data, move |page| view! { <Alerts page actions slug=project()/> })}
    }
}

/// A state as a coloured badge.
fn state_badge(state: MonitorState) -> impl IntoView {
    let class = match state {
        MonitorState::Firing | MonitorState::NoData => "badge bad",
        MonitorState::Pending | MonitorState::Muted => "badge warn",
        _ => "badge good",
    };
    view! { <span class=class data-testid="monitor-state">{state.label()}</span> }
}

#[component]
fn Alerts(page: AlertsPage, actions: Actions, slug: String) -> impl IntoView {
    let AlertsPage {
        name: _,
        monitors,
        events,
        channels,
        deliveries,
        can_edit,
        can_answer,
        segment_keys,
        exported_keys,
    } = page;
    let firing = monitors
        .iter()
        .filter(|m| m.state == MonitorState::Firing)
        .count();
    let open: Vec<MonitorView> = monitors
        .iter()
        .filter(|m| m.open_event.is_some())
        .cloned()
        .collect();
    let disabled: Vec<ChannelView> = channels
        .iter()
        .filter(|c| c.disabled_at.is_some())
        .cloned()
        .collect();
    let names: Vec<(i64, String)> = channels.iter().map(|c| (c.id, c.name.clone())).collect();
    let open_events: Vec<i64> = open.iter().filter_map(|m| m.open_event).collect();
    view! {
        <section class="kpis" data-testid="alerts-summary">
            <div class="kpi" class:kpi-alarm={firing > 0}>
                <div class="kpi-value" data-testid="firing-count">{firing}</div>
                <div class="kpi-label">"monitors firing"</div>
            </div>
            <div class="kpi" class:kpi-alarm=!open.is_empty()>
                <div class="kpi-value" data-testid="open-count">{open.len()}</div>
                <div class="kpi-label">"alerts not yet acknowledged"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{monitors.len()}</div>
                <div class="kpi-label">"monitors"</div>
            </div>
            <div class="kpi" class:kpi-alarm=!disabled.is_empty()>
                <div class="kpi-value">{if channels.is_empty() { "None".to_owned() } else { format!("{} of {}", channels.len() - disabled.len(), channels.len()) }}</div>
                <div class="kpi-label">{if channels.is_empty() { "channels: alerts reach no one yet" } else { "channels delivering" }}</div>
            </div>
        </section>
        {disabled.into_iter().map(|c| view! {
            <p class="alert" role="alert" data-testid="channel-disabled">
                {format!(
                    "Channel “{}” was disabled on {}: {}. Alerts are not delivered to it until an owner enables it again.",
                    c.name,
                    c.disabled_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default(),
                    c.disabled_reason
                )}
            </p>
        }).collect_view()}
        <section class="card" data-testid="open-alerts">
            <h2>"Open alerts"</h2>
            <DataTable rows=open columns=OPEN_COLUMNS empty="Nothing is firing." testid="open-alerts-table"
                row={
                    let slug = slug.clone();
                    move |m: MonitorView| view! { <OpenRow monitor=m actions slug=slug.clone() can_answer/> }
                }/>
        </section>
        <section class="card" data-testid="monitors">
            <h2>"Monitors"</h2>
            <DataTable rows=monitors columns=MONITOR_COLUMNS
                empty="No monitors yet: an owner adds one with New monitor, and sees from a backtest when it would have fired."
                testid="monitors-table"
                row={
                    let slug = slug.clone();
                    move |m: MonitorView| view! { <MonitorRow monitor=m actions slug=slug.clone() can_edit can_answer/> }
                }/>
        </section>
        <section class="card" data-testid="alert-history">
            <h2>"History"</h2>
            <DataTable rows=events columns=HISTORY_COLUMNS empty="No alerts yet." testid="history-table"
                row={
                    let slug = slug.clone();
                    move |e: AlertEvent| {
                        let open = can_answer && open_events.contains(&e.id);
                        view! { <EventRow event=e actions slug=slug.clone() open/> }
                    }
                }/>
        </section>
        <Channels channels deliveries names actions slug=slug.clone() can_edit/>
        <Prometheus slug segment_keys exported_keys actions can_edit/>
    }
}

const OPEN_COLUMNS: &[Column] = &[
    Column::text("Monitor"),
    Column::text("Since (UTC)"),
    Column::text("Now"),
    Column::text(""),
];
const MONITOR_COLUMNS: &[Column] = &[
    Column::text("Monitor"),
    Column::text("Metric and scope"),
    Column::text("Condition"),
    Column::text("State"),
    Column::text("Last evaluation"),
    Column::text(""),
];
const HISTORY_COLUMNS: &[Column] = &[
    Column::text("When (UTC)"),
    Column::text("Monitor"),
    Column::text("Change"),
    Column::number("Observed"),
    Column::number("Verdicts"),
    Column::text("Acknowledged"),
];

/// Mute buttons: for an hour, a day; or unmute.
#[component]
fn MuteButtons(monitor: MonitorView, actions: Actions, slug: String) -> impl IntoView {
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
fn AcknowledgeButton(event: i64, actions: Actions, slug: String) -> impl IntoView {
    view! {
        <ActionForm action=actions.acknowledge attr:class="inline-form">
            <input type="hidden" name="project" value=slug/>
            <input type="hidden" name="event" value=event/>
            <button type="submit" data-testid="acknowledge">"Acknowledge"</button>
        </ActionForm>
    }
}

#[component]
fn OpenRow(monitor: MonitorView, actions: Actions, slug: String, can_answer: bool) -> impl IntoView {
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
fn MonitorRow(
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
fn EventRow(event: AlertEvent, actions: Actions, slug: String, open: bool) -> impl IntoView {
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

const CHANNEL_COLUMNS: &[Column] = &[
    Column::text("Channel"),
    Column::text("Address"),
    Column::text("State"),
    Column::text(""),
];
const DELIVERY_COLUMNS: &[Column] = &[
    Column::text("When (UTC)"),
    Column::text("Channel"),
    Column::text("What"),
    Column::text("Status"),
    Column::number("Attempts"),
    Column::number("Code"),
    Column::number("Latency"),
    Column::text("Error / next attempt"),
];

#[component]
fn Channels(
    channels: Vec<ChannelView>,
    deliveries: Vec<DeliveryView>,
    names: Vec<(i64, String)>,
    actions: Actions,
    slug: String,
    can_edit: bool,
) -> impl IntoView {
    let tested = move || {
        actions.send_test.value().get().map(|result| match result {
            Ok(d) => view! {
                <p class:alert={d.status != DeliveryStatus::Delivered} class:notice={d.status == DeliveryStatus::Delivered} class:notice-ok={d.status == DeliveryStatus::Delivered} role="status" data-testid="test-result">
                    {if d.status == DeliveryStatus::Delivered {
                        format!("Test message delivered ({}, {} ms).", d.response_code.unwrap_or_default(), d.latency_ms.unwrap_or_default())
                    } else {
                        format!("Test message failed: {}", if d.last_error.is_empty() { "no answer".to_owned() } else { d.last_error.clone() })
                    }}
                </p>
            }.into_any(),
            Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
        })
    };
    let channel_name = move |id: i64| {
        names
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    view! {
        <section class="card" data-testid="channels">
            <h2>"Channels"</h2>
            <p class="muted">"Each monitor notifies the channels ticked on its form, when it starts firing, resolves or loses its data, and at its reminders."</p>
            {tested}
            <DataTable rows=channels columns=CHANNEL_COLUMNS empty="No channels yet: alerts show here only." testid="channels-table"
                row={
                    let slug = slug.clone();
                    move |c: ChannelView| view! { <ChannelRow channel=c actions slug=slug.clone() can_edit/> }
                }/>
            {can_edit.then(|| view! { <ChannelForm actions slug=slug.clone()/> })}
            <h3>"Delivery log"</h3>
            <DataTable rows=deliveries columns=DELIVERY_COLUMNS empty="Nothing sent yet." testid="deliveries-table"
                row=move |d: DeliveryView| view! {
                    <tr data-testid="delivery">
                        <td>{d.created_at.format("%m-%d %H:%M:%S").to_string()}</td>
                        <td>{channel_name(d.channel_id)}</td>
                        <td>{d.summary.clone()}</td>
                        <td><span class=match d.status { DeliveryStatus::Delivered => "badge good", DeliveryStatus::Pending => "badge warn", _ => "badge bad" } data-testid="delivery-status">{d.status.label()}</span></td>
                        <td class="num">{d.attempts}</td>
                        <td class="num">{d.response_code.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{d.latency_ms.map(|ms| format!("{ms} ms")).unwrap_or_else(|| "—".into())}</td>
                        <td>{if d.status == DeliveryStatus::Pending && d.attempts > 0 {
                            format!("{}; next at {}", d.last_error, d.next_attempt_at.format("%H:%M:%S"))
                        } else {
                            d.last_error.clone()
                        }}</td>
                    </tr>
                }/>
        </section>
    }
}

#[component]
fn ChannelRow(channel: ChannelView, actions: Actions, slug: String, can_edit: bool) -> impl IntoView {
    let id = channel.id;
    let state = match channel.disabled_at {
        Some(_) => view! { <span class="badge bad">"disabled"</span> }.into_any(),
        None if channel.consecutive_failures > 0 => view! {
            <span class="badge warn">{format!("{} of {} failures", channel.consecutive_failures, channel.disable_after)}</span>
        }
        .into_any(),
        None => view! { <span class="badge good">"delivering"</span> }.into_any(),
    };
    view! {
        <tr data-testid="channel-row">
            <td>
                <strong>{channel.name.clone()}</strong>
                <div class="muted">{format!("{}{}", channel.kind.label(), if channel.kind == ChannelKind::Webhook && channel.signed { ", signed" } else { "" })}</div>
            </td>
            <td class="mono wrap">{channel.url.clone()}</td>
            <td>{state}</td>
            <td class="actions">
                {can_edit.then(|| {
                    let (test_slug, enable_slug, delete_slug) = (slug.clone(), slug.clone(), slug.clone());
                    view! {
                    <ActionForm action=actions.send_test attr:class="inline-form">
                        <input type="hidden" name="project" value=test_slug/>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="secondary" data-testid="send-test">"Send test"</button>
                    </ActionForm>
                    {channel.disabled_at.is_some().then(|| view! {
                        <ActionForm action=actions.enable_channel attr:class="inline-form">
                            <input type="hidden" name="project" value=enable_slug/>
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" data-testid="enable-channel">"Enable"</button>
                        </ActionForm>
                    })}
                    <ActionForm action=actions.delete_channel attr:class="inline-form">
                        <input type="hidden" name="project" value=delete_slug/>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="link-button danger" data-testid="delete-channel">"Delete"</button>
                    </ActionForm>
                }})}
            </td>
        </tr>
    }
}

#[component]
fn ChannelForm(actions: Actions, slug: String) -> impl IntoView {
    let error = last_error(actions.save_channel);
    let secret = move || match actions.save_channel.value().get() {
        Some(Ok(Some(secret))) => Some(view! {
            <p class="notice notice-ok" role="status">
                "Signing secret (shown this once; the receiver checks the X-Vernier-Signature header with it): "
                <code data-testid="channel-secret">{secret}</code>
            </p>
        }),
        _ => None,
    };
    view! {
        <ErrorsFrom error>
            <h3>"Add a channel"</h3>
            {secret}
            <ActionForm action=actions.save_channel attr:class="grid-2" attr:data-testid="channel-form">
                <input type="hidden" name="project" value=slug/>
                <input type="hidden" name="id" value="0"/>
                <TextField label="Name" name="name" placeholder="On-call webhook" required=true/>
                <label class="field">
                    <span class="field-label">"Kind"</span>
                    <select name="kind" data-testid="input-kind">
                        {ChannelKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                    <FieldError field="kind"/>
                </label>
                <TextField label="Address (HTTPS)" name="url" placeholder="https://hooks.slack.com/services/…" required=true/>
                <TextField label="Signing secret (webhooks; empty: Vernier makes one)" name="secret" kind="password" autocomplete="new-password"/>
                <TextField label="Disable after failures in a row" name="disable_after" placeholder="5"/>
                <div class="field"><span class="field-label">" "</span><button type="submit" data-testid="save-channel">"Add channel"</button></div>
            </ActionForm>
            <FormError/>
        </ErrorsFrom>
    }
}

#[component]
fn Prometheus(
    slug: String,
    segment_keys: Vec<String>,
    exported_keys: Vec<String>,
    actions: Actions,
    can_edit: bool,
) -> impl IntoView {
    let error = last_error(actions.exported);
    let current = exported_keys.join(", ");
    let available = if segment_keys.is_empty() {
        "turn".to_owned()
    } else {
        format!("{}, turn", segment_keys.join(", "))
    };
    view! {
        <section class="card" data-testid="prometheus">
            <h2>"Prometheus and Grafana"</h2>
            <p class="muted">
                "GET /metrics, with the bearer token your administrator set (VERNIER_METRICS_TOKEN), serves this project's "
                "evaluations, dollars lost to failures and monitor states by metric and version. Segment values are "
                "labels only for the keys listed here, so series stay bounded."
            </p>
            <p data-testid="exported-keys">{if current.is_empty() { "No segment keys exported.".to_owned() } else { format!("Exported segment keys: {current}.") }}</p>
            {can_edit.then(|| view! {
                <ErrorsFrom error>
                    <ActionForm action=actions.exported attr:class="inline-form">
                        <input type="hidden" name="project" value=slug.clone()/>
                        <label class="field">
                            <span class="field-label">{format!("Export these segment keys (of {available})")}</span>
                            <input type="text" name="keys" value=current.clone() placeholder="language" data-testid="input-exported"/>
                            <FieldError field="exported"/>
                        </label>
                        <button type="submit" data-testid="save-exported">"Save"</button>
                    </ActionForm>
                    <FormError/>
                </ErrorsFrom>
            })}
        </section>
    }
}
