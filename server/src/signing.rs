//! Remote signing without being a signing oracle: the request described by the SDK is checked
//! against the user's policy, its string to sign is recomputed here from the description, and
//! only that string is signed, with the user's own STS credentials.

use chrono::{DateTime, NaiveDateTime, Utc};
use ossdirect::sign::{redact, v1, v4, RequestToSign, SignatureVersion};
use ossdirect::Credentials;
use serde::{Deserialize, Serialize};

use crate::action::OssAction;
use crate::policy::UserPolicy;

/// The security token header, replaced by the token of the credentials that sign.
const TOKEN_HEADER: &str = "x-oss-security-token";

/// Query parameters a signed request may carry: those of the object operations the server
/// signs, and `response-*` header overrides of GetObject. Anything else (`acl`, `tagging`,
/// `x-oss-process`, presigning parameters, ...) is refused.
const ALLOWED_QUERY: &[&str] = &[
    "uploads",
    "uploadId",
    "partNumber",
    "append",
    "position",
    "encoding-type",
    "max-parts",
    "part-number-marker",
];

fn is_allowed_query(name: &str) -> bool {
    ALLOWED_QUERY.contains(&name) || name.starts_with("response-")
}

/// Query parameters a signed listing (a `GET` on the bucket: ListObjects, ListObjectsV2) may
/// carry. Anything else (`acl`, `uploads`, `location`, ...) is another bucket operation and is
/// refused.
const LISTING_QUERY: &[&str] = &[
    "list-type",
    "prefix",
    "delimiter",
    "max-keys",
    "marker",
    "continuation-token",
    "start-after",
    "fetch-owner",
    "encoding-type",
];

/// The body of `POST /sign`: the request to sign, and the string the SDK computed for it.
/// `Debug` redacts the security token (also inside the string to sign) and signatures.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// `v1` or `v4`.
    pub version: String,
    /// HTTP method.
    pub method: String,
    /// The bucket.
    pub bucket: String,
    /// The object key (raw, not encoded); empty (or absent) for a request on the bucket itself,
    /// of which only listings are signed.
    #[serde(default)]
    pub key: String,
    /// Query parameters: `[name, value]` pairs, `null` for a valueless parameter.
    #[serde(default)]
    pub query: Vec<(String, Option<String>)>,
    /// Headers: `[name, value]` pairs, including `Date`/`x-oss-date` and
    /// `x-oss-security-token`.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The string to sign the SDK computed; must equal the server's.
    pub string_to_sign: String,
    /// `yyyymmdd` of the signing time (V4).
    #[serde(default)]
    pub date: String,
    /// The region (V4).
    #[serde(default)]
    pub region: String,
    /// V4 additional signed headers (default none).
    #[serde(default)]
    pub additional_headers: Vec<String>,
}

impl std::fmt::Debug for SignRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut secrets = redact::secret_values(&self.headers);
        secrets.extend(
            self.query
                .iter()
                .filter(|(name, _)| redact::is_secret(name))
                .filter_map(|(_, value)| value.as_deref()),
        );
        f.debug_struct("SignRequest")
            .field("version", &self.version)
            .field("method", &self.method)
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("query", &redact::Pairs(&self.query))
            .field("headers", &redact::Pairs(&self.headers))
            .field(
                "string_to_sign",
                &redact::text(&self.string_to_sign, &secrets),
            )
            .field("date", &self.date)
            .field("region", &self.region)
            .field("additional_headers", &self.additional_headers)
            .finish()
    }
}

/// The answer of `POST /sign`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignResponse {
    /// V1: base64 HMAC-SHA1; V4: hex HMAC-SHA256.
    pub signature: String,
    /// The AccessKeyId to name in `Authorization`.
    pub access_key_id: String,
    /// The token to send as `x-oss-security-token` (the signature covers it).
    pub security_token: String,
    /// When the credentials behind the signature expire (`YYYY-MM-DDTHH:MM:SSZ`).
    pub expiration: String,
}

/// Why a request is not signed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignRefusal {
    /// The description is malformed or incomplete (400).
    #[error("{0}")]
    Invalid(String),
    /// The request is outside the user's policy or not an operation this server signs (403).
    #[error("{0}")]
    Denied(String),
    /// The request's date is too far from the server's clock (403).
    #[error("the request time is {0} s away from the server's clock")]
    TooSkewed(i64),
    /// The SDK's string to sign differs from the one the description gives (403).
    #[error("string_to_sign does not match the request described; the server computed {0:?}")]
    Mismatch(String),
}

