//! Test-only access to exports: the project's own fixtures in `tests/fixtures/exports/`
//! (invented data, see its README.md), the exchange-shaped zips built from them, and the owners'
//! real exports in `shared/reference/kraken-exports/` beside the checkout (read, never copied in:
//! they are format references, not ours to redistribute; see [`locate`]). Also a minimal reader
//! that maps columns by header name into rows, independent of the crate's own.

#![allow(dead_code, unused_imports, unused_macros)]

#[macro_use]
pub mod locate;

use std::io::{Cursor, Read};
use std::str::FromStr;

use countersign_ledger::{
    LedgerColumn, LedgerLayout, LedgerRow, Timestamp, TradeRow, TradesColumn, TradesLayout,
    write_ledgers_csv, write_trades_csv,
};
use rust_decimal::Decimal;

pub use locate::{find_reference_dir, fixture_path, fixtures_dir, reference_dir_or_skip};

/// The bytes of a fixture (a path relative to `tests/fixtures/exports/`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The exchange's zips among the fixtures: (export id, member, when the export was made). Each
/// is built by [`fixture_zip`] from `zips/<id>/<member>`, the CSV as committed (CRLF).
pub const FIXTURE_ZIPS: [(&str, &str, &str); 5] = [
    ("KXRT", "ledgers.csv", "2021-02-13 03:10:08"),
    ("HNVA", "ledgers.csv", "2021-02-09 12:04:36"),
    ("DQPE", "ledgers.csv", "2021-02-09 12:06:50"),
    ("MBWF", "ledgers.csv", "2021-02-11 16:45:22"),
    ("TRZC", "trades.csv", "2021-02-08 20:31:14"),
];

/// The member of fixture zip `id`: its name and the committed CSV.
pub fn fixture_zip_member(id: &str) -> (&'static str, Vec<u8>) {
    let (_, member, _) = fixture_zip_entry(id);
    (member, fixture(&format!("zips/{id}/{member}")))
}

/// When fixture zip `id` was made, as its member's modification time says.
pub fn fixture_zip_created(id: &str) -> Timestamp {
    Timestamp::parse_csv(fixture_zip_entry(id).2).expect("time")
}

fn fixture_zip_entry(id: &str) -> (&'static str, &'static str, &'static str) {
    FIXTURE_ZIPS
        .into_iter()
        .find(|(i, _, _)| *i == id)
        .unwrap_or_else(|| panic!("no fixture zip {id}"))
}

/// Fixture zip `id` (`<id>.zip`), built as the exchange builds its export zips.
pub fn fixture_zip(id: &str) -> Vec<u8> {
    let (member, csv) = fixture_zip_member(id);
    exchange_zip(member, &csv, fixture_zip_created(id))
}

/// A zip shaped as the exchange's export zips (2021, read off the owners' zips): one member,
/// method deflate with the "maximum compression" flag, made by Unix zip 6.3, mode `100666`,
/// modified at `created` (DOS time, even seconds), no data descriptor, no extra field, no
/// comment. Written here byte by byte, apart from the crate's [`countersign_ledger::export_zip`],
/// so the two can be compared. The deflate stream is made of stored blocks (valid deflate, no
/// compressor needed): the bytes are the same on every run and machine.
pub fn exchange_zip(member: &str, csv: &[u8], created: Timestamp) -> Vec<u8> {
    let text = created.to_csv_seconds(); // YYYY-MM-DD HH:MM:SS
    let field = |at: std::ops::Range<usize>| -> u16 { text[at].parse().expect("a time field") };
    let time = (field(11..13) << 11) | (field(14..16) << 5) | (field(17..19) / 2);
    let date = ((field(0..4) - 1980) << 9) | (field(5..7) << 5) | field(8..10);
    let mut deflated = Vec::with_capacity(csv.len() + 5 * (csv.len() / 0xffff + 1));
    let mut blocks = csv.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        deflated.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let len = u16::try_from(block.len()).expect("a stored block");
        // BFINAL on the last block, BTYPE 00 (stored), padded to the byte; LEN, NLEN.
        deflated.push(u8::from(blocks.peek().is_none()));
        deflated.extend_from_slice(&len.to_le_bytes());
        deflated.extend_from_slice(&(!len).to_le_bytes());
        deflated.extend_from_slice(block);
    }
    let u32_of = |n: usize| u32::try_from(n).expect("a small zip");
    let name = member.as_bytes();
    let name_len = u16::try_from(name.len()).expect("a short name");
    let crc = crc32(csv);
    // Version needed 2.0, flags 0x0002 (maximum compression), method 8 (deflate).
    let common = |out: &mut Vec<u8>| {
        for v in [20_u16, 0x0002, 8, time, date] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, u32_of(deflated.len()), u32_of(csv.len())] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // extra field length
    };
    let mut zip = Vec::new();
    zip.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
    common(&mut zip);
    zip.extend_from_slice(name);
    zip.extend_from_slice(&deflated);
    let directory = zip.len();
    zip.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
    zip.extend_from_slice(&0x033f_u16.to_le_bytes()); // made by: Unix, zip 6.3
    common(&mut zip);
    // Comment length, disk, internal attributes; external: the Unix mode 100666.
    for v in [0_u16, 0, 0] {
        zip.extend_from_slice(&v.to_le_bytes());
    }
    zip.extend_from_slice(&(0o100_666_u32 << 16).to_le_bytes());
    zip.extend_from_slice(&0_u32.to_le_bytes()); // local header at 0
    zip.extend_from_slice(name);
    let directory_len = zip.len() - directory;
    zip.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
    for v in [0_u16, 0, 1, 1] {
        zip.extend_from_slice(&v.to_le_bytes());
    }
    zip.extend_from_slice(&u32_of(directory_len).to_le_bytes());
    zip.extend_from_slice(&u32_of(directory).to_le_bytes());
    zip.extend_from_slice(&0_u16.to_le_bytes()); // no comment
    zip
}

