//! What the Ledgers area's jobs take and return across the IPC boundary (exported to TypeScript
//! by ts-rs), and how the ledger crate's results become them. Money is the exact decimal text
//! (`"0.0001000000"`), never a float; times are unix seconds or milliseconds, with the export's
//! own spelling beside them where the page shows it.

use countersign_ledger::{
    DateRange, Filter, ImportStage, IntegrityReport, RowRef, StoredRow, Timestamp, TradeGroup,
    TradeRow,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{CommandError, ErrorCode};

/// Which rows to look at; every part that is set must hold (lists: any of their values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerFilter {
    /// A date or period as a person types it (`2025-01`, `last month`, `q1 2025`, `last 7 days`,
    /// …), read by `countersign_ledger::DateRange::parse` against the current time.
    pub date: Option<String>,
    /// From the start of this date or period (same forms as `date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from: Option<String>,
    /// To the end of this date or period (same forms as `date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub to: Option<String>,
    /// Assets in any spelling (`XXBT`, `BTC`).
    pub assets: Vec<String>,
    pub types: Vec<String>,
    pub subtypes: Vec<String>,
    pub wallets: Vec<String>,
    pub refid: Option<String>,
    /// Case-insensitive text in txid, refid, type, subtype, asset, wallet or an extra column.
    pub text: Option<String>,
}

/// A row of a file: where a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RowRefView {
    pub file: String,
    /// The line in the file (header = 1).
    pub line: u32,
    /// Empty for a request row.
    pub txid: String,
}

/// One balance chain (asset and wallet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChainView {
    pub asset: String,
    pub wallet: String,
    pub rows: usize,
    /// The balance before its first row.
    pub opening: String,
    /// The balance after its last row.
    pub closing: String,
    /// Its first and last row's time, unix seconds.
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
}

/// Where a chain breaks: `previous balance + amount − fee` is not the row's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BreakView {
    pub asset: String,
    pub wallet: String,
    pub previous: RowRefView,
    pub row: RowRefView,
    pub expected: String,
    pub found: String,
    /// `found − expected`: the movement missing between the two rows.
    pub gap: String,
    /// The whole finding in words.
    pub message: String,
}

/// A duplicate, a conflict or an unpaired request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FindingView {
    /// The row the finding is about.
    pub row: RowRefView,
    /// The row it repeats or conflicts with (the one kept), if any.
    pub first: Option<RowRefView>,
    /// The request's refid (requests only).
    pub refid: Option<String>,
    pub message: String,
}

/// A type or subtype outside the documented lists, kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FlagView {
    /// `type` or `subtype`.
    pub column: String,
    pub value: String,
    pub rows: usize,
    pub first: RowRefView,
    /// The flag in words.
    pub message: String,
}

/// The integrity check of everything stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct IntegrityView {
    /// No break, duplicate or conflict.
    pub holds: bool,
    /// Ledger rows stored.
    pub rows: usize,
    pub chains: Vec<ChainView>,
    pub breaks: Vec<BreakView>,
    pub duplicates: Vec<FindingView>,
    pub conflicts: Vec<FindingView>,
    pub unpaired_requests: Vec<FindingView>,
    pub flagged: Vec<FlagView>,
}

/// What became of one file of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FileImportStatus {
    Imported,
    /// The same bytes were imported before: not read again, nothing added.
    AlreadyImported,
}

/// One file of an [`ImportSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileImportView {
    pub file: String,
    pub status: FileImportStatus,
    /// `ledgers` or `trades`; absent for a file already imported.
    pub kind: Option<String>,
    /// For a file already imported: the name it was imported as.
    pub already_as: Option<String>,
    pub rows: usize,
    pub added: usize,
    pub present: usize,
    pub duplicates: usize,
    pub conflicts: usize,
    pub warnings: Vec<String>,
    /// The outcome in words.
    pub message: String,
}

/// Why an import stored nothing: the file, and the line and column when the problem is on one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportFailure {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<String>,
    /// The whole error in words (file, line and column included).
    pub message: String,
    /// The file was refused as re-saved by another program (a byte-order mark, mixed line ends,
    /// no final line break): importing again with `accept_edited` reads it, with warnings.
    pub edited: bool,
}

/// What an import did: every file stored, or (`failure`) none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportSummary {
    /// Each file given, in order; empty when the import failed.
    pub files: Vec<FileImportView>,
    /// Rows stored by this import.
    pub added: usize,
    /// Ledger rows the workspace holds now.
    pub total_rows: usize,
    /// Why nothing was stored, if so.
    pub failure: Option<ImportFailure>,
    /// What the integrity check the import ran found over everything stored; absent when no
    /// ledgers file was read (the chains did not change) or the import failed.
    pub check: Option<ImportCheck>,
}

