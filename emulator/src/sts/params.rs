//! The parameters of an STS call: query string and form body.

use crate::http_util::parse_query;

/// Decoded parameters, query first, then the form body.
#[derive(Debug, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Reads the query (form-encoded: `+` is a space) and, for
    /// `application/x-www-form-urlencoded` bodies, the body.
    pub(crate) fn read(raw_query: &str, content_type: Option<&str>, body: &[u8]) -> Self {
        let mut pairs: Vec<(String, String)> = parse_query(raw_query, true)
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect();
        let is_form = content_type.is_some_and(|t| {
            t.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
        if is_form {
            let text = String::from_utf8_lossy(body);
            pairs.extend(
                parse_query(&text, true)
                    .into_iter()
                    .map(|(k, v)| (k, v.unwrap_or_default())),
            );
        }
        Self { pairs }
    }

    /// The first value of a parameter.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter that must be there and not empty.
    pub(crate) fn require(&self, name: &str) -> Result<&str, super::error::StsError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| super::error::StsError::missing(name))
    }

    /// Every parameter.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form() {
        let p = Params::read(
            "Action=AssumeRole&RoleSessionName=my+session",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"DurationSeconds=900&Policy=%7B%7D",
        );
        assert_eq!(p.get("RoleSessionName"), Some("my session"));
        assert_eq!(p.get("Policy"), Some("{}"));
        assert_eq!(p.pairs().len(), 4);
        let p = Params::read("", Some("text/plain"), b"Action=x");
        assert_eq!(p.get("Action"), None);
    }
}
