//! The owners' real exports, in addition to the project's fixtures: `shared/reference/
//! kraken-exports/` beside the checkout (found through `$COUNTERSIGN_REFERENCE_DIR`, or in the
//! crate's folder or one above it; see `support/locate.rs`), read where they are and never copied
//! into the repository: they are format references, not ours to redistribute. Each test here
//! begins with `reference_or_skip!()`: without the folder it prints one line to stderr saying it
//! was skipped and why, and passes. `cargo xtask test` says whether they ran.
//!
//! The tests are those the fixture tests were ported from (golden.rs, check.rs, import.rs,
//! zip.rs, store.rs), with the real files' own figures, and one that checks the fixtures' zip
//! builder against the exchange's zips.

#[macro_use]
mod support;

use std::io::Cursor;
use std::path::Path;

use countersign_ledger::{
    Export, ExportKind, IntegrityReport, LedgerLayout, LedgerRow, LedgersFile, ReadOptions,
    Timestamp, TradesLayout, check, export_zip, read_export, read_ledgers, write_ledgers_csv,
    write_trades_csv,
};
use rust_decimal::Decimal;
use support::{
    as_shipped, assert_same_bytes, exchange_zip, ledgers_round_trip, raw_fields,
    read_ledgers as read_ledger_rows, read_trades, reference, reference_dir_or_skip,
    reference_zip_member, trades_round_trip,
};

/// Byte-exact round trips of every real file through the writer.
mod golden {
    use super::*;

    #[test]
    fn ledgers_9_columns_2016_to_2019() {
        let _dir = reference_or_skip!();
        let name = "real/HagaiHargil_convert_bitcoin_formats_ledgers_2016-2019.csv";
        let rows = ledgers_round_trip(name, &reference(name), LedgerLayout::Columns9);
        assert_eq!(rows, 176);
    }

    /// The exchange's own zips (2021): the member bytes are the export exactly as shipped.
    #[test]
    fn ledgers_10_columns_from_the_exchanges_zips() {
        let _dir = reference_or_skip!();
        for zip in ["ledger_ECTU", "ledger_QBFU", "ledger_XDQK", "ledger_data"] {
            let path = format!("real/feelhip_zips/{zip}.zip");
            let (member, bytes) = reference_zip_member(&path);
            assert_eq!(member, "ledgers.csv", "{path}");
            assert_eq!(
                bytes,
                reference(&format!("real/feelhip_zips/extracted/{zip}/ledgers.csv")),
                "{path}: extracted copy"
            );
            assert!(ledgers_round_trip(&path, &bytes, LedgerLayout::Columns10) > 20);
        }
    }

    /// Request rows: empty `txid`, `""` balance, then the settled row under the same refid.
    #[test]
    fn ledgers_10_columns_with_request_rows() {
        let _dir = reference_or_skip!();
        for name in [
            "real/AlexanderLill_PP-Crypto-Parser_kraken_withdrawal_2021-11.csv",
            "real/feelhip_portfolio_monitor_ledger_dir_ledgers.csv",
            "real/feelhip_portfolio_monitor_ledgers_2021-02_staking.csv",
        ] {
            let shipped = as_shipped(&reference(name));
            ledgers_round_trip(name, &shipped, LedgerLayout::Columns10);
            let (_, rows) = read_ledger_rows(&shipped);
            assert!(
                rows.iter()
                    .any(|r| r.txid.is_empty() && r.balance.is_none()),
                "{name}"
            );
        }
    }

    #[test]
    fn ledgers_12_columns_2026() {
        let _dir = reference_or_skip!();
        let name = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";
        let rows = ledgers_round_trip(name, &as_shipped(&reference(name)), LedgerLayout::Columns12);
        assert_eq!(rows, 106);
    }

