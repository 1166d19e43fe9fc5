//! A project's members: who holds which role, every change to it, and for owners the forms to
//! add a member, change a role and remove a member.

use crate::api::members::{list_members, AddMember, ChangeMemberRole, RemoveMember};
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError};
use crate::components::outcome::loaded;
use crate::components::page_head::ProjectPageHead;
use crate::components::params::text_param;
use crate::domain::membership::{MemberChange, MemberView, ProjectRole};
use crate::domain::person::Person;
use crate::error::AppError;
use crate::session::SessionContext;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The members page of the project named by `:slug`.
#[component]
pub fn MembersPage() -> impl IntoView {
    let slug = text_param("slug");
    let add = ServerAction::<AddMember>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let data = Resource::new(
        move || {
            (
                slug(),
                add.version().get(),
                change.version().get(),
                remove.version().get(),
            )
        },
        |(slug, ..)| list_members(slug),
    );
    // The caller may have changed their own role.
    expect_context::<SessionContext>().refresh_memberships_after(move || {
        add.version().get() + change.version().get() + remove.version().get()
    });
    let row_error = Signal::derive(move || last_error(change).get().or_else(|| last_error(remove).get()));
    view! {
        <Title text="Members · Vernier"/>
        <ProjectPageHead title="Members"/>
        <p class="muted">
            "Owners change metrics, costs, dates, rubrics, queues, keys, endpoints and members. "
            "Managers read everything, manage queues and adjudicate. Viewers read metrics and "
            "dashboards. Annotators see only their own queues. Admins act as owners everywhere."
        </p>
        {loaded(data, move |members| {
            let editable = members.editable;
            view! {
                <FormError error=row_error/>
                <MemberTable slug=slug() members=members.members editable change remove/>
                {editable.then(|| view! { <AddMemberForm slug=slug() candidates=members.candidates add/> })}
                <History changes=members.history/>
            }
        })}
    }
}

#[component]
fn MemberTable(
    slug: String,
    members: Vec<MemberView>,
    editable: bool,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    view! {
        <table class="table" data-testid="member-table">
            <thead>
                <tr><th>"Name"</th><th>"Username"</th><th>"Role"</th><th>"Member since"</th><th></th></tr>
            </thead>
            <tbody>
                {members
                    .into_iter()
                    .map(|member| {
                        let (slug, username) = (slug.clone(), member.username.clone());
                        let (remove_slug, remove_username) = (slug.clone(), username.clone());
                        let name = if member.active {
                            member.display_name.clone()
                        } else {
                            format!("{} (deactivated)", member.display_name)
                        };
                        view! {
                            <tr data-testid=format!("member-{}", member.username)>
                                <td>{name}</td>
                                <td class="mono">{member.username.clone()}</td>
                                <td data-testid="member-role">
                                    {if editable {
                                        view! {
                                            <ActionForm action=change attr:class="inline-form">
                                                <input type="hidden" name="project" value=slug/>
                                                <input type="hidden" name="username" value=username/>
                                                <RoleSelect selected=member.role/>
                                                <button type="submit" data-testid="change-member-role">"Change"</button>
                                            </ActionForm>
                                        }
                                        .into_any()
                                    } else {
                                        view! { <span>{member.role.label()}</span> }.into_any()
                                    }}
                                </td>
                                <td>{member.added_at.format("%Y-%m-%d").to_string()}</td>
                                <td>
                                    {editable.then(|| view! {
                                        <ActionForm action=remove attr:class="inline-form">
                                            <input type="hidden" name="project" value=remove_slug/>
                                            <input type="hidden" name="username" value=remove_username/>
                                            <button type="submit" class="danger" data-testid="remove-member">"Remove"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn RoleSelect(selected: ProjectRole) -> impl IntoView {
    view! {
        <select name="role" data-testid="input-role">
            {ProjectRole::ALL
                .iter()
                .map(|&role| view! { <option value=role.as_str() selected=role == selected>{role.label()}</option> })
                .collect_view()}
        </select>
    }
}

#[component]
fn AddMemberForm(slug: String, candidates: Vec<Person>, add: ServerAction<AddMember>) -> impl IntoView {
    let error: Signal<Option<AppError>> = last_error(add);
    view! {
        <section class="card">
            <h2>"Add a member"</h2>
            <ErrorsFrom error>
            <ActionForm action=add attr:class="form" attr:data-testid="member-form">
                <input type="hidden" name="project" value=slug/>
                <label class="field">
                    <span class="field-label">"User"</span>
                    <select name="username" data-testid="input-username">
                        <option value="">"Choose a user…"</option>
                        {candidates
                            .into_iter()
                            .map(|person| {
                                let label = format!("{} ({})", person.display_name, person.username);
                                view! { <option value=person.username>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                    <FieldError field="username"/>
                </label>
                <label class="field">
                    <span class="field-label">"Role in this project"</span>
                    <RoleSelect selected=ProjectRole::Viewer/>
                    <FieldError field="role"/>
                </label>
                <FormError/>
                <button type="submit" class="primary" data-testid="member-submit">"Add member"</button>
            </ActionForm>
            </ErrorsFrom>
        </section>
    }
}

#[component]
fn History(changes: Vec<MemberChange>) -> impl IntoView {
    let role = |role: Option<ProjectRole>| role.map_or("—", ProjectRole::label);
    view! {
        <section>
            <h2>"History"</h2>
            <table class="table" data-testid="member-history">
                <thead>
                    <tr><th>"When"</th><th>"Member"</th><th>"Change"</th><th>"By"</th></tr>
                </thead>
                <tbody>
                    {changes
                        .into_iter()
                        .map(|change| {
                            let what = match (change.old_role, change.new_role) {
                                (None, new) => format!("added as {}", role(new)),
                                (old, None) => format!("removed (was {})", role(old)),
                                (old, new) => format!("{} → {}", role(old), role(new)),
                            };
                            view! {
                                <tr>
                                    <td>{change.changed_at.format("%Y-%m-%d %H:%M UTC").to_string()}</td>
                                    <td class="mono">{change.username}</td>
                                    <td>{what}</td>
                                    <td>{change.changed_by}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}
