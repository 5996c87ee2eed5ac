//! The exchange's ledger and trades export format, with no I/O (bytes go to a `Write` or a
//! `Vec`, time is passed in).
//!
//! - [`LedgerRow`], [`TradeRow`]: one line of `ledgers.csv` / `trades.csv`, holding every field any
//!   layout has carried; money is [`rust_decimal::Decimal`] with the scale the exchange printed.
//! - [`LedgerLayout`], [`TradesLayout`]: the column sets seen in real exports, by column count,
//!   with their exact header names; `CURRENT` is the one the exchange ships today. Columns by
//!   meaning are [`LedgerColumn`] and [`TradesColumn`], so a reader can map a header by name.
//! - [`write_ledgers_csv`], [`write_trades_csv`]: the exchange's bytes (quoting, CRLF, time
//!   spelling); [`export_zip`] wraps one in the single-member zip RetrieveExport returns.
//! - [`Timestamp`]: unix time in the exchange's ten-thousandths of a second.
//! - [`asset`]: asset codes, legacy (`XXBT`) and plain (`BTC`), and balance suffixes (`DOT28.S`).
//!
//! The sandbox writes exports with this crate; a reader for imports belongs here too.

pub mod asset;
mod export;
mod ledger;
mod time;
mod trades;

pub use asset::{AssetCode, AssetSuffix};
pub use export::{ExportError, ExportKind, export_zip, write_ledgers_csv, write_trades_csv};
pub use ledger::{LedgerColumn, LedgerLayout, LedgerRow};
pub use time::{TICKS_PER_SECOND, TimeError, Timestamp, civil_from_days};
pub use trades::{TradeRow, TradesColumn, TradesLayout};
