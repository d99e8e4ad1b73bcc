//! `Debug` without secrets: security tokens and signatures in headers, query parameters and the
//! strings built from them are shown as `<redacted>`, as [`crate::Credentials`] does.

use std::fmt;

/// What a redacted value is shown as.
pub const REDACTED: &str = "<redacted>";

/// Header and query parameter names whose values are secrets (compared case-insensitively):
/// security tokens and signatures.
const SECRET_NAMES: &[&str] = &[
    "authorization",
    "x-oss-security-token",
    "security-token",
    "x-oss-signature",
    "signature",
];

/// Whether a header or query parameter named `name` carries a secret.
pub fn is_secret(name: &str) -> bool {
    SECRET_NAMES.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// `(name, value)` pairs with the secret values redacted (headers, or query parameters whose
/// value is optional).
pub struct Pairs<'a, V>(pub &'a [(String, V)]);

impl<V: fmt::Debug> fmt::Debug for Pairs<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0 {
            if is_secret(name) {
                list.entry(&(name, REDACTED));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}

/// The secret values among `pairs` (to redact them wherever else they appear).
pub fn secret_values<'a, V: AsRef<str> + 'a>(
    pairs: impl IntoIterator<Item = &'a (String, V)>,
) -> Vec<&'a str> {
    pairs
        .into_iter()
        .filter(|(name, _)| is_secret(name))
        .map(|(_, value)| value.as_ref())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Where a security token sits in a string to sign or a canonical request, and what ends it:
/// `x-oss-security-token:<token>\n` (signed headers) and `security-token=<token>` (V1
/// sub-resource, V4 canonical query).
const TOKEN_MARKERS: &[(&str, &[char])] = &[
    ("x-oss-security-token:", &['\n']),
    ("security-token=", &['&', '\n']),
];

/// `text` with every occurrence of the `secrets` replaced by `<redacted>`, and any security
/// token found after its usual markers too (a V1 string to sign holds the token; so does a V4
/// canonical request of a presigned URL).
pub fn text(text: &str, secrets: &[&str]) -> String {
    let mut out = secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret, REDACTED)
    });
    for (marker, ends) in TOKEN_MARKERS {
        let mut from = 0;
        while let Some(found) = out[from..].to_ascii_lowercase().find(marker) {
            let start = from + found + marker.len();
            let end = out[start..].find(*ends).map_or(out.len(), |e| start + e);
            if &out[start..end] != REDACTED {
                out.replace_range(start..end, REDACTED);
            }
            from = start + REDACTED.len().min(out.len() - start);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_the_rest_shown() {
        let headers = vec![
            ("Content-Type".to_owned(), "text/plain".to_owned()),
            ("X-Oss-Security-Token".to_owned(), "TOKEN123".to_owned()),
            ("Authorization".to_owned(), "OSS ak:SIG456".to_owned()),
        ];
        let shown = format!("{:?}", Pairs(&headers));
        assert!(shown.contains("text/plain"), "{shown}");
        assert!(
            !shown.contains("TOKEN123") && !shown.contains("SIG456"),
            "{shown}"
        );
        let secrets = secret_values(&headers);
        assert_eq!(
            text("a\nx-oss-security-token:TOKEN123\n", &secrets),
            "a\nx-oss-security-token:<redacted>\n"
        );
    }

    /// Every signing type's `Debug`: no security token, no signature, in any of its fields.
    #[test]
    fn signing_types_hide_tokens_and_signatures() {
        use crate::sign::{v1, v4, RequestToSign, SignatureVersion};
        use crate::signer::SigningInput;
        use crate::Credentials;
        const TOKEN: &str = "CAIS-secret-token-value";
        let credentials = Credentials::sts("STS.id", "the-secret", TOKEN, None);
        let time = chrono::Utc::now();
        let request = RequestToSign::new("PUT", Some("bucket"), Some("key"));

        let mut v1_signed = request.clone();
        let v1_headers = v1::sign_headers(&mut v1_signed, &credentials, time, &[]);
        let mut v4_signed = request.clone();
        let v4_headers =
            v4::sign_headers(&mut v4_signed, &credentials, "cn-hangzhou", time, &[], None);
        let v1_query = v1::presign(&request, &credentials, time.timestamp() + 60, &[]);
        let v4_query = v4::presign(&request, &credentials, "cn-hangzhou", time, 60, &[]);
        let input = SigningInput {
            version: SignatureVersion::V1,
            string_to_sign: v1_headers.string_to_sign.clone(),
            date: String::new(),
            region: String::new(),
            request: v1_signed.clone(),
        };
        let mut signatures = vec![
            v1_headers
                .authorization
                .rsplit_once(':')
                .unwrap()
                .1
                .to_owned(),
            v4_headers
                .authorization
                .rsplit_once("Signature=")
                .unwrap()
                .1
                .to_owned(),
        ];
        for q in [&v1_query, &v4_query] {
            signatures.extend(
                q.params
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case("signature") || k == "x-oss-signature")
                    .map(|(_, v)| v.clone()),
            );
        }
        assert_eq!(signatures.len(), 4);
        let shown = [
            format!("{v1_signed:?}"),
            format!("{v4_signed:?}"),
            format!("{v1_headers:?}"),
            format!("{v4_headers:?}"),
            format!("{v1_query:?}"),
            format!("{v4_query:?}"),
            format!("{input:?}"),
        ];
        for text in &shown {
            assert!(!text.contains(TOKEN), "{text}");
            for signature in &signatures {
                assert!(!text.contains(signature.as_str()), "{text}");
            }
            assert!(text.contains(REDACTED), "{text}");
        }
        // The rest stays readable.
        assert!(shown[0].contains("bucket") && shown[6].contains("PUT"));
    }
}
