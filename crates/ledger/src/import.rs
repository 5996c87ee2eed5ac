//! Reading exports back: [`read_export`] takes the bytes of a `ledgers.csv`, a `trades.csv` or the
//! exchange's zip around one, and returns every row or an [`ImportError`], never part of a file.
//!
//! - The kind (ledgers or trades) is told by the header; columns are mapped by header name, in any
//!   order and any layout. A column no layout knows is kept: its name in
//!   [`LedgersFile::extra_columns`] and its value on each row, in the same order.
//! - Every column the oldest layout has is required (ledgers: `txid,refid,time,type,aclass,asset,
//!   amount,fee,balance`; trades: the 13 columns of [`TradesLayout::Columns13`]); a column a newer
//!   layout added is read when present and left empty otherwise.
//! - Money is read exactly into [`rust_decimal::Decimal`], keeping the printed scale.
//! - A ledgers row without `txid` is a request row (requested, not yet settled) and has no
//!   balance; a row with a `txid` must have one.
//! - Types and subtypes are kept verbatim; one outside [`KNOWN_LEDGER_TYPES`] /
//!   [`KNOWN_LEDGER_SUBTYPES`] is listed by [`LedgersFile::unknown_values`], never refused.
//! - A large ledgers file (4 MiB or more) is parsed in two parts on two threads; the result,
//!   warnings and errors are the same as one pass.
//!
//! # Edited files
//!
//! The exchange writes UTF-8 without a byte-order mark and ends every line (the last one too) the
//! same way. A BOM, a mix of CRLF and LF, or a missing final line break means another program
//! re-saved or cut the file, so by default such a file is refused with an error naming the line.
//! [`ReadOptions::accept_edited`] reads it anyway and records each finding as an
//! [`ImportWarning`] instead. Line ends that are all LF are accepted as they are: git checkouts of
//! real exports commonly have them, and they change no value.

use std::fmt;
use std::io::{Cursor, Read};
use std::str::FromStr;
use std::sync::Arc;

use compact_str::CompactString;
use rust_decimal::Decimal;

use crate::asset::{self, AssetCode};
use crate::export::ExportKind;
use crate::ledger::{LedgerColumn, LedgerLayout, LedgerRow};
use crate::time::{TimeError, Timestamp};
use crate::trades::{TradeRow, TradesColumn, TradesLayout};

/// Ledger types the exchange documents; anything else is kept and flagged.
///
/// `hybridearnwithdrawal` and `collateralconversion` are known to appear in newer exports but
/// their accounting meaning is not documented, so they are deliberately not in this list: a file
/// using them imports, and the type is flagged for a human to look at.
pub const KNOWN_LEDGER_TYPES: &[&str] = &[
    "trade",
    "margin",
    "rollover",
    "deposit",
    "withdrawal",
    "transfer",
    "adjustment",
    "spend",
    "receive",
    "settled",
    "staking",
    "earn",
    "credit",
    "reward",
    "dividend",
    "sale",
    "conversion",
    "invite bonus",
];

/// Ledger subtypes the exchange documents (and the empty subtype); anything else is flagged.
pub const KNOWN_LEDGER_SUBTYPES: &[&str] = &[
    "",
    "tradespot",
    "spottostaking",
    "stakingfromspot",
    "stakingtospot",
    "spotfromstaking",
    "spottofutures",
    "spotfromfutures",
    "airdrop",
    "delistingconversion",
    "reward",
    "allocation",
    "deallocation",
    "autoallocation",
    "migration",
    "dustsweeping",
];

/// Whether `value` is a documented ledger type.
pub fn is_known_type(value: &str) -> bool {
    KNOWN_LEDGER_TYPES.contains(&value)
}

/// Whether `value` is a documented ledger subtype (empty included).
pub fn is_known_subtype(value: &str) -> bool {
    KNOWN_LEDGER_SUBTYPES.contains(&value)
}

/// How strictly [`read_export`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read a file another program re-saved (BOM, mixed line ends, no final line break) and
    /// record an [`ImportWarning`] for each finding, instead of refusing it. Off by default.
    pub accept_edited: bool,
}

/// A file that was read: ledgers or trades.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    Ledgers(LedgersFile),
    Trades(TradesFile),
}

impl Export {
    pub const fn kind(&self) -> ExportKind {
        match self {
            Self::Ledgers(_) => ExportKind::Ledgers,
            Self::Trades(_) => ExportKind::Trades,
        }
    }

    /// The file's name as given to [`read_export`] (`name.zip/ledgers.csv` for a zip member).
    pub fn file(&self) -> &str {
        match self {
            Self::Ledgers(f) => &f.file,
            Self::Trades(f) => &f.file,
        }
    }

    pub fn warnings(&self) -> &[ImportWarning] {
        match self {
            Self::Ledgers(f) => &f.warnings,
            Self::Trades(f) => &f.warnings,
        }
    }
}

/// Which ledger columns a file carried, as a set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LedgerColumns(u16);

impl LedgerColumns {
    /// The set as bits, one per column in the order of [`LedgerColumn::ALL`] (how a store keeps
    /// it).
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// The set [`LedgerColumns::bits`] gave.
    pub const fn from_bits(bits: u16) -> Self {
        Self(bits)
    }

    pub fn contains(self, column: LedgerColumn) -> bool {
        self.0 & Self::bit(column) != 0
    }

    fn insert(&mut self, column: LedgerColumn) {
        self.0 |= Self::bit(column);
    }

    fn bit(column: LedgerColumn) -> u16 {
        let index = LedgerColumn::ALL
            .iter()
            .position(|&c| c == column)
            .unwrap_or(0);
        1 << index
    }

    /// The columns both sets hold.
    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = LedgerColumn> {
        LedgerColumn::ALL
            .into_iter()
            .filter(move |&c| self.contains(c))
    }
}

