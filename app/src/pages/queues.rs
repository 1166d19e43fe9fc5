//! A project's annotation queues with progress, and the form that creates one.

use crate::api::queues::{list_queues, queue_choices, CreateQueue, QueueFormChoices};
use crate::components::data_table::{Column, DataTable};
use crate::components::fields::{ChoiceField, InputField};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, ErrorsFrom, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, text_param};
use crate::domain::annotation::queue::SamplingKind;
use crate::domain::annotation::work::{Progress, QueueSummary};
use crate::domain::membership::ProjectAccess;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The queue form's address: `?sampling=negative_feedback&feedback_metric=thumbs-up`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct QueueFormQuery {
    pub sampling: String,
    pub feedback_metric: String,
}

/// `/projects/:slug/queues`; staff only (the server refuses annotators).
#[component]
pub fn QueuesPage() -> impl IntoView {
    let project = text_param("slug");
    let create = ServerAction::<CreateQueue>::new();
    let queues = Resource::new(
        move || (project(), create.version().get()),
        |(project, _)| list_queues(project),
    );
    let choices = Resource::new(project, queue_choices);
    view! {
        <Title text="Annotation queues · Vernier"/>
        <ProjectPageHead title="Annotation queues"/>
        {loaded(queues, move |queues| view! { <QueueTable queues link_base=format!("/projects/{}/queues", project())/> })}
        <ForProject access=ProjectAccess::Manage>
            {move || loaded(choices, move |choices| view! { <QueueForm create project=project() choices/> })}
        </ForProject>
    }
}

/// A progress bar with its numbers.
#[component]
pub fn ProgressBar(progress: Progress) -> impl IntoView {
    view! {
        <span class="progress" data-testid="progress">
            <progress max=progress.total().to_string() value=(progress.done + progress.skipped).to_string()></progress>
            {format!(
                " {}% · {} done, {} skipped, {} pending",
                progress.percent(), progress.done, progress.skipped, progress.pending
            )}
        </span>
    }
}

const QUEUE_COLUMNS: &[Column] = &[
    Column::text("Queue"),
    Column::text("Metrics"),
    Column::text("Sample"),
    Column::number("Overlap"),
    Column::text("Due"),
    Column::text("Progress"),
];

/// Queues with their sample, due date and progress; each links to `link_base/<id>`.
#[component]
pub fn QueueTable(queues: Vec<QueueSummary>, link_base: String) -> impl IntoView {
    view! {
        <DataTable rows=queues columns=QUEUE_COLUMNS empty="No queues yet." testid="queue-table" row=move |q: QueueSummary| view! {
            <tr data-testid=format!("queue-{}", q.id)>
                <td><a href=format!("{link_base}/{}", q.id)>{q.name}</a></td>
                <td>{q.metrics.join(", ")}</td>
                <td>{format!("{} ({} items)", q.sampling.describe(), q.items)}</td>
                <td class="num">{q.overlap}</td>
                <td>{q.due_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</td>
                <td><ProgressBar progress=q.progress/></td>
            </tr>
        }/>
    }
}

#[component]
fn QueueForm(create: ServerAction<CreateQueue>, project: String, choices: QueueFormChoices) -> impl IntoView {
    // Pages that send outputs to a queue link here with the sample chosen.
    let prefill = query_params::<QueueFormQuery>().get_untracked();
    let prefill = QueueFormQuery {
        sampling: Some(prefill.sampling)
            .filter(|s| SamplingKind::parse(s).is_ok())
            .unwrap_or_else(|| "random".into()),
        ..prefill
    };
    let error = last_error(create);
    let created = move || create.value().get().and_then(Result::ok);
    let kinds = SamplingKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect();
    let hint = |items: &[String]| {
        if items.is_empty() {
            "none yet".to_owned()
        } else {
            items.join(", ")
        }
    };
    let slug = project.clone();
    view! {
        <ErrorsFrom error>
        <section class="card">
            <h2>"New queue"</h2>
            <ActionForm action=create attr:class="form" attr:data-testid="queue-form">
                <input type="hidden" name="project" value=project/>
                <InputField label="Name" field="name" value=""/>
                <InputField label="Human metrics (keys, comma-separated)" field="metrics" value=""/>
                <p class="hint" data-testid="human-metric-choices">{format!("Human metrics with a rubric: {}", hint(&choices.human_metrics))}</p>
                <ChoiceField label="Sample" field="sampling" options=kinds selected=prefill.sampling/>
                <InputField label="Sample size" field="n" value="20" kind="number"/>
                <InputField label="Segment key (stratified by segment)" field="segment_key" value="" hint="e.g. language"/>
                <InputField label="Automated metric (failed outputs)" field="failed_metric" value=""/>
                <p class="hint">{format!("Automated metrics: {}", hint(&choices.automated_metrics))}</p>
                <InputField label="Feedback metric (negative end-user feedback)" field="feedback_metric" value=prefill.feedback_metric/>
                <p class="hint">{format!("Feedback metrics: {}", hint(&choices.feedback_metrics))}</p>
                <InputField label="Annotators (usernames, comma-separated)" field="annotators" value=""/>
                <p class="hint" data-testid="annotator-choices">{format!("Annotators: {}", hint(&choices.annotators))}</p>
                <InputField label="Overlap: annotators per item" field="overlap" value="1" kind="number"/>
                <InputField label="Due date" field="due_date" value="" kind="date"/>
                <FormError fields=&["name", "metrics", "sampling", "n", "segment_key", "failed_metric", "feedback_metric", "annotators", "overlap", "due_date"]/>
                <button type="submit" class="primary" data-testid="queue-submit">"Create queue"</button>
            </ActionForm>
            {move || created().map(|id| view! {
                <p class="success" data-testid="queue-created">
                    "Queue created. "<a href=format!("/projects/{slug}/queues/{id}")>"Open it"</a>
                </p>
            })}
        </section>
        </ErrorsFrom>
    }
}
