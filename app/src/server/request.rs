//! The request being served: its id (the reference a user quotes for an internal error) and
//! the fields of its tracing span that the access gate fills in (who calls, in which project).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    /// The id of the request this task serves; set by the server's request middleware.
    pub static REQUEST_ID: String;
    /// The address of the client this task serves; set by the same middleware.
    pub static CLIENT_ADDRESS: String;
}

/// The current request's client address ("unknown" outside a request).
pub fn client_address() -> String {
    CLIENT_ADDRESS
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// The current request's id, if this task serves one (background jobs do not).
pub fn current_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A new request id: the time in milliseconds and a per-process counter, in base 36.
pub fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or_default();
    format!(
        "{}-{}",
        base36(millis),
        base36(COUNTER.fetch_add(1, Ordering::Relaxed))
    )
}

/// A request id a client sent (`x-request-id`), if it is short and printable.
pub fn accept_id(sent: &str) -> Option<String> {
    let sent = sent.trim();
    (!sent.is_empty() && sent.len() <= 64 && sent.chars().all(|c| c.is_ascii_graphic()))
        .then(|| sent.to_owned())
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Records the caller (and the project) on the current request's span.
pub fn note_caller(user: &str, project: Option<&str>) {
    let span = tracing::Span::current();
    span.record("user", user);
    if let Some(project) = project {
        span.record("project", project.trim());
    }
}

/// An error and every error that caused it, outermost first, joined by ": ".
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_only_printable_client_ids_are_taken() {
        assert_ne!(new_id(), new_id());
        assert_eq!(accept_id(" abc-123 "), Some("abc-123".into()));
        assert_eq!(accept_id("has space"), None);
        assert_eq!(accept_id(&"x".repeat(65)), None);
        assert_eq!(accept_id(""), None);
    }

    #[test]
    fn an_error_chain_lists_every_cause() {
        let io = std::io::Error::other("disk full");
        let wrapped = sqlx::Error::Io(io);
        assert!(chain(&wrapped).ends_with("disk full"), "{}", chain(&wrapped));
    }

    #[tokio::test]
    async fn the_id_is_known_inside_the_request_and_not_outside() {
        assert_eq!(current_id(), None);
        let inside = REQUEST_ID.scope("r-1".to_owned(), async { current_id() }).await;
        assert_eq!(inside, Some("r-1".into()));
    }
}
