//! The Ledgers area's core against real exports in `shared/reference/kraken-exports/` (read where
//! they are, never copied into the repository): imports land whole or not at all, re-imports add
//! nothing, and pages, totals, series and the jump to a break's row give the exported values.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_app::LedgerReview;
use countersign_app::ipc::ErrorCode;
use countersign_app::ledgers::{FileImportStatus, ImportProgress, LedgerFilter, SeriesBucket};

const ROYE: &str = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";

/// `shared/reference/kraken-exports/`: `$COUNTERSIGN_REFERENCE_DIR` when set, else the nearest
/// `shared/reference/kraken-exports` beside the repository or any folder above it.
fn reference_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("COUNTERSIGN_REFERENCE_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared/reference/kraken-exports"))
        .chain([PathBuf::from("/work/shared/reference/kraken-exports")])
        .find(|p| p.is_dir())
        .unwrap_or_else(|| manifest.join("../../../shared/reference/kraken-exports"))
}

fn reference(path: &str) -> PathBuf {
    let full = reference_dir().join(path);
    assert!(
        full.is_file(),
        "reference export {} is missing; these tests need shared/ beside the repository",
        full.display()
    );
    full
}

fn review() -> (tempfile::TempDir, LedgerReview) {
    let dir = tempfile::tempdir().expect("tempdir");
    let review = LedgerReview::in_data_dir(dir.path());
    (dir, review)
}

async fn import(review: &LedgerReview, paths: &[&Path]) -> countersign_app::ledgers::ImportSummary {
    review
        .import(paths.iter().map(|p| p.to_path_buf()).collect(), |_| {})
        .await
        .expect("import")
}

fn only(assets: &[&str]) -> LedgerFilter {
    LedgerFilter {
        assets: assets.iter().map(|a| (*a).to_owned()).collect(),
        ..LedgerFilter::default()
    }
}

#[tokio::test]
async fn import_stores_every_row_once_and_reports_progress() {
    let (dir, review) = review();
    assert_eq!(
        review.path(),
        dir.path().join("ledgers").join("default.sqlite")
    );
    let roye = reference(ROYE);
    let seen: Arc<Mutex<Vec<ImportProgress>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let summary = review
        .import(vec![roye.clone()], move |p| {
            sink.lock().expect("progress").push(p);
        })
        .await
        .expect("import");
    assert_eq!(summary.failure, None);
    assert_eq!(summary.files.len(), 1);
    assert_eq!(summary.files[0].status, FileImportStatus::Imported);
    assert_eq!(summary.files[0].kind.as_deref(), Some("ledgers"));
    assert_eq!((summary.files[0].rows, summary.files[0].added), (106, 106));
    assert_eq!((summary.added, summary.total_rows), (106, 106));
    let stages = seen.lock().expect("progress").clone();
    assert!(
        matches!(
            stages.first(),
            Some(ImportProgress::Reading {
                index: 0,
                files: 1,
                ..
            })
        ),
        "{stages:?}"
    );
    assert!(
        stages.iter().any(|s| matches!(
            s,
            ImportProgress::Storing {
                done: 106,
                total: 106
            }
        )),
        "{stages:?}"
    );

    // The same file again: recognised, nothing added.
    let again = import(&review, &[&roye]).await;
    assert_eq!(again.files[0].status, FileImportStatus::AlreadyImported);
    assert_eq!(
        again.files[0].already_as.as_deref(),
        Some(roye.display().to_string().as_str())
    );
    assert_eq!((again.added, again.total_rows), (0, 106));

    let report = review.report().await.expect("report");
    assert!(report.holds, "{:?}", report.breaks);
    assert_eq!(report.rows, 106);
    let chains: Vec<(&str, &str, &str)> = report
        .chains
        .iter()
        .map(|c| (c.asset.as_str(), c.wallet.as_str(), c.closing.as_str()))
        .collect();
    assert_eq!(
        chains,
        [
            ("GBP", "spot / main", "1.2670"),
            ("USDT", "spot / main", "0.81000012")
        ]
    );
}

#[tokio::test]
async fn a_bad_file_stores_nothing_and_names_file_line_and_column() {
    let (dir, review) = review();
    let roye = reference(ROYE);
    let text = std::fs::read_to_string(&roye).expect("read");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text.replacen("150.0000", "15O.0000", 1)).expect("write");
    let summary = import(&review, &[&roye, &bad]).await;
    let failure = summary.failure.expect("a failure");
    assert_eq!(failure.file, bad.display().to_string());
    assert_eq!(failure.line, Some(2));
    assert_eq!(failure.column.as_deref(), Some("amount"));
    assert!(
        failure.message.contains("is not a decimal number"),
        "{}",
        failure.message
    );
    assert!(summary.files.is_empty());
    assert_eq!((summary.added, summary.total_rows), (0, 0));

    // A path that does not exist: also nothing stored.
    let missing = dir.path().join("missing.csv");
    let summary = import(&review, &[&roye, &missing]).await;
    assert_eq!(
        summary.failure.map(|f| f.file),
        Some(missing.display().to_string())
    );
    assert_eq!(review.report().await.expect("report").rows, 0);
}

