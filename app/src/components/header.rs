//! The page header: brand, the navigation the caller's roles may use, who is signed in.

use crate::domain::membership::Membership;
use crate::domain::role::NavItem;
use crate::domain::user::UserView;
use crate::session::SessionContext;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The header shown on every page.
#[component]
pub fn Header() -> impl IntoView {
    let session = expect_context::<SessionContext>();
    view! {
        <header class="topbar">
            <a href="/" class="brand">"Vernier"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.user.await {
                        Ok(Some(user)) => {
                            let memberships = session.memberships.await.unwrap_or_default();
                            view! { <SignedIn user memberships/> }.into_any()
                        }
                        _ => view! { <a class="nav-link" href="/login">"Sign in"</a> }.into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

#[component]
fn SignedIn(user: UserView, memberships: Vec<Membership>) -> impl IntoView {
    let session = expect_context::<SessionContext>();
    let links = NavItem::for_user(user.role, &memberships)
        .into_iter()
        .map(|item| match item {
            NavItem::Projects => {
                view! { <a class="nav-link" href="/" data-testid="nav-projects">"Projects"</a> }
            }
            NavItem::Users => {
                view! { <a class="nav-link" href="/admin/users" data-testid="nav-users">"Users"</a> }
            }
            NavItem::Annotate => {
                view! { <a class="nav-link" href="/annotate" data-testid="nav-annotate">"My queues"</a> }
            }
            NavItem::Maturity => {
                view! { <a class="nav-link" href="/maturity" data-testid="nav-maturity">"Maturity"</a> }
            }
        })
        .collect_view();
    view! {
        <nav class="nav">{links}</nav>
        <AlertBadge/>
        <div class="whoami">
            <span data-testid="whoami">{user.display_name}</span>
            <span class="badge" data-testid="whoami-role">{user.role.label()}</span>
            <ActionForm action=session.logout>
                <button type="submit" class="link-button" data-testid="logout">"Sign out"</button>
            </ActionForm>
        </div>
    }
}

/// The open alerts of the caller's projects, linking to the alerts page of the first project
/// with any; nothing when there are none. Fetched in the browser after the page is up (so the
/// server's page and the hydrated one agree), and again on every navigation.
#[component]
fn AlertBadge() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let open = RwSignal::new(Vec::<(String, i64)>::new());
    Effect::new(move |_| {
        let _ = location.pathname.get();
        leptos::task::spawn_local(async move {
            if let Ok(found) = crate::api::alerts::open_alerts().await {
                open.set(found);
            }
        });
    });
    move || {
        let open = open.get();
        let total: i64 = open.iter().map(|(_, n)| n).sum();
        open.first().map(|(first, _)| {
            let title = open.iter().map(|(p, n)| format!("{p}: {n}")).collect::<Vec<_>>().join(", ");
            view! {
                <a class="alert-badge" href=format!("/projects/{first}/alerts") title=title data-testid="alert-badge">
                    {format!("{total} open alert{}", if total == 1 { "" } else { "s" })}
                </a>
            }
        })
    }
}
