//! `/projects/:slug/runs/:run`: one eval run. Its pass rate per metric (with intervals) first,
//! then per tag, prompt-variant sensitivity where the dataset has variants, and every item's
//! verdicts; the runs on the same version it can be compared with.

use crate::api::datasets::{get_run, RunMetric, RunView};
use crate::components::data_table::{Column, DataTable};
use crate::components::numbers::{percent, CompactRate, RateCell};
use crate::components::outcome::loaded;
use crate::components::params::text_param;
use crate::domain::dataset::run::{ItemResult, TagRate};
use crate::domain::dataset::variants::{Flip, Sensitivity};
use crate::domain::trends::Rate;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/projects/:slug/runs/:run`.
#[component]
pub fn RunPage() -> impl IntoView {
    let project = text_param("slug");
    let run = text_param("run");
    let view = Resource::new(move || (project(), run()), |(project, run)| get_run(project, run));
    view! {
        {loaded(view, move |v| {
            let project = project();
            view! {
                <Title text=format!("{} · Eval run · Vernier", v.run.name)/>
                <div class="page-head">
                    <h1 data-testid="run-name">{v.run.name.clone()}</h1>
                    <a href=format!("/projects/{project}/datasets/{}", v.run.dataset)>{format!("← {} v{}", v.run.dataset, v.run.version)}</a>
                </div>
                <p class="muted">{format!("{} of {} items answered · started {}", v.run.outputs, v.run.items, v.run.created_at.format("%Y-%m-%d %H:%M UTC"))}</p>
                <Peers v=v.clone() project=project.clone()/>
                <Metrics metrics=v.metrics.clone()/>
                {
                    let sensitivities: Vec<Sensitivity> = v.metrics.iter().filter_map(|m| m.sensitivity.clone()).filter(|s| s.cases > 0).collect();
                    (!sensitivities.is_empty()).then(|| view! { <Variants sensitivities/> })
                }
                <Tags metrics=v.metrics.clone()/>
                <Results v=v.clone() project=project.clone()/>
            }
        })}
    }
}

#[component]
fn Peers(v: RunView, project: String) -> impl IntoView {
    (!v.peers.is_empty()).then(|| {
        let links = v
            .peers
            .iter()
            .map(|peer| {
                let href = format!("/projects/{project}/compare-runs?first={peer}&second={}", v.run.name);
                view! { <a href=href data-testid=format!("compare-with-{peer}")>{format!("against {peer}")}</a> }
            })
            .collect_view();
        view! { <nav class="subnav"><span class="muted">"Compare item by item "</span>{links}</nav> }
    })
}

const METRIC_COLUMNS: &[Column] = &[Column::text("Metric"), Column::number("Pass rate")];

#[component]
fn Metrics(metrics: Vec<RunMetric>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Pass rate per metric"</h2>
            <DataTable rows=metrics columns=METRIC_COLUMNS empty="No metric judged this run's outputs." testid="run-metrics" row=|m: RunMetric| view! {
                <tr data-testid=format!("run-metric-{}", m.metric)>
                    <td class="mono">{m.metric.clone()}</td>
                    <td class="num"><RateCell rate=m.rate/></td>
                </tr>
            }/>
        </section>
    }
}

/// Pass rates per tag value (rows) and metric (columns).
#[component]
fn Tags(metrics: Vec<RunMetric>) -> impl IntoView {
    let mut keys: Vec<(String, String)> = metrics
        .iter()
        .flat_map(|m| m.by_tag.iter().map(|t| (t.dimension.clone(), t.value.clone())))
        .collect();
    keys.sort();
    keys.dedup();
    let names: Vec<String> = metrics.iter().map(|m| m.metric.clone()).collect();
    view! {
        <section class="card">
            <h2>"By tag"</h2>
            <p class="hint">"Language, topic, difficulty, edge cases and free tags: where a run fails."</p>
            <div class="table-wrap">
            <table class="table" data-testid="run-tags">
                <thead><tr><th>"Tag"</th>{names.iter().map(|m| view! { <th class="num mono">{m.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {keys.into_iter().map(|(dimension, value)| {
                        let cells = metrics.iter().map(|m| {
                            let rate: Option<TagRate> = m.by_tag.iter().find(|t| t.dimension == dimension && t.value == value).cloned();
                            view! { <td class="num">{rate.map(|t| view! { <CompactRate rate=Rate::of(t.rate)/> })}</td> }
                        }).collect_view();
                        view! { <tr><td>{format!("{dimension}: {value}")}</td>{cells}</tr> }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}

/// Per metric: robustness across prompt variants, the worst variant, each variant's pass rate
/// and the cases that flip.
#[component]
fn Variants(sensitivities: Vec<Sensitivity>) -> impl IntoView {
    let variants: Vec<String> = sensitivities
        .first()
        .map(|s| s.variants.iter().map(|(v, _)| v.clone()).collect())
        .unwrap_or_default();
    view! {
        <section class="card">
            <h2>"Prompt-variant sensitivity"</h2>
            <p class="hint">"Robustness: the share of cases whose verdict is the same in every variant. A flip is a case that passes in one phrasing and fails in another."</p>
            <div class="table-wrap">
            <table class="table" data-testid="variants">
                <thead><tr>
                    <th>"Metric"</th><th class="num">"Robustness"</th><th>"Worst variant"</th>
                    {variants.iter().map(|v| view! { <th class="num">{v.clone()}</th> }).collect_view()}
                    <th>"Flips"</th>
                </tr></thead>
                <tbody>
                    {sensitivities.into_iter().map(|s| {
                        let rates = s.variants.iter().map(|(_, p)| view! { <td class="num">{Rate::of(*p).rate.map_or("—".to_owned(), percent)}</td> }).collect_view();
                        let flips = s.flips.iter().map(|f: &Flip| format!(
                            "{} ({})",
                            f.case_id,
                            f.verdicts.iter().map(|(v, p)| format!("{v} {}", if *p { "✓" } else { "✗" })).collect::<Vec<_>>().join(", ")
                        )).collect::<Vec<_>>().join("; ");
                        view! {
                            <tr data-testid=format!("variants-{}", s.metric)>
                                <td class="mono">{s.metric.clone()}</td>
                                <td class="num" data-testid="robustness" title=format!("of {} cases", s.cases)>{s.robustness().map_or("—".to_owned(), percent)}</td>
                                <td data-testid="worst-variant">{s.worst.clone().unwrap_or_else(|| "none".into())}</td>
                                {rates}
                                <td data-testid="flips">{if flips.is_empty() { "none".to_owned() } else { flips }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}

#[component]
fn Results(v: RunView, project: String) -> impl IntoView {
    let metrics: Vec<String> = v.metrics.iter().map(|m| m.metric.clone()).collect();
    let header = metrics.clone();
    view! {
        <section class="card">
            <h2>"Items"</h2>
            <div class="table-wrap">
            <table class="table" data-testid="run-items">
                <thead><tr><th>"Item"</th><th>"Tags"</th>{header.into_iter().map(|m| view! { <th class="mono">{m}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {v.results.into_iter().map(|r: ItemResult| {
                        let cells = metrics.iter().map(|m| {
                            let (mark, class) = match r.verdicts.get(m) {
                                Some(Some(true)) => ("pass", "pass"),
                                Some(Some(false)) => ("fail", "fail"),
                                _ => ("—", "muted"),
                            };
                            view! { <td class=class>{mark}</td> }
                        }).collect_view();
                        let tags = r.tags.dimensions().into_iter().filter(|(d, _)| *d != "edge case").map(|(_, v)| v).collect::<Vec<_>>().join(", ");
                        view! {
                            <tr data-testid=format!("result-{}", r.item_id)>
                                <td><a class="mono" href=format!("/projects/{project}/outputs/{}", r.output_id)>{r.item_id.clone()}</a></td>
                                <td>{tags}</td>
                                {cells}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        </section>
    }
}
