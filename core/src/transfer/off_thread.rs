//! Blocking file work, run on the blocking pool so it never holds up the async threads.

use std::future::Future;

use crate::error::{Error, Result};

/// Starts `work` on the blocking pool at once; the future says how it went. A task that could
/// not finish (it panicked, or the runtime is shutting down) is an [`Error::Io`].
pub(crate) fn off_thread<T, E>(
    work: impl FnOnce() -> std::result::Result<T, E> + Send + 'static,
) -> impl Future<Output = Result<T>> + Send + 'static
where
    T: Send + 'static,
    E: Into<Error> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(work);
    async move {
        task.await
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?
            .map_err(Into::into)
    }
}
