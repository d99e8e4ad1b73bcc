//! OSS error answers: the XML document, `x-oss-ec`, and `x-oss-err` for HEAD.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;

use super::xml::Xml;
use crate::crypto;
use crate::http_util::{self, header_value};

/// An OSS error: status, code, message and extra elements (`Key`, `StringToSign`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OssError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) details: Vec<(&'static str, String)>,
    /// Extra response headers (e.g. `Content-Range` of `InvalidRange`).
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The real service's `EC`, where the emulator reproduces a documented one.
    pub(crate) documented_ec: Option<&'static str>,
}

/// The codes this emulator answers, in the order that numbers their `EC` values.
const CODES: &[&str] = &[
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidSecurityToken",
    "SecurityTokenExpired",
    "AccessKeyIdAndSecurityTokenNotMatch",
    "RequestTimeTooSkewed",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "InvalidPart",
    "InvalidPartOrder",
    "EntityTooSmall",
    "EntityTooLarge",
    "InvalidDigest",
    "MalformedXML",
    "InvalidArgument",
    "InvalidObjectName",
    "FileAlreadyExists",
    "MissingContentLength",
    "InvalidRange",
    "PreconditionFailed",
    "IncompleteBody",
    "NotImplemented",
    "InternalError",
    "BucketAlreadyExists",
    "BucketNotEmpty",
    "InvalidBucketName",
    "InvalidStorageClass",
    "MissingArgument",
    "PositionNotEqualToLength",
    "ObjectNotAppendable",
];

/// The `EC` of a code: `9999-000000NN`, an emulator-specific number (the real service's EC
/// values are not reproduced).
fn ec(code: &str) -> String {
    let n = CODES.iter().position(|c| *c == code).map_or(0, |i| i + 1);
    format!("9999-{n:08}")
}

impl OssError {
    /// An error with a status, code and message.
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            details: Vec::new(),
            headers: Vec::new(),
            documented_ec: None,
        }
    }

    /// Answers with the real service's documented `EC` instead of the emulator's own.
    pub(crate) fn with_documented_ec(mut self, ec: &'static str) -> Self {
        self.documented_ec = Some(ec);
        self
    }

    /// The `EC` of this error.
    fn ec(&self) -> String {
        self.documented_ec
            .map_or_else(|| ec(&self.code), str::to_owned)
    }

    /// Adds an element to the error document.
    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// Adds a response header.
    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 403 AccessDenied.
    pub(crate) fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    /// 400 InvalidArgument naming the argument.
    pub(crate) fn invalid_argument(message: impl Into<String>, name: &str, value: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
            .with("ArgumentName", name)
            .with("ArgumentValue", value)
    }

    /// 500 InternalError for a failure of the emulator itself (logged).
    pub(crate) fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            format!("We encountered an internal error: {error}"),
        )
    }

    /// The XML document.
    pub(crate) fn document(&self, request_id: &str, host_id: &str) -> String {
        let mut xml = Xml::new("Error");
        xml.elem("Code", &self.code)
            .elem("Message", &self.message)
            .elem("RequestId", request_id)
            .elem("HostId", host_id);
        for (name, value) in &self.details {
            xml.elem(name, value);
        }
        let ec = self.ec();
        xml.elem("EC", &ec).elem(
            "RecommendDoc",
            format!("https://api.aliyun.com/troubleshoot?q={ec}"),
        );
        xml.finish()
    }

    /// The answer: XML body, or for HEAD no body and the document base64 in `x-oss-err`.
    pub(crate) fn into_response(self, request_id: &str, host_id: &str, head: bool) -> Response {
        let document = self.document(request_id, host_id);
        let mut response = if head {
            let mut r = Response::new(Body::empty());
            r.headers_mut().insert(
                "x-oss-err",
                header_value(&crypto::base64(document.as_bytes())),
            );
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/xml"));
            r
        } else {
            http_util::response(self.status, "application/xml", document)
        };
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert("x-oss-ec", header_value(&self.ec()));
        for (name, value) in &self.headers {
            headers.insert(*name, header_value(value));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_shape() {
        let e = OssError::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .with("Key", "a&b");
        let doc = e.document("RID", "bkt.host");
        assert!(doc.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
        ));
        assert!(doc.contains("<RequestId>RID</RequestId><HostId>bkt.host</HostId><Key>a&amp;b</Key><EC>9999-00000009</EC>"));
        let r = e.into_response("RID", "h", true);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.headers().contains_key("x-oss-err"));
    }
}