/// The server's side of the rules: the bucket's region and the allowed clock skew.
#[derive(Clone, Debug)]
pub struct SigningRules {
    /// The region V4 signatures must be scoped to.
    pub region: String,
    /// The largest accepted distance between the request's date and the server's clock.
    pub max_skew: chrono::Duration,
}

/// A request that passed every check, ready to be signed.
#[derive(Clone, Debug)]
pub struct CheckedRequest {
    version: SignatureVersion,
    request: RequestToSign,
    /// V1: the Date slot; V4: `x-oss-date`.
    time_text: String,
    date: String,
    region: String,
    additional: Vec<String>,
}

fn check_key(key: &str) -> Result<(), SignRefusal> {
    let bad = |why: &str| Err(SignRefusal::Invalid(format!("key: {why}")));
    if key.is_empty() || key.len() > 1023 {
        return bad("expected 1 to 1023 bytes");
    }
    if key.starts_with('/') || key.starts_with('\\') {
        return bad("must not start with '/' or '\\'");
    }
    if key.chars().any(char::is_control) {
        return bad("must not contain control characters");
    }
    if key.split('/').any(|s| s == "." || s == "..") {
        return bad("must not contain '.' or '..' segments");
    }
    Ok(())
}

fn check_skew(
    time: DateTime<Utc>,
    now: DateTime<Utc>,
    rules: &SigningRules,
) -> Result<(), SignRefusal> {
    let distance = (time - now).num_seconds();
    if distance.abs() > rules.max_skew.num_seconds() {
        return Err(SignRefusal::TooSkewed(distance));
    }
    Ok(())
}

fn to_request(body: &SignRequest) -> RequestToSign {
    let key = (!body.key.is_empty()).then_some(body.key.as_str());
    let mut request = RequestToSign::new(&body.method, Some(&body.bucket), key);
    request.query = body.query.clone();
    request.headers = body.headers.clone();
    request
}

/// Checks that a request on the bucket (no key) is a listing inside `policy`: the listing's
/// `prefix` must be within the user's prefix, as the session policy's `oss:Prefix` condition
/// requires.
fn check_listing(body: &SignRequest, policy: &UserPolicy) -> Result<(), SignRefusal> {
    if let Some((name, _)) = body
        .query
        .iter()
        .find(|(name, _)| !LISTING_QUERY.contains(&name.as_str()))
    {
        return Err(SignRefusal::Denied(format!(
            "query parameter {name:?} is not allowed in signed bucket requests"
        )));
    }
    let prefixes: Vec<Option<&str>> = body
        .query
        .iter()
        .filter(|(name, _)| name == "prefix")
        .map(|(_, value)| value.as_deref())
        .collect();
    if prefixes.len() > 1 {
        return Err(SignRefusal::Invalid(
            "the prefix parameter is given more than once".to_owned(),
        ));
    }
    let action = OssAction::of_bucket_request(&body.method).ok_or_else(|| {
        SignRefusal::Denied(format!(
            "{} on the bucket is not an operation this server signs (only listings)",
            body.method
        ))
    })?;
    let prefix = prefixes.first().copied().flatten();
    if !policy.allows_listing(&body.bucket, prefix) {
        return Err(SignRefusal::Denied(format!(
            "{action} on {} with prefix {:?} is outside this user's policy (prefix {})",
            body.bucket,
            prefix.unwrap_or_default(),
            policy.prefix()
        )));
    }
    Ok(())
}

/// Checks that the request is an object operation the server signs, or a listing, inside
/// `policy`.
fn check_operation(body: &SignRequest, policy: &UserPolicy) -> Result<(), SignRefusal> {
    if body.key.is_empty() {
        return check_listing(body, policy);
    }
    if let Some((name, _)) = body.query.iter().find(|(name, _)| !is_allowed_query(name)) {
        return Err(SignRefusal::Denied(format!(
            "query parameter {name:?} is not allowed in signed requests"
        )));
    }
    let action = OssAction::of_request(&body.method, body.query.iter().map(|(n, _)| n.as_str()))
        .ok_or_else(|| {
            SignRefusal::Denied(format!(
                "{} with this query is not an object operation this server signs",
                body.method
            ))
        })?;
    if body
        .headers
        .iter()
        .any(|(name, _)| name.to_ascii_lowercase().starts_with("x-oss-copy-source"))
    {
        return Err(SignRefusal::Denied(
            "copy requests are not signed".to_owned(),
        ));
    }
    check_key(&body.key)?;
    if !policy.allows(action, &body.bucket, &body.key) {
        return Err(SignRefusal::Denied(format!(
            "{action} on {}/{} is outside this user's policy (prefix {})",
            body.bucket,
            body.key,
            policy.prefix()
        )));
    }
    Ok(())
}

