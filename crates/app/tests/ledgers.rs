//! The Ledgers area's core on the project's fixtures (invented exports, in
//! `crates/ledger/tests/fixtures/exports/`, see its README.md): imports land whole or not at all,
//! re-imports add nothing, and pages, totals, series and the jump to a break's row give the
//! exported values; trades come with their legs and fees; exports written to real files read back
//! with the crate's own reader and give the same totals; the report is made again only after an
//! import. The same on the owners' real exports is in `reference_ledgers.rs`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_app::LedgerReview;
use countersign_app::ipc::ErrorCode;
use countersign_app::ledgers::{
    FileImportStatus, ImportProgress, ImportSummary, LedgerFilter, SeriesBucket,
};
use countersign_ledger::{ReadOptions, read_ledgers};
use rust_decimal::Decimal;

#[path = "../../ledger/tests/support/locate.rs"]
mod locate;

/// The current layout (12 columns): EUR and USDC from November 2024 to January 2025, 50 rows
/// (28 EUR, 22 USDC), CRLF as shipped.
const LEDGERS: &str = "ledgers-12-2024-2025.csv";
/// Its trades export (24 columns): the 13 trades of those rows.
const TRADES: &str = "trades-24-2024-2025.csv";

fn fixture(name: &str) -> PathBuf {
    locate::fixture_path(name)
}

fn review() -> (tempfile::TempDir, LedgerReview) {
    let dir = tempfile::tempdir().expect("tempdir");
    let review = LedgerReview::in_data_dir(dir.path());
    (dir, review)
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
async fn import_stores_every_row_once_and_reports_progress() {
    let (dir, review) = review();
    assert_eq!(
        review.path(),
        dir.path().join("ledgers").join("default.sqlite")
    );
    let ledgers = fixture(LEDGERS);
    let seen: Arc<Mutex<Vec<ImportProgress>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let summary = review
        .import(vec![ledgers.clone()], false, move |p| {
            sink.lock().expect("progress").push(p);
        })
        .await
        .expect("import");
    assert_eq!(summary.failure, None);
    assert_eq!(summary.files.len(), 1);
    assert_eq!(summary.files[0].status, FileImportStatus::Imported);
    assert_eq!(summary.files[0].kind.as_deref(), Some("ledgers"));
    assert_eq!((summary.files[0].rows, summary.files[0].added), (50, 50));
    assert_eq!((summary.added, summary.total_rows), (50, 50));
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
                done: 50,
                total: 50
            }
        )),
        "{stages:?}"
    );

    // The same file again: recognised, nothing added.
    let again = import(&review, &[&ledgers]).await;
    assert_eq!(again.files[0].status, FileImportStatus::AlreadyImported);
    assert_eq!(
        again.files[0].already_as.as_deref(),
        Some(ledgers.display().to_string().as_str())
    );
    assert_eq!((again.added, again.total_rows), (0, 50));

    let report = review.report().await.expect("report");
    assert!(report.holds, "{:?}", report.breaks);
    assert_eq!(report.rows, 50);
    let chains: Vec<(&str, &str, &str)> = report
        .chains
        .iter()
        .map(|c| (c.asset.as_str(), c.wallet.as_str(), c.closing.as_str()))
        .collect();
    assert_eq!(
        chains,
        [
            ("EUR", "spot / main", "8.7980"),
            ("USDC", "spot / main", "62.05745847")
        ]
    );
}

#[tokio::test]
async fn a_bad_file_stores_nothing_and_names_file_line_and_column() {
    let (dir, review) = review();
    let ledgers = fixture(LEDGERS);
    let text = std::fs::read_to_string(&ledgers).expect("read");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, text.replacen("120.0000", "12O.0000", 1)).expect("write");
    let summary = import(&review, &[&ledgers, &bad]).await;
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
    let summary = import(&review, &[&ledgers, &missing]).await;
    assert_eq!(
        summary.failure.map(|f| f.file),
        Some(missing.display().to_string())
    );
    assert_eq!(review.report().await.expect("report").rows, 0);
}

