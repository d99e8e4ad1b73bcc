//! Reading the signature a request presents: `Authorization` header (V1, V4) or query (V1, V4).

use axum::http::StatusCode;

use super::super::error::OssError;
use super::super::request::OssRequest;

/// The V4 credential scope: `<ak>/<yyyymmdd>/<region>/oss/aliyun_v4_request`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Credential {
    pub(crate) access_key_id: String,
    pub(crate) date: String,
    pub(crate) region: String,
    pub(crate) product: String,
    pub(crate) terminator: String,
}

/// How and with what a request is signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Presented {
    /// `Authorization: OSS ak:signature`.
    V1Header {
        access_key_id: String,
        signature: String,
    },
    /// `?OSSAccessKeyId=&Expires=&Signature=`.
    V1Query {
        access_key_id: String,
        signature: String,
        expires: String,
    },
    /// `Authorization: OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=…,Signature=…`.
    V4Header {
        credential: Credential,
        additional_headers: Vec<String>,
        signature: String,
    },
    /// `?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=…&x-oss-signature=…`.
    V4Query {
        credential: Credential,
        additional_headers: Vec<String>,
        signature: String,
        datetime: String,
        expires: String,
    },
}

impl Presented {
    /// The AccessKeyId the request claims.
    pub(crate) fn access_key_id(&self) -> &str {
        match self {
            Self::V1Header { access_key_id, .. } | Self::V1Query { access_key_id, .. } => {
                access_key_id
            }
            Self::V4Header { credential, .. } | Self::V4Query { credential, .. } => {
                &credential.access_key_id
            }
        }
    }
}

fn invalid_authorization(message: &str) -> OssError {
    OssError::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
}

fn parse_credential(text: &str) -> Result<Credential, OssError> {
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [ak, date, region, product, terminator] if !ak.is_empty() => Ok(Credential {
            access_key_id: (*ak).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            product: (*product).to_owned(),
            terminator: (*terminator).to_owned(),
        }),
        _ => Err(invalid_authorization(
            "Invalid credential: expected <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request.",
        )),
    }
}

fn split_headers(list: &str) -> Vec<String> {
    list.split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

fn parse_v4_header(fields: &str) -> Result<Presented, OssError> {
    let (mut credential, mut additional, mut signature) = (None, Vec::new(), None);
    for field in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let (name, value) = field.split_once('=').ok_or_else(|| {
            invalid_authorization("Invalid Authorization header: expected name=value fields.")
        })?;
        match name.trim() {
            "Credential" => credential = Some(parse_credential(value.trim())?),
            "AdditionalHeaders" => additional = split_headers(value),
            "Signature" => signature = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    match (credential, signature) {
        (Some(credential), Some(signature)) => Ok(Presented::V4Header {
            credential,
            additional_headers: additional,
            signature,
        }),
        _ => Err(invalid_authorization(
            "Invalid Authorization header: Credential and Signature are required.",
        )),
    }
}

pub(crate) fn parse_header(value: &str) -> Result<Presented, OssError> {
    if let Some(fields) = value.strip_prefix(ossdirect::sign::v4::ALGORITHM) {
        return parse_v4_header(fields);
    }
    if let Some(rest) = value.strip_prefix("OSS ") {
        let (ak, sig) = rest.trim().rsplit_once(':').ok_or_else(|| {
            invalid_authorization(
                "Invalid Authorization header: expected OSS <AccessKeyId>:<Signature>.",
            )
        })?;
        return Ok(Presented::V1Header {
            access_key_id: ak.to_owned(),
            signature: sig.to_owned(),
        });
    }
    Err(invalid_authorization(
        "Unsupported Authorization header: expected 'OSS ' (V1) or 'OSS4-HMAC-SHA256 ' (V4).",
    ))
}

fn required<'a>(req: &'a OssRequest, name: &str) -> Result<&'a str, OssError> {
    req.query_value(name).ok_or_else(|| {
        invalid_authorization(&format!("The presigned URL lacks the {name} parameter."))
    })
}

/// What the request presents; `None` for an anonymous request.
pub(crate) fn presented(req: &OssRequest) -> Result<Option<Presented>, OssError> {
    if let Some(value) = req.header("authorization") {
        return parse_header(value.trim()).map(Some);
    }
    if req.has_query("x-oss-signature") {
        let version = required(req, "x-oss-signature-version")?;
        if version != ossdirect::sign::v4::ALGORITHM {
            return Err(OssError::invalid_argument(
                "Unsupported x-oss-signature-version.",
                "x-oss-signature-version",
                version,
            ));
        }
        return Ok(Some(Presented::V4Query {
            credential: parse_credential(required(req, "x-oss-credential")?)?,
            additional_headers: split_headers(
                req.query_value("x-oss-additional-headers").unwrap_or(""),
            ),
            signature: required(req, "x-oss-signature")?.to_owned(),
            datetime: required(req, "x-oss-date")?.to_owned(),
            expires: required(req, "x-oss-expires")?.to_owned(),
        }));
    }
    if req.has_query("Signature") || req.has_query("OSSAccessKeyId") {
        return Ok(Some(Presented::V1Query {
            access_key_id: required(req, "OSSAccessKeyId")?.to_owned(),
            signature: required(req, "Signature")?.to_owned(),
            expires: required(req, "Expires")?.to_owned(),
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_header_forms() {
        let a = parse_header("OSS4-HMAC-SHA256 Credential=AK/20261124/cn-hangzhou/oss/aliyun_v4_request,Signature=abc").unwrap();
        let b = parse_header("OSS4-HMAC-SHA256 Credential=AK/20261124/cn-hangzhou/oss/aliyun_v4_request, Signature=abc, AdditionalHeaders=Host;range").unwrap();
        let Presented::V4Header {
            credential,
            signature,
            additional_headers,
        } = b
        else {
            panic!("not V4")
        };
        assert_eq!(credential.region, "cn-hangzhou");
        assert_eq!(signature, "abc");
        assert_eq!(additional_headers, ["host", "range"]);
        assert_eq!(a.access_key_id(), "AK");
        assert!(parse_header("OSS4-HMAC-SHA256 Credential=AK/x,Signature=a").is_err());
        assert!(parse_header("OSS4-HMAC-SHA256 Signature=a").is_err());
    }

    #[test]
    fn v1_header_forms() {
        assert_eq!(
            parse_header("OSS LTAIabc:c2ln+/=").unwrap(),
            Presented::V1Header {
                access_key_id: "LTAIabc".into(),
                signature: "c2ln+/=".into()
            }
        );
        assert!(parse_header("OSS nocolon").is_err());
        assert!(parse_header("Bearer x").is_err());
    }
}
