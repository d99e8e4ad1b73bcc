//! RAM authorization of OSS requests, and the ACLs that open objects to anonymous readers.

use super::auth::{self, Principal};
use super::copy_source::CopySource;
use super::error::OssError;
use super::request::OssRequest;
use crate::app::App;
use crate::operation::{Operation, Scope};
use crate::policy::{evaluate_all, Decision, Policy, RequestContext};

/// Decides whether `principal` may perform `operation` on the request's resource: a user's
/// policies must allow it; a session needs its role's policies and its session policy (if any)
/// to allow it. An explicit `Deny` anywhere wins.
fn decide(
    app: &App,
    principal: &Principal<'_>,
    ctx: &RequestContext<'_>,
) -> (Decision, &'static str) {
    match principal {
        Principal::User(user) => (evaluate_all(&user.policies, ctx), "the user's policies"),
        Principal::Session(claims) => {
            let Some(role) = app.directory.role(&claims.role_name) else {
                return (Decision::ImplicitDeny, "the role no longer exists");
            };
            let by_role = evaluate_all(&role.policies, ctx);
            let Some(text) = &claims.policy else {
                return (by_role, "the role's policy");
            };
            match Policy::parse(text) {
                Ok(session) => {
                    let by_session = session.evaluate(ctx);
                    let which = if by_role != Decision::Allow {
                        "the role's policy"
                    } else {
                        "the session policy"
                    };
                    (by_role.intersect(by_session), which)
                }
                Err(_) => (Decision::ImplicitDeny, "the session policy"),
            }
        }
    }
}

/// Refuses with `AccessDenied` unless RAM allows `action` on `resource`.
pub(crate) fn authorize(
    app: &App,
    principal: &Principal<'_>,
    action: &'static str,
    resource: &str,
    req: &OssRequest,
) -> Result<(), OssError> {
    let ctx = RequestContext {
        action,
        resource,
        source_ip: req.peer,
        current_time: app.clock.now(),
        secure_transport: false,
        prefix: req.query_value("prefix"),
    };
    let (decision, by) = decide(app, principal, &ctx);
    if decision == Decision::Allow {
        return Ok(());
    }
    let how = if decision == Decision::ExplicitDeny {
        "explicitly denied"
    } else {
        "not allowed"
    };
    Err(OssError::access_denied(format!(
        "You have no right to access this object because of RAM policy: {action} on {resource} is {how} by {by}."
    ))
    .with("Action", action)
    .with("Resource", resource.to_owned()))
}

/// Checks the operation's action on its resource and, for a copy, `oss:GetObject` on the
/// source object. An operation on several keys is checked key by key by its handler.
pub(crate) fn authorize_operation(
    app: &App,
    principal: &Principal<'_>,
    operation: Operation,
    req: &OssRequest,
) -> Result<(), OssError> {
    let resource = match operation.scope() {
        Scope::Service => format!("acs:oss:*:{}:*", app.directory.account_id),
        Scope::Bucket => app.directory.oss_resource(req.bucket(), None),
        Scope::Object => app.directory.oss_resource(req.bucket(), req.key.as_deref()),
        Scope::Keys => return Ok(()),
    };
    authorize(app, principal, operation.action(), &resource, req)?;
    if operation.copies() {
        let source = CopySource::parse(req)?;
        let resource = app
            .directory
            .oss_resource(&source.bucket, Some(&source.key));
        authorize(app, principal, "oss:GetObject", &resource, req)?;
    }
    Ok(())
}

/// Whether an ACL lets anyone read.
pub(crate) fn is_public_read(acl: &str) -> bool {
    matches!(acl, "public-read" | "public-read-write")
}

/// Lets an anonymous request through when it reads an object whose ACL (or, for `default`,
/// its bucket's) is public-read or public-read-write; refuses it otherwise.
pub(crate) async fn permit_anonymous(
    app: &App,
    operation: Operation,
    req: &OssRequest,
) -> Result<(), OssError> {
    let reads = matches!(
        operation,
        Operation::GetObject | Operation::HeadObject | Operation::GetObjectMeta
    );
    let bucket = req.bucket();
    let bucket_acl = app
        .storage
        .bucket(bucket)
        .map(|b| b.acl)
        .unwrap_or_default();
    let object_acl = match (&req.key, reads) {
        (Some(key), true) => app
            .storage
            .object_meta(bucket, key)
            .await
            .ok()
            .and_then(|meta| meta.attributes.acl),
        _ => None,
    };
    let acl = object_acl.unwrap_or(bucket_acl);
    if reads && is_public_read(&acl) {
        Ok(())
    } else {
        Err(auth::anonymous_refused())
    }
}
