//! The workspace store and its queries, on the project's fixtures (invented exports, see
//! `fixtures/exports/README.md`): imports land whole or not at all, re-imports and overlapping
//! exports add nothing, and the queries agree with the check.

mod support;

use std::str::FromStr;

use countersign_ledger::{
    Bucket, CompactString, DateRange, Dimension, FileStatus, Filter, ImportStage, LedgerLayout,
    LedgerRow, ReadOptions, SourceFile, StoreError, Timestamp, Workspace, check, read_ledgers,
    write_ledgers_csv,
};
use rust_decimal::Decimal;
use support::fixture;

/// The current layout: EUR and USDC over three months (50 rows, 28 EUR, 22 USDC).
const LEDGERS: &str = "ledgers-12-2024-2025.csv";
/// Its trades export: the 13 trades of those rows.
const TRADES: &str = "trades-24-2024-2025.csv";

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::open(dir.path().join("ws.sqlite")).expect("open");
    (dir, ws)
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal")
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_csv(text).expect("time")
}

#[test]
fn import_is_idempotent_and_queries_match_the_check() {
    let (_dir, mut ws) = workspace();
    let bytes = fixture(LEDGERS);
    let outcome = ws
        .import(&[SourceFile {
            name: "ledgers.csv",
            bytes: &bytes,
        }])
        .expect("import");
    assert_eq!(outcome.files[0].rows, 50);
    assert_eq!(outcome.files[0].added, 50);
    let report = outcome.report.expect("report");
    assert!(report.holds(), "{:?}", report.breaks);

    // The same bytes again: not read, nothing added.
    let again = ws
        .import(&[SourceFile {
            name: "copy.csv",
            bytes: &bytes,
        }])
        .expect("import");
    assert!(matches!(
        &again.files[0].status,
        FileStatus::AlreadyImported { as_file, .. } if as_file == "ledgers.csv"
    ));
    assert!(again.files[0].to_string().contains("nothing added"));
    // The same rows in other bytes (other line ends): read, every row already present.
    let lf: Vec<u8> = if bytes.contains(&b'\r') {
        bytes.iter().copied().filter(|&b| b != b'\r').collect()
    } else {
        support::as_shipped(&bytes)
    };
    let overlap = ws
        .import(&[SourceFile {
            name: "ledgers-lf.csv",
            bytes: &lf,
        }])
        .expect("import");
    assert_eq!((overlap.files[0].added, overlap.files[0].present), (0, 50));
    assert_eq!(ws.ledger_rows().expect("count"), 50);
    assert_eq!(ws.imports().expect("imports").len(), 2);

    // Balances at the end agree with the chains' closing balances.
    let file = read_ledgers(LEDGERS, &bytes, Default::default()).expect("read");
    let direct = check(std::slice::from_ref(&file));
    let balances = ws.balance_at(at("2030-01-01 00:00:00")).expect("balances");
    assert_eq!(balances.len(), direct.chains.len());
    for b in &balances {
        let chain = direct.chain(&b.asset, &b.wallet).expect("chain");
        assert_eq!(b.balance, chain.closing, "{}", b.asset);
    }
    // Before the first row: the opening balance.
    for b in ws.balance_at(at("2000-01-01 00:00:00")).expect("balances") {
        let chain = direct.chain(&b.asset, &b.wallet).expect("chain");
        assert_eq!(b.balance, chain.opening, "{}", b.asset);
    }

    // Totals: monthly sums and row scans agree, and equal the rows' own sums.
    let by = [Dimension::Asset, Dimension::Type];
    let all = ws.totals(&Filter::default(), &by).expect("totals");
    let mut expected: std::collections::BTreeMap<Vec<String>, (usize, Decimal, Decimal)> =
        Default::default();
    for r in file.rows.iter().filter(|r| !r.row.txid.is_empty()) {
        let key = vec![r.asset_code().normalized(), r.row.r#type.to_string()];
        let e = expected.entry(key).or_default();
        e.0 += 1;
        e.1 += r.row.amount;
        e.2 += r.row.fee;
    }
    let got: Vec<_> = all
        .iter()
        .map(|t| (t.keys.clone(), (t.count, t.amount, t.fee)))
        .collect();
    assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
    // A range cutting months: whole months from the sums, the ends from the rows.
    let cut = Filter {
        from: Some(at("2024-11-15 00:00:00")),
        to: Some(at("2025-01-10 00:00:00")),
        ..Filter::default()
    };
    let text = Filter {
        text: Some("a".to_owned()),
        ..cut.clone()
    };
    let scanned_count: usize = ws
        .page(&cut, 0, 1000)
        .expect("page")
        .rows
        .iter()
        .filter(|r| !r.row.txid.is_empty())
        .count();
    let summed: usize = ws
        .totals(&cut, &[])
        .expect("totals")
        .iter()
        .map(|t| t.count)
        .sum();
    assert_eq!(summed, scanned_count);
    let _ = ws.totals(&text, &[Dimension::Month]).expect("text totals");

    // Pages: ordered by time, total counts every match.
    // The legacy spelling of the asset selects the plain one.
    let eur = Filter {
        assets: vec!["ZEUR".to_owned()],
        ..Filter::default()
    };
    let page = ws.page(&eur, 0, 5).expect("page");
    assert_eq!(page.rows.len(), 5);
    assert_eq!(page.total, 28);
    assert!(page.rows.iter().all(|r| r.asset == "EUR"));
    assert!(page.rows.windows(2).all(|w| w[0].row.time <= w[1].row.time));
    assert_eq!(page.rows[0].file, "ledgers.csv");
    assert_eq!(page.rows[0].line, 2);

    // The series ends at the closing balance.
    let series = ws
        .balance_series("EUR", "spot / main", Bucket::Month)
        .expect("series");
    assert_eq!(series.len(), 3);
    let closing = direct.chain("EUR", "spot / main").expect("chain").closing;
    assert_eq!(series.last().map(|p| p.balance), Some(closing));

    // Assertions: one line per chain.
    let text = ws
        .balance_assertions(&[at("2025-02-01 00:00:00")])
        .expect("assertions");
    assert!(text.starts_with("date,asset,wallet,balance\n2025-01-31,"));
    assert_eq!(text.lines().count(), 1 + direct.chains.len());

    // Export round trip into a fresh workspace: same totals.
    let mut csv = Vec::new();
    let n = ws.export_csv(&Filter::default(), &mut csv).expect("export");
    assert_eq!(n, 50);
    let (_dir2, mut fresh) = workspace();
    fresh
        .import(&[SourceFile {
            name: "exported.csv",
            bytes: &csv,
        }])
        .expect("re-import");
    assert_eq!(fresh.totals(&Filter::default(), &by).expect("totals"), all);
    let _ = dec("0");
}

#[test]
fn trades_are_grouped_with_their_legs() {
    let (_dir, mut ws) = workspace();
    let ledgers = fixture(LEDGERS);
    let trades = fixture(TRADES);
    let outcome = ws
        .import(&[
            SourceFile {
                name: "ledgers.csv",
                bytes: &ledgers,
            },
            SourceFile {
                name: "trades.csv",
                bytes: &trades,
            },
        ])
        .expect("import");
    assert_eq!(outcome.files[1].rows, 13);
    assert_eq!(outcome.files[1].added, 13);
    let groups = ws.trades_with_legs(&Filter::default()).expect("trades");
    assert_eq!(groups.len(), 13);
    let with_trade = groups.iter().filter(|g| g.trade.is_some()).count();
    assert_eq!(with_trade, outcome.files[1].rows);
    for g in groups.iter().filter(|g| g.trade.is_some()) {
        assert!(g.legs.len() >= 2, "{}", g.refid);
        assert!(g.legs.iter().all(|l| l.row.refid == g.refid));
    }
}

#[test]
fn a_bad_file_stores_nothing_and_names_the_line() {
    let (_dir, mut ws) = workspace();
    let good = fixture(LEDGERS);
    let text = String::from_utf8(good.clone()).expect("utf8");
    let bad = text.replacen("120.0000", "12O.0000", 1);
    let err = ws
        .import(&[
            SourceFile {
                name: "good.csv",
                bytes: &good,
            },
            SourceFile {
                name: "bad.csv",
                bytes: bad.as_bytes(),
            },
        ])
        .expect_err("bad decimal");
    assert!(matches!(err, StoreError::Import(_)));
    assert_eq!(
        err.to_string(),
        "bad.csv line 2, column \"amount\": \"12O.0000\" is not a decimal number"
    );
    assert_eq!(ws.ledger_rows().expect("count"), 0);
    assert!(ws.imports().expect("imports").is_empty());
}

#[test]
fn a_deleted_row_is_a_break_named_by_the_stored_check() {
    let (_dir, mut ws) = workspace();
    let text = String::from_utf8(fixture(LEDGERS)).expect("utf8");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Line 3 (the second EUR deposit) removed: line 4 of the original is now line 3.
    let tampered: String = lines
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != 2)
        .map(|(_, l)| *l)
        .collect();
    ws.import(&[SourceFile {
        name: "tampered.csv",
        bytes: tampered.as_bytes(),
    }])
    .expect("import");
    let report = ws.check().expect("check");
    assert!(!report.holds());
    let first = &report.breaks[0];
    assert_eq!(&*first.row.file, "tampered.csv");
    assert_eq!(first.chain.asset, "EUR");
    assert_eq!(first.row.line, 3);
    assert_eq!(first.gap(), dec("250.0000"));
}