/// CRC-32 (IEEE), as a zip member carries it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// The single member of a zip: its name and bytes.
pub fn zip_member(bytes: &[u8]) -> (String, Vec<u8>) {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    assert_eq!(archive.len(), 1, "one member");
    let mut member = archive.by_index(0).expect("member 0");
    let mut out = Vec::new();
    member.read_to_end(&mut out).expect("inflate");
    (member.name().expect("UTF-8 name").into_owned(), out)
}

/// The bytes of one of the owners' exports; only for tests that began with
/// `reference_or_skip!()`.
pub fn reference(path: &str) -> Vec<u8> {
    let full = find_reference_dir()
        .unwrap_or_else(|why| panic!("{why}: begin the test with reference_or_skip!()"))
        .join(path);
    std::fs::read(&full)
        .unwrap_or_else(|e| panic!("reference export {} is missing ({e})", full.display()))
}

/// The single member of one of the owners' export zips, as the exchange wrote it.
pub fn reference_zip_member(path: &str) -> (String, Vec<u8>) {
    zip_member(&reference(path))
}

/// Some exports are kept with LF line ends (git's autocrlf re-saved the owners' copies, and two
/// fixtures are such copies); the exchange ships CRLF. Puts the CR back where it was dropped.
pub fn as_shipped(bytes: &[u8]) -> Vec<u8> {
    if bytes.contains(&b'\r') {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 64);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

struct Table {
    headers: Vec<String>,
    records: Vec<csv::StringRecord>,
}

impl Table {
    fn read(bytes: &[u8]) -> Self {
        let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
        let headers = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let records = reader.records().map(|r| r.expect("record")).collect();
        Self { headers, records }
    }
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn optional_decimal(text: Option<&str>) -> Option<Decimal> {
    text.filter(|t| !t.is_empty()).map(decimal)
}

fn list(text: Option<&str>) -> Vec<String> {
    text.filter(|t| !t.is_empty())
        .map(|t| t.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Reads a ledgers export: its layout (which must be a known one) and its rows.
pub fn read_ledgers(bytes: &[u8]) -> (LedgerLayout, Vec<LedgerRow>) {
    let table = Table::read(bytes);
    let layout = LedgerLayout::from_headers(&table.headers).expect("a known ledgers layout");
    let columns: Vec<LedgerColumn> = table
        .headers
        .iter()
        .map(|h| LedgerColumn::from_header(h).expect("known column"))
        .collect();
    let rows = table
        .records
        .iter()
        .map(|record| {
            let get = |c: LedgerColumn| {
                columns
                    .iter()
                    .position(|&x| x == c)
                    .map(|i| record.get(i).expect("field"))
            };
            let text = |c| get(c).unwrap_or_default().to_owned();
            LedgerRow {
                txid: text(LedgerColumn::Txid).into(),
                refid: text(LedgerColumn::Refid).into(),
                time: Timestamp::parse_csv(&text(LedgerColumn::Time)).expect("time"),
                r#type: text(LedgerColumn::Type).into(),
                subtype: text(LedgerColumn::Subtype).into(),
                aclass: text(LedgerColumn::Aclass).into(),
                subclass: text(LedgerColumn::Subclass).into(),
                asset: text(LedgerColumn::Asset).into(),
                wallet: text(LedgerColumn::Wallet).into(),
                amount: decimal(&text(LedgerColumn::Amount)),
                fee: decimal(&text(LedgerColumn::Fee)),
                balance: optional_decimal(get(LedgerColumn::Balance)),
                amount_usd: optional_decimal(get(LedgerColumn::AmountUsd)),
                fee_usd: optional_decimal(get(LedgerColumn::FeeUsd)),
                balance_usd: optional_decimal(get(LedgerColumn::BalanceUsd)),
                fee_currency: text(LedgerColumn::FeeCurrency).into(),
            }
        })
        .collect();
    (layout, rows)
}

/// Reads a trades export: its layout (which must be a known one) and its rows.
pub fn read_trades(bytes: &[u8]) -> (TradesLayout, Vec<TradeRow>) {
    let table = Table::read(bytes);
    let layout = TradesLayout::from_headers(&table.headers).expect("a known trades layout");
    let columns: Vec<TradesColumn> = table
        .headers
        .iter()
        .map(|h| TradesColumn::from_header(h).expect("known column"))
        .collect();
    let rows = table
        .records
        .iter()
        .map(|record| {
            let get = |c: TradesColumn| {
                columns
                    .iter()
                    .position(|&x| x == c)
                    .map(|i| record.get(i).expect("field"))
            };
            let text = |c| get(c).unwrap_or_default().to_owned();
            TradeRow {
                txid: text(TradesColumn::Txid),
                ordertxid: text(TradesColumn::Ordertxid),
                pair: text(TradesColumn::Pair),
                aclass: text(TradesColumn::Aclass),
                subclass: text(TradesColumn::Subclass),
                time: Timestamp::parse_csv(&text(TradesColumn::Time)).expect("time"),
                r#type: text(TradesColumn::Type),
                ordertype: text(TradesColumn::Ordertype),
                price: decimal(&text(TradesColumn::Price)),
                cost: decimal(&text(TradesColumn::Cost)),
                fee: decimal(&text(TradesColumn::Fee)),
                vol: decimal(&text(TradesColumn::Vol)),
                margin: decimal(&text(TradesColumn::Margin)),
                misc: text(TradesColumn::Misc),
                ledgers: list(get(TradesColumn::Ledgers)),
                postxid: text(TradesColumn::Postxid),
                posstatus: get(TradesColumn::Posstatus)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
                cprice: optional_decimal(get(TradesColumn::Cprice)),
                ccost: optional_decimal(get(TradesColumn::Ccost)),
                cfee: optional_decimal(get(TradesColumn::Cfee)),
                cvol: optional_decimal(get(TradesColumn::Cvol)),
                cmargin: optional_decimal(get(TradesColumn::Cmargin)),
                net: optional_decimal(get(TradesColumn::Net)),
                cost_usd: optional_decimal(get(TradesColumn::CostUsd)),
                trades: list(get(TradesColumn::Trades)),
            }
        })
        .collect();
    (layout, rows)
}

/// Splits a CSV line into its raw fields, quotes kept (no field here holds a newline).
pub fn raw_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                field.push(ch);
            }
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            _ => field.push(ch),
        }
    }
    fields.push(field);
    fields
}