/// A ledgers export, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgersFile {
    /// The name given to [`read_export`] (`name.zip/ledgers.csv` for a zip member); shared by
    /// every report that names a row of this file.
    pub file: Arc<str>,
    /// The layout whose header the file has exactly, or `None` when the columns are another set
    /// (a different field selection, extra columns).
    pub layout: Option<LedgerLayout>,
    /// The known columns the file has.
    pub columns: LedgerColumns,
    /// Header names of columns no layout knows, in file order; each row's
    /// [`ImportedLedgerRow::extra`] holds their values in the same order.
    pub extra_columns: Vec<String>,
    /// Every row, in file order.
    pub rows: Vec<ImportedLedgerRow>,
    /// What [`ReadOptions::accept_edited`] let through.
    pub warnings: Vec<ImportWarning>,
    /// Types and subtypes outside the documented lists, each with its count and first line, in
    /// the order first seen.
    pub unknown: Vec<UnknownValue>,
}

/// One row of a ledgers file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedLedgerRow {
    /// Line number in the file (the header is line 1).
    pub line: u32,
    /// The fields the file's layout carries; the others are empty.
    pub row: LedgerRow,
    /// Values of [`LedgersFile::extra_columns`], in the same order (empty when there are none).
    pub extra: Vec<String>,
}

impl ImportedLedgerRow {
    /// A request row: no `txid`, listed before the settled row of the same `refid` by older
    /// exports. It moves no balance.
    pub fn is_request(&self) -> bool {
        self.row.txid.is_empty()
    }

    /// The asset read apart (`XXBT` → `BTC`, `DOT28.S` → `DOT` bonded 28 days, staked);
    /// [`LedgerRow::asset`] keeps the spelling of the file.
    pub fn asset_code(&self) -> AssetCode {
        asset::normalize(&self.row.asset)
    }
}

/// A value of a column that is kept but not understood: an unknown ledger type or subtype.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub column: LedgerColumn,
    pub value: String,
    /// How many rows carry it.
    pub rows: usize,
    /// The first line that does.
    pub first_line: u32,
}

impl LedgersFile {
    /// Pairs of extra column name and value of one row, in file order.
    pub fn extras<'a>(
        &'a self,
        row: &'a ImportedLedgerRow,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.extra_columns
            .iter()
            .map(String::as_str)
            .zip(row.extra.iter().map(String::as_str))
    }

    /// Types and subtypes outside the documented lists (see [`LedgersFile::unknown`]).
    pub fn unknown_values(&self) -> &[UnknownValue] {
        &self.unknown
    }
}

/// Unknown types and subtypes among `rows`, each with its count and the location of its first
/// row (a line, or a row of a set of files).
pub(crate) fn unknown_values<'a, L: Clone>(
    rows: impl Iterator<Item = (&'a LedgerRow, L)>,
) -> Vec<(LedgerColumn, String, usize, L)> {
    let mut out: Vec<(LedgerColumn, String, usize, L)> = Vec::new();
    for (row, at) in rows {
        let mut seen = None;
        if !is_known_type(&row.r#type) {
            seen = Some((LedgerColumn::Type, &row.r#type));
        }
        let subtype =
            (!is_known_subtype(&row.subtype)).then_some((LedgerColumn::Subtype, &row.subtype));
        for (column, value) in [seen, subtype].into_iter().flatten() {
            match out.iter_mut().find(|u| u.0 == column && u.1 == *value) {
                Some(u) => u.2 += 1,
                None => out.push((column, value.to_string(), 1, at.clone())),
            }
        }
    }
    out
}

/// A trades export, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradesFile {
    pub file: Arc<str>,
    /// The layout whose header the file has exactly, if any.
    pub layout: Option<TradesLayout>,
    /// Header names of columns no layout knows, in file order.
    pub extra_columns: Vec<String>,
    pub rows: Vec<ImportedTradeRow>,
    pub warnings: Vec<ImportWarning>,
}

/// One row of a trades file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedTradeRow {
    /// Line number in the file (the header is line 1).
    pub line: u32,
    pub row: TradeRow,
    /// Values of [`TradesFile::extra_columns`], in the same order.
    pub extra: Vec<String>,
}

/// Why a file was not imported; nothing of it was.
///
/// Displays as `ledgers.csv line 42, column "amount": "1.2.3" is not a decimal number`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub file: String,
    /// The line (header = 1), when the problem is on one.
    pub line: Option<u32>,
    /// The column by header name, when the problem is in one.
    pub column: Option<String>,
    pub problem: ImportProblem,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Something [`ReadOptions::accept_edited`] let through, on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    pub line: u32,
    pub problem: ImportProblem,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// How a line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    Crlf,
    Lf,
}

impl fmt::Display for LineEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Crlf => "CRLF",
            Self::Lf => "LF",
        })
    }
}