#[tokio::test]
async fn pages_totals_series_and_facets_give_the_exported_values() {
    let (_dir, review) = review();
    import(&review, &[&fixture(LEDGERS)]).await;

    let page = review
        .page(LedgerFilter::default(), 0, 5)
        .await
        .expect("page");
    assert_eq!(page.total, 50);
    assert_eq!(page.rows.len(), 5);
    let first = &page.rows[0];
    assert_eq!(first.line, 2);
    assert_eq!(first.txid, "LRJ2DQ-DGPR7-WGD5J2");
    assert_eq!(first.time, "2024-11-04 09:15:22");
    assert_eq!(first.time_ms, 1_730_711_722_000);
    assert_eq!(
        (
            first.amount.as_str(),
            first.fee.as_str(),
            first.asset.as_str()
        ),
        ("120.0000", "0", "EUR")
    );
    assert_eq!(first.balance.as_deref(), Some("132.4810"));
    // Pages follow on from each other.
    let next = review
        .page(LedgerFilter::default(), 4, 2)
        .await
        .expect("page");
    assert_eq!(next.rows[0], page.rows[4]);

    // Filters narrow the rows and the totals.
    let eur = review.page(only(&["EUR"]), 0, 200).await.expect("page");
    assert_eq!((eur.total, eur.rows.len()), (28, 28));
    let totals = review
        .totals(only(&["EUR"]), vec!["asset".to_owned()])
        .await
        .expect("totals");
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].keys, ["EUR"]);
    assert_eq!(totals[0].count, 28);
    assert_eq!(
        (
            totals[0].amount.as_str(),
            totals[0].fee.as_str(),
            totals[0].net.as_str()
        ),
        ("3.7300", "7.4130", "-3.6830")
    );
    let deposits = LedgerFilter {
        types: vec!["deposit".to_owned()],
        ..only(&["EUR"])
    };
    let by_type = review
        .totals(deposits, vec!["asset".to_owned(), "type".to_owned()])
        .await
        .expect("totals");
    assert_eq!(by_type.len(), 1);
    assert_eq!(by_type[0].keys, ["EUR", "deposit"]);
    assert_eq!(by_type[0].count, 11);
    assert_eq!(by_type[0].amount, "3545.0000");
    let december = LedgerFilter {
        date: Some("2024-12".to_owned()),
        ..LedgerFilter::default()
    };
    let in_december = review.page(december, 0, 200).await.expect("page");
    assert_eq!(in_december.total, 18);
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
            "EUR".to_owned(),
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
            (1_733_011_200, "3.5410"),
            (1_735_689_600, "1.3980"),
            (1_738_368_000, "8.7980")
        ]
    );

    let facets = review.facets().await.expect("facets");
    assert_eq!(facets.assets, ["EUR", "USDC"]);
    assert_eq!(facets.types, ["deposit", "trade", "withdrawal"]);
    assert_eq!(facets.wallets, ["spot / main"]);
}

#[tokio::test]
async fn a_break_locates_its_row_in_the_table() {
    let (dir, review) = review();
    let text = std::fs::read_to_string(fixture(LEDGERS)).expect("read");
    // The second EUR deposit removed: the chain breaks at the row after it.
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
        ("EUR", "250.0000")
    );
    assert!(first.message.contains("missing"), "{}", first.message);

    for filter in [LedgerFilter::default(), only(&["EUR"])] {
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
        .locate(only(&["USDC"]), first.row.clone())
        .await
        .expect("locate");
    assert_eq!(located, None);
}

