//! Parsing of the CLI's own argument forms: `oss://bucket/key`, `K=V` queries, `Name: value` headers.

use ossdirect::sign::QueryParam;

/// A parsed `oss://BUCKET[/KEY]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OssUrl {
    /// The bucket.
    pub bucket: String,
    /// The key, raw (everything after the bucket's slash); `None` for the bucket itself.
    pub key: Option<String>,
}

/// Parses `oss://BUCKET/KEY`; `oss://B` and `oss://B/` both mean the bucket itself.
pub fn parse_oss_url(s: &str) -> Result<OssUrl, String> {
    let rest = s
        .strip_prefix("oss://")
        .ok_or_else(|| format!("expected oss://BUCKET/KEY, got {s:?}"))?;
    let (bucket, key) = match rest.split_once('/') {
        Some((b, k)) => (b, Some(k).filter(|k| !k.is_empty())),
        None => (rest, None),
    };
    if bucket.is_empty() {
        return Err(format!("no bucket in {s:?}"));
    }
    Ok(OssUrl {
        bucket: bucket.to_owned(),
        key: key.map(str::to_owned),
    })
}

/// `K=V` (split at the first `=`), `K=` (empty value) or `K` (valueless).
pub fn parse_query(s: &str) -> Result<QueryParam, String> {
    Ok(match s.split_once('=') {
        Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
        None => (s.to_owned(), None),
    })
}

/// `Name: value` (split at the first `:`, value trimmed).
pub fn parse_header(s: &str) -> Result<(String, String), String> {
    let (name, value) = s
        .split_once(':')
        .ok_or_else(|| format!("expected 'Name: value', got {s:?}"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("empty header name in {s:?}"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// A byte count: `1048576`, `8MiB`, `1.5GiB`, `100KB` (KB/MB/GB are powers of 1000).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        other => return Err(format!("unknown size unit {other:?} in {s:?}")),
    };
    let value: f64 = number.parse().map_err(|_| format!("not a size: {s:?}"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("not a size: {s:?}"));
    }
    Ok((value * factor as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_size("8MiB").unwrap(), 8 << 20);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("100KB").unwrap(), 100_000);
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("-1").is_err());
    }

    #[test]
    fn oss_urls() {
        let u = parse_oss_url("oss://b/dir/a b?#%中").unwrap();
        assert_eq!(
            (u.bucket.as_str(), u.key.as_deref()),
            ("b", Some("dir/a b?#%中"))
        );
        assert_eq!(parse_oss_url("oss://b").unwrap().key, None);
        assert_eq!(parse_oss_url("oss://b/").unwrap().key, None);
        assert!(parse_oss_url("s3://b/k").is_err());
        assert!(parse_oss_url("oss:///k").is_err());
    }

    #[test]
    fn queries_and_headers() {
        assert_eq!(
            parse_query("a=b=c").unwrap(),
            ("a".into(), Some("b=c".into()))
        );
        assert_eq!(parse_query("uploads").unwrap(), ("uploads".into(), None));
        assert_eq!(
            parse_query("uploads=").unwrap(),
            ("uploads".into(), Some(String::new()))
        );
        assert_eq!(
            parse_header("X-Oss-Meta-A: b: c").unwrap(),
            ("X-Oss-Meta-A".into(), "b: c".into())
        );
        assert!(parse_header("nocolon").is_err());
    }
}