/// What is wrong, in words; see [`ImportError`] for where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportProblem {
    #[error("the file is empty: an export has at least a header line")]
    Empty,
    #[error("the file has a header but no rows")]
    HeaderOnly,
    #[error(
        "starts with a UTF-8 byte-order mark, which the exchange never writes: the file was re-saved by another program"
    )]
    ByteOrderMark,
    #[error(
        "ends with {this} where line {first_line} ends with {first}; the exchange ends every line the same way: the file was edited by another program"
    )]
    MixedLineEnds {
        first: LineEnd,
        first_line: u32,
        this: LineEnd,
    },
    #[error(
        "does not end with a line break, which the exchange always writes: the file looks cut short or edited"
    )]
    NoFinalLineBreak,
    #[error("is not UTF-8 text")]
    NotUtf8,
    #[error("is not valid CSV: {0}")]
    Csv(String),
    #[error(
        "the header names neither a ledgers export (txid, refid, time, type, asset, amount, fee, balance) nor a trades export (txid, ordertxid, pair, time, …)"
    )]
    UnknownExport,
    #[error("the header is a trades export's where a ledgers export was expected")]
    NotLedgers,
    #[error("the {kind} header lacks required column(s) {}", quoted_list(.missing))]
    MissingColumns {
        kind: &'static str,
        missing: Vec<&'static str>,
    },
    #[error("the column appears twice in the header (fields {first} and {second})")]
    DuplicateColumn { first: usize, second: usize },
    #[error("has {found} fields where the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("is empty where a number is required")]
    EmptyNumber,
    #[error("{0:?} is not a decimal number")]
    BadDecimal(String),
    #[error("{0:?} is not an export time (YYYY-MM-DD HH:MM:SS[.ffff], UTC)")]
    BadTime(String),
    #[error("is empty on a row with a txid; only a request row (empty txid) has no balance")]
    MissingBalance,
    #[error("is not a readable zip (truncated or damaged): {0}")]
    NotAZip(String),
    #[error("the zip holds no .csv member (members: {})", quoted_list(.0))]
    ZipWithoutCsv(Vec<String>),
    #[error("the zip holds {} .csv members ({}); the exchange's export zip holds one", .0.len(), quoted_list(.0))]
    ZipWithSeveralCsv(Vec<String>),
    #[error("the zip member cannot be read (truncated or damaged): {0}")]
    ZipMember(String),
}

impl ImportProblem {
    /// A sign that another program re-saved the file (a BOM, mixed line ends, no final line
    /// break): refused unless [`ReadOptions::accept_edited`], which reads it with warnings.
    pub fn is_edited(&self) -> bool {
        matches!(
            self,
            Self::ByteOrderMark | Self::MixedLineEnds { .. } | Self::NoFinalLineBreak
        )
    }
}

fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names
        .iter()
        .map(|n| format!("\"{}\"", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads one export file, `.csv` or the exchange's `.zip`, telling ledgers from trades by the
/// header. `file_name` names the file in errors and reports; a zip is recognised by its name
/// ending in `.zip` or by its first bytes.
pub fn read_export(
    file_name: &str,
    bytes: &[u8],
    options: ReadOptions,
) -> Result<Export, ImportError> {
    let is_zip = file_name.to_ascii_lowercase().ends_with(".zip") || bytes.starts_with(b"PK");
    if is_zip {
        let (member, csv) = unzip(file_name, bytes)?;
        read_csv(&format!("{file_name}/{member}"), &csv, options)
    } else {
        read_csv(file_name, bytes, options)
    }
}

/// Reads a ledgers export; a trades file is an error.
pub fn read_ledgers(
    file_name: &str,
    bytes: &[u8],
    options: ReadOptions,
) -> Result<LedgersFile, ImportError> {
    match read_export(file_name, bytes, options)? {
        Export::Ledgers(file) => Ok(file),
        Export::Trades(file) => Err(ImportError {
            file: file.file.to_string(),
            line: Some(1),
            column: None,
            problem: ImportProblem::NotLedgers,
        }),
    }
}

fn unzip(file_name: &str, bytes: &[u8]) -> Result<(String, Vec<u8>), ImportError> {
    let error = |problem| ImportError {
        file: file_name.to_owned(),
        line: None,
        column: None,
        problem,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| error(ImportProblem::NotAZip(e.to_string())))?;
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|e| error(ImportProblem::NotAZip(e.to_string())))?;
    let csvs: Vec<String> = names
        .iter()
        .filter(|n| {
            !n.ends_with('/')
                && !n.starts_with("__MACOSX/")
                && n.to_ascii_lowercase().ends_with(".csv")
        })
        .cloned()
        .collect();
    let member = match csvs.as_slice() {
        [one] => one.clone(),
        [] => return Err(error(ImportProblem::ZipWithoutCsv(names))),
        _ => return Err(error(ImportProblem::ZipWithSeveralCsv(csvs))),
    };
    let mut entry = archive
        .by_name(&member)
        .map_err(|e| error(ImportProblem::ZipMember(e.to_string())))?;
    let mut csv = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
    entry
        .read_to_end(&mut csv)
        .map_err(|e| error(ImportProblem::ZipMember(e.to_string())))?;
    Ok((member, csv))
}

/// Errors of one file, so each site names only line, column and problem.
struct Site<'a> {
    file: &'a str,
}

