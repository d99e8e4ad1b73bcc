//! The per-user rate limit: 429 in the JSON error shape, with Retry-After.

use crate::common::{Harness, ALICE_TOKEN, BOB_TOKEN};

#[tokio::test]
async fn beyond_the_burst_requests_get_429() {
    let h = Harness::start_with(|c| {
        c.rate_limit.burst = 3;
        c.rate_limit.per_second = 0.2;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(h.get("/sts-token", Some(ALICE_TOKEN)).await.status, 200);
    }
    let limited = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    limited.assert_error(429, "RateLimited");
    let retry_after: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry_after), "{retry_after}");
    // Other users have their own bucket.
    assert_eq!(h.get("/sts-token", Some(BOB_TOKEN)).await.status, 200);
}

#[tokio::test]
async fn the_default_lets_a_burst_of_200_through() {
    let h = Harness::start().await;
    for i in 0..200 {
        let a = h.get("/sts-token", Some(ALICE_TOKEN)).await;
        assert_eq!(a.status, 200, "request {i}: {}", a.json);
    }
    // 200 sequential requests take well under a second here, so little has refilled.
    let mut limited = false;
    for _ in 0..50 {
        if h.get("/sts-token", Some(ALICE_TOKEN)).await.status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the burst has a limit");
}
