//! The review store: one SQLite database per workspace ([`Workspace`]), holding every ledgers and
//! trades row imported into it once, the record of each import, and what the integrity check
//! found that the rows alone no longer show (duplicates and conflicts of a file).
//!
//! # Import
//!
//! [`Workspace::import`] reads every file first: any [`ImportError`] returns it and stores
//! nothing. It then checks the union of what is stored and the new files (stored rows first, in
//! import order, so an entry already stored makes the new one a [`crate::Repeat`] or a
//! [`crate::Conflict`], never a second row), and writes in one transaction, all or nothing:
//! - the rows of [`IntegrityReport::distinct`] that come from the new files (a row is known by
//!   its `txid`; a request row, which has none, by its `refid`, time, type, asset, amount and fee,
//!   as [`crate::check()`] does), so re-importing a file or an overlapping export is idempotent;
//! - one `imports` record per file: name, SHA-256 of its bytes, row counts (new, already present,
//!   duplicates, conflicts); the same bytes again are not read at all but reported as
//!   [`FileStatus::AlreadyImported`];
//! - the duplicates and conflicts found in the new files;
//! - trades rows (a trade known by its `txid`, which is the `refid` of its ledger entries);
//! - per (asset, wallet, type, subtype, month) counts and exact sums, from which
//!   [`Workspace::totals`] answers without reading the rows.
//!
//! Into an empty workspace, the rows of the new files are written while the check runs on
//! another thread, and the rows it does not count are deleted again before the commit: the
//! same rows end up stored, sooner.
//!
//! # Representation
//!
//! Rows are in `ledger_rows`, read through the view `ledger` (every column of a row by name).
//! What many rows share is stored once: the chain (normalised asset and wallet) in
//! `ledger_chains`, and the kind (chain, type, subtype, asset class and subclass, the asset as
//! spelled, fee currency) in `ledger_kinds`; a row holds their ids, so a million rows take about
//! 85 bytes each instead of 150, and asset filters, balances and series use the index on
//! `(chain, time)`.
//!
//! Money is exact, never REAL: an amount is stored as the integer `mantissa × 32 + scale` when
//! its mantissa fits (every amount seen), else as its exact decimal text; both read back to the
//! same [`Decimal`] with the scale the export printed (`0.0001000000`). Sums are made in Rust with
//! [`Decimal`]; the monthly sums are text. Times are integer ticks ([`Timestamp::ticks`]). The
//! asset is kept as spelled and normalised (`XXBT`, `BTC`); the wallet is the one a chain uses
//! ([`crate::check::DEFAULT_WALLET`] for a file without a `wallet` column). Extra columns are a
//! JSON object per row (none when the file has none), source file and line are kept with every
//! row.
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous=NORMAL`: a commit is atomic, and a power loss
//! may lose at most the last committed import (never corrupt the file or keep part of one).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use compact_str::CompactString;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::asset;
use crate::check::{
    self, Conflict, DEFAULT_WALLET, Duplicate, IntegrityReport, RowIndex, RowRef, index,
};
use crate::export::ExportKind;
use crate::import::{
    Export, ImportError, ImportWarning, ImportedLedgerRow, LedgerColumns, LedgersFile, ReadOptions,
    TradesFile, UnknownValue, read_export, unknown_values,
};
use crate::ledger::{LedgerColumn, LedgerRow};
use crate::time::{Timestamp, civil_from_days, days_from_civil};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read; nothing was stored.
    #[error("{0}")]
    Import(#[from] ImportError),
    /// SQLite failed; the transaction (if any) was rolled back.
    #[error("ledger workspace database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error("ledger workspace database holds a malformed {0}")]
    Corrupt(String),
    /// The workspace's folder could not be created.
    #[error("cannot create the folder of the ledger workspace {0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// A writer (an export) failed.
    #[error("writing: {0}")]
    Write(#[from] std::io::Error),
}

/// Schema migrations, in order; `PRAGMA user_version` counts how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: imports, ledger rows, trades, the stored findings, and the monthly totals.
    "CREATE TABLE imports (
         id INTEGER PRIMARY KEY,
         file TEXT NOT NULL,
         sha256 TEXT NOT NULL,
         kind TEXT NOT NULL CHECK (kind IN ('ledgers', 'trades')),
         imported_at INTEGER NOT NULL,
         columns INTEGER NOT NULL,
         extra_columns TEXT NOT NULL,
         rows INTEGER NOT NULL,
         added INTEGER NOT NULL,
         present INTEGER NOT NULL,
         duplicates INTEGER NOT NULL,
         conflicts INTEGER NOT NULL
     );
     CREATE INDEX imports_by_sha256 ON imports(sha256);
     CREATE TABLE ledger (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         line INTEGER NOT NULL,
         txid TEXT NOT NULL,
         refid TEXT NOT NULL,
         time INTEGER NOT NULL,
         type TEXT NOT NULL,
         subtype TEXT NOT NULL,
         aclass TEXT NOT NULL,
         subclass TEXT NOT NULL,
         asset TEXT NOT NULL,
         asset_norm TEXT NOT NULL,
         wallet TEXT NOT NULL,
         amount TEXT NOT NULL,
         fee TEXT NOT NULL,
         balance TEXT,
         amount_usd TEXT,
         fee_usd TEXT,
         balance_usd TEXT,
         fee_currency TEXT NOT NULL,
         extra TEXT
     );
     CREATE INDEX ledger_by_time ON ledger(time);
     CREATE INDEX ledger_by_asset ON ledger(asset_norm, time);
     CREATE INDEX ledger_by_refid ON ledger(refid);
     CREATE TABLE trades (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         line INTEGER NOT NULL,
         txid TEXT NOT NULL UNIQUE,
         ordertxid TEXT NOT NULL,
         pair TEXT NOT NULL,
         aclass TEXT NOT NULL,
         subclass TEXT NOT NULL,
         time INTEGER NOT NULL,
         type TEXT NOT NULL,
         ordertype TEXT NOT NULL,
         price TEXT NOT NULL,
         cost TEXT NOT NULL,
         fee TEXT NOT NULL,
         vol TEXT NOT NULL,
         margin TEXT NOT NULL,
         misc TEXT NOT NULL,
         ledgers TEXT NOT NULL,
         postxid TEXT NOT NULL,
         posstatus TEXT,
         cprice TEXT,
         ccost TEXT,
         cfee TEXT,
         cvol TEXT,
         cmargin TEXT,
         net TEXT,
         cost_usd TEXT,
         trades TEXT NOT NULL,
         extra TEXT
     );
     CREATE INDEX trades_by_time ON trades(time);
     CREATE TABLE findings (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         kind TEXT NOT NULL CHECK (kind IN ('duplicate', 'conflict')),
         file TEXT NOT NULL,
         line INTEGER NOT NULL,
         txid TEXT NOT NULL,
         first_file TEXT NOT NULL,
         first_line INTEGER NOT NULL,
         first_txid TEXT NOT NULL,
         identical INTEGER NOT NULL,
         columns TEXT NOT NULL
     );
     CREATE TABLE monthly (
         asset TEXT NOT NULL,
         wallet TEXT NOT NULL,
         type TEXT NOT NULL,
         subtype TEXT NOT NULL,
         month INTEGER NOT NULL,
         count INTEGER NOT NULL,
         amount TEXT NOT NULL,
         fee TEXT NOT NULL,
         PRIMARY KEY (asset, wallet, type, subtype, month)
     ) WITHOUT ROWID;",
    // 2: ledger rows compact: the values many rows share (type, subtype, asset class and
    // subclass, asset, fee currency; normalised asset and wallet) once in `ledger_kinds` and
    // `ledger_chains`, money as a packed integer (see `money_value`); `ledger` becomes a view
    // with the columns of 1, so readers are unchanged.
    "CREATE TABLE ledger_chains (
         id INTEGER PRIMARY KEY,
         asset_norm TEXT NOT NULL,
         wallet TEXT NOT NULL,
         UNIQUE (asset_norm, wallet)
     );
     CREATE TABLE ledger_kinds (
         id INTEGER PRIMARY KEY,
         chain INTEGER NOT NULL REFERENCES ledger_chains(id),
         type TEXT NOT NULL,
         subtype TEXT NOT NULL,
         aclass TEXT NOT NULL,
         subclass TEXT NOT NULL,
         asset TEXT NOT NULL,
         fee_currency TEXT NOT NULL,
         UNIQUE (chain, type, subtype, aclass, subclass, asset, fee_currency)
     );
     CREATE TABLE ledger_rows (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         line INTEGER NOT NULL,
         txid TEXT NOT NULL,
         refid TEXT NOT NULL,
         time INTEGER NOT NULL,
         chain INTEGER NOT NULL REFERENCES ledger_chains(id),
         kind INTEGER NOT NULL REFERENCES ledger_kinds(id),
         amount NOT NULL,
         fee NOT NULL,
         balance,
         amount_usd,
         fee_usd,
         balance_usd,
         extra TEXT
     );
     INSERT INTO ledger_chains (asset_norm, wallet)
         SELECT DISTINCT asset_norm, wallet FROM ledger ORDER BY asset_norm, wallet;
     INSERT INTO ledger_kinds (chain, type, subtype, aclass, subclass, asset, fee_currency)
         SELECT DISTINCT c.id, l.type, l.subtype, l.aclass, l.subclass, l.asset, l.fee_currency
         FROM ledger l JOIN ledger_chains c ON c.asset_norm = l.asset_norm AND c.wallet = l.wallet;
     INSERT INTO ledger_rows (id, import_id, line, txid, refid, time, chain, kind, amount, fee,
             balance, amount_usd, fee_usd, balance_usd, extra)
         SELECT l.id, l.import_id, l.line, l.txid, l.refid, l.time, c.id, k.id, l.amount, l.fee,
             l.balance, l.amount_usd, l.fee_usd, l.balance_usd, l.extra
         FROM ledger l
         JOIN ledger_chains c ON c.asset_norm = l.asset_norm AND c.wallet = l.wallet
         JOIN ledger_kinds k ON k.chain = c.id AND k.type = l.type AND k.subtype = l.subtype
             AND k.aclass = l.aclass AND k.subclass = l.subclass AND k.asset = l.asset
             AND k.fee_currency = l.fee_currency;
     DROP TABLE ledger;
     CREATE INDEX ledger_by_time ON ledger_rows(time);
     CREATE INDEX ledger_by_chain ON ledger_rows(chain, time);
     CREATE INDEX ledger_by_refid ON ledger_rows(refid);
     CREATE VIEW ledger AS
         SELECT r.id, r.import_id, r.line, r.txid, r.refid, r.time, k.type, k.subtype, k.aclass,
             k.subclass, k.asset, c.asset_norm, c.wallet, r.amount, r.fee, r.balance,
             r.amount_usd, r.fee_usd, r.balance_usd, k.fee_currency, r.extra, r.chain
         FROM ledger_rows r
         JOIN ledger_kinds k ON k.id = r.kind
         JOIN ledger_chains c ON c.id = r.chain;",
];

/// The indexes of `ledger_rows`: by time (pages, ranges), by chain and time (asset filters,
/// balances, series), by refid (trades with their legs). A row's identity (`txid`) needs none:
/// the import's check over stored and new rows decides what is new.
const LEDGER_INDEXES: &str = "CREATE INDEX ledger_by_time ON ledger_rows(time);
     CREATE INDEX ledger_by_chain ON ledger_rows(chain, time);
     CREATE INDEX ledger_by_refid ON ledger_rows(refid);";

/// A workspace: one SQLite database of imported exports (see the module docs).
#[derive(Debug)]
pub struct Workspace {
    pub(crate) conn: Connection,
    path: PathBuf,
}

/// A file to import: its name (for reports and errors) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Where an import is, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStage {
    /// Reading file `index` (0-based) of `files`.
    Reading {
        index: usize,
        files: usize,
        name: String,
    },
    /// Checking the chains over `rows` rows (stored and new).
    Checking { rows: usize },
    /// Storing: `done` of `total` new rows written.
    Storing { done: usize, total: usize },
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// Read and stored (possibly adding no row, when every row was already present).
    Imported,
    /// The same bytes were imported before (or earlier in this call): not read again.
    AlreadyImported { as_file: String, on: Timestamp },
}

/// One file of an [`ImportOutcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOutcome {
    pub file: String,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// `None` for a file already imported (not read again).
    pub kind: Option<ExportKind>,
    pub status: FileStatus,
    /// Rows in the file.
    pub rows: usize,
    /// Rows stored by this import.
    pub added: usize,
    /// Rows already present (stored before, or in an earlier file of this import).
    pub present: usize,
    /// Rows whose `txid` the same file already had.
    pub duplicates: usize,
    /// Rows whose `txid` was present with different content (the first is kept).
    pub conflicts: usize,
    pub warnings: Vec<ImportWarning>,
}

