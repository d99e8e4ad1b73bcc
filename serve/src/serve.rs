//! The accept loop and one connection's life.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::{ConnectionEvents, ConnectionLimits};

/// The connection a request came on (a request extension): the peer's address, and a way to
/// drop the connection abruptly (fault injection).
#[derive(Clone, Debug)]
pub struct Connection {
    peer: SocketAddr,
    kill: Arc<Notify>,
}

impl Connection {
    /// The client's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Drops the connection: nothing more is written, the socket is closed.
    pub fn kill(&self) {
        self.kill.notify_one();
    }
}

/// Calls [`ConnectionEvents::closed`] when a connection's task ends, however it ends.
struct ClosedGuard(Arc<dyn ConnectionEvents>);

impl Drop for ClosedGuard {
    fn drop(&mut self) {
        self.0.closed();
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets the requests in flight finish (for at most `drain_timeout`, if given) and
/// returns.
pub async fn serve<F>(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    events: Arc<dyn ConnectionEvents>,
    shutdown: F,
    drain_timeout: Option<Duration>,
) where
    F: Future<Output = ()> + Send,
{
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (drain, draining) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                events.limit_reached();
                // Counted rather than logged each time: a flood would flood the log too.
                tracing::debug!(
                    max_connections = limits.max_connections,
                    "connection limit reached; new connections wait"
                );
                tokio::select! {
                    permit = slots.clone().acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    events.opened();
                    connections.spawn(serve_connection(
                        stream,
                        peer,
                        router.clone(),
                        limits,
                        events.clone(),
                        draining.clone(),
                        permit,
                    ));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = drain.send(true);
    let all_done = async { while connections.join_next().await.is_some() {} };
    match drain_timeout {
        Some(limit) => {
            if tokio::time::timeout(limit, all_done).await.is_err() {
                connections.abort_all();
            }
        }
        None => all_done.await,
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    events: Arc<dyn ConnectionEvents>,
    mut draining: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _closed = ClosedGuard(events.clone());
    let handle = Connection {
        peer,
        kill: Arc::default(),
    };
    let for_requests = handle.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        router.clone().oneshot(request.map(Body::new))
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    if e.is_timeout() {
                        events.header_timeout();
                        tracing::debug!(%peer, "connection closed: no request head in time");
                    } else {
                        tracing::debug!(error = %e, %peer, "connection ended with an error");
                    }
                }
                break;
            }
            () = handle.kill.notified() => break,
            _ = draining.changed(), if !shutting_down => {
                connection.as_mut().graceful_shutdown();
                shutting_down = true;
            }
        }
    }
}
