//! End users' complaints: the negative feedback that came with a comment, per metric and
//! version, searchable, each linking to its output; and the way into an annotation queue.

use crate::api::feedback::feedback_comments;
use crate::components::add_to_dataset::AddToDataset;
use crate::components::data_table::{Column, DataTable};
use crate::components::filters::FilterSelect;
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, query_string, text_param};
use crate::domain::feedback::{CommentFilter, FeedbackView};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/projects/:slug/feedback`; the filters live in the address.
#[component]
pub fn FeedbackPage() -> impl IntoView {
    let filter = query_params::<CommentFilter>();
    let project = text_param("slug");
    let page = Resource::new(
        move || (project(), filter.get()),
        |(project, filter)| feedback_comments(project, filter),
    );
    view! {
        <Title text="End-user feedback · Vernier"/>
        <ProjectPageHead title="End-user feedback"/>
        <p class="hint">"What end users said when they rated a reply below the metric's pass rule. Feedback arrives through the feedback API; see the API documentation for a chat widget's thumbs."</p>
        {loaded(page, move |page| {
            let current = filter.get();
            let project = project();
            let next = page.next_before.map(|before| {
                let next = CommentFilter { before: Some(before), ..current.clone() };
                format!("?{}", query_string(&next))
            });
            let queue_metric = if current.metric.is_empty() {
                page.metrics.first().map(|(key, _)| key.clone()).unwrap_or_default()
            } else {
                current.metric.clone()
            };
            let queue_link = (!queue_metric.is_empty()).then(|| {
                format!("/projects/{project}/queues?sampling=negative_feedback&feedback_metric={queue_metric}")
            });
            view! {
                <form method="get" class="filters" data-testid="feedback-filters">
                    <FilterSelect name="metric" current=current.metric.clone() options=page.metrics.iter().map(|(key, _)| key.clone()).collect()/>
                    <FilterSelect name="version" current=current.version.clone() options=page.versions.clone()/>
                    <input type="search" name="search" placeholder="words in the comment" value=current.search.clone() data-testid="feedback-search"/>
                    <button type="submit" data-testid="feedback-apply">"Filter"</button>
                    <a href="?">"Clear"</a>
                    {queue_link.map(|href| view! {
                        <a class="button" href=href data-testid="feedback-to-queue">{format!("Annotate negative feedback on {queue_metric} →")}</a>
                    })}
                </form>
                <AddToDataset project=project.clone() ids=Signal::stored(commented(&page.comments)) noun="commented outputs on this page"/>
                <CommentTable rows=page.comments project/>
                {next.map(|href| view! { <p><a href=href data-testid="older">"Older comments →"</a></p> })}
            }
        })}
    }
}

/// The outputs the comments are about, each once.
fn commented(comments: &[FeedbackView]) -> Vec<i64> {
    let mut ids: Vec<i64> = comments.iter().map(|c| c.output_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

const COMMENT_COLUMNS: &[Column] = &[
    Column::text("When"),
    Column::text("Metric"),
    Column::text("Version"),
    Column::text("Answer"),
    Column::text("Comment"),
];

#[component]
fn CommentTable(rows: Vec<FeedbackView>, project: String) -> impl IntoView {
    view! {
        <DataTable rows=rows columns=COMMENT_COLUMNS empty="No negative feedback with a comment matches." testid="comment-table"
            row=move |f: FeedbackView| {
                let href = format!("/projects/{project}/outputs/{}", f.output_id);
                view! {
                    <tr data-testid="comment-row">
                        <td class="nowrap"><a href=href>{f.given_at.format("%Y-%m-%d %H:%M").to_string()}</a></td>
                        <td class="mono nowrap">{f.metric_key}</td>
                        <td class="mono nowrap">{f.version}</td>
                        <td><span class="verdict verdict-fail">{f.label}</span></td>
                        <td data-testid="comment-text">{f.comment.unwrap_or_default()}</td>
                    </tr>
                }
            }/>
    }
}
