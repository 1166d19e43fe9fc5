//! An A/B test's design as its form states it: the versions (the first is the control), the
//! metric that decides and the guardrails, and the sample each arm needs — fixed up front from
//! the baseline pass rate and the smallest change worth detecting, so the result is read once,
//! at that sample (a fixed horizon), never on a lucky day.
//!
//! The sample is planned in **end users**, the unit the arms are assigned by. The power
//! calculation gives the independent verdicts an arm needs; earlier traffic of the control says
//! how many verdicts a user gives and how much they agree with each other (the design effect,
//! [`crate::domain::stats::ratio`]), so `users = verdicts × design effect / verdicts per user`.
//! Without earlier traffic that names its users, the design assumes one verdict per user: the
//! most users the same power can need.

use crate::domain::monitor::draft::{percent, rate};
use crate::domain::stats::power::sample_per_arm;
use crate::domain::text::{bounded, identifier, list};
use crate::error::AppError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Most versions in one experiment.
pub const MAX_ARMS: usize = 6;
/// Most guardrail metrics.
pub const MAX_GUARDRAILS: usize = 10;

/// The form; lists are comma-separated, rates `0.8` or `80%`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExperimentForm {
    pub key: String,
    pub name: String,
    pub hypothesis: String,
    /// Version labels; the first is the control.
    pub versions: String,
    /// The primary metric's key.
    pub primary: String,
    /// Guardrail metrics' keys.
    pub guardrails: String,
    /// The control's expected pass rate; empty: measured over the last 30 days.
    pub baseline: String,
    /// The smallest change of the pass rate worth detecting, in points (`5%` or `0.05`).
    pub minimum_change: String,
    pub alpha: String,
    pub power: String,
    /// First day counted (YYYY-MM-DD); empty: today.
    pub started_on: String,
}

impl ExperimentForm {
    /// A new experiment's form with the usual levels.
    pub fn new() -> Self {
        ExperimentForm {
            minimum_change: "5%".into(),
            alpha: "0.05".into(),
            power: "80%".into(),
            ..Default::default()
        }
    }
}

/// What earlier traffic of the control says, for planning.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct History {
    /// The control's recent pass rate of the primary metric, for an empty baseline.
    pub pass_rate: Option<f64>,
    /// How its verdicts cluster by user, when enough users were seen.
    pub clustering: Option<Clustering>,
}

/// Verdicts per user and their design effect in earlier traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clustering {
    pub verdicts_per_user: f64,
    pub design_effect: f64,
}

/// Fewest users of earlier traffic whose clustering the plan trusts.
pub const MIN_HISTORY_USERS: u64 = 30;

impl Clustering {
    /// The clustering of an estimate over earlier traffic; `None` with fewer than
    /// [`MIN_HISTORY_USERS`] users or no variation. A design effect below 1 (possible by chance)
    /// is taken as 1.
    pub fn of(estimate: &crate::domain::stats::ratio::RatioEstimate) -> Option<Self> {
        if estimate.users < MIN_HISTORY_USERS {
            return None;
        }
        Some(Clustering {
            verdicts_per_user: estimate.verdicts_per_user()?,
            design_effect: estimate.design_effect()?.max(1.0),
        })
    }
}

/// A validated design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub key: String,
    pub name: String,
    pub hypothesis: String,
    pub versions: Vec<String>,
    pub primary: String,
    pub guardrails: Vec<String>,
    pub baseline: f64,
    pub minimum_change: f64,
    pub alpha: f64,
    pub power: f64,
    /// End users each arm needs.
    pub sample_per_arm: u32,
    /// Independent verdicts each arm needs (the power calculation).
    pub verdicts_per_arm: u32,
    /// Earlier traffic's verdicts per user and design effect (both 1: none measured).
    pub verdicts_per_user: f64,
    pub design_effect: f64,
    pub started_on: NaiveDate,
}

