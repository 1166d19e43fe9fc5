//! Roles and the rules of who may do what.

use super::membership::ProjectRole;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A user's global role; each user has exactly one.
///
/// Admins are global: users, projects, and every project as an owner. For everyone else what a
/// user may do in a project is their role there ([`super::membership::ProjectRole`]); the
/// global role is the role they are offered by default when added to a project, and only
/// owners (and admins) may create projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Users, roles, every project.
    Admin,
    /// Business / metric owner: may create projects; owner by default.
    Owner,
    /// Manager by default.
    Manager,
    /// Annotator by default: their navigation shows only their queues.
    Annotator,
    /// A business stakeholder who reads: viewer by default.
    Viewer,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Owner,
        Role::Manager,
        Role::Annotator,
        Role::Viewer,
    ];

    /// The name stored in the database and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Annotator => "annotator",
            Role::Viewer => "viewer",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Owner => "Owner",
            Role::Manager => "Manager",
            Role::Annotator => "Annotator",
            Role::Viewer => "Viewer",
        }
    }

    /// Whether the user is a global admin.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    /// The project role offered when the user is added to a project (admins need none).
    pub fn default_project_role(self) -> Option<ProjectRole> {
        match self {
            Role::Admin => None,
            Role::Owner => Some(ProjectRole::Owner),
            Role::Manager => Some(ProjectRole::Manager),
            Role::Annotator => Some(ProjectRole::Annotator),
            Role::Viewer => Some(ProjectRole::Viewer),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("'{s}' is not a role; choose admin, owner, manager, annotator or viewer"))
    }
}

/// What a handler that concerns no single project requires of its caller (users, creating a
/// project, the caller's own lists). Project handlers state a
/// [`super::membership::ProjectAccess`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any signed-in, active user.
    SignedIn,
    /// Only the listed roles.
    Roles(&'static [Role]),
}

impl Access {
    /// Admins only.
    pub const ADMIN: Access = Access::Roles(&[Role::Admin]);
    /// Admins and owners: the people who may create projects.
    pub const EDITOR: Access = Access::Roles(&[Role::Admin, Role::Owner]);

    /// Whether a user with `role` passes.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::SignedIn => true,
            Access::Roles(roles) => roles.contains(&role),
        }
    }

    /// The message a refused caller sees.
    pub fn refusal(self) -> String {
        match self {
            Access::SignedIn => "Please sign in.".to_owned(),
            Access::Roles(roles) => {
                let names: Vec<&str> = roles.iter().map(|role| role.label()).collect();
                format!("Only {} may do this.", names.join(" and "))
            }
        }
    }
}

/// The navigation entries a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavItem {
    /// The project list.
    Projects,
    /// User administration.
    Users,
    /// The caller's annotation queues.
    Annotate,
    /// The maturity overview of the caller's projects.
    Maturity,
}

impl NavItem {
    /// Where a user of global `role` lands after signing in: managers on the maturity overview
    /// (what they review), everyone else on the project list.
    pub fn landing(role: Role) -> &'static str {
        if role == Role::Manager {
            "/maturity"
        } else {
            "/"
        }
    }

    /// The entries shown to a user of global `role` with `memberships`, in order. Someone who
    /// only annotates (globally, and in every project they belong to) sees just their queues;
    /// whoever holds any other role in a project also gets the project list.
    pub fn for_user(role: Role, memberships: &[crate::domain::membership::Membership]) -> Vec<NavItem> {
        let reads_a_project = memberships
            .iter()
            .any(|m| m.role != crate::domain::membership::ProjectRole::Annotator);
        if role == Role::Annotator && !reads_a_project {
            return vec![NavItem::Annotate];
        }
        let mut items = vec![NavItem::Projects, NavItem::Maturity, NavItem::Annotate];
        if Access::ADMIN.allows(role) {
            items.push(NavItem::Users);
        }
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!(" Admin ".parse::<Role>(), Ok(Role::Admin));
    }

    #[test]
    fn an_unknown_role_is_refused_with_the_choices() {
        let error = "superuser".parse::<Role>().unwrap_err();
        assert!(error.contains("annotator"), "{error}");
    }

    #[test]
    fn only_admins_pass_the_admin_rule() {
        assert!(Access::ADMIN.allows(Role::Admin));
        for role in [Role::Owner, Role::Manager, Role::Annotator, Role::Viewer] {
            assert!(!Access::ADMIN.allows(role), "{role} passed");
        }
    }

    #[test]
    fn editors_are_admins_and_owners() {
        assert!(Access::EDITOR.allows(Role::Admin));
        assert!(Access::EDITOR.allows(Role::Owner));
        assert!(!Access::EDITOR.allows(Role::Manager));
        assert!(!Access::EDITOR.allows(Role::Annotator));
        assert!(!Access::EDITOR.allows(Role::Viewer));
    }

    #[test]
    fn a_global_role_offers_the_project_role_of_the_same_name() {
        assert_eq!(Role::Admin.default_project_role(), None);
        assert_eq!(Role::Viewer.default_project_role(), Some(ProjectRole::Viewer));
        assert_eq!(Role::Owner.default_project_role(), Some(ProjectRole::Owner));
    }

    #[test]
    fn every_role_passes_signed_in() {
        assert!(Role::ALL.into_iter().all(|role| Access::SignedIn.allows(role)));
    }

    #[test]
    fn refusals_name_the_roles_that_may() {
        assert_eq!(Access::EDITOR.refusal(), "Only Admin and Owner may do this.");
    }

    #[test]
    fn only_admins_see_the_users_entry_and_annotators_see_only_their_queues() {
        use crate::domain::membership::{Membership, ProjectRole};
        let member = |role| Membership {
            slug: "bot".into(),
            role,
        };
        assert_eq!(
            NavItem::for_user(Role::Admin, &[]),
            vec![
                NavItem::Projects,
                NavItem::Maturity,
                NavItem::Annotate,
                NavItem::Users
            ]
        );
        assert_eq!(
            NavItem::for_user(Role::Manager, &[]),
            vec![NavItem::Projects, NavItem::Maturity, NavItem::Annotate]
        );
        assert_eq!(
            NavItem::for_user(Role::Annotator, &[member(ProjectRole::Annotator)]),
            vec![NavItem::Annotate]
        );
        // A global annotator who manages one project reads projects.
        assert_eq!(
            NavItem::for_user(Role::Annotator, &[member(ProjectRole::Manager)]),
            vec![NavItem::Projects, NavItem::Maturity, NavItem::Annotate]
        );
    }
}
