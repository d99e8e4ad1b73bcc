//! The fuzz targets of ossdirect: every parser that takes bytes from the network or the disk.
//!
//! Each target is a function of arbitrary bytes that must not panic. `fuzz_targets/` wraps each
//! in a `cargo fuzz` target (`cargo xtask fuzz [TARGET] [--seconds N]`, nightly), and
//! `tests/replay.rs` feeds every file of `corpus/<target>/` to it as an ordinary test (stable).

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue};
use chrono::{TimeZone, Utc};
use ossdirect_server::auth::Authenticator;
use ossdirect_server::config::{AuthConfig, JwtConfig, PolicyConfig};
use ossdirect_server::policy::PolicyTemplate;
use ossdirect_server::signing::{check, SignRequest, SigningRules};
use ossdirect_server::{TokenEntry, UserId};

/// A fuzz target: a name (its corpus directory and `cargo fuzz` target) and its function.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("token_response", ossdirect::fuzzing::token_response),
    ("error_xml", ossdirect::fuzzing::error_xml),
    ("list_xml", ossdirect::fuzzing::list_xml),
    ("checkpoint", ossdirect::fuzzing::checkpoint),
    ("reconcile", ossdirect::fuzzing::reconcile),
    ("endpoint", ossdirect::fuzzing::endpoint),
    (
        "emulator_authorization",
        ossdirect_emulator::fuzzing::authorization,
    ),
    ("emulator_query", ossdirect_emulator::fuzzing::query),
    ("emulator_range", ossdirect_emulator::fuzzing::range),
    ("emulator_policy", ossdirect_emulator::fuzzing::policy),
    (
        "emulator_sts_params",
        ossdirect_emulator::fuzzing::sts_params,
    ),
    (
        "emulator_security_token",
        ossdirect_emulator::fuzzing::security_token,
    ),
    (
        "emulator_complete_xml",
        ossdirect_emulator::fuzzing::complete_xml,
    ),
    ("server_sign_request", server_sign_request),
    ("server_authenticate", server_authenticate),
    ("server_user_id", server_user_id),
];

/// A `POST /sign` body through every check of the server (policy of user `alice`).
pub fn server_sign_request(data: &[u8]) {
    static POLICY: OnceLock<Option<ossdirect_server::policy::UserPolicy>> = OnceLock::new();
    let Ok(request) = serde_json::from_slice::<SignRequest>(data) else {
        return;
    };
    let policy = POLICY.get_or_init(|| {
        let template = PolicyTemplate::new(&PolicyConfig {
            bucket: "my-bucket".into(),
            prefix: "users/${user}/".into(),
            actions: vec!["oss:PutObject".into(), "oss:GetObject".into()],
        })
        .ok()?;
        Some(template.for_user(&UserId::parse("alice").ok()?))
    });
    let Some(policy) = policy else { return };
    let rules = SigningRules {
        region: "cn-hangzhou".into(),
        max_skew: chrono::Duration::minutes(15),
    };
    let now = Utc
        .timestamp_opt(1_735_689_600, 0)
        .single()
        .unwrap_or_default();
    let _ = format!("{request:?}");
    let _ = check(&request, policy, &rules, now);
}

/// An `Authorization` header value (static tokens and HS256 JWTs configured).
pub fn server_authenticate(data: &[u8]) {
    static AUTH: OnceLock<Option<Authenticator>> = OnceLock::new();
    let auth = AUTH.get_or_init(|| {
        Authenticator::new(&AuthConfig {
            tokens: vec![TokenEntry::new("alice", "alice-token-0123456789")],
            jwt: Some(JwtConfig {
                issuer: "https://issuer".into(),
                audience: "app".into(),
                hs256_secret: Some("0123456789abcdef0123456789abcdef".to_owned().into()),
                ..JwtConfig::default()
            }),
            ..AuthConfig::default()
        })
        .ok()
    });
    let (Some(auth), Ok(value)) = (auth, HeaderValue::from_bytes(data)) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert("authorization", value);
    if let Ok(user) = auth.authenticate(&headers) {
        let _ = UserId::parse(&user);
    }
}

/// A user id, and the STS session name made of it.
pub fn server_user_id(data: &[u8]) {
    if let Ok(id) = UserId::parse(&String::from_utf8_lossy(data)) {
        let name = id.session_name();
        assert!((2..=64).contains(&name.len()), "{name}");
    }
}