    /// No real 11-column file is among the references. The expectation is derived from the real
    /// 12-column file by deleting its `subclass` field from every raw line (quotes as shipped), and
    /// compared with the rows of that file written as 11 columns.
    #[test]
    fn ledgers_11_columns_are_the_12_without_subclass() {
        let _dir = reference_or_skip!();
        let name = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";
        let shipped = String::from_utf8(as_shipped(&reference(name))).expect("UTF-8");
        let subclass = raw_fields(shipped.lines().next().expect("header"))
            .iter()
            .position(|f| f == "\"subclass\"")
            .expect("subclass column");
        let expected: String = shipped
            .lines()
            .map(|line| {
                let mut fields = raw_fields(line);
                fields.remove(subclass);
                fields.join(",") + "\r\n"
            })
            .collect();
        let (_, rows) = read_ledger_rows(shipped.as_bytes());
        let mut written = Vec::new();
        write_ledgers_csv(&rows, LedgerLayout::Columns11, &mut written).expect("write to a Vec");
        assert_same_bytes("11 from 12", expected.as_bytes(), &written);
    }

    /// Invented values in the 16-column layout its author copied from a real 2026 export.
    #[test]
    fn ledgers_16_columns_synthetic() {
        let _dir = reference_or_skip!();
        let name = "synthetic/zhaow-de_zcrypto-kraken_window-1-ledgers.csv";
        ledgers_round_trip(name, &as_shipped(&reference(name)), LedgerLayout::Columns16);
    }

    /// The exchange's own zip (2021): bare empty position fields, fractional times.
    #[test]
    fn trades_22_columns_from_the_exchanges_zip() {
        let _dir = reference_or_skip!();
        let path = "real/feelhip_zips/ledger_UQHZ.zip";
        let (member, bytes) = reference_zip_member(path);
        assert_eq!(member, "trades.csv");
        assert_eq!(
            bytes,
            reference("real/feelhip_zips/extracted/ledger_UQHZ/trades.csv")
        );
        assert_eq!(trades_round_trip(path, &bytes, TradesLayout::Columns22), 19);
    }

    /// The newest real trades export (2026), the CURRENT layout.
    #[test]
    fn trades_24_columns_2026() {
        let _dir = reference_or_skip!();
        let name = "real/royeharris_kraken-ledger-report_trades_2024-11_2025-01.csv";
        let shipped = as_shipped(&reference(name));
        assert_eq!(
            trades_round_trip(name, &shipped, TradesLayout::Columns24),
            23
        );
        assert_eq!(TradesLayout::CURRENT, TradesLayout::Columns24);
    }

    /// The synthetic 24-column file pads every time fraction to `.1000`, which no real export does
    /// (real ones drop trailing zeros: `.783`); apart from that the bytes are reproduced.
    #[test]
    fn trades_24_columns_synthetic_apart_from_padded_fractions() {
        let _dir = reference_or_skip!();
        let name = "synthetic/zhaow-de_zcrypto-kraken_window-1-trades.csv";
        let shipped = String::from_utf8(as_shipped(&reference(name))).expect("UTF-8");
        let expected = shipped.replace(".1000\"", ".1\"");
        assert_ne!(
            expected, shipped,
            "the padding this test accounts for is gone"
        );
        let (layout, rows) = read_trades(shipped.as_bytes());
        assert_eq!(layout, TradesLayout::Columns24);
        let mut written = Vec::new();
        write_trades_csv(&rows, layout, &mut written).expect("write to a Vec");
        assert_same_bytes(name, expected.as_bytes(), &written);
    }

    #[test]
    fn current_ledgers_layout_is_the_newest_real_one() {
        let _dir = reference_or_skip!();
        let name = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";
        let (layout, _) = read_ledger_rows(&as_shipped(&reference(name)));
        assert_eq!(LedgerLayout::CURRENT, layout);
    }
}

/// The integrity check's facts of the real exports.
mod integrity {
    use super::*;

