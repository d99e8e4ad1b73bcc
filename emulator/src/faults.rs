//! Fault injection: rules that make chosen requests fail on purpose (a test control).
//!
//! A rule is written `op=UploadPart,kind=reset,nth=3` (the CLI and the control endpoint use this
//! syntax): see [`FaultRule`]'s `FromStr` for every field.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::operation::Operation;

/// What an injected fault does to a request.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Reads half of the request body (all of it if its length is not declared), then drops
    /// the connection without answering. The operation is not performed.
    Reset,
    /// Performs the operation, sends the headers with the full `Content-Length`, then only the
    /// first half of the body, and closes the connection. For an answer without a body the
    /// connection is closed before the headers (the operation has still happened: a lost
    /// response).
    Truncate,
    /// Flips one bit in the first byte of the request body (before the emulator hashes and
    /// stores it) and in the first byte of the response body: bytes damaged in transit. The
    /// checksums the emulator answers with describe the damaged upload and the intact object.
    Corrupt,
    /// Waits this long before handling the request.
    Delay(Duration),
    /// Answers with this HTTP status and error code instead of performing the operation.
    Status {
        /// The HTTP status, e.g. 503.
        status: u16,
        /// The error code in the body, e.g. `ServiceUnavailable`.
        code: String,
    },
}

/// Which requests of the rule's operation a fault hits.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultTrigger {
    /// The N-th matching request after the rule was added (1-based), once.
    Nth(u64),
    /// Every N-th matching request (`Every(1)`: all of them).
    Every(u64),
    /// Each matching request with this probability (0..=1), drawn from a seeded generator so a
    /// run is reproducible.
    Rate(f64),
}

/// A fault rule: which operation, what happens, when, and how often at most.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// The operation name (`UploadPart`, `AssumeRole`, ...) or `*` for all.
    pub operation: String,
    /// What the fault does.
    pub kind: FaultKind,
    /// Which requests it hits.
    pub trigger: FaultTrigger,
    /// The most times it fires (`None`: unlimited; `nth` fires once anyway).
    pub times: Option<u64>,
    /// Seed of the generator for [`FaultTrigger::Rate`].
    pub seed: u64,
}

impl FaultRule {
    /// Whether the rule applies to `operation`.
    fn matches(&self, operation: Operation) -> bool {
        self.operation == "*" || self.operation == operation.name()
    }
}

impl FromStr for FaultRule {
    type Err = String;

    /// Parses `key=value` pairs separated by commas:
    ///
    /// - `op=NAME` — operation name (case-insensitive) or `*` (default `*`);
    /// - `kind=reset|truncate|corrupt|delay|status` — required;
    /// - `ms=N` — the delay of `kind=delay` (required there);
    /// - `status=N`, `code=CODE` — of `kind=status` (`status` required; `code` defaults to a
    ///   name for the status, e.g. `ServiceUnavailable` for 503);
    /// - one trigger: `nth=N`, `every=N` or `rate=P` (default: every request);
    /// - `times=K` — fire at most K times; `seed=S` — seed for `rate` (default 1).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut fields = RuleFields::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("fault rule: '{pair}' is not key=value"))?;
            fields.set(key.trim(), value.trim())?;
        }
        fields.build()
    }
}

/// The raw fields of a rule while it is parsed.
#[derive(Default)]
struct RuleFields {
    op: Option<String>,
    kind: Option<String>,
    ms: Option<u64>,
    status: Option<u16>,
    code: Option<String>,
    trigger: Option<FaultTrigger>,
    times: Option<u64>,
    seed: Option<u64>,
}

fn number<T: FromStr>(key: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("fault rule: {key}={value} is not a valid number"))
}

