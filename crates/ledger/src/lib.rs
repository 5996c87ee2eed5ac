//! The exchange's ledger and trades export format (no I/O: bytes go to a `Write` or a `Vec` and
//! come from a slice, time is passed in), and the offline review store over it (SQLite: `store`
//! writes the workspace file and reads its rows back into memory, which `query` reviews).
//!
//! - [`LedgerRow`], [`TradeRow`]: one line of `ledgers.csv` / `trades.csv`, holding every field any
//!   layout has carried; money is [`rust_decimal::Decimal`] with the scale the exchange printed.
//! - [`LedgerLayout`], [`TradesLayout`]: the column sets seen in real exports, by column count,
//!   with their exact header names; `CURRENT` is the one the exchange ships today. Columns by
//!   meaning are [`LedgerColumn`] and [`TradesColumn`], so a reader can map a header by name.
//! - [`write_ledgers_csv`], [`write_trades_csv`]: the exchange's bytes (quoting, CRLF, time
//!   spelling); [`export_zip`] wraps one in the single-member zip RetrieveExport returns.
//! - [`read_export`]: the other way, a `.csv` or the exchange's `.zip` in any layout into an
//!   [`Export`] ([`LedgersFile`] of [`ImportedLedgerRow`]s, or [`TradesFile`]), or an
//!   [`ImportError`] naming file, line and column; nothing of a bad file is imported. A file
//!   another program re-saved (BOM, mixed line ends) is refused unless
//!   [`ReadOptions::accept_edited`] is set, which records [`ImportWarning`]s instead (see
//!   [`import`]).
//! - [`check()`]: merges ledgers files (an entry in overlapping exports counts once) and follows
//!   each balance chain (asset and wallet), returning an [`IntegrityReport`]: [`Chain`]s with
//!   opening and closing balances, [`ChainBreak`]s naming the rows around a gap,
//!   [`Duplicate`]s, [`Conflict`]s, [`Repeat`]s, paired and unpaired [`Request`]s, and
//!   [`Flag`]s for unknown types and subtypes (see [`mod@check`]).
//! - [`Workspace`] ([`store`]): a SQLite review workspace. [`Workspace::import_with`] reads
//!   [`SourceFile`]s, checks them with what is stored and stores them in one transaction,
//!   idempotently, returning an [`ImportOutcome`] ([`FileOutcome`] per file); [`Workspace::check`]
//!   re-runs the check over everything stored. Rows are stored in blocks and reviewed from
//!   memory (the store's crate-private `codec` and `table` modules).
//! - [`query`]: a [`Filter`] (dates from [`DateRange::parse`], relative to a given now) over a
//!   workspace: [`Workspace::page`] ([`Page`] of [`StoredRow`]s), [`Workspace::totals`] by
//!   [`Dimension`] ([`TotalRow`], exact), [`Workspace::balance_at`], [`Workspace::balance_series`],
//!   [`Workspace::trades_with_legs`] ([`TradeGroup`]), [`Workspace::export_csv`] and
//!   [`Workspace::balance_assertions`].
//! - [`Timestamp`] (the exchange's instant, from `countersign-kraken`, which the REST results
//!   hold too): unix time in ten-thousandths of a second, with the exports' time spellings.
//! - [`asset`]: asset codes, legacy (`XXBT`) and plain (`BTC`), and balance suffixes (`DOT28.S`).
//!
//! The sandbox writes exports with this crate; importers read them with it, and the CLI and the
//! app review them in a workspace.

pub mod asset;
pub mod check;
mod export;
pub mod import;
mod ledger;
pub mod query;
pub mod store;
mod trades;

pub use asset::{AssetCode, AssetSuffix};
pub use check::{
    BreakHint, Chain, ChainBreak, ChainKey, Conflict, Duplicate, Flag, IntegrityReport, Repeat,
    Request, RowIndex, RowRef, check,
};
pub use compact_str::CompactString;
pub use countersign_kraken::{TICKS_PER_SECOND, TimeError, Timestamp};
pub use export::{
    ExportError, ExportKind, LedgersCsvWriter, export_zip, write_ledgers_csv, write_trades_csv,
};
pub use import::{
    Export, ImportError, ImportProblem, ImportWarning, ImportedLedgerRow, ImportedTradeRow,
    LedgerColumns, LedgersFile, ReadOptions, TradesFile, read_export, read_ledgers,
};
pub use ledger::{LedgerColumn, LedgerLayout, LedgerRow};
pub use query::{
    Balance, Bucket, DateError, DateRange, Dimension, Filter, Page, SeriesPoint, StoredRow,
    TotalRow, TradeGroup,
};
pub use store::{
    FileOutcome, FileStatus, ImportOutcome, ImportRecord, ImportStage, SourceFile, StoreError,
    Workspace,
};
pub use trades::{TradeRow, TradesColumn, TradesLayout};