    fn ledgers(name: &str, bytes: &[u8]) -> LedgersFile {
        read_ledgers(name, bytes, ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn reference_ledgers(name: &str) -> LedgersFile {
        ledgers(name, &reference(name))
    }

    fn dec(text: &str) -> Decimal {
        text.parse().expect("decimal")
    }

    fn balances(report: &IntegrityReport) -> Vec<(String, usize, Decimal, Decimal)> {
        report
            .chains
            .iter()
            .map(|c| (c.key.to_string(), c.rows, c.opening, c.closing))
            .collect()
    }

    fn assert_clean(name: &str, report: &IntegrityReport) {
        assert!(
            report.breaks.is_empty(),
            "{name}: {:?}",
            report.breaks.first().map(ToString::to_string)
        );
        assert!(report.duplicates.is_empty(), "{name}");
        assert!(report.conflicts.is_empty(), "{name}");
    }

    #[test]
    fn real_exports_hold_in_every_chain() {
        let _dir = reference_or_skip!();
        for name in [
            "real/AlexanderLill_PP-Crypto-Parser_kraken_withdrawal_2021-11.csv",
            "real/HagaiHargil_convert_bitcoin_formats_ledgers_2016-2019.csv",
            "real/feelhip_portfolio_monitor_ledger_dir_ledgers.csv",
            "real/feelhip_portfolio_monitor_ledgers_2021-02_staking.csv",
            "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv",
            "real/feelhip_zips/ledger_ECTU.zip",
            "real/feelhip_zips/ledger_QBFU.zip",
            "real/feelhip_zips/ledger_XDQK.zip",
            "real/feelhip_zips/ledger_data.zip",
            "synthetic/zhaow-de_zcrypto-kraken_window-1-ledgers.csv",
        ] {
            let report = check(&[reference_ledgers(name)]);
            assert_clean(name, &report);
            assert!(report.repeats.is_empty(), "{name}");
            assert!(!report.chains.is_empty(), "{name}");
        }
    }

    #[test]
    fn current_layout_chains_open_and_close_where_the_file_says() {
        let _dir = reference_or_skip!();
        let report = check(&[reference_ledgers(
            "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv",
        )]);
        assert_eq!(
            balances(&report),
            vec![
                (
                    "GBP in spot / main".into(),
                    58,
                    dec("23.3730"),
                    dec("1.2670")
                ),
                (
                    "USDT in spot / main".into(),
                    48,
                    dec("1.34583122"),
                    dec("0.81000012")
                ),
            ]
        );
        assert!(report.requests.is_empty());
        assert!(report.flagged.is_empty());
        assert_eq!(report.distinct.len(), 106);
    }

    /// Withdrawals listed twice under one refid: the request row is paired with its settled row, not
    /// taken for a duplicate, and not part of the chain.
    #[test]
    fn alexanderlill_requests_are_paired_not_duplicates() {
        let _dir = reference_or_skip!();
        let report = check(&[reference_ledgers(
            "real/AlexanderLill_PP-Crypto-Parser_kraken_withdrawal_2021-11.csv",
        )]);
        assert!(report.duplicates.is_empty());
        let pairs: Vec<(u32, Option<u32>, &str)> = report
            .requests
            .iter()
            .map(|r| {
                (
                    r.request.line,
                    r.settled.as_ref().map(|s| s.line),
                    r.asset.as_str(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                (2, Some(3), "BTC"),
                (4, Some(5), "ETH"),
                (6, Some(7), "DOT")
            ]
        );
        assert_eq!(report.unpaired_requests().count(), 0);
        // Each chain holds one settled row: opening = balance − amount + fee.
        let btc = report.chain("BTC", "spot / main").expect("BTC chain");
        assert_eq!(
            (btc.rows, btc.opening, btc.closing),
            (1, dec("0.0309160100"), dec("0.0000060100"))
        );
        assert_eq!(btc.spellings, vec!["XXBT"]);
    }

    #[test]
    fn hagaihargil_2016_to_2019_every_request_paired_every_chain_from_zero() {
        let _dir = reference_or_skip!();
        let report = check(&[reference_ledgers(
            "real/HagaiHargil_convert_bitcoin_formats_ledgers_2016-2019.csv",
        )]);
        assert_eq!(report.requests.len(), 26);
        assert_eq!(report.unpaired_requests().count(), 0);
        assert_eq!(report.chains.len(), 9);
        assert!(report.chains.iter().all(|c| c.opening.is_zero()));
        let btc = report.chain("BTC", "spot / main").expect("BTC");
        assert_eq!((btc.rows, btc.closing), (52, dec("0.2076027300")));
        let eur = report.chain("EUR", "spot / main").expect("EUR");
        assert_eq!((eur.rows, eur.closing), (41, dec("74.5230")));
        // A request settled much later in the file is still paired by refid.
        let late = report
            .requests
            .iter()
            .find(|r| r.refid == "ACC6DVV-TUUKP4-LGWBX3")
            .expect("request");
        assert_eq!(
            (late.request.line, late.settled.as_ref().map(|s| s.line)),
            (123, Some(158))
        );
    }

    /// Staking deposits are requested under one refid (`RUI…`) and settled as `staking` under
    /// another (`ST…`): unpaired by refid, with the same-amount settled row as a hint.
    #[test]
    fn feelhip_staking_requests_are_unpaired_with_a_same_amount_hint() {
        let _dir = reference_or_skip!();
        let report = check(&[reference_ledgers(
            "real/feelhip_portfolio_monitor_ledger_dir_ledgers.csv",
        )]);
        let unpaired: Vec<(u32, Option<String>)> = report
            .unpaired_requests()
            .map(|r| {
                (
                    r.request.line,
                    r.same_amount_later.as_ref().map(|s| s.txid.clone()),
                )
            })
            .collect();
        assert_eq!(
            unpaired,
            vec![
                (2, Some("LNT5DQ-UQJQ2-HVRVTR".into())),
                (4, Some("L7INFI-KL3EO-7QITNR".into())),
                (12, Some("LKCQ5C-GRUTE-MQYGGN".into())),
            ]
        );
        let paired: Vec<_> = report
            .requests
            .iter()
            .filter(|r| r.settled.is_some())
            .collect();
        assert_eq!(paired.len(), 1);
        assert_eq!(paired[0].settled.as_ref().map(|s| s.line), Some(15));
        assert!(
            report.requests[0]
                .to_string()
                .ends_with("requested, not settled under this refid in these files; real/feelhip_portfolio_monitor_ledger_dir_ledgers.csv line 3 (LNT5DQ-UQJQ2-HVRVTR) has the same amount"),
            "{}",
            report.requests[0]
        );
    }

    /// Six exports of one account (2021), overlapping windows, two of them the same content with
    /// different line ends: merged, each entry counts once and the balances are the widest one's.
    #[test]
    fn feelhip_overlapping_exports_merge_into_the_widest() {
        let _dir = reference_or_skip!();
        let names = [
            "real/feelhip_zips/ledger_ECTU.zip",
            "real/feelhip_zips/ledger_data.zip",
            "real/feelhip_portfolio_monitor_ledgers_2021-02_staking.csv",
            "real/feelhip_zips/ledger_QBFU.zip",
            "real/feelhip_zips/ledger_XDQK.zip",
            "real/feelhip_portfolio_monitor_ledger_dir_ledgers.csv",
        ];
        let files: Vec<LedgersFile> = names.iter().map(|n| reference_ledgers(n)).collect();
        let merged = check(&files);
        assert_clean("merged", &merged);
        let widest = check(&[reference_ledgers("real/feelhip_zips/ledger_QBFU.zip")]);
        assert_eq!(balances(&merged), balances(&widest));
        assert_eq!(
            merged.distinct.len(),
            84,
            "66 settled entries and 18 requests"
        );
        let total: usize = files.iter().map(|f| f.rows.len()).sum();
        assert_eq!(merged.repeats.len(), total - 84);
        assert_eq!(merged.requests.len(), 18);
        assert_eq!(merged.unpaired_requests().count(), 10);
    }

    #[test]
    fn synthetic_2026_types_outside_the_documented_list_are_flagged() {
        let _dir = reference_or_skip!();
        let report = check(&[reference_ledgers(
            "synthetic/zhaow-de_zcrypto-kraken_window-1-ledgers.csv",
        )]);
        let flagged: Vec<(&str, usize, u32)> = report
            .flagged
            .iter()
            .map(|f| (f.value.as_str(), f.rows, f.first.line))
            .collect();
        assert_eq!(flagged, vec![("collateralconversion", 6, 9)]);
        assert_eq!(report.chains.len(), 6);
    }

    /// Rows written back in reverse: each second's rows come in the opposite order, which does not
    /// hold for the fills of one order, and the check finds the order that does.
    #[test]
    fn hagaihargil_reversed_still_holds_by_reordering_same_second_rows() {
        let _dir = reference_or_skip!();
        let name = "real/HagaiHargil_convert_bitcoin_formats_ledgers_2016-2019.csv";
        let file = reference_ledgers(name);
        let forward = check(std::slice::from_ref(&file));
        assert!(forward.chains.iter().all(|c| c.reordered_seconds == 0));
        let mut rows: Vec<LedgerRow> = file.rows.iter().map(|r| r.row.clone()).collect();
        rows.reverse();
        let mut csv = Vec::new();
        write_ledgers_csv(&rows, LedgerLayout::Columns9, &mut csv).expect("write");
        let reversed = check(&[ledgers("reversed.csv", &csv)]);
        assert_clean("reversed", &reversed);
        assert_eq!(balances(&reversed), balances(&forward));
        let reordered: usize = reversed.chains.iter().map(|c| c.reordered_seconds).sum();
        assert!(reordered > 0, "some seconds needed another order");
    }
}

/// Reading every real file.
mod import {
    use super::*;

    fn strict() -> ReadOptions {
        ReadOptions::default()
    }

    fn ledgers(name: &str, bytes: &[u8]) -> LedgersFile {
        match read_export(name, bytes, strict()) {
            Ok(Export::Ledgers(file)) => file,
            Ok(Export::Trades(_)) => panic!("{name}: read as trades"),
            Err(e) => panic!("{e}"),
        }
    }

    fn trades(name: &str, bytes: &[u8]) -> countersign_ledger::TradesFile {
        match read_export(name, bytes, strict()) {
            Ok(Export::Trades(file)) => file,
            Ok(Export::Ledgers(_)) => panic!("{name}: read as ledgers"),
            Err(e) => panic!("{e}"),
        }
    }

    /// Lines of a CSV text, less the header: what a reader must return as rows.
    fn data_lines(bytes: &[u8]) -> usize {
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
            - 1
    }

    /// Every `.csv` and `.zip` among the references, as paths relative to `root`.
    fn reference_files(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut folders = vec![root.to_path_buf()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("reference folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "csv" || e == "zip") {
                    let relative = path.strip_prefix(root).expect("under root");
                    out.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn every_reference_file_imports_whole() {
        let dir = reference_or_skip!();
        let files = reference_files(&dir);
        assert_eq!(files.len(), 18, "{files:?}");
        for name in &files {
            let bytes = reference(name);
            let export = read_export(name, &bytes, strict()).unwrap_or_else(|e| panic!("{e}"));
            assert!(export.warnings().is_empty(), "{name}");
            let csv = if name.ends_with(".zip") {
                reference_zip_member(name).1
            } else {
                bytes
            };
            let (rows, lines, kind) = match &export {
                Export::Ledgers(f) => {
                    assert!(f.layout.is_some(), "{name}");
                    assert!(f.extra_columns.is_empty(), "{name}");
                    let lines: Vec<u32> = f.rows.iter().map(|r| r.line).collect();
                    (f.rows.len(), lines, ExportKind::Ledgers)
                }
                Export::Trades(f) => {
                    assert!(f.layout.is_some(), "{name}");
                    let lines: Vec<u32> = f.rows.iter().map(|r| r.line).collect();
                    (f.rows.len(), lines, ExportKind::Trades)
                }
            };
            assert_eq!(rows, data_lines(&csv), "{name}");
            assert_eq!(
                lines,
                (2..).take(rows).collect::<Vec<u32>>(),
                "{name}: line numbers"
            );
            let expected_kind = if name.contains("trades") || name.contains("UQHZ") {
                ExportKind::Trades
            } else {
                ExportKind::Ledgers
            };
            assert_eq!(kind, expected_kind, "{name}");
        }
    }

    #[test]
    fn zip_names_its_member_and_reads_the_same_rows_as_the_extracted_csv() {
        let _dir = reference_or_skip!();
        let zipped = ledgers(
            "ledger_XDQK.zip",
            &reference("real/feelhip_zips/ledger_XDQK.zip"),
        );
        assert_eq!(&*zipped.file, "ledger_XDQK.zip/ledgers.csv");
        let plain = ledgers(
            "ledgers.csv",
            &reference("real/feelhip_zips/extracted/ledger_XDQK/ledgers.csv"),
        );
        assert_eq!(zipped.rows, plain.rows);
        assert_eq!(zipped.layout, Some(LedgerLayout::Columns10));
    }

    #[test]
    fn amounts_are_exact_and_assets_normalised_with_the_original_kept() {
        let _dir = reference_or_skip!();
        let file = ledgers(
            "ledgers.csv",
            &reference("real/feelhip_portfolio_monitor_ledger_dir_ledgers.csv"),
        );
        let mana = &file.rows[5];
        assert_eq!(mana.line, 7);
        assert_eq!(mana.row.txid, "LNVY6A-PXY44-VYTHYW");
        assert_eq!(
            mana.row.balance.map(|b| b.to_string()).as_deref(),
            Some("1000.0000000500")
        );
        let btc = &file.rows[4];
        assert_eq!(btc.row.asset, "XXBT");
        assert_eq!(btc.asset_code().normalized(), "BTC");
        assert_eq!(btc.row.fee.to_string(), "0.0000165880");
        let staked = &file.rows[1];
        assert_eq!(staked.row.asset, "DOT.S");
        assert_eq!(staked.asset_code().base, "DOT");
        assert_eq!(staked.asset_code().normalized(), "DOT.S");
    }

    #[test]
    fn trades_fractional_times_and_lists() {
        let _dir = reference_or_skip!();
        let file = trades(
            "trades.csv",
            &reference("real/royeharris_kraken-ledger-report_trades_2024-11_2025-01.csv"),
        );
        assert_eq!(file.layout, Some(TradesLayout::Columns24));
        let first = &file.rows[0].row;
        assert_eq!(
            first.time.to_csv_with_fraction(),
            "2024-11-02 08:39:43.3077"
        );
        assert_eq!(
            first.ledgers,
            vec!["L2JLEJ-3KZLD-NTEKCX", "L6X4XD-S7AXH-DCBFMA"]
        );
        assert_eq!(first.posstatus, None);
        assert_eq!(first.cprice, None);
    }

    #[test]
    fn every_reference_time_parses_including_fractions() {
        let _dir = reference_or_skip!();
        let trades = trades(
            "trades.csv",
            &reference("real/feelhip_zips/extracted/ledger_UQHZ/trades.csv"),
        );
        assert_eq!(
            trades.rows[1].row.time.to_csv_with_fraction(),
            "2021-01-09 01:29:11.6504"
        );
    }
}

/// The export zip against the exchange's, and the fixtures' zip builder against the exchange's.
mod zips {
    use super::*;

    fn archive(bytes: Vec<u8>) -> zip::ZipArchive<Cursor<Vec<u8>>> {
        zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip")
    }

    /// Ours and the exchange's ledger_XDQK.zip (made 2021-02-12 05:31:16) agree on everything but
    /// the deflate stream itself.
    #[test]
    fn same_shape_as_the_exchanges_zip() {
        let _dir = reference_or_skip!();
        let mut theirs = archive(reference("real/feelhip_zips/ledger_XDQK.zip"));
        let csv = reference("real/feelhip_zips/extracted/ledger_XDQK/ledgers.csv");
        let created = Timestamp::parse_csv("2021-02-12 05:31:16").expect("time");
        let mut ours = archive(export_zip(ExportKind::Ledgers, &csv, created).expect("zip"));
        assert_eq!(ours.len(), theirs.len());
        assert_eq!(ours.comment(), theirs.comment());

        let theirs = theirs.by_index(0).expect("member");
        let ours = ours.by_index(0).expect("member");
        assert_eq!(ours.name_raw(), theirs.name_raw());
        assert_eq!(ours.name_raw(), b"ledgers.csv");
        assert_eq!(ours.compression(), theirs.compression());
        assert_eq!(ours.size(), theirs.size());
        assert_eq!(ours.crc32(), theirs.crc32());
        assert_eq!(ours.unix_mode(), theirs.unix_mode());
        assert_eq!(ours.unix_mode(), Some(0o100_666));
        assert_eq!(ours.last_modified(), theirs.last_modified());
        assert_eq!(
            ours.extra_data().unwrap_or_default(),
            theirs.extra_data().unwrap_or_default()
        );
        assert_eq!(ours.comment(), theirs.comment());
    }

    /// `support::exchange_zip`, which builds the fixtures' zips, against each of the exchange's:
    /// the same headers (version made by and needed, flags, method, time, CRC, sizes, name, mode,
    /// no extra field, no comment), only the deflate stream differs.
    #[test]
    fn the_fixtures_zips_are_built_as_the_exchange_builds_them() {
        let _dir = reference_or_skip!();
        for id in ["ECTU", "QBFU", "UQHZ", "XDQK", "data"] {
            let path = format!("real/feelhip_zips/ledger_{id}.zip");
            let real = reference(&path);
            let (member, csv) = reference_zip_member(&path);
            let mut theirs = archive(real.clone());
            let modified = theirs
                .by_index(0)
                .expect("member")
                .last_modified()
                .expect("time");
            let created = Timestamp::parse_csv(&format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                modified.year(),
                modified.month(),
                modified.day(),
                modified.hour(),
                modified.minute(),
                modified.second()
            ))
            .expect("time");
            let built = exchange_zip(&member, &csv, created);
            // The local header up to the CRC: signature, version needed, flags, method, time, date.
            assert_eq!(built[..14], real[..14], "{path}");
            let mut ours = archive(built);
            assert_eq!(ours.comment(), theirs.comment(), "{path}");
            let (ours, theirs) = (
                ours.by_index(0).expect("member"),
                theirs.by_index(0).expect("member"),
            );
            assert_eq!(ours.name_raw(), theirs.name_raw(), "{path}");
            assert_eq!(ours.version_made_by(), theirs.version_made_by(), "{path}");
            assert_eq!(ours.compression(), theirs.compression(), "{path}");
            assert_eq!(ours.crc32(), theirs.crc32(), "{path}");
            assert_eq!(ours.size(), theirs.size(), "{path}");
            assert_eq!(ours.unix_mode(), theirs.unix_mode(), "{path}");
            assert_eq!(ours.last_modified(), theirs.last_modified(), "{path}");
            assert_eq!(ours.extra_data(), theirs.extra_data(), "{path}");
            assert_eq!(ours.comment(), theirs.comment(), "{path}");
        }
    }
}

/// The workspace store on the newest real export and its trades.
mod store {
    use super::*;
    use countersign_ledger::{FileStatus, Filter, SourceFile, Workspace};

    const ROYE: &str = "real/royeharris_kraken-ledger-report_ledgers_2024-11_2025-01.csv";
    const ROYE_TRADES: &str = "real/royeharris_kraken-ledger-report_trades_2024-11_2025-01.csv";

    #[test]
    fn a_real_export_is_stored_once_and_the_store_agrees_with_the_check() {
        let _dir = reference_or_skip!();
        let (ledgers, trades) = (reference(ROYE), reference(ROYE_TRADES));
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ws = Workspace::open(dir.path().join("ws.sqlite")).expect("open");
        let outcome = ws
            .import(&[
                SourceFile {
                    name: "roye.csv",
                    bytes: &ledgers,
                },
                SourceFile {
                    name: "trades.csv",
                    bytes: &trades,
                },
            ])
            .expect("import");
        let counts: Vec<(usize, usize)> = outcome.files.iter().map(|f| (f.rows, f.added)).collect();
        assert_eq!(counts, vec![(106, 106), (23, 23)]);
        assert!(outcome.report.as_ref().is_some_and(|r| r.holds()));
        let again = ws
            .import(&[SourceFile {
                name: "copy.csv",
                bytes: &ledgers,
            }])
            .expect("import");
        assert!(matches!(
            &again.files[0].status,
            FileStatus::AlreadyImported { as_file, .. } if as_file == "roye.csv"
        ));
        assert_eq!(ws.ledger_rows().expect("rows"), 106);

        let direct = check(&[read_ledgers(ROYE, &ledgers, ReadOptions::default()).expect("read")]);
        let end = Timestamp::parse_csv("2030-01-01 00:00:00").expect("time");
        let balances = ws.balance_at(end).expect("balances");
        assert_eq!(balances.len(), 2);
        for b in &balances {
            let chain = direct.chain(&b.asset, &b.wallet).expect("chain");
            assert_eq!(b.balance, chain.closing, "{}", b.asset);
        }
        let gbp = Filter {
            assets: vec!["ZGBP".to_owned()],
            ..Filter::default()
        };
        assert_eq!(ws.page(&gbp, 0, 5).expect("page").total, 58);
        let groups = ws.trades_with_legs(&Filter::default()).expect("trades");
        assert_eq!(groups.iter().filter(|g| g.trade.is_some()).count(), 23);
        for g in groups.iter().filter(|g| g.trade.is_some()) {
            assert!(g.legs.len() >= 2, "{}", g.refid);
        }
    }
}