impl Site<'_> {
    fn at(&self, line: Option<u32>, column: Option<&str>, problem: ImportProblem) -> ImportError {
        ImportError {
            file: self.file.to_owned(),
            line,
            column: column.map(str::to_owned),
            problem,
        }
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Finds what another program leaves behind at the ends of the file (a BOM, no final line
/// break); each is an error, or a warning with `accept_edited`. Mixed line ends are found while
/// reading ([`LineEnds`]).
fn edited_findings(
    site: &Site<'_>,
    bytes: &[u8],
    options: ReadOptions,
) -> Result<Vec<ImportWarning>, ImportError> {
    let mut findings = Vec::new();
    if bytes.starts_with(BOM) {
        findings.push(ImportWarning {
            line: 1,
            problem: ImportProblem::ByteOrderMark,
        });
    }
    if !bytes.ends_with(b"\n") {
        let breaks = bytecount::count(bytes, b'\n');
        findings.push(ImportWarning {
            line: u32::try_from(breaks + 1).unwrap_or(u32::MAX),
            problem: ImportProblem::NoFinalLineBreak,
        });
    }
    if options.accept_edited {
        Ok(findings)
    } else if let Some(first) = findings.into_iter().next() {
        Err(site.at(Some(first.line), None, first.problem))
    } else {
        Ok(Vec::new())
    }
}

/// The line ends seen so far: the first one, and whether a different one was reported.
#[derive(Debug, Default)]
struct LineEnds {
    first: Option<LineEnd>,
    mixed: bool,
}

impl LineEnds {
    /// Notes how `line` ends (the break that ends at `body[newline]`).
    fn note(
        &mut self,
        site: &Site<'_>,
        body: &[u8],
        newline: usize,
        line: u32,
        options: ReadOptions,
        warnings: &mut Vec<ImportWarning>,
    ) -> Result<(), ImportError> {
        let this = if newline > 0 && body[newline - 1] == b'\r' {
            LineEnd::Crlf
        } else {
            LineEnd::Lf
        };
        match self.first {
            None => self.first = Some(this),
            Some(first) if first != this && !self.mixed => {
                self.mixed = true;
                let problem = ImportProblem::MixedLineEnds {
                    first,
                    first_line: 1,
                    this,
                };
                if !options.accept_edited {
                    return Err(site.at(Some(line), None, problem));
                }
                warnings.push(ImportWarning { line, problem });
            }
            Some(_) => {}
        }
        Ok(())
    }
}

fn read_csv(file_name: &str, bytes: &[u8], options: ReadOptions) -> Result<Export, ImportError> {
    read_csv_parts(file_name, bytes, options, PARALLEL_FROM)
}

/// [`read_csv`], reading a ledgers file of at least `parallel_from` bytes in two parts at once.
fn read_csv_parts(
    file_name: &str,
    bytes: &[u8],
    options: ReadOptions,
    parallel_from: usize,
) -> Result<Export, ImportError> {
    let site = Site { file: file_name };
    if bytes.is_empty() {
        return Err(site.at(Some(1), None, ImportProblem::Empty));
    }
    let warnings = edited_findings(&site, bytes, options)?;
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let mut record = csv::StringRecord::new();
    let got = reader
        .read_record(&mut record)
        .map_err(|e| match e.kind() {
            csv::ErrorKind::Utf8 { .. } => site.at(Some(1), None, ImportProblem::NotUtf8),
            _ => site.at(Some(1), None, ImportProblem::Csv(e.to_string())),
        })?;
    if !got || record.iter().all(str::is_empty) {
        return Err(site.at(Some(1), None, ImportProblem::Empty));
    }
    let header: Vec<String> = record.iter().map(str::to_owned).collect();
    let file: Arc<str> = Arc::from(file_name);
    let input = Input {
        site: &site,
        body,
        options,
        // Rows are at most the line breaks after the header: reserving them spares the copies
        // of a growing vector of large rows.
        capacity: bytecount::count(body, b'\n'),
        parallel_from,
    };
    if header.iter().any(|h| h == "asset") && !header.iter().any(|h| h == "pair") {
        read_ledger_rows(&input, file, header, reader, warnings).map(Export::Ledgers)
    } else if header.iter().any(|h| h == "pair" || h == "ordertxid") {
        read_trade_rows(&input, file, header, reader, warnings).map(Export::Trades)
    } else {
        Err(site.at(Some(1), None, ImportProblem::UnknownExport))
    }
}

/// The file being read, after its header.
struct Input<'a> {
    site: &'a Site<'a>,
    /// The bytes after any BOM.
    body: &'a [u8],
    options: ReadOptions,
    /// Room to reserve for rows.
    capacity: usize,
    /// Size from which a ledgers file is read in two parts at once.
    parallel_from: usize,
}

/// Where each column of the header is: a known column, or the n-th extra one.
struct ColumnMap<C> {
    known: Vec<(C, usize)>,
    extra: Vec<usize>,
    width: usize,
}

impl<C: Copy + PartialEq> ColumnMap<C> {
    fn new(
        site: &Site<'_>,
        header: &[String],
        from_header: impl Fn(&str) -> Option<C>,
        required: &[C],
        name: impl Fn(C) -> &'static str,
        kind: &'static str,
    ) -> Result<Self, ImportError> {
        let mut known: Vec<(C, usize)> = Vec::new();
        let mut extra = Vec::new();
        for (i, h) in header.iter().enumerate() {
            match from_header(h) {
                Some(c) => {
                    if let Some(&(_, first)) = known.iter().find(|(k, _)| *k == c) {
                        return Err(site.at(
                            Some(1),
                            Some(h),
                            ImportProblem::DuplicateColumn {
                                first: first + 1,
                                second: i + 1,
                            },
                        ));
                    }
                    known.push((c, i));
                }
                None => extra.push(i),
            }
        }
        let missing: Vec<&'static str> = required
            .iter()
            .filter(|&&c| !known.iter().any(|&(k, _)| k == c))
            .map(|&c| name(c))
            .collect();
        if let Some(&first) = missing.first() {
            return Err(site.at(
                Some(1),
                Some(first),
                ImportProblem::MissingColumns { kind, missing },
            ));
        }
        Ok(Self {
            known,
            extra,
            width: header.len(),
        })
    }

    fn index(&self, column: C) -> Option<usize> {
        self.known
            .iter()
            .find(|&&(c, _)| c == column)
            .map(|&(_, i)| i)
    }
}

/// One record being read: field access with errors that name line and column.
struct Fields<'a> {
    site: &'a Site<'a>,
    record: &'a csv::StringRecord,
    line: u32,
    header: &'a [String],
}

