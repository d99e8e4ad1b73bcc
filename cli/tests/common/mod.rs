//! Helpers shared by the CLI tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// `ossdirect emulator` (or `dev`) in a child process, killed on drop.
pub struct EmulatorProcess {
    child: Child,
    /// The JSON line the emulator printed when ready.
    pub info: Value,
    _dir: tempfile::TempDir,
}

impl EmulatorProcess {
    /// Starts `ossdirect emulator` on 127.0.0.1:0 with a fresh data directory.
    pub fn start() -> Self {
        Self::start_command("emulator", &["--listen", "127.0.0.1:0"])
    }

    /// Starts `ossdirect emulator` on 127.0.0.1:0 with these fault rules (`--fault`).
    pub fn start_with_faults(rules: &[&str]) -> Self {
        let mut args = vec!["--listen", "127.0.0.1:0"];
        for rule in rules {
            args.extend(["--fault", rule]);
        }
        Self::start_command("emulator", &args)
    }

    /// Starts `ossdirect dev` (emulator and token server) with a fresh data directory.
    pub fn start_dev() -> Self {
        Self::start_command("dev", &[])
    }

    /// Starts `ossdirect dev` with these arguments and a fresh data directory.
    pub fn start_dev_with(args: &[&str]) -> Self {
        Self::start_command("dev", args)
    }

    /// Runs `ossdirect <command> <args> --data-dir <fresh dir>` and reads its ready line.
    fn start_command(command: &str, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ossdirect"))
            .arg(command)
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: Value = serde_json::from_str(&line).expect("one JSON line when ready");
        Self {
            child,
            info,
            _dir: dir,
        }
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl EmulatorProcess {
    /// A field of the ready line.
    pub fn field(&self, name: &str) -> String {
        self.info[name].as_str().unwrap_or_default().to_owned()
    }

    /// The emulator's statistics.
    pub fn stats(&self) -> Value {
        // A plain HTTP/1.0 GET keeps the tests free of an HTTP client dependency.
        let url = self.field("stats_url");
        let rest = url.strip_prefix("http://").expect("http URL");
        let (host, path) = rest.split_once('/').expect("a path");
        let mut stream = std::net::TcpStream::connect(host).expect("connect");
        write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or("");
        serde_json::from_str(body).expect("stats JSON")
    }

    /// Bytes received by `operation` so far.
    pub fn bytes_received(&self, operation: &str) -> u64 {
        self.stats()["operations"][operation]["bytes_received"]
            .as_u64()
            .unwrap_or(0)
    }
}
