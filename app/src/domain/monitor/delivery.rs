//! Delivering a notification: what an attempt's result means, when to try again (exponential
//! backoff with jitter), when to give up, and when a channel that keeps failing is disabled.

use chrono::Duration;

/// Attempts a delivery gets before it is given up.
pub const MAX_ATTEMPTS: i32 = 6;
/// The wait before the second attempt; each later wait doubles, up to [`MAX_DELAY_SECONDS`].
pub const BASE_DELAY_SECONDS: i64 = 30;
pub const MAX_DELAY_SECONDS: i64 = 3600;
/// How long one attempt may take.
pub const TIMEOUT_SECONDS: u64 = 10;

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered with this status.
    Answered(u16),
    /// No answer: the connection failed or timed out.
    Unreachable(String),
    /// Not sent: the address is one the server does not deliver to.
    Refused(String),
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again after this long.
    RetryAfter(Duration),
    /// Give up: refused (a 4xx other than 429), or out of attempts.
    Failed,
}

impl Attempt {
    /// Whether the attempt succeeded (2xx).
    pub fn succeeded(&self) -> bool {
        matches!(self, Attempt::Answered(code) if (200..300).contains(code))
    }

    /// Whether trying again could help: network errors, 5xx and 429 (too many requests).
    pub fn retryable(&self) -> bool {
        match self {
            Attempt::Unreachable(_) => true,
            Attempt::Answered(code) => *code == 429 || (500..600).contains(code),
            Attempt::Refused(_) => false,
        }
    }
}

/// The wait after failed attempt number `attempt` (1-based): `BASE × 2^(attempt-1)`, capped, then
/// scaled by a jitter in 0.5..1.0 (`jitter` is a uniform draw in 0..1), so receivers that come
/// back are not hit by every sender at once.
pub fn backoff(attempt: i32, jitter: f64) -> Duration {
    let exponent = (attempt.max(1) - 1).min(20) as u32;
    let full = BASE_DELAY_SECONDS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_DELAY_SECONDS);
    let scale = 0.5 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::milliseconds((full as f64 * 1000.0 * scale).round() as i64)
}

/// What follows attempt number `attempt` (1-based) that went as `result`.
pub fn outcome(attempt: i32, result: &Attempt, jitter: f64) -> Outcome {
    if result.succeeded() {
        Outcome::Delivered
    } else if result.retryable() && attempt < MAX_ATTEMPTS {
        Outcome::RetryAfter(backoff(attempt, jitter))
    } else {
        Outcome::Failed
    }
}

/// Whether a channel with `consecutive_failures` failed attempts in a row is to be disabled.
pub fn disables(consecutive_failures: i32, disable_after: i32) -> bool {
    consecutive_failures >= disable_after.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_delivered_retried_or_refused() {
        let cases = [
            (Attempt::Answered(200), 1, Outcome::Delivered),
            (Attempt::Answered(204), 6, Outcome::Delivered),
            (
                Attempt::Answered(500),
                1,
                Outcome::RetryAfter(Duration::seconds(30)),
            ),
            (
                Attempt::Answered(503),
                2,
                Outcome::RetryAfter(Duration::seconds(60)),
            ),
            (
                Attempt::Answered(429),
                3,
                Outcome::RetryAfter(Duration::seconds(120)),
            ),
            (
                Attempt::Unreachable("connection refused".into()),
                4,
                Outcome::RetryAfter(Duration::seconds(240)),
            ),
            (Attempt::Answered(500), MAX_ATTEMPTS, Outcome::Failed),
            (Attempt::Answered(404), 1, Outcome::Failed),
            (Attempt::Answered(400), 1, Outcome::Failed),
            (Attempt::Answered(301), 1, Outcome::Failed),
            (Attempt::Refused("private address".into()), 1, Outcome::Failed),
        ];
        for (attempt, number, expected) in cases {
            assert_eq!(
                outcome(number, &attempt, 1.0),
                expected,
                "{attempt:?} at attempt {number}"
            );
        }
    }

    #[test]
    fn the_backoff_doubles_is_capped_and_jittered_into_the_upper_half() {
        assert_eq!(backoff(1, 1.0), Duration::seconds(30));
        assert_eq!(backoff(1, 0.0), Duration::seconds(15));
        assert_eq!(backoff(2, 0.5), Duration::seconds(45));
        assert_eq!(backoff(8, 1.0), Duration::seconds(3600));
        assert_eq!(backoff(40, 1.0), Duration::seconds(3600));
        assert_eq!(backoff(0, 1.0), Duration::seconds(30));
        // Out-of-range draws are clamped.
        assert_eq!(backoff(1, 7.0), Duration::seconds(30));
        assert_eq!(backoff(1, -1.0), Duration::seconds(15));
    }

    #[test]
    fn a_channel_is_disabled_after_its_configured_failures_in_a_row() {
        assert!(!disables(4, 5));
        assert!(disables(5, 5));
        assert!(disables(1, 1));
        assert!(disables(1, 0));
    }
}
