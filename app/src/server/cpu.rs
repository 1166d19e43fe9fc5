//! CPU-bound work off the async runtime: scoring a batch (ingest, recorded checks, re-scoring
//! jobs, the worker's built-in scorers) runs on a pool of one thread per core, at the lowest
//! scheduling priority, so the request threads stay free and the operating system answers
//! requests first. The pool is bounded: work beyond its threads waits in its queue, never on a
//! request thread.

use crate::error::AppError;
use std::sync::OnceLock;

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("vernier-cpu-{i}"))
            .start_handler(|_| {
                // Not fatal: without it the work still leaves the request threads.
                if let Err(error) =
                    thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
                {
                    tracing::warn!("cannot lower the scoring threads' priority: {error:?}");
                }
            })
            .panic_handler(|panic| {
                tracing::error!("a scoring task panicked: {panic:?}");
            })
            .build()
            .expect("the scoring thread pool starts")
    })
}

/// Runs `work` on the pool and answers its result; inside it, rayon's parallel iterators spread
/// over the pool's threads. A panic in `work` is logged and answered as an internal error.
pub async fn run<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    pool().spawn(move || {
        let _ = sender.send(work());
    });
    receiver
        .await
        .map_err(|_| AppError::internal(what, "the scoring task panicked"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_pool_at_the_lowest_priority_and_a_panic_is_an_error() {
        let (name, nice) = run("read the thread", || {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
            // Field 19 of stat is the nice value; the command name before it may hold spaces.
            let nice = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(16).map(str::to_owned));
            (std::thread::current().name().map(str::to_owned), nice)
        })
        .await
        .unwrap();
        assert!(name.unwrap().starts_with("vernier-cpu-"));
        assert_eq!(nice.as_deref(), Some("19"));
        let failed = run("panic on purpose", || -> u8 { panic!("on purpose") }).await;
        assert!(failed.is_err());
    }
}
