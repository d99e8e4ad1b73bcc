//! The OSS actions the server grants (object actions, and `oss:ListObjects` on the bucket), and
//! how OSS derives the action of a request.

use std::fmt;
use std::str::FromStr;

/// A RAM action the server grants: object actions, and the bucket-level `oss:ListObjects`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OssAction {
    /// `oss:PutObject`: PutObject, AppendObject, InitiateMultipartUpload, UploadPart, Complete.
    PutObject,
    /// `oss:GetObject`: GetObject, HeadObject.
    GetObject,
    /// `oss:DeleteObject`.
    DeleteObject,
    /// `oss:ListParts`.
    ListParts,
    /// `oss:AbortMultipartUpload`.
    AbortMultipartUpload,
    /// `oss:ListObjects` (ListObjects and ListObjectsV2): granted on the bucket, for the user's
    /// own prefix only.
    ListObjects,
}

impl OssAction {
    /// Every action, in a stable order.
    pub const ALL: [OssAction; 6] = [
        Self::PutObject,
        Self::GetObject,
        Self::DeleteObject,
        Self::ListParts,
        Self::AbortMultipartUpload,
        Self::ListObjects,
    ];

    /// The name in policies, e.g. `oss:PutObject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PutObject => "oss:PutObject",
            Self::GetObject => "oss:GetObject",
            Self::DeleteObject => "oss:DeleteObject",
            Self::ListParts => "oss:ListParts",
            Self::AbortMultipartUpload => "oss:AbortMultipartUpload",
            Self::ListObjects => "oss:ListObjects",
        }
    }

    /// Whether the action is granted on the bucket (`acs:oss:*:*:<bucket>`) rather than on
    /// objects (`acs:oss:*:*:<bucket>/<key>`).
    pub fn is_bucket_level(self) -> bool {
        matches!(self, Self::ListObjects)
    }

    /// The action OSS checks for a request on the bucket itself (no key): `GET` is a listing;
    /// `None` for anything else.
    pub fn of_bucket_request(method: &str) -> Option<Self> {
        method
            .eq_ignore_ascii_case("GET")
            .then_some(Self::ListObjects)
    }

    /// The action OSS checks for an object request, from its method and query parameter names;
    /// `None` for requests the server does not sign (other methods, a `POST` that is not a
    /// multipart or append request, `HEAD ?uploadId`).
    pub fn of_request<'a>(
        method: &str,
        query_names: impl IntoIterator<Item = &'a str>,
    ) -> Option<Self> {
        let names: Vec<&str> = query_names.into_iter().collect();
        let has = |n: &str| names.contains(&n);
        let method = method.to_ascii_uppercase();
        if has("uploadId") {
            return match method.as_str() {
                "DELETE" => Some(Self::AbortMultipartUpload),
                "GET" => Some(Self::ListParts),
                // UploadPart and CompleteMultipartUpload.
                "PUT" | "POST" => Some(Self::PutObject),
                _ => None,
            };
        }
        match method.as_str() {
            "GET" | "HEAD" => Some(Self::GetObject),
            "PUT" => Some(Self::PutObject),
            "POST" if has("uploads") || has("append") => Some(Self::PutObject),
            "DELETE" => Some(Self::DeleteObject),
            _ => None,
        }
    }
}

impl fmt::Display for OssAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OssAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|a| a.as_str()).collect();
                format!(
                    "unknown action {s:?} (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_follow_oss() {
        let action = |m: &str, q: &[&str]| OssAction::of_request(m, q.iter().copied());
        assert_eq!(action("GET", &[]), Some(OssAction::GetObject));
        assert_eq!(action("HEAD", &[]), Some(OssAction::GetObject));
        assert_eq!(action("PUT", &[]), Some(OssAction::PutObject));
        assert_eq!(action("POST", &["uploads"]), Some(OssAction::PutObject));
        assert_eq!(
            action("PUT", &["partNumber", "uploadId"]),
            Some(OssAction::PutObject)
        );
        assert_eq!(action("POST", &["uploadId"]), Some(OssAction::PutObject));
        assert_eq!(
            action("POST", &["append", "position"]),
            Some(OssAction::PutObject)
        );
        assert_eq!(
            action("DELETE", &["uploadId"]),
            Some(OssAction::AbortMultipartUpload)
        );
        assert_eq!(action("GET", &["uploadId"]), Some(OssAction::ListParts));
        assert_eq!(action("DELETE", &[]), Some(OssAction::DeleteObject));
        assert_eq!(action("POST", &[]), None);
        assert_eq!(action("OPTIONS", &[]), None);
        assert_eq!(action("HEAD", &["uploadId"]), None);
    }

    #[test]
    fn listing_is_the_only_bucket_action() {
        assert_eq!(
            OssAction::of_bucket_request("get"),
            Some(OssAction::ListObjects)
        );
        for method in ["PUT", "DELETE", "HEAD", "POST"] {
            assert_eq!(OssAction::of_bucket_request(method), None, "{method}");
        }
        let bucket_level: Vec<OssAction> = OssAction::ALL
            .into_iter()
            .filter(|a| a.is_bucket_level())
            .collect();
        assert_eq!(bucket_level, [OssAction::ListObjects]);
    }

    #[test]
    fn names_round_trip() {
        for a in OssAction::ALL {
            assert_eq!(a.as_str().parse::<OssAction>(), Ok(a));
        }
        assert!("oss:*"
            .parse::<OssAction>()
            .unwrap_err()
            .contains("unknown action"));
    }
}
