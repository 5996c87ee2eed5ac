//! Test-only access to the real exports in `shared/reference/kraken-exports/` (beside the
//! repository; read, never copied in: they are format references, not ours to redistribute), and a
//! minimal reader that maps columns by header name into rows.

#![allow(dead_code)]

use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::str::FromStr;

use countersign_ledger::{
    LedgerColumn, LedgerLayout, LedgerRow, Timestamp, TradeRow, TradesColumn, TradesLayout,
};
use rust_decimal::Decimal;

/// `shared/reference/kraken-exports/`: `$COUNTERSIGN_REFERENCE_DIR` when set, else the nearest
/// `shared/reference/kraken-exports` beside the repository or any folder above it (a checkout,
/// a worktree or a CI clone may sit at different depths).
pub fn reference_dir() -> PathBuf {
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

/// The bytes of a reference file.
pub fn reference(path: &str) -> Vec<u8> {
    let full = reference_dir().join(path);
    std::fs::read(&full).unwrap_or_else(|e| {
        panic!(
            "reference export {} is missing ({e}); the golden tests need shared/ beside the repository",
            full.display()
        )
    })
}

/// The single member of a real export zip, as the exchange wrote it.
pub fn reference_zip_member(path: &str) -> (String, Vec<u8>) {
    let mut archive = zip::ZipArchive::new(Cursor::new(reference(path))).expect("a zip");
    assert_eq!(archive.len(), 1, "{path}: one member");
    let mut member = archive.by_index(0).expect("member 0");
    let mut bytes = Vec::new();
    member.read_to_end(&mut bytes).expect("inflate");
    (member.name().expect("UTF-8 name").into_owned(), bytes)
}

/// Some reference files were committed by their owners with LF line ends (git's autocrlf); the
/// exchange's own zips are CRLF. Puts the CR back where it was dropped.
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
