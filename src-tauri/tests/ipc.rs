//! Every command through Tauri's IPC, as the webview calls it: the mock runtime, the app's real
//! context (so the window's capability and the plugin's generated permissions decide), and a
//! core on the embedded sandbox with an in-memory keychain and clipboard.
//!
//! Each command must be dispatched, allowed and given arguments it can read (a refusal from the
//! job itself is fine: it proves the call got through). Then, with the app locked, every command
//! the lock refuses must answer `locked`, and the rest must not.

mod support;

use std::collections::BTreeMap;

use countersign_app::Environment;
use countersign_desktop::commands::{self, Command};
use serde_json::{Value, json};
use support::Desktop;

/// An argument each command can read, by its name and type.
fn sample(arg: &str, ts: &str) -> Value {
    match (arg, ts) {
        ("filter", "RequestFilter") => json!({ "status": null, "workflow": null }),
        ("filter", "LedgerFilter") => json!({
            "date": null, "assets": [], "types": [], "subtypes": [], "wallets": [],
            "refid": null, "text": null
        }),
        ("id" | "requestId", _) => json!("R-NONE"),
        ("otp", _) => json!("000000"),
        ("reason", _) => json!("not ours"),
        ("payload" | "seen", _) => json!({ "kind": "remove_address", "key": "no-such-entry" }),
        ("execute" | "on", _) => json!(false),
        ("shown", _) => {
            json!([{ "id": "R-NONE", "seen": { "kind": "remove_address", "key": "no-such-entry" } }])
        }
        ("decision", _) => json!("approve"),
        ("workflow", _) => json!("initiate_withdrawal"),
        ("policy", _) => Value::Null,
        ("memberId", _) => json!("m-ben"),
        ("initiator" | "serviceUser", _) => json!("su-payouts"),
        ("baseUrl", _) => json!("http://127.0.0.1:9"),
        ("apiKey", _) => json!("KEY"),
        ("paths", _) => json!([]),
        ("acceptEdited", _) => json!(false),
        ("offset", _) => json!(0),
        ("limit", _) => json!(5),
        ("minutes", _) => json!(5),
        ("row", _) => json!({ "file": "ledgers.csv", "line": 2, "txid": "" }),
        ("by", _) => json!(["asset"]),
        ("asset", _) => json!("BTC"),
        ("key", _) => json!("no-such-entry"),
        ("wallet", _) => json!("spot / main"),
        ("bucket", _) => json!("month"),
        ("path", _) => json!("/nonexistent/countersign-ipc-test/out.csv"),
        _ => panic!("no sample argument {arg}: {ts}; add one to this test"),
    }
}

fn args(command: &Command) -> Value {
    let mut args = serde_json::Map::new();
    for (name, ts) in &command.args {
        args.insert(name.clone(), sample(name, &ts.name));
    }
    Value::Object(args)
}

/// The error code of a job's refusal; panics on anything else (a rejection by the IPC layer
/// itself — unknown command, permission, arguments — is a plain string).
fn code(name: &str, rejection: &Value) -> String {
    rejection["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{name} was refused before it ran: {rejection}"))
        .to_owned()
}

#[test]
fn every_command_is_reachable_and_the_lock_refuses_exactly_the_guarded_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desktop = Desktop::on_sandbox(Environment::in_memory(dir.path()));
    let call = |name: &str, args: Value| desktop.call(name, args);

    let declared = commands::commands();
    assert_eq!(declared.len(), commands::COMMANDS.len());
    let mut answered = BTreeMap::new();
    for command in declared.iter().filter(|c| c.name != "lock_app") {
        let outcome = call(command.name, args(command));
        if let Err(rejection) = &outcome {
            let code = code(command.name, rejection);
            assert_ne!(code, "locked", "{} refused while unlocked", command.name);
        }
        answered.insert(command.name, outcome.is_ok());
    }
    for reached in [
        "get_session",
        "list_requests",
        "get_org",
        "sandbox_members",
        "ledger_report",
    ] {
        assert_eq!(answered.get(reached), Some(&true), "{reached} answers");
    }

    call("lock_app", json!({})).expect("locks");
    assert_eq!(call("app_locked", json!({})), Ok(json!(true)));
    // The offline ledger review and the sandbox's code for the lock screen stay open.
    assert!(
        call("ledger_report", json!({})).is_ok(),
        "ledgers while locked"
    );
    let demo = call("sandbox_unlock_code", json!({})).expect("the demo code while locked");
    assert_eq!(demo["id"], "m-ben", "the signed-in member's: {demo}");
    assert!(
        demo["code"].as_str().is_some_and(|c| c.len() == 6),
        "{demo}"
    );
    for command in &declared {
        let outcome = call(command.name, args(command));
        let locked = matches!(&outcome, Err(r) if code(command.name, r) == "locked");
        assert_eq!(
            locked,
            command.door.locked_out(),
            "{} while locked: {outcome:?}",
            command.name
        );
    }
}

#[test]
fn a_command_the_table_does_not_declare_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desktop = Desktop::on_sandbox(Environment::in_memory(dir.path()));
    let refused = desktop
        .call("no_such_command", json!({}))
        .expect_err("refused");
    assert!(refused.is_string(), "refused by the IPC layer: {refused}");
}
