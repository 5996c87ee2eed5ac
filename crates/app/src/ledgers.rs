//! The app's Ledgers area without a window: one review workspace (`countersign_ledger::Workspace`,
//! a SQLite file) at `<app data dir>/ledgers/default.sqlite`, and the views its commands return.
//!
//! Ledger review is independent of the Organization: it needs no network and no session, so it
//! works offline and while the org API is unreachable. The shell still refuses its commands while
//! the app is locked ([`crate::AppCore::ensure_unlocked`]).
//!
//! Money crosses the IPC boundary as the exact decimal text (`"0.0001000000"`), never as a float.
//! Every call runs its SQLite work on a blocking thread (`tokio::task::spawn_blocking`); the
//! workspace is opened on first use, so a broken database file is an error of a command, not of
//! the app's start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_ledger::{
    Bucket, DateRange, Dimension, FileStatus, Filter, ImportStage, IntegrityReport, ReadOptions,
    RowRef, SourceFile, StoreError, StoredRow, Timestamp, Workspace,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ipc::{CommandError, ErrorCode};

/// Which rows to look at; every part that is set must hold (lists: any of their values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerFilter {
    /// A date or period as a person types it (`2025-01`, `last month`, `q1 2025`, `last 7 days`,
    /// …), read by `countersign_ledger::DateRange::parse` against the current time.
    pub date: Option<String>,
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

/// The review workspace of the app (see the module docs). Cheap to clone.
#[derive(Debug, Clone)]
pub struct LedgerReview {
    path: PathBuf,
    workspace: Arc<Mutex<Option<Workspace>>>,
}

fn internal(e: impl std::fmt::Display) -> CommandError {
    CommandError::new(ErrorCode::Internal, e.to_string())
}

fn store_error(e: StoreError) -> CommandError {
    match e {
        StoreError::Import(e) => CommandError::new(ErrorCode::InvalidInput, e.to_string()),
        other => internal(other),
    }
}

fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Timestamp::from_unix_seconds(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
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
        let range = non_empty(&self.date)
            .map(|d| DateRange::parse(&d, now))
            .transpose()
            .map_err(|e| CommandError::new(ErrorCode::InvalidInput, e.to_string()))?;
        let list = |values: &[String]| -> Vec<String> {
            values
                .iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect()
        };
        Ok(Filter {
            from: range.map(|r| r.from),
            to: range.map(|r| r.to),
            assets: list(&self.assets),
            types: list(&self.types),
            subtypes: list(&self.subtypes),
            wallets: list(&self.wallets),
            refid: non_empty(&self.refid),
            text: non_empty(&self.text),
        })
    }
}

fn row_ref(r: &RowRef) -> RowRefView {
    RowRefView {
        file: r.file.to_string(),
        line: r.line,
        txid: r.txid.clone(),
    }
}

fn integrity_view(report: &IntegrityReport, rows: usize) -> IntegrityView {
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
            })
            .collect(),
    }
}

fn row_view(r: StoredRow) -> LedgerRowView {
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

/// Reads the files at `paths` (nothing is stored if one cannot be read).
fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, ImportFailure> {
    paths
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            std::fs::read(path)
                .map(|bytes| (name.clone(), bytes))
                .map_err(|e| ImportFailure {
                    message: format!("{name}: cannot be read: {e}"),
                    file: name,
                    line: None,
                    column: None,
                })
        })
        .collect()
}

