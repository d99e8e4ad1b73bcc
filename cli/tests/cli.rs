//! The `ossdirect` binary: `sign`/`presign` reproduce the official SDKs' signatures (the same
//! known-answer vectors as core's tests), `hash`, and put/get/head/rm against `ossdirect emulator`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

mod common;

use std::process::{Command, Output};

use common::EmulatorProcess;
use serde_json::Value;

fn ossdirect(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ossdirect"))
        .args(args)
        .env_remove("OSS_ACCESS_KEY_ID")
        .env_remove("OSS_ACCESS_KEY_SECRET")
        .env_remove("OSS_SESSION_TOKEN")
        .output()
        .expect("ossdirect runs")
}

fn stdout_ok(args: &[String]) -> String {
    let out = ossdirect(args);
    assert!(
        out.status.success(),
        "ossdirect {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn vectors() -> Vec<Value> {
    let text = include_str!("../../core/tests/vectors/signing.json");
    let all: Vec<Value> = serde_json::from_str(text).expect("vectors parse");
    all.into_iter()
        .filter(|v| {
            !v["notes"]
                .as_str()
                .unwrap_or("")
                .starts_with("NON-STANDARD")
        })
        .filter(|v| v["bucket"].is_string())
        .collect()
}

/// The request and credential flags of a vector, every one in `--flag=value` form.
fn request_flags(v: &Value) -> Vec<String> {
    let bucket = v["bucket"].as_str().unwrap();
    let target = match v["key"].as_str() {
        Some(k) => format!("oss://{bucket}/{k}"),
        None => format!("oss://{bucket}"),
    };
    let mut args = vec![
        target,
        format!("--method={}", v["method"].as_str().unwrap()),
    ];
    for q in v["query"].as_array().unwrap() {
        args.push(match q[1].as_str() {
            Some(value) => format!("--query={}={value}", q[0].as_str().unwrap()),
            None => format!("--query={}", q[0].as_str().unwrap()),
        });
    }
    for h in v["headers"].as_array().unwrap() {
        args.push(format!(
            "--header={}: {}",
            h[0].as_str().unwrap(),
            h[1].as_str().unwrap()
        ));
    }
    args.push(format!(
        "--access-key-id={}",
        v["access_key_id"].as_str().unwrap()
    ));
    args.push(format!(
        "--access-key-secret={}",
        v["access_key_secret"].as_str().unwrap()
    ));
    if let Some(t) = v["security_token"].as_str() {
        args.push(format!("--security-token={t}"));
    }
    if let Some(r) = v["region"].as_str() {
        args.push(format!("--region={r}"));
    }
    for h in v["additional_headers"].as_array().unwrap() {
        args.push(format!("--additional-header={}", h.as_str().unwrap()));
    }
    for s in v["sub_resources"].as_array().unwrap() {
        args.push(format!("--sub-resource={}", s.as_str().unwrap()));
    }
    let kind = v["kind"].as_str().unwrap();
    args.push(format!("--signature-version={}", &kind[..2]));
    args
}

fn sorted_parts(authorization: &str) -> Vec<String> {
    let (scheme, rest) = authorization.split_once(' ').unwrap_or((authorization, ""));
    let mut parts: Vec<String> = rest.split(',').map(|p| p.trim().to_owned()).collect();
    parts.sort();
    parts.insert(0, scheme.to_owned());
    parts
}

#[test]
fn sign_reproduces_the_official_header_signatures() {
    let mut checked = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["kind"].as_str().unwrap().ends_with("_header"))
    {
        let mut args = vec!["sign".to_owned()];
        args.extend(request_flags(v));
        args.push(format!("--time={}", v["signing_time"].as_str().unwrap()));
        args.push("--json".into());
        let out: Value = serde_json::from_str(&stdout_ok(&args)).expect("JSON");
        let name = v["name"].as_str().unwrap();
        if let Some(expected) = v["expected"]["authorization"].as_str() {
            assert_eq!(
                sorted_parts(out["authorization"].as_str().unwrap()),
                sorted_parts(expected),
                "{name}"
            );
            assert_eq!(
                out["headers"]["Authorization"], out["authorization"],
                "{name}"
            );
            checked += 1;
        }
        if let Some(expected) = v["expected"]["string_to_sign"].as_str() {
            assert_eq!(out["string_to_sign"].as_str().unwrap(), expected, "{name}");
        }
    }
    assert!(checked >= 15, "only {checked} header vectors checked");
}

