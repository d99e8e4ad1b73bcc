//! Reading small answers whole, up to a limit: a token endpoint, STS, a signing endpoint or an
//! error document that sends more is refused instead of filling memory.

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};

/// The largest answer read whole (64 KiB): credentials, signatures and error documents are a
/// few hundred bytes to a few KiB.
pub const MAX_SMALL_BODY: usize = 64 * 1024;

/// Reads `response`'s body, refusing ([`Error::ResponseTooLarge`]) one that announces or sends
/// more than `limit` bytes; `what` names the answer in the error. Transport failures become
/// errors through `transport`.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    what: &str,
    transport: impl Fn(reqwest::Error) -> Error,
) -> Result<Bytes> {
    let too_large = || Error::ResponseTooLarge {
        what: what.to_owned(),
        limit,
    };
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(too_large());
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(&transport)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// Answers one request with `body`, announced (Content-Length) or chunked.
    async fn serve(body: Vec<u8>, announced: bool) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 16 * 1024];
            let _ = socket.read(&mut request).await.unwrap();
            let head = if announced {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                )
            } else {
                "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_owned()
            };
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        });
        format!("http://{addr}/")
    }

    async fn read(body: Vec<u8>, announced: bool) -> Result<Bytes> {
        let url = serve(body, announced).await;
        let response = reqwest::get(&url).await.unwrap();
        read_limited(response, 1024, "test answer", Error::from).await
    }

    /// The cause of a wrapped error, when it is a [`Error::ResponseTooLarge`].
    fn too_large(e: &Error) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cause {
            if matches!(
                c.downcast_ref::<Error>(),
                Some(Error::ResponseTooLarge { .. })
            ) {
                return true;
            }
            cause = c.source();
        }
        false
    }

    /// A megabyte of JSON-looking bytes, sent without a length (so only the count stops it).
    fn huge() -> Vec<u8> {
        let mut body = b"{\"StatusCode\":200,\"Pad\":\"".to_vec();
        body.resize(1024 * 1024, b'x');
        body
    }

    #[tokio::test]
    async fn a_huge_token_endpoint_answer_is_refused() {
        use crate::credentials::{CredentialsFetcher, TokenEndpointFetcher};
        let url = serve(huge(), false).await;
        let e = TokenEndpointFetcher::new(url)
            .unwrap()
            .fetch()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Credentials(_)) && too_large(&e), "{e:?}");
    }

    #[tokio::test]
    async fn a_huge_sts_answer_is_refused() {
        use crate::sts::{AssumeRoleRequest, StsClient};
        let url = serve(huge(), true).await;
        let sts = StsClient::new(
            url,
            crate::Credentials::new("id", "secret"),
            std::time::Duration::from_secs(10),
        )
        .unwrap();
        let e = sts
            .assume_role(&AssumeRoleRequest {
                role_arn: "acs:ram::1:role/r".into(),
                role_session_name: "session".into(),
                duration_seconds: 900,
                policy: None,
                external_id: None,
            })
            .await
            .unwrap_err();
        assert!(too_large(&e), "{e:?}");
    }

    #[tokio::test]
    async fn a_huge_signing_endpoint_answer_is_refused() {
        use crate::sign::RequestToSign;
        use crate::signer::{SignatureSource, SigningEndpoint, SigningInput};
        let url = serve(huge(), false).await;
        let endpoint =
            SigningEndpoint::new(url, Vec::new(), std::time::Duration::from_secs(10)).unwrap();
        let e = endpoint
            .signature(SigningInput {
                version: crate::SignatureVersion::V4,
                string_to_sign: "s".into(),
                date: "20250101".into(),
                region: "cn-hangzhou".into(),
                request: RequestToSign::new("GET", Some("b"), Some("k")),
            })
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Signing(_)) && too_large(&e), "{e:?}");
    }

    #[tokio::test]
    async fn small_bodies_are_read_large_ones_refused() {
        assert_eq!(&read(b"hello".to_vec(), true).await.unwrap()[..], b"hello");
        assert_eq!(read(vec![b'x'; 1024], false).await.unwrap().len(), 1024);
        for announced in [true, false] {
            let e = read(vec![b'x'; 1025], announced).await.unwrap_err();
            assert!(
                matches!(&e, Error::ResponseTooLarge { limit: 1024, what } if what == "test answer"),
                "{e:?}"
            );
            assert!(!e.is_retryable());
        }
    }
}
