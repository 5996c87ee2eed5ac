//! Reading exports: every fixture (the project's own exports, invented, see
//! `fixtures/exports/README.md`), the round trip through the writer in every layout, and each kind
//! of bad input with the exact message a user sees. The owners' real exports are read in
//! `reference_exports.rs`.

mod support;

use std::io::{Cursor, Write};

use countersign_ledger::import::{ImportProblem, LineEnd};
use countersign_ledger::{
    CompactString, Export, ExportKind, LedgerColumn, LedgerLayout, LedgerRow, LedgersFile,
    ReadOptions, Timestamp, TradeRow, TradesFile, TradesLayout, check, export_zip, read_export,
    read_ledgers, write_ledgers_csv, write_trades_csv,
};
use support::{FIXTURE_ZIPS, fixture, fixture_zip, fixture_zip_member, fixtures_dir};

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

fn trades(name: &str, bytes: &[u8]) -> TradesFile {
    match read_export(name, bytes, strict()) {
        Ok(Export::Trades(file)) => file,
        Ok(Export::Ledgers(_)) => panic!("{name}: read as ledgers"),
        Err(e) => panic!("{e}"),
    }
}

fn error(name: &str, bytes: &[u8]) -> String {
    match read_export(name, bytes, strict()) {
        Ok(_) => panic!("{name}: read, expected an error"),
        Err(e) => e.to_string(),
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

/// Every `.csv` among the fixtures, as paths relative to the fixtures folder.
fn fixture_files() -> Vec<String> {
    let root = fixtures_dir();
    let mut out = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("fixtures folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "csv") {
                let relative = path.strip_prefix(&root).expect("under root");
                out.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Every fixture, and every zip built from one, reads whole: each line a row, numbered from 2,
/// no warning, a known layout, the kind its name says.
#[test]
fn every_fixture_imports_whole() {
    let files = fixture_files();
    assert_eq!(files.len(), 16, "{files:?}");
    let zips = FIXTURE_ZIPS.map(|(id, _, _)| format!("{id}.zip"));
    for name in files.iter().chain(&zips) {
        let (bytes, csv, member) = match name.strip_suffix(".zip") {
            Some(id) => {
                let (member, csv) = fixture_zip_member(id);
                (fixture_zip(id), csv, member.to_owned())
            }
            None => (fixture(name), fixture(name), name.clone()),
        };
        let export = read_export(name, &bytes, strict()).unwrap_or_else(|e| panic!("{e}"));
        assert!(export.warnings().is_empty(), "{name}");
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
        let expected_kind = if member.contains("trades") {
            ExportKind::Trades
        } else {
            ExportKind::Ledgers
        };
        assert_eq!(kind, expected_kind, "{name}");
    }
}

#[test]
fn zip_names_its_member_and_reads_the_same_rows_as_the_extracted_csv() {
    let zipped = ledgers("MBWF.zip", &fixture_zip("MBWF"));
    assert_eq!(&*zipped.file, "MBWF.zip/ledgers.csv");
    let plain = ledgers("ledgers.csv", &fixture("zips/MBWF/ledgers.csv"));
    assert_eq!(zipped.rows, plain.rows);
    assert_eq!(zipped.layout, Some(LedgerLayout::Columns10));
    assert_eq!(zipped.rows.len(), 16);
}

#[test]
fn amounts_are_exact_and_assets_normalised_with_the_original_kept() {
    let file = ledgers("ledgers.csv", &fixture("ledgers-10-2021-02-lf.csv"));
    // ADA bought onto a dust of 0.00000003 left by an earlier sale.
    let ada = &file.rows[5];
    assert_eq!(ada.line, 7);
    assert_eq!(ada.row.txid, "LSTMQ4-6WK5Q-VOF2GI");
    assert_eq!(
        ada.row.balance.map(|b| b.to_string()).as_deref(),
        Some("250.00000003")
    );
    let btc = &file.rows[4];
    assert_eq!(btc.row.asset, "XXBT");
    assert_eq!(btc.asset_code().normalized(), "BTC");
    assert_eq!(btc.row.fee.to_string(), "0.0000104000");
    let staked = &file.rows[1];
    assert_eq!(staked.row.asset, "DOT.S");
    assert_eq!(staked.asset_code().base, "DOT");
    assert_eq!(staked.asset_code().normalized(), "DOT.S");
    let doge = &file.rows[7];
    assert_eq!(doge.row.asset, "XXDG");
    assert_eq!(doge.asset_code().normalized(), "DOGE");
    assert_eq!(doge.row.amount.to_string(), "2500.00000000");
}

#[test]
fn trades_fractional_times_and_lists() {
    let file = trades("trades.csv", &fixture("trades-24-2024-2025.csv"));
    assert_eq!(file.layout, Some(TradesLayout::Columns24));
    let first = &file.rows[0].row;
    assert_eq!(
        first.time.to_csv_with_fraction(),
        "2024-11-05 08:14:31.3077"
    );
    assert_eq!(
        first.ledgers,
        vec!["LAZSVN-7Z3RB-O2ALNL", "LD2IKW-JGQH6-54GJGY"]
    );
    assert_eq!(first.posstatus, None);
    assert_eq!(first.cprice, None);
    assert_eq!(first.trades, Vec::<String>::new());
    // A fill that opened a position since closed: its position fields are read.
    let file = trades("trades.csv", &fixture("trades-24-2026.csv"));
    let opened = &file.rows[3].row;
    assert_eq!(opened.posstatus.as_deref(), Some("closed"));
    assert_eq!(
        opened.cprice.map(|d| d.to_string()).as_deref(),
        Some("4.25000000")
    );
    assert_eq!(opened.net.map(|d| d.to_string()).as_deref(), Some("1.4350"));
    assert_eq!(opened.trades, vec!["TNNNGX-DCS2G-EZZUJS"]);
    assert_eq!(opened.ledgers.len(), 3);
}

/// Every field of every ledgers row of the fixtures in four layouts, written in each layout and
/// read back: equal on the fields the layout carries, empty on the others.
#[test]
fn ledgers_round_trip_through_the_writer_in_every_layout() {
    let mut rows: Vec<LedgerRow> = Vec::new();
    for name in [
        "ledgers-16-2026.csv",
        "ledgers-10-2021-11-withdrawals.csv",
        "ledgers-12-2024-2025.csv",
        "ledgers-11-2025.csv",
        "ledgers-9-2016-2018.csv",
    ] {
        rows.extend(
            ledgers(name, &fixture(name))
                .rows
                .into_iter()
                .map(|r| r.row),
        );
    }
    assert!(
        rows.iter().any(|r| r.txid.is_empty()),
        "a request row is among them"
    );
    for layout in LedgerLayout::ALL {
        let mut csv = Vec::new();
        write_ledgers_csv(&rows, layout, &mut csv).expect("write");
        let back = ledgers("ledgers.csv", &csv);
        assert_eq!(back.layout, Some(layout));
        assert_eq!(back.rows.len(), rows.len());
        for (row, read) in rows.iter().zip(&back.rows) {
            assert_eq!(read.row, carried(row, layout), "{layout:?}");
        }
    }
}

/// `row` with the fields `layout` lacks emptied.
fn carried(row: &LedgerRow, layout: LedgerLayout) -> LedgerRow {
    let has = |c| layout.columns().contains(&c);
    let text = |c, v: &CompactString| {
        if has(c) {
            v.clone()
        } else {
            CompactString::default()
        }
    };
    let number = |c, v| if has(c) { v } else { None };
    LedgerRow {
        txid: row.txid.clone(),
        refid: row.refid.clone(),
        time: Timestamp::from_unix_seconds(row.time.unix_seconds()).expect("time"),
        r#type: row.r#type.clone(),
        subtype: text(LedgerColumn::Subtype, &row.subtype),
        aclass: row.aclass.clone(),
        subclass: text(LedgerColumn::Subclass, &row.subclass),
        asset: row.asset.clone(),
        wallet: text(LedgerColumn::Wallet, &row.wallet),
        amount: row.amount,
        fee: row.fee,
        balance: row.balance,
        amount_usd: number(LedgerColumn::AmountUsd, row.amount_usd),
        fee_usd: number(LedgerColumn::FeeUsd, row.fee_usd),
        balance_usd: number(LedgerColumn::BalanceUsd, row.balance_usd),
        fee_currency: text(LedgerColumn::FeeCurrency, &row.fee_currency),
    }
}

#[test]
fn trades_round_trip_through_the_writer_in_every_layout() {
    let mut rows: Vec<TradeRow> = Vec::new();
    for name in [
        "trades-24-2026.csv",
        "trades-24-2024-2025.csv",
        "zips/TRZC/trades.csv",
        "trades-13-2016-2018.csv",
        "trades-25-2025.csv",
    ] {
        rows.extend(trades(name, &fixture(name)).rows.into_iter().map(|r| r.row));
    }
    // A fill with a closed position and a USD cost, so every position column carries a value.
    rows.push(TradeRow {
        posstatus: Some("closed".into()),
        cprice: Some("6.25".parse().expect("decimal")),
        ccost: Some("12.5".parse().expect("decimal")),
        cfee: Some("0.02".parse().expect("decimal")),
        cvol: Some("2".parse().expect("decimal")),
        cmargin: Some("2.5".parse().expect("decimal")),
        net: Some("-0.15".parse().expect("decimal")),
        cost_usd: Some("20.1".parse().expect("decimal")),
        trades: vec!["TQX4LM-2RDVA-7KP3ZE".into(), "TB6WNC-H5JTY-QE2MSA".into()],
        ..rows[0].clone()
    });
    for layout in TradesLayout::ALL {
        let mut csv = Vec::new();
        write_trades_csv(&rows, layout, &mut csv).expect("write");
        let back = trades("trades.csv", &csv);
        assert_eq!(back.layout, Some(layout));
        for (row, read) in rows.iter().zip(&back.rows) {
            let has = |c| layout.columns().contains(&c);
            use countersign_ledger::TradesColumn as C;
            let expected = TradeRow {
                aclass: if has(C::Aclass) {
                    row.aclass.clone()
                } else {
                    String::new()
                },
                subclass: if has(C::Subclass) {
                    row.subclass.clone()
                } else {
                    String::new()
                },
                postxid: if has(C::Postxid) {
                    row.postxid.clone()
                } else {
                    String::new()
                },
                posstatus: row.posstatus.clone().filter(|_| has(C::Posstatus)),
                cprice: row.cprice.filter(|_| has(C::Cprice)),
                ccost: row.ccost.filter(|_| has(C::Ccost)),
                cfee: row.cfee.filter(|_| has(C::Cfee)),
                cvol: row.cvol.filter(|_| has(C::Cvol)),
                cmargin: row.cmargin.filter(|_| has(C::Cmargin)),
                net: row.net.filter(|_| has(C::Net)),
                cost_usd: row.cost_usd.filter(|_| has(C::CostUsd)),
                trades: if has(C::Trades) {
                    row.trades.clone()
                } else {
                    Vec::new()
                },
                ..row.clone()
            };
            assert_eq!(read.row, expected, "{layout:?}");
        }
    }
}

/// A small valid ledgers export in the current layout (CRLF), as text: the first four rows of
/// the 12-column fixture.
fn current_csv() -> String {
    let name = "ledgers-12-2024-2025.csv";
    let rows: Vec<LedgerRow> = ledgers(name, &fixture(name))
        .rows
        .into_iter()
        .take(4)
        .map(|r| r.row)
        .collect();
    let mut csv = Vec::new();
    write_ledgers_csv(&rows, LedgerLayout::Columns12, &mut csv).expect("write");
    String::from_utf8(csv).expect("UTF-8")
}

/// `csv` with field `field` (0-based) of line `line` (1-based) replaced by `value`.
fn with_field(csv: &str, line: usize, field: usize, value: &str) -> String {
    csv.split_inclusive("\r\n")
        .enumerate()
        .map(|(i, l)| {
            if i + 1 != line {
                return l.to_owned();
            }
            let mut fields = support::raw_fields(l.trim_end_matches("\r\n"));
            fields[field] = value.to_owned();
            fields.join(",") + "\r\n"
        })
        .collect()
}

#[test]
fn bad_decimal_names_file_line_and_column() {
    let csv = with_field(&current_csv(), 3, 9, "1.2.3");
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        r#"ledgers.csv line 3, column "amount": "1.2.3" is not a decimal number"#
    );
    let csv = with_field(&current_csv(), 4, 11, "");
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        r#"ledgers.csv line 4, column "balance": is empty on a row with a txid; only a request row (empty txid) has no balance"#
    );
    let csv = with_field(&current_csv(), 2, 10, "");
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        r#"ledgers.csv line 2, column "fee": is empty where a number is required"#
    );
}

#[test]
fn bad_date_names_file_line_and_column() {
    let csv = with_field(&current_csv(), 5, 2, "\"2024-02-30 10:00:00\"");
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        r#"ledgers.csv line 5, column "time": "2024-02-30 10:00:00" is not an export time (YYYY-MM-DD HH:MM:SS[.ffff], UTC)"#
    );
}