#[tokio::test]
async fn every_row_is_located_at_its_place_in_the_table() {
    let (_dir, review) = review();
    import(&review, &[&fixture(LEDGERS)]).await;
    for filter in [
        LedgerFilter::default(),
        only(&["USDC"]),
        LedgerFilter {
            types: vec!["trade".to_owned()],
            ..LedgerFilter::default()
        },
    ] {
        let page = review.page(filter.clone(), 0, 1000).await.expect("page");
        for (i, row) in page.rows.iter().enumerate() {
            let target = countersign_app::ledgers::RowRefView {
                file: row.file.clone(),
                line: row.line,
                txid: row.txid.clone(),
            };
            let at = review.locate(filter.clone(), target).await.expect("locate");
            assert_eq!(at, Some(i), "{} line {}", row.file, row.line);
        }
    }
}

fn sum(values: impl Iterator<Item = Decimal>) -> Decimal {
    values.fold(Decimal::ZERO, |a, b| a + b)
}

#[tokio::test]
async fn exported_rows_read_back_in_the_exchange_layout_with_the_same_totals() {
    let (dir, review) = review();
    import(&review, &[&fixture(LEDGERS)]).await;
    for (filter, name, expected) in [
        (LedgerFilter::default(), "all.csv", 50),
        (only(&["EUR"]), "eur.csv", 28),
        (
            LedgerFilter {
                date: Some("2024-12".to_owned()),
                types: vec!["trade".to_owned()],
                ..LedgerFilter::default()
            },
            "december-trades.csv",
            10,
        ),
    ] {
        let path = dir.path().join(name);
        let written = review
            .export_rows(filter.clone(), path.clone())
            .await
            .expect("export");
        let total = review.page(filter.clone(), 0, 0).await.expect("page").total;
        assert_eq!(written.rows, total, "{name}");
        assert_eq!(written.rows, expected, "{name}");
        assert_eq!(written.path, path.display().to_string());
        assert!(
            written.message.contains(&written.path),
            "{}",
            written.message
        );

        // The crate's own reader takes the file as an export of the exchange.
        let bytes = std::fs::read(&path).expect("read the export");
        assert!(bytes.starts_with(b"\"txid\",\"refid\",\"time\""));
        let file = read_ledgers(name, &bytes, ReadOptions::default()).expect("reads back");
        assert_eq!(file.rows.len(), written.rows, "{name}");
        // Its sums are the totals the app shows for the same filter.
        let totals = review
            .totals(filter.clone(), Vec::new())
            .await
            .expect("totals");
        let settled = file.rows.iter().filter(|r| !r.row.txid.is_empty());
        let (amount, fee) = (
            sum(settled.clone().map(|r| r.row.amount)),
            sum(settled.map(|r| r.row.fee)),
        );
        match totals.first() {
            Some(t) => {
                assert_eq!(Decimal::from_str_exact(&t.amount).expect("amount"), amount);
                assert_eq!(Decimal::from_str_exact(&t.fee).expect("fee"), fee);
            }
            None => assert_eq!((amount, fee), (Decimal::ZERO, Decimal::ZERO)),
        }
    }

    // The whole export imported elsewhere is the same workspace: same rows, same chains.
    let (_other_dir, other) = self::review();
    let again = import(&other, &[&dir.path().join("all.csv")]).await;
    assert_eq!((again.failure, again.added), (None, 50));
    let (a, b) = (
        review.report().await.expect("report"),
        other.report().await.expect("report"),
    );
    assert_eq!(a.chains, b.chains);
    assert!(b.holds);
}

