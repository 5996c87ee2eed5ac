//! The Ledgers area's core on the owners' real exports, in addition to the fixtures of
//! `ledgers.rs`: `shared/reference/kraken-exports/` beside the checkout (found through
//! `$COUNTERSIGN_REFERENCE_DIR`, or in the crate's folder or one above it), read where they are,
//! never copied into the repository. Without the folder each test prints one line to stderr saying
//! it was skipped and why, and passes; `cargo xtask test` says whether they ran.

use std::path::{Path, PathBuf};

use countersign_app::LedgerReview;
use countersign_app::ledgers::{FileImportStatus, ImportSummary, LedgerFilter, SeriesBucket};

#[macro_use]
#[path = "../../ledger/tests/support/locate.rs"]
mod locate;

use locate::reference_dir_or_skip;

/// The newest real ledgers export (12 columns, about January 2026) and its trades export.
const ROYE: &str = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";
const ROYE_TRADES: &str = "real/royeharris_kraken-ledger-report_trades_2024-11_2025-01.csv";

fn reference(dir: &Path, path: &str) -> PathBuf {
    let full = dir.join(path);
    assert!(
        full.is_file(),
        "reference export {} is missing",
        full.display()
    );
    full
}

async fn import(review: &LedgerReview, paths: &[&Path]) -> ImportSummary {
    review
        .import(
            paths.iter().map(|p| p.to_path_buf()).collect(),
            false,
            |_| {},
        )
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
async fn a_real_export_gives_its_own_values() {
    let dir = reference_or_skip!();
    let temp = tempfile::tempdir().expect("tempdir");
    let review = LedgerReview::in_data_dir(temp.path());
    let roye = reference(&dir, ROYE);
    let summary = import(&review, &[&roye]).await;
    assert_eq!(summary.failure, None);
    assert_eq!(summary.files[0].status, FileImportStatus::Imported);
    assert_eq!((summary.added, summary.total_rows), (106, 106));

    let report = review.report().await.expect("report");
    assert!(report.holds, "{:?}", report.breaks);
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

    let page = review
        .page(LedgerFilter::default(), 0, 5)
        .await
        .expect("page");
    assert_eq!(page.total, 106);
    let first = &page.rows[0];
    assert_eq!(first.txid, "LOGPBH-3BGDO-7VXSZT");
    assert_eq!(first.time_ms, 1_730_468_389_000);
    assert_eq!(first.balance.as_deref(), Some("173.3730"));

    let totals = review
        .totals(only(&["GBP"]), vec!["asset".to_owned()])
        .await
        .expect("totals");
    assert_eq!(totals[0].count, 58);
    assert_eq!(
        (
            totals[0].amount.as_str(),
            totals[0].fee.as_str(),
            totals[0].net.as_str()
        ),
        ("11.3518", "33.4578", "-22.1060")
    );

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

    import(&review, &[&reference(&dir, ROYE_TRADES)]).await;
    let trades = review
        .trades(LedgerFilter::default(), 0, 200)
        .await
        .expect("trades");
    let first = &trades.groups[0];
    assert_eq!(first.refid, "TIIAWV-NWCDG-SZ4WV2");
    let trade = first.trade.as_ref().expect("the trades row");
    assert_eq!(
        (trade.pair.as_str(), trade.side.as_str(), trade.vol.as_str()),
        ("USDT/GBP", "buy", "1909.00000000")
    );
    assert_eq!(
        (first.fees[0].asset.as_str(), first.fees[0].fee.as_str()),
        ("GBP", "2.9560")
    );
}
