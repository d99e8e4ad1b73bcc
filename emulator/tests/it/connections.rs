//! Slow and idle connections to the emulator (both listeners) are cut off by the header-read
//! timeout while others are served; the statistics count them.

use std::time::Duration;

use ossdirect::SignatureVersion;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Harness, JsonBody};

async fn half_a_request(endpoint: &str) -> TcpStream {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn slowloris_clients_are_cut_off_while_requests_are_served() {
    let h = Harness::start_with(|o| o.connection_limits.header_read_timeout_seconds = 1).await;
    let mut slow = Vec::new();
    for _ in 0..10 {
        slow.push(half_a_request(&h.info().oss_endpoint).await);
        slow.push(half_a_request(&h.info().sts_endpoint).await);
    }
    let client = h.client(h.user(), SignatureVersion::V4);
    client
        .put_object(
            &h.info().bucket,
            "served.txt",
            b"hello".to_vec(),
            &Default::default(),
        )
        .await
        .unwrap();
    for mut stream in slow {
        let mut sink = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink))
            .await
            .expect("the slow connection is closed");
        let _ = closed; // EOF or a reset: both mean closed.
    }
    let stats = h
        .http
        .get(h.control("stats"))
        .send()
        .await
        .unwrap()
        .json_value()
        .await;
    assert!(
        stats["connections"]["header_timeouts"].as_u64().unwrap() >= 20,
        "{stats}"
    );
}