impl Fields<'_> {
    fn error(&self, index: usize, problem: ImportProblem) -> ImportError {
        self.site.at(
            Some(self.line),
            self.header.get(index).map(String::as_str),
            problem,
        )
    }

    fn str(&self, index: Option<usize>) -> Result<&str, ImportError> {
        Ok(index.and_then(|i| self.record.get(i)).unwrap_or_default())
    }

    fn string(&self, index: Option<usize>) -> Result<String, ImportError> {
        self.str(index).map(str::to_owned)
    }

    fn text(&self, index: Option<usize>) -> Result<CompactString, ImportError> {
        self.str(index).map(CompactString::from)
    }

    fn decimal(&self, index: Option<usize>) -> Result<Decimal, ImportError> {
        match (index, self.optional_decimal(index)?) {
            (_, Some(d)) => Ok(d),
            (Some(i), None) => Err(self.error(i, ImportProblem::EmptyNumber)),
            (None, None) => Ok(Decimal::ZERO),
        }
    }

    fn optional_decimal(&self, index: Option<usize>) -> Result<Option<Decimal>, ImportError> {
        let text = self.str(index)?;
        if text.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(text).map(Some).map_err(|_| {
            self.error(
                index.unwrap_or(0),
                ImportProblem::BadDecimal(text.to_owned()),
            )
        })
    }

    fn time(&self, index: Option<usize>) -> Result<Timestamp, ImportError> {
        let text = self.str(index)?;
        Timestamp::parse_csv(text).map_err(|_: TimeError| {
            self.error(index.unwrap_or(0), ImportProblem::BadTime(text.to_owned()))
        })
    }

    fn list(&self, index: Option<usize>) -> Result<Vec<String>, ImportError> {
        let text = self.str(index)?;
        Ok(if text.is_empty() {
            Vec::new()
        } else {
            text.split(',').map(str::to_owned).collect()
        })
    }

    fn extras(&self, extra: &[usize]) -> Result<Vec<String>, ImportError> {
        extra.iter().map(|&i| self.string(Some(i))).collect()
    }
}

/// Line numbers of records by their byte offset.
///
/// The `csv` crate's own line count lags by one after a CRLF (it counts the LF as part of the next
/// record), and its byte offset may point at the line break before a record; so lines are counted
/// here, incrementally, from the first byte of the record's own line.
#[derive(Debug, Default)]
struct LineCounter {
    counted_to: usize,
    breaks: usize,
}

impl LineCounter {
    /// The line of the record at byte `offset`, and the offset of its first byte.
    fn line_at(&mut self, body: &[u8], offset: u64) -> (u32, usize) {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(body.len());
        while start < body.len() && matches!(body[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            self.breaks += body[self.counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.counted_to = start;
        }
        (u32::try_from(self.breaks + 1).unwrap_or(u32::MAX), start)
    }
}

/// Where a part of a file read on its own starts: the line breaks before it, and the line ends
/// seen before it.
#[derive(Debug, Default)]
struct Part {
    lines_before: usize,
    ends: LineEnds,
}

/// Reads the records after the header (of `input.body`, a whole file or a [`Part`] of one),
/// calling `row` on each with its line number; checks the field count and the line ends.
/// Returns how many records there were and whether mixed line ends were found.
fn each_record<F>(
    input: &Input<'_>,
    header: &[String],
    width: usize,
    mut reader: csv::Reader<&[u8]>,
    warnings: &mut Vec<ImportWarning>,
    part: Part,
    mut row: F,
) -> Result<(usize, bool), ImportError>
where
    F: FnMut(&Fields<'_>) -> Result<(), ImportError>,
{
    let (site, body) = (input.site, input.body);
    let mut record = csv::StringRecord::new();
    let mut rows = 0_usize;
    let mut lines = LineCounter {
        counted_to: 0,
        breaks: part.lines_before,
    };
    let mut ends = part.ends;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let (line, column) = match e.kind() {
                    csv::ErrorKind::Utf8 { pos, err } => (
                        pos.as_ref().map(|p| lines.line_at(body, p.byte()).0),
                        header.get(err.field()).map(String::as_str),
                    ),
                    _ => (None, None),
                };
                let problem = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => ImportProblem::NotUtf8,
                    _ => ImportProblem::Csv(e.to_string()),
                };
                return Err(site.at(line, column, problem));
            }
        }
        let (line, start) = lines.line_at(body, record.position().map_or(0, csv::Position::byte));
        if start > 0 && body[start - 1] == b'\n' {
            ends.note(site, body, start - 1, line - 1, input.options, warnings)?;
        }
        if record.len() != width {
            return Err(site.at(
                Some(line),
                None,
                ImportProblem::FieldCount {
                    expected: width,
                    found: record.len(),
                },
            ));
        }
        let fields = Fields {
            site,
            record: &record,
            line,
            header,
        };
        row(&fields)?;
        rows += 1;
    }
    if rows == 0 && part.lines_before == 0 {
        return Err(site.at(Some(1), None, ImportProblem::HeaderOnly));
    }
    if body.ends_with(b"\n") {
        let last = u32::try_from(lines.breaks + 1).unwrap_or(u32::MAX);
        ends.note(site, body, body.len() - 1, last, input.options, warnings)?;
    }
    Ok((rows, ends.mixed))
}

/// The columns every ledgers layout has.
const LEDGER_REQUIRED: [LedgerColumn; 9] = [
    LedgerColumn::Txid,
    LedgerColumn::Refid,
    LedgerColumn::Time,
    LedgerColumn::Type,
    LedgerColumn::Aclass,
    LedgerColumn::Asset,
    LedgerColumn::Amount,
    LedgerColumn::Fee,
    LedgerColumn::Balance,
];

