//! Policy conditions: operators, their operands, and evaluation against a request.

use std::cmp::Ordering;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::wildcard::wildcard_match;
use super::{grammar, PolicyError, RequestContext};

/// One operator applied to one condition key with its values (ORed).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Condition {
    operator: Operator,
    key: String,
    values: Vec<Operand>,
}

/// What an operator compares.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Test {
    StringEquals { ignore_case: bool },
    StringLike,
    Numeric(Compare),
    Date(Compare),
    Bool,
    Ip,
}

/// The comparison of `Numeric*` and `Date*` operators.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Compare {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Compare {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Compare::Eq => ordering == Ordering::Equal,
            Compare::Lt => ordering == Ordering::Less,
            Compare::Le => ordering != Ordering::Greater,
            Compare::Gt => ordering == Ordering::Greater,
            Compare::Ge => ordering != Ordering::Less,
        }
    }
}

/// A condition operator: a test, possibly negated (`StringNotLike`, `NotIpAddress`, …).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Operator {
    test: Test,
    negated: bool,
}

/// A condition value, parsed for its operator.
#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Text(String),
    Number(f64),
    Time(DateTime<Utc>),
    Network { addr: IpAddr, prefix: u8 },
}

/// The operator with this name, if supported.
fn operator(name: &str) -> Option<Operator> {
    let compare = |suffix: &str| match suffix {
        "Equals" => Some((Compare::Eq, false)),
        "NotEquals" => Some((Compare::Eq, true)),
        "LessThan" => Some((Compare::Lt, false)),
        "LessThanEquals" => Some((Compare::Le, false)),
        "GreaterThan" => Some((Compare::Gt, false)),
        "GreaterThanEquals" => Some((Compare::Ge, false)),
        _ => None,
    };
    let op = |test, negated| Some(Operator { test, negated });
    match name {
        "StringEquals" => op(Test::StringEquals { ignore_case: false }, false),
        "StringNotEquals" => op(Test::StringEquals { ignore_case: false }, true),
        "StringEqualsIgnoreCase" => op(Test::StringEquals { ignore_case: true }, false),
        "StringNotEqualsIgnoreCase" => op(Test::StringEquals { ignore_case: true }, true),
        "StringLike" => op(Test::StringLike, false),
        "StringNotLike" => op(Test::StringLike, true),
        "Bool" => op(Test::Bool, false),
        "IpAddress" => op(Test::Ip, false),
        "NotIpAddress" => op(Test::Ip, true),
        _ => {
            if let Some(rest) = name.strip_prefix("Numeric") {
                let (c, negated) = compare(rest)?;
                op(Test::Numeric(c), negated)
            } else {
                let (c, negated) = compare(name.strip_prefix("Date")?)?;
                op(Test::Date(c), negated)
            }
        }
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn parse_network(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
        None => (text.parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some((addr, prefix))
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    let ip = match (ip, network) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        _ => ip,
    };
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

fn operand(test: Test, value: &Value, op_name: &str) -> Result<Operand, PolicyError> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return grammar(format!("{op_name}: condition values must be scalars")),
    };
    let bad = || PolicyError(format!("{op_name}: invalid value '{text}'"));
    Ok(match test {
        Test::Numeric(_) => Operand::Number(text.parse().map_err(|_| bad())?),
        Test::Date(_) => Operand::Time(parse_time(&text).ok_or_else(bad)?),
        Test::Ip => {
            let (addr, prefix) = parse_network(&text).ok_or_else(bad)?;
            Operand::Network { addr, prefix }
        }
        Test::StringEquals { .. } | Test::StringLike | Test::Bool => Operand::Text(text),
    })
}

/// Parses a statement's `Condition` block.
pub(super) fn conditions(value: Option<&Value>) -> Result<Vec<Condition>, PolicyError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Object(by_operator) = value else {
        return grammar("Condition must be an object");
    };
    let mut out = Vec::new();
    for (op_name, keys) in by_operator {
        let operator = operator(op_name)
            .ok_or_else(|| PolicyError(format!("unsupported condition operator '{op_name}'")))?;
        let Value::Object(keys) = keys else {
            return grammar(format!("{op_name} must map condition keys to values"));
        };
        for (key, values) in keys {
            let values = match values {
                Value::Array(items) => items.iter().collect(),
                single => vec![single],
            };
            if values.is_empty() {
                return grammar(format!("{op_name}: {key} has no values"));
            }
            out.push(Condition {
                operator,
                key: key.clone(),
                values: values
                    .into_iter()
                    .map(|v| operand(operator.test, v, op_name))
                    .collect::<Result<_, _>>()?,
            });
        }
    }
    Ok(out)
}

impl Condition {
    /// Whether the request satisfies the condition.
    pub(super) fn holds(&self, ctx: &RequestContext<'_>) -> bool {
        let Some(actual) = ctx.value(&self.key) else {
            return self.operator.negated;
        };
        let any = self
            .values
            .iter()
            .any(|v| operand_matches(self.operator.test, v, &actual));
        any != self.operator.negated
    }
}

fn operand_matches(test: Test, operand: &Operand, actual: &str) -> bool {
    match (test, operand) {
        (Test::StringEquals { ignore_case }, Operand::Text(v)) => {
            if ignore_case {
                v.eq_ignore_ascii_case(actual)
            } else {
                v == actual
            }
        }
        (Test::StringLike, Operand::Text(v)) => wildcard_match(v, actual, false),
        (Test::Bool, Operand::Text(v)) => v.eq_ignore_ascii_case(actual),
        (Test::Numeric(c), Operand::Number(v)) => actual
            .parse::<f64>()
            .ok()
            .and_then(|a| a.partial_cmp(v))
            .is_some_and(|o| c.holds(o)),
        (Test::Date(c), Operand::Time(v)) => parse_time(actual).is_some_and(|a| c.holds(a.cmp(v))),
        (Test::Ip, Operand::Network { addr, prefix }) => actual
            .parse::<IpAddr>()
            .is_ok_and(|ip| in_network(ip, *addr, *prefix)),
        _ => false,
    }
}