#[tokio::test]
async fn an_export_needs_a_writable_absolute_path_and_leaves_no_half_file() {
    let (dir, review) = review();
    import(&review, &[&fixture(LEDGERS)]).await;
    let err = review
        .export_rows(LedgerFilter::default(), PathBuf::from("relative.csv"))
        .await
        .expect_err("relative");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = review
        .export_rows(LedgerFilter::default(), review.path().to_owned())
        .await
        .expect_err("the workspace itself");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Other spellings of the workspace's folder: through `..`, its side files, a symlink.
    let folder = review.path().parent().expect("folder").to_owned();
    let wal = folder.join("..").join("ledgers").join("default.sqlite-wal");
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&folder, &link).expect("symlink");
    for path in [wal, link.join("default.sqlite"), link.join("new.csv")] {
        let err = review
            .export_rows(LedgerFilter::default(), path.clone())
            .await
            .expect_err("inside the workspace's folder");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{}", path.display());
        assert!(err.message.contains("own folder"), "{}", err.message);
    }
    std::fs::remove_file(&link).expect("unlink");
    assert!(!folder.join("new.csv").exists());
    let missing = dir.path().join("no-such-folder").join("x.csv");
    let err = review
        .export_balances(LedgerFilter::default(), missing.clone())
        .await
        .expect_err("no folder");
    assert!(err.message.contains("cannot be written"), "{}", err.message);
    assert!(!missing.exists());
    let bad_date = LedgerFilter {
        date: Some("someday".to_owned()),
        ..LedgerFilter::default()
    };
    let err = review
        .export_rows(bad_date, dir.path().join("x.csv"))
        .await
        .expect_err("bad date");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // Nothing else was left in the folder (no partial file).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["ledgers"]);
}

/// A database the person placed (the CLI's `--db`): exports may go beside it, never onto it or
/// its side files, whatever the spelling.
#[tokio::test]
async fn in_a_shared_folder_only_the_database_and_its_side_files_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let review = LedgerReview::new(dir.path().join("books.sqlite")).in_shared_folder();
    import(&review, &[&fixture(LEDGERS)]).await;
    for name in [
        "books.sqlite",
        "books.sqlite-wal",
        "BOOKS.sqlite-shm",
        "books.sqlite-journal",
    ] {
        let err = review
            .export_rows(LedgerFilter::default(), dir.path().join(name))
            .await
            .expect_err("the database or a side file");
        assert_eq!(err.code, ErrorCode::InvalidInput, "{name}");
        assert!(err.message.contains("own database"), "{}", err.message);
    }
    let beside = dir.path().join("books-export.csv");
    let written = review
        .export_rows(LedgerFilter::default(), beside.clone())
        .await
        .expect("beside the database");
    assert_eq!(written.rows, 50);
    assert!(beside.is_file());
}

#[tokio::test]
async fn balance_assertions_are_the_month_end_balances() {
    let (dir, review) = review();
    import(&review, &[&fixture(LEDGERS)]).await;
    let path = dir.path().join("balances.csv");
    let written = review
        .export_balances(LedgerFilter::default(), path.clone())
        .await
        .expect("export");
    let text = std::fs::read_to_string(&path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "date,asset,wallet,balance");
    // Two chains at three month ends (November 2024 to January 2025).
    assert_eq!(written.rows, 6);
    assert_eq!(lines.len(), 7);
    assert!(
        written.message.contains("3 month ends"),
        "{}",
        written.message
    );
    // EUR's lines are the balance series at each month end.
    let series = review
        .series(
            "EUR".to_owned(),
            "spot / main".to_owned(),
            SeriesBucket::Month,
        )
        .await
        .expect("series");
    let eur: Vec<String> = lines
        .iter()
        .filter(|l| l.contains(",EUR,"))
        .map(|l| l.rsplit(',').next().unwrap_or_default().to_owned())
        .collect();
    let balances: Vec<String> = series.iter().map(|p| p.balance.clone()).collect();
    assert_eq!(eur, balances);
    assert_eq!(eur, ["3.5410", "1.3980", "8.7980"]);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains(",EUR,"))
            .map(|l| &l[..10])
            .collect::<Vec<_>>(),
        ["2024-11-30", "2024-12-31", "2025-01-31"]
    );
    // The last line of each chain is its closing balance.
    let report = review.report().await.expect("report");
    for chain in &report.chains {
        let last = lines
            .iter()
            .rfind(|l| l.contains(&format!(",{},", chain.asset)))
            .expect("a line");
        assert!(last.ends_with(&format!(",{}", chain.closing)), "{last}");
    }

    // An asset filter narrows the chains; a date range the month ends.
    let december = LedgerFilter {
        date: Some("2024-12".to_owned()),
        ..only(&["USDC"])
    };
    let written = review
        .export_balances(december, path.clone())
        .await
        .expect("export");
    assert_eq!(written.rows, 1);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        "date,asset,wallet,balance\n2024-12-31,USDC,spot / main,5.05652455\n"
    );
    assert!(
        written
            .message
            .starts_with("Wrote 1 balance at 1 month end to "),
        "{}",
        written.message
    );

    // Chains without rows: nothing to assert, and the message says why.
    let written = review
        .export_balances(only(&["ETH"]), path.clone())
        .await
        .expect("export");
    assert_eq!(written.rows, 0);
    assert!(
        written
            .message
            .starts_with("Wrote 0 balances (no rows in that range) to "),
        "{}",
        written.message
    );

    // A range that ends mid-month (one day): no month end, the day it ends on.
    let one_day = LedgerFilter {
        date: Some("2025-01-14".to_owned()),
        ..only(&["USDC"])
    };
    let written = review
        .export_balances(one_day, path.clone())
        .await
        .expect("export");
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(
        text,
        "date,asset,wallet,balance\n2025-01-14,USDC,spot / main,0.32906341\n"
    );
    assert!(
        written
            .message
            .starts_with("Wrote 1 balance at the end of 2025-01-14 to "),
        "{}",
        written.message
    );
}