/// Asserts equal bytes, reporting the first differing line rather than two blobs.
pub fn assert_same_bytes(name: &str, expected: &[u8], actual: &[u8]) {
    if expected == actual {
        return;
    }
    let expected = String::from_utf8_lossy(expected);
    let actual = String::from_utf8_lossy(actual);
    let mismatch = expected
        .split_inclusive('\n')
        .zip(actual.split_inclusive('\n'))
        .enumerate()
        .find(|(_, (e, a))| e != a);
    match mismatch {
        Some((i, (e, a))) => panic!(
            "{name}: line {} differs\nexpected {e:?}\nwritten  {a:?}",
            i + 1
        ),
        None => panic!(
            "{name}: {} lines expected, {} written",
            expected.lines().count(),
            actual.lines().count()
        ),
    }
}

/// Reads `shipped`, checks its layout, writes its rows back and compares; returns the row count.
pub fn ledgers_round_trip(name: &str, shipped: &[u8], expected: LedgerLayout) -> usize {
    let (layout, rows) = read_ledgers(shipped);
    assert_eq!(layout, expected, "{name}");
    let mut written = Vec::new();
    write_ledgers_csv(&rows, layout, &mut written).expect("write to a Vec");
    assert_same_bytes(name, shipped, &written);
    rows.len()
}

/// As [`ledgers_round_trip`], for a trades export.
pub fn trades_round_trip(name: &str, shipped: &[u8], expected: TradesLayout) -> usize {
    let (layout, rows) = read_trades(shipped);
    assert_eq!(layout, expected, "{name}");
    let mut written = Vec::new();
    write_trades_csv(&rows, layout, &mut written).expect("write to a Vec");
    assert_same_bytes(name, shipped, &written);
    rows.len()
}
