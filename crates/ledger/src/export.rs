//! Writing exports byte for byte as the exchange ships them: [`write_ledgers_csv`],
//! [`write_trades_csv`] and the zip around them, [`export_zip`].
//!
//! The CSV rules, read off real exports (2016–2026):
//! - UTF-8 without BOM, every line (the last one too) ended by CRLF;
//! - every header name quoted;
//! - string columns always quoted, an empty string as `""`; a `"` inside is doubled;
//! - number columns bare, printed with the value's own scale (`0.0000000000`, `150.0000`, `0`:
//!   the exchange prints fixed decimals per asset, and a [`Decimal`] keeps them);
//! - an unset value as the layout's [`LedgerLayout::absent`] / [`TradesLayout::absent`];
//! - times quoted, see [`Timestamp::to_csv_seconds`] and [`Timestamp::to_csv_with_fraction`].
//!
//! The `csv` crate's quoting styles are writer-wide (a refid that looks numeric would lose its
//! quotes under `NonNumeric`, and a bare empty field cannot be chosen per column), so fields are
//! written here directly.

use std::io::{self, Cursor, Write};

use chrono::{Datelike, Timelike};
use countersign_kraken::Timestamp;
use rust_decimal::Decimal;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::ledger::{LedgerColumn, LedgerLayout, LedgerRow};
use crate::trades::{TradeRow, TradesColumn, TradesLayout};

/// Which export a file is: the AddExport `report` and the single member of its zip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    Ledgers,
    Trades,
}

impl ExportKind {
    /// The AddExport `report` value: `ledgers` or `trades`.
    pub const fn report_name(self) -> &'static str {
        match self {
            Self::Ledgers => "ledgers",
            Self::Trades => "trades",
        }
    }

    /// The kind an AddExport `report` value names.
    pub fn from_report_name(name: &str) -> Option<Self> {
        match name {
            "ledgers" => Some(Self::Ledgers),
            "trades" => Some(Self::Trades),
            _ => None,
        }
    }

    /// The name of the one member of the export zip: `ledgers.csv` or `trades.csv`.
    pub const fn member_name(self) -> &'static str {
        match self {
            Self::Ledgers => "ledgers.csv",
            Self::Trades => "trades.csv",
        }
    }
}

/// Why an export zip could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A zip entry's DOS time spans 1980..=2107 only.
    #[error("export time {0} cannot be stored in a zip (1980..=2107)")]
    TimeOutOfZipRange(String),
    #[error("writing the export zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("writing the export zip: {0}")]
    Io(#[from] io::Error),
}

/// One field of a row, before quoting.
enum Cell<'a> {
    Text(&'a str),
    Owned(String),
    Number(Decimal),
    Absent,
}

/// Writes one CSV line (fields joined by `,`, ended by CRLF) into `line`.
fn push_line<'a>(line: &mut String, cells: impl IntoIterator<Item = Cell<'a>>, absent: &str) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        match cell {
            Cell::Text(s) => push_quoted(line, s),
            Cell::Owned(s) => push_quoted(line, &s),
            Cell::Number(d) => line.push_str(&d.to_string()),
            Cell::Absent => line.push_str(absent),
        }
    }
    line.push_str("\r\n");
}

/// Text as a CSV cell may hold it: text a spreadsheet would read as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so opening an export can
/// never run a formula planted in a ledger field. The exchange's own text never starts so (its
/// numbers are bare cells, not text), so real exports are still written byte for byte.
pub(crate) fn formula_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A quoted text cell ([`formula_safe`]).
fn push_quoted(line: &mut String, s: &str) {
    line.push('"');
    line.push_str(&formula_safe(s).replace('"', "\"\""));
    line.push('"');
}

fn optional(value: Option<Decimal>) -> Cell<'static> {
    value.map_or(Cell::Absent, Cell::Number)
}

