//! Byte-exact golden tests: the project's fixtures (exports in every layout, written as the
//! exchange writes them; invented values, see `fixtures/exports/README.md`) are read into rows and
//! written back with the same layout; the bytes must equal the file (header and every row). This
//! is what shows the writer reproduces the exchange's layout, quoting, number and time spelling.
//! The same runs on the owners' real exports in `reference_exports.rs`, when they are present.

mod support;

use countersign_ledger::{LedgerLayout, TradesLayout, write_ledgers_csv, write_trades_csv};
use support::{
    FIXTURE_ZIPS, as_shipped, assert_same_bytes, fixture, fixture_zip, ledgers_round_trip,
    raw_fields, read_ledgers, read_trades, trades_round_trip, zip_member,
};

#[test]
fn ledgers_9_columns_2016_to_2018() {
    let name = "ledgers-9-2016-2018.csv";
    let rows = ledgers_round_trip(name, &fixture(name), LedgerLayout::Columns9);
    assert_eq!(rows, 50);
}

/// The exchange's zips (2021): the member is the committed CSV exactly, and reproduced.
#[test]
fn ledgers_10_columns_from_the_exchanges_zips() {
    for (id, rows) in [("KXRT", 46), ("HNVA", 40), ("DQPE", 38), ("MBWF", 16)] {
        let (member, bytes) = zip_member(&fixture_zip(id));
        assert_eq!(member, "ledgers.csv", "{id}");
        assert_eq!(bytes, fixture(&format!("zips/{id}/ledgers.csv")), "{id}");
        assert_eq!(
            ledgers_round_trip(id, &bytes, LedgerLayout::Columns10),
            rows,
            "{id}"
        );
    }
    assert_eq!(
        FIXTURE_ZIPS.len(),
        5,
        "four ledgers zips and one trades zip"
    );
}

/// Request rows: empty `txid`, `""` balance, then the settled row under the same refid. Two of
/// the files are git copies with LF line ends, reproduced once the CR is put back.
#[test]
fn ledgers_10_columns_with_request_rows() {
    for (name, rows, requests) in [
        ("ledgers-10-2021-11-withdrawals.csv", 6, 3),
        ("ledgers-10-2021-02-lf.csv", 16, 4),
        ("ledgers-10-2021-02-staking-lf.csv", 12, 3),
    ] {
        let shipped = as_shipped(&fixture(name));
        assert_eq!(
            ledgers_round_trip(name, &shipped, LedgerLayout::Columns10),
            rows,
            "{name}"
        );
        let (_, read) = read_ledgers(&shipped);
        let request_rows = read
            .iter()
            .filter(|r| r.txid.is_empty() && r.balance.is_none())
            .count();
        assert_eq!(request_rows, requests, "{name}");
    }
    // The LF copy is the February zip's member, re-saved.
    assert_eq!(
        as_shipped(&fixture("ledgers-10-2021-02-lf.csv")),
        fixture("zips/MBWF/ledgers.csv")
    );
}

/// No real 11-column file is known; the fixture is written as importers describe the layout.
#[test]
fn ledgers_11_columns() {
    let name = "ledgers-11-2025.csv";
    assert_eq!(
        ledgers_round_trip(name, &fixture(name), LedgerLayout::Columns11),
        12
    );
}

#[test]
fn ledgers_12_columns_the_current_layout() {
    let name = "ledgers-12-2024-2025.csv";
    let rows = ledgers_round_trip(name, &fixture(name), LedgerLayout::Columns12);
    assert_eq!(rows, 50);
    assert_eq!(LedgerLayout::CURRENT, LedgerLayout::Columns12);
}

/// The expectation is derived from the 12-column file by deleting its `subclass` field from
/// every raw line (quotes as written), and compared with the rows of that file written as 11
/// columns.
#[test]
fn ledgers_11_columns_are_the_12_without_subclass() {
    let name = "ledgers-12-2024-2025.csv";
    let shipped = String::from_utf8(fixture(name)).expect("UTF-8");
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
    let (_, rows) = read_ledgers(shipped.as_bytes());
    let mut written = Vec::new();
    write_ledgers_csv(&rows, LedgerLayout::Columns11, &mut written).expect("write to a Vec");
    assert_same_bytes("11 from 12", expected.as_bytes(), &written);
}

/// "All fields": the 12 plus USD valuations and the fee currency.
#[test]
fn ledgers_16_columns() {
    let name = "ledgers-16-2026.csv";
    assert_eq!(
        ledgers_round_trip(name, &fixture(name), LedgerLayout::Columns16),
        25
    );
}

/// The old trades layout, no position columns; no real file is known.
#[test]
fn trades_13_columns() {
    let name = "trades-13-2016-2018.csv";
    assert_eq!(
        trades_round_trip(name, &fixture(name), TradesLayout::Columns13),
        14
    );
}

/// The exchange's zip (2021): bare empty position fields, fractional times.
#[test]
fn trades_22_columns_from_the_exchanges_zip() {
    let (member, bytes) = zip_member(&fixture_zip("TRZC"));
    assert_eq!(member, "trades.csv");
    assert_eq!(bytes, fixture("zips/TRZC/trades.csv"));
    assert_eq!(
        trades_round_trip("TRZC", &bytes, TradesLayout::Columns22),
        9
    );
}

/// The current layout: quoted empty position fields.
#[test]
fn trades_24_columns_the_current_layout() {
    let name = "trades-24-2024-2025.csv";
    assert_eq!(
        trades_round_trip(name, &fixture(name), TradesLayout::Columns24),
        13
    );
    assert_eq!(TradesLayout::CURRENT, TradesLayout::Columns24);
}

/// Position fields set: a closed position's figures, the closing trade ids, a `posttxid`.
#[test]
fn trades_24_columns_with_positions() {
    let name = "trades-24-2026.csv";
    assert_eq!(
        trades_round_trip(name, &fixture(name), TradesLayout::Columns24),
        7
    );
}

/// A tool that re-saves the times with every fraction padded to four digits (`.5000`, which no
/// export writes: they drop trailing zeros, `.5`): read, then written in the exchange's spelling.
#[test]
fn trades_24_columns_with_padded_fractions_are_written_as_the_exchange_does() {
    let shipped = String::from_utf8(fixture("trades-24-2026.csv")).expect("UTF-8");
    let time = 5;
    let padded: String = shipped
        .split_inclusive("\r\n")
        .enumerate()
        .map(|(i, line)| {
            let mut fields = raw_fields(line.trim_end_matches("\r\n"));
            if i > 0 {
                let t = fields[time].trim_matches('"');
                let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
                fields[time] = format!("\"{whole}.{fraction:0<4}\"");
            }
            fields.join(",") + "\r\n"
        })
        .collect();
    assert_ne!(
        padded, shipped,
        "some fraction was shorter than four digits"
    );
    let (layout, rows) = read_trades(padded.as_bytes());
    assert_eq!(layout, TradesLayout::Columns24);
    let mut written = Vec::new();
    write_trades_csv(&rows, layout, &mut written).expect("write to a Vec");
    assert_same_bytes("padded", shipped.as_bytes(), &written);
}

/// Importers name a 25-column variant with `costusd`; no real file is known.
#[test]
fn trades_25_columns() {
    let name = "trades-25-2025.csv";
    assert_eq!(
        trades_round_trip(name, &fixture(name), TradesLayout::Columns25),
        2
    );
}
