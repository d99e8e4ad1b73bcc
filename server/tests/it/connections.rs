//! Slow and idle connections: the header-read timeout cuts them off, the connection cap makes
//! new ones wait, and the metrics count both.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Harness, ALICE_TOKEN};

/// A connection that sent half of a request head.
async fn half_a_request(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /sts-token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz")
        .await
        .unwrap();
    stream
}

/// Waits (at most `limit`) until the server closes `stream`.
async fn closed_within(mut stream: TcpStream, limit: Duration) -> bool {
    let mut sink = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut sink))
        .await
        .is_ok()
}

async fn metric(h: &Harness, name: &str) -> u64 {
    let text = h
        .http
        .get(format!("{}/metrics", h.server.url()))
        .send()
        .await
        .unwrap();
    let text = text.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
}

#[tokio::test]
async fn a_slowloris_client_is_cut_off_while_a_normal_request_is_served() {
    let h = Harness::start_with(|c| c.connections.header_read_timeout_seconds = 1).await;
    let addr = h.server.local_addr();
    let mut slow = Vec::new();
    for _ in 0..20 {
        slow.push(half_a_request(addr).await);
    }
    let a = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    assert_eq!(a.status, 200, "{}", a.json);
    for stream in slow {
        assert!(closed_within(stream, Duration::from_secs(5)).await);
    }
    assert!(metric(&h, "ossdirect_server_connection_header_timeouts_total ").await >= 20);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let h = Harness::start_with(|c| c.connections.header_read_timeout_seconds = 1).await;
    let mut stream = TcpStream::connect(h.server.local_addr()).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    // Kept alive after the answer, then idle: closed by the timeout.
    assert!(closed_within(stream, Duration::from_secs(5)).await);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let h = Harness::start_with(|c| {
        c.connections.max_connections = 2;
        c.connections.header_read_timeout_seconds = 1;
    })
    .await;
    let addr = h.server.local_addr();
    let (a, b) = (half_a_request(addr).await, half_a_request(addr).await);
    // Served once the two slow connections have been cut off.
    let started = std::time::Instant::now();
    let answer = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert!(closed_within(a, Duration::from_secs(1)).await);
    assert!(closed_within(b, Duration::from_secs(1)).await);
    assert!(metric(&h, "ossdirect_server_connection_limit_reached_total ").await >= 1);
}

#[test]
fn limits_are_validated() {
    let mut c = ossdirect_server::ServerConfig::new(
        "http://127.0.0.1:1",
        "acs:ram::1234567890123456:role/app-upload",
        "my-bucket",
    );
    c.auth.allow_anonymous_user = Some("demo".into());
    c.connections.max_connections = 0;
    c.connections.header_read_timeout_seconds = 0;
    let text = c.validate().unwrap_err().to_string();
    assert!(text.contains("connections.max_connections"), "{text}");
    assert!(
        text.contains("connections.header_read_timeout_seconds"),
        "{text}"
    );
}
