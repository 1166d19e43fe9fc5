//! Whether to trust a judge: an automated metric against a human one on the outputs both
//! scored, with length bias for each side.

use crate::api::judge_checks::check_judge;
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, text_param};
use crate::domain::judge_check::JudgeCheck;
use crate::domain::stats::{show, Coefficient};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/projects/:slug/judge-check?human=…&automated=…&bias_level=…`.
/// The page's address: the two metrics compared and the length-bias level.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
struct CheckQuery {
    human: String,
    automated: String,
    bias_level: String,
}

#[component]
pub fn JudgeCheckPage() -> impl IntoView {
    let query = query_params::<CheckQuery>();
    let project = text_param("slug");
    let page = Resource::new(
        move || (project(), query.get()),
        |(project, q)| check_judge(project, q.human, q.automated, q.bias_level),
    );
    view! {
        <Title text="Judge check · Vernier"/>
        <ProjectPageHead title="Judge check"/>
        <p class="muted">"Compare an automated metric (an LLM judge, say) with people's final labels on the same outputs before trusting it."</p>
        {loaded(page, move |page| {
            let select = |name: &'static str, options: Vec<(String, String)>, current: String| view! {
                <select name=name data-testid=format!("check-{name}")>
                    <option value="">{if name == "human" {
                        "choose what people said: annotators' labels or end users' feedback".to_owned()
                    } else {
                        format!("choose the {name} metric")
                    }}</option>
                    {options.into_iter().map(|(key, label)| {
                        let selected = key == current;
                        view! { <option value=key.clone() selected=selected>{format!("{label} ({key})")}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any();
            view! {
                <form method="get" class="filters" data-testid="judge-check-form">
                    {select("human", page.human_metrics.clone(), query.get().human)}
                    {select("automated", page.automated_metrics.clone(), query.get().automated)}
                    <label>"Flag length bias from |r| ≥ "
                        <input type="text" name="bias_level" size="4" value=query.get().bias_level placeholder="0.3" data-testid="check-bias-level"/>
                    </label>
                    <button type="submit" data-testid="check-run">"Compare"</button>
                </form>
                {page.check.map(|check| view! { <CheckView check/> }.into_any())}
            }
        })}
    }
}

#[component]
fn CheckView(check: JudgeCheck) -> impl IntoView {
    let bias = |who: &'static str, r: Coefficient| {
        let flagged = check.biased(&r);
        view! {
            <tr data-testid=format!("length-{who}")>
                <th>{format!("{who}: correlation of score with reply length")}</th>
                <td>{show(&r)}
                    {flagged.then(|| view! { <span class="status status-retired" data-testid="bias-flag">" length bias"</span> })}
                </td>
            </tr>
        }
        .into_any()
    };
    let label = |v: f64| if v >= 1.0 { "pass" } else { "fail" };
    view! {
        <section class="card" data-testid="judge-check">
            <h2>{format!("{} outputs scored by both", check.outputs)}</h2>
            <table class="table">
                <tbody>
                    <tr><th>"Verdict agreement"</th><td data-testid="check-agreement">{show(&check.agreement)}</td></tr>
                    <tr><th>"Cohen's kappa (pass / fail)"</th><td data-testid="check-kappa">{show(&check.kappa)}</td></tr>
                    {check.weighted.map(|w| view! {
                        <tr><th>"Linear weighted kappa of values (ordinal)"</th><td data-testid="check-kappa-linear">{show(&w.linear)}</td></tr>
                        <tr><th>"Quadratic weighted kappa of values (ordinal)"</th><td data-testid="check-kappa-quadratic">{show(&w.quadratic)}</td></tr>
                    })}
                    <tr><th>"Spearman correlation of values"</th><td data-testid="check-spearman">{show(&check.spearman)}</td></tr>
                    <tr><th>"Pearson correlation of values"</th><td data-testid="check-pearson">{show(&check.pearson)}</td></tr>
                    {bias("people", check.human_length)}
                    {bias("judge", check.judge_length)}
                </tbody>
            </table>
            <h3>"Confusion matrix (rows: people, columns: judge)"</h3>
            <table class="table" data-testid="confusion">
                <thead><tr><th></th>{check.confusion.labels.iter().map(|&l| view! { <th>{format!("judge {}", label(l))}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {check.confusion.labels.iter().zip(&check.confusion.counts).map(|(&l, row)| view! {
                        <tr><th>{format!("people {}", label(l))}</th>{row.iter().map(|c| view! { <td class="num">{*c}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
