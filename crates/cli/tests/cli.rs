//! The `countersign` binary as a user runs it: a sandbox served by one process, approvals driven
//! by another, and the signing helper against the official worked example.

mod common;

use std::process::{Command, Output};

use common::{BIN, code_in, member, serve};

/// This test's device key for a member: a fixed seed per name, passed as the automation
/// variable `COUNTERSIGN_DEVICE_KEY` (the OS keychain is tested elsewhere).
fn device_seed(name: &str) -> String {
    use base64::Engine as _;
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    base64::engine::general_purpose::STANDARD.encode(seed)
}

/// Where these tests' devices keep their decision mirrors (one file per sandbox URL), instead of
/// the user's data directory.
fn mirror_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("countersign-cli-mirrors-{}", std::process::id()))
}

fn as_member(creds: &serde_json::Value, name: &str, args: &[&str]) -> Output {
    run_as(creds, name, "approvals", args)
}

fn run_as(creds: &serde_json::Value, name: &str, group: &str, args: &[&str]) -> Output {
    let m = member(creds, name);
    Command::new(BIN)
        .arg(group)
        .args(args)
        .env("COUNTERSIGN_DEVICE_KEY", device_seed(name))
        .env("COUNTERSIGN_MIRROR_DIR", mirror_dir())
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

fn code(creds: &serde_json::Value, name: &str) -> String {
    code_in(creds, name, 0)
}

#[test]
fn serve_list_approve_and_refuse_self_approval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    assert!(creds["members"].as_array().is_some_and(|m| m.len() >= 4));
    assert!(
        creds["service_users"]
            .as_array()
            .is_some_and(|s| s.len() >= 2)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("demo.json"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "demo credentials are private to their owner"
        );
    }

    let out = as_member(&creds, "Ben Ruiz", &["list", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert!(list.len() >= 5);

    let table = as_member(&creds, "Ben Ruiz", &["list"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("APPROVALS") && text.contains("rebalancer-bot (bot)"),
        "{text}"
    );

    let own = list
        .iter()
        .find(|r| r["initiator"]["name"] == "Ben Ruiz")
        .expect("own");
    let id = own["id"].as_str().expect("id");
    let out = as_member(
        &creds,
        "Ben Ruiz",
        &["approve", id, "--otp", &code(&creds, "Ben Ruiz")],
    );
    // Refused before any code is spent, one line per request, exit 4.
    assert_eq!(out.status.code(), Some(4));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{id}: not decided: ")) && stdout.contains("initiated"),
        "{stdout}"
    );

    let other = list
        .iter()
        .find(|r| r["viewer"]["can_decide"] == true && r["approvals"] == 1)
        .expect("one approval so far");
    let id = other["id"].as_str().expect("id");
    // An unregistered device's signature is refused; registering it takes a code of its own.
    let out = as_member(
        &creds,
        "Ben Ruiz",
        &["approve", id, "--otp", &code(&creds, "Ben Ruiz")],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("This device is not registered"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_as(
        &creds,
        "Ben Ruiz",
        "device",
        &["register", "--otp", &code(&creds, "Ben Ruiz")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("registered "));
    let out = as_member(
        &creds,
        "Ben Ruiz",
        &["approve", id, "--otp", &code_in(&creds, "Ben Ruiz", 30)],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("completed (2 / 2 approvals)"), "{stdout}");
    assert!(
        stdout.contains("signed by this device; statement digest "),
        "{stdout}"
    );
    // Followed to settlement: what left is what was approved.
    let out = as_member(&creds, "Ben Ruiz", &["show", id]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("settlement: sent (refid ")
            && shown.contains("what left is what was approved"),
        "{shown}"
    );

    // Anyone may take the journal away and check it offline.
    let journal = dir.path().join("journal.jsonl");
    let out = run_as(
        &creds,
        "Dev Malik",
        "audit",
        &["export", "-o", journal.to_str().expect("path")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(BIN)
        .args(["audit", "verify"])
        .arg(&journal)
        .output()
        .expect("verify");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("intact") && stdout.contains("1 signed decisions"),
        "{stdout}"
    );
    // Ben's device kept its own record of the approval: it is in the Organization's journal.
    let out = run_as(&creds, "Ben Ruiz", "audit", &["mirror"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("all 1 decisions this device signed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A journal without it (Dev never decided: another member's mirror is empty) and a journal
    // with it removed and re-chained are told apart only by the mirror.
    let text = std::fs::read_to_string(&journal).expect("journal");
    let rechained = {
        let mut chain = countersign_vault::Chain::default();
        let mut out = String::new();
        for line in text.lines() {
            let record: countersign_vault::JournalRecord =
                serde_json::from_str(line).expect("record");
            if matches!(
                record.event,
                countersign_vault::JournalEvent::Decision { .. }
            ) {
                continue;
            }
            out.push_str(&chain.append(record.at, record.event).to_line());
            out.push('\n');
        }
        out
    };
    let forged = dir.path().join("forged.jsonl");
    std::fs::write(&forged, rechained).expect("forged journal");
    let out = Command::new(BIN)
        .args(["audit", "verify"])
        .arg(&forged)
        .output()
        .expect("verify");
    assert!(
        out.status.success(),
        "a re-chained journal verifies on its own"
    );
    let out = run_as(
        &creds,
        "Ben Ruiz",
        "audit",
        &["mirror", "--journal", forged.to_str().expect("path")],
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(id) && stderr.contains("not in the Organization's journal"),
        "{stderr}"
    );

    std::fs::write(&journal, text.replacen("\"approve\"", "\"reject\"", 1)).expect("tamper");
    let out = Command::new(BIN)
        .args(["audit", "verify"])
        .arg(&journal)
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was altered"));
}

#[test]
fn sign_prints_the_official_worked_example() {
    let out = Command::new(BIN)
        .args([
            "sign",
            "--secret",
            "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
            "--nonce",
            "1616492376594",
            "--path",
            "/0/private/AddOrder",
            "--body",
            "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
        ])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="
    );
}

#[test]
fn missing_base_url_says_what_to_do() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(BIN)
        .args(["approvals", "list"])
        .env_remove("COUNTERSIGN_BASE_URL")
        .env("XDG_CONFIG_HOME", home.path())
        .env("HOME", home.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base-url"));
}

#[test]
fn without_a_keychain_the_error_says_what_to_install_and_nothing_falls_back_to_a_file() {
    let home = tempfile::tempdir().expect("home");
    let out = Command::new(BIN)
        .args(["device", "show", "--base-url", "http://127.0.0.1:9"])
        .env_remove("COUNTERSIGN_DEVICE_KEY")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/countersign-test-bus",
        )
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .expect("run countersign");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no OS keychain is available") && stderr.contains("gnome-keyring"),
        "{stderr}"
    );
    let mut written = Vec::new();
    let mut stack = vec![home.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                written.push(path);
            }
        }
    }
    assert_eq!(
        written,
        Vec::<std::path::PathBuf>::new(),
        "no key kept in a file instead"
    );
}

#[test]
fn keys_diff_shows_the_change_and_approvers_read_the_same_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    // reporting-bot holds funds_query, ledger_query, export_data and trades_query_closed, from
    // any address. The change gains Withdraw, drops two scopes and pins it to one network.
    let key_args = [
        "--service-user",
        "su-reporting",
        "--scopes",
        "funds_query,ledger_query,funds_withdraw",
        "--ip",
        "10.0.0.0/8",
    ];
    let out = run_as(
        &creds,
        "Eve Santos",
        "keys",
        &[&["diff"][..], &key_args].concat(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "Changes:",
            "  + looser  gains Withdraw (funds_withdraw) — each withdrawal queued for 2 approvals under the current policy",
            "  - tighter loses Query closed orders & trades (trades_query_closed)",
            "  - tighter loses Export data (export_data)",
            "  - tighter IP allow-list narrowed from any address to 10.0.0.0/8",
        ],
        "{text}"
    );

    // `requests new ... --preview` shows the same, and submits nothing.
    let out = run_as(
        &creds,
        "Eve Santos",
        "requests",
        &[&["new", "change-service-user", "--preview"][..], &key_args].concat(),
    );
    let previewed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        previewed.starts_with("Decision: queued for 1 approval"),
        "{previewed}"
    );
    for line in &lines {
        assert!(
            previewed.contains(line),
            "{line:?} missing from\n{previewed}"
        );
    }
    let pending = as_member(&creds, "Ada Okafor", &["list", "--json"]);
    let pending: serde_json::Value = serde_json::from_slice(&pending.stdout).expect("json");
    assert!(
        pending.as_array().is_some_and(|rs| rs
            .iter()
            .all(|r| r["payload"]["kind"] != "change_service_user_key")),
        "a preview submits nothing"
    );

    // Submitted, the pending request carries the same lines for the approver.
    let out = run_as(
        &creds,
        "Eve Santos",
        "requests",
        &[&["new", "change-service-user", "--json"][..], &key_args].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let submitted: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let id = submitted["request"]["id"].as_str().expect("id");
    assert_eq!(submitted["request"]["status"], "pending");
    let out = as_member(&creds, "Ada Okafor", &["show", id]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in &lines {
        assert!(shown.contains(line), "{line:?} missing from\n{shown}");
    }
    assert!(shown.contains("You may approve or reject it."), "{shown}");

    // Its key's use, as the sandbox recorded it: never used yet.
    let out = run_as(
        &creds,
        "Eve Santos",
        "keys",
        &["usage", "--service-user", "su-reporting"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "su-reporting's key has not been used.\n"
    );

    // A nonce window above the cap is refused, naming the field and the limit.
    let out = run_as(
        &creds,
        "Eve Santos",
        "keys",
        &[
            "diff",
            "--service-user",
            "su-reporting",
            "--scopes",
            "funds_query",
            "--nonce-window",
            "60001",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("nonce_window 60001 is above the limit of 60000 nonce units"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn org_show_lists_members_service_users_policies_and_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    let out = run_as(&creds, "Ben Ruiz", "org", &["show"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "Members (5):",
        "  Ada Okafor (m-ada), Owner",
        "Service users (3):",
        "  payout-bot (su-payouts): funds_query, funds_withdraw",
        "    expires: never; query window: none; WebSocket: not allowed; nonce window: 0 nonce units; IP allow-list: any address",
        "  Initiate Withdrawal: 2 approvals, always",
        "Address book (",
        "  cold-storage-1: BTC via Bitcoin to bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from\n{text}");
    }
    let out = run_as(&creds, "Ben Ruiz", "org", &["show", "--json"]);
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(view["service_users"].as_array().map(Vec::len), Some(3));

    // A bot's withdrawal, previewed as the bot would send it.
    let out = run_as(
        &creds,
        "Ben Ruiz",
        "preview",
        &[
            "withdrawal",
            "--asset",
            "BTC",
            "--amount",
            "2",
            "--to",
            "cold-storage-1",
            "--as",
            "su-payouts",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Decision: queued for 2 approvals"), "{text}");
    assert!(text.contains("(service_user.never_executes)"), "{text}");
}

#[test]
fn policy_replay_counts_the_history_under_a_draft() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    // The seeded history: Initiate Withdrawal requests pending and decided under 2 approvals.
    let args = |n: &str| {
        vec![
            "replay".to_owned(),
            "--workflow".into(),
            "initiate_withdrawal".into(),
            "--approvals".into(),
            n.into(),
            "--json".into(),
        ]
    };
    let replay = |n: &str| -> serde_json::Value {
        let a = args(n);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = run_as(&creds, "Ben Ruiz", "policy", &refs);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let current = replay("2");
    let total = current["total"].as_u64().expect("total");
    assert!(total > 0, "{current}");
    assert_eq!(
        current["changed"].as_array().map(Vec::len),
        Some(0),
        "under the policy in force, nothing comes out otherwise: {current}"
    );
    let counted: usize = current["outcomes"]
        .as_object()
        .expect("outcomes")
        .values()
        .map(|ids| ids.as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(counted as u64, total, "every request is counted once");
    // Asking one approval: whatever waited with one approval would have completed.
    let one = replay("1");
    assert_eq!(one["total"], current["total"]);

    let out = run_as(
        &creds,
        "Ben Ruiz",
        "policy",
        &[
            "replay",
            "--workflow",
            "initiate_withdrawal",
            "--approvals",
            "3",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("Of {total} past Initiate Withdrawal requests, ")),
        "{text}"
    );
}

#[test]
fn org_stops_a_key_and_freezes_withdrawals_and_a_request_lifts_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, creds) = serve(dir.path());
    let ok = |out: &Output| {
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Ben may not stop a key; nothing changes.
    let out = run_as(
        &creds,
        "Ben Ruiz",
        "org",
        &[
            "stop-key",
            "su-rebalancer",
            "--reason",
            "odd calls",
            "--otp",
            &code(&creds, "Ben Ruiz"),
        ],
    );
    assert!(!out.status.success());
    let said = ok(&run_as(
        &creds,
        "Eve Santos",
        "org",
        &[
            "stop-key",
            "su-rebalancer",
            "--reason",
            "secret seen in a CI log",
            "--otp",
            &code(&creds, "Eve Santos"),
        ],
    ));
    assert!(
        said.starts_with("su-rebalancer's key is stopped by Eve Santos at ")
            && said.trim_end().ends_with(": secret seen in a CI log"),
        "{said}"
    );
    // Ben may freeze withdrawals: he approves them.
    ok(&run_as(
        &creds,
        "Ben Ruiz",
        "org",
        &[
            "freeze-withdrawals",
            "--reason",
            "tampering suspected",
            "--otp",
            &code(&creds, "Ben Ruiz"),
        ],
    ));
    let shown = ok(&run_as(&creds, "Dev Malik", "org", &["show"]));
    assert!(
        shown.contains("WITHDRAWALS FROZEN by Ben Ruiz at "),
        "{shown}"
    );
    assert!(
        shown.contains("    KEY STOPPED by Eve Santos at "),
        "{shown}"
    );

    // Lifting each is a request, previewed as a loosening, and approved under the policy.
    let out = run_as(
        &creds,
        "Eve Santos",
        "requests",
        &[
            "new",
            "resume-key",
            "--service-user",
            "su-rebalancer",
            "--preview",
        ],
    );
    let previewed = ok(&out);
    assert!(
        previewed.contains("rebalancer-bot's API key works again"),
        "{previewed}"
    );
    // Eve asks for each; Ada registers this device and approves the key's (a code is accepted
    // once: registering spends this step's, approving takes the next).
    let submit = |args: &[&str]| -> serde_json::Value {
        let args = [&["new"][..], args, &["--json"][..]].concat();
        serde_json::from_str(&ok(&run_as(&creds, "Eve Santos", "requests", &args))).expect("json")
    };
    let key = submit(&["resume-key", "--service-user", "su-rebalancer"]);
    assert_eq!(key["request"]["status"], "pending");
    let freeze = submit(&["resume-withdrawals"]);
    assert_eq!(freeze["request"]["status"], "pending");
    assert_eq!(freeze["request"]["workflow"], "manage_policies");
    ok(&run_as(
        &creds,
        "Ada Okafor",
        "device",
        &["register", "--otp", &code(&creds, "Ada Okafor")],
    ));
    let id = key["request"]["id"].as_str().expect("id");
    let otp = code_in(&creds, "Ada Okafor", 30);
    ok(&as_member(
        &creds,
        "Ada Okafor",
        &["approve", id, "--otp", &otp],
    ));
    let shown = ok(&run_as(&creds, "Dev Malik", "org", &["show"]));
    assert!(!shown.contains("KEY STOPPED"), "{shown}");
    assert!(shown.contains("WITHDRAWALS FROZEN"), "{shown}");
}

/// What the CLI writes is its user's alone: the sandbox's folder, its database and WAL, and the
/// demo credentials are neither group- nor world-readable (umask 077, whatever the shell's).
#[test]
fn the_files_it_writes_are_its_users_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, _creds) = serve(dir.path());
    let mut seen = 0;
    let mut stack = vec![
        dir.path().join("data"),
        common::credentials_path(dir.path()),
    ];
    while let Some(path) = stack.pop() {
        let meta = std::fs::metadata(&path).expect("stat");
        let mode = meta.permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{} is mode {mode:o}", path.display());
        seen += 1;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("entry").path());
            }
        }
    }
    assert!(
        seen >= 3,
        "the folder, the database and the credentials: {seen}"
    );
}