#[test]
fn missing_required_column_is_named() {
    let csv: String = current_csv()
        .split_inclusive("\r\n")
        .map(|l| {
            let mut fields = support::raw_fields(l.trim_end_matches("\r\n"));
            fields.remove(10); // fee
            fields.join(",") + "\r\n"
        })
        .collect();
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        r#"ledgers.csv line 1, column "fee": the ledgers header lacks required column(s) "fee""#
    );
    assert_eq!(
        error("other.csv", b"\"date\",\"amount\"\r\n\"x\",1\r\n"),
        "other.csv line 1: the header names neither a ledgers export (txid, refid, time, type, asset, amount, fee, balance) nor a trades export (txid, ordertxid, pair, time, …)"
    );
}

#[test]
fn wrong_field_count_is_named() {
    let mut csv = current_csv();
    csv = csv.replacen(
        "\"spot / main\",120.0000",
        "\"spot / main\",\"x\",120.0000",
        1,
    );
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        "ledgers.csv line 2: has 13 fields where the header has 12"
    );
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert_eq!(
        error("empty.csv", b""),
        "empty.csv line 1: the file is empty: an export has at least a header line"
    );
    let header = current_csv()
        .split_inclusive("\r\n")
        .next()
        .expect("header")
        .to_owned();
    assert_eq!(
        error("ledgers.csv", header.as_bytes()),
        "ledgers.csv line 1: the file has a header but no rows"
    );
}

