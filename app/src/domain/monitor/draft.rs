//! The monitor form: what an owner types, checked field by field into a monitor's definition,
//! and the definition back into the form for editing. The metric, segment key and version are
//! checked against the project by the server.

use super::{Condition, NoDataPolicy, Rule};
use crate::domain::money::Money;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The shortest and longest window.
pub const MIN_WINDOW_MINUTES: i64 = 5;
pub const MAX_WINDOW_MINUTES: i64 = 7 * 24 * 60;

crate::choice!(
    /// The kind of condition, as the form names it.
    ConditionKind, "condition" {
        FailureRateAbove = "failure_rate_above", "Failure rate above";
        PassRateBelow = "pass_rate_below", "Pass rate below";
        DollarImpactAbove = "dollar_impact_above", "Dollar impact above";
    }
);

/// The form as typed; a field left out is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitorForm {
    pub name: String,
    /// The metric's key.
    pub metric: String,
    /// `key=value`, or empty for all traffic.
    pub segment: String,
    /// A version label, or empty for every version.
    pub version: String,
    pub window_minutes: String,
    pub condition: String,
    /// A rate (`0.2` or `20%`) or a dollar amount.
    pub threshold: String,
    /// Empty: the threshold itself (no hysteresis).
    pub recovery: String,
    pub min_sample: String,
    pub for_evaluations: String,
    /// Empty or 0: keep the state without data; else go to NO_DATA after this many minutes.
    pub no_data_minutes: String,
    /// Empty: no reminders.
    pub reminder_minutes: String,
    /// The channels to notify.
    pub channels: Vec<i64>,
}

/// A checked monitor definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorSpec {
    pub name: String,
    pub metric: String,
    pub segment: Option<(String, String)>,
    pub version: Option<String>,
    pub window_minutes: i64,
    pub rule: Rule,
    pub channels: Vec<i64>,
}

fn integer(
    field: &str,
    text: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, AppError> {
    let text = text.trim();
    let value = if text.is_empty() {
        default
    } else {
        text.parse()
            .map_err(|_| AppError::invalid(field, format!("'{text}' is not a whole number")))?
    };
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid(
            field,
            format!("must be from {} to {}", range.start(), range.end()),
        ))
    }
}

/// A rate: `0.2` or `20%`; checked to be within 0..1 by [`Condition::check`].
pub fn rate(field: &str, text: &str) -> Result<f64, AppError> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(percent) => (percent.trim(), 100.0),
        None => (text, 1.0),
    };
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| AppError::invalid(field, format!("'{text}' is not a rate such as 0.2 or 20%")))?;
    Ok(value / scale)
}

