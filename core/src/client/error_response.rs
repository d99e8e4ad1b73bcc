//! Turning an OSS error answer into a [`ServiceError`].

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::error::{codes, ServiceError};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct ErrorDocument {
    code: String,
    message: String,
    request_id: String,
    host_id: String,
    #[serde(rename = "EC")]
    ec: String,
    string_to_sign: Option<String>,
    canonical_request: Option<String>,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Parses the error of a non-2xx answer: the XML body, or (HEAD has no body) the base64 XML of
/// the `x-oss-err` header; falls back to the HTTP status when neither is there.
pub(crate) fn parse(status: u16, headers: &HeaderMap, body: &[u8]) -> ServiceError {
    let from_header;
    let xml: &[u8] = if body.is_empty() {
        from_header = BASE64
            .decode(header(headers, "x-oss-err"))
            .unwrap_or_default();
        &from_header
    } else {
        body
    };
    let doc: ErrorDocument = std::str::from_utf8(xml)
        .ok()
        .and_then(|s| quick_xml::de::from_str(s).ok())
        .unwrap_or_default();
    let code = if doc.code.is_empty() {
        fallback_code(status).to_owned()
    } else {
        doc.code
    };
    let message = if doc.message.is_empty() && !xml.is_empty() && !xml.starts_with(b"<") {
        String::from_utf8_lossy(&xml[..xml.len().min(200)]).into_owned()
    } else {
        doc.message
    };
    ServiceError {
        status,
        code,
        message,
        request_id: if doc.request_id.is_empty() {
            header(headers, "x-oss-request-id").to_owned()
        } else {
            doc.request_id
        },
        host_id: doc.host_id,
        ec: if doc.ec.is_empty() {
            header(headers, "x-oss-ec").to_owned()
        } else {
            doc.ec
        },
        string_to_sign: doc.string_to_sign,
        canonical_request: doc.canonical_request,
    }
}

fn fallback_code(status: u16) -> &'static str {
    match status {
        304 => codes::NOT_MODIFIED,
        400 => codes::BAD_REQUEST,
        403 => "AccessDenied",
        404 => "NotFound",
        409 => "Conflict",
        412 => codes::PRECONDITION_FAILED,
        416 => "InvalidRange",
        429 => "Throttling",
        503 => "ServiceUnavailable",
        s if s >= 500 => "InternalError",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_body_and_header_forms() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code>\
                   <Message>gone</Message><RequestId>ABC</RequestId><HostId>h</HostId>\
                   <EC>0026-00000001</EC></Error>";
        let e = parse(404, &HeaderMap::new(), xml.as_bytes());
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.ec.as_str()),
            ("NoSuchKey", "gone", "0026-00000001")
        );

        let mut headers = HeaderMap::new();
        headers.insert("x-oss-err", BASE64.encode(xml).parse().unwrap());
        assert_eq!(parse(404, &headers, b"").code, "NoSuchKey");
        assert_eq!(parse(404, &HeaderMap::new(), b"").code, "NotFound");
    }
}