impl RuleFields {
    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        match key {
            "op" | "operation" => self.op = Some(value.to_owned()),
            "kind" => self.kind = Some(value.to_ascii_lowercase()),
            "ms" => self.ms = Some(number(key, value)?),
            "status" => self.status = Some(number(key, value)?),
            "code" => self.code = Some(value.to_owned()),
            "times" => self.times = Some(number(key, value)?),
            "seed" => self.seed = Some(number(key, value)?),
            "nth" | "every" | "rate" => self.set_trigger(key, value)?,
            other => return Err(format!("fault rule: unknown field '{other}'")),
        }
        Ok(())
    }

    fn set_trigger(&mut self, key: &str, value: &str) -> Result<(), String> {
        if self.trigger.is_some() {
            return Err("fault rule: give only one of nth, every, rate".to_owned());
        }
        let trigger = match key {
            "nth" => FaultTrigger::Nth(number(key, value)?),
            "every" => FaultTrigger::Every(number(key, value)?),
            _ => FaultTrigger::Rate(number(key, value)?),
        };
        match trigger {
            FaultTrigger::Nth(0) | FaultTrigger::Every(0) => {
                return Err(format!("fault rule: {key} must be at least 1"))
            }
            FaultTrigger::Rate(p) if !(0.0..=1.0).contains(&p) => {
                return Err("fault rule: rate must be between 0 and 1".to_owned())
            }
            _ => {}
        }
        self.trigger = Some(trigger);
        Ok(())
    }

    fn operation(&self) -> Result<String, String> {
        match self.op.as_deref() {
            None | Some("*") => Ok("*".to_owned()),
            Some(name) => Operation::from_name(name)
                .map(|op| op.name().to_owned())
                .ok_or_else(|| format!("fault rule: unknown operation '{name}'")),
        }
    }

    fn build(self) -> Result<FaultRule, String> {
        let kind = match self.kind.as_deref() {
            Some("reset") => FaultKind::Reset,
            Some("truncate") => FaultKind::Truncate,
            Some("corrupt") => FaultKind::Corrupt,
            Some("delay") => FaultKind::Delay(Duration::from_millis(
                self.ms
                    .ok_or("fault rule: kind=delay needs ms=MILLISECONDS")?,
            )),
            Some("status") => {
                let status = self
                    .status
                    .ok_or("fault rule: kind=status needs status=CODE")?;
                if !(400..=599).contains(&status) {
                    return Err("fault rule: status must be between 400 and 599".to_owned());
                }
                let code = self
                    .code
                    .clone()
                    .unwrap_or_else(|| default_code(status).to_owned());
                FaultKind::Status { status, code }
            }
            Some(other) => return Err(format!("fault rule: unknown kind '{other}'")),
            None => return Err("fault rule: kind is required".to_owned()),
        };
        Ok(FaultRule {
            operation: self.operation()?,
            kind,
            trigger: self.trigger.unwrap_or(FaultTrigger::Every(1)),
            times: self.times,
            seed: self.seed.unwrap_or(1),
        })
    }
}

/// The error code used for an injected status when none is given.
fn default_code(status: u16) -> &'static str {
    match status {
        429 => "Throttling",
        500 => "InternalError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        _ => "InjectedFault",
    }
}

impl fmt::Display for FaultRule {
    /// The rule in the syntax `FromStr` accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "op={}", self.operation)?;
        match &self.kind {
            FaultKind::Reset => write!(f, ",kind=reset")?,
            FaultKind::Truncate => write!(f, ",kind=truncate")?,
            FaultKind::Corrupt => write!(f, ",kind=corrupt")?,
            FaultKind::Delay(d) => write!(f, ",kind=delay,ms={}", d.as_millis())?,
            FaultKind::Status { status, code } => {
                write!(f, ",kind=status,status={status},code={code}")?
            }
        }
        match self.trigger {
            FaultTrigger::Nth(n) => write!(f, ",nth={n}")?,
            FaultTrigger::Every(n) => write!(f, ",every={n}")?,
            FaultTrigger::Rate(p) => write!(f, ",rate={p},seed={}", self.seed)?,
        }
        if let Some(times) = self.times {
            write!(f, ",times={times}")?;
        }
        Ok(())
    }
}

/// A rule with its counters.
struct ActiveRule {
    rule: FaultRule,
    seen: u64,
    fired: u64,
    rng: StdRng,
}

impl ActiveRule {
    fn new(rule: FaultRule) -> Self {
        let rng = StdRng::seed_from_u64(rule.seed);
        Self {
            rule,
            seen: 0,
            fired: 0,
            rng,
        }
    }