#[tokio::test]
async fn trades_come_with_their_legs_and_fees_a_page_at_a_time() {
    let (_dir, review) = review();
    // The ledgers alone: trade rows grouped by refid, no trades row yet.
    import(&review, &[&fixture(LEDGERS)]).await;
    let legs_only = review
        .trades(LedgerFilter::default(), 0, 200)
        .await
        .expect("trades");
    assert_eq!(legs_only.total, 13);
    assert!(legs_only.groups.iter().all(|g| g.trade.is_none()));

    import(&review, &[&fixture(TRADES)]).await;
    let all = review
        .trades(LedgerFilter::default(), 0, 200)
        .await
        .expect("trades");
    assert_eq!(all.total, all.groups.len());
    assert_eq!(all.total, legs_only.total);
    let first = &all.groups[0];
    assert_eq!(first.refid, "T54AST-NCGUU-A7FY4F");
    let trade = first.trade.as_ref().expect("the trades row");
    assert_eq!(
        (trade.pair.as_str(), trade.side.as_str(), trade.vol.as_str()),
        ("USDC/EUR", "buy", "1421.05263158")
    );
    assert_eq!(trade.ledgers.len(), 2);
    let mut legs: Vec<&str> = first.legs.iter().map(|l| l.txid.as_str()).collect();
    legs.sort_unstable();
    let mut listed: Vec<&str> = trade.ledgers.iter().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(legs, listed);
    assert_eq!(first.fees.len(), 1);
    assert_eq!(
        (first.fees[0].asset.as_str(), first.fees[0].fee.as_str()),
        ("EUR", "2.7000")
    );
    for group in &all.groups {
        assert!(group.legs.iter().all(|l| l.refid == group.refid));
    }

    // Pages are slices of the whole, in order.
    let second = review
        .trades(LedgerFilter::default(), 1, 2)
        .await
        .expect("trades");
    assert_eq!(second.total, all.total);
    assert_eq!(second.groups, all.groups[1..3]);
    let past = review
        .trades(LedgerFilter::default(), all.total + 5, 10)
        .await
        .expect("trades");
    assert!(past.groups.is_empty());

    // A filter selects legs: USDC's only (every trade has one, and pays its fee in USDC when
    // it sells USDC: 4 of the 13).
    let usdc = review
        .trades(only(&["USDC"]), 0, 200)
        .await
        .expect("trades");
    assert_eq!(usdc.groups.len(), 13);
    assert!(
        usdc.groups
            .iter()
            .all(|g| g.legs.iter().all(|l| l.asset == "USDC"))
    );
    assert!(
        usdc.groups
            .iter()
            .all(|g| g.fees.iter().all(|f| f.asset == "USDC"))
    );
    assert_eq!(usdc.groups.iter().filter(|g| !g.fees.is_empty()).count(), 4);
}

