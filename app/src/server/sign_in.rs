//! Signing in with a password, throttled: a locked account name or client address is refused
//! before any password is hashed (429 with `Retry-After`, one message whether or not the account
//! exists); failures are counted against both, a success forgets both; and at most as many
//! password hashes run at once as the machine has cores, so parallel attempts cannot exhaust its
//! CPU or memory (Argon2id takes 19 MiB each).

use super::{db, password};
use crate::domain::audit::Action;
use crate::domain::throttle::{locked_message, retry_after, Scope};
use crate::domain::user::UserView;
use crate::error::AppError;
use sqlx::PgPool;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The message for any failed sign-in, so it never tells which part was wrong.
pub const WRONG_CREDENTIALS: &str = "Wrong username or password.";

/// Longest wait for a free hashing slot before the attempt is turned away.
const HASH_QUEUE: Duration = Duration::from_secs(10);

/// Hashing slots: one per core.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// Runs one password hash in a free slot, off the async runtime; a caller that waits too long
/// is told to try again.
pub async fn hash_in_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let permit = tokio::time::timeout(HASH_QUEUE, HASHING.acquire())
        .await
        .map_err(|_| AppError::TooManyRequests {
            message: "The server is busy checking passwords. Try again in a few seconds.".into(),
            retry_after_secs: 5,
        })?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let answer = password::blocking(work).await;
    drop(permit);
    Ok(answer)
}

/// Checks `username` and `password` from a client at `address`; answers the user to sign in.
pub async fn check(
    pool: &PgPool,
    username: &str,
    password: String,
    address: &str,
) -> Result<UserView, AppError> {
    let account = username.trim().to_lowercase();
    let subjects = [(Scope::Account, account.as_str()), (Scope::Address, address)];
    let now = chrono::Utc::now();
    if let Some(until) = db::sign_in_failures::locked_until(pool, &subjects, now).await? {
        let wait = retry_after(until, now);
        tracing::warn!(account = %account, address, wait, "sign-in refused: locked");
        let why = format!("refused: locked for {wait} s more");
        super::audit::note(pool, &account, Action::SignInLocked, None, &account, why).await;
        return Err(AppError::TooManyRequests {
            message: locked_message(wait),
            retry_after_secs: wait,
        });
    }
    let found = db::users::find_credentials(pool, username).await?;
    let verified = match found {
        Some((user, hash)) => hash_in_turn(move || password::verify(&password, &hash))
            .await?
            .then_some(user),
        None => {
            hash_in_turn(move || password::verify_against_nothing(&password)).await?;
            None
        }
    };
    let Some(user) = verified else {
        let error = failed(pool, &subjects).await;
        let action = match &error {
            AppError::TooManyRequests { .. } => Action::SignInLocked,
            _ => Action::SignInFailed,
        };
        super::audit::note(
            pool,
            &account,
            action,
            None,
            &account,
            "wrong username or password",
        )
        .await;
        return Err(error);
    };
    db::sign_in_failures::forget(pool, &subjects).await?;
    Ok(user)
}

/// Counts a failure against the account name and the address; answers the error to give.
async fn failed(pool: &PgPool, subjects: &[(Scope, &str)]) -> AppError {
    let now = chrono::Utc::now();
    let mut lock = None;
    for (scope, subject) in subjects {
        match db::sign_in_failures::record(pool, *scope, subject, now).await {
            Ok((failures, locked_until)) => {
                tracing::warn!(scope = scope.as_str(), subject, failures, "sign-in failed");
                if let Some(until) = locked_until {
                    tracing::warn!(scope = scope.as_str(), subject, %until, "sign-in locked");
                    lock = lock.max(Some(until));
                }
            }
            Err(error) => return error,
        }
    }
    match lock {
        // The failure that locks says so at once, like every attempt until the lock ends.
        Some(until) => {
            let wait = retry_after(until, now);
            AppError::TooManyRequests {
                message: locked_message(wait),
                retry_after_secs: wait,
            }
        }
        None => AppError::invalid("password", WRONG_CREDENTIALS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_slots() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(hash_in_turn(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let slots = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        assert!(
            most.load(Ordering::SeqCst) <= slots,
            "{} at once",
            most.load(Ordering::SeqCst)
        );
        assert!(most.load(Ordering::SeqCst) >= 1);
    }
}