#[test]
fn bom_is_refused_by_default_and_a_warning_when_accepted() {
    let csv = format!("\u{feff}{}", current_csv());
    assert_eq!(
        error("ledgers.csv", csv.as_bytes()),
        "ledgers.csv line 1: starts with a UTF-8 byte-order mark, which the exchange never writes: the file was re-saved by another program"
    );
    let accepted = read_ledgers(
        "ledgers.csv",
        csv.as_bytes(),
        ReadOptions {
            accept_edited: true,
        },
    )
    .expect("accepted");
    assert_eq!(accepted.rows.len(), 4);
    assert_eq!(accepted.layout, Some(LedgerLayout::Columns12));
    assert_eq!(accepted.rows[0].row.txid, "LRJ2DQ-DGPR7-WGD5J2");
    assert_eq!(accepted.warnings.len(), 1);
    assert_eq!(accepted.warnings[0].problem, ImportProblem::ByteOrderMark);
}

#[test]
fn mixed_line_ends_are_refused_by_default_and_a_warning_when_accepted() {
    let csv = current_csv();
    let mut lines: Vec<&str> = csv.split_inclusive("\r\n").collect();
    let third = lines[2].replace("\r\n", "\n");
    lines[2] = &third;
    let mixed: String = lines.concat();
    assert_eq!(
        error("ledgers.csv", mixed.as_bytes()),
        "ledgers.csv line 3: ends with LF where line 1 ends with CRLF; the exchange ends every line the same way: the file was edited by another program"
    );
    let accepted = read_ledgers(
        "ledgers.csv",
        mixed.as_bytes(),
        ReadOptions {
            accept_edited: true,
        },
    )
    .expect("accepted");
    assert_eq!(
        accepted.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![2, 3, 4, 5]
    );
    assert_eq!(
        accepted.warnings[0].problem,
        ImportProblem::MixedLineEnds {
            first: LineEnd::Crlf,
            first_line: 1,
            this: LineEnd::Lf
        }
    );
    assert_eq!(accepted.warnings[0].line, 3);
    // All LF is a consistent file (a git checkout), read without a warning.
    let lf = csv.replace("\r\n", "\n");
    let file = read_ledgers("ledgers.csv", lf.as_bytes(), strict()).expect("LF");
    assert!(file.warnings.is_empty());
}

