//! `countersign ledger …` as a user runs it, on a real export (read from `shared/reference`,
//! never copied into the repository) in a scratch workspace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
const ROYE: &str = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";

/// `shared/reference/kraken-exports/` beside the repository (as the ledger crate's tests find it).
fn reference(path: &str) -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("COUNTERSIGN_REFERENCE_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            manifest
                .ancestors()
                .map(|a| a.join("shared/reference/kraken-exports"))
                .chain([PathBuf::from("/work/shared/reference/kraken-exports")])
                .find(|p| p.is_dir())
        })
        .expect("shared/reference/kraken-exports beside the repository");
    dir.join(path)
}

fn ledger(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("ledger")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run countersign")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn import_check_summary_balance_and_export_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ws.sqlite");
    let file = reference(ROYE);

    let out = ledger(&db, &["import", path(&file)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("106 rows, 106 added, 0 already present"));
    assert!(stdout(&out).contains("every chain holds"));

    // The same file again: recognised, nothing added.
    let again = ledger(&db, &["import", path(&file)]);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("already imported on"),
        "{}",
        stdout(&again)
    );
    assert!(stdout(&again).contains("nothing added"));
    assert!(stdout(&again).contains("holds 106 ledger rows"));

    let check = ledger(&db, &["check", "--json"]);
    assert_eq!(check.status.code(), Some(0));
    let report = json(&check);
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
    assert_eq!(summary["by"], serde_json::json!(["asset", "type"]));
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
    assert_eq!(balance["at"], "2024-12-31 23:59:59.9999");
    assert_eq!(
        balance["balances"],
        serde_json::json!([
            {"asset": "GBP", "wallet": "spot / main", "balance": "0.0385"},
            {"asset": "USDT", "wallet": "spot / main", "balance": "0.86269784"},
        ])
    );

    // Export everything, re-import into a fresh workspace: the same totals.
    let exported = dir.path().join("exported.csv");
    let out = ledger(&db, &["export", "-o", path(&exported)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).contains("wrote 106 rows"));
    let fresh = dir.path().join("fresh.sqlite");
    assert!(
        ledger(&fresh, &["import", path(&exported)])
            .status
            .success()
    );
    let totals = |db: &Path| {
        json(&ledger(
            db,
            &["summary", "--by", "asset,type,month", "--json"],
        ))
    };
    assert_eq!(totals(&db)["rows"], totals(&fresh)["rows"]);

    let assertions = dir.path().join("assertions.csv");
    assert!(
        ledger(&db, &["export", "--assertions", "-o", path(&assertions)])
            .status
            .success()
    );
    let text = std::fs::read_to_string(&assertions).expect("assertions");
    assert!(text.starts_with("date,asset,wallet,balance\n"));
    assert!(
        text.contains("2024-12-31,GBP,spot / main,0.0385\n"),
        "{text}"
    );
    assert!(
        text.contains("2025-01-31,USDT,spot / main,0.81000012\n"),
        "{text}"
    );
}

#[test]
fn a_bad_file_imports_nothing_and_names_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ws.sqlite");
    let good = reference(ROYE);
    let text = std::fs::read_to_string(&good).expect("read");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        text.replacen("2024-11-01 13:44:05", "2024-11-31 13:44:05", 1),
    )
    .expect("write");
    let out = ledger(&db, &["import", path(&good), path(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{} line 3, column \"time\": \"2024-11-31 13:44:05\" is not an export time",
            bad.display()
        )),
        "{err}"
    );
    // Nothing stored, not even the good file.
    let summary = json(&ledger(&db, &["summary", "--json"]));
    assert_eq!(summary["rows"], serde_json::json!([]));
    let check = json(&ledger(&db, &["check", "--json"]));
    assert_eq!(check["chains"], serde_json::json!([]));
}

#[test]
fn check_names_the_row_after_a_deleted_one_and_exits_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ws.sqlite");
    let text = std::fs::read_to_string(reference(ROYE)).expect("read");
    // Line 3 deleted: the GBP deposit of 200.0000 goes missing before the original line 4.
    let tampered: String = text
        .split_inclusive('\n')
        .enumerate()
        .filter(|&(i, _)| i != 2)
        .map(|(_, l)| l)
        .collect();
    let file = dir.path().join("tampered.csv");
    std::fs::write(&file, tampered).expect("write");
    let out = ledger(&db, &["import", path(&file)]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("integrity: 1 breaks"),
        "{}",
        stdout(&out)
    );

    let human = ledger(&db, &["check"]);
    assert_eq!(human.status.code(), Some(3));
    let name = file.display().to_string();
    assert!(
        stdout(&human).contains(&format!("break: {name} line 3 (")),
        "{}",
        stdout(&human)
    );
    let report = ledger(&db, &["check", "--json"]);
    assert_eq!(report.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).expect("JSON");
    assert_eq!(report["holds"], false);
    let first = &report["breaks"][0];
    assert_eq!(first["asset"], "GBP");
    assert_eq!(first["row"]["file"], name.as_str());
    assert_eq!(first["row"]["line"], 3);
    assert_eq!(first["gap"], "200.0000");
}
