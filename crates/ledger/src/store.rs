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
//! Into an empty workspace, the rows of the new files are written as they are read (the files
//! read on another thread, handing rows over in chunks), then checked on another thread while
//! the indexes are built; the rows the check does not count (a txid again) are deleted before
//! the commit. The same rows end up stored as when the check decides first, sooner; a bad line
//! anywhere still rolls back everything.
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
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::asset;
use crate::check::{self, Conflict, DEFAULT_WALLET, Duplicate, IntegrityReport, RowIndex, RowRef};
use crate::export::ExportKind;
use crate::import::{
    Export, ImportError, ImportWarning, ImportedLedgerRow, LedgerColumns, LedgersFile, ReadOptions,
    TradesFile, UnknownValue, read_export, read_export_in_chunks, unknown_values,
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
        if fresh.is_empty() {
            return Ok(ImportOutcome {
                files: outcomes,
                report: None,
            });
        }

        // What earlier imports found, for the report of the whole workspace.
        let earlier_findings = self.findings()?;
        let empty = self.ledger_rows()? == 0;
        // Into an empty store, a rollback journal holds next to nothing (new pages are not
        // journaled), where the WAL would take every page once more before the checkpoint
        // copies it: same atomicity, half the writing. Back to WAL after the commit.
        let bulk = empty
            && self
                .conn
                .pragma_update_and_check(None, "journal_mode", "TRUNCATE", |r| {
                    r.get::<_, String>(0)
                })
                .is_ok_and(|mode| mode.eq_ignore_ascii_case("truncate"));
        let mut import = Import {
            fresh: &fresh,
            outcomes: &mut outcomes,
            options,
            now,
            progress,
        };
        let report = if empty {
            import.streaming(&mut self.conn)
        } else {
            import.checked_first(&mut self.conn)
        };
        if bulk {
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        }
        let report = report?.map(|mut report| {
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
        stored_files(&self.conn)
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
/// See [`Workspace::stored_files`].
fn stored_files(conn: &Connection) -> Result<Vec<LedgersFile>, StoreError> {
    let mut files: Vec<LedgersFile> = Vec::new();
    let mut by_import: HashMap<i64, usize> = HashMap::new();
    let mut stmt =
        conn.prepare("SELECT id, file, columns FROM imports WHERE kind = 'ledgers' ORDER BY id")?;
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
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM ledger_rows", [], |r| r.get(0))?;
    if let Some(first) = files.first_mut() {
        first.rows.reserve(to_usize(count));
    }
    let mut stmt = conn.prepare(&format!(
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

/// What `ledger_kinds` holds of a row: its chain, type, subtype, asset class and subclass, the
/// asset as spelled and the fee currency.
type KindKey = (
    i64,
    CompactString,
    CompactString,
    CompactString,
    CompactString,
    CompactString,
    CompactString,
);

/// The ids of chains and kinds, stored ones loaded first, new ones stored as met.
struct Interner {
    chains: FxHashMap<(CompactString, CompactString), i64>,
    kinds: FxHashMap<KindKey, i64>,
}

impl Interner {
    fn load(tx: &rusqlite::Transaction<'_>) -> Result<Self, StoreError> {
        let text = |r: &rusqlite::Row<'_>, i| -> rusqlite::Result<CompactString> {
            Ok(CompactString::from(r.get_ref(i)?.as_str()?))
        };
        let mut chains = FxHashMap::default();
        let mut stmt = tx.prepare("SELECT id, asset_norm, wallet FROM ledger_chains")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            chains.insert((text(r, 1)?, text(r, 2)?), r.get(0)?);
        }
        let mut kinds = FxHashMap::default();
        let mut stmt = tx.prepare(
            "SELECT id, chain, type, subtype, aclass, subclass, asset, fee_currency
             FROM ledger_kinds",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key = (
                r.get(1)?,
                text(r, 2)?,
                text(r, 3)?,
                text(r, 4)?,
                text(r, 5)?,
                text(r, 6)?,
                text(r, 7)?,
            );
            kinds.insert(key, r.get(0)?);
        }
        Ok(Self { chains, kinds })
    }

    fn chain(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        asset_norm: &str,
        wallet: &str,
    ) -> Result<i64, StoreError> {
        let key = (CompactString::from(asset_norm), CompactString::from(wallet));
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

    fn kind(&mut self, tx: &rusqlite::Transaction<'_>, key: &KindKey) -> Result<i64, StoreError> {
        if let Some(&id) = self.kinds.get(key) {
            return Ok(id);
        }
        let (chain, kind, subtype, aclass, subclass, asset, fee_currency) = key;
        tx.execute(
            "INSERT INTO ledger_kinds (chain, type, subtype, aclass, subclass, asset, fee_currency)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                chain,
                kind.as_str(),
                subtype.as_str(),
                aclass.as_str(),
                subclass.as_str(),
                asset.as_str(),
                fee_currency.as_str()
            ],
        )?;
        let id = tx.last_insert_rowid();
        self.kinds.insert(key.clone(), id);
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

/// What [`RowWriter`] stored: how many rows, their monthly counts and sums (to add to the stored
/// ones), and whether the indexes were dropped (to build once the rows are all in).
struct Inserted {
    rows: usize,
    monthly: HashMap<MonthKey, (i64, Decimal, Decimal)>,
    rebuild_indexes: bool,
}

/// A month's sums of a chain's rows of one type and subtype, by the asset's place in
/// [`RowWriter::normalized`].
type SumKey = (usize, CompactString, CompactString, CompactString, i64);

/// Writes ledger rows into `ledger_rows` in the order given, [`BATCH`] rows per statement, with
/// the ids of their chain and kind (interned as met), and sums the settled ones by month.
///
/// Into an empty table the indexes are dropped before the first row and
/// [`Inserted::rebuild_indexes`] says to build them once all rows are in: sorted once, several
/// times faster than kept up to date row by row.
struct RowWriter<'t, 'c> {
    tx: &'t rusqlite::Transaction<'c>,
    batch: rusqlite::Statement<'t>,
    interner: Interner,
    /// Normalised spellings, by spelling.
    spellings: FxHashMap<CompactString, usize>,
    normalized: Vec<String>,
    /// Chain ids by spelling (its place in `normalized`) and wallet.
    chain_ids: FxHashMap<(usize, CompactString), i64>,
    last_kind: Option<(KindKey, i64)>,
    sums: FxHashMap<SumKey, (i64, Decimal, Decimal)>,
    /// Rows written.
    rows: usize,
    rebuild_indexes: bool,
}

impl<'t, 'c> RowWriter<'t, 'c> {
    fn new(tx: &'t rusqlite::Transaction<'c>) -> Result<Self, StoreError> {
        let empty: bool =
            tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM ledger_rows)", [], |r| {
                r.get(0)
            })?;
        if empty {
            tx.execute_batch(
                "DROP INDEX IF EXISTS ledger_by_time; DROP INDEX IF EXISTS ledger_by_chain;
                 DROP INDEX IF EXISTS ledger_by_refid;",
            )?;
        }
        Ok(Self {
            tx,
            batch: tx.prepare(&insert_sql(BATCH))?,
            interner: Interner::load(tx)?,
            spellings: FxHashMap::default(),
            normalized: Vec::new(),
            chain_ids: FxHashMap::default(),
            last_kind: None,
            sums: FxHashMap::default(),
            rows: 0,
            rebuild_indexes: empty,
        })
    }

    /// Writes `rows` of `file`, in order, for the import `import_id`.
    fn write<'r>(
        &mut self,
        file: &LedgersFile,
        rows: impl Iterator<Item = &'r ImportedLedgerRow>,
        import_id: i64,
    ) -> Result<(), StoreError> {
        let mut pending: Vec<&ImportedLedgerRow> = Vec::with_capacity(BATCH);
        for imported in rows {
            pending.push(imported);
            if pending.len() == BATCH {
                self.store(file, &pending, import_id)?;
                pending.clear();
            }
        }
        if !pending.is_empty() {
            self.store(file, &pending, import_id)?;
        }
        Ok(())
    }

    /// Stores up to [`BATCH`] rows in one statement.
    fn store(
        &mut self,
        file: &LedgersFile,
        rows: &[&ImportedLedgerRow],
        import_id: i64,
    ) -> Result<(), StoreError> {
        use rusqlite::types::Value;
        let wallet_known = file.columns.contains(LedgerColumn::Wallet);
        let mut tail = if rows.len() == BATCH {
            None
        } else {
            Some(self.tx.prepare(&insert_sql(rows.len()))?)
        };
        for (n, imported) in rows.iter().enumerate() {
            let row = &imported.row;
            let asset_index = match self.spellings.get(row.asset.as_str()) {
                Some(&i) => i,
                None => {
                    self.normalized
                        .push(asset::normalize(&row.asset).normalized());
                    self.spellings
                        .insert(row.asset.clone(), self.normalized.len() - 1);
                    self.normalized.len() - 1
                }
            };
            let wallet = if wallet_known {
                row.wallet.clone()
            } else {
                CompactString::const_new(DEFAULT_WALLET)
            };
            let chain = match self.chain_ids.get(&(asset_index, wallet.clone())) {
                Some(&id) => id,
                None => {
                    let id =
                        self.interner
                            .chain(self.tx, &self.normalized[asset_index], &wallet)?;
                    self.chain_ids.insert((asset_index, wallet.clone()), id);
                    id
                }
            };
            let key: KindKey = (
                chain,
                row.r#type.clone(),
                row.subtype.clone(),
                row.aclass.clone(),
                row.subclass.clone(),
                row.asset.clone(),
                row.fee_currency.clone(),
            );
            let kind = match &self.last_kind {
                Some((last, id)) if *last == key => *id,
                _ => {
                    let id = self.interner.kind(self.tx, &key)?;
                    self.last_kind = Some((key, id));
                    id
                }
            };
            let extra = (!file.extra_columns.is_empty()).then(|| {
                let object: serde_json::Map<String, serde_json::Value> = file
                    .extras(imported)
                    .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
                    .collect();
                serde_json::Value::Object(object).to_string()
            });
            let optional = |d: Option<Decimal>| d.map_or(Value::Null, money_value);
            let statement = tail.as_mut().unwrap_or(&mut self.batch);
            let at = n * INSERT_COLUMNS.len();
            statement.raw_bind_parameter(at + 1, import_id)?;
            statement.raw_bind_parameter(at + 2, imported.line)?;
            statement.raw_bind_parameter(at + 3, row.txid.as_str())?;
            statement.raw_bind_parameter(at + 4, row.refid.as_str())?;
            statement.raw_bind_parameter(at + 5, row.time.ticks())?;
            statement.raw_bind_parameter(at + 6, chain)?;
            statement.raw_bind_parameter(at + 7, kind)?;
            statement.raw_bind_parameter(at + 8, money_value(row.amount))?;
            statement.raw_bind_parameter(at + 9, money_value(row.fee))?;
            statement.raw_bind_parameter(at + 10, optional(row.balance))?;
            statement.raw_bind_parameter(at + 11, optional(row.amount_usd))?;
            statement.raw_bind_parameter(at + 12, optional(row.fee_usd))?;
            statement.raw_bind_parameter(at + 13, optional(row.balance_usd))?;
            statement.raw_bind_parameter(at + 14, extra)?;
            // Request rows move no balance: they are not in the totals.
            if !row.txid.is_empty() {
                let key = (
                    asset_index,
                    wallet,
                    row.r#type.clone(),
                    row.subtype.clone(),
                    month_start(row.time),
                );
                let sum = self
                    .sums
                    .entry(key)
                    .or_insert((0, Decimal::ZERO, Decimal::ZERO));
                sum.0 += 1;
                sum.1 += row.amount;
                sum.2 += row.fee;
            }
        }
        tail.as_mut().unwrap_or(&mut self.batch).raw_execute()?;
        self.rows += rows.len();
        Ok(())
    }

    /// The rows written and their monthly sums.
    fn finish(self) -> Result<Inserted, StoreError> {
        let normalized = self.normalized;
        let monthly = self
            .sums
            .into_iter()
            .map(|((asset, wallet, kind, subtype, month), sum)| {
                let key = (
                    normalized[asset].clone(),
                    wallet.to_string(),
                    kind.to_string(),
                    subtype.to_string(),
                    month,
                );
                (key, sum)
            })
            .collect();
        Ok(Inserted {
            rows: self.rows,
            monthly,
            rebuild_indexes: self.rebuild_indexes,
        })
    }
}

/// Rows handed from the thread reading the files to the one writing them, in this order per
/// file: `Start`, its chunks, `Done`.
enum Read {
    /// Reading file `n` of the new files starts.
    Start(usize),
    /// The next rows of the file being read.
    Chunk(LedgersFile),
    /// The file is read: what is known once all rows are (a ledgers file without its rows).
    Done(Result<Export, ImportError>),
}

/// Rows per chunk handed from reading to writing: a whole number of INSERT statements.
const CHUNK_ROWS: usize = BATCH * 128;

/// One import of new files (see [`Workspace::import_with`]).
struct Import<'a, 's> {
    /// The files to read, with their place in `outcomes`.
    fresh: &'a [(usize, &'a SourceFile<'s>)],
    outcomes: &'a mut [FileOutcome],
    options: ReadOptions,
    now: Timestamp,
    progress: &'a mut dyn FnMut(ImportStage),
}

impl Import<'_, '_> {
    /// Into an empty store: every row of the new files is written as it is read (reading on
    /// another thread), then checked while the indexes are built; the rows the check does not
    /// count (a txid again) are deleted before the commit. Nothing was stored to check against,
    /// so the same rows end up stored as when the check decides first, sooner.
    fn streaming(&mut self, conn: &mut Connection) -> Result<Option<IntegrityReport>, StoreError> {
        let tx = conn.transaction()?;
        let first_id: i64 = tx.query_row(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_rows",
            [],
            |r| r.get(0),
        )?;
        let mut writer = RowWriter::new(&tx)?;
        // Ledgers files in the order read, with their place in `outcomes` and import id.
        let mut ledgers: Vec<(usize, LedgersFile, i64)> = Vec::new();
        let mut trades: Vec<(usize, TradesFile)> = Vec::new();
        let fresh = self.fresh;
        let options = self.options;
        // Line breaks of each csv file: at least its rows (room to reserve, and the progress
        // shown); none known for a zip before it is unpacked.
        let breaks: Vec<usize> = fresh
            .iter()
            .map(|(_, s)| if is_zip(s) { 0 } else { line_breaks(s.bytes) })
            .collect();
        let expected: usize = breaks.iter().sum();
        let (send, receive) = std::sync::mpsc::sync_channel::<Read>(4);
        std::thread::scope(|scope| -> Result<(), StoreError> {
            scope.spawn(move || {
                for (n, (_, source)) in fresh.iter().enumerate() {
                    if send.send(Read::Start(n)).is_err() {
                        return;
                    }
                    let read = read_export_in_chunks(
                        source.name,
                        source.bytes,
                        options,
                        CHUNK_ROWS,
                        &mut |chunk| {
                            // A closed channel: the writer failed and rolls back.
                            let _ = send.send(Read::Chunk(chunk));
                        },
                    );
                    let failed = read.is_err();
                    if send.send(Read::Done(read)).is_err() || failed {
                        return;
                    }
                }
            });
            // The receiver is dropped on any early return, so the reader never waits on it.
            let mut current: Option<(usize, Vec<ImportedLedgerRow>, Option<i64>)> = None;
            let mut written = 0_usize;
            let mut shown = 0_usize;
            for message in receive {
                match message {
                    Read::Start(n) => {
                        (self.progress)(ImportStage::Reading {
                            index: n,
                            files: fresh.len(),
                            name: fresh[n].1.name.to_owned(),
                        });
                        current = Some((n, Vec::with_capacity(breaks[n]), None));
                    }
                    Read::Chunk(mut chunk) => {
                        let Some((n, rows, import_id)) = current.as_mut() else {
                            continue;
                        };
                        let id = match *import_id {
                            Some(id) => id,
                            None => {
                                let outcome = &self.outcomes[fresh[*n].0];
                                let id = insert_import(
                                    &tx,
                                    outcome,
                                    ExportKind::Ledgers,
                                    self.now,
                                    &chunk,
                                )?;
                                *import_id = Some(id);
                                id
                            }
                        };
                        writer.write(&chunk, chunk.rows.iter(), id)?;
                        written += chunk.rows.len();
                        rows.append(&mut chunk.rows);
                        if written - shown >= 65_536 {
                            shown = written;
                            (self.progress)(ImportStage::Storing {
                                done: written,
                                total: expected.max(written),
                            });
                        }
                    }
                    Read::Done(read) => {
                        let Some((n, rows, import_id)) = current.take() else {
                            continue;
                        };
                        let i = fresh[n].0;
                        let export = read?;
                        let outcome = &mut self.outcomes[i];
                        outcome.kind = Some(export.kind());
                        outcome.warnings = export.warnings().to_vec();
                        match export {
                            Export::Ledgers(mut file) => {
                                file.rows = rows;
                                outcome.rows = file.rows.len();
                                let id = match import_id {
                                    Some(id) => id,
                                    None => insert_import(
                                        &tx,
                                        outcome,
                                        ExportKind::Ledgers,
                                        self.now,
                                        &file,
                                    )?,
                                };
                                ledgers.push((i, file, id));
                            }
                            Export::Trades(file) => {
                                outcome.rows = file.rows.len();
                                trades.push((i, file));
                            }
                        }
                    }
                }
            }
            Ok(())
        })?;
        let inserted = writer.finish()?;
        (self.progress)(ImportStage::Storing {
            done: inserted.rows,
            total: inserted.rows,
        });

        let new_files: Vec<usize> = ledgers.iter().map(|&(i, _, _)| i).collect();
        let import_ids: HashMap<usize, i64> = ledgers
            .iter()
            .enumerate()
            .map(|(k, &(_, _, id))| (k, id))
            .collect();
        let all: Vec<LedgersFile> = ledgers.into_iter().map(|(_, f, _)| f).collect();
        let mut report = None;
        if !all.is_empty() {
            (self.progress)(ImportStage::Checking {
                rows: all.iter().map(|f| f.rows.len()).sum(),
            });
        }
        // The check on another thread while the indexes are built here.
        let (checked, indexed) = std::thread::scope(|scope| {
            let checker = scope.spawn(|| (!all.is_empty()).then(|| check::check(&all)));
            let indexed = if inserted.rebuild_indexes {
                tx.execute_batch(LEDGER_INDEXES)
            } else {
                Ok(())
            };
            let checked = checker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (checked, indexed)
        });
        indexed?;
        let mut monthly = inserted.monthly;
        if let Some(checked) = checked {
            let new_rows = count_outcomes(&all, 0, &new_files, &checked, self.outcomes);
            let written: usize = all.iter().map(|f| f.rows.len()).sum();
            if new_rows.len() < written {
                // The rows written that the check does not count: by position, since ids
                // follow the order written.
                let starts: Vec<usize> = all
                    .iter()
                    .scan(0, |n, f| {
                        let start = *n;
                        *n += f.rows.len();
                        Some(start)
                    })
                    .collect();
                let mut counted = vec![false; written];
                for at in &new_rows {
                    counted[starts[at.file as usize] + at.row as usize] = true;
                }
                let mut delete = tx.prepare("DELETE FROM ledger_rows WHERE id = ?1")?;
                for (f, file) in all.iter().enumerate() {
                    for (r, imported) in file.rows.iter().enumerate() {
                        let position = starts[f] + r;
                        if counted[position] {
                            continue;
                        }
                        delete.execute([first_id + to_i64(position)])?;
                        let row = &imported.row;
                        if let Some(sum) =
                            month_key(file, row).and_then(|key| monthly.get_mut(&key))
                        {
                            sum.0 -= 1;
                            sum.1 -= row.amount;
                            sum.2 -= row.fee;
                        }
                    }
                }
                monthly.retain(|_, sum| sum.0 > 0);
            }
            add_monthly(&tx, monthly)?;
            record_counts(
                &tx,
                &all,
                0,
                &new_files,
                &checked,
                &import_ids,
                self.outcomes,
            )?;
            report = Some(checked);
        }
        self.store_trades(&tx, &trades)?;
        tx.commit()?;
        Ok(report)
    }

    /// Into a store with rows: every new file is read, then checked with what is stored
    /// (stored first), then the rows it counts as new are written.
    fn checked_first(
        &mut self,
        conn: &mut Connection,
    ) -> Result<Option<IntegrityReport>, StoreError> {
        let mut ledgers: Vec<(usize, LedgersFile)> = Vec::new();
        let mut trades: Vec<(usize, TradesFile)> = Vec::new();
        for (n, &(i, source)) in self.fresh.iter().enumerate() {
            (self.progress)(ImportStage::Reading {
                index: n,
                files: self.fresh.len(),
                name: source.name.to_owned(),
            });
            let export = read_export(source.name, source.bytes, self.options)?;
            let outcome = &mut self.outcomes[i];
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
        let mut all = if ledgers.is_empty() {
            Vec::new()
        } else {
            stored_files(conn)?
        };
        let stored = all.len();
        let new_files: Vec<usize> = ledgers.iter().map(|&(i, _)| i).collect();
        all.extend(ledgers.into_iter().map(|(_, f)| f));
        let checked = (!new_files.is_empty()).then(|| {
            (self.progress)(ImportStage::Checking {
                rows: all.iter().map(|f| f.rows.len()).sum(),
            });
            check::check(&all)
        });
        let tx = conn.transaction()?;
        if let Some(checked) = &checked {
            let mut import_ids: HashMap<usize, i64> = HashMap::new();
            for (k, &i) in new_files.iter().enumerate() {
                let file = &all[stored + k];
                let id =
                    insert_import(&tx, &self.outcomes[i], ExportKind::Ledgers, self.now, file)?;
                import_ids.insert(stored + k, id);
            }
            let new_rows = count_outcomes(&all, stored, &new_files, checked, self.outcomes);
            let mut writer = RowWriter::new(&tx)?;
            let total = new_rows.len();
            // The new rows, a run per file (the check lists them in file order).
            let mut start = 0;
            while start < new_rows.len() {
                let f = new_rows[start].file;
                let end = new_rows[start..]
                    .iter()
                    .position(|at| at.file != f)
                    .map_or(new_rows.len(), |n| start + n);
                let file = &all[f as usize];
                let import_id = import_ids.get(&(f as usize)).copied().unwrap_or(0);
                for run in new_rows[start..end].chunks(CHUNK_ROWS) {
                    (self.progress)(ImportStage::Storing {
                        done: writer.rows,
                        total,
                    });
                    let rows = run.iter().map(|at| &file.rows[at.row as usize]);
                    writer.write(file, rows, import_id)?;
                }
                start = end;
            }
            let inserted = writer.finish()?;
            (self.progress)(ImportStage::Storing { done: total, total });
            if inserted.rebuild_indexes {
                tx.execute_batch(LEDGER_INDEXES)?;
            }
            add_monthly(&tx, inserted.monthly)?;
            record_counts(
                &tx,
                &all,
                stored,
                &new_files,
                checked,
                &import_ids,
                self.outcomes,
            )?;
        }
        self.store_trades(&tx, &trades)?;
        tx.commit()?;
        Ok(checked)
    }

    /// Stores the trades files read, each with its import record and counts.
    fn store_trades(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        trades: &[(usize, TradesFile)],
    ) -> Result<(), StoreError> {
        for (i, file) in trades {
            let (added, present, duplicates) =
                insert_trades(tx, file, &self.outcomes[*i], self.now)?;
            let outcome = &mut self.outcomes[*i];
            outcome.added = added;
            outcome.present = present;
            outcome.duplicates = duplicates;
        }
        Ok(())
    }
}

/// A zip by its name or first bytes, as [`read_export`] tells one.
fn is_zip(source: &SourceFile<'_>) -> bool {
    source.name.to_ascii_lowercase().ends_with(".zip") || source.bytes.starts_with(b"PK")
}

fn line_breaks(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The counts of each new file from the check of `all` (the first `stored` files stored before):
/// rows already present, duplicates, conflicts, added. Returns the rows of the new files the
/// check counts, in file order: what is new.
fn count_outcomes(
    all: &[LedgersFile],
    stored: usize,
    new_files: &[usize],
    checked: &IntegrityReport,
    outcomes: &mut [FileOutcome],
) -> Vec<RowIndex> {
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
    new_rows
}

/// Sets each new file's import record to its counts, and stores the duplicates and conflicts
/// found in the new files.
fn record_counts(
    tx: &rusqlite::Transaction<'_>,
    all: &[LedgersFile],
    stored: usize,
    new_files: &[usize],
    checked: &IntegrityReport,
    import_ids: &HashMap<usize, i64>,
    outcomes: &[FileOutcome],
) -> Result<(), StoreError> {
    let mut counts = tx.prepare(
        "UPDATE imports SET rows = ?1, added = ?2, present = ?3, duplicates = ?4, conflicts = ?5
         WHERE id = ?6",
    )?;
    for (k, &i) in new_files.iter().enumerate() {
        let o = &outcomes[i];
        counts.execute(params![
            to_i64(o.rows),
            to_i64(o.added),
            to_i64(o.present),
            to_i64(o.duplicates),
            to_i64(o.conflicts),
            import_ids.get(&(stored + k)).copied().unwrap_or(0),
        ])?;
    }
    drop(counts);
    insert_findings(tx, checked, &all[stored..], import_ids)
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