#[test]
fn a_file_cut_short_is_refused() {
    let csv = current_csv();
    let cut = &csv[..csv.len() - 2];
    assert_eq!(
        error("ledgers.csv", cut.as_bytes()),
        "ledgers.csv line 5: does not end with a line break, which the exchange always writes: the file looks cut short or edited"
    );
    let cut = &csv[..csv.len() - 20];
    assert!(
        read_export(
            "ledgers.csv",
            cut.as_bytes(),
            ReadOptions {
                accept_edited: true
            }
        )
        .is_err()
    );
}

#[test]
fn truncated_or_damaged_zip_is_refused() {
    let zip = fixture_zip("MBWF");
    let message = error("MBWF.zip", &zip[..zip.len() / 2]);
    assert!(
        message.starts_with("MBWF.zip: is not a readable zip (truncated or damaged): "),
        "{message}"
    );
    // Central directory intact, member data damaged: the member fails its CRC.
    let mut damaged = zip.clone();
    damaged[60] ^= 0xff;
    damaged[61] ^= 0xff;
    let message = error("MBWF.zip", &damaged);
    assert!(
        message.starts_with("MBWF.zip: the zip member cannot be read (truncated or damaged): "),
        "{message}"
    );
}

#[test]
fn zip_without_a_csv_is_refused() {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .expect("start");
    writer.write_all(b"hello").expect("write");
    let bytes = writer.finish().expect("finish").into_inner();
    assert_eq!(
        error("export.zip", &bytes),
        r#"export.zip: the zip holds no .csv member (members: "readme.txt")"#
    );
}

