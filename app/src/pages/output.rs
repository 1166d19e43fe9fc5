//! One output: its conversation, the reply, metadata, retrieval data and every score with the
//! scorer's rationale.

use crate::api::outputs::get_output;
use crate::components::data_table::{Column, DataTable};
use crate::components::outcome::loaded;
use crate::components::params::{number_param, text_param};
use crate::domain::feedback::FeedbackView;
use crate::domain::output_browse::{OutputDetail, ScoreView, Turn, Verdict};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/projects/:slug/outputs/:id`.
#[component]
pub fn OutputPage() -> impl IntoView {
    let project = text_param("slug");
    let id = number_param("id");
    let detail = Resource::new(move || (project(), id()), |(project, id)| get_output(project, id));
    view! {
        {loaded(detail, move |output| {
            let project = project();
            view! {
                <Title text=format!("Output {} · Vernier", output.id)/>
                <div class="page-head">
                    <h1>{format!("Output {}", output.id)}</h1>
                    <a href=format!("/projects/{project}/outputs")>"← Outputs"</a>
                </div>
                <Conversation output=output.clone()/>
                <Scores scores=output.scores.clone()/>
                <Feedback feedback=output.feedback.clone()/>
                <Facts output=output.clone()/>
                <Turns turns=output.turns.clone() current=output.id project/>
            }
        })}
    }
}

#[component]
fn Conversation(output: OutputDetail) -> impl IntoView {
    let earlier = if output.messages.is_empty() {
        output
            .input
            .map(|input| vec![("user".to_owned(), input)])
            .unwrap_or_default()
    } else {
        output.messages.into_iter().map(|m| (m.role, m.content)).collect()
    };
    view! {
        <section class="card conversation" data-testid="conversation">
            <h2>"Conversation"</h2>
            {earlier
                .into_iter()
                .map(|(role, content)| {
                    let class = format!("message message-{role}");
                    view! { <div class=class><span class="role">{role}</span><p>{content}</p></div> }
                })
                .collect_view()}
            <div class="message message-reply" data-testid="reply">
                <span class="role">"reply"</span><p>{output.output}</p>
            </div>
            {output.expected_output.map(|expected| view! {
                <div class="message message-expected" data-testid="expected">
                    <span class="role">"expected"</span><p>{expected}</p>
                </div>
            })}
        </section>
    }
}

const SCORE_COLUMNS: &[Column] = &[
    Column::text("Metric"),
    Column::text("Verdict"),
    Column::number("Value"),
    Column::text("Why"),
    Column::text("Scorer"),
];

#[component]
fn Scores(scores: Vec<ScoreView>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Scores"</h2>
            <DataTable rows=scores columns=SCORE_COLUMNS empty="Not scored: no active automated metric when it arrived."
                testid="score-table" row=|score: ScoreView| view! { <ScoreLine score/> }/>
        </section>
    }
}

#[component]
fn ScoreLine(score: ScoreView) -> impl IntoView {
    let verdict = score.verdict();
    let why = match (&score.error, verdict) {
        (Some(error), _) => {
            let next = match score.retry_at {
                Some(at) => format!(" — retry {} at {}", score.attempts + 1, at.format("%H:%M:%S UTC")),
                None => String::new(),
            };
            format!("{} ({error}){next}", score.rationale)
        }
        (None, Verdict::Pending) => "waiting for the scoring worker".to_owned(),
        _ => score.rationale.clone(),
    };
    let testid = format!("score-{}", score.metric_key);
    view! {
        <tr data-testid=testid>
            <td><span class="mono">{score.metric_key}</span><br/><span class="hint">{score.metric_name}</span></td>
            <td><span class=format!("verdict verdict-{}", verdict.as_str()) data-testid="score-verdict">{verdict.label()}</span></td>
            <td class="num">{score.value.map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".into())}</td>
            <td data-testid="score-rationale">{why}</td>
            <td class="hint">{format!("{} · {}", score.scorer_version, score.scored_at.format("%Y-%m-%d %H:%M"))}</td>
        </tr>
    }
}

const FEEDBACK_COLUMNS: &[Column] = &[
    Column::text("When"),
    Column::text("Metric"),
    Column::text("Answer"),
    Column::text("Comment"),
];

/// End users' answers (shown only when there are some; who gave them is never shown).
#[component]
fn Feedback(feedback: Vec<FeedbackView>) -> impl IntoView {
    (!feedback.is_empty()).then(|| {
        view! {
            <section class="card">
                <h2>"End-user feedback"</h2>
                <DataTable rows=feedback columns=FEEDBACK_COLUMNS empty="No feedback." testid="feedback-table"
                    row=|f: FeedbackView| {
                        let class = if f.passed { "verdict verdict-pass" } else { "verdict verdict-fail" };
                        view! {
                            <tr data-testid="feedback-row">
                                <td class="hint">{f.given_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                <td><span class="mono">{f.metric_key}</span></td>
                                <td><span class=class data-testid="feedback-answer">{f.label}</span></td>
                                <td data-testid="feedback-comment">{f.comment.unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }/>
            </section>
        }
    })
}

#[component]
fn Facts(output: OutputDetail) -> impl IntoView {
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    let number = |v: Option<i32>| v.map(|n| n.to_string());
    let ids = |ids: Vec<String>| {
        if ids.is_empty() {
            "—".to_owned()
        } else {
            ids.join(", ")
        }
    };
    view! {
        <dl class="facts card" data-testid="output-facts">
            <dt>"Version"</dt><dd class="mono">{output.version}{output.model.map(|m| format!(" ({m})"))}</dd>
            <dt>"Source"</dt><dd>{output.source}</dd>
            <dt>"Happened"</dt><dd>{output.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</dd>
            <dt>"Received"</dt><dd>{output.ingested_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</dd>
            <dt>"External id"</dt><dd class="mono">{or_dash(output.external_id)}</dd>
            <dt>"Conversation"</dt><dd class="mono">{or_dash(output.conversation_id)}{number(output.turn_index).map(|t| format!(", turn {t}"))}</dd>
            <dt>"Segments"</dt>
            <dd data-testid="output-metadata">
                {if output.metadata.is_empty() { Some("—") } else { None }}
                {output.metadata.into_iter().map(|(k, v)| view! { <span class="chip">{format!("{k}={v}")}</span> }).collect_view()}
            </dd>
            <dt>"Retrieved"</dt><dd class="mono">{ids(output.retrieved_ids)}</dd>
            <dt>"Relevant"</dt><dd class="mono">{ids(output.relevant_ids)}</dd>
            <dt>"Relevance grades"</dt>
            <dd class="mono" data-testid="output-relevance">
                {ids(output.relevance.iter().map(|(id, grade)| format!("{id}: {grade}")).collect())}
            </dd>
            <dt>"Latency"</dt><dd>{or_dash(number(output.latency_ms).map(|ms| format!("{ms} ms")))}</dd>
            <dt>"Tokens"</dt><dd>{format!("{} in, {} out", or_dash(number(output.tokens_in)), or_dash(number(output.tokens_out)))}</dd>
        </dl>
    }
}

#[component]
fn Turns(turns: Vec<Turn>, current: i64, project: String) -> impl IntoView {
    (turns.len() > 1).then(|| view! {
        <section class="card">
            <h2>"Turns of this conversation"</h2>
            <ol class="turns">
                {turns
                    .into_iter()
                    .map(|turn| {
                        let label = format!("turn {}: {}", turn.turn_index.map_or("?".into(), |t| t.to_string()), turn.excerpt);
                        if turn.id == current {
                            view! { <li><strong>{label}</strong></li> }.into_any()
                        } else {
                            view! { <li><a href=format!("/projects/{project}/outputs/{}", turn.id)>{label}</a></li> }.into_any()
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    })
}