/// The integrity check an import ran, in counts ([`IntegrityView`] has the findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportCheck {
    /// No break, duplicate or conflict.
    pub holds: bool,
    pub breaks: usize,
    pub duplicates: usize,
    pub conflicts: usize,
}

/// Where an import is (the payload of the shell's `ledger-import-progress` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "stage", rename_all = "snake_case")]
#[ts(export)]
pub enum ImportProgress {
    /// Reading file `index` (0-based) of `files`.
    Reading {
        index: usize,
        files: usize,
        name: String,
    },
    /// Checking the balance chains over `rows` rows (stored and new).
    Checking { rows: usize },
    /// `done` of `total` new rows written.
    Storing { done: usize, total: usize },
}

impl From<ImportStage> for ImportProgress {
    fn from(stage: ImportStage) -> Self {
        match stage {
            ImportStage::Reading { index, files, name } => Self::Reading { index, files, name },
            ImportStage::Checking { rows } => Self::Checking { rows },
            ImportStage::Storing { done, total } => Self::Storing { done, total },
        }
    }
}

/// One stored ledgers row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerRowView {
    /// Storage id (unique in the workspace).
    #[ts(type = "number")]
    pub id: i64,
    pub file: String,
    pub line: u32,
    /// Empty for a request row.
    pub txid: String,
    pub refid: String,
    /// Unix time in milliseconds (the export's ten-thousandths of a second, rounded down).
    #[ts(type = "number")]
    pub time_ms: i64,
    /// The time as the export spells it, UTC (`2025-01-31 12:00:00.1234`).
    pub time: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    /// The asset normalised (`BTC` for `XXBT`).
    pub asset: String,
    /// The asset as the export spelled it.
    pub asset_as_spelled: String,
    pub wallet: String,
    pub amount: String,
    pub fee: String,
    /// Absent on a request row.
    pub balance: Option<String>,
}

/// A page of rows and how many the filter selects in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PageView {
    pub rows: Vec<LedgerRowView>,
    pub total: usize,
}

/// One line of totals: the values of the dimensions asked for, in order, and exact sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TotalView {
    pub keys: Vec<String>,
    pub count: usize,
    pub amount: String,
    pub fee: String,
    /// `amount − fee`.
    pub net: String,
}

/// How long a period of a balance series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SeriesBucket {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

/// A chain's balance at the end of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SeriesPointView {
    /// The period's end (exclusive), unix seconds.
    #[ts(type = "number")]
    pub period_end: i64,
    pub balance: String,
}

/// The values the filter's lists can take, for its dropdowns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerFacets {
    pub assets: Vec<String>,
    pub types: Vec<String>,
    pub subtypes: Vec<String>,
    pub wallets: Vec<String>,
}

/// A trades export's row: the trade a group of ledger legs belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TradeView {
    pub txid: String,
    pub ordertxid: String,
    pub pair: String,
    /// Unix time in milliseconds.
    #[ts(type = "number")]
    pub time_ms: i64,
    /// The time as the export spells it, UTC.
    pub time: String,
    /// `buy` or `sell`.
    pub side: String,
    pub ordertype: String,
    pub price: String,
    /// In the pair's quote currency, as are `fee` and `price`.
    pub cost: String,
    pub fee: String,
    /// In the pair's base currency.
    pub vol: String,
    /// The ledger entries' txids the export lists for it.
    pub ledgers: Vec<String>,
}

/// A fee paid by the legs of a trade, in one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FeeView {
    pub asset: String,
    pub fee: String,
}

/// A trade with its ledger legs (the rows whose refid is the trade's txid) and their fees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TradeGroupView {
    pub refid: String,
    /// The trades export's row, when one holding it was imported.
    pub trade: Option<TradeView>,
    /// The legs the filter selects, in time order.
    pub legs: Vec<LedgerRowView>,
    /// The legs' fees per asset (none when they paid none).
    pub fees: Vec<FeeView>,
}

/// A page of trade groups and how many the filter selects in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TradesPageView {
    pub groups: Vec<TradeGroupView>,
    pub total: usize,
}

/// One chain's balance at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BalanceView {
    pub asset: String,
    pub wallet: String,
    pub balance: String,
}

/// Every chain's balance at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BalancesView {
    /// The moment, as the export spells a time (UTC): the last tick of the day asked for.
    pub at: String,
    pub balances: Vec<BalanceView>,
}

/// What an export wrote, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportView {
    /// The file written.
    pub path: String,
    /// Rows written (balance assertions: lines, one per chain and period end), header excluded.
    pub rows: usize,
    /// What was written, in words.
    pub message: String,
}

fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl LedgerFilter {
    /// The store's filter, dates read against `now`; a date that cannot be read is
    /// `invalid_input` with the forms that can.
    pub fn to_filter(&self, now: Timestamp) -> Result<Filter, CommandError> {
        let parse = |text: &Option<String>, what: &str| {
            non_empty(text)
                .map(|d| DateRange::parse(&d, now))
                .transpose()
                .map_err(|e| CommandError::new(ErrorCode::InvalidInput, format!("{what}{e}")))
        };
        let range = parse(&self.date, "")?;
        let from = parse(&self.from, "from: ")?.map(|r| r.from);
        let to = parse(&self.to, "to: ")?.map(|r| r.to);
        // Every bound given must hold: the latest start, the earliest end.
        let from = [range.map(|r| r.from), from].into_iter().flatten().max();
        let to = [range.map(|r| r.to), to].into_iter().flatten().min();
        let list = |values: &[String]| -> Vec<String> {
            values
                .iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect()
        };
        Ok(Filter {
            from,
            to,
            assets: list(&self.assets),
            types: list(&self.types),
            subtypes: list(&self.subtypes),
            wallets: list(&self.wallets),
            refid: non_empty(&self.refid),
            text: non_empty(&self.text),
        })
    }
}

pub(super) fn row_ref(r: &RowRef) -> RowRefView {
    RowRefView {
        file: r.file.to_string(),
        line: r.line,
        txid: r.txid.clone(),
    }
}

pub(super) fn integrity_view(report: &IntegrityReport, rows: usize) -> IntegrityView {
    IntegrityView {
        holds: report.holds(),
        rows,
        chains: report
            .chains
            .iter()
            .map(|c| ChainView {
                asset: c.key.asset.clone(),
                wallet: c.key.wallet.clone(),
                rows: c.rows,
                opening: c.opening.to_string(),
                closing: c.closing.to_string(),
                from: c.from.unix_seconds(),
                to: c.to.unix_seconds(),
            })
            .collect(),
        breaks: report
            .breaks
            .iter()
            .map(|b| BreakView {
                asset: b.chain.asset.clone(),
                wallet: b.chain.wallet.clone(),
                previous: row_ref(&b.previous),
                row: row_ref(&b.row),
                expected: b.expected.to_string(),
                found: b.found.to_string(),
                gap: b.gap().to_string(),
                message: b.to_string(),
            })
            .collect(),
        duplicates: report
            .duplicates
            .iter()
            .map(|d| FindingView {
                row: row_ref(&d.row),
                first: Some(row_ref(&d.first)),
                refid: None,
                message: d.to_string(),
            })
            .collect(),
        conflicts: report
            .conflicts
            .iter()
            .map(|c| FindingView {
                row: row_ref(&c.row),
                first: Some(row_ref(&c.first)),
                refid: None,
                message: c.to_string(),
            })
            .collect(),
        unpaired_requests: report
            .unpaired_requests()
            .map(|r| FindingView {
                row: row_ref(&r.request),
                first: None,
                refid: Some(r.refid.clone()),
                message: r.to_string(),
            })
            .collect(),
        flagged: report
            .flagged
            .iter()
            .map(|f| FlagView {
                column: f.column.header().to_owned(),
                value: f.value.clone(),
                rows: f.rows,
                first: row_ref(&f.first),
                message: format!(
                    "{} {:?} on {} rows, first {}",
                    f.column.header(),
                    f.value,
                    f.rows,
                    f.first
                ),
            })
            .collect(),
    }
}

pub(super) fn row_view(r: StoredRow) -> LedgerRowView {
    let row = r.row;
    LedgerRowView {
        id: r.id,
        file: r.file,
        line: r.line,
        time_ms: row.time.ticks().div_euclid(10),
        time: row.time.to_csv_with_fraction(),
        txid: row.txid.into(),
        refid: row.refid.into(),
        kind: row.r#type.into(),
        subtype: row.subtype.into(),
        asset: r.asset,
        asset_as_spelled: row.asset.into(),
        wallet: row.wallet.into(),
        amount: row.amount.to_string(),
        fee: row.fee.to_string(),
        balance: row.balance.map(|b| b.to_string()),
    }
}

pub(super) fn trade_view(t: TradeRow) -> TradeView {
    TradeView {
        time_ms: t.time.ticks().div_euclid(10),
        time: t.time.to_csv_with_fraction(),
        txid: t.txid,
        ordertxid: t.ordertxid,
        pair: t.pair,
        side: t.r#type,
        ordertype: t.ordertype,
        price: t.price.to_string(),
        cost: t.cost.to_string(),
        fee: t.fee.to_string(),
        vol: t.vol.to_string(),
        ledgers: t.ledgers,
    }
}

pub(super) fn group_view(g: TradeGroup) -> TradeGroupView {
    TradeGroupView {
        refid: g.refid,
        trade: g.trade.map(trade_view),
        legs: g.legs.into_iter().map(row_view).collect(),
        fees: g
            .fees
            .into_iter()
            .map(|(asset, fee)| FeeView {
                asset,
                fee: fee.to_string(),
            })
            .collect(),
    }
}
