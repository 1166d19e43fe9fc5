//! The real-time check: the verdicts of the real-time metrics (from the scorer cache) and the
//! action. Recording the check afterwards is `recording`'s.

use super::scoring::active::ActiveScorer;
use super::scoring::ScoringInput;
use crate::domain::metric::kinds::FailureAction;
use crate::domain::score_row::ScoreRow;
use serde::{Deserialize, Serialize};

/// One metric's verdict on the checked reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub metric: String,
    pub value: Option<f64>,
    pub passed: Option<bool>,
    /// What the metric asks for when the reply fails (`none` when it passed or did not apply).
    pub action: FailureAction,
    pub rationale: String,
}

/// The answer of a check: the action to take now, and each metric's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub action: FailureAction,
    pub verdicts: Vec<Verdict>,
}

/// Scores a reply with the real-time scorers; the action is the most severe of the failures
/// (block, then retry, then flag, then alert). Also answers the score rows, which recording
/// stores as they are instead of scoring the reply again.
pub fn check(scorers: &[ActiveScorer], input: &ScoringInput<'_>) -> (CheckAnswer, Vec<ScoreRow>) {
    let scored: Vec<(&ActiveScorer, ScoreRow)> = scorers
        .iter()
        .filter_map(|scorer| Some((scorer, scorer.score(input).filter(|row| !row.pending())?)))
        .collect();
    let verdicts: Vec<Verdict> = scored
        .iter()
        .map(|(scorer, row)| verdict(scorer, row.clone()))
        .collect();
    let rows = scored.into_iter().map(|(_, row)| row).collect();
    let action = verdicts
        .iter()
        .map(|v| v.action)
        .max_by_key(|a| severity(*a))
        .unwrap_or(FailureAction::Nothing);
    (CheckAnswer { action, verdicts }, rows)
}

fn verdict(scorer: &ActiveScorer, row: ScoreRow) -> Verdict {
    let failed = row.passed == Some(false);
    Verdict {
        metric: scorer.key.clone(),
        value: row.value,
        passed: row.passed,
        action: if failed {
            scorer.action
        } else {
            FailureAction::Nothing
        },
        rationale: row.error.unwrap_or(row.rationale),
    }
}

fn severity(action: FailureAction) -> u8 {
    match action {
        FailureAction::Nothing => 0,
        FailureAction::Alert => 1,
        FailureAction::Flag => 2,
        FailureAction::Retry => 3,
        FailureAction::Block => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scorer(key: &str, spec: &str, action: FailureAction) -> ActiveScorer {
        ActiveScorer::for_test(1, key, spec, action)
    }

    #[test]
    fn the_most_severe_failing_action_wins() {
        let scorers = [
            scorer(
                "no-delve",
                r#"{"kind": "not_contains", "words": ["delve"]}"#,
                FailureAction::Retry,
            ),
            scorer(
                "moderation",
                r#"{"kind": "moderation", "words": ["idiot"]}"#,
                FailureAction::Block,
            ),
            scorer("json", r#"{"kind": "valid_json"}"#, FailureAction::Flag),
        ];
        let (answer, _) = check(
            &scorers,
            &ScoringInput {
                output: "Let us delve in, idiot.",
                ..Default::default()
            },
        );
        assert_eq!(answer.action, FailureAction::Block);
        let actions: Vec<FailureAction> = answer.verdicts.iter().map(|v| v.action).collect();
        assert_eq!(
            actions,
            [FailureAction::Retry, FailureAction::Block, FailureAction::Flag]
        );
    }

    #[test]
    fn a_passing_reply_needs_no_action() {
        let scorers = [scorer(
            "no-delve",
            r#"{"kind": "not_contains", "words": ["delve"]}"#,
            FailureAction::Retry,
        )];
        let (answer, _) = check(
            &scorers,
            &ScoringInput {
                output: "Gerne helfe ich.",
                ..Default::default()
            },
        );
        assert_eq!(
            (answer.action, answer.verdicts[0].passed),
            (FailureAction::Nothing, Some(true))
        );
    }
}