fn ledger_cell(row: &LedgerRow, column: LedgerColumn) -> Cell<'_> {
    match column {
        LedgerColumn::Txid => Cell::Text(&row.txid),
        LedgerColumn::Refid => Cell::Text(&row.refid),
        LedgerColumn::Time => Cell::Owned(row.time.to_csv_seconds()),
        LedgerColumn::Type => Cell::Text(&row.r#type),
        LedgerColumn::Subtype => Cell::Text(&row.subtype),
        LedgerColumn::Aclass => Cell::Text(&row.aclass),
        LedgerColumn::Subclass => Cell::Text(&row.subclass),
        LedgerColumn::Asset => Cell::Text(&row.asset),
        LedgerColumn::Wallet => Cell::Text(&row.wallet),
        LedgerColumn::Amount => Cell::Number(row.amount),
        LedgerColumn::Fee => Cell::Number(row.fee),
        LedgerColumn::Balance => optional(row.balance),
        LedgerColumn::AmountUsd => optional(row.amount_usd),
        LedgerColumn::FeeUsd => optional(row.fee_usd),
        LedgerColumn::BalanceUsd => optional(row.balance_usd),
        LedgerColumn::FeeCurrency => Cell::Text(&row.fee_currency),
    }
}

fn trade_cell(row: &TradeRow, column: TradesColumn) -> Cell<'_> {
    match column {
        TradesColumn::Txid => Cell::Text(&row.txid),
        TradesColumn::Ordertxid => Cell::Text(&row.ordertxid),
        TradesColumn::Pair => Cell::Text(&row.pair),
        TradesColumn::Aclass => Cell::Text(&row.aclass),
        TradesColumn::Subclass => Cell::Text(&row.subclass),
        TradesColumn::Time => Cell::Owned(row.time.to_csv_with_fraction()),
        TradesColumn::Type => Cell::Text(&row.r#type),
        TradesColumn::Ordertype => Cell::Text(&row.ordertype),
        TradesColumn::Price => Cell::Number(row.price),
        TradesColumn::Cost => Cell::Number(row.cost),
        TradesColumn::Fee => Cell::Number(row.fee),
        TradesColumn::Vol => Cell::Number(row.vol),
        TradesColumn::Margin => Cell::Number(row.margin),
        TradesColumn::Misc => Cell::Text(&row.misc),
        TradesColumn::Ledgers => Cell::Owned(row.ledgers.join(",")),
        TradesColumn::Postxid => Cell::Text(&row.postxid),
        TradesColumn::Posstatus => row.posstatus.as_deref().map_or(Cell::Absent, Cell::Text),
        TradesColumn::Cprice => optional(row.cprice),
        TradesColumn::Ccost => optional(row.ccost),
        TradesColumn::Cfee => optional(row.cfee),
        TradesColumn::Cvol => optional(row.cvol),
        TradesColumn::Cmargin => optional(row.cmargin),
        TradesColumn::Net => optional(row.net),
        TradesColumn::CostUsd => optional(row.cost_usd),
        TradesColumn::Trades if row.trades.is_empty() => Cell::Absent,
        TradesColumn::Trades => Cell::Owned(row.trades.join(",")),
    }
}

/// Writes a ledgers export (`ledgers.csv`) in `layout`: the header, then one line per row in the
/// given order. Fields the layout lacks are left out, as the exchange does for a narrower field
/// selection.
pub fn write_ledgers_csv<'r>(
    rows: impl IntoIterator<Item = &'r LedgerRow>,
    layout: LedgerLayout,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut writer = LedgersCsvWriter::new(out, layout)?;
    for row in rows {
        writer.write_row(row)?;
    }
    Ok(())
}

/// [`write_ledgers_csv`] one row at a time, for rows that come from a cursor rather than a
/// slice: the header is written by [`LedgersCsvWriter::new`], each row by
/// [`LedgersCsvWriter::write_row`]; the bytes are the same.
#[derive(Debug)]
pub struct LedgersCsvWriter<W: Write> {
    out: W,
    layout: LedgerLayout,
    line: String,
}