#[test]
fn presign_reproduces_the_official_query_signatures() {
    let mut checked = 0;
    for v in vectors()
        .iter()
        .filter(|v| v["kind"].as_str().unwrap().ends_with("_query"))
    {
        let kind = v["kind"].as_str().unwrap();
        let mut args = vec!["presign".to_owned()];
        args.extend(request_flags(v));
        if kind == "v1_query" {
            // Expires = time + expires-in: sign from the epoch for exactly the vector's Expires.
            args.push("--time=1970-01-01T00:00:00Z".into());
            args.push(format!(
                "--expires-in={}",
                v["v1_expires_unix"].as_i64().unwrap()
            ));
        } else {
            args.push(format!("--time={}", v["signing_time"].as_str().unwrap()));
            args.push(format!(
                "--expires-in={}",
                v["v4_expires_seconds"].as_u64().unwrap()
            ));
        }
        args.push("--json".into());
        let out: Value = serde_json::from_str(&stdout_ok(&args)).expect("JSON");
        let query: Vec<(String, String)> = out["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let name = v["name"].as_str().unwrap();
        let sig_param = if kind == "v1_query" {
            "Signature"
        } else {
            "x-oss-signature"
        };
        if let Some(expected) = v["expected"]["signature"].as_str() {
            assert_eq!(get(sig_param).as_deref(), Some(expected), "{name}");
            checked += 1;
        }
        if let Some(expected) = v["expected"]["query"].as_object() {
            for (k, x) in expected {
                assert_eq!(get(k).as_deref(), x.as_str(), "{name}: query {k}");
            }
        }
        let url = out["url"].as_str().unwrap();
        assert!(url.contains(&format!("{sig_param}=")), "{name}: {url}");
    }
    assert!(checked >= 10, "only {checked} query vectors checked");
}

#[test]
fn sign_prints_headers_and_canonical_request() {
    let args: Vec<String> = [
        "sign",
        "oss://b/a b?#%中",
        "--method",
        "PUT",
        "--query",
        "uploads",
        "--query=empty=",
        "--header",
        "x-oss-meta-a: -starts-with-dash",
        "--access-key-id=-ak",
        "--access-key-secret",
        "sk",
        "--time",
        "2024-01-01T00:00:00Z",
        "--json",
    ]
    .map(String::from)
    .to_vec();
    let out: Value = serde_json::from_str(&stdout_ok(&args)).unwrap();
    let canonical = out["canonical_request"].as_str().unwrap();
    assert!(
        canonical.starts_with("PUT\n/b/a%20b%3F%23%25%E4%B8%AD\nempty&uploads\n"),
        "{canonical}"
    );
    assert_eq!(out["headers"]["x-oss-date"], "20240101T000000Z");
    assert!(out["authorization"]
        .as_str()
        .unwrap()
        .starts_with("OSS4-HMAC-SHA256 Credential=-ak/20240101/"));
}

#[test]
fn hash_prints_crc64_and_md5() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("check.txt");
    std::fs::write(&file, "123456789").unwrap();
    let out = stdout_ok(&["hash".into(), file.display().to_string()]);
    assert_eq!(
        out,
        "crc64ecma: 11051210869376104954\ncontent-md5: JfnnlDI7RTiF9RgfG2JNCw==\n"
    );
    let out = stdout_ok(&["hash".into(), file.display().to_string(), "--json".into()]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["crc64ecma"], "11051210869376104954");
}

