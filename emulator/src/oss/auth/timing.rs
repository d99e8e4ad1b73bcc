//! Time checks: the ±15 minute window of signed requests and the expiry of presigned URLs.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

use super::super::error::OssError;
use super::super::request::OssRequest;
use super::presented::Presented;

/// How far a request's time may be from the server's.
pub(crate) const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// Parses `20261124T004432Z`.
pub(crate) fn parse_iso8601_basic(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn too_skewed(request_time: DateTime<Utc>, now: DateTime<Utc>) -> OssError {
    OssError::new(
        StatusCode::FORBIDDEN,
        "RequestTimeTooSkewed",
        format!(
            "The difference between the request time and the current time is too large. Server time: {}.",
            iso(now)
        ),
    )
    .with("RequestTime", iso(request_time))
    .with("ServerTime", iso(now))
    .with("MaxAllowedSkewMilliseconds", (MAX_SKEW_SECONDS * 1000).to_string())
}

fn expired(expires: DateTime<Utc>, now: DateTime<Utc>) -> OssError {
    OssError::access_denied("Request has expired.")
        .with("Expires", iso(expires))
        .with("ServerTime", iso(now))
}

fn within_window(request_time: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), OssError> {
    if (request_time - now).num_seconds().abs() > MAX_SKEW_SECONDS {
        return Err(too_skewed(request_time, now));
    }
    Ok(())
}

fn unparsable(what: &str, value: &str) -> OssError {
    OssError::access_denied(format!("Invalid {what}: '{value}'.")).with(
        "Hint",
        "Date must be an RFC 1123 date (Tue, 24 Nov 2026 00:44:32 GMT); x-oss-date may also be 20261124T004432Z.",
    )
}

/// Checks the request's time against `now`.
pub(crate) fn check(
    presented: &Presented,
    req: &OssRequest,
    now: DateTime<Utc>,
) -> Result<(), OssError> {
    match presented {
        Presented::V1Header { .. } => {
            let (name, value) = match (req.header("x-oss-date"), req.header("date")) {
                (Some(v), _) => ("x-oss-date", v),
                (None, Some(v)) => ("Date", v),
                (None, None) => return Err(OssError::access_denied(
                    "The request lacks a Date (or x-oss-date) header, which the signature covers.",
                )),
            };
            let time = crate::http_util::parse_http_date(value)
                .or_else(|| parse_iso8601_basic(value))
                .ok_or_else(|| unparsable(name, value))?;
            within_window(time, now)
        }
        Presented::V4Header { .. } => {
            let value = req.header("x-oss-date").ok_or_else(|| {
                OssError::access_denied("V4 requests need an x-oss-date header (yyyymmddTHHMMSSZ).")
            })?;
            let time = parse_iso8601_basic(value).ok_or_else(|| unparsable("x-oss-date", value))?;
            within_window(time, now)
        }
        Presented::V1Query { expires, .. } => {
            let at = expires
                .parse::<i64>()
                .ok()
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .ok_or_else(|| {
                    OssError::invalid_argument("Expires must be Unix seconds.", "Expires", expires)
                })?;
            if now > at {
                return Err(expired(at, now));
            }
            Ok(())
        }
        Presented::V4Query {
            datetime, expires, ..
        } => {
            let signed =
                parse_iso8601_basic(datetime).ok_or_else(|| unparsable("x-oss-date", datetime))?;
            let seconds = expires
                .parse::<u64>()
                .ok()
                .filter(|s| *s <= ossdirect::sign::V4_MAX_PRESIGN_SECONDS)
                .ok_or_else(|| {
                    OssError::invalid_argument(
                        "x-oss-expires must be between 0 and 604800 seconds.",
                        "x-oss-expires",
                        expires,
                    )
                })?;
            if (signed - now).num_seconds() > MAX_SKEW_SECONDS {
                return Err(too_skewed(signed, now));
            }
            let at = signed + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
            if now > at {
                return Err(expired(at, now));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window() {
        let now = parse_iso8601_basic("20261124T004432Z").unwrap();
        assert!(within_window(now + chrono::Duration::seconds(899), now).is_ok());
        let e = within_window(now - chrono::Duration::seconds(901), now).unwrap_err();
        assert_eq!(e.code, "RequestTimeTooSkewed");
        assert!(e.message.contains("2026-11-24T00:44:32Z"));
    }
}
