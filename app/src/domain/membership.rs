//! Project membership: the role a user holds in one project, and what each role may do there.
//!
//! Roles are held per project; admins are global and act as owners everywhere. A caller who is
//! not a member is told the project does not exist (404), so its existence is not revealed; a
//! member whose role is too weak is refused (403).

use super::person::Person;
use crate::choice;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

choice!(
    /// The role a member holds in one project.
    ProjectRole, "role" {
        /// Metrics, costs, dates, rubrics, queues, keys, endpoints and membership.
        Owner = "owner", "Owner";
        /// Reads everything, reviews maturity, adjudicates, manages queues.
        Manager = "manager", "Manager";
        /// Reads dashboards and metrics; changes nothing.
        Viewer = "viewer", "Viewer";
        /// Rates the items of their own queues in the project and sees nothing else.
        Annotator = "annotator", "Annotator";
    }
);

/// What a handler needs of its caller in one project. Every project handler states one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAccess {
    /// Any member, annotators included.
    Member,
    /// Reading dashboards, metrics and their history: viewers, managers and owners.
    Read,
    /// Reading everything (outputs, rubrics, queues, agreement), managing queues and
    /// adjudicating: managers and owners.
    Manage,
    /// Changing the project (metrics, costs, dates, rubrics, keys, endpoints, members): owners.
    Edit,
    /// Signing off the maturity review and attesting its items: managers, and admins. Owners do
    /// not review their own project.
    Review,
}

impl ProjectAccess {
    /// Every level, weakest first.
    pub const ALL: [ProjectAccess; 5] = [Self::Member, Self::Read, Self::Manage, Self::Edit, Self::Review];

    /// Whether a member with `role` passes.
    pub fn allows(self, role: ProjectRole) -> bool {
        use ProjectRole::*;
        match self {
            Self::Member => true,
            Self::Read => matches!(role, Owner | Manager | Viewer),
            Self::Manage => matches!(role, Owner | Manager),
            Self::Edit => role == Owner,
            Self::Review => role == Manager,
        }
    }

    /// The message a member with too weak a role sees.
    pub fn refusal(self) -> &'static str {
        match self {
            Self::Member | Self::Read => "Only the project's viewers, managers and owners may see this.",
            Self::Manage => "Only the project's managers and owners may do this.",
            Self::Edit => "Only the project's owners may do this.",
            Self::Review => "Only the project's managers may sign off or attest its review.",
        }
    }

    /// Decides a call on project `slug`: admins act as owners; a non-member is told the project
    /// does not exist; a weaker role is refused. Returns the role the caller acts with.
    pub fn decide(
        self,
        slug: &str,
        is_admin: bool,
        membership: Option<ProjectRole>,
    ) -> Result<ProjectRole, AppError> {
        let role = effective_role(is_admin, membership).ok_or_else(|| not_found(slug))?;
        if self.allows(role) || (is_admin && self == Self::Review) {
            Ok(role)
        } else {
            Err(AppError::Forbidden(self.refusal().to_owned()))
        }
    }
}

/// The role a caller acts with in a project: admins are owners everywhere.
pub fn effective_role(is_admin: bool, membership: Option<ProjectRole>) -> Option<ProjectRole> {
    if is_admin {
        Some(ProjectRole::Owner)
    } else {
        membership
    }
}

/// What a caller outside a project is told: the same answer as for a project that does not exist.
pub fn not_found(slug: &str) -> AppError {
    AppError::NotFound(format!("Project '{}'", slug.trim()))
}

/// Refuses a membership change that would leave the project without an owner: removing or
/// demoting its last owner. `owners` is the number of owners before the change.
pub fn keeps_an_owner(
    owners: usize,
    current: ProjectRole,
    next: Option<ProjectRole>,
) -> Result<(), AppError> {
    let loses_owner = current == ProjectRole::Owner && next != Some(ProjectRole::Owner);
    if loses_owner && owners <= 1 {
        let message = match next {
            None => "is the project's last owner and cannot be removed; make someone else owner first",
            Some(_) => "is the project's last owner; make someone else owner before changing this role",
        };
        return Err(AppError::invalid("username", message));
    }
    Ok(())
}

/// One member of a project as the members page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MemberView {
    pub username: String,
    pub display_name: String,
    pub role: ProjectRole,
    /// False for a deactivated account (kept as a member, but it cannot sign in).
    pub active: bool,
    pub added_at: DateTime<Utc>,
}