impl<W: Write> LedgersCsvWriter<W> {
    /// Writes the header of `layout` to `out`.
    pub fn new(mut out: W, layout: LedgerLayout) -> io::Result<Self> {
        let mut line = String::new();
        push_line(
            &mut line,
            layout.columns().iter().map(|c| Cell::Text(c.header())),
            layout.absent(),
        );
        out.write_all(line.as_bytes())?;
        Ok(Self { out, layout, line })
    }

    /// Writes one row.
    pub fn write_row(&mut self, row: &LedgerRow) -> io::Result<()> {
        self.line.clear();
        push_line(
            &mut self.line,
            self.layout.columns().iter().map(|&c| ledger_cell(row, c)),
            self.layout.absent(),
        );
        self.out.write_all(self.line.as_bytes())
    }

    /// The writer, after the last row.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Writes a trades export (`trades.csv`) in `layout`: the header, then one line per row in the
/// given order (see [`write_ledgers_csv`]).
pub fn write_trades_csv<'r>(
    rows: impl IntoIterator<Item = &'r TradeRow>,
    layout: TradesLayout,
    out: &mut impl Write,
) -> io::Result<()> {
    let columns = layout.columns();
    let mut line = String::new();
    push_line(
        &mut line,
        columns.iter().map(|&c| Cell::Text(layout.header(c))),
        layout.absent(),
    );
    out.write_all(line.as_bytes())?;
    for row in rows {
        line.clear();
        push_line(
            &mut line,
            columns.iter().map(|&c| trade_cell(row, c)),
            layout.absent(),
        );
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Wraps a CSV export in the zip RetrieveExport returns: one member named by `kind`, deflated at
/// the maximum level, mode `0666`, modified at `created` (UTC; a zip stores even seconds only),
/// no extra fields and no comment, as in the exchange's 2021 zips. Two header details differ from
/// theirs (the "maximum compression" flag bit and "version made by"), and the deflate stream
/// matches theirs byte for byte only on small members: readers depend on neither.
pub fn export_zip(
    kind: ExportKind,
    csv: &[u8],
    created: Timestamp,
) -> Result<Vec<u8>, ExportError> {
    let t = created.utc();
    let out_of_range = || ExportError::TimeOutOfZipRange(created.to_csv_seconds());
    let part = |v: u32| u8::try_from(v).map_err(|_| out_of_range());
    let year = u16::try_from(t.year()).map_err(|_| out_of_range())?;
    let modified = zip::DateTime::from_date_and_time(
        year,
        part(t.month())?,
        part(t.day())?,
        part(t.hour())?,
        part(t.minute())?,
        part(t.second())?,
    )
    .map_err(|_| out_of_range())?;
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .unix_permissions(0o666)
        .last_modified_time(modified);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(kind.member_name(), options)?;
    zip.write_all(csv)?;
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal_macros::dec;

    use super::*;

    fn ledger_row() -> LedgerRow {
        LedgerRow {
            txid: "LQX3RT-KP7NV-ZD4MWA".into(),
            refid: "ST7V5BP-P52HA-PW2YEC".into(),
            time: Timestamp::parse_csv("2021-02-02 07:26:30.9").expect("time"),
            r#type: "staking".into(),
            subtype: Default::default(),
            aclass: "currency".into(),
            subclass: "crypto".into(),
            asset: "DOT.S".into(),
            wallet: "spot / main".into(),
            amount: dec!(0.0052891900),
            fee: dec!(0.0000000000),
            balance: Some(dec!(4.0303047800)),
            amount_usd: None,
            fee_usd: None,
            balance_usd: None,
            fee_currency: Default::default(),
        }
    }

    fn trade_row() -> TradeRow {
        TradeRow {
            txid: "TQ8JRN-FX2KD-MW7PLC".into(),
            ordertxid: "OZ4KQW-RT9XN-BCDV2E".into(),
            pair: "USDT/GBP".into(),
            aclass: "forex".into(),
            subclass: "stable_coin".into(),
            time: Timestamp::parse_csv("2024-11-02 08:39:43.3077").expect("time"),
            r#type: "buy".into(),
            ordertype: "market".into(),
            price: dec!(0.77424851),
            cost: dec!(1478.04040853),
            fee: dec!(2.95608082),
            vol: dec!(1909.00000000),
            margin: dec!(0.00000000),
            misc: String::new(),
            ledgers: vec!["LB7WQE-9XKRT-PMZ3VD".into(), "LH2NKC-Q4WZR-TJX8YB".into()],
            postxid: "TKH2SE-M7IF5-CFI7LT".into(),
            posstatus: None,
            cprice: None,
            ccost: None,
            cfee: None,
            cvol: None,
            cmargin: None,
            net: None,
            cost_usd: None,
            trades: Vec::new(),
        }
    }

    fn ledgers_csv(rows: &[LedgerRow], layout: LedgerLayout) -> String {
        let mut out = Vec::new();
        write_ledgers_csv(rows, layout, &mut out).expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    fn trades_csv(rows: &[TradeRow], layout: TradesLayout) -> String {
        let mut out = Vec::new();
        write_trades_csv(rows, layout, &mut out).expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    /// Header lines as SOURCES.md quotes them from the real (and, for 16, synthetic) files and
    /// from importers (11, 13, 25).
    #[test]
    fn headers_are_the_exchanges_verbatim() {
        let ledgers = [
            (
                LedgerLayout::Columns9,
                r#""txid","refid","time","type","aclass","asset","amount","fee","balance""#,
            ),
            (
                LedgerLayout::Columns10,
                r#""txid","refid","time","type","subtype","aclass","asset","amount","fee","balance""#,
            ),
            (
                LedgerLayout::Columns11,
                r#""txid","refid","time","type","subtype","aclass","asset","wallet","amount","fee","balance""#,
            ),
            (
                LedgerLayout::Columns12,
                r#""txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance""#,
            ),
            (
                LedgerLayout::Columns16,
                r#""txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance","amountusd","feeusd","balanceusd","feecurrency""#,
            ),
        ];
        for (layout, header) in ledgers {
            assert_eq!(
                ledgers_csv(&[], layout),
                format!("{header}\r\n"),
                "{layout:?}"
            );
            let names: Vec<&str> = header.split(',').map(|n| n.trim_matches('"')).collect();
            assert_eq!(LedgerLayout::from_headers(&names), Some(layout));
            assert_eq!(layout.columns().len(), names.len());
        }
        let trades = [
            (
                TradesLayout::Columns13,
                r#""txid","ordertxid","pair","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers""#,
            ),
            (
                TradesLayout::Columns22,
                r#""txid","ordertxid","pair","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers","postxid","posstatus","cprice","ccost","cfee","cvol","cmargin","net","trades""#,
            ),
            (
                TradesLayout::Columns24,
                r#""txid","ordertxid","pair","aclass","subclass","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers","posttxid","posstatuscode","cprice","ccost","cfee","cvol","cmargin","net","trades""#,
            ),
            (
                TradesLayout::Columns25,
                r#""txid","ordertxid","pair","aclass","subclass","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers","posttxid","posstatuscode","cprice","ccost","cfee","cvol","cmargin","net","costusd","trades""#,
            ),
        ];
        for (layout, header) in trades {
            assert_eq!(
                trades_csv(&[], layout),
                format!("{header}\r\n"),
                "{layout:?}"
            );
            let names: Vec<&str> = header.split(',').map(|n| n.trim_matches('"')).collect();
            assert_eq!(TradesLayout::from_headers(&names), Some(layout));
            assert_eq!(layout.columns().len(), names.len());
            for name in names {
                assert!(TradesColumn::from_header(name).is_some(), "{name}");
            }
        }
    }

    #[test]
    fn ledger_row_in_each_layout() {
        let row = ledger_row();
        let cases = [
            (
                LedgerLayout::Columns9,
                r#""LQX3RT-KP7NV-ZD4MWA","ST7V5BP-P52HA-PW2YEC","2021-02-02 07:26:30","staking","currency","DOT.S",0.0052891900,0.0000000000,4.0303047800"#,
            ),
            (
                LedgerLayout::Columns10,
                r#""LQX3RT-KP7NV-ZD4MWA","ST7V5BP-P52HA-PW2YEC","2021-02-02 07:26:30","staking","","currency","DOT.S",0.0052891900,0.0000000000,4.0303047800"#,
            ),
            (
                LedgerLayout::Columns11,
                r#""LQX3RT-KP7NV-ZD4MWA","ST7V5BP-P52HA-PW2YEC","2021-02-02 07:26:30","staking","","currency","DOT.S","spot / main",0.0052891900,0.0000000000,4.0303047800"#,
            ),
            (
                LedgerLayout::Columns12,
                r#""LQX3RT-KP7NV-ZD4MWA","ST7V5BP-P52HA-PW2YEC","2021-02-02 07:26:30","staking","","currency","crypto","DOT.S","spot / main",0.0052891900,0.0000000000,4.0303047800"#,
            ),
            (
                LedgerLayout::Columns16,
                r#""LQX3RT-KP7NV-ZD4MWA","ST7V5BP-P52HA-PW2YEC","2021-02-02 07:26:30","staking","","currency","crypto","DOT.S","spot / main",0.0052891900,0.0000000000,4.0303047800,"","","","""#,
            ),
        ];
        for (layout, line) in cases {
            let csv = ledgers_csv(std::slice::from_ref(&row), layout);
            let body = csv.split_once("\r\n").map(|(_, body)| body);
            assert_eq!(body, Some(format!("{line}\r\n").as_str()), "{layout:?}");
        }
    }

    #[test]
    fn request_row_has_empty_txid_and_quoted_empty_balance() {
        let row = LedgerRow {
            txid: Default::default(),
            balance: None,
            ..ledger_row()
        };
        let csv = ledgers_csv(&[row], LedgerLayout::Columns10);
        assert!(
            csv.ends_with(
                "\r\n\"\",\"ST7V5BP-P52HA-PW2YEC\",\"2021-02-02 07:26:30\",\"staking\",\"\",\"currency\",\"DOT.S\",0.0052891900,0.0000000000,\"\"\r\n"
            ),
            "{csv}"
        );
    }

    #[test]
    fn unset_position_fields_are_bare_in_2021_and_quoted_from_2026() {
        let row = trade_row();
        let line = |layout| {
            let csv = trades_csv(std::slice::from_ref(&row), layout);
            csv.split_once("\r\n").map(|(_, body)| body.to_owned())
        };
        let v22 = r#""TQ8JRN-FX2KD-MW7PLC","OZ4KQW-RT9XN-BCDV2E","USDT/GBP","2024-11-02 08:39:43.3077","buy","market",0.77424851,1478.04040853,2.95608082,1909.00000000,0.00000000,"","LB7WQE-9XKRT-PMZ3VD,LH2NKC-Q4WZR-TJX8YB","TKH2SE-M7IF5-CFI7LT",,,,,,,,"#;
        let v24 = r#""TQ8JRN-FX2KD-MW7PLC","OZ4KQW-RT9XN-BCDV2E","USDT/GBP","forex","stable_coin","2024-11-02 08:39:43.3077","buy","market",0.77424851,1478.04040853,2.95608082,1909.00000000,0.00000000,"","LB7WQE-9XKRT-PMZ3VD,LH2NKC-Q4WZR-TJX8YB","TKH2SE-M7IF5-CFI7LT","","","","","","","","""#;
        let v13 = r#""TQ8JRN-FX2KD-MW7PLC","OZ4KQW-RT9XN-BCDV2E","USDT/GBP","2024-11-02 08:39:43.3077","buy","market",0.77424851,1478.04040853,2.95608082,1909.00000000,0.00000000,"","LB7WQE-9XKRT-PMZ3VD,LH2NKC-Q4WZR-TJX8YB""#;
        assert_eq!(line(TradesLayout::Columns22), Some(format!("{v22}\r\n")));
        assert_eq!(line(TradesLayout::Columns24), Some(format!("{v24}\r\n")));
        assert_eq!(line(TradesLayout::Columns13), Some(format!("{v13}\r\n")));
    }

    #[test]
    fn set_position_fields_are_written() {
        let row = TradeRow {
            posstatus: Some("closed".into()),
            cprice: Some(dec!(6.25)),
            net: Some(dec!(-0.15)),
            cost_usd: Some(dec!(20.1)),
            trades: vec!["TFX006-SYNTH-TRADES".into()],
            ..trade_row()
        };
        let csv = trades_csv(&[row], TradesLayout::Columns25);
        let tail =
            r#""TKH2SE-M7IF5-CFI7LT","closed",6.25,"","","","",-0.15,20.1,"TFX006-SYNTH-TRADES""#;
        assert!(csv.ends_with(&format!("{tail}\r\n")), "{csv}");
    }

    #[test]
    fn quotes_inside_strings_are_doubled() {
        let row = LedgerRow {
            refid: r#"say "hi", twice"#.into(),
            ..ledger_row()
        };
        let csv = ledgers_csv(&[row], LedgerLayout::Columns9);
        assert!(csv.contains(r#","say ""hi"", twice","#), "{csv}");
    }

    #[test]
    fn text_a_spreadsheet_would_run_as_a_formula_is_defused() {
        for (planted, written) in [
            (
                "=HYPERLINK(\"http://x\")",
                r#","'=HYPERLINK(""http://x"")","#,
            ),
            ("+1+1", r#","'+1+1","#),
            ("-2+3", r#","'-2+3","#),
            ("@SUM(A1)", r#","'@SUM(A1)","#),
            ("\tcmd", ",\"'\tcmd\","),
        ] {
            let row = LedgerRow {
                refid: planted.into(),
                ..ledger_row()
            };
            let csv = ledgers_csv(&[row], LedgerLayout::Columns9);
            assert!(csv.contains(written), "{planted:?}: {csv}");
        }
        // Ordinary text and negative numbers are untouched.
        let csv = ledgers_csv(&[ledger_row()], LedgerLayout::Columns9);
        assert!(!csv.contains("\"'"), "{csv}");
    }

    #[test]
    fn decimals_print_with_their_own_scale_and_never_an_exponent() {
        // (value as the export prints it, or as parsed from a wider spelling; expected field)
        let rows = [
            ("0.0000000000", "0.0000000000"),
            ("0", "0"),
            ("150.0000", "150.0000"),
            ("-1478.0404", "-1478.0404"),
            ("1909.00000000", "1909.00000000"),
            ("0.0000000001", "0.0000000001"),
            (
                "12345678901234567890.12345678",
                "12345678901234567890.12345678",
            ),
            ("1000.0000000500", "1000.0000000500"),
        ];
        for (input, expected) in rows {
            let row = LedgerRow {
                amount: Decimal::from_str(input).expect("decimal"),
                ..ledger_row()
            };
            let csv = ledgers_csv(&[row], LedgerLayout::Columns9);
            assert!(
                csv.contains(&format!(",\"DOT.S\",{expected},0.0000000000,")),
                "{input}: {csv}"
            );
        }
        let tiny = Decimal::from_scientific("1e-10").expect("decimal");
        assert_eq!(tiny.to_string(), "0.0000000001");
    }

    #[test]
    fn export_kind_names() {
        for kind in [ExportKind::Ledgers, ExportKind::Trades] {
            assert_eq!(ExportKind::from_report_name(kind.report_name()), Some(kind));
            assert_eq!(kind.member_name(), format!("{}.csv", kind.report_name()));
        }
        assert_eq!(ExportKind::from_report_name("orders"), None);
    }
}