#[test]
fn put_get_head_rm_against_the_emulator() {
    let emu = EmulatorProcess::start();
    for field in [
        "oss_endpoint",
        "sts_endpoint",
        "region",
        "bucket",
        "access_key_id",
        "access_key_secret",
        "role_arn",
    ] {
        assert!(
            emu.info[field].is_string(),
            "ready line lacks {field}: {}",
            emu.info
        );
    }
    let s = |k: &str| emu.info[k].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let target = format!("oss://{}/cli/a b+c.bin", s("bucket"));
    for version in ["v1", "v4"] {
        let conn = |mut args: Vec<String>| {
            args.extend([
                format!("--endpoint={}", s("oss_endpoint")),
                format!("--region={}", s("region")),
                format!("--signature-version={version}"),
            ]);
            let out = Command::new(env!("CARGO_BIN_EXE_ossdirect"))
                .args(&args)
                .env("OSS_ACCESS_KEY_ID", s("access_key_id"))
                .env("OSS_ACCESS_KEY_SECRET", s("access_key_secret"))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        };
        let out = conn(vec![
            "put".into(),
            src.display().to_string(),
            target.clone(),
        ]);
        assert!(out.contains("etag: \""), "{out}");
        let dst = dir.path().join(format!("dst-{version}.bin"));
        conn(vec![
            "get".into(),
            target.clone(),
            dst.display().to_string(),
        ]);
        assert_eq!(std::fs::read(&dst).unwrap(), data);
        let head: Value = serde_json::from_str(&conn(vec!["head".into(), target.clone()])).unwrap();
        assert_eq!(head["content_length"], 300_000);
        conn(vec!["rm".into(), target.clone()]);
    }
    // Missing credentials are a clear error, not a request.
    let out = ossdirect(&[
        "head".into(),
        target,
        format!("--endpoint={}", s("oss_endpoint")),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("credentials needed"));
}

#[test]
fn upload_and_download_resume_from_the_state_directory_by_default() {
    // The third ranged read is refused (not retried), so the first download stops after two
    // ranges, one at a time.
    let emu = EmulatorProcess::start_with_faults(&[
        "op=GetObject,kind=status,status=403,code=AccessDenied,nth=3",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let src = dir.path().join("src.bin");
    let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let target = format!("oss://{}/cli/resume.bin", emu.field("bucket"));
    let run = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ossdirect"));
        command
            .args(args)
            .args([
                "--endpoint",
                &emu.field("oss_endpoint"),
                "--region",
                &emu.field("region"),
            ])
            .args(["--part-size", "256KiB", "--quiet"])
            .env("XDG_STATE_HOME", &state)
            .env("OSS_ACCESS_KEY_ID", emu.field("access_key_id"))
            .env("OSS_ACCESS_KEY_SECRET", emu.field("access_key_secret"));
        command.output().unwrap()
    };
    let text = |out: &Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let src_arg = src.display().to_string();

    // Below --multipart-threshold: one PutObject; above it: parts of --part-size.
    let out = run(&["upload", &src_arg, &target, "--multipart-threshold", "1MiB"]);
    assert!(text(&out).contains(" in 1 part(s)"), "{}", text(&out));
    let out = run(&["upload", &src_arg, &target]);
    assert!(text(&out).contains(" in 3 part(s)"), "{}", text(&out));

    let dst = dir.path().join("dst.bin");
    let dst_arg = dst.display().to_string();
    let out = run(&["download", &target, &dst_arg, "--parallel", "1"]);
    assert!(
        !out.status.success(),
        "the refused range fails the first run"
    );
    assert!(!dst.exists());
    let checkpoints = state.join("ossdirect").join("checkpoints");
    let kept: Vec<_> = std::fs::read_dir(&checkpoints).unwrap().collect();
    assert_eq!(
        kept.len(),
        1,
        "the download's checkpoint under $XDG_STATE_HOME"
    );
    let out = run(&["download", &target, &dst_arg, "--parallel", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text(&out).contains("in 3 range(s) (2 reused)"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    assert_eq!(std::fs::read_dir(&checkpoints).unwrap().count(), 0);
}

#[test]
fn dev_runs_emulator_and_token_server_for_the_demo_users() {
    let dev = EmulatorProcess::start_dev();
    let ready = &dev.info;
    for field in [
        "oss_endpoint",
        "sts_endpoint",
        "region",
        "bucket",
        "access_key_id",
        "access_key_secret",
        "role_arn",
        "token_url",
        "sign_url",
    ] {
        assert!(
            ready[field].is_string(),
            "ready line lacks {field}: {ready}"
        );
    }
    let users = ready["users"].as_array().expect("users");
    let alice = users.iter().find(|u| u["user"] == "alice").expect("alice");
    let token = alice["bearer_token"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("note.txt");
    std::fs::write(&file, "hello from alice").unwrap();
    let upload = |key: &str| {
        Command::new(env!("CARGO_BIN_EXE_ossdirect"))
            .arg("upload")
            .arg(&file)
            .arg(format!("oss://{}/{key}", ready["bucket"].as_str().unwrap()))
            .arg(format!(
                "--endpoint={}",
                ready["oss_endpoint"].as_str().unwrap()
            ))
            .arg(format!(
                "--token-url={}",
                ready["token_url"].as_str().unwrap()
            ))
            .arg(format!("--token-header=Authorization: Bearer {token}"))
            .args(["--no-resume", "--quiet"])
            .env_remove("OSS_ACCESS_KEY_ID")
            .env_remove("OSS_ACCESS_KEY_SECRET")
            .output()
            .unwrap()
    };
    let ok = upload("users/alice/note.txt");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let refused = upload("users/bob/note.txt");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("AccessDenied"));
}
