//! `/projects/:slug/compare-runs?first=&second=`: two eval runs on one dataset version, item by
//! item. Per metric: the verdict (McNemar's exact test on the items whose verdict changed), the
//! items newly failing and newly passing, and both pass rates over the paired items.

use crate::api::datasets::{compare_runs, RunComparison};
use crate::components::numbers::{percent, points};
use crate::components::outcome::loaded;
use crate::components::params::{query_params, text_param};
use crate::domain::dataset::run::Paired;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// Significance level of the paired test.
const ALPHA: f64 = 0.05;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Query {
    first: String,
    second: String,
}

/// `/projects/:slug/compare-runs`.
#[component]
pub fn CompareRunsPage() -> impl IntoView {
    let project = text_param("slug");
    let query = query_params::<Query>();
    let comparison = Resource::new(
        move || (project(), query.get()),
        |(project, q)| compare_runs(project, q.first, q.second),
    );
    view! {
        <Title text="Compare eval runs · Vernier"/>
        {loaded(comparison, move |c: RunComparison| {
            let project = project();
            view! {
                <div class="page-head">
                    <h1>{format!("{} → {}", c.first.name, c.second.name)}</h1>
                    <a href=format!("/projects/{project}/datasets/{}", c.first.dataset)>{format!("← {} v{}", c.first.dataset, c.first.version)}</a>
                </div>
                <p class="hint">{format!("Each item of {} v{} answered in both runs is a pair; only the items whose verdict changed tell the runs apart (McNemar's exact test, significant below p = {ALPHA}).", c.first.dataset, c.first.version)}</p>
                <Summary c=c.clone()/>
                {c.metrics.iter().filter(|m| !m.newly_failing.is_empty() || !m.newly_passing.is_empty()).map(|m| view! {
                    <MetricPairs m=m.clone() first=c.first.name.clone() second=c.second.name.clone()/>
                }).collect_view()}
            }
        })}
    }
}

/// What the paired test says of `m`, and the banner class that goes with it.
fn verdict(m: &Paired, second: &str) -> (String, &'static str) {
    match (m.first.rate(), m.second.rate()) {
        _ if m.pairs == 0 => ("no item judged in both runs".to_owned(), "banner"),
        (Some(a), Some(b)) if m.significant(ALPHA) && b < a => (
            format!("{second} is worse: {} (p = {:.4})", points(b - a), m.p),
            "banner banner-danger",
        ),
        (Some(a), Some(b)) if m.significant(ALPHA) => (
            format!("{second} is better: {} (p = {:.4})", points(b - a), m.p),
            "banner banner-ok",
        ),
        (Some(a), Some(b)) => (
            format!("no significant change: {} (p = {:.3})", points(b - a), m.p),
            "banner",
        ),
        _ => ("—".to_owned(), "banner"),
    }
}

/// Every metric on one line, significant changes first.
#[component]
fn Summary(c: RunComparison) -> impl IntoView {
    let mut metrics = c.metrics.clone();
    metrics.sort_by(|a, b| a.p.total_cmp(&b.p).then(a.metric.cmp(&b.metric)));
    view! {
        <section class="card">
            <div class="table-wrap">
            <table class="table" data-testid="compare-summary">
                <thead><tr>
                    <th>"Metric"</th><th class="num">{c.first.name.clone()}</th><th class="num">{c.second.name.clone()}</th>
                    <th class="num">"Newly failing"</th><th class="num">"Newly passing"</th><th class="num">"p"</th><th>"Verdict"</th>
                </tr></thead>
                <tbody>
                    {metrics.into_iter().map(|m| {
                        let (text, class) = verdict(&m, &c.second.name);
                        let cell = |p: crate::domain::stats::proportions::Proportion| p.rate().map_or("—".to_owned(), |r| format!("{} of {}", percent(r), p.n));
                        view! {
                            <tr data-testid=format!("summary-{}", m.metric)>
                                <td class="mono">{m.metric.clone()}</td>
                                <td class="num">{cell(m.first)}</td>
                                <td class="num">{cell(m.second)}</td>
                                <td class="num">{m.newly_failing.len()}</td>
                                <td class="num">{m.newly_passing.len()}</td>
                                <td class="num">{format!("{:.4}", m.p)}</td>
                                <td class:change-worse=class.contains("danger")>{text}</td>
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
fn MetricPairs(m: Paired, first: String, second: String) -> impl IntoView {
    let (a, b) = (m.first.rate(), m.second.rate());
    let (verdict, class) = verdict(&m, &second);
    let items = |ids: &[String]| {
        if ids.is_empty() {
            view! { <p class="muted">"none"</p> }.into_any()
        } else {
            view! { <ul class="inline-list">{ids.iter().map(|i| view! { <li class="mono">{i.clone()}</li> }).collect_view()}</ul> }.into_any()
        }
    };
    view! {
        <section class="card" data-testid=format!("paired-{}", m.metric)>
            <h2 class="mono">{m.metric.clone()}</h2>
            <p class=class data-testid="paired-verdict">{verdict}</p>
            <section class="kpis">
                <div class="kpi"><div class="kpi-value">{a.map_or("—".into(), percent)}</div><div class="kpi-label">{format!("{first} over {} pairs", m.pairs)}</div></div>
                <div class="kpi"><div class="kpi-value">{b.map_or("—".into(), percent)}</div><div class="kpi-label">{second.clone()}</div></div>
                <div class="kpi"><div class="kpi-value" data-testid="paired-p">{format!("{:.4}", m.p)}</div><div class="kpi-label">"p (McNemar exact)"</div></div>
            </section>
            <table class="table">
                <thead><tr><th></th><th class="num">{format!("{second} passes")}</th><th class="num">{format!("{second} fails")}</th></tr></thead>
                <tbody>
                    <tr><th>{format!("{first} passed")}</th><td class="num">{m.both_pass}</td><td class="num" data-testid="newly-failing-count">{m.newly_failing.len()}</td></tr>
                    <tr><th>{format!("{first} failed")}</th><td class="num">{m.newly_passing.len()}</td><td class="num">{m.both_fail}</td></tr>
                </tbody>
            </table>
            <h3>{format!("Newly failing in {second}")}</h3>
            <div data-testid="newly-failing">{items(&m.newly_failing)}</div>
            <h3>{format!("Newly passing in {second}")}</h3>
            <div data-testid="newly-passing">{items(&m.newly_passing)}</div>
        </section>
    }
}