#[tokio::test]
async fn pages_totals_series_and_facets_give_the_exported_values() {
    let (_dir, review) = review();
    import(&review, &[&reference(ROYE)]).await;

    let page = review
        .page(LedgerFilter::default(), 0, 5)
        .await
        .expect("page");
    assert_eq!(page.total, 106);
    assert_eq!(page.rows.len(), 5);
    let first = &page.rows[0];
    assert_eq!(first.line, 2);
    assert_eq!(first.txid, "LOGPBH-3BGDO-7VXSZT");
    assert_eq!(first.time, "2024-11-01 13:39:49");
    assert_eq!(first.time_ms, 1_730_468_389_000);
    assert_eq!(
        (
            first.amount.as_str(),
            first.fee.as_str(),
            first.asset.as_str()
        ),
        ("150.0000", "0", "GBP")
    );
    assert_eq!(first.balance.as_deref(), Some("173.3730"));
    // Pages follow on from each other.
    let next = review
        .page(LedgerFilter::default(), 4, 2)
        .await
        .expect("page");
    assert_eq!(next.rows[0], page.rows[4]);

    // Filters narrow the rows and the totals.
    let gbp = review.page(only(&["GBP"]), 0, 200).await.expect("page");
    assert_eq!((gbp.total, gbp.rows.len()), (58, 58));
    let totals = review
        .totals(only(&["GBP"]), vec!["asset".to_owned()])
        .await
        .expect("totals");
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].keys, ["GBP"]);
    assert_eq!(totals[0].count, 58);
    assert_eq!(
        (
            totals[0].amount.as_str(),
            totals[0].fee.as_str(),
            totals[0].net.as_str()
        ),
        ("11.3518", "33.4578", "-22.1060")
    );
    let deposits = LedgerFilter {
        types: vec!["deposit".to_owned()],
        ..only(&["GBP"])
    };
    let by_type = review
        .totals(deposits, vec!["asset".to_owned(), "type".to_owned()])
        .await
        .expect("totals");
    assert_eq!(by_type.len(), 1);
    assert_eq!(by_type[0].keys, ["GBP", "deposit"]);
    assert_eq!(by_type[0].amount, "8880.4700");
    let december = LedgerFilter {
        date: Some("2024-12".to_owned()),
        ..LedgerFilter::default()
    };
    let in_december = review.page(december, 0, 200).await.expect("page");
    assert!(in_december.total > 0 && in_december.total < 106);
    assert!(
        in_december
            .rows
            .iter()
            .all(|r| r.time.starts_with("2024-12"))
    );

    // A date that cannot be read, or an unknown dimension: invalid input, saying what can be.
    let bad = LedgerFilter {
        date: Some("last fortnight".to_owned()),
        ..LedgerFilter::default()
    };
    let err = review.page(bad, 0, 10).await.expect_err("bad date");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("last month"), "{}", err.message);
    let err = review
        .totals(LedgerFilter::default(), vec!["colour".to_owned()])
        .await
        .expect_err("bad dimension");
    assert_eq!(err.code, ErrorCode::InvalidInput);

    // The balance at each month end.
    let series = review
        .series(
            "GBP".to_owned(),
            "spot / main".to_owned(),
            SeriesBucket::Month,
        )
        .await
        .expect("series");
    let points: Vec<(i64, &str)> = series
        .iter()
        .map(|p| (p.period_end, p.balance.as_str()))
        .collect();
    assert_eq!(
        points,
        [
            (1_733_011_200, "2.7120"),
            (1_735_689_600, "0.0385"),
            (1_738_368_000, "1.2670")
        ]
    );

    let facets = review.facets().await.expect("facets");
    assert_eq!(facets.assets, ["GBP", "USDT"]);
    assert_eq!(facets.types, ["deposit", "trade", "withdrawal"]);
    assert_eq!(facets.wallets, ["spot / main"]);
}

#[tokio::test]
async fn a_break_locates_its_row_in_the_table() {
    let (dir, review) = review();
    let text = std::fs::read_to_string(reference(ROYE)).expect("read");
    // The second GBP deposit removed: the chain breaks at the row after it.
    let tampered: String = text
        .split_inclusive('\n')
        .enumerate()
        .filter(|&(i, _)| i != 2)
        .map(|(_, l)| l)
        .collect();
    let path = dir.path().join("tampered.csv");
    std::fs::write(&path, tampered).expect("write");
    import(&review, &[&path]).await;
    let report = review.report().await.expect("report");
    assert!(!report.holds);
    let first = &report.breaks[0];
    assert_eq!(
        (first.asset.as_str(), first.gap.as_str()),
        ("GBP", "200.0000")
    );
    assert!(first.message.contains("missing"), "{}", first.message);

    for filter in [LedgerFilter::default(), only(&["GBP"])] {
        let offset = review
            .locate(filter.clone(), first.row.clone())
            .await
            .expect("locate")
            .expect("the row is in the table");
        let page = review.page(filter, offset, 1).await.expect("page");
        assert_eq!(page.rows[0].txid, first.row.txid);
        assert_eq!(page.rows[0].line, first.row.line);
    }
    // A filter that leaves the row out: not found.
    let located = review
        .locate(only(&["USDT"]), first.row.clone())
        .await
        .expect("locate");
    assert_eq!(located, None);
}