#[test]
fn a_zip_made_by_export_zip_reads_back() {
    let csv = current_csv();
    let created = Timestamp::parse_csv("2026-01-10 12:00:00").expect("time");
    let zip = export_zip(ExportKind::Ledgers, csv.as_bytes(), created).expect("zip");
    let file = ledgers("ABCD.zip", &zip);
    assert_eq!(&*file.file, "ABCD.zip/ledgers.csv");
    assert_eq!(file.rows.len(), 4);
}

#[test]
fn unknown_columns_are_kept_with_their_values() {
    let csv: String = current_csv()
        .split_inclusive("\r\n")
        .enumerate()
        .map(|(i, l)| {
            let mut fields = support::raw_fields(l.trim_end_matches("\r\n"));
            let (note, tag) = if i == 0 {
                ("\"note\"".to_owned(), "\"tag\"".to_owned())
            } else {
                (format!("\"note {i}\""), String::from("\"\""))
            };
            fields.insert(3, note);
            fields.push(tag);
            fields.join(",") + "\r\n"
        })
        .collect();
    let file = ledgers("ledgers.csv", csv.as_bytes());
    assert_eq!(file.layout, None);
    assert_eq!(file.extra_columns, vec!["note", "tag"]);
    assert_eq!(file.rows[1].extra, vec!["note 2", ""]);
    assert_eq!(
        file.extras(&file.rows[0]).collect::<Vec<_>>(),
        vec![("note", "note 1"), ("tag", "")]
    );
    assert_eq!(file.rows[0].row.r#type, "deposit");
    assert_eq!(file.rows[0].row.amount.to_string(), "120.0000");
}

#[test]
fn unknown_type_is_kept_and_flagged_not_refused() {
    let csv = with_field(&current_csv(), 3, 3, "\"hybridearnwithdrawal\"");
    let csv = with_field(&csv, 4, 4, "\"newsubtype\"");
    let file = ledgers("ledgers.csv", csv.as_bytes());
    assert_eq!(file.rows[1].row.r#type, "hybridearnwithdrawal");
    let unknown = file.unknown_values();
    assert_eq!(unknown.len(), 2);
    assert_eq!(unknown[0].column, LedgerColumn::Type);
    assert_eq!(unknown[0].value, "hybridearnwithdrawal");
    assert_eq!(unknown[0].first_line, 3);
    assert_eq!(unknown[1].column, LedgerColumn::Subtype);
    assert_eq!(unknown[1].value, "newsubtype");
    let report = check(&[file]);
    assert_eq!(report.flagged.len(), 2);
    assert_eq!(report.flagged[0].value, "hybridearnwithdrawal");
    assert_eq!(report.flagged[0].first.line, 3);
    assert!(report.breaks.is_empty());
}

#[test]
fn trades_times_parse_including_fractions() {
    let trades = trades("trades.csv", &fixture("zips/TRZC/trades.csv"));
    assert_eq!(
        trades.rows[1].row.time.to_csv_with_fraction(),
        "2021-01-06 09:40:51.6504"
    );
    assert_eq!(
        trades.rows[0].row.time.to_csv_with_fraction(),
        "2021-01-06 09:12:05.339"
    );
    // A ledgers time with a fraction (as some tools write it) is read, not refused.
    let csv = with_field(&current_csv(), 2, 2, "\"2016-10-20 17:35:30.1234\"");
    let file = ledgers("ledgers.csv", csv.as_bytes());
    assert_eq!(file.rows[0].row.time.ticks() % 10_000, 1234);
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let csv = with_field(&current_csv(), 3, 4, "\"PLACEHOLDER\"");
    let mut bytes = csv.into_bytes();
    let at = bytes
        .windows(11)
        .position(|w| w == b"PLACEHOLDER")
        .expect("placeholder");
    bytes[at] = 0xff;
    assert_eq!(
        error("ledgers.csv", &bytes),
        r#"ledgers.csv line 3, column "subtype": is not UTF-8 text"#
    );
}

#[test]
fn only_the_signs_of_a_re_saved_file_count_as_edited() {
    let csv = current_csv();
    let problem = |bytes: &[u8]| {
        read_export("ledgers.csv", bytes, strict())
            .expect_err("refused")
            .problem
    };
    let bom = [b"\xEF\xBB\xBF".as_slice(), csv.as_bytes()].concat();
    let mixed = csv.replacen("\r\n", "\n", 3);
    let cut = &csv[..csv.len() - 2];
    for edited in [bom.as_slice(), mixed.as_bytes(), cut.as_bytes()] {
        assert!(problem(edited).is_edited(), "{:?}", problem(edited));
    }
    let bad = with_field(&csv, 3, 9, "1.2.3");
    assert!(!problem(bad.as_bytes()).is_edited());
    assert!(!problem(b"").is_edited());
}