/// The users an arm needs for `verdicts` independent verdicts, given how earlier traffic
/// clustered (at least one user).
pub fn users_needed(verdicts: u32, clustering: Option<Clustering>) -> u32 {
    let Some(c) = clustering else {
        return verdicts.max(1);
    };
    // (A hair below the next whole number is that number: 93 × 10/3 / 5 is 62, not 63.)
    let users = (f64::from(verdicts) * c.design_effect / c.verdicts_per_user - 1e-9).ceil();
    (users.min(f64::from(verdicts)) as u32).max(1)
}

/// The level each treatment is compared with the control at: `alpha` split over the
/// comparisons (Bonferroni), so the chance of any false winner stays at `alpha`.
pub fn comparison_alpha(alpha: f64, arms: usize) -> f64 {
    alpha / arms.saturating_sub(1).max(1) as f64
}

impl Design {
    /// Checks the form; `history` is the control's earlier traffic (its pass rate is used when
    /// the baseline is left empty). The first wrong field is named.
    pub fn parse(form: &ExperimentForm, history: &History, today: NaiveDate) -> Result<Self, AppError> {
        let measured = history.pass_rate;
        let key = identifier("key", &form.key, 2, 64, &['-', '_'])?;
        let name = bounded("name", &form.name, 1, 120)?;
        let hypothesis = bounded("hypothesis", &form.hypothesis, 0, 2000)?;
        let versions = list(&form.versions);
        if versions.len() < 2 {
            return Err(AppError::invalid(
                "versions",
                "name at least two versions serving traffic at once, the control first",
            ));
        }
        if versions.len() > MAX_ARMS {
            return Err(AppError::invalid(
                "versions",
                format!("at most {MAX_ARMS} versions"),
            ));
        }
        let primary = form.primary.trim().to_owned();
        if primary.is_empty() {
            return Err(AppError::invalid(
                "primary",
                "choose the metric that decides the test",
            ));
        }
        let guardrails: Vec<String> = list(&form.guardrails)
            .into_iter()
            .filter(|g| *g != primary)
            .collect();
        if guardrails.len() > MAX_GUARDRAILS {
            return Err(AppError::invalid(
                "guardrails",
                format!("at most {MAX_GUARDRAILS} guardrail metrics"),
            ));
        }
        let baseline = match form.baseline.trim() {
            "" => measured.ok_or_else(|| {
                AppError::invalid(
                    "baseline",
                    "the control has no recent verdicts of the primary metric: state the pass rate you expect",
                )
            })?,
            text => rate("baseline", text)?,
        };
        // A measured 0% or 100% cannot be improved on (or gets no power): keep it inside 1..99%.
        let baseline = if form.baseline.trim().is_empty() {
            baseline.clamp(0.01, 0.99)
        } else {
            baseline
        };
        let minimum_change = rate("minimum_change", &form.minimum_change)?;
        if !(minimum_change > 0.0 && minimum_change < 1.0) {
            return Err(AppError::invalid(
                "minimum_change",
                "must be above 0 and below 100 points",
            ));
        }
        let alpha = rate("alpha", &form.alpha)?;
        if !(alpha > 0.0 && alpha <= 0.2) {
            return Err(AppError::invalid("alpha", "must be above 0 and at most 0.2"));
        }
        let power = rate("power", &form.power)?;
        if !(0.5..0.995).contains(&power) {
            return Err(AppError::invalid("power", "must be from 50% to 99%"));
        }
        // Powered to detect the change in the direction that leaves room: up from a low baseline.
        let change = if baseline + minimum_change < 1.0 {
            minimum_change
        } else {
            -minimum_change
        };
        let n = sample_per_arm(baseline, change, comparison_alpha(alpha, versions.len()), power)?;
        let verdicts_per_arm = n.ceil().min(f64::from(u32::MAX)) as u32;
        let clustering = history.clustering;
        let started_on = match form.started_on.trim() {
            "" => today,
            text => crate::domain::metric::parse_date("started_on", text)?,
        };
        Ok(Design {
            key,
            name,
            hypothesis,
            versions,
            primary,
            guardrails,
            baseline,
            minimum_change,
            alpha,
            power,
            sample_per_arm: users_needed(verdicts_per_arm, clustering),
            verdicts_per_arm,
            verdicts_per_user: clustering.map_or(1.0, |c| c.verdicts_per_user),
            design_effect: clustering.map_or(1.0, |c| c.design_effect),
            started_on,
        })
    }

