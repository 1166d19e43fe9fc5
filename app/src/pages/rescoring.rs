//! A metric's re-scoring jobs with live progress, and the form that starts one.

use crate::api::scoring::{list_scoring_jobs, StartScoringJob};
use crate::components::data_table::{Column, DataTable};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::domain::membership::ProjectAccess;
use crate::domain::scoring_job::{JobView, AUTOMATIC_WINDOW_DAYS};
use crate::error::AppError;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;

/// A metric's jobs: `None` for callers who may not see them (annotators).
pub type Jobs = Resource<Result<Option<Vec<JobView>>, AppError>>;

/// The jobs of the page's metric, refreshed after `start` and polled while a job is open, so
/// progress moves without a reload. Created with the page, not inside a suspended view, so the
/// server and the browser agree on it during hydration.
pub fn jobs_resource(
    project: impl Fn() -> String + Send + Sync + 'static,
    key: impl Fn() -> String + Send + Sync + 'static,
    start: ServerAction<StartScoringJob>,
) -> Jobs {
    let tick = RwSignal::new(0u32);
    let jobs = Resource::new(
        move || (project(), key(), start.version().get(), tick.get()),
        |(project, key, ..)| async move {
            match list_scoring_jobs(project, key).await {
                Ok(jobs) => Ok(Some(jobs)),
                Err(AppError::Forbidden(_)) => Ok(None),
                Err(error) => Err(error),
            }
        },
    );
    Effect::new(move |_| {
        let open = jobs
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|jobs| jobs.iter().any(|j| j.status.is_open()));
        if open {
            set_timeout(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_millis(700),
            );
        }
    });
    jobs
}

/// The panel: the jobs, and for editors the form that starts one.
#[component]
pub fn Rescoring(
    project: String,
    key: String,
    jobs: Jobs,
    start: ServerAction<StartScoringJob>,
) -> impl IntoView {
    let error = last_error(start);
    let (project, key) = (StoredValue::new(project), StoredValue::new(key));
    let panel = move |jobs: Option<Vec<JobView>>| {
        jobs.map(|jobs| view! {
            <section class="card" data-testid="rescoring">
                <h2>"Re-scoring"</h2>
                <p class="hint">
                    {format!("Activating the metric or changing its scorer re-scores the last {AUTOMATIC_WINDOW_DAYS} days of outputs. Score another range here.")}
                </p>
                <ForProject access=ProjectAccess::Edit>
                    <ActionForm action=start attr:class="inline-form" attr:data-testid="rescore-form">
                        <input type="hidden" name="project" value=project.get_value()/>
                        <input type="hidden" name="key" value=key.get_value()/>
                        <label>"From " <input type="date" name="from" required data-testid="rescore-from"/></label>
                        <label>"to " <input type="date" name="to" data-testid="rescore-to"/></label>
                        <button type="submit" data-testid="rescore-submit">"Score this range"</button>
                    </ActionForm>
                    <FieldError error field="from"/>
                    <FieldError error field="to"/>
                    <FormError error fields=&["from", "to"]/>
                </ForProject>
                <JobTable jobs/>
            </section>
        })
    };
    loaded(jobs, panel)
}

const JOB_COLUMNS: &[Column] = &[
    Column::number("Job"),
    Column::text("Why"),
    Column::text("Outputs from"),
    Column::text("Status"),
    Column::text("Progress"),
];

#[component]
fn JobTable(jobs: Vec<JobView>) -> impl IntoView {
    let day = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
    view! {
        <DataTable rows=jobs columns=JOB_COLUMNS empty="No re-scoring yet." testid="job-table" row=move |job: JobView| {
            let percent = job.percent();
            let counts = match job.total {
                Some(total) => format!("{} / {total}", job.done),
                None => "counting…".to_owned(),
            };
            let errors = (job.errors > 0).then(|| format!(" · {} scorer error(s), retried later", job.errors));
            view! {
                <tr data-testid=format!("job-{}", job.id)>
                    <td class="num">{job.id}</td>
                    <td>{job.reason.label()}{job.created_by.map(|by| format!(" by {by}"))}</td>
                    <td>{format!("{} – {}", day(job.from_time), day(job.to_time))}</td>
                    <td>
                        <span class=format!("status status-job-{}", job.status) data-testid="job-status">{job.status.label()}</span>
                        {(!job.message.is_empty()).then(|| view! { <span class="hint">{format!(" {}", job.message)}</span> })}
                    </td>
                    <td>
                        <progress max="100" value=percent.to_string() data-testid="job-progress"></progress>
                        <span class="hint" data-testid="job-counts">{format!(" {percent}% · {counts}")}{errors}</span>
                    </td>
                </tr>
            }
        }/>
    }
}
