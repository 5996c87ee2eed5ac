//! `countersign keys probe` as a user runs it: a sandbox served by one process, keys probed by
//! another through the demo credentials file.

use std::process::{Command, Output};

mod common;

use common::{BIN, Server};

/// Serves a fresh sandbox; the probes read its demo credentials file.
fn serve(dir: &std::path::Path) -> (Server, std::path::PathBuf) {
    let (server, _) = common::serve(dir);
    (server, common::credentials_path(dir))
}

fn probe(home: &std::path::Path, creds: &std::path::Path, who: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["keys", "probe", "--credentials"])
        .arg(creds)
        .args(["--as", who])
        .args(args)
        .env_remove("COUNTERSIGN_BASE_URL")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("run countersign")
}

#[test]
fn a_key_without_export_data_cannot_export_ledgers_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());

    // payout-bot has Query and Withdraw only.
    let out = probe(
        dir.path(),
        &creds,
        "su-payouts",
        &["--for", "export-ledgers"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("this key cannot export ledgers: it lacks Export data (export_data)"),
        "{stdout}"
    );
    // The table shows what each finding rests on.
    assert!(
        stdout.contains("Query (funds_query)") && stdout.contains("Balance: answered"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ExportStatus: EGeneral:Permission denied"),
        "{stdout}"
    );
    // Nonces persisted under the data directory, never the key in a file name.
    let nonces = dir.path().join("data").join("countersign").join("nonces");
    assert!(
        std::fs::read_dir(&nonces)
            .expect("nonce dir")
            .any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("nonce-"))),
        "nonces kept in {}",
        nonces.display()
    );
}

#[test]
fn json_lists_every_capability_and_the_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    let out = probe(
        dir.path(),
        &creds,
        "reporting-bot",
        &["--for", "export-ledgers", "--json"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let caps = &v["capabilities"];
    for (scope, finding) in [
        ("funds_query", "has"),
        ("ledger_query", "has"),
        ("export_data", "has"),
        ("trades_query_closed", "has"),
        ("funds_withdraw", "lacks"),
        ("funds_add", "lacks"),
        ("trades_modify", "lacks"),
        ("trades_close", "lacks"),
        ("websocket", "lacks"),
    ] {
        assert_eq!(caps[scope], finding, "{scope}: {v}");
    }
    assert_eq!(caps.as_object().map(serde_json::Map::len), Some(11));
    assert_eq!(v["purpose"]["outcome"], "met");
    assert_eq!(v["purpose"]["purpose"], "export-ledgers");
    assert_eq!(v["probes"][0]["endpoint"], "Balance");
}

#[test]
fn as_needs_a_credentials_file_and_an_unknown_key_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args(["keys", "probe", "--as", "su-payouts"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--credentials"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let file = dir.path().join("demo.json");
    std::fs::write(
        &file,
        r#"{"base_url":"http://127.0.0.1:9","members":[],"service_users":[]}"#,
    )
    .expect("write");
    let out = probe(dir.path(), &file, "nobody", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no member or service user \"nobody\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `countersign keys ARGS…` as a member of the demo credentials file (by id).
fn keys_as(creds: &std::path::Path, member: &str, args: &[&str]) -> Output {
    run_as(creds, member, &[&["keys"][..], args].concat())
}

/// `countersign ARGS…` as a member of the demo credentials file (by id).
fn run_as(creds: &std::path::Path, member: &str, args: &[&str]) -> Output {
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(creds).expect("creds")).expect("json");
    let m = file["members"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["id"] == member))
        .expect("member");
    Command::new(BIN)
        .args(args)
        .env(
            "COUNTERSIGN_BASE_URL",
            file["base_url"].as_str().expect("url"),
        )
        .env("COUNTERSIGN_API_KEY", m["api_key"].as_str().expect("key"))
        .env(
            "COUNTERSIGN_API_SECRET",
            m["api_secret"].as_str().expect("secret"),
        )
        .output()
        .expect("run countersign")
}

#[test]
fn advise_narrows_an_open_key_to_where_it_was_used_and_submits_on_ask() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    let advise = ["advise", "--service-user", "su-payouts"];

    // Never used: nothing says which scope it needs.
    let out = keys_as(&creds, "m-eve", &advise);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("has not been used"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The bot reads its balance from this machine.
    probe(dir.path(), &creds, "su-payouts", &[]);
    let out = keys_as(&creds, "m-eve", &advise);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("narrow the IP list to 127.0.0.1 (the addresses seen)"),
        "{text}"
    );
    assert!(text.contains("IP allow-list narrowed"), "{text}");
    assert!(text.contains("Nothing submitted"), "{text}");

    let out = keys_as(
        &creds,
        "m-eve",
        &[&advise[..], &["--submit", "--json"]].concat(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["request"]["status"], "pending", "{v}");

    // Renaming an entry says which bots' calls name it: none has sent a withdrawal call.
    let out = run_as(
        &creds,
        "m-eve",
        &[
            "preview",
            "relabel-address",
            "--key",
            "usdt-otc-desk",
            "--new-key",
            "otc-desk",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Bots: no bot's withdrawal call has named usdt-otc-desk."),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        v["request"]["payload"]["key"]["settings"]["ip_allowlist"][0],
        "127.0.0.1"
    );
}
