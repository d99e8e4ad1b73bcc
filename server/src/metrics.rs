//! Prometheus metrics: requests by route and status, latency, cache hits and misses, STS calls
//! and failures. Served by `GET /metrics` in the OpenMetrics text format.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The content type of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.1 ms .. ~3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// The server's metrics, all under the `ossdirect_server_` prefix.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    /// Credentials served from the cache.
    pub cache_hits: Counter,
    /// Credentials that had to be fetched from STS.
    pub cache_misses: Counter,
    /// `AssumeRole` calls made.
    pub sts_calls: Counter,
    /// `AssumeRole` calls that failed.
    pub sts_failures: Counter,
    /// Connections open now.
    pub connections_open: Gauge,
    /// Connections accepted.
    pub connections_accepted: Counter,
    /// Connections closed because no whole request head came in time (slow or idle clients).
    pub connection_header_timeouts: Counter,
    /// Times the connection cap made new connections wait.
    pub connection_limit_reached: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("ossdirect_server");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let (cache_hits, cache_misses) = (Counter::default(), Counter::default());
        let (sts_calls, sts_failures) = (Counter::default(), Counter::default());
        registry.register(
            "requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "HTTP request latency by route",
            latency.clone(),
        );
        registry.register(
            "cache_hits",
            "Credentials served from the cache",
            cache_hits.clone(),
        );
        registry.register(
            "cache_misses",
            "Credentials fetched from STS",
            cache_misses.clone(),
        );
        registry.register("sts_calls", "STS AssumeRole calls", sts_calls.clone());
        registry.register(
            "sts_failures",
            "STS AssumeRole calls that failed",
            sts_failures.clone(),
        );
        let connections_open = Gauge::default();
        let (connections_accepted, connection_header_timeouts, connection_limit_reached) =
            (Counter::default(), Counter::default(), Counter::default());
        registry.register(
            "connections_open",
            "HTTP connections open now",
            connections_open.clone(),
        );
        registry.register(
            "connections_accepted",
            "HTTP connections accepted",
            connections_accepted.clone(),
        );
        registry.register(
            "connection_header_timeouts",
            "Connections closed for sending no whole request head in time (slow or idle)",
            connection_header_timeouts.clone(),
        );
        registry.register(
            "connection_limit_reached",
            "Times connections.max_connections made new connections wait",
            connection_limit_reached.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            cache_hits,
            cache_misses,
            sts_calls,
            sts_failures,
            connections_open,
            connections_accepted,
            connection_header_timeouts,
            connection_limit_reached,
        }
    }

    /// Records one answered request.
    pub fn observe_request(&self, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

impl ossdirect_serve::ConnectionEvents for Metrics {
    fn opened(&self) {
        self.connections_open.inc();
        self.connections_accepted.inc();
    }

    fn closed(&self) {
        self.connections_open.dec();
    }

    fn header_timeout(&self) {
        self.connection_header_timeouts.inc();
    }

    fn limit_reached(&self) {
        self.connection_limit_reached.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_has_every_metric() {
        let m = Metrics::new();
        m.observe_request("/sts-token", 200, 0.002);
        m.cache_hits.inc();
        m.sts_calls.inc();
        let text = m.encode();
        for line in [
            "ossdirect_server_requests_total{route=\"/sts-token\",status=\"200\"} 1",
            "ossdirect_server_request_duration_seconds_count{route=\"/sts-token\"} 1",
            "ossdirect_server_cache_hits_total 1",
            "ossdirect_server_cache_misses_total 0",
            "ossdirect_server_sts_calls_total 1",
            "ossdirect_server_sts_failures_total 0",
            "ossdirect_server_connections_open 0",
            "ossdirect_server_connections_accepted_total 0",
            "ossdirect_server_connection_header_timeouts_total 0",
            "ossdirect_server_connection_limit_reached_total 0",
        ] {
            assert!(text.contains(line), "{line} missing in\n{text}");
        }
    }
}
