//! `/projects/:slug/experiments/:key`: one A/B test. The verdict first; then the design (the
//! sample each arm needs, stated up front) and each arm's progress towards it; once every arm
//! has it, the pass rates with their intervals, each variant against the control on the
//! primary metric and the guardrails, and the primary metric in every segment.

use crate::api::experiments::{get_experiment, StopExperiment};
use crate::components::charts::{experiment_chart, EChart};
use crate::components::data_table::{Column, DataTable};
use crate::components::for_role::ForProject;
use crate::components::numbers::{percent, percent_interval, points};
use crate::components::outcome::loaded;
use crate::components::params::text_param;
use crate::domain::experiment::analysis::{ExperimentView, MetricResult, Outcome, Verdict};
use crate::domain::membership::ProjectAccess;
use crate::domain::trends::compare::ComparisonRow;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// `/projects/:slug/experiments/:key`.
#[component]
pub fn ExperimentPage() -> impl IntoView {
    let project = text_param("slug");
    let key = text_param("key");
    let stop = ServerAction::<StopExperiment>::new();
    let experiment = Resource::new(
        move || (project(), key(), stop.version().get()),
        |(project, key, _)| get_experiment(project, key),
    );
    view! {
        {loaded(experiment, move |e| {
            let project = project();
            view! {
                <Title text=format!("{} · A/B test · Vernier", e.design.name)/>
                <div class="page-head">
                    <h1>{e.design.name.clone()}</h1>
                    <a href=format!("/projects/{project}/experiments")>"← A/B tests"</a>
                </div>
                <Headline e=e.clone()/>
                <Design e=e.clone()/>
                <Progress e=e.clone()/>
                {e.primary.clone().map(|primary| view! { <Results e=e.clone() primary/> })}
                {(!e.segments.is_empty()).then(|| view! { <Segments rows=e.segments.clone()/> })}
                {e.ended_on.is_none().then(|| view! {
                    <ForProject access=ProjectAccess::Manage>
                        <StopForm stop project=project.clone() key=e.design.key.clone()/>
                    </ForProject>
                })}
            }
        })}
    }
}

#[component]
fn StopForm(stop: ServerAction<StopExperiment>, project: String, key: String) -> impl IntoView {
    view! {
        <ActionForm action=stop attr:class="inline">
            <input type="hidden" name="project" value=project/>
            <input type="hidden" name="key" value=key/>
            <button type="submit" data-testid="experiment-stop">"Stop the test"</button>
            <span class="hint">" Stops counting after today; a test stopped before its sample declares nothing."</span>
        </ActionForm>
    }
}

#[component]
fn Headline(e: ExperimentView) -> impl IntoView {
    let class = match &e.verdict {
        Verdict::Ship { .. } => "banner banner-ok",
        Verdict::GuardrailBroken { .. } | Verdict::KeepControl => "banner banner-danger",
        _ => "banner",
    };
    view! { <p class=class data-testid="experiment-verdict">{e.verdict.headline(&e.design)}</p> }
}

#[component]
fn Design(e: ExperimentView) -> impl IntoView {
    let d = &e.design;
    let guardrails = if d.guardrails.is_empty() {
        "none".to_owned()
    } else {
        d.guardrails.join(", ")
    };
    view! {
        <div class="kpis">
            <div class="kpi" data-testid="kpi-sample">
                <div class="kpi-value">{d.sample_per_arm.to_string()}</div>
                <div class="kpi-label">"scored outputs needed per arm"</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{d.versions.len().to_string()}</div>
                <div class="kpi-label">{format!("arms; control {}", d.versions[0])}</div>
            </div>
            <div class="kpi">
                <div class="kpi-value">{e.horizon.map(|h| h.to_string()).unwrap_or_else(|| "not yet".into())}</div>
                <div class="kpi-label">"sample reached (results count up to this day)"</div>
            </div>
        </div>
        <section class="card">
            <h2>"Design"</h2>
            <p data-testid="experiment-design">{d.describe()}</p>
            {(!d.hypothesis.is_empty()).then(|| view! { <p><strong>"Hypothesis: "</strong>{d.hypothesis.clone()}</p> })}
            <dl class="facts">
                <dt>"Decides on"</dt><dd class="mono">{d.primary.clone()}</dd>
                <dt>"Guardrails"</dt><dd class="mono">{guardrails}</dd>
                <dt>"Counting"</dt><dd>{format!("from {}{}", d.started_on, e.ended_on.map(|end| format!(" to {end} (stopped)")).unwrap_or_default())}</dd>
                <dt>"Created by"</dt><dd>{e.created_by.clone()}</dd>
            </dl>
        </section>
    }
}

