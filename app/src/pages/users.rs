//! User administration: list, create, change role, deactivate. Admins only (enforced on the
//! server; the page shows the refusal for everyone else).

use crate::api::users::{list_users, ChangeRole, CreateUser, SetUserActive};
use crate::components::for_role::ForRole;
use crate::components::forms::{last_error, ErrorsFrom, FieldError, FormError, TextField};
use crate::components::outcome::loaded;
use crate::domain::role::{Access, Role};
use crate::domain::user::UserView;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_meta::Title;

/// The admin's user table and create form.
#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let change = ServerAction::<ChangeRole>::new();
    let toggle = ServerAction::<SetUserActive>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                change.version().get(),
                toggle.version().get(),
            )
        },
        |_| list_users(),
    );
    let row_error = Signal::derive(move || last_error(change).get().or_else(|| last_error(toggle).get()));
    view! {
        <Title text="Users · Vernier"/>
        <h1>"Users" <a class="head-link" href="/admin/audit" data-testid="audit-link">"Audit log →"</a></h1>
        {loaded(users, move |list| view! {
            <FormError error=row_error/>
            <UserTable users=list change toggle/>
        })}
        <ForRole access=Access::ADMIN>
            <NewUserForm create/>
            <crate::pages::sign_in_locks::SignInLocks/>
        </ForRole>
    }
}

#[component]
fn UserTable(
    users: Vec<UserView>,
    change: ServerAction<ChangeRole>,
    toggle: ServerAction<SetUserActive>,
) -> impl IntoView {
    view! {
        <table class="table" data-testid="user-table">
            <thead>
                <tr><th>"Username"</th><th>"Name"</th><th>"Global role"</th><th>"Status"</th><th></th></tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| view! { <UserRow user change toggle/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(
    user: UserView,
    change: ServerAction<ChangeRole>,
    toggle: ServerAction<SetUserActive>,
) -> impl IntoView {
    let id = user.id;
    let (status, toggle_label) = if user.active {
        ("active", "Deactivate")
    } else {
        ("deactivated", "Activate")
    };
    view! {
        <tr data-testid=format!("user-{}", user.username)>
            <td>{user.username.clone()}</td>
            <td>{user.display_name.clone()}</td>
            <td>
                <ActionForm action=change attr:class="inline-form">
                    <input type="hidden" name="id" value=move || id.to_string()/>
                    <RoleSelect selected=user.role/>
                    <button type="submit" data-testid="change-role">"Change role"</button>
                </ActionForm>
            </td>
            <td data-testid="user-status">{status}</td>
            <td>
                <ActionForm action=toggle attr:class="inline-form">
                    <input type="hidden" name="id" value=move || id.to_string()/>
                    <input type="hidden" name="active" value=if user.active { "false" } else { "true" }/>
                    <button type="submit" data-testid="toggle-active">{toggle_label}</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn RoleSelect(selected: Role) -> impl IntoView {
    view! {
        <select name="role" data-testid="input-role">
            {Role::ALL
                .into_iter()
                .map(|role| view! { <option value=role.as_str() selected=role == selected>{role.label()}</option> })
                .collect_view()}
        </select>
    }
}

#[component]
fn NewUserForm(create: ServerAction<CreateUser>) -> impl IntoView {
    let error = last_error(create);
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <section class="card">
            <h2>"New user"</h2>
            <ErrorsFrom error>
            <ActionForm action=create attr:class="form" attr:data-testid="user-form">
                <TextField label="Username" name="username" required=true autocomplete="off"/>
                <TextField label="Display name" name="display_name"/>
                <TextField label="Initial password (10+ characters)" name="password" kind="password" required=true autocomplete="new-password"/>
                <label class="field">
                    <span class="field-label">"Global role (admins manage everything; for others, the role offered when added to a project — owners may also create projects)"</span>
                    <RoleSelect selected=Role::Annotator/>
                    <FieldError field="role"/>
                </label>
                <FormError/>
                <button type="submit" class="primary" data-testid="user-submit">"Create user"</button>
            </ActionForm>
            </ErrorsFrom>
            {move || created().map(|u| view! {
                <p class="success" data-testid="user-created">{format!("Created {} ({}).", u.username, u.role.label())}</p>
            })}
        </section>
    }
}