fn import_blocking(
    ws: &mut Workspace,
    paths: &[PathBuf],
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary, CommandError> {
    let failed = |failure: ImportFailure, ws: &Workspace| -> Result<ImportSummary, CommandError> {
        Ok(ImportSummary {
            files: Vec::new(),
            added: 0,
            total_rows: ws.ledger_rows().map_err(store_error)?,
            failure: Some(failure),
        })
    };
    let contents = match read_files(paths) {
        Ok(contents) => contents,
        Err(failure) => return failed(failure, ws),
    };
    let sources: Vec<SourceFile<'_>> = contents
        .iter()
        .map(|(name, bytes)| SourceFile { name, bytes })
        .collect();
    let outcome = ws.import_with(&sources, ReadOptions::default(), &mut |stage| {
        progress(stage.into());
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(StoreError::Import(e)) => {
            let failure = ImportFailure {
                message: e.to_string(),
                file: e.file,
                line: e.line,
                column: e.column,
            };
            return failed(failure, ws);
        }
        Err(e) => return Err(store_error(e)),
    };
    let files = outcome
        .files
        .iter()
        .map(|f| {
            let (status, already_as) = match &f.status {
                FileStatus::Imported => (FileImportStatus::Imported, None),
                FileStatus::AlreadyImported { as_file, .. } => {
                    (FileImportStatus::AlreadyImported, Some(as_file.clone()))
                }
            };
            FileImportView {
                file: f.file.clone(),
                status,
                kind: f.kind.map(|k| k.report_name().to_owned()),
                already_as,
                rows: f.rows,
                added: f.added,
                present: f.present,
                duplicates: f.duplicates,
                conflicts: f.conflicts,
                warnings: f.warnings.iter().map(ToString::to_string).collect(),
                message: f.to_string(),
            }
        })
        .collect();
    Ok(ImportSummary {
        files,
        added: outcome.added(),
        total_rows: ws.ledger_rows().map_err(store_error)?,
        failure: None,
    })
}

/// Where `target` is among the rows `filter` selects (0-based), if it is one of them: the rows
/// before its time, then its place among the rows of the same instant.
fn locate_blocking(
    ws: &Workspace,
    filter: &Filter,
    target: &RowRefView,
) -> Result<Option<usize>, StoreError> {
    if target.txid.is_empty() {
        return Ok(None);
    }
    let same = |r: &StoredRow| {
        r.row.txid == target.txid && (r.file == target.file && r.line == target.line)
    };
    let by_txid = Filter {
        text: Some(target.txid.clone()),
        ..Filter::default()
    };
    let candidates = ws.page(&by_txid, 0, 200)?.rows;
    // The row itself, or else the row stored under its txid (a duplicate's first).
    let Some(found) = candidates
        .iter()
        .find(|r| same(r))
        .or_else(|| candidates.iter().find(|r| r.row.txid == target.txid))
    else {
        return Ok(None);
    };
    let at = found.row.time;
    if filter.from.is_some_and(|from| at < from) || filter.to.is_some_and(|to| at >= to) {
        return Ok(None);
    }
    let before = Filter {
        to: Some(at),
        ..filter.clone()
    };
    let earlier = ws.page(&before, 0, 0)?.total;
    let next =
        Timestamp::from_ticks(at.ticks() + 1).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let instant = Filter {
        from: Some(at),
        to: Some(next),
        ..filter.clone()
    };
    let rows = ws.page(&instant, 0, usize::MAX)?.rows;
    Ok(rows
        .iter()
        .position(|r| r.id == found.id)
        .map(|i| earlier + i))
}

impl LedgerReview {
    /// The review workspace at `path` (opened on first use).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            workspace: Arc::default(),
        }
    }

    /// The app's default workspace: `<data_dir>/ledgers/default.sqlite`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::new(data_dir.join("ledgers").join("default.sqlite"))
    }

    /// The workspace database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the workspace (opening it if needed) on a blocking thread.
    async fn with<T, F>(&self, f: F) -> Result<T, CommandError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Workspace) -> Result<T, CommandError> + Send + 'static,
    {
        let (path, slot) = (self.path.clone(), Arc::clone(&self.workspace));
        tokio::task::spawn_blocking(move || {
            let mut guard = slot
                .lock()
                .map_err(|_| internal("the ledger workspace failed in an earlier call"))?;
            let ws = match &mut *guard {
                Some(ws) => ws,
                empty => empty.insert(Workspace::open(&path).map_err(|e| {
                    internal(format!(
                        "cannot open the ledger workspace {}: {e}",
                        path.display()
                    ))
                })?),
            };
            f(ws)
        })
        .await
        .map_err(internal)?
    }

    /// Imports ledgers and trades exports (`.csv` or the exchange's `.zip`): every file or none.
    /// A file that cannot be read or parsed is a [`ImportSummary::failure`] (not an error of the
    /// call): nothing is stored. `progress` is called from the blocking thread as the import goes.
    pub async fn import(
        &self,
        paths: Vec<PathBuf>,
        mut progress: impl FnMut(ImportProgress) + Send + 'static,
    ) -> Result<ImportSummary, CommandError> {
        if paths.is_empty() {
            return Err(CommandError::new(
                ErrorCode::InvalidInput,
                "No file to import: drop ledgers or trades exports (.csv or .zip), or give their paths.",
            ));
        }
        self.with(move |ws| import_blocking(ws, &paths, &mut progress))
            .await
    }

    /// The integrity check of everything stored.
    pub async fn report(&self) -> Result<IntegrityView, CommandError> {
        self.with(|ws| {
            let report = ws.check().map_err(store_error)?;
            Ok(integrity_view(
                &report,
                ws.ledger_rows().map_err(store_error)?,
            ))
        })
        .await
    }

    /// `limit` rows (at most 1000) of those `filter` selects from `offset`, in time order, and
    /// how many it selects.
    pub async fn page(
        &self,
        filter: LedgerFilter,
        offset: usize,
        limit: usize,
    ) -> Result<PageView, CommandError> {
        let filter = filter.to_filter(now())?;
        let limit = limit.min(1000);
        self.with(move |ws| {
            let page = ws.page(&filter, offset, limit).map_err(store_error)?;
            Ok(PageView {
                rows: page.rows.into_iter().map(row_view).collect(),
                total: page.total,
            })
        })
        .await
    }

    /// Where a row (a finding's) is among those `filter` selects, to scroll the table to it;
    /// `None` when the filter leaves it out (or it is a request row, which has no txid: filter
    /// by its refid instead).
    pub async fn locate(
        &self,
        filter: LedgerFilter,
        row: RowRefView,
    ) -> Result<Option<usize>, CommandError> {
        let filter = filter.to_filter(now())?;
        self.with(move |ws| locate_blocking(ws, &filter, &row).map_err(store_error))
            .await
    }

    /// Totals of the settled rows `filter` selects, grouped by `by` (`asset`, `type`, `subtype`,
    /// `wallet`, `month`; none: one line).
    pub async fn totals(
        &self,
        filter: LedgerFilter,
        by: Vec<String>,
    ) -> Result<Vec<TotalView>, CommandError> {
        let filter = filter.to_filter(now())?;
        let by = by
            .iter()
            .map(|name| {
                Dimension::from_name(name).ok_or_else(|| {
                    CommandError::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "{name:?} is not a total dimension: use asset, type, subtype, wallet or month"
                        ),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.with(move |ws| {
            Ok(ws
                .totals(&filter, &by)
                .map_err(store_error)?
                .into_iter()
                .map(|t| TotalView {
                    keys: t.keys,
                    count: t.count,
                    amount: t.amount.to_string(),
                    fee: t.fee.to_string(),
                    net: t.net.to_string(),
                })
                .collect())
        })
        .await
    }

    /// One chain's balance at the end of each period, from its first row's to its last row's.
    pub async fn series(
        &self,
        asset: String,
        wallet: String,
        bucket: SeriesBucket,
    ) -> Result<Vec<SeriesPointView>, CommandError> {
        let bucket = match bucket {
            SeriesBucket::Day => Bucket::Day,
            SeriesBucket::Week => Bucket::Week,
            SeriesBucket::Month => Bucket::Month,
        };
        self.with(move |ws| {
            Ok(ws
                .balance_series(&asset, &wallet, bucket)
                .map_err(store_error)?
                .into_iter()
                .map(|p| SeriesPointView {
                    period_end: p.end.unix_seconds(),
                    balance: p.balance.to_string(),
                })
                .collect())
        })
        .await
    }

    /// Every asset, type, subtype and wallet of the stored settled rows, sorted.
    pub async fn facets(&self) -> Result<LedgerFacets, CommandError> {
        self.with(|ws| {
            let all = Filter::default();
            let values = |d: Dimension| -> Result<Vec<String>, CommandError> {
                Ok(ws
                    .totals(&all, &[d])
                    .map_err(store_error)?
                    .into_iter()
                    .filter_map(|t| t.keys.into_iter().next())
                    .collect())
            };
            Ok(LedgerFacets {
                assets: values(Dimension::Asset)?,
                types: values(Dimension::Type)?,
                subtypes: values(Dimension::Subtype)?,
                wallets: values(Dimension::Wallet)?,
            })
        })
        .await
    }
}