/// One recorded membership change: who changed whose role, when, from what to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MemberChange {
    pub username: String,
    pub changed_by: String,
    /// `None`: the user was added.
    pub old_role: Option<ProjectRole>,
    /// `None`: the user was removed.
    pub new_role: Option<ProjectRole>,
    pub changed_at: DateTime<Utc>,
}

/// The members page: members, their history, and (for owners) the users who may be added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    pub members: Vec<MemberView>,
    pub history: Vec<MemberChange>,
    /// Active users who are not members yet; empty unless the caller may edit.
    pub candidates: Vec<Person>,
    /// Whether the caller may change membership.
    pub editable: bool,
}

/// A project the caller belongs to, and their role there (admins: owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub slug: String,
    pub role: ProjectRole,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectRole::*;

    #[test]
    fn each_access_level_admits_exactly_its_roles() {
        let admitted = |access: ProjectAccess| -> Vec<ProjectRole> {
            ProjectRole::ALL
                .iter()
                .copied()
                .filter(|role| access.allows(*role))
                .collect()
        };
        assert_eq!(
            admitted(ProjectAccess::Member),
            [Owner, Manager, Viewer, Annotator]
        );
        assert_eq!(admitted(ProjectAccess::Read), [Owner, Manager, Viewer]);
        assert_eq!(admitted(ProjectAccess::Manage), [Owner, Manager]);
        assert_eq!(admitted(ProjectAccess::Edit), [Owner]);
        assert_eq!(
            admitted(ProjectAccess::Review),
            [Manager],
            "owners do not sign off their own project"
        );
    }

    #[test]
    fn an_owner_cannot_review_but_an_admin_can() {
        let error = ProjectAccess::Review
            .decide("bot", false, Some(Owner))
            .unwrap_err();
        assert_eq!(error.status(), 403);
        assert!(error.message().contains("managers"), "{error}");
        assert_eq!(
            ProjectAccess::Review.decide("bot", false, Some(Manager)),
            Ok(Manager)
        );
    }

    #[test]
    fn a_non_member_is_told_the_project_does_not_exist() {
        for access in ProjectAccess::ALL {
            let error = access.decide("legal", false, None).unwrap_err();
            assert_eq!(error, AppError::NotFound("Project 'legal'".into()));
        }
    }

    #[test]
    fn a_member_with_too_weak_a_role_is_refused_with_403() {
        let error = ProjectAccess::Edit
            .decide("bot", false, Some(Manager))
            .unwrap_err();
        assert_eq!(error.status(), 403);
        assert_eq!(error.message(), "Only the project's owners may do this.");
        let error = ProjectAccess::Read
            .decide("bot", false, Some(Annotator))
            .unwrap_err();
        assert_eq!(error.status(), 403);
    }

    #[test]
    fn admins_act_as_owners_in_every_project_member_or_not() {
        for access in ProjectAccess::ALL {
            assert_eq!(access.decide("bot", true, None), Ok(Owner));
            assert_eq!(access.decide("bot", true, Some(Viewer)), Ok(Owner));
        }
    }

    #[test]
    fn an_allowed_member_acts_with_their_own_role() {
        assert_eq!(ProjectAccess::Read.decide("bot", false, Some(Viewer)), Ok(Viewer));
        assert_eq!(
            ProjectAccess::Manage.decide("bot", false, Some(Manager)),
            Ok(Manager)
        );
    }

    #[test]
    fn the_last_owner_can_be_neither_removed_nor_demoted() {
        let removed = keeps_an_owner(1, Owner, None).unwrap_err();
        assert_eq!(removed.field(), Some("username"));
        assert!(removed.message().contains("cannot be removed"), "{removed}");
        let demoted = keeps_an_owner(1, Owner, Some(Viewer)).unwrap_err();
        assert!(demoted.message().contains("last owner"), "{demoted}");
    }

    #[test]
    fn an_owner_may_leave_when_another_owner_stays() {
        assert_eq!(keeps_an_owner(2, Owner, None), Ok(()));
        assert_eq!(keeps_an_owner(2, Owner, Some(Manager)), Ok(()));
        assert_eq!(keeps_an_owner(1, Owner, Some(Owner)), Ok(()));
        assert_eq!(keeps_an_owner(1, Viewer, None), Ok(()));
    }

    #[test]
    fn project_roles_parse_and_an_unknown_one_is_refused_on_the_role_field() {
        assert_eq!(ProjectRole::parse(" Viewer "), Ok(Viewer));
        let error = ProjectRole::parse("superuser").unwrap_err();
        assert_eq!(error.field(), Some("role"));
        assert!(
            error.message().contains("owner, manager, viewer, annotator"),
            "{error}"
        );
    }
}
