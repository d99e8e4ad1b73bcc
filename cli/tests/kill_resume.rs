//! `ossdirect upload` killed with SIGKILL at several points, then resumed: the object is right,
//! and a resumed run sends at most the unfinished remainder plus parallelism × part size.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how it fails"
)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::EmulatorProcess;
use serde_json::Value;

const SIZE: u64 = 300 << 20;
const PART: u64 = 8 << 20;
const PARALLEL: u64 = 4;

fn write_source(path: &Path) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut block = vec![0u8; 1 << 20];
    for i in 0..(SIZE >> 20) {
        for (j, b) in block.iter_mut().enumerate() {
            *b = ((i as usize * 7919 + j * 31) % 251) as u8;
        }
        f.write_all(&block).unwrap();
    }
    f.flush().unwrap();
}

/// Parts recorded in the checkpoint (0 when there is none yet or it is mid-replace).
fn checkpointed_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries.flatten() {
        // Only the checkpoint itself: a kill during its replacement can leave a temp file.
        if !entry.file_name().to_string_lossy().starts_with("upload-") {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                if let Some(parts) = v["payload"]["parts"].as_array() {
                    return parts.iter().map(|p| p["size"].as_u64().unwrap_or(0)).sum();
                }
            }
        }
    }
    0
}

fn upload_command(emu: &EmulatorProcess, src: &Path, checkpoints: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ossdirect"));
    cmd.arg("upload")
        .arg(src)
        .arg(format!("oss://{}/killed/big.bin", emu.field("bucket")))
        .arg(format!("--endpoint={}", emu.field("oss_endpoint")))
        .arg(format!("--part-size={PART}"))
        .arg(format!("--parallel={PARALLEL}"))
        .arg("--checkpoint-dir")
        .arg(checkpoints)
        .arg("--quiet")
        .env("OSS_ACCESS_KEY_ID", emu.field("access_key_id"))
        .env("OSS_ACCESS_KEY_SECRET", emu.field("access_key_secret"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn killed_uploads_resume_without_resending_finished_parts() {
    let emu = EmulatorProcess::start();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("big.bin");
    write_source(&src);
    let checkpoints = dir.path().join("checkpoints");

    // Kill when the checkpoint holds at least this many bytes (several points of the upload),
    // plus once right after start (before any part is recorded).
    for threshold in [0, 40 << 20, 120 << 20, 220 << 20] {
        let done_before = checkpointed_bytes(&checkpoints);
        let received_before = emu.bytes_received("UploadPart");
        let mut child = upload_command(&emu, &src, &checkpoints).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let recorded = checkpointed_bytes(&checkpoints);
            if recorded >= threshold.max(done_before + 1) || threshold == 0 {
                if threshold == 0 {
                    std::thread::sleep(Duration::from_millis(150));
                }
                break;
            }
            if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "the upload finished before the kill at {threshold}"
        );
        let sent = emu.bytes_received("UploadPart") - received_before;
        let bound = SIZE - done_before + PARALLEL * PART;
        assert!(
            sent <= bound,
            "killed at {threshold}: sent {sent} > {bound}"
        );
        eprintln!(
            "killed at >= {threshold} bytes ({status}); checkpoint holds {}",
            checkpointed_bytes(&checkpoints)
        );
    }

    let done_before = checkpointed_bytes(&checkpoints);
    assert!(done_before > 0, "the kills left a checkpoint behind");
    let received_before = emu.bytes_received("UploadPart");
    let out = upload_command(&emu, &src, &checkpoints).output().unwrap();
    assert!(
        out.status.success(),
        "resume failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = emu.bytes_received("UploadPart") - received_before;
    let remainder = SIZE - done_before;
    assert!(
        sent <= remainder + PARALLEL * PART,
        "resume sent {sent}, remainder {remainder}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("reused"), "{stdout}");

    // The object is the file: compare CRC-64 with `ossdirect hash`.
    let hash = Command::new(env!("CARGO_BIN_EXE_ossdirect"))
        .arg("hash")
        .arg(&src)
        .arg("--json")
        .output()
        .unwrap();
    let local: Value = serde_json::from_slice(&hash.stdout).unwrap();
    let head = Command::new(env!("CARGO_BIN_EXE_ossdirect"))
        .args([
            "head",
            &format!("oss://{}/killed/big.bin", emu.field("bucket")),
        ])
        .arg(format!("--endpoint={}", emu.field("oss_endpoint")))
        .env("OSS_ACCESS_KEY_ID", emu.field("access_key_id"))
        .env("OSS_ACCESS_KEY_SECRET", emu.field("access_key_secret"))
        .output()
        .unwrap();
    let remote: Value = serde_json::from_slice(&head.stdout).unwrap();
    assert_eq!(remote["content_length"], SIZE);
    assert_eq!(remote["crc64ecma"], local["crc64ecma"]);
    assert!(
        std::fs::read_dir(&checkpoints).unwrap().next().is_none(),
        "checkpoint removed after success"
    );
}
