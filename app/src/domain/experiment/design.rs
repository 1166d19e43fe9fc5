//! An A/B test's design as its form states it: the versions (the first is the control), the
//! metric that decides and the guardrails, and the sample each arm needs — fixed up front from
//! the baseline pass rate and the smallest change worth detecting, so the result is read once,
//! at that sample (a fixed horizon), never on a lucky day.

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
    pub sample_per_arm: u32,
    pub started_on: NaiveDate,
}

/// The level each treatment is compared with the control at: `alpha` split over the
/// comparisons (Bonferroni), so the chance of any false winner stays at `alpha`.
pub fn comparison_alpha(alpha: f64, arms: usize) -> f64 {
    alpha / arms.saturating_sub(1).max(1) as f64
}

impl Design {
    /// Checks the form; `measured` is the control's recent pass rate of the primary metric, used
    /// when the baseline is left empty. The first wrong field is named.
    pub fn parse(form: &ExperimentForm, measured: Option<f64>, today: NaiveDate) -> Result<Self, AppError> {
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
            sample_per_arm: n.ceil().min(f64::from(u32::MAX)) as u32,
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
        format!(
            "{} scored outputs per arm detect a change of {} points from a pass rate of {} with {} power, two-sided at α = {}{correction}.",
            self.sample_per_arm,
            percent(self.minimum_change).trim_end_matches('%'),
            percent(self.baseline),
            percent(self.power),
            self.alpha
        )
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
        let design = Design::parse(&form(), None, today()).unwrap();
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
        assert!(design.describe().starts_with("1565 scored outputs per arm detect a change of 5 points from a pass rate of 50% with 80% power"), "{}", design.describe());
    }

    #[test]
    fn three_arms_split_alpha_and_need_more_per_arm() {
        let three = ExperimentForm {
            versions: "a, b, c".into(),
            ..form()
        };
        let design = Design::parse(&three, None, today()).unwrap();
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
            Design::parse(&measured, Some(0.5), today())
                .unwrap()
                .sample_per_arm,
            1565
        );
        assert_eq!(
            Design::parse(&measured, None, today()).unwrap_err().field(),
            Some("baseline")
        );
        let high = ExperimentForm {
            baseline: "97%".into(),
            ..form()
        };
        assert!(
            Design::parse(&high, None, today()).is_ok(),
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
                Design::parse(&form, None, today()).unwrap_err().field(),
                Some(field),
                "{form:?}"
            );
        }
    }
}
