//! What an item's ratings make of one metric's score of the output: the final label once
//! nobody assigned is pending (the adjudicated value, or the rating every annotator who
//! finished gave), with pass or fail by the metric's rule; nothing while they disagree.

use super::agreement::final_label;
use crate::domain::metric::scorer::PassRule;

/// Where an item stands on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemRatings<'a> {
    /// Ratings of those who finished the item (skips left out).
    pub rated: &'a [f64],
    /// The value a manager set, if any.
    pub adjudicated: Option<f64>,
    /// Who set it.
    pub judge: Option<&'a str>,
    /// Whether someone assigned has not rated or skipped yet.
    pub pending: bool,
}

/// The score the ratings give, or `None`: no score (withdrawn if there was one).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub value: f64,
    pub passed: bool,
    pub rationale: String,
}

/// Settles one metric of an item; see the module documentation.
pub fn settle(ratings: &ItemRatings<'_>, rule: &PassRule) -> Option<Label> {
    if ratings.pending && ratings.adjudicated.is_none() {
        return None;
    }
    let value = final_label(ratings.rated, ratings.adjudicated)?;
    let rationale = match ratings.judge {
        Some(name) if ratings.adjudicated.is_some() => format!("adjudicated by {name}"),
        _ => format!("{} annotator(s) agreed", ratings.rated.len()),
    };
    Some(Label {
        value,
        passed: rule.passes(value),
        rationale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metric::kinds::Direction;

    const RULE: PassRule = PassRule {
        threshold: 2.0,
        direction: Direction::AtLeast,
    };

    fn ratings(rated: &[f64], adjudicated: Option<f64>, pending: bool) -> ItemRatings<'_> {
        ItemRatings {
            rated,
            adjudicated,
            judge: adjudicated.map(|_| "Mia"),
            pending,
        }
    }

    #[test]
    fn agreement_gives_a_label_judged_by_the_rule() {
        let label = settle(&ratings(&[3.0, 3.0], None, false), &RULE).unwrap();
        assert_eq!((label.value, label.passed), (3.0, true));
        assert_eq!(label.rationale, "2 annotator(s) agreed");
        assert!(!settle(&ratings(&[1.0], None, false), &RULE).unwrap().passed);
    }

    #[test]
    fn nothing_while_someone_is_pending_or_annotators_disagree() {
        assert_eq!(settle(&ratings(&[3.0], None, true), &RULE), None);
        assert_eq!(settle(&ratings(&[3.0, 1.0], None, false), &RULE), None);
        assert_eq!(settle(&ratings(&[], None, false), &RULE), None);
    }

    #[test]
    fn an_adjudicated_value_settles_even_while_someone_is_pending() {
        let label = settle(&ratings(&[3.0, 1.0], Some(1.0), true), &RULE).unwrap();
        assert_eq!((label.value, label.passed), (1.0, false));
        assert_eq!(label.rationale, "adjudicated by Mia");
    }
}
