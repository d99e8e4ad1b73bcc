//! RAM policies: parsing and evaluation.
//!
//! A policy is `{"Version":"1","Statement":[{"Effect","Action"|"NotAction",
//! "Resource"|"NotResource","Condition"}]}`. `*` and `?` are wildcards in actions (matched
//! case-insensitively) and resources. A statement applies when its action, resource and every
//! condition match; an applying `Deny` beats any `Allow`, and no applying `Allow` denies.
//!
//! Conditions: `{"Operator": {"key": value-or-values}}`. Values of one key are ORed, keys and
//! operators are ANDed. Supported operators: `StringEquals`, `StringNotEquals`,
//! `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`, `StringLike`, `StringNotLike`,
//! `Numeric{Equals,NotEquals,LessThan,LessThanEquals,GreaterThan,GreaterThanEquals}`,
//! `Date{Equals,NotEquals,LessThan,LessThanEquals,GreaterThan,GreaterThanEquals}`, `Bool`,
//! `IpAddress`, `NotIpAddress`. Keys: `acs:SourceIp`, `acs:CurrentTime`,
//! `acs:SecureTransport`, `oss:Prefix` (case-insensitive). A key the request does not have
//! fails a positive operator and satisfies a negated one (`...Not...`).

mod condition;
mod wildcard;

use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use condition::{conditions, Condition};
use wildcard::wildcard_match;

/// A policy document that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct PolicyError(String);

fn grammar<T>(message: impl Into<String>) -> Result<T, PolicyError> {
    Err(PolicyError(message.into()))
}

/// The outcome of evaluating policies for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// An `Allow` statement applies and no `Deny` does.
    Allow,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// No statement applies.
    ImplicitDeny,
}

impl Decision {
    /// Both sets of policies must allow (a role's policies and a session policy); a deny in
    /// either wins.
    pub(crate) fn intersect(self, other: Decision) -> Decision {
        match (self, other) {
            (Decision::ExplicitDeny, _) | (_, Decision::ExplicitDeny) => Decision::ExplicitDeny,
            (Decision::Allow, Decision::Allow) => Decision::Allow,
            _ => Decision::ImplicitDeny,
        }
    }
}

/// What a request looks like to a policy.
#[derive(Clone, Debug)]
pub(crate) struct RequestContext<'a> {
    /// The RAM action, e.g. `oss:PutObject`.
    pub(crate) action: &'a str,
    /// The resource ARN, e.g. `acs:oss:cn-hangzhou:123:bucket/key`.
    pub(crate) resource: &'a str,
    /// The client's IP address.
    pub(crate) source_ip: IpAddr,
    /// The emulator's current time.
    pub(crate) current_time: DateTime<Utc>,
    /// Whether the request came over TLS (never, for the emulator).
    pub(crate) secure_transport: bool,
    /// The `prefix` parameter of a listing, if any.
    pub(crate) prefix: Option<&'a str>,
}

impl RequestContext<'_> {
    /// The value of a condition key, if the request has it.
    fn value(&self, key: &str) -> Option<String> {
        match key.to_ascii_lowercase().as_str() {
            "acs:sourceip" => Some(self.source_ip.to_string()),
            "acs:currenttime" => Some(self.current_time.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "acs:securetransport" => Some(self.secure_transport.to_string()),
            "oss:prefix" => self.prefix.map(str::to_owned),
            _ => None,
        }
    }
}

/// A parsed policy document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Policy {
    statements: Vec<Statement>,
}

#[derive(Clone, Debug, PartialEq)]
struct Statement {
    allow: bool,
    actions: Patterns,
    resources: Patterns,
    conditions: Vec<Condition>,
}

/// `Action`/`Resource` (`negated: false`) or `NotAction`/`NotResource`.
#[derive(Clone, Debug, PartialEq)]
struct Patterns {
    patterns: Vec<String>,
    negated: bool,
}

impl Patterns {
    fn matches(&self, text: &str, ignore_case: bool) -> bool {
        let any = self
            .patterns
            .iter()
            .any(|p| wildcard_match(p, text, ignore_case));
        any != self.negated
    }
}