#[test]
fn ranges_from_the_parser_filter_rows() {
    let (_dir, mut ws) = workspace();
    let bytes = fixture(LEDGERS);
    ws.import(&[SourceFile {
        name: "ledgers.csv",
        bytes: &bytes,
    }])
    .expect("import");
    let now = at("2024-12-15 12:00:00");
    let last_month = DateRange::parse("last month", now).expect("range");
    let filter = Filter {
        from: Some(last_month.from),
        to: Some(last_month.to),
        ..Filter::default()
    };
    let page = ws.page(&filter, 0, 200).expect("page");
    assert_eq!(page.total, 21);
    assert!(
        page.rows
            .iter()
            .all(|r| r.row.time.to_csv_seconds().starts_with("2024-11"))
    );
}

/// Into an empty workspace rows are written while the check runs, and the ones it does not
/// count are taken out again: a txid twice in a file, rows an overlapping file repeats.
#[test]
fn a_first_import_with_a_duplicate_and_an_overlap_stores_each_entry_once() {
    let (_dir, mut ws) = workspace();
    let bytes = fixture(LEDGERS);
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // The third row twice; a second file with the header and the first ten rows.
    let mut doubled: String = lines.concat();
    doubled.push_str(lines[3]);
    let overlap: String = lines[..11].concat();
    let outcome = ws
        .import(&[
            SourceFile {
                name: "doubled.csv",
                bytes: doubled.as_bytes(),
            },
            SourceFile {
                name: "overlap.csv",
                bytes: overlap.as_bytes(),
            },
        ])
        .expect("import");
    assert_eq!(
        outcome
            .files
            .iter()
            .map(|f| (f.rows, f.added, f.present, f.duplicates))
            .collect::<Vec<_>>(),
        vec![(51, 50, 0, 1), (10, 0, 10, 0)]
    );
    assert_eq!(ws.ledger_rows().expect("rows"), 50);
    // The rows written while the check ran were written again without the duplicate: the
    // storage ids run from 1 with no gap.
    let mut ids: Vec<i64> = ws
        .page(&Filter::default(), 0, usize::MAX)
        .expect("page")
        .rows
        .iter()
        .map(|r| r.id)
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=50).collect::<Vec<i64>>());
    let once = check(&[read_ledgers(LEDGERS, &bytes, Default::default()).expect("read")]);
    let stored = ws.check().expect("check");
    assert_eq!(stored.chains.len(), once.chains.len());
    for (a, b) in stored.chains.iter().zip(&once.chains) {
        assert_eq!(
            (&a.key, a.rows, a.opening, a.closing),
            (&b.key, b.rows, b.opening, b.closing)
        );
    }
    assert_eq!(stored.duplicates.len(), 1);
    // The monthly sums agree with the rows (a text filter reads the rows).
    let from_months = ws
        .totals(&Filter::default(), &[Dimension::Asset, Dimension::Month])
        .expect("totals");
    let from_rows = ws
        .totals(
            &Filter {
                text: Some("L".to_owned()),
                ..Filter::default()
            },
            &[Dimension::Asset, Dimension::Month],
        )
        .expect("totals");
    assert_eq!(from_months, from_rows);
    assert_eq!(from_months.iter().map(|t| t.count).sum::<usize>(), 50);
}

