//! The rules of a metric's life: which status may follow which, why a metric is retired, and
//! what a change of definition sets off.

use super::kinds::Status;
use super::MetricDefinition;
use crate::error::AppError;

/// The reason kept with a status change: required to retire, at most 1000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReason(String);

impl StatusReason {
    /// Longest reason.
    pub const MAX: usize = 1000;

    /// Parses the reason given for moving to `next`.
    pub fn parse(next: Status, reason: &str) -> Result<Self, AppError> {
        let reason = reason.trim();
        if next == Status::Retired && reason.is_empty() {
            return Err(AppError::invalid("reason", "say why the metric is retired"));
        }
        if reason.chars().count() > Self::MAX {
            return Err(AppError::invalid(
                "reason",
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        Ok(Self(reason.to_owned()))
    }

    /// The reason as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that a metric may move from `current` to `next`; a move its state does not allow
/// conflicts with it (409), as the request itself is well formed.
pub fn transition(current: Status, next: Status) -> Result<(), AppError> {
    if current.can_become(next) {
        Ok(())
    } else {
        Err(AppError::conflict(
            "status",
            format!("a {current} metric cannot become {next}"),
        ))
    }
}

/// What a saved change of definition sets off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consequences {
    /// Stored scores are passed or failed again by the new rule.
    pub reapply_pass_rule: bool,
    /// Recent outputs are scored again by the new scorer (an active automated metric).
    pub rescore: bool,
}

/// What changing `before` (with `status`) into `after` sets off.
pub fn consequences(before: &MetricDefinition, status: Status, after: &MetricDefinition) -> Consequences {
    Consequences {
        reapply_pass_rule: before.pass_rule != after.pass_rule,
        rescore: status == Status::Active && before.scorer != after.scorer && after.scorer.is_scored_here(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metric::tests::input;

    #[test]
    fn retiring_without_a_reason_is_refused_and_long_reasons_too() {
        let error = StatusReason::parse(Status::Retired, "  ").unwrap_err();
        assert_eq!(error.field(), Some("reason"));
        assert!(StatusReason::parse(Status::Active, "").is_ok());
        let long = "x".repeat(1001);
        assert_eq!(
            StatusReason::parse(Status::Active, &long).unwrap_err().field(),
            Some("reason")
        );
        assert_eq!(
            StatusReason::parse(Status::Retired, " moved ").unwrap().as_str(),
            "moved"
        );
    }

    #[test]
    fn only_the_lifecycle_transitions_are_allowed() {
        assert!(transition(Status::Draft, Status::Active).is_ok());
        assert!(transition(Status::Retired, Status::Active).is_ok());
        let error = transition(Status::Retired, Status::Draft).unwrap_err();
        assert_eq!(error.message(), "a retired metric cannot become draft");
    }

    #[test]
    fn a_new_scorer_rescores_only_an_active_automated_metric_and_a_new_rule_reapplies() {
        let before = input().parse().unwrap();
        let mut after = before.clone();
        after.pass_rule.threshold += 0.5;
        assert_eq!(
            consequences(&before, Status::Active, &after),
            Consequences {
                reapply_pass_rule: true,
                rescore: false
            }
        );
        let mut rescored = before.clone();
        rescored.scorer = crate::domain::metric::scorer::ScorerSpec::ValidJson {};
        assert!(consequences(&before, Status::Active, &rescored).rescore);
        assert!(
            !consequences(&before, Status::Draft, &rescored).rescore,
            "a draft scores nothing yet"
        );
        assert!(!consequences(&before, Status::Active, &before).rescore);
    }
}