fn read_ledger_rows(
    input: &Input<'_>,
    file: Arc<str>,
    header: Vec<String>,
    reader: csv::Reader<&[u8]>,
    mut warnings: Vec<ImportWarning>,
) -> Result<LedgersFile, ImportError> {
    let map = ColumnMap::new(
        input.site,
        &header,
        LedgerColumn::from_header,
        &LEDGER_REQUIRED,
        LedgerColumn::header,
        "ledgers",
    )?;
    let mut columns = LedgerColumns::default();
    for &(c, _) in &map.known {
        columns.insert(c);
    }
    let read = LedgersFile {
        file,
        layout: LedgerLayout::from_headers(&header),
        columns,
        extra_columns: map.extra.iter().map(|&i| header[i].clone()).collect(),
        rows: Vec::new(),
        warnings: Vec::new(),
        unknown: Vec::new(),
    };
    // A large file is read in two parts at once, split at a line break outside quotes; the
    // parts' rows, findings and errors are put together as one pass in file order gives them.
    // The later part hands its rows over in chunks, which the earlier part's thread moves in
    // behind its own once it is done, while the rest is still read: so the earlier part is the
    // smaller one (see `EARLIER_SHARE`).
    let split = (input.body.len() >= input.parallel_from)
        .then(|| split_point(input.body, input.body.len() / 100 * EARLIER_SHARE))
        .flatten()
        .map(|at| (at, bytecount::count(&input.body[..at], b'\n')))
        // Both parts hold rows: the earlier one a header and at least one more line.
        .filter(|&(_, head_lines)| head_lines >= 2);
    let (rows, unknown) =
        match split {
            None => {
                let (rows, unknown, _) = ledger_rows_of(
                    input,
                    &header,
                    &map,
                    reader,
                    &mut warnings,
                    Part::default(),
                    None,
                )?;
                (rows, unknown)
            }
            Some((split, head_lines)) => {
                drop(reader);
                let (head, tail) = input.body.split_at(split);
                // Line 1 (the header) sets how every line must end.
                let header_end = head.iter().position(|&b| b == b'\n').map(|i| {
                    if i > 0 && head[i - 1] == b'\r' {
                        LineEnd::Crlf
                    } else {
                        LineEnd::Lf
                    }
                });
                let seeded = |lines_before| Part {
                    lines_before,
                    ends: LineEnds {
                        first: header_end,
                        mixed: false,
                    },
                };
                // The earlier part's rows take the later's: room for all.
                let first = Input {
                    site: input.site,
                    body: head,
                    options: input.options,
                    capacity: input.capacity,
                    parallel_from: usize::MAX,
                };
                let second = Input {
                    site: input.site,
                    body: tail,
                    options: input.options,
                    capacity: input.capacity.saturating_sub(head_lines),
                    parallel_from: usize::MAX,
                };
                let mut head_reader = reader_of(head);
                let mut skipped = csv::StringRecord::new();
                head_reader.read_record(&mut skipped).map_err(|e| {
                    input
                        .site
                        .at(Some(1), None, ImportProblem::Csv(e.to_string()))
                })?;
                let (first_part, second_part) = std::thread::scope(|scope| {
                    let (send, receive) = std::sync::mpsc::channel();
                    let (header, map) = (&header, &map);
                    let later = scope.spawn(move || {
                        let mut warnings = Vec::new();
                        let mut hand_over = |rows| {
                            // The earlier part failed (its error comes first): nobody takes them.
                            let _ = send.send(rows);
                        };
                        ledger_rows_of(
                            &second,
                            header,
                            map,
                            reader_of(tail),
                            &mut warnings,
                            seeded(head_lines),
                            Some(&mut hand_over),
                        )
                        .map(|part| (part, warnings))
                    });
                    let earlier = ledger_rows_of(
                        &first,
                        header,
                        map,
                        head_reader,
                        &mut warnings,
                        seeded(0),
                        None,
                    )
                    .map(|(mut rows, unknown, mixed)| {
                        // Ends when the later part is read (or failed): its sender is dropped.
                        for mut chunk in receive {
                            rows.append(&mut chunk);
                        }
                        (rows, unknown, mixed)
                    });
                    let later = later
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (earlier, later)
                });
                // The earlier part's error comes first in the file.
                let (rows, mut unknown, mixed) = first_part?;
                let ((_, later_unknown, _), later_warnings) = second_part?;
                for u in later_unknown {
                    match unknown
                        .iter_mut()
                        .find(|k| k.column == u.column && k.value == u.value)
                    {
                        Some(k) => k.rows += u.rows,
                        None => unknown.push(u),
                    }
                }
                // One pass reports mixed line ends once, at the first line that differs.
                warnings.extend(later_warnings.into_iter().filter(|w| {
                    !(mixed && matches!(w.problem, ImportProblem::MixedLineEnds { .. }))
                }));
                (rows, unknown)
            }
        };
    Ok(LedgersFile {
        rows,
        warnings,
        unknown,
        ..read
    })
}

/// Files at least this large are read in two parts at once.
const PARALLEL_FROM: usize = 4 << 20;

/// The earlier part's share of a file read in two parts, in percent: moving the later part's
/// rows in behind its own takes the earlier part's thread about a third of the time reading
/// them took, so both threads finish together when it reads about 40 %.
const EARLIER_SHARE: usize = 42;

/// Rows per chunk a later part hands over.
const HAND_OVER_ROWS: usize = 1 << 14;

/// A reader of a file's records as [`read_csv`] reads them.
fn reader_of(body: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
}

/// Where to cut `body` in two for reading the parts at once: just after the first line break
/// from `middle` on that is outside quotes (an even number of quote characters before it: a
/// quoted field may hold line breaks, and an escaped quote is two). `None` when there is none.
fn split_point(body: &[u8], middle: usize) -> Option<usize> {
    let middle = middle.min(body.len());
    let mut quotes = bytecount::count(&body[..middle], b'"');
    for (i, &b) in body.iter().enumerate().skip(middle) {
        match b {
            b'"' => quotes += 1,
            b'\n' if quotes.is_multiple_of(2) => return (i + 1 < body.len()).then_some(i + 1),
            _ => {}
        }
    }
    None
}

