//! Authentication of OSS requests: signature V1/V4 in headers or presigned URLs, clock window,
//! RAM user keys and STS tokens.

pub(crate) mod presented;
mod principal;
mod signature;
mod timing;

pub(crate) use principal::Principal;

use super::error::OssError;
use super::request::OssRequest;
use crate::app::App;

/// The refusal of an anonymous request the ACLs do not open.
pub(crate) fn anonymous_refused() -> OssError {
    OssError::access_denied(
        "You have no right to access this object because of bucket acl: anonymous access is refused, sign the request.",
    )
}

/// Verifies who sent the request: `None` for an anonymous one (no signature at all), which
/// only public-read ACLs let through.
pub(crate) fn authenticate<'a>(
    app: &'a App,
    req: &OssRequest,
) -> Result<Option<Principal<'a>>, OssError> {
    let Some(presented) = presented::presented(req)? else {
        return Ok(None);
    };
    signature::check_content_sha256(&presented, req)?;
    timing::check(&presented, req, app.clock.now())?;
    let (principal, secret) = principal::resolve(app, req, presented.access_key_id())?;
    signature::verify(
        &presented,
        req,
        &secret,
        &app.directory.region,
        app.lenient_v1_oss_query,
    )?;
    Ok(Some(principal))
}
