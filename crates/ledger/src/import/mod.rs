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
//!
//! # Modules
//!
//! `records` reads a CSV export's records (field counts, line ends, line numbers, errors that
//! name line and column), which `ledgers` and `trades` turn into rows; `problem` says what can be
//! wrong with a file.

mod ledgers;
mod problem;
mod records;
mod trades;

use std::io::{Cursor, Read};
use std::sync::Arc;

use crate::asset::{self, AssetCode};
use crate::export::ExportKind;
use crate::ledger::{LedgerColumn, LedgerLayout, LedgerRow};
use crate::trades::{TradeRow, TradesLayout};
use ledgers::{PARALLEL_FROM, read_ledger_rows};
use records::{BOM, Input, Site, edited_findings};
use trades::read_trade_rows;

pub use problem::{ImportError, ImportProblem, ImportWarning, LineEnd};

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

/// The most an export's CSV may hold once unzipped (2 GiB: about 13 million ledger rows).
pub const MAX_UNZIPPED_BYTES: u64 = 2 << 30;

/// The longest field an export may hold, in bytes. The exchange's are short (a refid is about
/// 30 characters, an amount at most a few dozen digits, a trade's ledger ids a few of those): a
/// longer one is refused, naming it, before it is parsed or stored.
pub const MAX_FIELD_BYTES: usize = 4096;

/// The largest magnitude a number in an export may have (10^18, beyond any balance, volume or
/// price the exchange reports): the sum of up to ten billion of them stays within `Decimal`,
/// so no total, running balance or check can overflow.
pub const MAX_NUMBER: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(2_808_348_672, 232_830_643, 0, false, 0);

/// The most a zip member may expand relative to its compressed size. The exchange's exports
/// deflate about 5 to 15 times; a zip bomb, thousands of times.
pub const MAX_ZIP_RATIO: u64 = 200;

/// Below this, a member is read whatever its ratio (a tiny file may compress well).
const SMALL_MEMBER: u64 = 1 << 20;

/// The most memory reserved up front for a member, whatever size its header declares (a forged
/// size must not abort the app); a larger member grows as it is read.
const RESERVE_CAP: u64 = 64 << 20;

/// The export's one CSV member, read within [`MAX_UNZIPPED_BYTES`] and [`MAX_ZIP_RATIO`]: the
/// sizes the zip declares are never trusted, only what inflates.
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
    // The compressed bytes are in the file: a header claiming more is forged.
    let compressed = entry
        .compressed_size()
        .min(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
    let limit = compressed
        .saturating_mul(MAX_ZIP_RATIO)
        .clamp(SMALL_MEMBER, MAX_UNZIPPED_BYTES);
    let reserve = entry.size().min(limit).min(RESERVE_CAP);
    let mut csv = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
    (&mut entry)
        .take(limit + 1)
        .read_to_end(&mut csv)
        .map_err(|e| error(ImportProblem::ZipMember(e.to_string())))?;
    if u64::try_from(csv.len()).unwrap_or(u64::MAX) > limit {
        return Err(error(ImportProblem::ZipTooLarge { limit, compressed }));
    }
    Ok((member, csv))
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
    // A trades export names its pair and order; a ledgers export has columns no trades export
    // has, so one that lacks some of them is still known as ledgers, and told which it lacks.
    let has = |names: &[&str]| header.iter().any(|h| names.contains(&h.as_str()));
    let trades = has(&["pair", "ordertxid"]);
    if !trades && has(&["asset", "refid", "balance"]) {
        read_ledger_rows(&input, file, header, reader, warnings).map(Export::Ledgers)
    } else if trades {
        read_trade_rows(&input, file, header, reader, warnings).map(Export::Trades)
    } else {
        Err(site.at(Some(1), None, ImportProblem::UnknownExport))
    }
}
