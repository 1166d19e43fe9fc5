//! Showing a part of a page only to the callers who may use it. This is presentation only: the
//! server functions behind it check the caller again.

use crate::domain::membership::ProjectAccess;
use crate::domain::role::Access;
use crate::session::SessionContext;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Renders `children` when the signed-in user passes the global `access` (pages that concern
/// no single project: users, creating a project).
#[component]
pub fn ForRole(access: Access, children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let allowed = matches!(session.user.await, Ok(Some(user)) if access.allows(user.role));
                allowed.then(|| children.read_value()())
            })}
        </Transition>
    }
}

/// Renders `children` when the signed-in user's role in a project passes `access`. The project
/// is the page's `:slug` unless `project` names another (rows of a cross-project list).
#[component]
pub fn ForProject(
    access: ProjectAccess,
    #[prop(optional, into)] project: Option<String>,
    children: ChildrenFn,
) -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let params = use_params_map();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || {
                let slug = project.clone().unwrap_or_else(|| params.read().get("slug").unwrap_or_default());
                Suspend::new(async move {
                    let user = session.user.await;
                    let memberships = session.memberships.await.unwrap_or_default();
                    let allowed = match user {
                        Ok(Some(user)) => {
                            let member = memberships.iter().find(|m| m.slug == slug).map(|m| m.role);
                            access.decide(&slug, user.role.is_admin(), member).is_ok()
                        }
                        _ => false,
                    };
                    allowed.then(|| children.read_value()())
                })
            }}
        </Transition>
    }
}
