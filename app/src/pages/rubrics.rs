//! A project's rubrics: every level with its description and examples, and the form that
//! creates one or edits one (an edit of a rubric with ratings adds a version).

use crate::api::rubrics::{list_rubrics, SaveRubric};
use crate::components::fields::{ChoiceField, InputField, TextAreaField};
use crate::components::for_role::ForProject;
use crate::components::forms::{last_error, ErrorsFrom, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::{query_params, text_param};
use crate::domain::membership::ProjectAccess;
use crate::domain::rubric::{levels_text, RubricView, Scale};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The page's address: the rubric being edited, if any.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(default)]
struct RubricsQuery {
    edit: Option<i64>,
}

/// `/projects/:slug/rubrics` (`?edit=<id>` fills the form with that rubric).
#[component]
pub fn RubricsPage() -> impl IntoView {
    let query = query_params::<RubricsQuery>();
    let project = text_param("slug");
    let editing = move || query.get().edit;
    let save = ServerAction::<SaveRubric>::new();
    let rubrics = Resource::new(
        move || (project(), save.version().get()),
        |(project, _)| list_rubrics(project),
    );
    view! {
        <Title text="Rubrics · Vernier"/>
        <ProjectPageHead title="Rubrics"/>
        <p class="muted">
            "A rubric tells annotators what each level means. A human metric uses one through its scorer, "
            <code>"{\"kind\": \"human\", \"rubric_id\": N}"</code>"."
        </p>
        {loaded(rubrics, |rubrics| view! {
            <div class="rubric-list" data-testid="rubric-list">
                {rubrics.into_iter().map(|rubric| view! { <RubricCard rubric/> }).collect_view()}
            </div>
        })}
        // The resource is the page's; the form only reads it (a resource made inside a
        // role-gated view would not hydrate).
        <ForProject access=ProjectAccess::Edit>
            {move || loaded(rubrics, move |rubrics| {
                let edited = editing().and_then(|id| rubrics.into_iter().find(|r| r.id == id));
                view! { <RubricForm save project=project() rubric=edited/> }
            })}
        </ForProject>
    }
}

#[component]
fn RubricCard(rubric: RubricView) -> impl IntoView {
    let testid = format!("rubric-{}", rubric.name.to_lowercase().replace(' ', "-"));
    view! {
        <section class="card rubric" data-testid=testid>
            <h2>
                {rubric.name.clone()}
                <span class="muted">{format!(" · v{} · {} · rubric_id {}", rubric.version, rubric.scale.label(), rubric.id)}</span>
            </h2>
            <p class="muted" data-testid="rubric-ratings">{format!("{} rating(s)", rubric.ratings)}</p>
            {(!rubric.instructions.is_empty()).then(|| view! { <p>{rubric.instructions.clone()}</p> })}
            <LevelList levels=rubric.levels.clone()/>
            <a href=format!("?edit={}", rubric.id) data-testid="rubric-edit">"Edit"</a>
        </section>
    }
}

/// The levels of a rubric with their keys, descriptions and examples.
#[component]
pub fn LevelList(levels: Vec<crate::domain::rubric::Level>) -> impl IntoView {
    view! {
        <ol class="levels">
            {levels
                .into_iter()
                .enumerate()
                .map(|(i, level)| view! {
                    <li>
                        <kbd>{(i + 1).to_string()}</kbd>" "<strong>{level.label}</strong>
                        {(!level.description.is_empty()).then(|| view! { <span>{format!(" — {}", level.description)}</span> })}
                        {(!level.examples.is_empty()).then(|| view! {
                            <ul class="examples">
                                {level.examples.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                            </ul>
                        })}
                    </li>
                })
                .collect_view()}
        </ol>
    }
}

#[component]
fn RubricForm(save: ServerAction<SaveRubric>, project: String, rubric: Option<RubricView>) -> impl IntoView {
    let error = last_error(save);
    let saved = move || save.value().get().and_then(Result::ok);
    let scales = Scale::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect();
    let title = rubric
        .as_ref()
        .map_or_else(|| "New rubric".to_owned(), |r| format!("Edit {}", r.name));
    view! {
        <ErrorsFrom error>
        <section class="card">
            <h2>{title}</h2>
            <ActionForm action=save attr:class="form" attr:data-testid="rubric-form">
                <input type="hidden" name="project" value=project/>
                {rubric.as_ref().map(|r| view! { <input type="hidden" name="id" value=r.id.to_string()/> })}
                <InputField label="Name" field="name" value=rubric.as_ref().map(|r| r.name.clone()).unwrap_or_default()/>
                <ChoiceField label="Scale" field="scale" options=scales
                    selected=rubric.as_ref().map_or("ordinal", |r| r.scale.as_str()).to_owned()/>
                <TextAreaField label="Levels, one per line: label | description | example; example" field="levels"
                    value=rubric.as_ref().map(|r| levels_text(&r.levels)).unwrap_or_default()
                    hint="Binary: the failing level first, then the passing one. Ordinal: lowest first (1..N)."/>
                <TextAreaField label="Instructions for annotators" field="instructions"
                    value=rubric.as_ref().map(|r| r.instructions.clone()).unwrap_or_default()/>
                <FormError/>
                <button type="submit" class="primary" data-testid="rubric-submit">"Save rubric"</button>
            </ActionForm>
            {move || saved().map(|r| view! {
                <p class="success" data-testid="rubric-saved">{format!("Saved {} (version {}, rubric_id {}).", r.name, r.version, r.id)}</p>
            })}
        </section>
        </ErrorsFrom>
    }
}
