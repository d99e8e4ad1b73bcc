//! Who signed: a RAM user, or an STS session proven by its security token.

use axum::http::StatusCode;

use super::super::error::OssError;
use super::super::request::OssRequest;
use crate::app::App;
use crate::identity::{SessionClaims, TokenError, User};

/// The identity behind a verified request.
#[derive(Debug)]
pub(crate) enum Principal<'a> {
    /// A RAM user's AccessKey.
    User(&'a User),
    /// STS credentials of an assumed role.
    Session(SessionClaims),
}

/// The security token, wherever the SDKs put it: `x-oss-security-token` or `security-token`
/// (the Python V2 SDK's unsigned V1 header), in headers or the query.
fn security_token(req: &OssRequest) -> Option<&str> {
    req.header("x-oss-security-token")
        .or_else(|| req.header("security-token"))
        .or_else(|| req.query_value("security-token"))
        .or_else(|| req.query_value("x-oss-security-token"))
        .filter(|t| !t.is_empty())
}

fn forbidden(code: &str, message: impl Into<String>) -> OssError {
    OssError::new(StatusCode::FORBIDDEN, code, message)
}

fn unknown_key(access_key_id: &str, hint: Option<&str>) -> OssError {
    let mut message =
        "The OSS Access Key Id you provided does not exist in our records.".to_owned();
    if let Some(hint) = hint {
        message.push(' ');
        message.push_str(hint);
    }
    forbidden("InvalidAccessKeyId", message).with("OSSAccessKeyId", access_key_id)
}

/// Finds the identity and secret behind `access_key_id` (checking the token of STS keys).
pub(crate) fn resolve<'a>(
    app: &'a App,
    req: &OssRequest,
    access_key_id: &str,
) -> Result<(Principal<'a>, String), OssError> {
    if !access_key_id.starts_with("STS.") {
        let user = app
            .directory
            .user_by_access_key(access_key_id)
            .ok_or_else(|| unknown_key(access_key_id, None))?;
        return Ok((Principal::User(user), user.access_key_secret.clone()));
    }
    let token = security_token(req).ok_or_else(|| {
        unknown_key(
            access_key_id,
            Some("STS AccessKeyIds need their security token (x-oss-security-token)."),
        )
    })?;
    let claims = app.directory.token_key.open(token).map_err(|e| {
        let why = match e {
            TokenError::Malformed => "it is not a token this server issued",
            TokenError::BadSignature => "it has been altered or was issued by another server",
        };
        forbidden(
            "InvalidSecurityToken",
            format!("The security token you provided is invalid: {why}."),
        )
    })?;
    if claims.access_key_id != access_key_id {
        return Err(forbidden(
            "AccessKeyIdAndSecurityTokenNotMatch",
            "The AccessKeyId does not match the security token.",
        )
        .with("OSSAccessKeyId", access_key_id));
    }
    let now = app.clock.now().timestamp();
    if now >= claims.expiration {
        let expired_at = chrono::DateTime::from_timestamp(claims.expiration, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        return Err(forbidden(
            "SecurityTokenExpired",
            format!("The security token you provided has expired (at {expired_at})."),
        ));
    }
    let secret = app.directory.token_key.session_secret(access_key_id);
    Ok((Principal::Session(claims), secret))
}