/// V1: the Date slot (`x-oss-date` or `Date`) must be a recent HTTP date.
fn checked_v1(
    request: RequestToSign,
    rules: &SigningRules,
    now: DateTime<Utc>,
) -> Result<CheckedRequest, SignRefusal> {
    let slot = request
        .header("x-oss-date")
        .or_else(|| request.header("date"))
        .ok_or_else(|| SignRefusal::Invalid("a Date header is required".to_owned()))?
        .to_owned();
    let time = DateTime::parse_from_rfc2822(&slot)
        .map_err(|_| SignRefusal::Invalid(format!("Date {slot:?} is not an HTTP date")))?
        .to_utc();
    check_skew(time, now, rules)?;
    Ok(CheckedRequest {
        version: SignatureVersion::V1,
        request,
        time_text: slot,
        date: String::new(),
        region: String::new(),
        additional: Vec::new(),
    })
}

/// V4: `x-oss-date` must be recent, `date` its day and `region` the server's.
fn checked_v4(
    body: &SignRequest,
    request: RequestToSign,
    rules: &SigningRules,
    now: DateTime<Utc>,
) -> Result<CheckedRequest, SignRefusal> {
    let datetime = request
        .header("x-oss-date")
        .ok_or_else(|| SignRefusal::Invalid("an x-oss-date header is required".to_owned()))?
        .to_owned();
    let time = NaiveDateTime::parse_from_str(&datetime, "%Y%m%dT%H%M%SZ")
        .map_err(|_| {
            SignRefusal::Invalid(format!("x-oss-date {datetime:?} is not yyyymmddThhmmssZ"))
        })?
        .and_utc();
    check_skew(time, now, rules)?;
    // The format was checked: the first 8 bytes are the ASCII date.
    if body.date != datetime[..8] {
        return Err(SignRefusal::Invalid(format!(
            "date {:?} is not the day of x-oss-date {datetime:?}",
            body.date
        )));
    }
    if body.region != rules.region {
        return Err(SignRefusal::Denied(format!(
            "region {:?}: this server signs for {:?}",
            body.region, rules.region
        )));
    }
    let additional = v4::effective_additional_headers(&request, &body.additional_headers);
    Ok(CheckedRequest {
        version: SignatureVersion::V4,
        request,
        time_text: datetime,
        date: body.date.clone(),
        region: body.region.clone(),
        additional,
    })
}

/// Checks what can be checked without credentials: shape, operation, policy, time, and that the
/// SDK's string to sign is the one its description gives.
pub fn check(
    body: &SignRequest,
    policy: &UserPolicy,
    rules: &SigningRules,
    now: DateTime<Utc>,
) -> Result<CheckedRequest, SignRefusal> {
    let version: SignatureVersion = body.version.parse().map_err(SignRefusal::Invalid)?;
    check_operation(body, policy)?;
    let request = to_request(body);
    let checked = match version {
        SignatureVersion::V1 => checked_v1(request, rules, now)?,
        SignatureVersion::V4 => checked_v4(body, request, rules, now)?,
    };
    let computed = checked.string_to_sign(&checked.request);
    if computed != body.string_to_sign {
        return Err(SignRefusal::Mismatch(computed));
    }
    Ok(checked)
}

impl CheckedRequest {
    /// The string to sign of `request` under this request's version, time and scope.
    fn string_to_sign(&self, request: &RequestToSign) -> String {
        match self.version {
            SignatureVersion::V1 => v1::string_to_sign(request, &self.time_text, &[]),
            SignatureVersion::V4 => {
                let canonical = v4::canonical_request(request, &self.additional);
                v4::string_to_sign(
                    &self.time_text,
                    &v4::scope(&self.date, &self.region),
                    &canonical,
                )
            }
        }
    }

