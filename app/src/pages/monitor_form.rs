//! `/projects/:slug/monitors/new` and `/projects/:slug/monitors/:id`: an owner defines a monitor
//! and, before saving, sees from a 30-day backtest when it would have fired and resolved.

use crate::api::alerts::{
    get_monitor_form, BacktestMonitor, BacktestView, DeleteMonitor, MonitorFormPage, SaveMonitor,
};
use crate::components::charts::{backtest_chart, EChart};
use crate::components::forms::{last_error, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::components::params::{number_param, text_param};
use crate::domain::monitor::draft::{window_words, ConditionKind, MonitorForm};
use crate::domain::monitor::MonitorState;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The page: a new monitor (no `:id`) or an existing one.
#[component]
pub fn MonitorFormPage() -> impl IntoView {
    let project = text_param("slug");
    let id = number_param("id");
    let query = use_query_map();
    let data = Resource::new(
        move || (project(), id(), query.read().get("metric").unwrap_or_default()),
        |(project, id, metric)| get_monitor_form(project, id, metric),
    );
    let title = move || if id() == 0 { "New monitor" } else { "Edit monitor" };
    view! {
        <Title text=move || format!("{} · Vernier", title())/>
        <div class="page-head">
            <h1>{title}</h1>
            <a href=move || format!("/projects/{}/alerts", project())>"← Alerts"</a>
        </div>
        {loaded(data, move |page| view! { <Editor page slug=project() id=id()/> })}
    }
}

/// An input bound to one field of the form.
#[component]
fn Input(
    label: &'static str,
    field: &'static str,
    form: RwSignal<MonitorForm>,
    get: fn(&MonitorForm) -> String,
    set: fn(&mut MonitorForm, String),
    error: Signal<Option<AppError>>,
    #[prop(optional, into)] hint: String,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input
                type="text"
                placeholder=placeholder
                prop:value=move || form.with(get)
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
                data-testid=format!("input-{field}")
            />
            {(!hint.is_empty()).then(move || view! { <span class="hint">{hint}</span> })}
            <FieldError error field/>
        </label>
    }
}

/// A choice bound to one field of the form; `options` are (value, label).
#[component]
fn Select(
    label: &'static str,
    field: &'static str,
    form: RwSignal<MonitorForm>,
    get: fn(&MonitorForm) -> String,
    set: fn(&mut MonitorForm, String),
    error: Signal<Option<AppError>>,
    options: Vec<(String, String)>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <select
                prop:value=move || form.with(get)
                on:change=move |ev| form.update(|f| set(f, event_target_value(&ev)))
                data-testid=format!("input-{field}")
            >
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
            <FieldError error field/>
        </label>
    }
}

