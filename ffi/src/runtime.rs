//! The process-wide tokio runtime every call runs on, and the one way calls get onto it.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use ossdirect::Detail;
use tokio::runtime::{Handle, Runtime};

use crate::error::OssError;

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// The runtime's handle (built on first use: one worker thread, named `ossdirect`, plus tokio's
/// blocking pool for file I/O and foreign callbacks).
///
/// One worker drives every socket: a socket event never wakes a second worker, which on a 2-core
/// machine cost about a tenth of a download's speed (the CLI found the same; `bench kotlin` went
/// from 0.84–0.87× to 0.86–1.00× the CLI, best of five 0.93–1.00×, both on the debug build JNA
/// then loaded by mistake; docs/android.md). One thread moves far more than a phone's network can (TLS
/// and CRC-64 run at GB/s per core), and nothing foreign runs on it but the logger.
pub(crate) fn handle() -> Result<Handle, OssError> {
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ossdirect")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match runtime {
        Ok(runtime) => Ok(runtime.handle().clone()),
        Err(e) => Err(OssError::Internal {
            reason: format!("the SDK's runtime could not start: {e}"),
        }),
    }
}

/// Runs `work` as a task on the SDK's runtime (so its I/O is polled where the I/O driver lives,
/// whatever executor awaits the result) and waits for it. Dropping the returned future (the
/// foreign caller's coroutine or Task was cancelled) aborts the task; a panic inside it becomes
/// [`OssError::Internal`].
pub(crate) async fn run<T, F>(work: F) -> Result<T, OssError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, OssError>> + Send + 'static,
{
    let task = handle()?.spawn(work);
    let abort = AbortOnDrop(task.abort_handle());
    let outcome = task.await;
    drop(abort);
    match outcome {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(OssError::Internal {
            reason: format!("panic in the SDK: {}", panic_message(e.into_panic())),
        }),
        Err(_) => Err(OssError::Cancelled),
    }
}

/// Like [`run`], but polls `work` once on the caller's thread first (inside the runtime's
/// context): work that needs no I/O (a presign with the credentials at hand) ends there, without
/// the hop to a runtime thread and back (tens of microseconds); anything else continues as a
/// task. Only for work whose first poll cannot block (no file system calls).
pub(crate) async fn run_quick<T, F>(work: F) -> Result<T, OssError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, OssError>> + Send + 'static,
{
    let handle = handle()?;
    let mut work = Box::pin(work);
    let first = {
        let _context = handle.enter();
        let mut context = Context::from_waker(Waker::noop());
        std::panic::catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(&mut context)))
    };
    match first {
        Ok(Poll::Ready(result)) => result,
        // Polled again at once by the runtime, with a real waker.
        Ok(Poll::Pending) => run(work).await,
        Err(panic) => Err(OssError::Internal {
            reason: format!("panic in the SDK: {}", panic_message(panic)),
        }),
    }
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Calls app code (a foreign fetcher or signer) with a deadline; a throw, a panic or a hang
/// becomes a [`Detail`] naming `who` (the app's error kept as its cause).
pub(crate) async fn call_app<T>(
    who: &str,
    timeout: std::time::Duration,
    call: impl Future<Output = Result<T, OssError>>,
) -> Result<T, Detail> {
    use futures_util::FutureExt;
    let call = std::panic::AssertUnwindSafe(call).catch_unwind();
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(Ok(value))) => Ok(value),
        Ok(Ok(Err(e))) => Err(Detail::context(format_args!("{who} failed"), e)),
        Ok(Err(panic)) => Err(format!("{who} panicked: {}", panic_message(panic)).into()),
        Err(_) => Err(format!("{who} did not answer within {timeout:?}").into()),
    }
}
