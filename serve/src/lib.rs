//! # ossdirect-serve
//!
//! Serves an axum [`Router`](axum::Router) over HTTP/1.1 with the limits `axum::serve` lacks, so
//! that slow or idle clients cannot tie a server up:
//!
//! - a **header-read timeout**: a connection that has not sent a whole request head this long
//!   after it started waiting for one is closed. hyper starts the timer when the connection
//!   opens and again after each response, so the same timeout closes keep-alive connections
//!   that stay idle (a slowloris client sending half its headers, or thousands of idle
//!   connections, are cut off);
//! - a **connection cap**: beyond `max_connections` open connections, new ones wait in the
//!   listener's backlog until one closes.
//!
//! Every connection's requests carry a [`Connection`] extension (the peer's address and a way
//! to drop the connection on purpose), and [`ConnectionEvents`] reports openings, closings,
//! timeouts and waits at the cap for the embedding server's metrics.

mod events;
mod limits;
mod serve;

pub use events::{ConnectionCounters, ConnectionEvents, CountersSnapshot};
pub use limits::ConnectionLimits;
pub use serve::{serve, Connection};
