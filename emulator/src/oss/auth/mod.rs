//! Authentication of OSS requests: signature V1/V4 in headers or presigned URLs, clock window,
//! RAM user keys and STS tokens.

mod presented;
mod principal;
mod signature;
mod timing;

pub(crate) use principal::Principal;

use super::error::OssError;
use super::request::OssRequest;
use crate::app::App;

/// Verifies who sent the request. Anonymous requests are refused: emulated buckets are private.
pub(crate) fn authenticate<'a>(app: &'a App, req: &OssRequest) -> Result<Principal<'a>, OssError> {
    let presented = presented::presented(req)?.ok_or_else(|| {
        OssError::access_denied(
            "You have no right to access this object because of bucket acl: anonymous access is refused, sign the request.",
        )
    })?;
    timing::check(&presented, req, app.clock.now())?;
    let (principal, secret) = principal::resolve(app, req, presented.access_key_id())?;
    signature::verify(&presented, req, &secret, &app.directory.region)?;
    Ok(principal)
}
