//! The home page: the projects, and for admins and owners a form to add one.

use crate::api::projects::{list_projects, CreateProject};
use crate::components::for_role::ForRole;
use crate::components::forms::{last_error, ErrorsFrom, FormError, TextField};
use crate::components::outcome::loaded;
use crate::domain::membership::ProjectRole;
use crate::domain::project::ProjectListing;
use crate::domain::role::Access;
use crate::session::SessionContext;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// Lists the caller's projects with their role in each; owners and admins also see the create
/// form.
#[component]
pub fn HomePage() -> impl IntoView {
    let create = ServerAction::<CreateProject>::new();
    let projects = Resource::new(move || create.version().get(), |_| list_projects());
    expect_context::<SessionContext>().refresh_memberships_after(move || create.version().get());
    view! {
        <Title text="Projects · Vernier"/>
        <h1>"Projects"</h1>
        {loaded(projects, |list| view! { <ProjectList projects=list/> })}
        // Outside the list's Suspense, so refreshing the list never clears what was typed.
        <ForRole access=Access::EDITOR>
            <NewProjectForm create/>
        </ForRole>
    }
}

#[component]
fn ProjectList(projects: Vec<ProjectListing>) -> impl IntoView {
    if projects.is_empty() {
        return view! {
            <p class="empty" data-testid="no-projects">
                "No projects yet. A project is one LLM application, such as \"Support bot — DACH\". "
                "Projects you are added to appear here."
            </p>
        }
        .into_any();
    }
    view! {
        <ul class="project-list" data-testid="project-list">
            {projects
                .into_iter()
                .map(|ProjectListing { project, role }| {
                    // Annotators see only their queues, so their way into a project is there.
                    let href = if role == ProjectRole::Annotator {
                        "/annotate".to_owned()
                    } else {
                        format!("/projects/{}", project.slug)
                    };
                    view! {
                        <li class="project-card">
                            <a href=href data-testid=format!("project-{}", project.slug)>
                                {project.name}
                            </a>
                            <span class="badge" data-testid=format!("project-role-{}", project.slug)>{role.label()}</span>
                            <p class="muted">{project.description}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn NewProjectForm(create: ServerAction<CreateProject>) -> impl IntoView {
    let error = last_error(create);
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <section class="card">
            <h2>"New project"</h2>
            <ErrorsFrom error>
            <ActionForm action=create attr:class="form" attr:data-testid="project-form">
                <TextField label="Name" name="name" required=true placeholder="Support bot — DACH"/>
                <TextField label="Slug (optional, from the name)" name="slug" placeholder="support-bot-dach"/>
                <TextField label="Description" name="description"/>
                <TextField label="Purpose: what the application is for" name="purpose"/>
                <FormError/>
                <button type="submit" class="primary" data-testid="project-submit">"Create project"</button>
            </ActionForm>
            </ErrorsFrom>
            {move || created().map(|p| view! {
                <p class="success" data-testid="project-created">{format!("Created project {}.", p.name)}</p>
            })}
        </section>
    }
}
