//! US-dollar amounts held exactly as integer micro-dollars (never floating point).
//!
//! Micro-dollars rather than cents because a cost per evaluation is often a fraction of a cent
//! (one LLM-judge call at $0.0004); a cost per failure uses whole cents in practice.

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Micro-dollars in one dollar.
const PER_DOLLAR: i64 = 1_000_000;
/// The largest amount accepted: one billion dollars.
const MAX_DOLLARS: i64 = 1_000_000_000;

/// An exact, non-negative amount of US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero dollars.
    pub const ZERO: Money = Money(0);

    /// An amount from micro-dollars, as stored.
    pub fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// An amount from whole cents.
    pub fn from_cents(cents: i64) -> Self {
        Self(cents * 10_000)
    }

    /// The amount in micro-dollars, for storage.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// Parses "2.50", "$2.50", "1,250.00" or "0.0004" (up to six decimals) for `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, AppError> {
        let cleaned: String = text
            .trim()
            .trim_start_matches('$')
            .chars()
            .filter(|&c| c != ',' && c != ' ')
            .collect();
        if cleaned.is_empty() {
            return Err(AppError::invalid(field, "must be a dollar amount such as 2.50"));
        }
        if cleaned.starts_with('-') {
            return Err(AppError::invalid(field, "must not be negative"));
        }
        let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
            return Err(AppError::invalid(
                field,
                format!("'{text}' is not a dollar amount such as 2.50"),
            ));
        }
        if fraction.len() > 6 {
            return Err(AppError::invalid(
                field,
                "may have at most six decimals (a millionth of a dollar)",
            ));
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large(field))?
        };
        if whole > MAX_DOLLARS {
            return Err(too_large(field));
        }
        let fraction: i64 = format!("{fraction:0<6}").parse().unwrap_or(0);
        Ok(Self(whole * PER_DOLLAR + fraction))
    }

    /// This amount `count` times, exactly; saturates instead of overflowing.
    pub fn times(self, count: i64) -> Self {
        Self(self.0.saturating_mul(count))
    }

    /// The sum of two amounts.
    pub fn plus(self, other: Money) -> Self {
        Self(self.0.saturating_add(other.0))
    }

    /// The amount as plain decimal text without a currency sign ("2.5" is written "2.50").
    pub fn to_decimal(self) -> String {
        let whole = self.0 / PER_DOLLAR;
        let fraction = format!("{:06}", self.0 % PER_DOLLAR);
        let trimmed = fraction.trim_end_matches('0');
        let shown = if trimmed.len() < 2 {
            &fraction[..2]
        } else {
            trimmed
        };
        format!("{whole}.{shown}")
    }
}

fn too_large(field: &str) -> AppError {
    AppError::invalid(field, "must be at most $1,000,000,000")
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.to_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        Money::parse("cost", text).unwrap()
    }

    #[test]
    fn ten_cents_three_times_is_exactly_thirty_cents() {
        assert_eq!(money("0.10").times(3), money("0.30"));
        assert_eq!(money("0.10").times(3).to_string(), "$0.30");
        // The floating-point version of the same sum is not exact.
        assert_ne!(0.1_f64 * 3.0, 0.3);
    }

    #[test]
    fn amounts_parse_in_the_usual_spellings() {
        assert_eq!(money("2.50"), Money::from_cents(250));
        assert_eq!(money("$2.5"), Money::from_cents(250));
        assert_eq!(money(" 1,250 "), Money::from_cents(125_000));
        assert_eq!(money(".75"), Money::from_cents(75));
        assert_eq!(money("0.0004"), Money::from_micros(400));
    }

    #[test]
    fn amounts_print_with_at_least_two_decimals() {
        assert_eq!(Money::from_cents(250).to_string(), "$2.50");
        assert_eq!(Money::from_micros(400).to_string(), "$0.0004");
        assert_eq!(Money::ZERO.to_string(), "$0.00");
        assert_eq!(Money::from_cents(125_000).to_decimal(), "1250.00");
    }

    #[test]
    fn bad_amounts_are_refused_on_their_field() {
        for text in ["", "abc", "-1", "1.2.3", "0.0000001", "1e3", "2000000000"] {
            let error = Money::parse("cost_per_failure", text).unwrap_err();
            assert_eq!(error.field(), Some("cost_per_failure"), "{text}");
        }
    }

    #[test]
    fn printing_and_parsing_round_trip() {
        for micros in [0, 1, 400, 10_000, 2_500_000, 999_999_999_999] {
            let amount = Money::from_micros(micros);
            assert_eq!(money(&amount.to_decimal()), amount);
        }
    }
}
