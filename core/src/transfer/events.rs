//! What happens inside a transfer besides progress: a part finished, a request is being retried
//! (and why), the credentials were refreshed. Told to the transfer's [`EventCallback`], on the
//! transfer's own task, in order.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Something that happened inside a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferEvent {
    /// Part (or range) `number` finished: `bytes` of it are on the other side.
    PartFinished {
        /// 1-based part or range number.
        number: u32,
        /// Its size.
        bytes: u64,
    },
    /// A request failed and is sent again after `delay`.
    Retrying {
        /// The attempt that failed (1 = the first).
        attempt: u32,
        /// Why it failed.
        reason: String,
        /// The pause before the next attempt.
        delay: Duration,
    },
    /// The server refused the credentials; fresh ones were asked for and the request is sent
    /// again.
    CredentialsRefreshed,
}

/// Receives a transfer's [`TransferEvent`]s; keep it short (it runs on the transfer's task).
pub type EventCallback = Arc<dyn Fn(TransferEvent) + Send + Sync>;

tokio::task_local! {
    /// The callback of the transfer running on this task.
    static EVENTS: EventCallback;
}

/// Runs `work` with `events` told what happens inside it (nothing without a callback).
pub(crate) async fn observed<T>(events: Option<EventCallback>, work: impl Future<Output = T>) -> T {
    match events {
        Some(events) => EVENTS.scope(events, work).await,
        None => work.await,
    }
}

/// Tells the running transfer's callback, if there is one.
pub(crate) fn emit(event: impl FnOnce() -> TransferEvent) {
    let _ = EVENTS.try_with(|events| events(event()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn events_reach_the_callback_of_the_transfer_they_happen_in() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s = seen.clone();
        let callback: EventCallback = Arc::new(move |e| s.lock().unwrap().push(e));
        emit(|| TransferEvent::CredentialsRefreshed); // outside any transfer: nobody to tell
        observed(Some(callback), async {
            emit(|| TransferEvent::PartFinished {
                number: 1,
                bytes: 5,
            });
        })
        .await;
        assert_eq!(
            *seen.lock().unwrap(),
            vec![TransferEvent::PartFinished {
                number: 1,
                bytes: 5
            }]
        );
    }
}