impl fmt::Display for FileOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.status {
            FileStatus::AlreadyImported { as_file, on } => write!(
                f,
                "{}: already imported on {} UTC (as {as_file}), nothing added",
                self.file,
                on.to_csv_seconds()
            ),
            FileStatus::Imported => {
                write!(
                    f,
                    "{}: {} rows, {} added, {} already present",
                    self.file, self.rows, self.added, self.present
                )?;
                if self.duplicates > 0 {
                    write!(f, ", {} duplicates", self.duplicates)?;
                }
                if self.conflicts > 0 {
                    write!(f, ", {} conflicts", self.conflicts)?;
                }
                Ok(())
            }
        }
    }
}

/// What [`Workspace::import`] did.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    /// Each file given, in order.
    pub files: Vec<FileOutcome>,
    /// The check of everything stored after the import (stored findings included), or `None`
    /// when no ledgers file was read (nothing changed the chains).
    pub report: Option<IntegrityReport>,
}

impl ImportOutcome {
    /// Rows stored by this import, over all files.
    pub fn added(&self) -> usize {
        self.files.iter().map(|f| f.added).sum()
    }
}

/// A record of the `imports` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub file: String,
    pub sha256: String,
    pub kind: ExportKind,
    pub imported_at: Timestamp,
    pub rows: usize,
    pub added: usize,
    pub present: usize,
    pub duplicates: usize,
    pub conflicts: usize,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn to_usize(v: i64) -> usize {
    usize::try_from(v).unwrap_or(0)
}

