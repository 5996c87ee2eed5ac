//! What the command-line tests share: a sandbox served by the `countersign` binary in its own
//! process (stopped when dropped), the demo credentials it writes, and members' codes.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use countersign_vault::TotpSecret;

pub const BIN: &str = env!("CARGO_BIN_EXE_countersign");

/// A served sandbox; killed when dropped.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where [`serve`] has the sandbox write its demo credentials.
pub fn credentials_path(dir: &std::path::Path) -> std::path::PathBuf {
    dir.join("demo.json")
}

/// Serves a fresh sandbox under `dir` and waits for its demo credentials.
pub fn serve(dir: &std::path::Path) -> (Server, serde_json::Value) {
    let creds_path = credentials_path(dir);
    let child = Command::new(BIN)
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.join("data"))
        .arg("--demo-credentials")
        .arg(&creds_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sandbox");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(&creds_path)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            return (server, v);
        }
        assert!(
            Instant::now() < deadline,
            "sandbox did not write its demo credentials"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A demo member's entry in the credentials.
pub fn member<'a>(creds: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    creds["members"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["name"] == name))
        .unwrap_or_else(|| panic!("member {name}"))
}

/// The member's code `ahead` seconds from now (the server accepts one step of skew, so the next
/// step's code is a fresh code now).
pub fn code_in(creds: &serde_json::Value, name: &str, ahead: u64) -> String {
    let secret = member(creds, name)["totp_secret"].as_str().expect("totp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    TotpSecret::from_base32(secret)
        .expect("base32")
        .code_at(now + ahead)
}
