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
//! The files are read in full first (a large one in two parts at once); then, holding the write
//! lock (each file's SHA-256 looked up again, in case another connection imported it
//! meanwhile), they are checked with the rows stored, and the rows the check counts as new are
//! encoded into blocks and written, in one transaction: a bad line anywhere stores nothing. Into
//! an empty workspace every row is new unless the check finds one twice, so the rows are written
//! while the check runs on another thread; if it counts fewer, the writing is rolled back to a
//! savepoint and done again with the rows it counts (the progress then counts the rows stored a
//! second time from zero). That transaction uses a rollback journal (new pages are not
//! journaled, where the WAL would write each twice).
//!
//! # Representation
//!
//! Ledger rows are stored in blocks (`ledger_blocks`, see the `codec` module); what many rows
//! share is stored once: the chain (normalised asset and wallet) in `ledger_chains`, and the kind
//! (chain, type, subtype, asset class and subclass, the asset as spelled, fee currency) in
//! `ledger_kinds`. Reviewing decodes them once into a table of rows the workspace keeps until
//! the next import.
//!
//! Money is exact, never REAL: blocks hold a decimal's mantissa and scale, so it reads back with the scale the export printed (`0.0001000000`); the
//! monthly sums are text. Sums are made in Rust with [`Decimal`]. Times are integer ticks
//! ([`Timestamp::ticks`]). The asset is kept as spelled and normalised (`XXBT`, `BTC`); the
//! wallet is the one a chain uses ([`crate::check::DEFAULT_WALLET`] for a file without a
//! `wallet` column). Extra columns are kept with every row (their names once per import), and
//! source file and line with every row.
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous=NORMAL`: a commit is atomic, and a power loss
//! may lose at most the last committed import (never corrupt the file or keep part of one).

pub(crate) mod codec;
pub(crate) mod table;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
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
    Export, ImportError, ImportWarning, ImportedLedgerRow, LedgersFile, ReadOptions, TradesFile,
    read_export,
};
use crate::ledger::{LedgerColumn, LedgerRow};
use crate::time::{Timestamp, civil_from_days, days_from_civil};
use codec::{BLOCK_ROWS, BlockEncoder, BlockRow, decimal, timestamp};
use table::LedgerTable;

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

/// A schema migration: SQL, or SQL then a step in Rust.
enum Migration {
    Sql(&'static str),
    Then(
        &'static str,
        fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>,
    ),
}

/// Schema migrations, in order; `PRAGMA user_version` counts how many have run.
const MIGRATIONS: &[Migration] = &[
    // 1: imports, ledger rows, trades, the stored findings, and the monthly totals.
    Migration::Sql(
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
    ),
    // 2: ledger rows compact: the values many rows share (type, subtype, asset class and
    // subclass, asset, fee currency; normalised asset and wallet) once in `ledger_kinds` and
    // `ledger_chains`, money as a packed integer (see `legacy`); `ledger` becomes a view
    // with the columns of 1, so readers are unchanged.
    Migration::Sql(
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
    ),
    // 3: ledger rows in blocks (see the `codec` module): the rows of 2 re-encoded in storage
    // order, then the row table, its view and its indexes dropped.
    Migration::Then(
        "CREATE TABLE ledger_blocks (
             id INTEGER PRIMARY KEY,
             import_id INTEGER NOT NULL REFERENCES imports(id),
             first_id INTEGER NOT NULL UNIQUE,
             rows INTEGER NOT NULL,
             data BLOB NOT NULL
         );",
        legacy::rows_into_blocks,
    ),
];

/// A workspace: one SQLite database of imported exports (see the module docs).
#[derive(Debug)]
pub struct Workspace {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// The stored ledger rows decoded, once asked for, with the `data_version` they were read
    /// at (another connection's commit changes it); emptied by an import.
    table: RefCell<Option<(i64, Arc<LedgerTable>)>>,
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
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let done = usize::try_from(version)
            .map_err(|_| StoreError::Corrupt("schema version".to_owned()))?;
        if done > MIGRATIONS.len() {
            return Err(StoreError::Corrupt(
                "schema version newer than this build".to_owned(),
            ));
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.unchecked_transaction()?;
            match migration {
                Migration::Sql(sql) => tx.execute_batch(sql)?,
                Migration::Then(sql, step) => {
                    tx.execute_batch(sql)?;
                    step(&tx)?;
                }
            }
            tx.pragma_update(None, "user_version", to_i64(i + 1))?;
            tx.commit()?;
        }
        Ok(Self {
            conn,
            path,
            table: RefCell::new(None),
        })
    }

    /// The stored ledger rows, decoded on first use after opening or importing, and again when
    /// another connection (the CLI next to the app) has committed since.
    pub(crate) fn table(&self) -> Result<Arc<LedgerTable>, StoreError> {
        let version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |r| r.get(0))?;
        if let Some((at, table)) = &*self.table.borrow()
            && *at == version
        {
            return Ok(Arc::clone(table));
        }
        // One read transaction: every table as of one commit.
        let read = self.conn.unchecked_transaction()?;
        let table = Arc::new(LedgerTable::load(&read)?);
        read.commit()?;
        *self.table.borrow_mut() = Some((version, Arc::clone(&table)));
        Ok(table)
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
            let status = match (imported_before(&self.conn, &sha256)?, seen.get(&sha256)) {
                (Some(status), _) => status,
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
        // The decoded rows, if current, spare decoding them again for the check; the rows to
        // review are the stored ones after the import, decoded again when next asked for.
        let cached = self.table.take();
        let report = import.run(&mut self.conn, empty, cached);
        if bulk {
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        }
        let report = report?;
        Ok(ImportOutcome {
            files: outcomes,
            report,
        })
    }

    /// Every stored ledgers row, as the files they came from (rows in file order, extra columns
    /// left out): what [`Workspace::check`] and an import check against.
    pub fn stored_files(&self) -> Result<Vec<LedgersFile>, StoreError> {
        self.table()?.stored_files()
    }

    /// The integrity report of everything stored: the chains, breaks, requests and flags
    /// recomputed from the rows, with the duplicates and conflicts each import found (the rows
    /// themselves are stored once, so only the record shows them).
    pub fn check(&self) -> Result<IntegrityReport, StoreError> {
        let files = self.stored_files()?;
        let mut report = check::check(&files);
        let (duplicates, conflicts) = findings(&self.conn)?;
        report.duplicates = duplicates;
        report.conflicts = conflicts;
        Ok(report)
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
        let n: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(rows), 0) FROM ledger_blocks",
            [],
            |r| r.get(0),
        )?;
        Ok(to_usize(n))
    }
}

/// The duplicates and conflicts every import found, in import order.
fn findings(conn: &Connection) -> Result<(Vec<Duplicate>, Vec<Conflict>), StoreError> {
    let mut stmt = conn.prepare(
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

/// How the file with this SHA-256 was imported before, if it was.
fn imported_before(conn: &Connection, sha256: &str) -> Result<Option<FileStatus>, StoreError> {
    let earlier: Option<(String, i64)> = conn
        .query_row(
            "SELECT file, imported_at FROM imports WHERE sha256 = ?1 ORDER BY id LIMIT 1",
            [sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(earlier.map(|(as_file, at)| FileStatus::AlreadyImported {
        as_file,
        on: Timestamp::from_unix_seconds(at).unwrap_or(Timestamp::UNIX_EPOCH),
    }))
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
    fn load(tx: &Connection) -> Result<Self, StoreError> {
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
        tx: &Connection,
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

    fn kind(&mut self, tx: &Connection, key: &KindKey) -> Result<i64, StoreError> {
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

/// What [`RowWriter`] stored: how many rows, and their monthly counts and sums (to add to the
/// stored ones).
struct Inserted {
    rows: usize,
    monthly: HashMap<MonthKey, (i64, Decimal, Decimal)>,
}

/// A month's sums of a chain's rows of one type and subtype, by the asset's place in
/// [`RowWriter::normalized`].
type SumKey = (usize, CompactString, CompactString, CompactString, i64);

/// Writes ledger rows into `ledger_blocks` in the order given (ids following the stored rows',
/// a block per [`BLOCK_ROWS`] rows of one import), with the ids of their kind (chain and kind
/// interned as met), and sums the settled ones by month.
struct RowWriter<'t> {
    tx: &'t Connection,
    insert: rusqlite::Statement<'t>,
    interner: Interner,
    /// Normalised spellings, by spelling.
    spellings: FxHashMap<CompactString, usize>,
    normalized: Vec<String>,
    /// Chain ids by spelling (its place in `normalized`) and wallet.
    chain_ids: FxHashMap<(usize, CompactString), i64>,
    last_kind: Option<(KindKey, i64)>,
    sums: FxHashMap<SumKey, (i64, Decimal, Decimal)>,
    /// The block being filled: its import, first id and rows.
    block: Option<(i64, i64, BlockEncoder)>,
    /// The id the next row gets.
    next_id: i64,
    /// Rows written.
    rows: usize,
}

impl<'t> RowWriter<'t> {
    fn new(tx: &'t Connection) -> Result<Self, StoreError> {
        let stored: i64 = tx.query_row(
            "SELECT COALESCE(SUM(rows), 0) FROM ledger_blocks",
            [],
            |r| r.get(0),
        )?;
        Ok(Self {
            tx,
            insert: tx.prepare(
                "INSERT INTO ledger_blocks (import_id, first_id, rows, data) VALUES (?1, ?2, ?3, ?4)",
            )?,
            interner: Interner::load(tx)?,
            spellings: FxHashMap::default(),
            normalized: Vec::new(),
            chain_ids: FxHashMap::default(),
            last_kind: None,
            sums: FxHashMap::default(),
            block: None,
            next_id: stored + 1,
            rows: 0,
        })
    }

    /// Writes `rows` of `file`, in order, for the import `import_id`.
    fn write<'r>(
        &mut self,
        file: &LedgersFile,
        rows: impl Iterator<Item = &'r ImportedLedgerRow>,
        import_id: i64,
    ) -> Result<(), StoreError> {
        let wallet_known = file.columns.contains(LedgerColumn::Wallet);
        for imported in rows {
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
            let full = self.block.as_ref().is_some_and(|(import, _, block)| {
                *import != import_id || block.rows() == BLOCK_ROWS
            });
            if full {
                self.flush()?;
            }
            let (_, _, block) = self.block.get_or_insert_with(|| {
                (
                    import_id,
                    self.next_id,
                    BlockEncoder::new(file.extra_columns.len()),
                )
            });
            block.push(&BlockRow {
                line: imported.line,
                time: row.time.ticks(),
                kind,
                row,
                extra: &imported.extra,
            });
            self.next_id += 1;
            self.rows += 1;
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
        Ok(())
    }

    /// Stores the block being filled, if any.
    fn flush(&mut self) -> Result<(), StoreError> {
        if let Some((import, first_id, block)) = self.block.take() {
            let rows = to_i64(block.rows());
            self.insert
                .execute(params![import, first_id, rows, block.finish()])?;
        }
        Ok(())
    }

    /// The rows written and their monthly sums.
    fn finish(mut self) -> Result<Inserted, StoreError> {
        self.flush()?;
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
        })
    }
}

/// Rows per progress report while storing.
const PROGRESS_ROWS: usize = 1 << 16;

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
    /// Reads every new file, checks them with what is stored (stored first), then writes the
    /// rows the check counts as new, in one transaction. `empty`: nothing was stored when the
    /// import began.
    /// `cached`: the workspace's decoded rows and the `data_version` they were read at, used
    /// for the check if still current.
    fn run(
        &mut self,
        conn: &mut Connection,
        empty: bool,
        cached: Option<(i64, Arc<LedgerTable>)>,
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
        // The write lock from here, so the rows checked against are the rows stored when the
        // new ones are written (another connection may import into the same workspace).
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored_rows: i64 = tx.query_row(
            "SELECT COALESCE(SUM(rows), 0) FROM ledger_blocks",
            [],
            |r| r.get(0),
        )?;
        let empty = empty && stored_rows == 0;
        // A file another connection imported since it was looked up is not imported again.
        for i in ledgers
            .iter()
            .map(|&(i, _)| i)
            .chain(trades.iter().map(|&(i, _)| i))
            .collect::<Vec<_>>()
        {
            if let Some(status) = imported_before(&tx, &self.outcomes[i].sha256)? {
                let outcome = &mut self.outcomes[i];
                outcome.status = status;
                outcome.kind = None;
                outcome.rows = 0;
                outcome.warnings.clear();
            }
        }
        let imported =
            |i: usize, outcomes: &[FileOutcome]| outcomes[i].status == FileStatus::Imported;
        ledgers.retain(|&(i, _)| imported(i, self.outcomes));
        trades.retain(|&(i, _)| imported(i, self.outcomes));
        // What earlier imports found, for the report of the whole workspace.
        let earlier_findings = findings(&tx)?;
        let mut all = if ledgers.is_empty() || empty {
            Vec::new()
        } else {
            let version: i64 = tx.pragma_query_value(None, "data_version", |r| r.get(0))?;
            match cached {
                Some((at, table)) if at == version => table.stored_files()?,
                _ => LedgerTable::load(&tx)?.stored_files()?,
            }
        };
        let stored = all.len();
        let new_files: Vec<usize> = ledgers.iter().map(|&(i, _)| i).collect();
        all.extend(ledgers.into_iter().map(|(_, f)| f));
        let mut checked = None;
        if !new_files.is_empty() {
            (self.progress)(ImportStage::Checking {
                rows: all.iter().map(|f| f.rows.len()).sum(),
            });
            let mut import_ids: HashMap<usize, i64> = HashMap::new();
            for (k, &i) in new_files.iter().enumerate() {
                let file = &all[stored + k];
                let id =
                    insert_import(&tx, &self.outcomes[i], ExportKind::Ledgers, self.now, file)?;
                import_ids.insert(stored + k, id);
            }
            let every_row = || {
                all.iter().enumerate().skip(stored).flat_map(|(f, file)| {
                    (0..file.rows.len()).map(move |r| RowIndex {
                        file: f as u32,
                        row: r as u32,
                    })
                })
            };
            // With nothing stored, every row is new unless the check finds it twice: the rows
            // are written while it runs, and written again (from a savepoint) if it did.
            let (report, speculative) = if empty {
                tx.execute_batch("SAVEPOINT speculative")?;
                let total = all[stored..].iter().map(|f| f.rows.len()).sum();
                let (report, written) = std::thread::scope(|scope| {
                    let checker = scope.spawn(|| check::check(&all));
                    let written = self.write_rows(&tx, &all, every_row(), total, &import_ids);
                    let report = checker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (report, written)
                });
                (report, Some(written?))
            } else {
                (check::check(&all), None)
            };
            let new_rows = count_outcomes(&all, stored, &new_files, &report, self.outcomes);
            let inserted = match speculative {
                Some(inserted) if inserted.rows == new_rows.len() => {
                    tx.execute_batch("RELEASE speculative")?;
                    inserted
                }
                other => {
                    if other.is_some() {
                        tx.execute_batch("ROLLBACK TO speculative; RELEASE speculative")?;
                    }
                    let total = new_rows.len();
                    self.write_rows(&tx, &all, new_rows.into_iter(), total, &import_ids)?
                }
            };
            add_monthly(&tx, inserted.monthly)?;
            record_counts(
                &tx,
                &all,
                stored,
                &new_files,
                &report,
                &import_ids,
                self.outcomes,
            )?;
            checked = Some(report);
        }
        self.store_trades(&tx, &trades)?;
        tx.commit()?;
        Ok(checked.map(|mut report| {
            report.duplicates.splice(0..0, earlier_findings.0);
            report.conflicts.splice(0..0, earlier_findings.1);
            report
        }))
    }

    /// Writes the rows `rows` names (`total` of them), with progress; each file's in file order.
    fn write_rows(
        &mut self,
        conn: &Connection,
        all: &[LedgersFile],
        rows: impl Iterator<Item = RowIndex>,
        total: usize,
        import_ids: &HashMap<usize, i64>,
    ) -> Result<Inserted, StoreError> {
        let mut writer = RowWriter::new(conn)?;
        for (n, at) in rows.enumerate() {
            if n % PROGRESS_ROWS == 0 {
                (self.progress)(ImportStage::Storing { done: n, total });
            }
            let file = &all[at.file as usize];
            let import_id = import_ids.get(&(at.file as usize)).copied().unwrap_or(0);
            writer.write(
                file,
                std::iter::once(&file.rows[at.row as usize]),
                import_id,
            )?;
        }
        let inserted = writer.finish()?;
        (self.progress)(ImportStage::Storing {
            done: inserted.rows,
            total,
        });
        Ok(inserted)
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

/// Reading the row table of schema 2, to move its rows into blocks (migration 3).
mod legacy {
    use super::*;

    /// Bits of a packed money integer that hold the scale.
    const SCALE_BITS: u32 = 5;

    /// How a ledger amount is stored: `mantissa × 32 + scale` as an INTEGER when the mantissa fits
    /// (every amount seen: 1 to 8 bytes, nothing to format or parse), else the exact text (and so
    /// a negative zero, whose sign an integer would lose). Both read back to the same [`Decimal`],
    /// scale included.
    #[cfg(test)]
    pub(super) fn money_value(d: Decimal) -> rusqlite::types::Value {
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
    fn optional_money(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<Decimal>, StoreError> {
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
    pub(super) fn money(r: &rusqlite::Row<'_>, i: usize) -> Result<Decimal, StoreError> {
        optional_money(r, i)?.ok_or_else(|| StoreError::Corrupt("missing amount".to_owned()))
    }

    /// The columns of `ledger` a [`LedgerRow`] is read from, in [`row_from_sql`]'s order.
    const LEDGER_COLUMNS: &str = "txid, refid, time, type, subtype, aclass, subclass, \
         asset, wallet, amount, fee, balance, amount_usd, fee_usd, balance_usd, fee_currency";

    /// A [`LedgerRow`] from the columns [`LEDGER_COLUMNS`] names, starting at column `at`.
    fn row_from_sql(r: &rusqlite::Row<'_>, at: usize) -> Result<LedgerRow, StoreError> {
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

    /// Moves the rows of `ledger_rows` into blocks, in storage order (ids renumbered from 1,
    /// which nothing stored refers to), with their extra columns by the import's column names;
    /// then drops the row table, its view and indexes. The monthly sums stay as they are.
    pub(super) fn rows_into_blocks(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
        let files: Vec<(i64, LedgersFile)> = super::table::ledger_imports(tx)?
            .into_iter()
            .map(|(id, import)| (id, import.empty_file()))
            .collect();
        let file_at: HashMap<i64, usize> = files
            .iter()
            .enumerate()
            .map(|(at, (id, _))| (*id, at))
            .collect();
        let mut writer = RowWriter::new(tx)?;
        let mut stmt = tx.prepare(&format!(
            "SELECT import_id, line, extra, {LEDGER_COLUMNS} FROM ledger ORDER BY id"
        ))?;
        let mut rows = stmt.query([])?;
        // Rows of one import are consecutive: a run is written when the next begins.
        let mut current: Option<usize> = None;
        let mut run: Vec<ImportedLedgerRow> = Vec::new();
        let write = |writer: &mut RowWriter<'_>, at: usize, run: &mut Vec<ImportedLedgerRow>| {
            let (id, file) = &files[at];
            let written = writer.write(file, run.iter(), *id);
            run.clear();
            written
        };
        while let Some(r) = rows.next()? {
            let import: i64 = r.get(0)?;
            let at = *file_at
                .get(&import)
                .ok_or_else(|| StoreError::Corrupt(format!("row of unknown import {import}")))?;
            if current.is_some_and(|c| c != at) {
                write(&mut writer, current.unwrap_or(at), &mut run)?;
            }
            current = Some(at);
            let extra: Option<String> = r.get(2)?;
            let values = match extra {
                None => Vec::new(),
                Some(json) => {
                    let object: serde_json::Map<String, serde_json::Value> =
                        serde_json::from_str(&json)
                            .map_err(|_| StoreError::Corrupt(format!("extra columns {json:?}")))?;
                    files[at]
                        .1
                        .extra_columns
                        .iter()
                        .map(|name| {
                            object
                                .get(name)
                                .and_then(serde_json::Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        })
                        .collect()
                }
            };
            run.push(ImportedLedgerRow {
                line: r.get(1)?,
                row: row_from_sql(r, 3)?,
                extra: values,
            });
        }
        if let Some(at) = current {
            write(&mut writer, at, &mut run)?;
        }
        drop(rows);
        drop(stmt);
        writer.finish()?;
        tx.execute_batch("DROP VIEW ledger; DROP TABLE ledger_rows;")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::legacy::{money, money_value};
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
            "7922816251426433759354.3950335",
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
            let Migration::Sql(schema_1) = MIGRATIONS[0] else {
                panic!("schema 1 is SQL")
            };
            conn.execute_batch(schema_1).expect("schema 1");
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

    /// A row of schema 2: id, import, line, txid, refid, time, kind, amount, fee, balance,
    /// extra columns.
    type OldRow<'a> = (
        i64,
        i64,
        u32,
        &'a str,
        &'a str,
        i64,
        i64,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    /// A row as read back: id, file, line, txid, amount, balance, extra columns.
    type Seen<'a> = (
        i64,
        &'a str,
        u32,
        &'a str,
        String,
        Option<String>,
        Vec<(String, String)>,
    );

    /// A workspace of schema 2 (a row table with packed money) opens with its rows in blocks:
    /// storage order kept (ids renumbered from 1 past a deleted row), money exact with its
    /// scale, extra columns by name, request rows and the chain's wallet as they were.
    #[test]
    fn a_schema_2_workspace_is_migrated_into_blocks() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).expect("db");
            for migration in &MIGRATIONS[..2] {
                let Migration::Sql(sql) = migration else {
                    panic!("schemas 1 and 2 are SQL")
                };
                conn.execute_batch(sql).expect("schema");
            }
            let packed = |text: &str| money_value(decimal(text).expect("decimal"));
            conn.execute_batch(
                "INSERT INTO imports VALUES (1, 'a.csv', 'aa', 'ledgers', 0, 4095, '[\"note\"]',
                     2, 2, 0, 0, 0);
                 INSERT INTO imports VALUES (2, 'b.csv', 'bb', 'ledgers', 0, 4095, '[]', 1, 1, 0,
                     0, 0);
                 INSERT INTO ledger_chains VALUES (1, 'BTC', 'spot / main');
                 INSERT INTO ledger_kinds VALUES (1, 1, 'deposit', '', 'currency', 'crypto',
                     'XXBT', '');
                 INSERT INTO ledger_kinds VALUES (2, 1, 'withdrawal', '', 'currency', 'crypto',
                     'XXBT', '');
                 PRAGMA user_version = 2;",
            )
            .expect("schema 2 records");
            let mut insert = conn
                .prepare(
                    "INSERT INTO ledger_rows (id, import_id, line, txid, refid, time, chain, kind,
                         amount, fee, balance, extra)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11)",
                )
                .expect("insert");
            let rows: [OldRow<'_>; 4] = [
                (
                    1,
                    1,
                    2,
                    "LA",
                    "RA",
                    17_000_000_000_000,
                    1,
                    "1.2500000000",
                    "0",
                    Some("1.2500000000"),
                    Some(r#"{"note":"first"}"#),
                ),
                (
                    2,
                    1,
                    3,
                    "",
                    "RB",
                    17_000_100_000_000,
                    2,
                    "-0.5000000000",
                    "0.0001000000",
                    None,
                    Some(r#"{"note":""}"#),
                ),
                // Id 3 was deleted by an import of schema 2 (a duplicate): ids are renumbered.
                (
                    4,
                    2,
                    2,
                    "LB",
                    "RB",
                    17_000_200_000_000,
                    2,
                    "-0.5000000000",
                    "0.0001000000",
                    Some("0.7499000000"),
                    None,
                ),
                (
                    5,
                    2,
                    3,
                    "LC",
                    "RC",
                    17_000_300_000_000,
                    1,
                    "7922816251426433759354.3950335",
                    "0",
                    Some("7922816251426433759355.144933"),
                    None,
                ),
            ];
            for (id, import, line, txid, refid, time, kind, amount, fee, balance, extra) in rows {
                let amount = if amount.len() > 20 {
                    rusqlite::types::Value::Text(amount.to_owned())
                } else {
                    packed(amount)
                };
                insert
                    .execute(params![
                        id,
                        import,
                        line,
                        txid,
                        refid,
                        time,
                        kind,
                        amount,
                        packed(fee),
                        balance.map(|b| rusqlite::types::Value::Text(b.to_owned())),
                        extra
                    ])
                    .expect("row");
            }
        }
        let ws = Workspace::open(&path).expect("open");
        let tables: i64 = ws
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('ledger', 'ledger_rows')",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        assert_eq!(tables, 0, "the row table and its view are gone");
        let rows = ws
            .page(&crate::Filter::default(), 0, 10)
            .expect("page")
            .rows;
        let seen: Vec<Seen<'_>> = rows
            .iter()
            .map(|r| {
                (
                    r.id,
                    &*r.file,
                    r.line,
                    r.row.txid.as_str(),
                    r.row.amount.to_string(),
                    r.row.balance.map(|b| b.to_string()),
                    r.extra.clone(),
                )
            })
            .collect();
        let note = |v: &str| vec![("note".to_owned(), v.to_owned())];
        assert_eq!(
            seen,
            vec![
                (
                    1,
                    "a.csv",
                    2,
                    "LA",
                    "1.2500000000".to_owned(),
                    Some("1.2500000000".to_owned()),
                    note("first")
                ),
                (
                    2,
                    "a.csv",
                    3,
                    "",
                    "-0.5000000000".to_owned(),
                    None,
                    note("")
                ),
                (
                    3,
                    "b.csv",
                    2,
                    "LB",
                    "-0.5000000000".to_owned(),
                    Some("0.7499000000".to_owned()),
                    vec![]
                ),
                (
                    4,
                    "b.csv",
                    3,
                    "LC",
                    "7922816251426433759354.3950335".to_owned(),
                    Some("7922816251426433759355.144933".to_owned()),
                    vec![]
                ),
            ]
        );
        assert!(
            rows.iter()
                .all(|r| r.row.wallet == "spot / main" && r.asset == "BTC")
        );
        assert_eq!(
            ws.chain_balance_at(
                "BTC",
                "spot / main",
                Timestamp::from_ticks(17_000_250_000_000).expect("time")
            )
            .expect("balance"),
            Some(decimal("0.7499000000").expect("decimal"))
        );
        // A later import appends after the migrated rows.
        let mut ws = ws;
        ws.import(&[SourceFile {
            name: "c.csv",
            bytes: b"txid,refid,time,type,subtype,aclass,subclass,asset,wallet,amount,fee,balance
LD,RD,2030-01-01 00:00:00,deposit,,currency,crypto,XXBT,spot / main,1,0,2
",
        }])
        .expect("import");
        let last = ws
            .page(&crate::Filter::default(), 4, 10)
            .expect("page")
            .rows;
        assert_eq!((last[0].id, last[0].row.txid.as_str()), (5, "LD"));
    }
}