fn to_i64(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn decimal(text: &str) -> Result<Decimal, StoreError> {
    Decimal::from_str(text).map_err(|_| StoreError::Corrupt(format!("decimal {text:?}")))
}

pub(crate) fn optional_decimal(text: Option<String>) -> Result<Option<Decimal>, StoreError> {
    text.map(|t| decimal(&t)).transpose()
}

/// Bits of a packed money integer that hold the scale.
const SCALE_BITS: u32 = 5;

/// How a ledger amount is stored: `mantissa × 32 + scale` as an INTEGER when the mantissa fits
/// (every amount seen: 1 to 8 bytes, nothing to format or parse), else the exact text (and so
/// a negative zero, whose sign an integer would lose). Both read back to the same [`Decimal`],
/// scale included.
pub(crate) fn money_value(d: Decimal) -> rusqlite::types::Value {
    let packed = i64::try_from(d.mantissa())
        .ok()
        .filter(|_| !(d.is_zero() && d.is_sign_negative()))
        .and_then(|m| m.checked_mul(1 << SCALE_BITS))
        .and_then(|m| m.checked_add(i64::from(d.scale())));
    match packed {
        Some(n) => rusqlite::types::Value::Integer(n),
        None => rusqlite::types::Value::Text(d.to_string()),
    }
}

/// A stored ledger amount ([`money_value`]; TEXT in a workspace from before the packing).
pub(crate) fn optional_money(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> Result<Option<Decimal>, StoreError> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(n) => {
            let scale = u32::try_from(n.rem_euclid(1 << SCALE_BITS)).unwrap_or(u32::MAX);
            Decimal::try_from_i128_with_scale(i128::from(n.div_euclid(1 << SCALE_BITS)), scale)
                .map(Some)
                .map_err(|_| StoreError::Corrupt(format!("amount {n}")))
        }
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map_err(|_| StoreError::Corrupt("amount text".to_owned()))
            .and_then(decimal)
            .map(Some),
        other => Err(StoreError::Corrupt(format!("amount {other:?}"))),
    }
}

/// A stored ledger amount that must be present.
pub(crate) fn money(r: &rusqlite::Row<'_>, i: usize) -> Result<Decimal, StoreError> {
    optional_money(r, i)?.ok_or_else(|| StoreError::Corrupt("missing amount".to_owned()))
}

pub(crate) fn timestamp(ticks: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_ticks(ticks).map_err(|_| StoreError::Corrupt(format!("time {ticks}")))
}

/// The unix second the UTC month of `time` starts at.
pub(crate) fn month_start(time: Timestamp) -> i64 {
    let days = time.unix_seconds().div_euclid(86_400);
    let (year, month, _) = civil_from_days(days);
    days_from_civil(year, month, 1) * 86_400
}

/// `YYYY-MM` of a month start (unix seconds).
pub(crate) fn month_label(start: i64) -> String {
    let (year, month, _) = civil_from_days(start.div_euclid(86_400));
    format!("{year:04}-{month:02}")
}

/// The key of a monthly total.
type MonthKey = (String, String, String, String, i64);

/// The columns of `ledger` a [`LedgerRow`] is read from, in [`row_from_sql`]'s order.
pub(crate) const LEDGER_COLUMNS: &str = "txid, refid, time, type, subtype, aclass, subclass, \
     asset, wallet, amount, fee, balance, amount_usd, fee_usd, balance_usd, fee_currency";

/// A [`LedgerRow`] from the columns [`LEDGER_COLUMNS`] names, starting at column `at`.
pub(crate) fn row_from_sql(r: &rusqlite::Row<'_>, at: usize) -> Result<LedgerRow, StoreError> {
    let text = |i: usize| -> Result<CompactString, StoreError> {
        Ok(CompactString::from(
            r.get_ref(at + i)?.as_str().map_err(rusqlite::Error::from)?,
        ))
    };
    Ok(LedgerRow {
        txid: text(0)?,
        refid: text(1)?,
        time: timestamp(r.get(at + 2)?)?,
        r#type: text(3)?,
        subtype: text(4)?,
        aclass: text(5)?,
        subclass: text(6)?,
        asset: text(7)?,
        wallet: text(8)?,
        amount: money(r, at + 9)?,
        fee: money(r, at + 10)?,
        balance: optional_money(r, at + 11)?,
        amount_usd: optional_money(r, at + 12)?,
        fee_usd: optional_money(r, at + 13)?,
        balance_usd: optional_money(r, at + 14)?,
        fee_currency: text(15)?,
    })
}