/// Reads the ledger rows of a file or a [`Part`] of one: the rows, the unknown types and
/// subtypes in the order first seen, and whether mixed line ends were found. With `hand_over`,
/// the rows go there in order, [`HAND_OVER_ROWS`] at a time, as they are read (none are
/// returned).
fn ledger_rows_of(
    input: &Input<'_>,
    header: &[String],
    map: &ColumnMap<LedgerColumn>,
    reader: csv::Reader<&[u8]>,
    warnings: &mut Vec<ImportWarning>,
    part: Part,
    mut hand_over: Option<&mut dyn FnMut(Vec<ImportedLedgerRow>)>,
) -> Result<(Vec<ImportedLedgerRow>, Vec<UnknownValue>, bool), ImportError> {
    let at = |c| map.index(c);
    let (txid, refid, time, r#type, subtype) = (
        at(LedgerColumn::Txid),
        at(LedgerColumn::Refid),
        at(LedgerColumn::Time),
        at(LedgerColumn::Type),
        at(LedgerColumn::Subtype),
    );
    let (aclass, subclass, asset, wallet) = (
        at(LedgerColumn::Aclass),
        at(LedgerColumn::Subclass),
        at(LedgerColumn::Asset),
        at(LedgerColumn::Wallet),
    );
    let (amount, fee, balance) = (
        at(LedgerColumn::Amount),
        at(LedgerColumn::Fee),
        at(LedgerColumn::Balance),
    );
    let (amount_usd, fee_usd, balance_usd, fee_currency) = (
        at(LedgerColumn::AmountUsd),
        at(LedgerColumn::FeeUsd),
        at(LedgerColumn::BalanceUsd),
        at(LedgerColumn::FeeCurrency),
    );
    let capacity = if hand_over.is_some() {
        HAND_OVER_ROWS
    } else {
        input.capacity
    };
    let mut rows = Vec::with_capacity(capacity);
    let mut unknown: Vec<UnknownValue> = Vec::new();
    let (_, mixed) = each_record(input, header, map.width, reader, warnings, part, |f| {
        let row = LedgerRow {
            txid: f.text(txid)?,
            refid: f.text(refid)?,
            time: f.time(time)?,
            r#type: f.text(r#type)?,
            subtype: f.text(subtype)?,
            aclass: f.text(aclass)?,
            subclass: f.text(subclass)?,
            asset: f.text(asset)?,
            wallet: f.text(wallet)?,
            amount: f.decimal(amount)?,
            fee: f.decimal(fee)?,
            balance: f.optional_decimal(balance)?,
            amount_usd: f.optional_decimal(amount_usd)?,
            fee_usd: f.optional_decimal(fee_usd)?,
            balance_usd: f.optional_decimal(balance_usd)?,
            fee_currency: f.text(fee_currency)?,
        };
        if !is_known_type(&row.r#type) || !is_known_subtype(&row.subtype) {
            for (column, value, _, _) in unknown_values(std::iter::once((&row, ()))) {
                match unknown
                    .iter_mut()
                    .find(|u: &&mut UnknownValue| u.column == column && u.value == value)
                {
                    Some(u) => u.rows += 1,
                    None => unknown.push(UnknownValue {
                        column,
                        value,
                        rows: 1,
                        first_line: f.line,
                    }),
                }
            }
        }
        if row.balance.is_none() && !row.txid.is_empty() {
            return Err(f.error(balance.unwrap_or(0), ImportProblem::MissingBalance));
        }
        rows.push(ImportedLedgerRow {
            line: f.line,
            row,
            extra: f.extras(&map.extra)?,
        });
        if let Some(hand_over) = hand_over.as_mut().filter(|_| rows.len() == HAND_OVER_ROWS) {
            hand_over(std::mem::replace(
                &mut rows,
                Vec::with_capacity(HAND_OVER_ROWS),
            ));
        }
        Ok(())
    })?;
    if let Some(hand_over) = hand_over.filter(|_| !rows.is_empty()) {
        hand_over(std::mem::take(&mut rows));
    }
    Ok((rows, unknown, mixed))
}

