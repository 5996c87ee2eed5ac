//! `countersign ledger …` as a user runs it, on the project's 12-column fixture (invented, in
//! `crates/ledger/tests/fixtures/exports/`) in a scratch workspace. The same on the owners' real
//! export is in `reference_ledger.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../ledger/tests/support/locate.rs"]
mod locate;

const BIN: &str = env!("CARGO_BIN_EXE_countersign");
/// The current layout (12 columns): EUR and USDC from November 2024 to January 2025, 50 rows.
const LEDGERS: &str = "ledgers-12-2024-2025.csv";

fn fixture(name: &str) -> PathBuf {
    locate::fixture_path(name)
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
    let file = fixture(LEDGERS);

    let out = ledger(&db, &["import", path(&file)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("50 rows, 50 added, 0 already present"),
        "{}",
        stdout(&out)
    );
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
    assert!(stdout(&again).contains("holds 50 ledger rows"));

    let check = ledger(&db, &["check", "--json"]);
    assert_eq!(check.status.code(), Some(0));
    let report = json(&check);
    assert_eq!(report["holds"], true);
    assert_eq!(report["chains"].as_array().map(Vec::len), Some(2));

    let december = [
        "summary",
        "--by",
        "asset,type",
        "--from",
        "2024-12",
        "--to",
        "2024-12",
    ];
    let summary = json(&ledger(&db, &[&december[..], &["--json"]].concat()));
    assert_eq!(summary["by"], serde_json::json!(["asset", "type"]));
    let rows = summary["rows"].as_array().expect("rows");
    let eur_trade = rows
        .iter()
        .find(|r| r["asset"] == "EUR" && r["type"] == "trade")
        .expect("EUR trade");
    assert_eq!(eur_trade["count"], 5);
    assert_eq!(eur_trade["amount"], "-814.0000");
    assert_eq!(eur_trade["fee"], "3.0530");
    assert_eq!(eur_trade["net"], "-817.0530");
    assert_eq!(
        rows.len(),
        6,
        "deposits, trades and withdrawals of both assets"
    );
    // The JSON keeps the figures as stored; the table shows them as the app does: grouped, with
    // the export's trailing zeros dropped.
    let table = stdout(&ledger(&db, &december));
    let eur_trade = table
        .lines()
        .find(|l| l.starts_with("EUR") && l.contains("trade"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        eur_trade.contains("-814 ")
            && eur_trade.contains("3.053 ")
            && eur_trade.ends_with("-817.053"),
        "{eur_trade}"
    );

    let balance = json(&ledger(&db, &["balance", "--at", "2024-12-31", "--json"]));
    assert_eq!(balance["at"], "2024-12-31 23:59:59.9999");
    assert_eq!(
        balance["balances"],
        serde_json::json!([
            {"asset": "EUR", "wallet": "spot / main", "balance": "1.3980"},
            {"asset": "USDC", "wallet": "spot / main", "balance": "5.05652455"},
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
    // The app's own words: the CLI and the Ledgers area run the one export job.
    assert!(
        stdout(&out).contains("Wrote 50 rows to ")
            && stdout(&out).contains("in the exchange's ledgers layout"),
        "{}",
        stdout(&out)
    );
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
        text.contains("2024-12-31,EUR,spot / main,1.3980\n"),
        "{text}"
    );
    assert!(
        text.contains("2025-01-31,USDC,spot / main,62.05745847\n"),
        "{text}"
    );

    // The filter holds for the assertions too, as in the app: only the chains it selects.
    let usdc = dir.path().join("usdc-assertions.csv");
    let out = ledger(
        &db,
        &[
            "export",
            "--assertions",
            "--asset",
            "USDC",
            "-o",
            path(&usdc),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&usdc).expect("assertions");
    let assets: std::collections::BTreeSet<&str> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(1))
        .collect();
    assert_eq!(assets, ["USDC"].into_iter().collect(), "{text}");
    assert!(
        text.contains("2025-01-31,USDC,spot / main,62.05745847\n"),
        "{text}"
    );
}

#[test]
fn a_bad_file_imports_nothing_and_names_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("ws.sqlite");
    let good = fixture(LEDGERS);
    let text = std::fs::read_to_string(&good).expect("read");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        text.replacen("2024-11-04 09:21:07", "2024-11-31 09:21:07", 1),
    )
    .expect("write");
    let out = ledger(&db, &["import", path(&good), path(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{} line 3, column \"time\": \"2024-11-31 09:21:07\" is not an export time",
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
    let text = std::fs::read_to_string(fixture(LEDGERS)).expect("read");
    // Line 3 deleted: the EUR deposit of 250.0000 goes missing before the original line 4.
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
    assert_eq!(first["asset"], "EUR");
    assert_eq!(first["row"]["file"], name.as_str());
    assert_eq!(first["row"]["line"], 3);
    assert_eq!(first["gap"], "250.0000");
}