impl Workspace {
    /// Opens (creating it and its folder if needed) the workspace database at `path`, and brings
    /// its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Io(parent.to_owned(), e))?;
        }
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // 64 MiB of page cache: index maintenance of a large import stays in memory.
        conn.pragma_update(None, "cache_size", -65_536)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let done = usize::try_from(version)
            .map_err(|_| StoreError::Corrupt("schema version".to_owned()))?;
        if done > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(
                "schema version newer than this build".to_owned(),
            ));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", to_i64(i + 1))?;
            tx.commit()?;
        }
        Ok(Self { conn, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Imports files with default [`ReadOptions`] and no progress display.
    pub fn import(&mut self, files: &[SourceFile<'_>]) -> Result<ImportOutcome, StoreError> {
        self.import_with(files, ReadOptions::default(), &mut |_| {})
    }

    /// Imports files (see the module docs): all or nothing, idempotent.
    pub fn import_with(
        &mut self,
        files: &[SourceFile<'_>],
        options: ReadOptions,
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, StoreError> {
        let now = now();
        // Which files are new bytes.
        let mut outcomes = Vec::with_capacity(files.len());
        let mut fresh: Vec<(usize, &SourceFile<'_>)> = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (i, source) in files.iter().enumerate() {
            let sha256 = hex(&Sha256::digest(source.bytes));
            let earlier: Option<(String, i64)> = self
                .conn
                .query_row(
                    "SELECT file, imported_at FROM imports WHERE sha256 = ?1 ORDER BY id LIMIT 1",
                    [&sha256],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let status = match (earlier, seen.get(&sha256)) {
                (Some((as_file, at)), _) => FileStatus::AlreadyImported {
                    as_file,
                    on: Timestamp::from_unix_seconds(at).unwrap_or(Timestamp::UNIX_EPOCH),
                },
                (None, Some(as_file)) => FileStatus::AlreadyImported {
                    as_file: as_file.clone(),
                    on: now,
                },
                (None, None) => {
                    seen.insert(sha256.clone(), source.name.to_owned());
                    fresh.push((i, source));
                    FileStatus::Imported
                }
            };
            outcomes.push(FileOutcome {
                file: source.name.to_owned(),
                sha256,
                kind: None,
                status,
                rows: 0,
                added: 0,
                present: 0,
                duplicates: 0,
                conflicts: 0,
                warnings: Vec::new(),
            });
        }

        // Read every new file before anything is written.
        let mut ledgers: Vec<(usize, LedgersFile)> = Vec::new();
        let mut trades: Vec<(usize, TradesFile)> = Vec::new();
        for (n, &(i, source)) in fresh.iter().enumerate() {
            progress(ImportStage::Reading {
                index: n,
                files: fresh.len(),
                name: source.name.to_owned(),
            });
            let export = read_export(source.name, source.bytes, options)?;
            let outcome = &mut outcomes[i];
            outcome.kind = Some(export.kind());
            outcome.warnings = export.warnings().to_vec();
            match export {
                Export::Ledgers(file) => {
                    outcome.rows = file.rows.len();
                    ledgers.push((i, file));
                }
                Export::Trades(file) => {
                    outcome.rows = file.rows.len();
                    trades.push((i, file));
                }
            }
        }
        if fresh.is_empty() {
            return Ok(ImportOutcome {
                files: outcomes,
                report: None,
            });
        }

        // Check what is stored and what is new, stored first.
        let mut all = if ledgers.is_empty() {
            Vec::new()
        } else {
            self.stored_files()?
        };
        let stored = all.len();
        let new_files: Vec<usize> = ledgers.iter().map(|&(i, _)| i).collect();
        all.extend(ledgers.into_iter().map(|(_, f)| f));
        let checking = !new_files.is_empty();
        if checking {
            progress(ImportStage::Checking {
                rows: all.iter().map(|f| f.rows.len()).sum(),
            });
        }

        // What earlier imports found, for the report of the whole workspace.
        let earlier_findings = self.findings()?;
        // Into an empty store, a rollback journal holds next to nothing (new pages are not
        // journaled), where the WAL would take every page once more before the checkpoint
        // copies it: same atomicity, half the writing. Back to WAL after the commit.
        let bulk = self.ledger_rows()? == 0
            && self
                .conn
                .pragma_update_and_check(None, "journal_mode", "TRUNCATE", |r| {
                    r.get::<_, String>(0)
                })
                .is_ok_and(|mode| mode.eq_ignore_ascii_case("truncate"));
        // Into an empty store every row of the new files is written while the check runs on
        // another thread (both only read the files); the rows it does not count (a txid again)
        // are deleted before the commit. Otherwise the check decides first what is new.
        let optimistic = bulk && stored == 0 && checking;
        let mut report: Option<IntegrityReport> = None;
        let mut store = || -> Result<(), StoreError> {
            let tx = self.conn.transaction()?;
            let mut import_ids: HashMap<usize, i64> = HashMap::new();
            if checking {
                // Records first (their counts are set once known), so rows can name them.
                for (k, &i) in new_files.iter().enumerate() {
                    let file = &all[stored + k];
                    let id = insert_import(&tx, &outcomes[i], ExportKind::Ledgers, now, file)?;
                    import_ids.insert(stored + k, id);
                }
                let first_id: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_rows",
                    [],
                    |r| r.get(0),
                )?;
                let (checked, early) = if optimistic {
                    let every: Vec<RowIndex> = all
                        .iter()
                        .enumerate()
                        .flat_map(|(f, file)| (0..file.rows.len()).map(move |r| index(f, r)))
                        .collect();
                    std::thread::scope(|scope| {
                        let checker = scope.spawn(|| check::check(&all));
                        let inserted = insert_ledger_rows(&tx, &all, &every, &import_ids, progress);
                        let checked = checker
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                        (checked, Some(inserted.map(|inserted| (inserted, every))))
                    })
                } else {
                    (check::check(&all), None)
                };
                // Counts per new file, attributed by the file's shared name.
                let file_of = |r: &RowRef| {
                    all[stored..]
                        .iter()
                        .position(|f| Arc::ptr_eq(&f.file, &r.file))
                };
                for repeat in &checked.repeats {
                    if let Some(k) = file_of(&repeat.row) {
                        outcomes[new_files[k]].present += 1;
                    }
                }
                for duplicate in &checked.duplicates {
                    if let Some(k) = file_of(&duplicate.row) {
                        outcomes[new_files[k]].duplicates += 1;
                    }
                }
                for conflict in &checked.conflicts {
                    if let Some(k) = file_of(&conflict.row) {
                        outcomes[new_files[k]].conflicts += 1;
                    }
                }
                let first_new = u32::try_from(stored).unwrap_or(u32::MAX);
                let new_rows: Vec<RowIndex> = checked
                    .distinct
                    .iter()
                    .copied()
                    .filter(|at| at.file >= first_new)
                    .collect();
                for at in &new_rows {
                    outcomes[new_files[(at.file - first_new) as usize]].added += 1;
                }
                let mut inserted = match early {
                    Some(early) => {
                        let (mut inserted, every) = early?;
                        if new_rows.len() < every.len() {
                            // The rows written that the check does not count: by position,
                            // since ids follow the order written.
                            let mut counted = vec![false; every.len()];
                            let starts: Vec<usize> = all
                                .iter()
                                .scan(0, |n, f| {
                                    let start = *n;
                                    *n += f.rows.len();
                                    Some(start)
                                })
                                .collect();
                            for at in &new_rows {
                                counted[starts[at.file as usize] + at.row as usize] = true;
                            }
                            let mut delete = tx.prepare("DELETE FROM ledger_rows WHERE id = ?1")?;
                            for (position, at) in every.iter().enumerate() {
                                if counted[position] {
                                    continue;
                                }
                                delete.execute([first_id + to_i64(position)])?;
                                let file = &all[at.file as usize];
                                let row = &file.rows[at.row as usize].row;
                                if let Some(sum) = month_key(file, row)
                                    .and_then(|key| inserted.monthly.get_mut(&key))
                                {
                                    sum.0 -= 1;
                                    sum.1 -= row.amount;
                                    sum.2 -= row.fee;
                                }
                            }
                            inserted.monthly.retain(|_, sum| sum.0 > 0);
                        }
                        inserted
                    }
                    None => insert_ledger_rows(&tx, &all, &new_rows, &import_ids, progress)?,
                };
                if inserted.rebuild_indexes {
                    tx.execute_batch(LEDGER_INDEXES)?;
                }
                add_monthly(&tx, std::mem::take(&mut inserted.monthly))?;
                let mut counts = tx.prepare(
                    "UPDATE imports SET added = ?1, present = ?2, duplicates = ?3, conflicts = ?4
                     WHERE id = ?5",
                )?;
                for (k, &i) in new_files.iter().enumerate() {
                    let o = &outcomes[i];
                    counts.execute(params![
                        to_i64(o.added),
                        to_i64(o.present),
                        to_i64(o.duplicates),
                        to_i64(o.conflicts),
                        import_ids.get(&(stored + k)).copied().unwrap_or(0),
                    ])?;
                }
                drop(counts);
                insert_findings(&tx, &checked, &all[stored..], &import_ids)?;
                report = Some(checked);
            }
            for (i, file) in &trades {
                let (added, present, duplicates) = insert_trades(&tx, file, &outcomes[*i], now)?;
                let outcome = &mut outcomes[*i];
                outcome.added = added;
                outcome.present = present;
                outcome.duplicates = duplicates;
            }
            tx.commit()?;
            Ok(())
        };
        let stored_result = store();
        if bulk {
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        }
        stored_result?;
        drop(all);
        let report = report.map(|mut report| {
            report.duplicates.splice(0..0, earlier_findings.0);
            report.conflicts.splice(0..0, earlier_findings.1);
            report
        });
        Ok(ImportOutcome {
            files: outcomes,
            report,
        })
    }

    /// Every stored ledgers row, as the files they came from (rows in file order, extra columns
    /// left out): what [`Workspace::check`] and an import check against.
    pub fn stored_files(&self) -> Result<Vec<LedgersFile>, StoreError> {
        let mut files: Vec<LedgersFile> = Vec::new();
        let mut by_import: HashMap<i64, usize> = HashMap::new();
        let mut stmt = self
            .conn
            .prepare("SELECT id, file, columns FROM imports WHERE kind = 'ledgers' ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let name: String = r.get(1)?;
            let bits: i64 = r.get(2)?;
            by_import.insert(id, files.len());
            files.push(LedgersFile {
                file: Arc::from(name.as_str()),
                layout: None,
                columns: LedgerColumns::from_bits(u16::try_from(bits).unwrap_or(0)),
                extra_columns: Vec::new(),
                rows: Vec::new(),
                warnings: Vec::new(),
                unknown: Vec::new(),
            });
        }
        let count: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM ledger_rows", [], |r| r.get(0))?;
        if let Some(first) = files.first_mut() {
            first.rows.reserve(to_usize(count));
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT import_id, line, {LEDGER_COLUMNS} FROM ledger ORDER BY id"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let import: i64 = r.get(0)?;
            let &k = by_import
                .get(&import)
                .ok_or_else(|| StoreError::Corrupt(format!("row of unknown import {import}")))?;
            files[k].rows.push(ImportedLedgerRow {
                line: r.get(1)?,
                row: row_from_sql(r, 2)?,
                extra: Vec::new(),
            });
        }
        for file in &mut files {
            file.unknown = unknown_values(file.rows.iter().map(|r| (&r.row, r.line)))
                .into_iter()
                .map(|(column, value, rows, first_line)| UnknownValue {
                    column,
                    value,
                    rows,
                    first_line,
                })
                .collect();
        }
        Ok(files)
    }

    /// The integrity report of everything stored: the chains, breaks, requests and flags
    /// recomputed from the rows, with the duplicates and conflicts each import found (the rows
    /// themselves are stored once, so only the record shows them).
    pub fn check(&self) -> Result<IntegrityReport, StoreError> {
        let files = self.stored_files()?;
        let mut report = check::check(&files);
        let (duplicates, conflicts) = self.findings()?;
        report.duplicates = duplicates;
        report.conflicts = conflicts;
        Ok(report)
    }

    /// The duplicates and conflicts every import found, in import order.
    fn findings(&self) -> Result<(Vec<Duplicate>, Vec<Conflict>), StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT kind, file, line, txid, first_file, first_line, first_txid, identical, columns
             FROM findings ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let (mut duplicates, mut conflicts) = (Vec::new(), Vec::new());
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let row = RowRef {
                file: Arc::from(r.get::<_, String>(1)?.as_str()),
                line: r.get(2)?,
                txid: r.get(3)?,
            };
            let first = RowRef {
                file: Arc::from(r.get::<_, String>(4)?.as_str()),
                line: r.get(5)?,
                txid: r.get(6)?,
            };
            if kind == "duplicate" {
                duplicates.push(Duplicate {
                    row,
                    first,
                    identical: r.get(7)?,
                });
            } else {
                let columns: String = r.get(8)?;
                conflicts.push(Conflict {
                    row,
                    first,
                    columns: columns
                        .split(',')
                        .filter_map(LedgerColumn::from_header)
                        .map(LedgerColumn::header)
                        .collect(),
                });
            }
        }
        Ok((duplicates, conflicts))
    }

    /// Every import, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, file, sha256, kind, imported_at, rows, added, present, duplicates,
                    conflicts
             FROM imports ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(3)?;
            out.push(ImportRecord {
                id: r.get(0)?,
                file: r.get(1)?,
                sha256: r.get(2)?,
                kind: ExportKind::from_report_name(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("import kind {kind:?}")))?,
                imported_at: Timestamp::from_unix_seconds(r.get(4)?)
                    .map_err(|_| StoreError::Corrupt("import time".to_owned()))?,
                rows: to_usize(r.get(5)?),
                added: to_usize(r.get(6)?),
                present: to_usize(r.get(7)?),
                duplicates: to_usize(r.get(8)?),
                conflicts: to_usize(r.get(9)?),
            });
        }
        Ok(out)
    }

    /// Stored ledgers rows.
    pub fn ledger_rows(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM ledger_rows", [], |r| r.get(0))?;
        Ok(to_usize(n))
    }
}