fn read_trade_rows(
    input: &Input<'_>,
    file: Arc<str>,
    header: Vec<String>,
    reader: csv::Reader<&[u8]>,
    mut warnings: Vec<ImportWarning>,
) -> Result<TradesFile, ImportError> {
    let map = ColumnMap::new(
        input.site,
        &header,
        TradesColumn::from_header,
        TradesLayout::Columns13.columns(),
        TradesColumn::header,
        "trades",
    )?;
    let at = |c| map.index(c);
    use TradesColumn as C;
    let mut rows = Vec::with_capacity(input.capacity);
    each_record(
        input,
        &header,
        map.width,
        reader,
        &mut warnings,
        Part::default(),
        |f| {
            let row = TradeRow {
                txid: f.string(at(C::Txid))?,
                ordertxid: f.string(at(C::Ordertxid))?,
                pair: f.string(at(C::Pair))?,
                aclass: f.string(at(C::Aclass))?,
                subclass: f.string(at(C::Subclass))?,
                time: f.time(at(C::Time))?,
                r#type: f.string(at(C::Type))?,
                ordertype: f.string(at(C::Ordertype))?,
                price: f.decimal(at(C::Price))?,
                cost: f.decimal(at(C::Cost))?,
                fee: f.decimal(at(C::Fee))?,
                vol: f.decimal(at(C::Vol))?,
                margin: f.decimal(at(C::Margin))?,
                misc: f.string(at(C::Misc))?,
                ledgers: f.list(at(C::Ledgers))?,
                postxid: f.string(at(C::Postxid))?,
                posstatus: Some(f.string(at(C::Posstatus))?).filter(|s| !s.is_empty()),
                cprice: f.optional_decimal(at(C::Cprice))?,
                ccost: f.optional_decimal(at(C::Ccost))?,
                cfee: f.optional_decimal(at(C::Cfee))?,
                cvol: f.optional_decimal(at(C::Cvol))?,
                cmargin: f.optional_decimal(at(C::Cmargin))?,
                net: f.optional_decimal(at(C::Net))?,
                cost_usd: f.optional_decimal(at(C::CostUsd))?,
                trades: f.list(at(C::Trades))?,
            };
            rows.push(ImportedTradeRow {
                line: f.line,
                row,
                extra: f.extras(&map.extra)?,
            });
            Ok(())
        },
    )?;
    Ok(TradesFile {
        file,
        layout: TradesLayout::from_headers(&header),
        extra_columns: map.extra.iter().map(|&i| header[i].clone()).collect(),
        rows,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Vec<LedgerRow> {
        (0..n)
            .map(|i| LedgerRow {
                txid: format!("L{i:05}-AAAAA-BBBBBB").into(),
                refid: if i == n / 2 {
                    "T\nwith a break, and \"quotes\"".into()
                } else {
                    format!("T{i:05}").into()
                },
                time: Timestamp::from_unix_seconds(1_700_000_000 + i as i64).expect("time"),
                r#type: if i % 7 == 3 { "mystery" } else { "trade" }.into(),
                subtype: if i % 11 == 5 { "oddsub" } else { "tradespot" }.into(),
                aclass: "currency".into(),
                subclass: "crypto".into(),
                asset: "XXBT".into(),
                wallet: "spot / main".into(),
                amount: Decimal::new(i as i64 + 1, 4),
                fee: Decimal::ZERO,
                balance: Some(Decimal::new(((i + 1) * (i + 2) / 2) as i64, 4)),
                amount_usd: None,
                fee_usd: None,
                balance_usd: None,
                fee_currency: Default::default(),
            })
            .collect()
    }

    fn csv(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        crate::write_ledgers_csv(&rows(n), LedgerLayout::CURRENT, &mut out).expect("write");
        out
    }

    /// The `at`-th CRLF from the end turned into LF.
    fn lf_at(bytes: &[u8], from_end: usize) -> Vec<u8> {
        let positions: Vec<usize> = bytes
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w == b"\r\n")
            .map(|(i, _)| i)
            .collect();
        let at = positions[positions.len() - 1 - from_end];
        let mut out = bytes[..at].to_vec();
        out.extend_from_slice(&bytes[at + 1..]);
        out
    }

    fn both_ways(name: &str, bytes: &[u8], options: ReadOptions) {
        let whole = read_csv_parts(name, bytes, options, usize::MAX);
        let parts = read_csv_parts(name, bytes, options, 0);
        assert_eq!(parts, whole, "{name}");
    }

    #[test]
    fn reading_in_two_parts_gives_what_one_pass_gives() {
        let strict = ReadOptions::default();
        let edited = ReadOptions {
            accept_edited: true,
        };
        for n in [1, 2, 3, 40, 41] {
            let bytes = csv(n);
            both_ways("plain", &bytes, strict);
            let whole = read_csv_parts("plain", &bytes, strict, usize::MAX).expect("read");
            let Export::Ledgers(file) = whole else {
                panic!("ledgers")
            };
            assert_eq!(file.rows.len(), n);
        }
        let bytes = csv(40);
        // Mixed line ends late, early, and in both parts: one finding at the first.
        for mixed in [
            lf_at(&bytes, 2),
            lf_at(&bytes, 35),
            lf_at(&lf_at(&bytes, 2), 35),
        ] {
            both_ways("mixed", &mixed, strict);
            both_ways("mixed", &mixed, edited);
            assert!(read_csv_parts("mixed", &mixed, strict, 0).is_err());
        }
        // A bad number in the later part, then in both.
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let late = text.replacen("0.0035", "0.00.35", 1);
        assert_ne!(late, text);
        both_ways("bad", late.as_bytes(), strict);
        let both = late.replacen("0.0002", "x", 1);
        both_ways("bad", both.as_bytes(), strict);
        let err = read_csv_parts("bad", both.as_bytes(), strict, 0).expect_err("bad");
        assert_eq!(err.line, Some(3));
    }

    /// A cut looked for from inside a quoted field that holds line breaks lands after the row
    /// that closes it, never inside the field.
    #[test]
    fn a_cut_from_inside_a_quoted_field_lands_after_its_row() {
        let body = b"a,b\n1,\"x\ny\nz\"\n2,3\n";
        let inside = body.iter().position(|&b| b == b'y').expect("y");
        let at = split_point(body, inside).expect("a cut");
        assert_eq!(&body[at..], b"2,3\n");
        // From the start of a row, the cut is after that row.
        let row = body.iter().position(|&b| b == b'2').expect("2");
        assert_eq!(split_point(body, row), None, "no line after the last row");
    }

    /// The later part hands its rows over in several chunks: the rows come out whole and in
    /// order, and a bad line after chunks were handed over is still the error.
    #[test]
    fn a_later_part_of_several_chunks_reads_as_one_pass() {
        let n = 3 * HAND_OVER_ROWS;
        let bytes = csv(n);
        both_ways("large", &bytes, ReadOptions::default());
        let Ok(Export::Ledgers(file)) = read_csv_parts("large", &bytes, ReadOptions::default(), 0)
        else {
            panic!("ledgers")
        };
        assert_eq!(file.rows.len(), n);
        // One line per row after the header, and one more for the quoted break in the middle.
        assert!(file.rows.windows(2).all(|w| w[0].line < w[1].line));
        assert_eq!(file.rows.last().map(|r| r.line as usize), Some(n + 2));
        let text = String::from_utf8(bytes).expect("utf-8");
        let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
        let near_end = lines[n - 10].replacen(",\"currency\",", ",\"currency\",\"x\",", 1);
        lines[n - 10] = &near_end;
        let bad = lines.concat();
        both_ways("large", bad.as_bytes(), ReadOptions::default());
        let err = read_csv_parts("large", bad.as_bytes(), ReadOptions::default(), 0)
            .expect_err("a line with one field too many");
        assert_eq!(err.line, Some(u32::try_from(n - 8).expect("line")));
    }
}