#[component]
fn Editor(page: MonitorFormPage, slug: String, id: i64) -> impl IntoView {
    let MonitorFormPage {
        form: initial,
        metrics,
        segment_keys,
        versions,
        channels,
    } = page;
    let form = RwSignal::new(initial);
    let backtest = ServerAction::<BacktestMonitor>::new();
    let save = ServerAction::<SaveMonitor>::new();
    let delete = ServerAction::<DeleteMonitor>::new();
    // Errors of whichever action ran last.
    let last = RwSignal::new("");
    let (backtest_error, save_error) = (last_error(backtest), last_error(save));
    let error = Signal::derive(move || match last.get() {
        "save" => save_error.get(),
        _ => backtest_error.get(),
    });
    let run_backtest = {
        let slug = slug.clone();
        move || {
            last.set("backtest");
            backtest.dispatch(BacktestMonitor {
                project: slug.clone(),
                form: form.get_untracked(),
            });
        }
    };
    // A first preview at once, with the form as loaded.
    let first = run_backtest.clone();
    Effect::new(move |ran: Option<()>| {
        if ran.is_none() {
            first();
        }
    });
    let navigate = use_navigate();
    let alerts = format!("/projects/{slug}/alerts");
    Effect::new({
        let (navigate, alerts) = (navigate.clone(), alerts.clone());
        move |_| {
            if matches!(save.value().get(), Some(Ok(_))) || matches!(delete.value().get(), Some(Ok(_))) {
                navigate(&alerts, Default::default());
            }
        }
    });
    let on_save = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            last.set("save");
            save.dispatch(SaveMonitor {
                project: slug.clone(),
                id,
                form: form.get_untracked(),
            });
        }
    };
    let preview = run_backtest.clone();
    let keys_hint = format!(
        "key=value, e.g. language=de; keys: {}. Empty: all traffic.",
        segment_keys.join(", ")
    );
    let channel_boxes = channels
        .into_iter()
        .map(|(channel, name, disabled)| {
            let checked = move || form.with(|f| f.channels.contains(&channel));
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            form.update(|f| {
                                f.channels.retain(|c| *c != channel);
                                if on {
                                    f.channels.push(channel);
                                }
                            });
                        }
                        data-testid=format!("channel-{name}")
                    />
                    {name.clone()}
                    {disabled.then(|| view! { <span class="badge warn">"disabled"</span> })}
                </label>
            }
        })
        .collect_view();
    let slug_for_delete = slug.clone();
    let metric_options = metrics
        .into_iter()
        .map(|(key, name)| (key.clone(), format!("{name} ({key})")))
        .collect();
    let version_options = std::iter::once((String::new(), "Every version".to_owned()))
        .chain(versions.into_iter().map(|v| (v.clone(), v)))
        .collect();
    let condition_options = ConditionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect();
    view! {
        <form class="card monitor-form" on:submit=on_save data-testid="monitor-form">
            <div class="grid-2">
                <Input label="Name" field="name" form error get=|f| f.name.clone() set=|f, v| f.name = v placeholder="German replies in German"/>
                <Select label="Metric" field="metric" form error get=|f| f.metric.clone() set=|f, v| f.metric = v options=metric_options/>
                <Input label="Segment" field="segment" form error get=|f| f.segment.clone() set=|f, v| f.segment = v hint=keys_hint placeholder="language=de"/>
                <Select label="Version" field="version" form error get=|f| f.version.clone() set=|f, v| f.version = v options=version_options/>
                <Select label="Condition" field="condition" form error get=|f| f.condition.clone() set=|f, v| f.condition = v options=condition_options/>
                <Input label="Window (minutes)" field="window" form error get=|f| f.window_minutes.clone() set=|f, v| f.window_minutes = v hint="5 minutes to 7 days (10080)"/>
                <Input label="Fires above / below" field="threshold" form error get=|f| f.threshold.clone() set=|f, v| f.threshold = v hint="A rate (20% or 0.2) or, for dollar impact, an amount ($50)"/>
                <Input label="Resolves at" field="recovery" form error get=|f| f.recovery.clone() set=|f, v| f.recovery = v hint="On the safe side of the threshold, so the alert does not flap; empty: the threshold"/>
                <Input label="Minimum sample" field="min_sample" form error get=|f| f.min_sample.clone() set=|f, v| f.min_sample = v hint="Verdicts a window needs before it is judged"/>
                <Input label="For evaluations in a row" field="for_evaluations" form error get=|f| f.for_evaluations.clone() set=|f, v| f.for_evaluations = v hint="Evaluated every minute; pending until then"/>
                <Input label="No data after (minutes)" field="no_data_minutes" form error get=|f| f.no_data_minutes.clone() set=|f, v| f.no_data_minutes = v hint="Empty: keep the state while data is missing"/>
                <Input label="Remind every (minutes)" field="reminder_minutes" form error get=|f| f.reminder_minutes.clone() set=|f, v| f.reminder_minutes = v hint="While firing; empty: no reminders"/>
            </div>
            <fieldset class="channels">
                <legend>"Notify"</legend>
                {channel_boxes}
                <p class="muted">"Channels are added on the alerts page."</p>
                <FieldError error field="channels"/>
            </fieldset>
            <FormError error fields=&["name", "metric", "segment", "version", "condition", "window", "threshold", "recovery", "min_sample", "for_evaluations", "no_data_minutes", "reminder_minutes", "channels"]/>
            <div class="actions">
                // One replay at a time: a slower earlier one must not land over the newer.
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| preview()
                    prop:disabled=move || backtest.pending().get()
                    data-testid="run-backtest"
                >
                    "Run backtest"
                </button>
                <button type="submit" class="primary" data-testid="save-monitor">"Save monitor"</button>
                {(id != 0).then(|| view! {
                    <button type="button" class="link-button danger" data-testid="delete-monitor"
                        on:click=move |_| { delete.dispatch(DeleteMonitor { project: slug_for_delete.clone(), id }); }>
                        "Delete monitor"
                    </button>
                })}
            </div>
        </form>
        <section class="card" data-testid="backtest">
            <h2>"Backtest: the last 30 days"</h2>
            {move || {
                if backtest.pending().get() {
                    return view! { <p class="muted" role="status">"Replaying 30 days…"</p> }.into_any();
                }
                match backtest.value().get() {
                    Some(Ok(view)) => view! { <BacktestResult view/> }.into_any(),
                    Some(Err(_)) => view! { <p class="muted">"Fix the form to see the backtest."</p> }.into_any(),
                    None => view! { <p class="muted">"Run the backtest to see when this monitor would have fired."</p> }.into_any(),
                }
            }}
        </section>
    }
}