#[component]
fn Progress(e: ExperimentView) -> impl IntoView {
    let needed = u64::from(e.design.sample_per_arm);
    view! {
        <section class="card">
            <h2>{format!("Scored outputs of {} per arm", e.design.primary)}</h2>
            {e.progress
                .into_iter()
                .map(|(version, n)| view! {
                    <div class="arm-progress" data-testid="arm-progress">
                        <span class="mono">{version}</span>
                        <progress max=needed.to_string() value=n.min(needed).to_string()></progress>
                        <span>{format!("{n} of {needed}")}</span>
                    </div>
                })
                .collect_view()}
            {(!e.verdict.is_decided()).then(|| view! {
                <p class="hint">"Pass rates stay hidden until every arm has its sample: a test read early and stopped on a good day finds winners that are not there."</p>
            })}
        </section>
    }
}

const RATE_COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Version"),
    Column::number("Pass rate"),
    Column::text("Interval"),
    Column::number("n"),
    Column::text("Against the control"),
];

/// One row of the results: a metric's arm with its difference from the control.
#[derive(Clone, PartialEq)]
struct ResultRow {
    metric: String,
    role: &'static str,
    version: String,
    rate: Option<f64>,
    interval: String,
    n: u64,
    against: Option<(Option<f64>, String, Outcome)>,
}

fn result_rows(metric: &MetricResult, role: &'static str) -> Vec<ResultRow> {
    metric
        .arms
        .iter()
        .map(|arm| ResultRow {
            metric: metric.key.clone(),
            role,
            version: arm.version.clone(),
            rate: arm.rate,
            interval: percent_interval(arm.interval),
            n: arm.n,
            against: metric
                .differences
                .iter()
                .find(|d| d.version == arm.version)
                .map(|d| {
                    (
                        d.delta,
                        format!("{} to {}", points(d.interval.low), points(d.interval.high)),
                        d.outcome,
                    )
                }),
        })
        .collect()
}

#[component]
fn Results(e: ExperimentView, primary: MetricResult) -> impl IntoView {
    let mut rows = result_rows(&primary, "primary");
    for guardrail in &e.guardrails {
        rows.extend(result_rows(guardrail, "guardrail"));
    }
    let level = format!(
        "Intervals at {}% confidence (α = {} per comparison with the control).",
        ((1.0 - e.comparison_alpha) * 1000.0).round() / 10.0,
        e.comparison_alpha
    );
    let chart_view = e.clone();
    view! {
        <section class="card">
            <h2>"Results at the horizon"</h2>
            <EChart id="experiment-chart".to_owned() height=260 chart=move || experiment_chart(&chart_view)/>
            <DataTable rows=rows columns=RATE_COLUMNS empty="No verdicts." testid="experiment-results" row=|r: ResultRow| {
                let against = match r.against {
                    None => view! { <span class="hint">"control"</span> }.into_any(),
                    Some((delta, interval, outcome)) => {
                        let class = match outcome {
                            Outcome::Better => "verdict verdict-pass",
                            Outcome::Worse => "verdict verdict-fail",
                            Outcome::NoDetectableDifference => "verdict verdict-na",
                        };
                        view! {
                            <span>{delta.map(points).unwrap_or_else(|| "—".into())}</span>
                            <span class="hint">{format!(" ({interval}) ")}</span>
                            <span class=class data-testid="experiment-outcome">{outcome.label()}</span>
                        }
                        .into_any()
                    }
                };
                view! {
                    <tr>
                        <td><span class="mono">{r.metric}</span><br/><span class="hint">{r.role}</span></td>
                        <td class="mono">{r.version}</td>
                        <td class="num">{r.rate.map(percent).unwrap_or_else(|| "—".into())}</td>
                        <td class="hint">{r.interval}</td>
                        <td class="num">{r.n}</td>
                        <td>{against}</td>
                    </tr>
                }
            }/>
            <p class="hint">{level}</p>
        </section>
    }
}

const SEGMENT_COLUMNS: &[Column] = &[
    Column::text("Segment"),
    Column::text("Variant"),
    Column::number("Control"),
    Column::number("Variant"),
    Column::text("Change"),
    Column::number("q"),
    Column::text("Verdict"),
];

#[component]
fn Segments(rows: Vec<ComparisonRow>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"The primary metric in every segment"</h2>
            <p class="hint">"Read as the release comparison reads versions: each variant against the control inside the segment, p-values adjusted over the segments (Benjamini–Hochberg). For understanding the result, not for declaring it."</p>
            <DataTable rows=rows columns=SEGMENT_COLUMNS empty="No segments." testid="experiment-segments" row=|r: ComparisonRow| {
                let rate = |rate: Option<f64>| rate.map(percent).unwrap_or_else(|| "—".into());
                view! {
                    <tr>
                        <td class="mono">{r.segment.map(|s| s.to_string()).unwrap_or_default()}</td>
                        <td class="mono">{r.metric_key}</td>
                        <td class="num">{rate(r.a.rate)}<div class="hint">{format!("n = {}", r.a.n)}</div></td>
                        <td class="num">{rate(r.b.rate)}<div class="hint">{format!("n = {}", r.b.n)}</div></td>
                        <td>{r.change.delta.map(points).unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{format!("{:.3}", r.q)}</td>
                        <td>{r.verdict.label()}</td>
                    </tr>
                }
            }/>
        </section>
    }
}
