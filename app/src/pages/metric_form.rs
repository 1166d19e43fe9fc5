//! Creating and editing a metric: every field with its validation message beside it.

use crate::api::metric_io::list_people;
use crate::api::metrics::{get_metric, CreateMetric, UpdateMetric};
use crate::components::fields::{options, ChoiceField, InputField, TextAreaField};
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::components::params::text_param;
use crate::domain::metric::kinds::{Cadence, Category, Direction, FailureAction, Paradigm, Stage};
use crate::domain::metric::scorer::ScorerSpec;
use crate::domain::metric::MetricInput;
use crate::domain::person::Person;
use crate::error::AppError;
use crate::session::SessionContext;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

/// `/projects/:slug/metrics/new`: a blank form with sensible defaults.
#[component]
pub fn NewMetricPage() -> impl IntoView {
    let project = text_param("slug");
    let session = expect_context::<SessionContext>();
    let people = Resource::new(project, list_people);
    let create = ServerAction::<CreateMetric>::new();
    follow_to_metric(
        project,
        Signal::derive(move || {
            create
                .value()
                .get()
                .and_then(Result::ok)
                .map(|m| m.definition.key)
        }),
    );
    let error = last_error(create);
    view! {
        <Title text="New metric · Vernier"/>
        <h1>"New metric"</h1>
        {loaded(people, move |people| {
            let owner = session.user.get().and_then(Result::ok).flatten().map(|u| u.username).unwrap_or_default();
            let input = MetricInput {
                owner,
                paradigm: "model".into(),
                category: "quality".into(),
                cadence: "async".into(),
                action_on_failure: "flag".into(),
                stage: "crawl".into(),
                threshold: "1".into(),
                direction: "at_least".into(),
                cost_per_evaluation: "0".into(),
                review_date: (chrono::Utc::now().date_naive() + chrono::Duration::days(90)).to_string(),
                scorer: ScorerSpec::examples()[0].to_json(),
                ..MetricInput::default()
            };
            view! {
                <ActionForm action=create attr:class="form card" attr:data-testid="metric-form">
                    <input type="hidden" name="project" value=project()/>
                    <MetricFields input people error editing=false/>
                    <button type="submit" class="primary" data-testid="metric-submit">"Create metric"</button>
                </ActionForm>
            }
        })}
    }
}

/// `/projects/:slug/metrics/:key/edit`: the stored definition, editable.
#[component]
pub fn EditMetricPage() -> impl IntoView {
    let project = text_param("slug");
    let key = text_param("key");
    let detail = Resource::new(
        move || (project(), key()),
        |(project, key)| async move {
            let detail = get_metric(project.clone(), key).await?;
            Ok::<_, AppError>((detail, list_people(project).await?))
        },
    );
    let update = ServerAction::<UpdateMetric>::new();
    follow_to_metric(
        project,
        Signal::derive(move || {
            update
                .value()
                .get()
                .and_then(Result::ok)
                .map(|m| m.definition.key)
        }),
    );
    let error = last_error(update);
    view! {
        <Title text="Edit metric · Vernier"/>
        {loaded(detail, move |(detail, people)| {
            let input = MetricInput::from(&detail.metric.definition);
            view! {
                <h1>{format!("Edit {}", detail.metric.definition.name)}</h1>
                <ActionForm action=update attr:class="form card" attr:data-testid="metric-form">
                    <input type="hidden" name="project" value=project()/>
                    <input type="hidden" name="key" value=key()/>
                    <MetricFields input people error editing=true/>
                    <button type="submit" class="primary" data-testid="metric-submit">"Save changes"</button>
                </ActionForm>
            }
        })}
    }
}

/// After a successful save, open the metric's page.
fn follow_to_metric(project: impl Fn() -> String + 'static, saved: Signal<Option<String>>) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(key) = saved.get() {
            navigate(
                &format!("/projects/{}/metrics/{key}", project()),
                Default::default(),
            );
        }
    });
}

