//! The HTTP/1.1 server loop (shared with the token server: `ossdirect-serve`, with its
//! header-read timeout and connection cap), and what a request knows of its connection.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use ossdirect_serve::{ConnectionCounters, ConnectionLimits};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Lets a request handler close its connection abruptly (request extension).
pub(crate) type ConnectionControl = ossdirect_serve::Connection;

/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection handle and client IP a request carries (loopback if it was not served by
/// [`serve`]).
pub(crate) fn connection_of(
    extensions: &axum::http::Extensions,
) -> (Option<ConnectionControl>, IpAddr) {
    let control = extensions.get::<ConnectionControl>().cloned();
    let peer = control
        .as_ref()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.peer().ip());
    (control, peer)
}

/// Serves `router` on `listener` within `limits` until `shutdown` turns true (or its sender goes
/// away), then lets requests in flight finish for a few seconds.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    counters: Arc<ConnectionCounters>,
    mut shutdown: watch::Receiver<bool>,
) {
    let stop = async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    };
    ossdirect_serve::serve(
        listener,
        router,
        limits,
        counters,
        stop,
        Some(DRAIN_TIMEOUT),
    )
    .await;
}