/// A ledgers export of `rows` BTC deposits of 1 in the current layout, one a minute, the
/// balance chain whole.
fn deposits(rows: usize) -> String {
    let start = at("2024-01-01 00:00:00").unix_seconds();
    let rows: Vec<LedgerRow> = (0..rows)
        .map(|i| LedgerRow {
            txid: format!("L{i:05}-DEPOS-ITSBIG").into(),
            refid: format!("F{i:05}-REF").into(),
            time: Timestamp::from_unix_seconds(start + 60 * i64::try_from(i).expect("i"))
                .expect("time"),
            r#type: "deposit".into(),
            subtype: CompactString::default(),
            aclass: "currency".into(),
            subclass: "crypto".into(),
            asset: "XXBT".into(),
            wallet: "spot / main".into(),
            amount: Decimal::ONE,
            fee: Decimal::ZERO,
            balance: Some(Decimal::from(i + 1)),
            amount_usd: None,
            fee_usd: None,
            balance_usd: None,
            fee_currency: CompactString::default(),
        })
        .collect();
    let mut csv = Vec::new();
    write_ledgers_csv(&rows, LedgerLayout::CURRENT, &mut csv).expect("write");
    String::from_utf8(csv).expect("utf-8")
}

/// A bad line after thousands of good ones leaves nothing stored; the same file whole then
/// lands completely (several blocks of rows), and the progress shows reading, checking, then
/// storing up to every row.
#[test]
fn a_large_first_import_lands_whole_or_not_at_all() {
    let (_dir, mut ws) = workspace();
    let good = deposits(40_000);
    let line = 39_000;
    let bad: String = good
        .split_inclusive("\r\n")
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                l.replacen(",1,0,", ",1x,0,", 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    assert!(bad != good, "line {line} changed");
    let err = ws
        .import(&[SourceFile {
            name: "big.csv",
            bytes: bad.as_bytes(),
        }])
        .expect_err("bad amount");
    assert_eq!(
        err.to_string(),
        format!("big.csv line {line}, column \"amount\": \"1x\" is not a decimal number")
    );
    assert_eq!(ws.ledger_rows().expect("rows"), 0);
    assert!(ws.imports().expect("imports").is_empty());

    let mut stages = Vec::new();
    let outcome = ws
        .import_with(
            &[SourceFile {
                name: "big.csv",
                bytes: good.as_bytes(),
            }],
            ReadOptions::default(),
            &mut |stage| stages.push(stage),
        )
        .expect("import");
    assert_eq!(outcome.added(), 40_000);
    assert!(outcome.report.as_ref().is_some_and(|r| r.holds()));
    assert_eq!(ws.ledger_rows().expect("rows"), 40_000);
    let imports = ws.imports().expect("imports");
    assert_eq!((imports.len(), imports[0].rows), (1, 40_000));
    assert!(matches!(stages[0], ImportStage::Reading { index: 0, .. }));
    let stored: Vec<(usize, usize)> = stages
        .iter()
        .filter_map(|s| match s {
            ImportStage::Storing { done, total } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert!(stored.iter().all(|(done, total)| done <= total));
    assert!(stored.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(stored.last(), Some(&(40_000, 40_000)));
    assert_eq!(
        stages.last(),
        Some(&ImportStage::Storing {
            done: 40_000,
            total: 40_000
        })
    );
    assert_eq!(stages[1], ImportStage::Checking { rows: 40_000 });
    // Every row reads back: a balance after the last, and the last row by storage id.
    let last = ws.page(&Filter::default(), 39_999, 10).expect("page");
    assert_eq!(
        (last.total, last.rows.len(), last.rows[0].id),
        (40_000, 1, 40_000)
    );
    assert_eq!(last.rows[0].line, 40_001);
    let balance = ws.balance_at(at("2024-01-10 00:00:00")).expect("balance");
    assert_eq!(balance[0].balance, Decimal::from(12_961));
}

/// What a filter selects, read off every row one by one: the meaning of [`Filter`] spelled out.
fn selects(filter: &Filter, row: &countersign_ledger::StoredRow) -> bool {
    let r = &row.row;
    let normalized: Vec<String> = filter
        .assets
        .iter()
        .map(|a| countersign_ledger::asset::normalize(a).normalized())
        .collect();
    let any = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
    let text = filter.text.as_deref().filter(|t| !t.is_empty());
    filter.from.is_none_or(|from| r.time >= from)
        && filter.to.is_none_or(|to| r.time < to)
        && any(&normalized, &row.asset)
        && any(&filter.types, &r.r#type)
        && any(&filter.subtypes, &r.subtype)
        && any(&filter.wallets, &r.wallet)
        && filter.refid.as_deref().is_none_or(|refid| r.refid == refid)
        && text.is_none_or(|t| {
            let t = t.to_ascii_lowercase();
            [
                r.txid.as_str(),
                &r.refid,
                &r.r#type,
                &r.subtype,
                &r.asset,
                &row.asset,
                &r.wallet,
            ]
            .into_iter()
            .chain(row.extra.iter().map(|(_, v)| v.as_str()))
            .any(|v| v.to_ascii_lowercase().contains(&t))
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Pages, positions and counts of any filter agree with reading every row: the in-memory
    /// selection (chains, kinds, time bounds by binary search) leaves out nothing and adds
    /// nothing, in the order of time then storage.
    #[test]
    fn a_filter_selects_what_its_parts_say(
        assets in proptest::sample::subsequence(vec!["XBT", "XXBT", "EUR", "ETH", "DOT.S", "USDC", "NOPE"], 0..3),
        types in proptest::sample::subsequence(vec!["trade", "deposit", "withdrawal", "staking", "transfer", "spend"], 0..2),
        wallets in proptest::sample::subsequence(vec!["spot / main", "earn / flexible", "nowhere"], 0..2),
        text in proptest::option::of(proptest::sample::select(vec!["", "l", "TRADE", "eur", "-", "xbt", "q"])),
        refid_of in proptest::option::of(0_usize..400),
        span in proptest::option::of((0_usize..400, 0_usize..400)),
    ) {
        let (dir, ws) = sampled_workspace();
        let all = ws.page(&Filter::default(), 0, usize::MAX).expect("page").rows;
        let filter = Filter {
            assets: assets.iter().map(|a| a.to_string()).collect(),
            types: types.iter().map(|t| t.to_string()).collect(),
            wallets: wallets.iter().map(|w| w.to_string()).collect(),
            text: text.map(str::to_owned),
            refid: refid_of.map(|i| all[i % all.len()].row.refid.to_string()),
            from: span.map(|(a, _)| all[a % all.len()].row.time),
            to: span.map(|(_, b)| all[b % all.len()].row.time),
            ..Filter::default()
        };
        let expected: Vec<i64> = all.iter().filter(|r| selects(&filter, r)).map(|r| r.id).collect();
        let page = ws.page(&filter, 0, usize::MAX).expect("page");
        proptest::prop_assert_eq!(page.total, expected.len());
        proptest::prop_assert_eq!(page.rows.iter().map(|r| r.id).collect::<Vec<_>>(), expected.clone());
        for (i, &id) in expected.iter().enumerate().step_by(7) {
            proptest::prop_assert_eq!(ws.position(&filter, id).expect("position"), Some(i));
        }
        let middle = ws.page(&filter, 3, 5).expect("page");
        proptest::prop_assert_eq!(
            middle.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            expected.iter().skip(3).take(5).copied().collect::<Vec<_>>()
        );
        drop(dir);
    }
}

/// Fixtures of several layouts, assets and wallets in one workspace (read once per test case:
/// 137 rows).
fn sampled_workspace() -> (tempfile::TempDir, Workspace) {
    let (dir, mut ws) = workspace();
    let files = [
        LEDGERS,
        "ledgers-10-2021-02-staking-lf.csv",
        "ledgers-9-2016-2018.csv",
        "ledgers-16-2026.csv",
    ];
    let bytes: Vec<Vec<u8>> = files.iter().map(|f| fixture(f)).collect();
    let sources: Vec<SourceFile<'_>> = files
        .iter()
        .zip(&bytes)
        .map(|(name, bytes)| SourceFile { name, bytes })
        .collect();
    ws.import_with(
        &sources,
        ReadOptions {
            accept_edited: true,
        },
        &mut |_| {},
    )
    .expect("import");
    (dir, ws)
}

/// Two handles on one workspace (the app and the CLI): what one imports, the other reviews and
/// checks against at once, so an overlapping file imported through the other adds nothing twice.
#[test]
fn another_connections_import_is_seen_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ws.sqlite");
    let mut app = Workspace::open(&path).expect("open");
    let mut cli = Workspace::open(&path).expect("open");
    let bytes = fixture(LEDGERS);
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // The first 20 rows; then the header and rows 16 to the end, overlapping by five.
    let first: String = lines[..21].concat();
    let overlap: String = [&lines[..1], &lines[16..]].concat().concat();
    app.import(&[SourceFile {
        name: "first.csv",
        bytes: first.as_bytes(),
    }])
    .expect("import");
    assert_eq!(app.page(&Filter::default(), 0, 1).expect("page").total, 20);
    cli.import(&[SourceFile {
        name: "whole.csv",
        bytes: &bytes,
    }])
    .expect("import");
    // The app's decoded rows are stale: its import checks against the rows stored now, and
    // its review reads them again.
    let outcome = app
        .import(&[SourceFile {
            name: "overlap.csv",
            bytes: overlap.as_bytes(),
        }])
        .expect("import");
    assert_eq!((outcome.files[0].added, outcome.files[0].present), (0, 35));
    assert_eq!(app.page(&Filter::default(), 0, 1).expect("page").total, 50);
    assert_eq!(cli.ledger_rows().expect("rows"), 50);
    // The same bytes the other connection imported are not imported again.
    let again = app
        .import(&[SourceFile {
            name: "whole again.csv",
            bytes: &bytes,
        }])
        .expect("import");
    assert!(matches!(
        &again.files[0].status,
        FileStatus::AlreadyImported { as_file, .. } if as_file == "whole.csv"
    ));
    assert_eq!(cli.page(&Filter::default(), 0, 1).expect("page").total, 50);
}

/// An export newest first (rows in reverse time order) is reviewed oldest first: pages in time
/// order, rows of one instant in storage order, balances as from the file in time order.
#[test]
fn a_file_newest_first_is_reviewed_in_time_order() {
    let bytes = fixture(LEDGERS);
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let reversed: String = std::iter::once(lines[0])
        .chain(lines[1..].iter().rev().copied())
        .collect();
    let (_dir, mut ws) = workspace();
    ws.import(&[SourceFile {
        name: "newest-first.csv",
        bytes: reversed.as_bytes(),
    }])
    .expect("import");
    let rows = ws
        .page(&Filter::default(), 0, usize::MAX)
        .expect("page")
        .rows;
    assert_eq!(rows.len(), 50);
    assert!(
        rows.windows(2)
            .all(|w| (w[0].row.time, w[0].id) < (w[1].row.time, w[1].id))
    );
    let (_dir2, mut plain) = workspace();
    plain
        .import(&[SourceFile {
            name: "plain.csv",
            bytes: &bytes,
        }])
        .expect("import");
    let at = at("2025-01-15 00:00:00");
    assert_eq!(
        ws.balance_at(at).expect("balance"),
        plain.balance_at(at).expect("balance")
    );
    let mut txids: Vec<String> = rows.iter().map(|r| r.row.txid.to_string()).collect();
    let mut expected: Vec<String> = plain
        .page(&Filter::default(), 0, usize::MAX)
        .expect("page")
        .rows
        .iter()
        .map(|r| r.row.txid.to_string())
        .collect();
    txids.sort();
    expected.sort();
    assert_eq!(txids, expected);
}

/// The same file imported by another connection while this import was reading it: this one
/// finds it under the write lock and imports nothing twice, neither the rows nor the record.
#[test]
fn a_file_imported_elsewhere_during_the_read_is_not_imported_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ws.sqlite");
    let mut app = Workspace::open(&path).expect("open");
    let mut cli = Workspace::open(&path).expect("open");
    let bytes = fixture(LEDGERS);
    let source = [SourceFile {
        name: "ledgers.csv",
        bytes: &bytes,
    }];
    let mut raced = false;
    let outcome = app
        .import_with(&source, ReadOptions::default(), &mut |stage| {
            if matches!(stage, ImportStage::Reading { .. }) && !raced {
                raced = true;
                cli.import(&source).expect("the other import");
            }
        })
        .expect("import");
    assert!(raced);
    assert!(matches!(
        &outcome.files[0].status,
        FileStatus::AlreadyImported { as_file, .. } if as_file == "ledgers.csv"
    ));
    assert_eq!((outcome.files[0].rows, outcome.files[0].added), (0, 0));
    assert_eq!(app.imports().expect("imports").len(), 1);
    assert_eq!(app.ledger_rows().expect("rows"), 50);
}