/// Formats a rate for the form and messages: `0.2` → `20%`.
pub fn percent(rate: f64) -> String {
    let text = format!("{:.2}", rate * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

impl MonitorForm {
    /// A new monitor's form: sensible defaults for the metric `metric`.
    pub fn new_for(metric: &str) -> Self {
        MonitorForm {
            metric: metric.to_owned(),
            window_minutes: "60".into(),
            condition: ConditionKind::FailureRateAbove.as_str().into(),
            threshold: "20%".into(),
            recovery: "10%".into(),
            min_sample: "20".into(),
            for_evaluations: "3".into(),
            ..Default::default()
        }
    }

    /// Checks every field; the first wrong one is named.
    pub fn parse(&self) -> Result<MonitorSpec, AppError> {
        let name = crate::domain::text::bounded("name", &self.name, 1, 80)?;
        let metric = self.metric.trim();
        if metric.is_empty() {
            return Err(AppError::invalid("metric", "choose the metric to watch"));
        }
        let segment = match self.segment.trim() {
            "" => None,
            text => {
                let (key, value) = text
                    .split_once('=')
                    .ok_or_else(|| AppError::invalid("segment", "must be key=value, such as language=de"))?;
                let (key, value) = (key.trim(), value.trim());
                if key.is_empty() || value.is_empty() {
                    return Err(AppError::invalid(
                        "segment",
                        "must be key=value, such as language=de",
                    ));
                }
                Some((key.to_owned(), value.to_owned()))
            }
        };
        let version = Some(self.version.trim().to_owned()).filter(|v| !v.is_empty());
        let window_minutes = integer(
            "window",
            &self.window_minutes,
            60,
            MIN_WINDOW_MINUTES..=MAX_WINDOW_MINUTES,
        )?;
        let kind = ConditionKind::parse(&self.condition)?;
        let recovery_text = if self.recovery.trim().is_empty() {
            &self.threshold
        } else {
            &self.recovery
        };
        let condition = match kind {
            ConditionKind::FailureRateAbove => Condition::FailureRateAbove {
                threshold: rate("threshold", &self.threshold)?,
                recovery: rate("recovery", recovery_text)?,
            },
            ConditionKind::PassRateBelow => Condition::PassRateBelow {
                threshold: rate("threshold", &self.threshold)?,
                recovery: rate("recovery", recovery_text)?,
            },
            ConditionKind::DollarImpactAbove => Condition::DollarImpactAbove {
                threshold: Money::parse("threshold", &self.threshold)?,
                recovery: Money::parse("recovery", recovery_text)?,
            },
        }
        .check()?;
        let min_sample = integer("min_sample", &self.min_sample, 20, 1..=1_000_000)?;
        let for_evaluations = integer("for_evaluations", &self.for_evaluations, 1, 1..=1440)?;
        let no_data = match integer(
            "no_data_minutes",
            &self.no_data_minutes,
            0,
            0..=MAX_WINDOW_MINUTES * 4,
        )? {
            0 => NoDataPolicy::KeepState,
            minutes => NoDataPolicy::NoDataAfter { minutes },
        };
        let reminder_minutes = match self.reminder_minutes.trim() {
            "" | "0" => None,
            text => Some(integer("reminder_minutes", text, 0, 5..=MAX_WINDOW_MINUTES)?),
        };
        let mut channels = self.channels.clone();
        channels.sort_unstable();
        channels.dedup();
        Ok(MonitorSpec {
            name,
            metric: metric.to_owned(),
            segment,
            version,
            window_minutes,
            rule: Rule {
                condition,
                min_sample: min_sample as u64,
                for_evaluations: for_evaluations as u32,
                no_data,
                reminder_minutes,
            },
            channels,
        })
    }
}

impl MonitorSpec {
    /// The form that shows this definition.
    pub fn to_form(&self) -> MonitorForm {
        let (kind, threshold, recovery) = match self.rule.condition {
            Condition::FailureRateAbove { threshold, recovery } => (
                ConditionKind::FailureRateAbove,
                percent(threshold),
                percent(recovery),
            ),
            Condition::PassRateBelow { threshold, recovery } => (
                ConditionKind::PassRateBelow,
                percent(threshold),
                percent(recovery),
            ),
            Condition::DollarImpactAbove { threshold, recovery } => (
                ConditionKind::DollarImpactAbove,
                threshold.to_decimal(),
                recovery.to_decimal(),
            ),
        };
        MonitorForm {
            name: self.name.clone(),
            metric: self.metric.clone(),
            segment: self
                .segment
                .as_ref()
                .map(|(k, v)| format!("{k}={v}"))
                .unwrap_or_default(),
            version: self.version.clone().unwrap_or_default(),
            window_minutes: self.window_minutes.to_string(),
            condition: kind.as_str().into(),
            threshold,
            recovery,
            min_sample: self.rule.min_sample.to_string(),
            for_evaluations: self.rule.for_evaluations.to_string(),
            no_data_minutes: match self.rule.no_data {
                NoDataPolicy::KeepState => String::new(),
                NoDataPolicy::NoDataAfter { minutes } => minutes.to_string(),
            },
            reminder_minutes: self
                .rule
                .reminder_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            channels: self.channels.clone(),
        }
    }
}

impl Condition {
    /// The condition in words: "failure rate above 20%".
    pub fn describe(self) -> String {
        match self {
            Condition::FailureRateAbove { threshold, .. } => {
                format!("failure rate above {}", percent(threshold))
            }
            Condition::PassRateBelow { threshold, .. } => format!("pass rate below {}", percent(threshold)),
            Condition::DollarImpactAbove { threshold, .. } => format!("dollar impact above {threshold}"),
        }
    }

    /// The firing threshold in words: "20%" or "$50.00".
    pub fn threshold_text(self) -> String {
        match self {
            Condition::FailureRateAbove { threshold, .. } | Condition::PassRateBelow { threshold, .. } => {
                percent(threshold)
            }
            Condition::DollarImpactAbove { threshold, .. } => threshold.to_string(),
        }
    }

    /// A value of this condition's unit in words: a rate as a percentage, micro-dollars as money.
    pub fn format_value(self, value: f64) -> String {
        match self {
            Condition::DollarImpactAbove { .. } => Money::from_micros(value.round() as i64).to_string(),
            _ => format!("{:.1}%", value * 100.0),
        }
    }
}

/// A window's length in words: "45 minutes", "1 hour", "7 days".
pub fn window_words(minutes: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if minutes % 1440 == 0 {
        plural(minutes / 1440, "day")
    } else if minutes % 60 == 0 {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes, "minute")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> MonitorForm {
        MonitorForm {
            name: "German replies".into(),
            segment: "language=de".into(),
            ..MonitorForm::new_for("reply-language")
        }
    }

    fn error_field(form: MonitorForm) -> String {
        match form.parse() {
            Err(AppError::Validation { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_form_parses_and_round_trips() {
        let spec = form().parse().unwrap();
        assert_eq!(spec.segment, Some(("language".into(), "de".into())));
        assert_eq!(
            spec.rule.condition,
            Condition::FailureRateAbove {
                threshold: 0.2,
                recovery: 0.1
            }
        );
        assert_eq!((spec.rule.min_sample, spec.rule.for_evaluations), (20, 3));
        assert_eq!(spec.rule.no_data, NoDataPolicy::KeepState);
        assert_eq!(spec.to_form().parse().unwrap(), spec);
        let money = MonitorForm {
            condition: "dollar_impact_above".into(),
            threshold: "$50".into(),
            recovery: "".into(),
            no_data_minutes: "120".into(),
            reminder_minutes: "60".into(),
            channels: vec![3, 1, 3],
            ..form()
        }
        .parse()
        .unwrap();
        assert_eq!(
            money.rule.condition,
            Condition::DollarImpactAbove {
                threshold: Money::from_cents(5000),
                recovery: Money::from_cents(5000)
            }
        );
        assert_eq!(money.rule.no_data, NoDataPolicy::NoDataAfter { minutes: 120 });
        assert_eq!(money.rule.reminder_minutes, Some(60));
        assert_eq!(money.channels, vec![1, 3]);
        assert_eq!(money.to_form().parse().unwrap(), money);
        assert_eq!(
            MonitorForm {
                threshold: "0.25".into(),
                ..form()
            }
            .parse()
            .unwrap()
            .rule
            .condition
            .describe(),
            "failure rate above 25%"
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(
            error_field(MonitorForm {
                name: " ".into(),
                ..form()
            }),
            "name"
        );
        assert_eq!(
            error_field(MonitorForm {
                metric: "".into(),
                ..form()
            }),
            "metric"
        );
        assert_eq!(
            error_field(MonitorForm {
                segment: "language".into(),
                ..form()
            }),
            "segment"
        );
        assert_eq!(
            error_field(MonitorForm {
                window_minutes: "4".into(),
                ..form()
            }),
            "window"
        );
        assert_eq!(
            error_field(MonitorForm {
                window_minutes: "10081".into(),
                ..form()
            }),
            "window"
        );
        assert_eq!(
            error_field(MonitorForm {
                condition: "sometimes".into(),
                ..form()
            }),
            "condition"
        );
        assert_eq!(
            error_field(MonitorForm {
                threshold: "1.5".into(),
                ..form()
            }),
            "threshold"
        );
        assert_eq!(
            error_field(MonitorForm {
                threshold: "-0.1".into(),
                ..form()
            }),
            "threshold"
        );
        assert_eq!(
            error_field(MonitorForm {
                threshold: "lots".into(),
                ..form()
            }),
            "threshold"
        );
        assert_eq!(
            error_field(MonitorForm {
                recovery: "30%".into(),
                ..form()
            }),
            "recovery"
        );
        assert_eq!(
            error_field(MonitorForm {
                min_sample: "0".into(),
                ..form()
            }),
            "min_sample"
        );
        assert_eq!(
            error_field(MonitorForm {
                for_evaluations: "x".into(),
                ..form()
            }),
            "for_evaluations"
        );
        assert_eq!(
            error_field(MonitorForm {
                reminder_minutes: "2".into(),
                ..form()
            }),
            "reminder_minutes"
        );
        assert_eq!(
            error_field(MonitorForm {
                condition: "dollar_impact_above".into(),
                threshold: "0".into(),
                recovery: "".into(),
                ..form()
            }),
            "threshold"
        );
    }

    #[test]
    fn windows_and_values_read_as_words() {
        assert_eq!(window_words(45), "45 minutes");
        assert_eq!(window_words(60), "1 hour");
        assert_eq!(window_words(1440 * 7), "7 days");
        assert_eq!(percent(0.125), "12.5%");
        let rate = Condition::FailureRateAbove {
            threshold: 0.2,
            recovery: 0.1,
        };
        assert_eq!(rate.format_value(0.3421), "34.2%");
        let money = Condition::DollarImpactAbove {
            threshold: Money::from_cents(100),
            recovery: Money::from_cents(50),
        };
        assert_eq!(money.format_value(52_000_000.0), "$52.00");
    }
}
