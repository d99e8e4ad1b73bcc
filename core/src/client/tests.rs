//! The client against a scripted HTTP server: streamed and read answers, error parsing, retries.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::credentials::{Credentials, StaticProvider};

/// What the server does with one connection.
enum Reply {
    /// Sends a whole answer.
    Full(u16, &'static str),
    /// Announces `len` body bytes, sends `body`, and closes.
    Cut { len: usize, body: &'static str },
}

/// Serves `replies`, one connection each, in order; returns the endpoint.
async fn server(replies: Vec<Reply>) -> Endpoint {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for reply in replies {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut request).await.unwrap();
            let (status, len, body) = match reply {
                Reply::Full(status, body) => (status, body.len(), body),
                Reply::Cut { len, body } => (200, len, body),
            };
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {len}\r\nconnection: close\r\nx-test: yes\r\n\r\n"
            );
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(body.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
        }
    });
    Endpoint::parse(&format!("http://{addr}")).unwrap()
}

fn client(endpoint: Endpoint) -> Client {
    Client::builder("cn-hangzhou")
        .endpoint(endpoint)
        .credentials_provider(Arc::new(StaticProvider::new(Credentials::new(
            "id", "secret",
        ))))
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .build()
        .unwrap()
}

fn get() -> OssRequest {
    OssRequest::new(Method::GET, Some("bucket"), Some("key"))
}

const NO_SUCH_KEY: &str = "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>";

#[tokio::test]
async fn a_streamed_body_arrives_after_a_retried_503() {
    let endpoint = server(vec![
        Reply::Full(503, "<Error><Code>ServiceUnavailable</Code></Error>"),
        Reply::Full(200, "hello, streamed world"),
    ])
    .await;
    let mut r = client(endpoint).send_streaming(&get()).await.unwrap();
    assert_eq!((r.status, r.header("x-test")), (200, "yes"));
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.unwrap() {
        body.extend_from_slice(&chunk);
    }
    assert_eq!(body, b"hello, streamed world");
}

#[tokio::test]
async fn error_answers_are_parsed_and_not_retried() {
    let endpoint = server(vec![Reply::Full(404, NO_SUCH_KEY)]).await;
    let c = client(endpoint);
    let e = c.send_streaming(&get()).await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"), "{e}");
    assert_eq!(e.service().map(|s| s.status), Some(404));
}

#[tokio::test]
async fn a_truncated_body_breaks_the_stream_but_send_retries_it() {
    let endpoint = server(vec![
        Reply::Cut {
            len: 100,
            body: "only ten b",
        },
        Reply::Cut {
            len: 100,
            body: "only ten b",
        },
        Reply::Full(200, "complete"),
    ])
    .await;
    let c = client(endpoint);
    let mut r = c.send_streaming(&get()).await.unwrap();
    let mut error = None;
    loop {
        match r.chunk().await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(matches!(error, Some(Error::Network(_))), "{error:?}");
    let read = c.send(&get()).await.unwrap();
    assert_eq!(&read.body[..], b"complete");
}

/// An error answer is read whole only up to `MAX_SMALL_BODY`: a larger one is a typed error, not
/// a gigabyte in memory.
#[tokio::test]
async fn a_huge_error_answer_is_refused() {
    let huge: &'static str = Box::leak("x".repeat(crate::MAX_SMALL_BODY + 1).into_boxed_str());
    let endpoint = server(vec![Reply::Full(404, huge)]).await;
    let e = client(endpoint).send(&get()).await.unwrap_err();
    assert!(
        matches!(&e, Error::ResponseTooLarge { limit, .. } if *limit == crate::MAX_SMALL_BODY),
        "{e:?}"
    );
}

/// A skew answer dated 2099 does not move the clock: offsets beyond a day are ignored.
#[tokio::test]
async fn a_far_future_server_date_does_not_move_the_clock() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = vec![0u8; 64 * 1024];
            let _ = socket.read(&mut request).await;
            let body = "<Error><Code>RequestTimeTooSkewed</Code></Error>";
            let head = format!(
                "HTTP/1.1 403 X\r\ncontent-length: {}\r\ndate: Thu, 01 Jan 2099 00:00:00 GMT\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    let c = client(Endpoint::parse(&format!("http://{addr}")).unwrap());
    let e = c.send(&get()).await.unwrap_err();
    assert!(e.is_clock_skew(), "{e}");
    assert!(c.clock().offset().num_seconds().abs() < 5);
}

#[test]
fn only_https_or_loopback_endpoints_teach_the_clock() {
    for (url, teaches) in [
        ("https://oss-cn-hangzhou.aliyuncs.com", true),
        ("http://127.0.0.1:9000", true),
        ("http://[::1]:9000", true),
        ("http://localhost:9000", true),
        ("http://oss-cn-hangzhou.aliyuncs.com", false),
        ("http://10.0.0.1:9000", false),
    ] {
        assert_eq!(
            Endpoint::parse(url).unwrap().may_teach_clock(),
            teaches,
            "{url}"
        );
    }
}
