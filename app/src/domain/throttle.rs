//! Sign-in throttling, as rules: how many failed sign-ins an account (or a client address) may
//! have before it is locked, and for how long. Pure; the counts live in the database.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What a failure counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// A username as typed (lower-cased), whether or not such an account exists.
    Account,
    /// The client's address.
    Address,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Address => "address",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "account" => Some(Scope::Account),
            "address" => Some(Scope::Address),
            _ => None,
        }
    }

    /// The rule for this scope.
    pub fn policy(self) -> Policy {
        match self {
            Scope::Account => ACCOUNT,
            Scope::Address => ADDRESS,
        }
    }
}

/// When failures lock, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures in a row that lock nothing.
    pub free: u32,
    /// The first lock; each further failure doubles it.
    pub first_lock_secs: i64,
    /// The longest lock.
    pub max_lock_secs: i64,
    /// Failures older than this are forgotten: the count starts again.
    pub forget_after_secs: i64,
}

/// An account: 5 free failures, then 30 s, 1 min, 2 min … up to an hour.
pub const ACCOUNT: Policy = Policy {
    free: 5,
    first_lock_secs: 30,
    max_lock_secs: 3600,
    forget_after_secs: 24 * 3600,
};

/// A client address (which may be an office behind one router): 20 free failures, then the same.
pub const ADDRESS: Policy = Policy {
    free: 20,
    first_lock_secs: 30,
    max_lock_secs: 3600,
    forget_after_secs: 24 * 3600,
};

impl Policy {
    /// The count after a failure at `now`, given the stored count and when the last failure was.
    pub fn count(&self, stored: u32, last_failure: Option<DateTime<Utc>>, now: DateTime<Utc>) -> u32 {
        match last_failure {
            Some(last) if now - last <= Duration::seconds(self.forget_after_secs) => stored.saturating_add(1),
            _ => 1,
        }
    }

    /// How long `failures` failures in a row lock for; `None` while they are free.
    pub fn lock(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free).filter(|b| *b > 0)?;
        let doublings = (beyond - 1).min(20);
        let secs = self
            .first_lock_secs
            .saturating_mul(1 << doublings)
            .min(self.max_lock_secs);
        Some(Duration::seconds(secs))
    }
}

/// Whole seconds until `until`, at least 1 (a `Retry-After` value).
pub fn retry_after(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let millis = u64::try_from((until - now).num_milliseconds()).unwrap_or(0);
    millis.div_ceil(1000).max(1)
}

/// The one message of a locked sign-in, the same whether or not the account exists.
pub fn locked_message(retry_after_secs: u64) -> String {
    let wait = if retry_after_secs < 90 {
        format!("{retry_after_secs} seconds")
    } else {
        format!("{} minutes", retry_after_secs.div_ceil(60))
    };
    format!("Too many failed sign-ins. Try again in {wait}.")
}

/// A count of failures as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    pub scope: Scope,
    pub subject: String,
    pub failures: u32,
    pub last_failure_at: DateTime<Utc>,
    /// Set while locked.
    pub locked_until: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_start_after_the_free_failures_and_double_up_to_an_hour() {
        let locks: Vec<Option<i64>> = (1..=14)
            .map(|n| ACCOUNT.lock(n).map(|d| d.num_seconds()))
            .collect();
        assert_eq!(
            locks,
            [
                None,
                None,
                None,
                None,
                None,
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(960),
                Some(1920),
                Some(3600),
                Some(3600)
            ]
        );
        assert_eq!(ADDRESS.lock(20), None);
        assert_eq!(ADDRESS.lock(21), Some(Duration::seconds(30)));
        assert_eq!(ACCOUNT.lock(u32::MAX), Some(Duration::seconds(3600)));
    }

    #[test]
    fn old_failures_are_forgotten() {
        let now = Utc::now();
        assert_eq!(ACCOUNT.count(7, Some(now - Duration::hours(1)), now), 8);
        assert_eq!(ACCOUNT.count(7, Some(now - Duration::hours(25)), now), 1);
        assert_eq!(ACCOUNT.count(0, None, now), 1);
    }

    #[test]
    fn the_wait_is_rounded_up_and_said_in_words() {
        let now = Utc::now();
        assert_eq!(retry_after(now + Duration::milliseconds(29_001), now), 30);
        assert_eq!(retry_after(now - Duration::seconds(5), now), 1);
        assert_eq!(
            locked_message(30),
            "Too many failed sign-ins. Try again in 30 seconds."
        );
        assert_eq!(
            locked_message(1920),
            "Too many failed sign-ins. Try again in 32 minutes."
        );
        assert_eq!(Scope::parse(Scope::Address.as_str()), Some(Scope::Address));
    }
}