/// The current time, whole seconds (the import record's date).
fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Timestamp::from_unix_seconds(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn insert_import(
    tx: &rusqlite::Transaction<'_>,
    outcome: &FileOutcome,
    kind: ExportKind,
    now: Timestamp,
    file: &LedgersFile,
) -> Result<i64, StoreError> {
    insert_import_record(
        tx,
        outcome,
        kind,
        now,
        file.columns.bits(),
        &file.extra_columns,
    )
}

fn insert_import_record(
    tx: &rusqlite::Transaction<'_>,
    outcome: &FileOutcome,
    kind: ExportKind,
    now: Timestamp,
    columns: u16,
    extra_columns: &[String],
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO imports (file, sha256, kind, imported_at, columns, extra_columns, rows, added,
             present, duplicates, conflicts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            outcome.file,
            outcome.sha256,
            kind.report_name(),
            now.unix_seconds(),
            i64::from(columns),
            serde_json::to_string(extra_columns).unwrap_or_else(|_| "[]".to_owned()),
            to_i64(outcome.rows),
            to_i64(outcome.added),
            to_i64(outcome.present),
            to_i64(outcome.duplicates),
            to_i64(outcome.conflicts),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Text of an optional decimal, as printed (trades rows).
fn text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A value to bind: text borrowed from the parsed file (no copy before SQLite's own), or any
/// value.
#[derive(Debug)]
enum Param<'r> {
    Text(&'r str),
    Value(rusqlite::types::Value),
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Self::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Self::Value(value) => ToSqlOutput::Borrowed(ValueRef::from(value)),
        })
    }
}

/// Rows per INSERT statement: one statement step stores this many rows.
const BATCH: usize = 128;

/// The columns of `ledger_rows` an import writes, in order.
const INSERT_COLUMNS: [&str; 14] = [
    "import_id",
    "line",
    "txid",
    "refid",
    "time",
    "chain",
    "kind",
    "amount",
    "fee",
    "balance",
    "amount_usd",
    "fee_usd",
    "balance_usd",
    "extra",
];

/// `INSERT INTO ledger_rows (…) VALUES (?, …), …` for `rows` rows.
fn insert_sql(rows: usize) -> String {
    let one = format!("({})", vec!["?"; INSERT_COLUMNS.len()].join(","));
    format!(
        "INSERT INTO ledger_rows ({}) VALUES {}",
        INSERT_COLUMNS.join(","),
        vec![one; rows].join(",")
    )
}

/// The values a row shares with many: its chain, and what `ledger_kinds` holds.
type KindKey<'r> = (i64, &'r str, &'r str, &'r str, &'r str, &'r str, &'r str);

/// A [`KindKey`] owned.
type OwnedKindKey = (i64, String, String, String, String, String, String);

/// The ids of chains and kinds, stored ones loaded first, new ones stored as met.
struct Interner<'r> {
    chains: HashMap<(String, String), i64>,
    kinds: HashMap<KindKey<'r>, i64>,
    stored_kinds: HashMap<OwnedKindKey, i64>,
}

