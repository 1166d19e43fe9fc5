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
                {v.metrics.iter().filter_map(|m| m.sensitivity.clone()).map(|s| view! { <Variants s/> }).collect_view()}
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

#[component]
fn Tags(metrics: Vec<RunMetric>) -> impl IntoView {
    let rows: Vec<(String, TagRate)> = metrics
        .iter()
        .flat_map(|m| m.by_tag.iter().map(move |t| (m.metric.clone(), t.clone())))
        .collect();
    const COLUMNS: &[Column] = &[
        Column::text("Metric"),
        Column::text("Tag"),
        Column::number("Pass rate"),
    ];
    view! {
        <section class="card">
            <h2>"By tag"</h2>
            <p class="hint">"Language, topic, difficulty, edge cases and free tags: where a run fails."</p>
            <DataTable rows columns=COLUMNS empty="No tagged items." testid="run-tags" row=|(metric, t): (String, TagRate)| view! {
                <tr>
                    <td class="mono">{metric}</td>
                    <td>{format!("{}: {}", t.dimension, t.value)}</td>
                    <td class="num"><CompactRate rate=Rate::of(t.rate)/></td>
                </tr>
            }/>
        </section>
    }
}

#[component]
fn Variants(s: Sensitivity) -> impl IntoView {
    let robustness = s.robustness().map_or("—".to_owned(), percent);
    let worst = s.worst.clone().unwrap_or_else(|| "—".into());
    const FLIP_COLUMNS: &[Column] = &[Column::text("Case"), Column::text("Verdict per variant")];
    view! {
        <section class="card" data-testid=format!("variants-{}", s.metric)>
            <h2>{format!("Prompt-variant sensitivity: {}", s.metric)}</h2>
            <section class="kpis">
                <div class="kpi">
                    <div class="kpi-value" data-testid="robustness">{robustness}</div>
                    <div class="kpi-label">{format!("of {} cases keep one verdict in every variant", s.cases)}</div>
                </div>
                <div class="kpi">
                    <div class="kpi-value" data-testid="worst-variant">{worst}</div>
                    <div class="kpi-label">"worst variant"</div>
                </div>
            </section>
            <p>{s.variants.iter().map(|(v, p)| format!("{v}: {}", Rate::of(*p).rate.map_or("—".to_owned(), percent))).collect::<Vec<_>>().join(" · ")}</p>
            <DataTable rows=s.flips.clone() columns=FLIP_COLUMNS empty="No case flips between variants." testid="flips" row=|f: Flip| view! {
                <tr>
                    <td class="mono">{f.case_id.clone()}</td>
                    <td>{f.verdicts.iter().map(|(v, p)| format!("{v} {}", if *p { "✓" } else { "✗" })).collect::<Vec<_>>().join(" · ")}</td>
                </tr>
            }/>
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
