//! `countersign approvals approve|reject ID ID ID --otp CODE`: several requests decided with one
//! code, one line per request, and a failing one failing alone (exit 4).

mod common;

use std::process::{Command, Output};

use common::{BIN, code_in, member, serve};

fn run(
    creds: &serde_json::Value,
    name: &str,
    group: &str,
    args: &[&str],
    dir: &std::path::Path,
) -> Output {
    let m = member(creds, name);
    Command::new(BIN)
        .arg(group)
        .args(args)
        // A fixed device seed (the OS keychain is tested elsewhere).
        .env(
            "COUNTERSIGN_DEVICE_KEY",
            "YmF0Y2ggdGVzdCBkZXZpY2Uga2V5IGZvciBDaGxvZSE=",
        )
        .env("COUNTERSIGN_MIRROR_DIR", dir.join("mirrors"))
        .env(
            "COUNTERSIGN_BASE_URL",
            creds["base_url"].as_str().expect("base_url"),
        )
        .env("COUNTERSIGN_API_KEY", m["api_key"].as_str().expect("key"))
        .env(
            "COUNTERSIGN_API_SECRET",
            m["api_secret"].as_str().expect("secret"),
        )
        .output()
        .expect("run countersign")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn three_requests_one_code_one_line_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    let chloe = "Chloe Park";
    let out = run(
        &creds,
        chloe,
        "device",
        &["register", "--otp", &code_in(&creds, chloe, 0)],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));

    let out = run(&creds, chloe, "approvals", &["list", "--json"], dir.path());
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    let mine: Vec<&str> = list
        .iter()
        .filter(|r| r["viewer"]["can_decide"] == true)
        .filter_map(|r| r["id"].as_str())
        .take(2)
        .collect();
    assert_eq!(mine.len(), 2, "two requests Chloe may decide");
    let own = list
        .iter()
        .find(|r| r["initiator"]["name"] == chloe)
        .and_then(|r| r["id"].as_str());

    // Two decidable and, when Chloe has one, her own: it fails alone, before the code is spent.
    let mut ids = mine.clone();
    ids.extend(own);
    let code = code_in(&creds, chloe, 30);
    let mut args = vec!["approve"];
    args.extend(ids.iter().copied());
    args.extend([
        "--otp",
        &code,
        "--reason",
        "checked against the payout schedule",
    ]);
    let out = run(&creds, chloe, "approvals", &args, dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains(" approvals) — "))
            .count(),
        2,
        "{}",
        text(&out)
    );
    assert_eq!(
        stdout.matches("signed by this device").count(),
        2,
        "{stdout}"
    );
    match own {
        Some(own) => {
            assert_eq!(out.status.code(), Some(4), "{}", text(&out));
            assert!(
                stdout.contains(&format!("{own}: not decided: ")),
                "{stdout}"
            );
        }
        None => assert!(out.status.success(), "{}", text(&out)),
    }
    // One line per request, in the order asked.
    let firsts: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("signed by"))
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(firsts, ids);

    // The code was accepted once.
    let out = run(
        &creds,
        chloe,
        "approvals",
        &["approve", mine[0], "--otp", &code],
        dir.path(),
    );
    assert!(!out.status.success());

    // A rejection without a reason is refused by the command line itself.
    let out = run(
        &creds,
        chloe,
        "approvals",
        &["reject", mine[0], "--otp", &code],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--reason"), "{}", text(&out));

    // The approvals carry their reason.
    let out = run(
        &creds,
        chloe,
        "approvals",
        &["show", mine[0], "--json"],
        dir.path(),
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let reasons: Vec<&str> = shown["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .filter(|d| d["member"]["name"] == chloe)
        .filter_map(|d| d["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["checked against the payout schedule"]);
}
