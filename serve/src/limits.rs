//! The configurable limits of [`crate::serve`].

use std::time::Duration;

use serde::Deserialize;

/// Timeouts and the connection cap of a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionLimits {
    /// Seconds a connection may take to send a whole request head, counted from when it opened
    /// or from the end of the previous response: it also closes idle keep-alive connections
    /// (default 10).
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_seconds: u64,
    /// The most connections open at once; more wait in the listener's backlog (default 1024).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
}

/// The default header-read (and keep-alive idle) timeout.
const DEFAULT_HEADER_READ_TIMEOUT: u64 = 10;
/// The default connection cap.
const DEFAULT_MAX_CONNECTIONS: usize = 1024;

fn default_header_read_timeout() -> u64 {
    DEFAULT_HEADER_READ_TIMEOUT
}

fn default_max_connections() -> usize {
    DEFAULT_MAX_CONNECTIONS
}

impl Default for ConnectionLimits {
    /// 10 s to send a request head (and to stay idle), 1024 connections.
    fn default() -> Self {
        Self {
            header_read_timeout_seconds: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ConnectionLimits {
    /// The header-read timeout as a [`Duration`].
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_seconds)
    }

    /// What is wrong with the limits, if anything (field name first).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(1..=3600).contains(&self.header_read_timeout_seconds) {
            problems.push(format!(
                "header_read_timeout_seconds: expected 1 to 3600, got {}",
                self.header_read_timeout_seconds
            ));
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            problems.push(format!(
                "max_connections: expected 1 to 1000000, got {}",
                self.max_connections
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_are_checked() {
        assert!(ConnectionLimits::default().problems().is_empty());
        let bad = ConnectionLimits {
            header_read_timeout_seconds: 0,
            max_connections: 0,
        };
        assert_eq!(bad.problems().len(), 2);
    }
}