impl<'r> Interner<'r> {
    fn load(tx: &rusqlite::Transaction<'_>) -> Result<Self, StoreError> {
        let mut chains = HashMap::new();
        let mut stmt = tx.prepare("SELECT id, asset_norm, wallet FROM ledger_chains")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            chains.insert((r.get(1)?, r.get(2)?), r.get(0)?);
        }
        let mut stored_kinds = HashMap::new();
        let mut stmt = tx.prepare(
            "SELECT id, chain, type, subtype, aclass, subclass, asset, fee_currency
             FROM ledger_kinds",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key = (
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            );
            stored_kinds.insert(key, r.get(0)?);
        }
        Ok(Self {
            chains,
            kinds: HashMap::new(),
            stored_kinds,
        })
    }

    fn chain(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        asset_norm: &str,
        wallet: &str,
    ) -> Result<i64, StoreError> {
        let key = (asset_norm.to_owned(), wallet.to_owned());
        if let Some(&id) = self.chains.get(&key) {
            return Ok(id);
        }
        tx.execute(
            "INSERT INTO ledger_chains (asset_norm, wallet) VALUES (?1, ?2)",
            params![asset_norm, wallet],
        )?;
        let id = tx.last_insert_rowid();
        self.chains.insert(key, id);
        Ok(id)
    }

    fn kind(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        key: KindKey<'r>,
    ) -> Result<i64, StoreError> {
        if let Some(&id) = self.kinds.get(&key) {
            return Ok(id);
        }
        let (chain, kind, subtype, aclass, subclass, asset, fee_currency) = key;
        let owned = (
            chain,
            kind.to_owned(),
            subtype.to_owned(),
            aclass.to_owned(),
            subclass.to_owned(),
            asset.to_owned(),
            fee_currency.to_owned(),
        );
        let id = match self.stored_kinds.get(&owned) {
            Some(&id) => id,
            None => {
                tx.execute(
                    "INSERT INTO ledger_kinds (chain, type, subtype, aclass, subclass, asset,
                         fee_currency)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![chain, kind, subtype, aclass, subclass, asset, fee_currency],
                )?;
                tx.last_insert_rowid()
            }
        };
        self.kinds.insert(key, id);
        Ok(id)
    }
}

/// The monthly-totals key of a row (settled rows only: request rows move no balance).
fn month_key(file: &LedgersFile, row: &LedgerRow) -> Option<MonthKey> {
    let wallet = if file.columns.contains(LedgerColumn::Wallet) {
        row.wallet.as_str()
    } else {
        DEFAULT_WALLET
    };
    (!row.txid.is_empty()).then(|| {
        (
            asset::normalize(&row.asset).normalized(),
            wallet.to_owned(),
            row.r#type.to_string(),
            row.subtype.to_string(),
            month_start(row.time),
        )
    })
}

