//! `/projects/:slug/alerts`: what is firing now first (to acknowledge or mute), every monitor
//! with where it stands, the alert history, the channels alerts go to with their delivery log
//! (and a banner when one was disabled), and what `/metrics` exports.

use crate::api::alerts::{
    get_alerts, AcknowledgeAlert, AlertsPage, DeleteChannel, EnableChannel, MuteMonitor, SaveChannel,
    SendTestMessage, SetExportedSegmentKeys,
};
use crate::components::data_table::DataTable;
use crate::components::for_role::ForProject;
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::membership::ProjectAccess;
use crate::domain::monitor::channel::ChannelView;
use crate::domain::monitor::view::{AlertEvent, MonitorView};
use crate::domain::monitor::MonitorState;
use channels::Channels;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;
use monitors::{EventRow, MonitorRow, OpenRow, HISTORY_COLUMNS, MONITOR_COLUMNS, OPEN_COLUMNS};
use prometheus::Prometheus;

mod channels;
mod monitors;
mod prometheus;

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