fn strings(value: &Value, field: &str) -> Result<Vec<String>, PolicyError> {
    let list = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                _ => grammar(format!("{field} must hold strings")),
            })
            .collect::<Result<_, _>>()?,
        _ => return grammar(format!("{field} must be a string or a list of strings")),
    };
    if list.is_empty() {
        return grammar(format!("{field} must not be empty"));
    }
    Ok(list)
}

fn patterns(
    statement: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Patterns, PolicyError> {
    let not_name = format!("Not{name}");
    match (statement.get(name), statement.get(&not_name)) {
        (Some(v), None) => Ok(Patterns {
            patterns: strings(v, name)?,
            negated: false,
        }),
        (None, Some(v)) => Ok(Patterns {
            patterns: strings(v, &not_name)?,
            negated: true,
        }),
        (Some(_), Some(_)) => grammar(format!("a statement has both {name} and {not_name}")),
        (None, None) => grammar(format!("a statement needs {name} or {not_name}")),
    }
}

fn statement(value: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(s) = value else {
        return grammar("each Statement must be an object");
    };
    let allow = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => true,
        Some("Deny") => false,
        _ => return grammar("Effect must be \"Allow\" or \"Deny\""),
    };
    Ok(Statement {
        allow,
        actions: patterns(s, "Action")?,
        resources: patterns(s, "Resource")?,
        conditions: conditions(s.get("Condition"))?,
    })
}

impl Policy {
    /// Parses a policy document (JSON text).
    pub(crate) fn parse(text: &str) -> Result<Policy, PolicyError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PolicyError(format!("the policy is not valid JSON: {e}")))?;
        Self::from_value(&value)
    }

    /// Parses a policy document given as JSON.
    pub(crate) fn from_value(value: &Value) -> Result<Policy, PolicyError> {
        let Value::Object(doc) = value else {
            return grammar("a policy must be a JSON object");
        };
        if doc.get("Version").and_then(Value::as_str) != Some("1") {
            return grammar("Version must be \"1\"");
        }
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().map(statement).collect::<Result<_, _>>()?,
            Some(single @ Value::Object(_)) => vec![statement(single)?],
            _ => return grammar("Statement must be a list of statements"),
        };
        Ok(Policy { statements })
    }

    /// Evaluates this policy alone.
    pub(crate) fn evaluate(&self, ctx: &RequestContext<'_>) -> Decision {
        evaluate_all([self], ctx)
    }
}

impl Statement {
    fn applies(&self, ctx: &RequestContext<'_>) -> bool {
        self.actions.matches(ctx.action, true)
            && self.resources.matches(ctx.resource, false)
            && self.conditions.iter().all(|c| c.holds(ctx))
    }
}

