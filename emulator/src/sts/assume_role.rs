//! AssumeRole: parameter checks, trust and permission, minting the session credentials.

use std::net::IpAddr;

use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::error::StsError;
use super::params::Params;
use crate::app::App;
use crate::identity::{Role, SessionClaims, User};
use crate::ids;
use crate::policy::{evaluate_all, Decision, Policy, RequestContext};

/// The longest session policy accepted.
const MAX_POLICY_CHARS: usize = 2048;
/// `DurationSeconds` when none is given.
const DEFAULT_DURATION: u64 = 3600;

fn invalid(parameter: &str, message: impl Into<String>) -> StsError {
    StsError::bad_request(&format!("InvalidParameter.{parameter}"), message)
}

/// `acs:ram::<account>:role/<name>` → (account, name).
fn parse_role_arn(arn: &str) -> Result<(&str, &str), StsError> {
    let malformed = || {
        invalid("RoleArn", format!("The parameter RoleArn is wrongly formed: '{arn}' (expected acs:ram::<account>:role/<name>)."))
    };
    let rest = arn.strip_prefix("acs:ram::").ok_or_else(malformed)?;
    let (account, name) = rest.split_once(":role/").ok_or_else(malformed)?;
    if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return Err(malformed());
    }
    Ok((account, name))
}

fn check_session_name(name: &str) -> Result<(), StsError> {
    let ok = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "RoleSessionName",
            format!("The parameter RoleSessionName is wrongly formed: '{name}' (2-64 characters of A-Z a-z 0-9 . @ - _)."),
        ))
    }
}

fn session_policy(params: &Params) -> Result<Option<String>, StsError> {
    let Some(text) = params.get("Policy").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_POLICY_CHARS {
        return Err(invalid(
            "PolicySize",
            format!("The size of Policy must be smaller than {MAX_POLICY_CHARS} characters."),
        ));
    }
    Policy::parse(text).map_err(|e| {
        invalid(
            "PolicyGrammar",
            format!("The policy grammar is invalid: {e}."),
        )
    })?;
    Ok(Some(text.to_owned()))
}

fn duration(params: &Params, app: &App, role: &Role) -> Result<u64, StsError> {
    let min = app.sts_min_duration;
    let max = role.max_session_duration;
    let out_of_range = || {
        invalid(
            "DurationSeconds",
            format!("The Min/Max value of DurationSeconds is {min}/{max} seconds."),
        )
    };
    let value = match params.get("DurationSeconds").filter(|v| !v.is_empty()) {
        Some(text) => text.parse::<u64>().map_err(|_| out_of_range())?,
        None => DEFAULT_DURATION.min(max),
    };
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(out_of_range())
    }
}

/// Whether `caller` may assume `role`: the role must trust the caller and the caller's
/// policies must allow `sts:AssumeRole` on the role.
fn permitted(app: &App, caller: &User, role: &Role, source_ip: IpAddr) -> bool {
    let ctx = RequestContext {
        action: "sts:AssumeRole",
        resource: &role.arn,
        source_ip,
        current_time: app.clock.now(),
        secure_transport: false,
        prefix: None,
    };
    role.trusts(caller) && evaluate_all(&caller.policies, &ctx) == Decision::Allow
}

fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Performs AssumeRole for `caller`; returns the success document.
pub(crate) fn assume_role(
    app: &App,
    caller: &User,
    params: &Params,
    source_ip: IpAddr,
    request_id: &str,
) -> Result<Value, StsError> {
    let arn = params.require("RoleArn")?;
    let session_name = params.require("RoleSessionName")?;
    let (account, role_name) = parse_role_arn(arn)?;
    check_session_name(session_name)?;
    let policy = session_policy(params)?;
    let role = app
        .directory
        .role(role_name)
        .filter(|_| account == app.directory.account_id)
        .ok_or_else(|| {
            StsError::new(
                StatusCode::NOT_FOUND,
                "EntityNotExist.Role",
                format!("The role not exists: {arn}."),
            )
        })?;
    if !permitted(app, caller, role, source_ip) {
        return Err(StsError::new(
            StatusCode::FORBIDDEN,
            "NoPermission",
            format!(
                "You are not authorized to do this action. You should be authorized by RAM: user '{}' may not assume {}.",
                caller.name, role.arn
            ),
        ));
    }
    let asked = duration(params, app, role)?;
    let seconds = app.sts_max_lifetime.map_or(asked, |cap| asked.min(cap));
    let expiration =
        app.clock.now() + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX));
    let access_key_id = ids::sts_access_key_id();
    let claims = SessionClaims {
        access_key_id: access_key_id.clone(),
        expiration: expiration.timestamp(),
        role_arn: role.arn.clone(),
        role_name: role.name.clone(),
        session_name: session_name.to_owned(),
        policy,
    };
    let token = app.directory.token_key.mint(&claims);
    Ok(json!({
        "RequestId": request_id,
        "AssumedRoleUser": {
            "Arn": format!("acs:ram::{}:assumed-role/{}/{session_name}", app.directory.account_id, role.name),
            "AssumedRoleId": format!("{}:{session_name}", role.role_id),
        },
        "Credentials": {
            "AccessKeyId": access_key_id,
            "AccessKeySecret": app.directory.token_key.session_secret(&access_key_id),
            "SecurityToken": token,
            "Expiration": iso(expiration),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("acs:ram::123:role/dev").unwrap(),
            ("123", "dev")
        );
        for bad in [
            "acs:ram::abc:role/x",
            "acs:ram::1:user/x",
            "arn:aws:iam::1:role/x",
            "acs:ram::1:role/",
        ] {
            assert_eq!(
                parse_role_arn(bad).unwrap_err().code,
                "InvalidParameter.RoleArn",
                "{bad}"
            );
        }
    }

    #[test]
    fn session_names() {
        assert!(check_session_name("my.session@x_y-1").is_ok());
        assert!(check_session_name("a").is_err());
        assert!(check_session_name("has space").is_err());
        assert!(check_session_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn policies() {
        let params = Params::read(&format!("Policy={}", "x".repeat(2049)), None, b"");
        assert_eq!(
            session_policy(&params).unwrap_err().code,
            "InvalidParameter.PolicySize"
        );
        let params = Params::read("Policy=%7B%7D", None, b"");
        assert_eq!(
            session_policy(&params).unwrap_err().code,
            "InvalidParameter.PolicyGrammar"
        );
        assert_eq!(session_policy(&Params::default()).unwrap(), None);
    }
}
