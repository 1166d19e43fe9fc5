//! The browser's view of the session: sign-in and sign-out actions and the current user.

use crate::api::members::my_memberships;
use crate::api::session::{current_user, Login, Logout};
use crate::domain::membership::Membership;
use crate::domain::user::UserView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_router::hooks::use_navigate;

/// Shared by the header and the login page through context.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    pub user: Resource<Result<Option<UserView>, AppError>>,
    /// The projects the user belongs to and their role in each (an error when signed out).
    pub memberships: Resource<Result<Vec<Membership>, AppError>>,
}

impl SessionContext {
    /// Creates the context; the current user and their memberships are refetched after every
    /// sign-in and sign-out.
    pub fn provide() -> Self {
        let login = ServerAction::<Login>::new();
        let logout = ServerAction::<Logout>::new();
        let versions = move || (login.version().get(), logout.version().get());
        let user = Resource::new(versions, |_| current_user());
        let memberships = Resource::new(versions, |_| my_memberships());
        let context = Self {
            login,
            logout,
            user,
            memberships,
        };
        provide_context(context);
        context
    }

    /// Reloads the caller's memberships once `version` (an action's) moves past zero: after the
    /// caller creates a project or changes a project's members, the controls follow at once.
    pub fn refresh_memberships_after(self, version: impl Fn() -> usize + Send + Sync + 'static) {
        Effect::new(move |_| {
            if version() > 0 {
                self.memberships.refetch();
            }
        });
    }

    /// After a successful sign-in go to the user's landing page (managers: the maturity
    /// overview); after a sign-out go to the login page. Each clears the other's last result so
    /// a later visit does not replay it.
    pub fn follow_outcomes(self) {
        let navigate = use_navigate();
        Effect::new(move |_| {
            if let Some(Ok(user)) = self.login.value().get() {
                self.logout.value().set(None);
                navigate(
                    crate::domain::role::NavItem::landing(user.role),
                    Default::default(),
                );
            }
        });
        let navigate = use_navigate();
        Effect::new(move |_| {
            if matches!(self.logout.value().get(), Some(Ok(()))) {
                self.login.value().set(None);
                navigate("/login", Default::default());
            }
        });
    }
}
