//! RAM authorization of OSS requests.

use super::auth::Principal;
use super::error::OssError;
use super::request::OssRequest;
use crate::app::App;
use crate::operation::Operation;
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

/// Refuses the request with `AccessDenied` unless RAM allows it.
pub(crate) fn authorize(
    app: &App,
    principal: &Principal<'_>,
    operation: Operation,
    req: &OssRequest,
) -> Result<(), OssError> {
    let resource = if operation.is_service_level() {
        format!("acs:oss:*:{}:*", app.directory.account_id)
    } else if operation.is_bucket_level() {
        app.directory.oss_resource(req.bucket(), None)
    } else {
        app.directory.oss_resource(req.bucket(), req.key.as_deref())
    };
    let ctx = RequestContext {
        action: operation.action(),
        resource: &resource,
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
        "You have no right to access this object because of RAM policy: {} on {resource} is {how} by {by}.",
        operation.action()
    ))
    .with("Action", operation.action())
    .with("Resource", resource.clone()))
}
