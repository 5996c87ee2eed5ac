//! What the UI writes itself and the core must agree with.

use super::*;

/// What the UI writes itself and must agree with the core on: the scopes' labels, groups and
/// words, the workflows' labels, which workflow each request kind belongs to, which IP allowlist
/// entries are addresses or ranges, and the date forms the Ledgers filter suggests. The UI's
/// contract test (`ui/src/lib/contracts.test.ts`) holds its tables to these.
#[test]
fn contracts() {
    use countersign_org::{Scope, Workflow};
    let scopes: Vec<Value> = Scope::ALL
        .iter()
        .map(|s| {
            json!({
                "scope": s.wire_name(), "label": s.label(), "group": s.group(), "allows": s.allows(),
            })
        })
        .collect();
    let workflows: Vec<Value> = Workflow::ALL
        .iter()
        .map(|w| json!({ "workflow": w, "label": w.label() }))
        .collect();
    // One payload of every kind, for the workflow it belongs to.
    let payloads = [
        json!({ "kind": "invite_member", "name": "n", "permissions": {}, "account": [] }),
        json!({ "kind": "remove_member", "member": "m-x" }),
        json!({ "kind": "change_member_permissions", "member": "m-x", "permissions": {}, "account": [] }),
        json!({ "kind": "create_service_user", "name": "n", "key": key(&[], false, &[]) }),
        json!({ "kind": "change_service_user_key", "service_user": "su-x", "key": key(&[], false, &[]) }),
        json!({ "kind": "remove_service_user", "service_user": "su-x" }),
        json!({ "kind": "resume_service_user", "service_user": "su-x" }),
        json!({ "kind": "resume_withdrawals" }),
        json!({ "kind": "set_decision_window", "seconds": 60 }),
        json!({ "kind": "change_policy", "workflow": "manage_access", "policy": null }),
        json!({ "kind": "lock_policy", "workflow": "manage_access" }),
        json!({ "kind": "add_address", "key": "k", "asset": "BTC", "method": "Bitcoin", "address": "a" }),
        json!({ "kind": "relabel_address", "key": "k", "new_key": "l" }),
        json!({ "kind": "remove_address", "key": "k" }),
        json!({ "kind": "withdrawal", "asset": "BTC", "amount": "1", "fee": "0", "key": "k", "address": "a" }),
    ];
    let kinds: Vec<Value> = payloads
        .iter()
        .map(|p| {
            let payload: countersign_org::RequestPayload =
                serde_json::from_value(p.clone()).expect("a payload");
            json!({ "kind": p["kind"], "workflow": payload.workflow() })
        })
        .collect();
    let entries = [
        "10.0.0.0/8",
        "198.51.100.7",
        "2001:db8::1",
        "2001:db8::/48",
        "::/0",
        "0.0.0.0/0",
        "10.0.0.300",
        "10.0.0.0/33",
        "2001:db8::/129",
        "10.0.0",
        "fe80::1::2",
        "example.com",
        "10.0.0.0/8/8",
        "",
        " 10.1.2.3 ",
        "::ffff:192.0.2.1",
    ];
    let allowlist: Vec<Value> = entries
        .iter()
        .map(|e| json!({ "entry": e, "valid": countersign_org::parse_cidr(e).is_some() }))
        .collect();
    let now = countersign_ledger::Timestamp::from_unix_seconds(START_MS / 1000).expect("now");
    let forms = [
        "last month",
        "2025-01",
        "q1 2025",
        "2025",
        "2025-01-31",
        "ytd",
        "last 7 days",
        "last fortnight",
    ];
    let dates: Vec<Value> = forms
        .iter()
        .map(|f| match countersign_ledger::DateRange::parse(f, now) {
            Ok(r) => {
                json!({ "form": f, "from": r.from.to_csv_seconds(), "to": r.to.to_csv_seconds() })
            }
            Err(e) => json!({ "form": f, "refused": e.to_string() }),
        })
        .collect();
    let contracts = json!({
        "about": "What the core says the UI's own tables must agree with (src-tauri/tests/ui_fixtures/contracts.rs).",
        "scopes": scopes,
        "workflows": workflows,
        "kinds": kinds,
        "unused_after_seconds": countersign_org::UNUSED_AFTER_SECONDS,
        "allowlist": allowlist,
        "dates": dates,
    });
    let dir = std::env::var_os("COUNTERSIGN_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/fixtures"));
    std::fs::create_dir_all(&dir).expect("fixtures folder");
    let mut text = serde_json::to_string_pretty(&contracts).expect("JSON");
    text.push('\n');
    std::fs::write(dir.join("contracts.json"), text).expect("write");
}
