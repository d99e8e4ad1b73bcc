//! Refusals: no or bad credentials (401), policy-widening user ids (403), STS failures (502),
//! anonymous access only on loopback.

use ossdirect_server::{Server, ServerConfig, TokenEntry};

use crate::common::{caller, config_for, start_emulator, Harness, ALICE_TOKEN};

#[tokio::test]
async fn missing_or_wrong_bearer_tokens_get_401() {
    let h = Harness::start().await;
    let none = h.get("/sts-token", None).await;
    none.assert_error(401, "MissingCredentials");
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    h.get("/sts-token", Some("not-a-token-of-anyone"))
        .await
        .assert_error(401, "InvalidCredentials");
    let basic = h
        .http
        .get(format!("{}/sts-token", h.server.url()))
        .header("Authorization", format!("Basic {ALICE_TOKEN}"))
        .send()
        .await
        .unwrap();
    crate::common::answer(basic)
        .await
        .assert_error(401, "InvalidCredentials");
    assert_eq!(h.assume_role_count().await, 0);
}

#[tokio::test]
async fn static_tokens_of_policy_widening_users_are_refused_at_start() {
    // (JWT subjects are checked per request: see jwt.rs.)
    let (emulator, _dir) = start_emulator().await;
    for user in ["*", "a/b", "..", "a?", &"x".repeat(65)] {
        let mut config = config_for(emulator.info());
        config
            .auth
            .tokens
            .push(TokenEntry::new(user, "widening-token-0123456789"));
        let err = Server::new(config, caller(emulator.info())).unwrap_err();
        assert!(err.to_string().contains("auth.tokens"), "{user:?}: {err}");
    }
}

#[tokio::test]
async fn sts_unreachable_gets_502_without_details() {
    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let h = Harness::start_with(|c| c.sts.endpoint = Some(format!("http://{dead}"))).await;
    let a = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    a.assert_error(502, "StsError");
    let message = a.json["ErrorMessage"].as_str().unwrap();
    assert_eq!(message, "STS AssumeRole failed (STS unreachable)");
    assert!(!message.contains(&dead.port().to_string()));
}

#[tokio::test]
async fn sts_refusal_gets_502_with_the_code_only() {
    let h = Harness::start_with(|c| {
        c.sts.role_arn = c.sts.role_arn.replace("role/vending", "role/no-such-role");
    })
    .await;
    let a = h.get("/sts-token", Some(ALICE_TOKEN)).await;
    a.assert_error(502, "StsError");
    let message = a.json["ErrorMessage"].as_str().unwrap();
    assert!(message.starts_with("STS AssumeRole failed ("), "{message}");
    assert!(!message.contains("no-such-role"), "{message}");
    // A failure is not cached: the next request calls STS again.
    let before = h.assume_role_count().await;
    h.get("/sts-token", Some(ALICE_TOKEN))
        .await
        .assert_error(502, "StsError");
    assert_eq!(h.assume_role_count().await, before + 1);
}

#[tokio::test]
async fn anonymous_access_needs_the_flag_and_loopback() {
    let h = Harness::start_with(|c| c.auth.allow_anonymous_user = Some("demo".into())).await;
    let token = h.token(None).await;
    assert!(token.access_key_id().starts_with("STS."));
    let (emulator, _dir) = start_emulator().await;
    let mut config: ServerConfig = config_for(emulator.info());
    config.auth.allow_anonymous_user = Some("demo".into());
    config.listen = "0.0.0.0:8080".parse().unwrap();
    let err = Server::new(config, caller(emulator.info())).unwrap_err();
    assert!(
        err.to_string().contains("only allowed on a loopback"),
        "{err}"
    );
}

#[tokio::test]
async fn two_authorization_headers_get_400() {
    use crate::common::BOB_TOKEN;
    let h = Harness::start().await;
    let mut headers = reqwest::header::HeaderMap::new();
    for token in [BOB_TOKEN, ALICE_TOKEN] {
        headers.append("authorization", format!("Bearer {token}").parse().unwrap());
    }
    let response = h
        .http
        .get(format!("{}/sts-token", h.server.url()))
        .headers(headers)
        .send()
        .await
        .unwrap();
    crate::common::answer(response)
        .await
        .assert_error(400, "InvalidRequest");
    assert_eq!(h.assume_role_count().await, 0);
}

#[tokio::test]
async fn plain_http_sts_on_another_host_is_refused_unless_allowed() {
    let (emulator, _dir) = start_emulator().await;
    let mut config = config_for(emulator.info());
    config.sts.endpoint = Some("http://sts.cn-hangzhou.aliyuncs.com".into());
    let err = Server::new(config.clone(), caller(emulator.info())).unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");
    config.sts.allow_insecure_http = true;
    Server::new(config, caller(emulator.info())).unwrap();
}
