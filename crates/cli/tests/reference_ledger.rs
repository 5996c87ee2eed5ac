//! `countersign ledger …` on the owners' real export, in addition to the fixture of `ledger.rs`:
//! `shared/reference/kraken-exports/` beside the checkout (found through
//! `$COUNTERSIGN_REFERENCE_DIR`, or in the crate's folder or one above it), read where it is,
//! never copied into the repository. Without the folder the test prints one line to stderr saying
//! it was skipped and why, and passes; `cargo xtask test` says whether it ran.

use std::path::Path;
use std::process::{Command, Output};

#[macro_use]
#[path = "../../ledger/tests/support/locate.rs"]
mod locate;

use locate::reference_dir_or_skip;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const ROYE: &str = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";

fn ledger(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("ledger")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run countersign")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn import_check_summary_and_balance_of_a_real_export() {
    let dir = reference_or_skip!();
    let file = dir.join(ROYE);
    let temp = tempfile::tempdir().expect("tempdir");
    let db = temp.path().join("ws.sqlite");

    let out = ledger(&db, &["import", file.to_str().expect("UTF-8 path")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("106 rows, 106 added, 0 already present"),
        "{stdout}"
    );
    assert!(stdout.contains("every chain holds"), "{stdout}");

    let report = json(&ledger(&db, &["check", "--json"]));
    assert_eq!(report["holds"], true);
    assert_eq!(report["chains"].as_array().map(Vec::len), Some(2));

    let summary = json(&ledger(
        &db,
        &[
            "summary",
            "--by",
            "asset,type",
            "--from",
            "2024-12",
            "--to",
            "2024-12",
            "--json",
        ],
    ));
    let rows = summary["rows"].as_array().expect("rows");
    let gbp_trade = rows
        .iter()
        .find(|r| r["asset"] == "GBP" && r["type"] == "trade")
        .expect("GBP trade");
    assert_eq!(gbp_trade["count"], 9);
    assert_eq!(gbp_trade["amount"], "1367.9697");
    assert_eq!(gbp_trade["fee"], "2.1132");
    assert_eq!(gbp_trade["net"], "1365.8565");

    let balance = json(&ledger(&db, &["balance", "--at", "2024-12-31", "--json"]));
    assert_eq!(
        balance["balances"],
        serde_json::json!([
            {"asset": "GBP", "wallet": "spot / main", "balance": "0.0385"},
            {"asset": "USDT", "wallet": "spot / main", "balance": "0.86269784"},
        ])
    );
}
