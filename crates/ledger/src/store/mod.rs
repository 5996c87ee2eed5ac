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
//! Money is exact, never REAL: blocks hold a decimal's mantissa and scale, so it reads back with
//! the scale the export printed (`0.0001000000`); the monthly sums are text. Sums are made in
//! Rust with [`Decimal`](rust_decimal::Decimal). Times are integer ticks
//! ([`Timestamp::ticks`]). The asset is kept as spelled and normalised (`XXBT`, `BTC`); the
//! wallet is the one a chain uses ([`crate::check::DEFAULT_WALLET`] for a file without a
//! `wallet` column). Extra columns are kept with every row (their names once per import), and
//! source file and line with every row.
//!
//! # Modules
//!
//! `schema` (the migrations) and `codec` (the block format, values in the tables) are what is on
//! disk; `writer` writes ledger rows and `records` the rest of an import, which `import` runs in
//! one transaction; `table` decodes the stored rows for review (the crate's `query` reads it).
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous=NORMAL`: a commit is atomic, and a power loss
//! may lose at most the last committed import (never corrupt the file or keep part of one).

mod import;
mod records;
mod schema;
mod writer;

pub(crate) mod codec;
pub(crate) mod table;

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use countersign_kraken::Timestamp;
use rusqlite::Connection;

use crate::check::{self, IntegrityReport};
use crate::export::ExportKind;
use crate::import::{ImportError, ImportWarning, LedgersFile};
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

fn to_usize(v: i64) -> usize {
    usize::try_from(v).unwrap_or(0)
}

fn to_i64(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
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
        schema::migrate(&conn)?;
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
        let (duplicates, conflicts) = records::findings(&self.conn)?;
        report.duplicates = duplicates;
        report.conflicts = conflicts;
        Ok(report)
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