/// Rows stored by [`insert_ledger_rows`]: their monthly counts and sums, to add to the stored
/// ones, and whether the indexes were dropped (to build once the rows are all in).
struct Inserted {
    monthly: HashMap<MonthKey, (i64, Decimal, Decimal)>,
    rebuild_indexes: bool,
}

/// Stores rows, in the order given, and sums them by month.
fn insert_ledger_rows(
    tx: &rusqlite::Transaction<'_>,
    all: &[LedgersFile],
    new_rows: &[RowIndex],
    import_ids: &HashMap<usize, i64>,
    progress: &mut dyn FnMut(ImportStage),
) -> Result<Inserted, StoreError> {
    use rusqlite::types::Value;
    // Into an empty table, rows go in without indexes and the indexes are built once after,
    // sorted, which is several times faster than keeping them up to date row by row.
    let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM ledger_rows)", [], |r| {
        r.get(0)
    })?;
    if empty {
        tx.execute_batch(
            "DROP INDEX ledger_by_time; DROP INDEX ledger_by_chain; DROP INDEX ledger_by_refid;",
        )?;
    }
    let mut batch = tx.prepare(&insert_sql(BATCH))?;
    let mut interner = Interner::load(tx)?;
    // Normalised spellings, by spelling; monthly sums keyed by borrowed values, turned into
    // owned keys once per key rather than once per row.
    let mut spellings: HashMap<&str, usize> = HashMap::new();
    let mut normalized: Vec<String> = Vec::new();
    type Borrowed<'r> = (usize, &'r str, &'r str, &'r str, i64);
    let mut sums: HashMap<Borrowed<'_>, (i64, Decimal, Decimal)> = HashMap::new();
    let total = new_rows.len();
    let mut values: Vec<Param<'_>> = Vec::with_capacity(BATCH * INSERT_COLUMNS.len());
    let mut last_kind: Option<(KindKey<'_>, i64)> = None;
    // Chain ids by spelling and wallet as borrowed from the rows (no key to build per row).
    let mut chain_ids: HashMap<(usize, &str), i64> = HashMap::new();
    for (n, at) in new_rows.iter().enumerate() {
        if n % 65_536 == 0 {
            progress(ImportStage::Storing { done: n, total });
        }
        let file = &all[at.file as usize];
        let imported = &file.rows[at.row as usize];
        let row = &imported.row;
        let asset_index = *spellings.entry(row.asset.as_str()).or_insert_with(|| {
            normalized.push(asset::normalize(&row.asset).normalized());
            normalized.len() - 1
        });
        let wallet = if file.columns.contains(LedgerColumn::Wallet) {
            row.wallet.as_str()
        } else {
            DEFAULT_WALLET
        };
        let extra = if file.extra_columns.is_empty() {
            Param::Value(Value::Null)
        } else {
            let object: serde_json::Map<String, serde_json::Value> = file
                .extras(imported)
                .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
                .collect();
            Param::Value(Value::Text(serde_json::Value::Object(object).to_string()))
        };
        let chain = match chain_ids.get(&(asset_index, wallet)) {
            Some(&id) => id,
            None => {
                let id = interner.chain(tx, &normalized[asset_index], wallet)?;
                chain_ids.insert((asset_index, wallet), id);
                id
            }
        };
        let key: KindKey<'_> = (
            chain,
            row.r#type.as_str(),
            row.subtype.as_str(),
            row.aclass.as_str(),
            row.subclass.as_str(),
            row.asset.as_str(),
            row.fee_currency.as_str(),
        );
        let kind = match last_kind {
            Some((last, id)) if last == key => id,
            _ => {
                let id = interner.kind(tx, key)?;
                last_kind = Some((key, id));
                id
            }
        };
        let import_id = import_ids.get(&(at.file as usize)).copied().unwrap_or(0);
        let optional = |d: Option<Decimal>| Param::Value(d.map_or(Value::Null, money_value));
        values.extend([
            Param::Value(Value::Integer(import_id)),
            Param::Value(Value::Integer(i64::from(imported.line))),
            Param::Text(&row.txid),
            Param::Text(&row.refid),
            Param::Value(Value::Integer(row.time.ticks())),
            Param::Value(Value::Integer(chain)),
            Param::Value(Value::Integer(kind)),
            Param::Value(money_value(row.amount)),
            Param::Value(money_value(row.fee)),
            optional(row.balance),
            optional(row.amount_usd),
            optional(row.fee_usd),
            optional(row.balance_usd),
            extra,
        ]);
        if values.len() == BATCH * INSERT_COLUMNS.len() {
            for (i, value) in values.drain(..).enumerate() {
                batch.raw_bind_parameter(i + 1, value)?;
            }
            batch.raw_execute()?;
        }
        // Request rows move no balance: they are not in the totals.
        if !row.txid.is_empty() {
            let key = (
                asset_index,
                wallet,
                row.r#type.as_str(),
                row.subtype.as_str(),
                month_start(row.time),
            );
            let sum = sums.entry(key).or_insert((0, Decimal::ZERO, Decimal::ZERO));
            sum.0 += 1;
            sum.1 += row.amount;
            sum.2 += row.fee;
        }
    }
    if !values.is_empty() {
        let mut rest = tx.prepare(&insert_sql(values.len() / INSERT_COLUMNS.len()))?;
        rest.execute(rusqlite::params_from_iter(values.drain(..)))?;
    }
    progress(ImportStage::Storing { done: total, total });
    let monthly = sums
        .into_iter()
        .map(|((asset, wallet, kind, subtype, month), sum)| {
            let key = (
                normalized[asset].clone(),
                wallet.to_owned(),
                kind.to_owned(),
                subtype.to_owned(),
                month,
            );
            (key, sum)
        })
        .collect();
    Ok(Inserted {
        monthly,
        rebuild_indexes: empty,
    })
}

