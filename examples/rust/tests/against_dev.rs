//! The three example programs against a real `ossdirect dev` (emulator + token server on
//! loopback): upload as the demo user alice with her token, download it back resumably, and
//! fetch it through a presigned link with a plain HTTP client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// `ossdirect dev`, stopped on drop.
struct Dev {
    child: Child,
    ready: serde_json::Value,
    _data: tempfile::TempDir,
}

impl Drop for Dev {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The workspace's `ossdirect` binary, built by `cargo test --workspace` with this test.
fn ossdirect_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let bin = dir.join("ossdirect");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace first (cargo build --workspace)",
        bin.display()
    );
    bin
}

fn start_dev() -> Dev {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(ossdirect_bin())
        .args(["dev", "--data-dir"])
        .arg(data.path())
        .args([
            "--listen-oss",
            "127.0.0.1:0",
            "--listen-token",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready = serde_json::from_str(&line).expect("the ready line");
    Dev {
        child,
        ready,
        _data: data,
    }
}

/// `program` with the settings of `dev` and alice's bearer token in its environment.
fn command(dev: &Dev, program: &str, args: &[&str]) -> Command {
    let r = &dev.ready;
    let alice = r["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "alice")
        .unwrap();
    let mut command = Command::new(program);
    command
        .args(args)
        .env("OSS_ENDPOINT", r["oss_endpoint"].as_str().unwrap())
        .env("OSS_REGION", r["region"].as_str().unwrap())
        .env("OSS_BUCKET", r["bucket"].as_str().unwrap())
        .env("TOKEN_URL", r["token_url"].as_str().unwrap())
        .env("TOKEN_BEARER", alice["bearer_token"].as_str().unwrap());
    command
}

/// Runs `program` to success.
fn run(dev: &Dev, program: &str, args: &[&str]) -> Output {
    let out = command(dev, program, args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[tokio::test]
async fn upload_download_and_share_as_a_token_user() {
    let dev = start_dev();
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..20 * 1024 * 1024 + 3).map(|i| (i % 241) as u8).collect();
    let src = dir.path().join("video.mp4");
    std::fs::write(&src, &data).unwrap();
    let key = "users/alice/examples/video.mp4";

    let up = run(
        &dev,
        env!("CARGO_BIN_EXE_upload"),
        &[key, src.to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&up.stdout).contains("3 parts"));
    assert!(String::from_utf8_lossy(&up.stderr).contains("upload: 20.0 / 20.0 MiB (100%)"));

    let dst = dir.path().join("back.mp4");
    let checkpoints = dir.path().join("checkpoints");
    run(
        &dev,
        env!("CARGO_BIN_EXE_resumable_download"),
        &[key, dst.to_str().unwrap(), checkpoints.to_str().unwrap()],
    );
    assert_eq!(std::fs::read(&dst).unwrap(), data);

    let link = run(&dev, env!("CARGO_BIN_EXE_presign_share"), &[key, "300"]);
    let url = String::from_utf8(link.stdout).unwrap();
    let body = reqwest::get(url.trim()).await.unwrap();
    assert!(body.status().is_success(), "{}", body.status());
    assert_eq!(body.bytes().await.unwrap().len(), data.len());

    // Outside her prefix the token user is refused.
    let refused = command(
        &dev,
        env!("CARGO_BIN_EXE_upload"),
        &["users/bob/x", src.to_str().unwrap()],
    )
    .output()
    .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("AccessDenied"), "{stderr}");
}