    /// Signs the request with `credentials`. The request's `x-oss-security-token` becomes the
    /// credentials' token first, so the signature is valid with the token returned (the same
    /// string the SDK sent when it already held that token).
    pub fn sign(&self, credentials: &Credentials) -> SignResponse {
        let mut request = self.request.clone();
        let token = credentials.security_token().unwrap_or_default();
        request
            .headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case(TOKEN_HEADER));
        if !token.is_empty() {
            request.set_header(TOKEN_HEADER, token);
        }
        let string_to_sign = self.string_to_sign(&request);
        let secret = credentials.access_key_secret();
        let signature = match self.version {
            SignatureVersion::V1 => v1::signature(secret, &string_to_sign),
            SignatureVersion::V4 => v4::signature(
                &v4::signing_key(secret, &self.date, &self.region),
                &string_to_sign,
            ),
        };
        SignResponse {
            signature,
            access_key_id: credentials.access_key_id().to_owned(),
            security_token: token.to_owned(),
            expiration: crate::wire::expiration_text(credentials),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PolicyConfig;
    use crate::policy::PolicyTemplate;
    use crate::user::UserId;

    fn policy_with(actions: &[&str]) -> UserPolicy {
        PolicyTemplate::new(&PolicyConfig {
            bucket: "my-bucket".into(),
            prefix: "users/${user}/".into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        })
        .unwrap()
        .for_user(&UserId::parse("alice").unwrap())
    }

    fn policy() -> UserPolicy {
        policy_with(&["oss:PutObject", "oss:ListParts", "oss:AbortMultipartUpload"])
    }

    /// A ListObjectsV2 request as the SDK makes it, with `prefix` when given.
    fn list(prefix: Option<&str>) -> RequestToSign {
        let mut r = RequestToSign::new("GET", Some("my-bucket"), None);
        r.push_query("list-type", Some("2".into()));
        r.push_query("encoding-type", Some("url".into()));
        if let Some(p) = prefix {
            r.push_query("prefix", Some(p.into()));
        }
        r
    }

    #[test]
    fn a_listing_of_the_users_own_prefix_is_signed() {
        let now = Utc::now();
        let listing = policy_with(&["oss:PutObject", "oss:ListObjects"]);
        let creds = credentials();
        for version in [SignatureVersion::V1, SignatureVersion::V4] {
            let body = describe(version, list(Some("users/alice/photos/")), now);
            assert_eq!(body.key, "", "a bucket request has no key");
            let signed = check(&body, &listing, &rules(), now).unwrap().sign(&creds);
            let mut local = list(Some("users/alice/photos/"));
            let expected = local_authorization(version, &mut local, &creds, now);
            assert!(expected.ends_with(&signed.signature), "{version}");
        }
        // The wire form without a "key" field at all is the same bucket request.
        let d = describe(SignatureVersion::V4, list(Some("users/alice/")), now);
        let body: SignRequest = serde_json::from_value(serde_json::json!({
            "version": d.version, "method": d.method, "bucket": d.bucket, "query": d.query,
            "headers": d.headers, "string_to_sign": d.string_to_sign, "date": d.date,
            "region": d.region,
        }))
        .unwrap();
        check(&body, &listing, &rules(), now).unwrap();
    }

    #[test]
    fn a_listing_outside_the_users_prefix_is_denied() {
        let now = Utc::now();
        let listing = policy_with(&["oss:PutObject", "oss:ListObjects"]);
        let denied = |policy: &UserPolicy, r: RequestToSign| {
            let body = describe(SignatureVersion::V4, r, now);
            check(&body, policy, &rules(), now).unwrap_err()
        };
        for prefix in [None, Some(""), Some("users/"), Some("users/bob/")] {
            assert!(
                matches!(denied(&listing, list(prefix)), SignRefusal::Denied(_)),
                "{prefix:?}"
            );
        }
        // Without oss:ListObjects in the policy, not even the user's own prefix.
        assert!(matches!(
            denied(&policy(), list(Some("users/alice/"))),
            SignRefusal::Denied(_)
        ));
        // Other bucket operations and other buckets are refused.
        let mut acl = list(Some("users/alice/"));
        acl.push_query("acl", None);
        assert!(matches!(denied(&listing, acl), SignRefusal::Denied(_)));
        let mut uploads = RequestToSign::new("GET", Some("my-bucket"), None);
        uploads.push_query("uploads", None);
        assert!(matches!(denied(&listing, uploads), SignRefusal::Denied(_)));
        let mut delete = list(Some("users/alice/"));
        delete.method = "DELETE".into();
        assert!(matches!(denied(&listing, delete), SignRefusal::Denied(_)));
        let mut other = RequestToSign::new("GET", Some("other"), None);
        other.push_query("prefix", Some("users/alice/".into()));
        assert!(matches!(denied(&listing, other), SignRefusal::Denied(_)));
        // A second prefix parameter could make the server and OSS disagree.
        let mut twice = list(Some("users/alice/"));
        twice.push_query("prefix", Some("users/bob/".into()));
        assert!(matches!(denied(&listing, twice), SignRefusal::Invalid(_)));
    }

    fn rules() -> SigningRules {
        SigningRules {
            region: "cn-hangzhou".into(),
            max_skew: chrono::Duration::minutes(15),
        }
    }

    /// The Authorization header the SDK signing `request` itself would send.
    fn local_authorization(
        version: SignatureVersion,
        request: &mut RequestToSign,
        creds: &Credentials,
        now: DateTime<Utc>,
    ) -> String {
        match version {
            SignatureVersion::V1 => v1::sign_headers(request, creds, now, &[]).authorization,
            SignatureVersion::V4 => {
                v4::sign_headers(request, creds, "cn-hangzhou", now, &[], None).authorization
            }
        }
    }

    fn credentials() -> Credentials {
        Credentials::sts(
            "STS.id",
            "secret",
            "token-1",
            Some(Utc::now() + chrono::Duration::hours(1)),
        )
    }

    /// What the SDK's remote signer sends for `request` signed at `now`.
    fn describe(
        version: SignatureVersion,
        mut request: RequestToSign,
        now: DateTime<Utc>,
    ) -> SignRequest {
        let (string_to_sign, date) = match version {
            SignatureVersion::V1 => (
                v1::prepare_header_signing(&mut request, Some("token-1"), now, &[]),
                now.format("%Y%m%d").to_string(),
            ),
            SignatureVersion::V4 => {
                let p = v4::prepare_header_signing(
                    &mut request,
                    Some("token-1"),
                    "cn-hangzhou",
                    now,
                    &[],
                );
                (p.string_to_sign, p.date)
            }
        };
        SignRequest {
            version: version.to_string(),
            method: request.method.clone(),
            bucket: request.bucket.clone().unwrap_or_default(),
            key: request.key.clone().unwrap_or_default(),
            query: request.query.clone(),
            headers: request.headers.clone(),
            string_to_sign,
            date,
            region: "cn-hangzhou".into(),
            additional_headers: vec![],
        }
    }

    fn put(key: &str) -> RequestToSign {
        let mut r = RequestToSign::new("PUT", Some("my-bucket"), Some(key));
        r.set_header("Content-Type", "text/plain");
        r
    }

    /// `Debug` of a sign request (V1: its string to sign holds the token) shows no token.
    #[test]
    fn debug_hides_the_security_token() {
        for version in [SignatureVersion::V1, SignatureVersion::V4] {
            let request = describe(version, put("users/alice/a.txt"), Utc::now());
            let shown = format!("{request:?}");
            assert!(!shown.contains("token-1"), "{shown}");
            assert!(shown.contains("<redacted>") && shown.contains("users/alice/a.txt"));
        }
    }

    #[test]
    fn signatures_equal_local_signing() {
        let now = Utc::now();
        let creds = credentials();
        for version in [SignatureVersion::V1, SignatureVersion::V4] {
            let body = describe(version, put("users/alice/a b.txt"), now);
            let signed = check(&body, &policy(), &rules(), now).unwrap().sign(&creds);
            let mut local = put("users/alice/a b.txt");
            let expected = local_authorization(version, &mut local, &creds, now);
            assert!(
                expected.ends_with(&signed.signature),
                "{version}: {expected} vs {signed:?}"
            );
            assert_eq!(
                (
                    signed.access_key_id.as_str(),
                    signed.security_token.as_str()
                ),
                ("STS.id", "token-1")
            );
        }
    }

    #[test]
    fn a_stale_token_is_replaced_by_the_signing_one() {
        let now = Utc::now();
        let body = describe(SignatureVersion::V4, put("users/alice/a"), now);
        let fresh = Credentials::sts("STS.id2", "secret2", "token-2", None);
        let signed = check(&body, &policy(), &rules(), now).unwrap().sign(&fresh);
        let mut local = put("users/alice/a");
        let expected = v4::sign_headers(&mut local, &fresh, "cn-hangzhou", now, &[], None);
        assert!(expected.authorization.ends_with(&signed.signature));
        assert_eq!(signed.security_token, "token-2");
    }

    #[test]
    fn outside_the_policy_is_denied() {
        let now = Utc::now();
        let denied = |r: RequestToSign| {
            let body = describe(SignatureVersion::V4, r, now);
            check(&body, &policy(), &rules(), now).unwrap_err()
        };
        assert!(matches!(denied(put("users/bob/a")), SignRefusal::Denied(_)));
        assert!(matches!(
            denied(RequestToSign::new(
                "PUT",
                Some("other"),
                Some("users/alice/a")
            )),
            SignRefusal::Denied(_)
        ));
        // GetObject and DeleteObject are not in the policy.
        assert!(matches!(
            denied(RequestToSign::new(
                "GET",
                Some("my-bucket"),
                Some("users/alice/a")
            )),
            SignRefusal::Denied(_)
        ));
        assert!(matches!(
            denied(RequestToSign::new(
                "DELETE",
                Some("my-bucket"),
                Some("users/alice/a")
            )),
            SignRefusal::Denied(_)
        ));
        let mut acl = put("users/alice/a");
        acl.push_query("acl", None);
        assert!(matches!(denied(acl), SignRefusal::Denied(_)));
        let mut copy = put("users/alice/a");
        copy.set_header("x-oss-copy-source", "/my-bucket/users/bob/secret");
        assert!(matches!(denied(copy), SignRefusal::Denied(_)));
        assert!(matches!(
            denied(put("users/alice/../bob/a")),
            SignRefusal::Invalid(_)
        ));
        let mut presign = put("users/alice/a");
        presign.push_query("x-oss-expires", Some("604800".into()));
        assert!(matches!(denied(presign), SignRefusal::Denied(_)));
    }

    #[test]
    fn multipart_requests_map_to_their_actions() {
        let now = Utc::now();
        let mut abort = RequestToSign::new("DELETE", Some("my-bucket"), Some("users/alice/big"));
        abort.push_query("uploadId", Some("u1".into()));
        let mut list = RequestToSign::new("GET", Some("my-bucket"), Some("users/alice/big"));
        list.push_query("uploadId", Some("u1".into()));
        let mut init = RequestToSign::new("POST", Some("my-bucket"), Some("users/alice/big"));
        init.push_query("uploads", None);
        for r in [abort, list, init] {
            let body = describe(SignatureVersion::V1, r, now);
            check(&body, &policy(), &rules(), now).unwrap();
        }
    }

    #[test]
    fn a_different_string_to_sign_is_refused() {
        let now = Utc::now();
        let mut body = describe(SignatureVersion::V1, put("users/alice/a"), now);
        body.string_to_sign = "GET\n\n\n1999999999\n/my-bucket/users/bob/a".into();
        assert!(matches!(
            check(&body, &policy(), &rules(), now),
            Err(SignRefusal::Mismatch(_))
        ));
    }

    #[test]
    fn times_and_scopes_are_checked() {
        let now = Utc::now();
        let old = now - chrono::Duration::hours(1);
        let body = describe(SignatureVersion::V1, put("users/alice/a"), old);
        assert!(matches!(
            check(&body, &policy(), &rules(), now),
            Err(SignRefusal::TooSkewed(_))
        ));
        let body = describe(SignatureVersion::V4, put("users/alice/a"), old);
        assert!(matches!(
            check(&body, &policy(), &rules(), now),
            Err(SignRefusal::TooSkewed(_))
        ));
        let mut body = describe(SignatureVersion::V4, put("users/alice/a"), now);
        body.region = "us-west-1".into();
        assert!(matches!(
            check(&body, &policy(), &rules(), now),
            Err(SignRefusal::Denied(_))
        ));
        let mut body = describe(SignatureVersion::V1, put("users/alice/a"), now);
        body.headers.retain(|(k, _)| k != "Date");
        assert!(matches!(
            check(&body, &policy(), &rules(), now),
            Err(SignRefusal::Invalid(_))
        ));
        let mut body = describe(SignatureVersion::V4, put("users/alice/a"), now);
        body.version = "v2".into();
        assert!(matches!(
            check(&body, &policy(), &rules(), now),
            Err(SignRefusal::Invalid(_))
        ));
    }
}