    /// Counts a matching request and says whether the fault fires on it.
    fn observe(&mut self) -> bool {
        self.seen += 1;
        let limit = match self.rule.trigger {
            FaultTrigger::Nth(_) => Some(1),
            _ => self.rule.times,
        };
        if limit.is_some_and(|limit| self.fired >= limit) {
            return false;
        }
        match self.rule.trigger {
            FaultTrigger::Nth(n) => self.seen == n,
            FaultTrigger::Every(n) => self.seen.is_multiple_of(n),
            FaultTrigger::Rate(p) => self.rng.random::<f64>() < p,
        }
    }
}

/// The active fault rules.
#[derive(Default)]
pub(crate) struct FaultInjector {
    rules: Mutex<Vec<ActiveRule>>,
}

impl fmt::Debug for FaultInjector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultInjector")
            .field("rules", &self.rules())
            .finish()
    }
}

impl FaultInjector {
    /// An injector with these rules.
    pub(crate) fn new(rules: Vec<FaultRule>) -> Self {
        let injector = Self::default();
        injector.add(rules);
        injector
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ActiveRule>> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds rules (their counters start at zero).
    pub(crate) fn add(&self, rules: Vec<FaultRule>) {
        self.lock().extend(rules.into_iter().map(ActiveRule::new));
    }

    /// Removes every rule.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The active rules.
    pub(crate) fn rules(&self) -> Vec<FaultRule> {
        self.lock().iter().map(|r| r.rule.clone()).collect()
    }

    /// Counts a request of `operation` against every rule for it and returns the fault of the
    /// first rule that fires, if any.
    pub(crate) fn pick(&self, operation: Operation) -> Option<FaultKind> {
        let mut chosen = None;
        for active in self.lock().iter_mut() {
            if active.rule.matches(operation) && active.observe() && chosen.is_none() {
                active.fired += 1;
                chosen = Some(active.rule.kind.clone());
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> FaultRule {
        text.parse().unwrap()
    }

    #[test]
    fn parses_the_cli_syntax() {
        let r = rule("op=uploadpart,kind=reset,nth=3");
        assert_eq!(r.operation, "UploadPart");
        assert_eq!(r.kind, FaultKind::Reset);
        assert_eq!(r.trigger, FaultTrigger::Nth(3));
        assert_eq!(rule("kind=corrupt").kind, FaultKind::Corrupt);
        let r = rule("kind=truncate");
        assert_eq!(
            (r.operation.as_str(), r.trigger),
            ("*", FaultTrigger::Every(1))
        );
        assert_eq!(
            rule("kind=delay,ms=3000").kind,
            FaultKind::Delay(Duration::from_secs(3))
        );
        assert_eq!(
            rule("kind=status,status=503").kind,
            FaultKind::Status {
                status: 503,
                code: "ServiceUnavailable".into()
            }
        );
        let r = rule("op=GetObject,kind=status,status=500,code=Boom,rate=0.25,times=2");
        assert_eq!(r.trigger, FaultTrigger::Rate(0.25));
        assert_eq!(r.times, Some(2));
        assert_eq!(rule(&r.to_string()), r);
    }

    #[test]
    fn rejects_bad_rules() {
        for bad in [
            "",
            "kind=explode",
            "kind=delay",
            "kind=status",
            "kind=reset,op=Nope",
            "kind=reset,nth=0",
            "kind=reset,nth=1,every=2",
            "kind=reset,rate=2",
            "kind=reset,color=red",
            "kind=status,status=200",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn triggers_fire_as_documented() {
        let injector = FaultInjector::new(vec![rule("op=UploadPart,kind=reset,nth=2")]);
        let fired: Vec<bool> = (0..4)
            .map(|_| injector.pick(Operation::UploadPart).is_some())
            .collect();
        assert_eq!(fired, [false, true, false, false]);
        assert!(injector.pick(Operation::PutObject).is_none());

        injector.clear();
        injector.add(vec![rule("kind=truncate,every=2,times=2")]);
        let fired: Vec<bool> = (0..8)
            .map(|_| injector.pick(Operation::GetObject).is_some())
            .collect();
        assert_eq!(
            fired,
            [false, true, false, true, false, false, false, false]
        );

        injector.clear();
        injector.add(vec![rule("kind=reset,rate=0.5,seed=7")]);
        let hits = (0..1000)
            .filter(|_| injector.pick(Operation::GetObject).is_some())
            .count();
        assert!((400..600).contains(&hits), "{hits}");
    }
}