#[component]
fn BacktestResult(view: BacktestView) -> impl IntoView {
    let first = view
        .notifications
        .iter()
        .find(|(_, n)| n.state == MonitorState::Firing)
        .map(|(at, _)| *at);
    let hours = view.minutes_firing as f64 / 60.0;
    let summary = if view.firings == 0 {
        "It would not have fired.".to_owned()
    } else {
        format!(
            "It would have fired {} time{}, first on {}, and fired for {hours:.0} hours in all.",
            view.firings,
            if view.firings == 1 { "" } else { "s" },
            first
                .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default()
        )
    };
    let chart = view.clone();
    let rows: Vec<_> = view.notifications.iter().rev().take(50).cloned().collect();
    let unit_dollars = view.dollars;
    view! {
        <section class="kpis">
            <div class="kpi" class:kpi-alarm={view.firings > 0}>
                <div class="kpi-value" data-testid="backtest-firings">{view.firings}</div>
                <div class="kpi-label">"times it would have fired"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{format!("{hours:.0} h")}</div>
                <div class="kpi-label">"spent firing"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value" data-testid="backtest-first">{first.map(|at| at.format("%m-%d %H:%M").to_string()).unwrap_or_else(|| "—".into())}</div>
                <div class="kpi-label">"first fired (UTC)"</div>
            </div>
        </section>
        <p data-testid="backtest-summary">{summary}</p>
        <p class="muted">{format!(
            "Replayed every {} (the monitor itself runs every minute); shaded: firing; dashed: thresholds and where each version first appeared.",
            window_words(view.step_minutes)
        )}</p>
        <EChart id="backtest-chart".into() height=300 chart=move || backtest_chart(&chart)/>
        <table class="table" data-testid="backtest-events">
            <thead><tr><th>"When (UTC)"</th><th>"Change"</th><th class="num">"Observed"</th><th class="num">"Verdicts"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(at, n)| {
                    let observed = n.observed.map_or("—".to_owned(), |v| if unit_dollars { format!("${:.2}", v / 1e6) } else { format!("{:.1}%", v * 100.0) });
                    view! {
                        <tr>
                            <td>{at.format("%Y-%m-%d %H:%M").to_string()}</td>
                            <td>{format!("{} → {}", n.previous.label(), n.state.label())}</td>
                            <td class="num">{observed}</td>
                            <td class="num">{n.verdicts}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