/// Evaluates a set of policies together (as a user's attached policies are).
pub(crate) fn evaluate_all<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    ctx: &RequestContext<'_>,
) -> Decision {
    let mut decision = Decision::ImplicitDeny;
    for statement in policies.into_iter().flat_map(|p| &p.statements) {
        if statement.applies(ctx) {
            if !statement.allow {
                return Decision::ExplicitDeny;
            }
            decision = Decision::Allow;
        }
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn ctx<'a>(action: &'a str, resource: &'a str) -> RequestContext<'a> {
        RequestContext {
            action,
            resource,
            source_ip: "10.1.2.3".parse().unwrap(),
            current_time: at("2030-01-01T00:00:00Z"),
            secure_transport: false,
            prefix: None,
        }
    }

    fn policy(statements: &str) -> Policy {
        Policy::parse(&format!(r#"{{"Version":"1","Statement":[{statements}]}}"#)).unwrap()
    }

    #[test]
    fn allow_deny_and_default() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:bkt/*"},
               {"Effect":"Deny","Action":["oss:DeleteObject"],"Resource":"acs:oss:*:*:bkt/keep/*"}"#,
        );
        assert_eq!(
            p.evaluate(&ctx("oss:PutObject", "acs:oss:r:1:bkt/x")),
            Decision::Allow
        );
        assert_eq!(
            p.evaluate(&ctx("oss:DeleteObject", "acs:oss:r:1:bkt/keep/x")),
            Decision::ExplicitDeny
        );
        assert_eq!(
            p.evaluate(&ctx("oss:PutObject", "acs:oss:r:1:other/x")),
            Decision::ImplicitDeny
        );
        assert_eq!(
            p.evaluate(&ctx("sts:AssumeRole", "acs:oss:r:1:bkt/x")),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_action_and_not_resource() {
        let p = policy(
            r#"{"Effect":"Allow","NotAction":"oss:DeleteObject","NotResource":"acs:oss:*:*:secret/*"}"#,
        );
        assert_eq!(
            p.evaluate(&ctx("oss:GetObject", "acs:oss:r:1:b/k")),
            Decision::Allow
        );
        assert_eq!(
            p.evaluate(&ctx("oss:DeleteObject", "acs:oss:r:1:b/k")),
            Decision::ImplicitDeny
        );
        assert_eq!(
            p.evaluate(&ctx("oss:GetObject", "acs:oss:r:1:secret/k")),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn conditions_and_or() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
                "IpAddress":{"acs:SourceIp":["192.168.0.0/16","10.0.0.0/8"]},
                "DateLessThan":{"acs:CurrentTime":"2031-01-01T00:00:00+08:00"},
                "Bool":{"acs:SecureTransport":false}}}"#,
        );
        let mut c = ctx("oss:GetObject", "acs:oss:r:1:b/k");
        assert_eq!(p.evaluate(&c), Decision::Allow);
        c.source_ip = "172.16.0.1".parse().unwrap();
        assert_eq!(p.evaluate(&c), Decision::ImplicitDeny);
        c.source_ip = "10.0.0.1".parse().unwrap();
        c.current_time = at("2032-01-01T00:00:00Z");
        assert_eq!(p.evaluate(&c), Decision::ImplicitDeny);
    }

    #[test]
    fn string_conditions_and_missing_keys() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"oss:Prefix":"photos/*"}}}"#,
        );
        let mut c = ctx("oss:ListMultipartUploads", "acs:oss:r:1:b");
        assert_eq!(p.evaluate(&c), Decision::ImplicitDeny, "missing key fails");
        c.prefix = Some("photos/2024");
        assert_eq!(p.evaluate(&c), Decision::Allow);
        let deny = policy(
            r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"oss:Prefix":"a"}}}"#,
        );
        c.prefix = None;
        assert_eq!(
            deny.evaluate(&c),
            Decision::ExplicitDeny,
            "missing key satisfies Not"
        );
        let ip = policy(
            r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":"127.0.0.1"}}}"#,
        );
        assert_eq!(ip.evaluate(&c), Decision::ExplicitDeny);
        c.source_ip = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(ip.evaluate(&c), Decision::ImplicitDeny);
    }

    #[test]
    fn numeric_and_case_insensitive_strings() {
        let p = policy(
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
                "StringEqualsIgnoreCase":{"acs:SecureTransport":"FALSE"},
                "NumericLessThan":{"oss:Prefix":10}}}"#,
        );
        let mut c = ctx("a", "r");
        c.prefix = Some("9.5");
        assert_eq!(p.evaluate(&c), Decision::Allow);
        c.prefix = Some("11");
        assert_eq!(p.evaluate(&c), Decision::ImplicitDeny);
    }

    #[test]
    fn grammar_errors() {
        for bad in [
            "not json",
            "[]",
            r#"{"Version":"2","Statement":[]}"#,
            r#"{"Version":"1"}"#,
            r#"{"Version":"1","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#,
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}"#,
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Foo":{"a":"b"}}}]}"#,
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"nope"}}}]}"#,
            r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"acs:CurrentTime":"soon"}}}]}"#,
        ] {
            assert!(Policy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn intersection() {
        use Decision::*;
        assert_eq!(Allow.intersect(Allow), Allow);
        assert_eq!(Allow.intersect(ImplicitDeny), ImplicitDeny);
        assert_eq!(ImplicitDeny.intersect(ExplicitDeny), ExplicitDeny);
    }
}