#[tokio::test]
async fn an_edited_file_is_refused_unless_accepted_and_the_message_says_how() {
    let (dir, review) = review();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(fixture(LEDGERS)).expect("read"));
    let edited = dir.path().join("resaved.csv");
    std::fs::write(&edited, bytes).expect("write");

    let refused = import(&review, &[&edited]).await;
    let failure = refused.failure.expect("refused");
    assert!(failure.edited);
    assert!(
        failure.message.contains("byte-order mark"),
        "{}",
        failure.message
    );
    assert!(
        failure.message.contains("Accept edited files"),
        "{}",
        failure.message
    );
    assert_eq!(refused.total_rows, 0);

    let accepted = review
        .import(vec![edited.clone()], true, |_| {})
        .await
        .expect("import");
    assert_eq!(accepted.failure, None);
    assert_eq!(accepted.added, 50);
    assert!(
        accepted.files[0]
            .warnings
            .iter()
            .any(|w| w.contains("byte-order mark")),
        "{:?}",
        accepted.files[0].warnings
    );

    // A file refused for another reason is not an edited one.
    let bad = dir.path().join("bad.csv");
    let text = std::fs::read_to_string(fixture(LEDGERS)).expect("read");
    std::fs::write(&bad, text.replacen("120.0000", "12O.0000", 1)).expect("write");
    let failure = import(&review, &[&bad]).await.failure.expect("refused");
    assert!(!failure.edited);
    assert!(!failure.message.contains("Accept edited"));
}

#[tokio::test]
async fn the_report_is_made_again_only_after_an_import() {
    let (dir, review) = review();
    let empty = review.report().await.expect("report");
    assert_eq!(empty.rows, 0);
    review.report().await.expect("report");
    assert_eq!(review.checks_run().await.expect("checks"), 1);

    import(&review, &[&fixture(LEDGERS)]).await;
    let full = review.report().await.expect("report");
    assert_eq!(full.rows, 50);
    assert_eq!(review.checks_run().await.expect("checks"), 2);
    for _ in 0..3 {
        assert_eq!(review.report().await.expect("report"), full);
    }
    assert_eq!(review.checks_run().await.expect("checks"), 2);

    // A failed import stores nothing and keeps the report.
    let missing = dir.path().join("missing.csv");
    assert!(import(&review, &[&missing]).await.failure.is_some());
    review.report().await.expect("report");
    assert_eq!(review.checks_run().await.expect("checks"), 2);

    // Another import changes it: the report is made again and shows the new rows.
    let eth = dir.path().join("eth.csv");
    std::fs::write(
        &eth,
        "\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"subclass\",\"asset\",\"wallet\",\"amount\",\"fee\",\"balance\"\n\
         \"LETH01-AAAAA-AAAAAA\",\"FTETH01\",\"2025-02-01 10:00:00\",\"deposit\",\"\",\"currency\",\"crypto\",\"XETH\",\"spot / main\",2.0000000000,0.0000000000,2.0000000000\n",
    )
    .expect("write");
    let summary = import(&review, &[&eth]).await;
    assert_eq!((summary.failure, summary.added), (None, 1));
    let after = review.report().await.expect("report");
    assert_eq!(review.checks_run().await.expect("checks"), 3);
    assert_eq!(after.rows, 51);
    assert!(after.chains.iter().any(|c| c.asset == "ETH"));
}
