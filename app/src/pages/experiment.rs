//! `/projects/:slug/experiments/:key`: one A/B test. The verdict first; then the design (the
//! users each arm needs, stated up front) and each arm's progress towards it; the users and
//! outputs per arm with the sample ratio check; once every arm has its users, the pass rates
//! per user with their intervals, each variant against the control on the primary metric and
//! the guardrails, and the primary metric in every segment.

use crate::api::experiments::{get_experiment, StopExperiment};
use crate::components::charts::{experiment_chart, EChart};
use crate::components::data_table::{Column, DataTable};
use crate::components::for_role::ForProject;
use crate::components::numbers::{percent, percent_interval, points};
use crate::components::outcome::loaded;
use crate::components::params::text_param;
use crate::domain::experiment::analysis::{ExperimentView, MetricResult, Outcome, Verdict};
use crate::domain::experiment::units::{ArmUnits, Units};
use crate::domain::membership::ProjectAccess;
use crate::domain::stats::sample_ratio::show_p;
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
                {e.units.clone().map(|units| view! { <UnitsCard units/> })}
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
        Verdict::GuardrailBroken { .. }
        | Verdict::KeepControl
        | Verdict::SampleRatioMismatch { .. }
        | Verdict::ArmsOnDifferentDays { .. } => "banner banner-danger",
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
                <div class="kpi-label">"users needed per arm"</div>
            </div>
            <div class="kpi" data-testid="kpi-design-effect">
                <div class="kpi-value">{format!("{:.2}", d.design_effect)}</div>
                <div class="kpi-label">{if d.is_clustering_measured() {
                    format!("design effect, {:.1} verdicts per user before the test", d.verdicts_per_user)
                } else {
                    "design effect assumed (no earlier traffic named its users)".to_owned()
                }}</div>
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
            <h2>{format!("Users with a verdict of {} per arm", e.design.primary)}</h2>
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

const UNIT_COLUMNS: &[Column] = &[
    Column::text("Version"),
    Column::number("Users"),
    Column::number("Outputs"),
    Column::number("Per user"),
    Column::number("Left out: other arm's users"),
    Column::number("Left out: no user id"),
];

/// The users and outputs per arm, and whether the split and the days hold.
#[component]
fn UnitsCard(units: Units) -> impl IntoView {
    let srm = &units.sample_ratio;
    let split = format!(
        "{} users against an even split ({} expected each): χ² = {:.2}, p = {}.",
        srm.observed
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" and "),
        srm.expected
            .first()
            .map(|e| format!("{e:.0}"))
            .unwrap_or_default(),
        srm.statistic,
        show_p(srm.p)
    );
    let (class, check) = if srm.mismatch() {
        ("banner banner-danger", format!("Sample ratio mismatch. {split} Below 0.001 the split is not chance: users were lost or moved after assignment."))
    } else {
        ("hint", format!("Sample ratio check passed. {split}"))
    };
    let days = units.uneven_day.clone().map(|(day, missing)| {
        format!("On {day} {} served no users while another arm did: unless every arm serves users on the same days, the result cannot be read at the horizon.", missing.join(", "))
    });
    let left_out: u64 = units
        .arms
        .iter()
        .map(|a| a.excluded_outputs + a.anonymous_outputs)
        .sum();
    view! {
        <section class="card">
            <h2>{format!("Users and outputs per arm, through {}", units.through)}</h2>
            <DataTable rows=units.arms.clone() columns=UNIT_COLUMNS empty="No outputs yet." testid="experiment-units" row=|a: ArmUnits| {
                let per_user = if a.users == 0 { "—".to_owned() } else { format!("{:.1}", a.outputs as f64 / a.users as f64) };
                view! {
                    <tr>
                        <td class="mono">{a.version}</td>
                        <td class="num">{a.users}</td>
                        <td class="num">{a.outputs}</td>
                        <td class="num">{per_user}</td>
                        <td class="num">{format!("{} outputs of {} users", a.excluded_outputs, a.excluded_users)}</td>
                        <td class="num">{a.anonymous_outputs}</td>
                    </tr>
                }
            }/>
            <p class=class data-testid="experiment-srm">{check}</p>
            {days.map(|d| view! { <p class="banner banner-danger">{d}</p> })}
            <p class="hint">{format!(
                "Arms are counted in users, the unit they are assigned by. {left_out} outputs of the arms' versions are left out: those from users the assignment put in another arm, and those that named no user (send the user field with every output)."
            )}</p>
        </section>
    }
}

const RATE_COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Version"),
    Column::number("Pass rate"),
    Column::text("Interval"),
    Column::number("Users"),
    Column::number("Verdicts"),
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
    users: u64,
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
            interval: match arm.design_effect {
                Some(de) => format!("{} · DE {de:.2}", percent_interval(arm.interval)),
                None => percent_interval(arm.interval),
            },
            users: arm.users,
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
        "Pass rates are all verdicts' over each arm's users; intervals treat the user as the unit (delta method: DE is how much a user's verdicts agree with each other), at {}% confidence (α = {} per comparison with the control).",
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
                        <td class="num">{r.users}</td>
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
            <p class="hint">"Read as the release comparison reads versions, per verdict: each variant against the control inside the segment, p-values adjusted over the segments (Benjamini–Hochberg). For understanding the result, not for declaring it."</p>
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
