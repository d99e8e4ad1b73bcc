//! The HTTP/1.1 server loop: accepts connections, serves a router on each, and lets a handler
//! drop its connection on purpose (fault injection).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Lets a request handler close its connection abruptly (request extension).
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectionControl {
    kill: Arc<Notify>,
}

impl ConnectionControl {
    /// Drops the connection: no further bytes are written, the socket is closed.
    pub(crate) fn kill(&self) {
        self.kill.notify_one();
    }
}

/// The client's address (request extension).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// The connection handle and client IP a request carries (loopback if it was not served by
/// [`serve`]).
pub(crate) fn connection_of(
    extensions: &axum::http::Extensions,
) -> (Option<ConnectionControl>, std::net::IpAddr) {
    let control = extensions.get::<ConnectionControl>().cloned();
    let peer = extensions
        .get::<PeerAddr>()
        .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), |p| {
            p.0.ip()
        });
    (control, peer)
}

/// Serves `router` on `listener` until `shutdown` turns true (or its sender goes away), then
/// lets requests in flight finish for a few seconds.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(stream, peer, router.clone(), shutdown.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let control = ConnectionControl::default();
    let for_requests = control.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        request.extensions_mut().insert(PeerAddr(peer));
        router.clone().oneshot(request.map(Body::new))
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                break;
            }
            _ = control.kill.notified() => break,
            _ = shutdown.changed(), if !draining => {
                connection.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}