#[component]
fn MetricFields(
    input: MetricInput,
    people: Vec<Person>,
    error: Signal<Option<AppError>>,
    editing: bool,
) -> impl IntoView {
    // Every field below shows its own message: a new field cannot forget to.
    let owners: Vec<(String, String)> = people.into_iter().map(|p| (p.username, p.display_name)).collect();
    let scorer = RwSignal::new(input.scorer.clone());
    let examples = ScorerSpec::examples();
    view! {
        <ErrorsFrom error>
        <fieldset class="grid-2">
            <legend>"What it checks"</legend>
            {if editing {
                view! {
                    <label class="field">
                        <span class="field-label">"Key"</span>
                        <input type="text" value=input.key.clone() disabled=true data-testid="input-key"/>
                        <input type="hidden" name="input[key]" value=input.key.clone()/>
                        <FieldError field="key"/>
                    </label>
                }
                .into_any()
            } else {
                view! { <InputField label="Key (unique in the project)" field="key" value=input.key.clone() hint="e.g. reply-language"/> }.into_any()
            }}
            <InputField label="Name" field="name" value=input.name/>
            <TextAreaField label="User issue or business question it answers" field="question" value=input.question/>
            <TextAreaField label="Description" field="description" value=input.description/>
            <ChoiceField label="Paradigm" field="paradigm" options=options(Paradigm::ALL, Paradigm::as_str, Paradigm::label) selected=input.paradigm/>
            <ChoiceField label="Category" field="category" options=options(Category::ALL, Category::as_str, Category::label) selected=input.category/>
            <ChoiceField label="Cadence" field="cadence" options=options(Cadence::ALL, Cadence::as_str, Cadence::label) selected=input.cadence/>
            <ChoiceField label="Action on failure" field="action_on_failure" options=options(FailureAction::ALL, FailureAction::as_str, FailureAction::label) selected=input.action_on_failure/>
        </fieldset>
        <fieldset>
            <legend>"How it is scored"</legend>
            <label class="field">
                <span class="field-label">"Scorer (JSON with a kind)"</span>
                <textarea name="input[scorer]" rows="4" class="mono" data-testid="input-scorer"
                    prop:value=move || scorer.get()
                    on:input=move |ev| scorer.set(event_target_value(&ev))></textarea>
                <span class="hint">
                    "Start from an example: "
                    {examples
                        .into_iter()
                        .map(|example| {
                            let json = example.to_json();
                            view! { <button type="button" class="chip" on:click=move |_| scorer.set(json.clone())>{example.kind()}</button> }
                        })
                        .collect_view()}
                </span>
                <FieldError field="scorer"/>
            </label>
            <div class="grid-2">
                <InputField label="Pass threshold" field="threshold" value=input.threshold/>
                <ChoiceField label="Passes when the score is" field="direction" options=options(Direction::ALL, Direction::as_str, Direction::label) selected=input.direction/>
            </div>
        </fieldset>
        <fieldset class="grid-2">
            <legend>"Business"</legend>
            <ChoiceField label="Owner" field="owner" options=owners selected=input.owner/>
            <ChoiceField label="Maturity stage" field="stage" options=options(Stage::ALL, Stage::as_str, Stage::label) selected=input.stage/>
            <InputField label="Cost per failure (USD)" field="cost_per_failure" value=input.cost_per_failure hint="e.g. 2.50"/>
            <InputField label="Cost per evaluation (USD)" field="cost_per_evaluation" value=input.cost_per_evaluation hint="e.g. 0.002 for a judge call"/>
            <InputField label="Review date" field="review_date" kind="date" value=input.review_date/>
            <InputField label="Retirement date (optional)" field="retirement_date" kind="date" value=input.retirement_date/>
            <InputField label="Tags (comma-separated)" field="tags" value=input.tags/>
        </fieldset>
        <FormError/>
        </ErrorsFrom>
    }
}