    /// The design in one sentence, for the page.
    pub fn describe(&self) -> String {
        let comparisons = self.versions.len() - 1;
        let correction = if comparisons > 1 {
            format!(
                ", each of the {comparisons} comparisons with the control at {} (Bonferroni)",
                comparison_alpha(self.alpha, self.versions.len())
            )
        } else {
            String::new()
        };
        let power = format!(
            "{} independent verdicts per arm detect a change of {} points from a pass rate of {} with {} power, two-sided at α = {}{correction}.",
            self.verdicts_per_arm,
            percent(self.minimum_change).trim_end_matches('%'),
            percent(self.baseline),
            percent(self.power),
            self.alpha
        );
        let users = if self.is_clustering_measured() {
            format!(
                " Users are the unit: earlier traffic of {} gave {:.1} verdicts per user with a design effect of {:.2} (a user's verdicts agree with each other), so each arm needs {} users.",
                self.versions[0], self.verdicts_per_user, self.design_effect, self.sample_per_arm
            )
        } else {
            format!(
                " Users are the unit: with no earlier traffic naming its users, the plan counts one verdict per user, so each arm needs {} users (the most this power can need).",
                self.sample_per_arm
            )
        };
        format!("{power}{users}")
    }
}

impl Design {
    /// Whether the plan rests on measured clustering (else one verdict per user was assumed).
    pub fn is_clustering_measured(&self) -> bool {
        self.verdicts_per_user != 1.0 || self.design_effect != 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ExperimentForm {
        ExperimentForm {
            key: "shorter-prompt".into(),
            name: "Shorter prompt".into(),
            versions: "prompt-v2, prompt-v3".into(),
            primary: "thumbs-up".into(),
            guardrails: "reply-language, thumbs-up".into(),
            baseline: "50%".into(),
            ..ExperimentForm::new()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn the_sample_per_arm_is_the_two_proportion_power_calculation() {
        let design = Design::parse(&form(), &History::default(), today()).unwrap();
        // Cohen's h of 55% against 50% is 0.100167; n = 2 (z₀.₉₇₅ + z₀.₈)² / h² = 1564.53 (what
        // statsmodels' NormalIndPower().solve_power(0.100167, alpha=0.05, power=0.8) answers),
        // so 1565 per arm.
        assert_eq!(design.sample_per_arm, 1565);
        assert_eq!(
            design.guardrails,
            vec!["reply-language"],
            "the primary is no guardrail"
        );
        assert_eq!(design.started_on, today());
        assert_eq!(design.verdicts_per_arm, 1565);
        assert!(design.describe().starts_with("1565 independent verdicts per arm detect a change of 5 points from a pass rate of 50% with 80% power"), "{}", design.describe());
        assert!(
            design
                .describe()
                .contains("one verdict per user, so each arm needs 1565 users"),
            "{}",
            design.describe()
        );
    }

    #[test]
    fn the_sample_is_planned_in_users_from_the_clustering_of_earlier_traffic() {
        // 4 verdicts per user with a design effect of 2: 1565 × 2 / 4 = 782.5, so 783 users.
        let clustering = Clustering {
            verdicts_per_user: 4.0,
            design_effect: 2.0,
        };
        let history = History {
            pass_rate: None,
            clustering: Some(clustering),
        };
        let design = Design::parse(&form(), &history, today()).unwrap();
        assert_eq!((design.verdicts_per_arm, design.sample_per_arm), (1565, 783));
        assert!(design.is_clustering_measured());
        assert!(
            design
                .describe()
                .contains("4.0 verdicts per user with a design effect of 2.00"),
            "{}",
            design.describe()
        );
        // Never more users than verdicts, never none.
        let extreme = Clustering {
            verdicts_per_user: 1.0,
            design_effect: 3.0,
        };
        assert_eq!(users_needed(100, Some(extreme)), 100);
        assert_eq!(users_needed(1, Some(clustering)), 1);
        // The clustering of a history with too few users is not trusted; a design effect below 1
        // counts as 1.
        use crate::domain::stats::ratio::{RatioEstimate, UserTotals};
        let few = RatioEstimate::of(&[UserTotals { passes: 1, n: 2 }; 10]);
        assert_eq!(Clustering::of(&few), None);
        let even: Vec<UserTotals> = (0..40)
            .map(|u| UserTotals {
                passes: 1 + u % 2,
                n: 3,
            })
            .collect();
        let measured = Clustering::of(&RatioEstimate::of(&even)).unwrap();
        assert_eq!(measured.verdicts_per_user, 3.0);
        assert_eq!(
            measured.design_effect, 1.0,
            "users at 1/3 and 2/3 vary less than verdicts would"
        );
    }

    #[test]
    fn three_arms_split_alpha_and_need_more_per_arm() {
        let three = ExperimentForm {
            versions: "a, b, c".into(),
            ..form()
        };
        let design = Design::parse(&three, &History::default(), today()).unwrap();
        assert_eq!(comparison_alpha(0.05, 3), 0.025);
        assert!(design.sample_per_arm > 1565, "{}", design.sample_per_arm);
        assert!(design.describe().contains("Bonferroni"));
    }

    #[test]
    fn an_empty_baseline_is_measured_and_a_high_one_is_powered_downwards() {
        let measured = ExperimentForm {
            baseline: String::new(),
            ..form()
        };
        assert_eq!(
            Design::parse(
                &measured,
                &History {
                    pass_rate: Some(0.5),
                    clustering: None
                },
                today()
            )
            .unwrap()
            .sample_per_arm,
            1565
        );
        assert_eq!(
            Design::parse(&measured, &History::default(), today())
                .unwrap_err()
                .field(),
            Some("baseline")
        );
        let high = ExperimentForm {
            baseline: "97%".into(),
            ..form()
        };
        assert!(
            Design::parse(&high, &History::default(), today()).is_ok(),
            "97% + 5 points leaves 0..1: powered for a drop"
        );
    }

    #[test]
    fn a_bad_design_is_refused_on_its_field() {
        let cases: Vec<(ExperimentForm, &str)> = vec![
            (
                ExperimentForm {
                    versions: "prompt-v2".into(),
                    ..form()
                },
                "versions",
            ),
            (
                ExperimentForm {
                    versions: "v, v".into(),
                    ..form()
                },
                "versions",
            ),
            (
                ExperimentForm {
                    primary: " ".into(),
                    ..form()
                },
                "primary",
            ),
            (
                ExperimentForm {
                    key: "No Spaces".into(),
                    ..form()
                },
                "key",
            ),
            (
                ExperimentForm {
                    name: "".into(),
                    ..form()
                },
                "name",
            ),
            (
                ExperimentForm {
                    minimum_change: "0".into(),
                    ..form()
                },
                "minimum_change",
            ),
            (
                ExperimentForm {
                    baseline: "120%".into(),
                    ..form()
                },
                "baseline",
            ),
            (
                ExperimentForm {
                    alpha: "0.5".into(),
                    ..form()
                },
                "alpha",
            ),
            (
                ExperimentForm {
                    power: "30%".into(),
                    ..form()
                },
                "power",
            ),
            (
                ExperimentForm {
                    started_on: "tomorrow".into(),
                    ..form()
                },
                "started_on",
            ),
        ];
        for (form, field) in cases {
            assert_eq!(
                Design::parse(&form, &History::default(), today())
                    .unwrap_err()
                    .field(),
                Some(field),
                "{form:?}"
            );
        }
    }
}
