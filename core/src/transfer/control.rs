//! Pause and cancel: a handle the app keeps while a transfer runs.

use futures_util::StreamExt;
use tokio::sync::watch;

use crate::error::{Error, Result};

/// What the app asked of a running transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlState {
    /// Keep going.
    Running,
    /// Stop soon, keep the checkpoint (and the multipart upload) to resume later.
    Paused,
    /// Stop soon and clean up (abort the multipart upload unless told to keep it).
    Cancelled,
}

/// Controls a transfer from another task or thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TransferHandle {
    tx: watch::Sender<ControlState>,
}

impl Default for TransferHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl TransferHandle {
    /// A handle in the running state.
    pub fn new() -> Self {
        let (tx, _rx) = watch::channel(ControlState::Running);
        Self { tx }
    }

    /// Stops the transfer, keeping what was done for a later resume. Requests in flight are
    /// dropped at once, so the transfer returns promptly.
    pub fn pause(&self) {
        self.tx.send_replace(ControlState::Paused);
    }

    /// Stops the transfer and cleans up after it.
    pub fn cancel(&self) {
        self.tx.send_replace(ControlState::Cancelled);
    }

    /// Clears a pause so the same handle can drive the resumed transfer.
    pub fn reset(&self) {
        self.tx.send_replace(ControlState::Running);
    }

    /// The current state.
    pub fn state(&self) -> ControlState {
        *self.tx.borrow()
    }

    pub(crate) fn watcher(&self) -> Watcher {
        Watcher {
            rx: self.tx.subscribe(),
        }
    }
}

/// The transfer's side of a [`TransferHandle`].
#[derive(Clone, Debug)]
pub(crate) struct Watcher {
    rx: watch::Receiver<ControlState>,
}

impl Watcher {
    pub(crate) fn state(&self) -> ControlState {
        *self.rx.borrow()
    }

    /// Resolves once the transfer is asked to stop, with the reason.
    pub(crate) async fn stopped(&mut self) -> ControlState {
        loop {
            let s = *self.rx.borrow_and_update();
            if s != ControlState::Running {
                return s;
            }
            if self.rx.changed().await.is_err() {
                // The handle is gone: nobody can stop us any more.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// The error of a transfer stopped for `state`.
pub(crate) fn stop_error(state: ControlState) -> Error {
    match state {
        ControlState::Paused => Error::Paused,
        _ => Error::Cancelled,
    }
}

/// The next of `in_flight` to finish, unless the transfer is stopped first.
pub(crate) async fn next_finished<S: futures_util::Stream + Unpin>(
    watcher: &Watcher,
    in_flight: &mut S,
) -> Result<Option<S::Item>> {
    stop_aware(watcher, async { Ok(in_flight.next().await) }).await
}

/// Runs `f` unless the transfer is stopped first.
pub(crate) async fn stop_aware<T>(
    watcher: &Watcher,
    f: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let mut stop = watcher.clone();
    if stop.state() != ControlState::Running {
        return Err(stop_error(stop.state()));
    }
    tokio::select! {
        biased;
        state = stop.stopped() => Err(stop_error(state)),
        r = f => r,
    }
}