/// Adds monthly counts and sums to the stored ones.
fn add_monthly(
    tx: &rusqlite::Transaction<'_>,
    monthly: HashMap<MonthKey, (i64, Decimal, Decimal)>,
) -> Result<(), StoreError> {
    let mut get = tx.prepare(
        "SELECT count, amount, fee FROM monthly
         WHERE asset = ?1 AND wallet = ?2 AND type = ?3 AND subtype = ?4 AND month = ?5",
    )?;
    let mut put = tx.prepare(
        "INSERT OR REPLACE INTO monthly (asset, wallet, type, subtype, month, count, amount, fee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for ((asset, wallet, kind, subtype, month), (count, amount, fee)) in monthly {
        let before: Option<(i64, String, String)> = get
            .query_row(params![asset, wallet, kind, subtype, month], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let (count, amount, fee) = match before {
            Some((c, a, f)) => (c + count, decimal(&a)? + amount, decimal(&f)? + fee),
            None => (count, amount, fee),
        };
        put.execute(params![
            asset,
            wallet,
            kind,
            subtype,
            month,
            count,
            amount.to_string(),
            fee.to_string()
        ])?;
    }
    Ok(())
}

/// Stores the duplicates and conflicts found in the new files, with the import that found them.
fn insert_findings(
    tx: &rusqlite::Transaction<'_>,
    report: &IntegrityReport,
    new: &[LedgersFile],
    import_ids: &HashMap<usize, i64>,
) -> Result<(), StoreError> {
    let stored = import_ids.keys().min().copied().unwrap_or(0);
    let import_of = |r: &RowRef| {
        new.iter()
            .position(|f| Arc::ptr_eq(&f.file, &r.file))
            .and_then(|k| import_ids.get(&(stored + k)).copied())
    };
    let mut stmt = tx.prepare(
        "INSERT INTO findings (import_id, kind, file, line, txid, first_file, first_line,
             first_txid, identical, columns)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let findings = report
        .duplicates
        .iter()
        .map(|d| ("duplicate", &d.row, &d.first, d.identical, String::new()))
        .chain(
            report
                .conflicts
                .iter()
                .map(|c| ("conflict", &c.row, &c.first, false, c.columns.join(","))),
        );
    for (kind, row, first, identical, columns) in findings {
        let Some(import_id) = import_of(row) else {
            continue;
        };
        stmt.execute(params![
            import_id,
            kind,
            &*row.file,
            row.line,
            row.txid,
            &*first.file,
            first.line,
            first.txid,
            identical,
            columns,
        ])?;
    }
    Ok(())
}

/// Stores a trades file's new rows; returns (added, already present, duplicates in the file).
fn insert_trades(
    tx: &rusqlite::Transaction<'_>,
    file: &TradesFile,
    outcome: &FileOutcome,
    now: Timestamp,
) -> Result<(usize, usize, usize), StoreError> {
    let import_id =
        insert_import_record(tx, outcome, ExportKind::Trades, now, 0, &file.extra_columns)?;
    let mut exists = tx.prepare("SELECT import_id FROM trades WHERE txid = ?1")?;
    let mut stmt = tx.prepare(
        "INSERT INTO trades (import_id, line, txid, ordertxid, pair, aclass, subclass, time, type,
             ordertype, price, cost, fee, vol, margin, misc, ledgers, postxid, posstatus, cprice,
             ccost, cfee, cvol, cmargin, net, cost_usd, trades, extra)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
    )?;
    let (mut added, mut present, mut duplicates) = (0, 0, 0);
    for imported in &file.rows {
        let row = &imported.row;
        let earlier: Option<i64> = exists.query_row([&row.txid], |r| r.get(0)).optional()?;
        match earlier {
            Some(id) if id == import_id => {
                duplicates += 1;
                continue;
            }
            Some(_) => {
                present += 1;
                continue;
            }
            None => {}
        }
        let extra = if file.extra_columns.is_empty() {
            None
        } else {
            let object: serde_json::Map<String, serde_json::Value> = file
                .extra_columns
                .iter()
                .zip(&imported.extra)
                .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                .collect();
            Some(serde_json::Value::Object(object).to_string())
        };
        stmt.execute(params![
            import_id,
            imported.line,
            row.txid,
            row.ordertxid,
            row.pair,
            row.aclass,
            row.subclass,
            row.time.ticks(),
            row.r#type,
            row.ordertype,
            row.price.to_string(),
            row.cost.to_string(),
            row.fee.to_string(),
            row.vol.to_string(),
            row.margin.to_string(),
            row.misc,
            row.ledgers.join(","),
            row.postxid,
            row.posstatus,
            text(row.cprice),
            text(row.ccost),
            text(row.cfee),
            text(row.cvol),
            text(row.cmargin),
            text(row.net),
            text(row.cost_usd),
            row.trades.join(","),
            extra,
        ])?;
        added += 1;
    }
    tx.execute(
        "UPDATE imports SET added = ?1, present = ?2, duplicates = ?3 WHERE id = ?4",
        params![
            to_i64(added),
            to_i64(present),
            to_i64(duplicates),
            import_id
        ],
    )?;
    Ok((added, present, duplicates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_packs_and_reads_back_exactly_with_its_scale() {
        let conn = Connection::open_in_memory().expect("db");
        for text in [
            "0",
            "0.0000",
            "-0.0000",
            "1.2345000000",
            "-20691.0093",
            "123456789012.3456789012",
            "79228162514264337593543950335",
            "-0.0000000000000000000000000001",
        ] {
            let d = decimal(text).expect("decimal");
            let back: Decimal = conn
                .query_row("SELECT ?1", [money_value(d)], |r| {
                    Ok(money(r, 0).expect("money"))
                })
                .expect("query");
            assert_eq!(back.to_string(), d.to_string(), "{text}");
        }
    }

    /// A workspace of schema 1 (text money, every column on the row) opens with its rows intact.
    #[test]
    fn a_schema_1_workspace_is_migrated() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).expect("db");
            conn.execute_batch(MIGRATIONS[0]).expect("schema 1");
            conn.execute_batch(
                "INSERT INTO imports VALUES (1, 'old.csv', 'ab', 'ledgers', 0, 4095, '[]', 1, 1, 0,
                     0, 0);
                 INSERT INTO ledger VALUES (1, 1, 2, 'LA', 'RA', 17000000000000, 'deposit', '',
                     'currency', 'crypto', 'XXBT', 'BTC', 'spot / main', '1.2500000000', '0',
                     '1.2500000000', NULL, NULL, NULL, '', NULL);
                 INSERT INTO monthly VALUES ('BTC', 'spot / main', 'deposit', '', 1698796800, 1,
                     '1.2500000000', '0');
                 PRAGMA user_version = 1;",
            )
            .expect("rows");
        }
        let ws = Workspace::open(&path).expect("open");
        let page = ws.page(&crate::Filter::default(), 0, 10).expect("page");
        assert_eq!(page.total, 1);
        let row = &page.rows[0].row;
        assert_eq!(
            (row.txid.as_str(), row.asset.as_str(), row.wallet.as_str()),
            ("LA", "XXBT", "spot / main")
        );
        assert_eq!(row.amount.to_string(), "1.2500000000");
        assert_eq!(page.rows[0].asset, "BTC");
        let report = ws.check().expect("check");
        assert!(report.holds());
        assert_eq!(report.chains.len(), 1);
    }
}
