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
//!
//! The integrity report and the order of the trade groups of the last filter are cached per
//! workspace state (the imports stored: only an import changes what the report says), so showing
//! the area again or paging through trades does not re-run the check or re-read every leg.
//!
//! Exports are written by the core to the path the person chose in the save dialog: the rows
//! never travel to the webview. A file is written beside its final name and renamed into place,
//! so a failed export leaves no half file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_ledger::{
    Bucket, DateRange, Dimension, FileStatus, Filter, ImportStage, IntegrityReport, ReadOptions,
    RowRef, SourceFile, StoreError, StoredRow, Timestamp, TradeGroup, TradeRow, Workspace,
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

/// The review workspace of the app (see the module docs). Cheap to clone.
#[derive(Debug, Clone)]
pub struct LedgerReview {
    path: PathBuf,
    state: Arc<Mutex<State>>,
}

/// Which imports the workspace holds (how many, and the last one's id): what the report and the
/// trade groups depend on. Only an import changes it.
type Stored = (usize, Option<i64>);

/// The open workspace and what is cached for one state of it.
#[derive(Debug, Default)]
struct State {
    workspace: Option<Workspace>,
    /// The integrity report, for the imports it was made of.
    report: Option<(Stored, IntegrityView)>,
    /// The trade groups' refids, in order, for one filter and state.
    trades: Option<(Stored, LedgerFilter, Filter, Arc<Vec<String>>)>,
    /// How many times the integrity check ran.
    checks: usize,
}

fn stored(ws: &Workspace) -> Result<Stored, StoreError> {
    let imports = ws.imports()?;
    Ok((imports.len(), imports.last().map(|i| i.id)))
}

/// The state inside a call, with where the workspace lives.
struct OpenState<'a> {
    path: &'a Path,
    state: &'a mut State,
}

/// The workspace, opened now if no call opened it yet.
fn open<'a>(s: &'a mut OpenState<'_>) -> Result<&'a mut Workspace, CommandError> {
    let path = s.path;
    match &mut s.state.workspace {
        Some(ws) => Ok(ws),
        empty => Ok(empty.insert(Workspace::open(path).map_err(|e| {
            internal(format!(
                "cannot open the ledger workspace {}: {e}",
                path.display()
            ))
        })?)),
    }
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
                    edited: false,
                })
        })
        .collect()
}

fn import_blocking(
    ws: &mut Workspace,
    paths: &[PathBuf],
    accept_edited: bool,
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
    let outcome = ws.import_with(&sources, ReadOptions { accept_edited }, &mut |stage| {
        progress(stage.into());
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(StoreError::Import(e)) => {
            let edited = e.problem.is_edited();
            let mut message = e.to_string();
            if edited {
                message.push_str(
                    ". If you re-saved it on purpose, import it again with “Accept edited files” \
                     on: it is read as it is, and each of these findings is listed as a warning.",
                );
            }
            let failure = ImportFailure {
                message,
                file: e.file,
                line: e.line,
                column: e.column,
                edited,
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

/// Where `target` is among the rows `filter` selects (0-based), if it is one of them: the row
/// found by its file and line (or its txid), then one count of the selected rows before it.
fn locate_blocking(
    ws: &Workspace,
    filter: &Filter,
    target: &RowRefView,
) -> Result<Option<usize>, StoreError> {
    match ws.find_row(&target.file, target.line, &target.txid)? {
        Some(id) => ws.position(filter, id),
        None => Ok(None),
    }
}

fn trade_view(t: TradeRow) -> TradeView {
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

fn group_view(g: TradeGroup) -> TradeGroupView {
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

/// An export's destination: an absolute path (as the save dialog gives) outside the workspace's
/// folder. The folder is resolved first (`..`, symlinks), so no other spelling of a path reaches
/// the database or its `-wal` / `-shm` files; the file returned is in the resolved folder.
fn export_target(path: &Path, workspace: &Path) -> Result<PathBuf, CommandError> {
    let (Some(name), Some(parent)) = (path.file_name(), path.parent()) else {
        return Err(not_a_file(path));
    };
    if !path.is_absolute() {
        return Err(not_a_file(path));
    }
    let folder = std::fs::canonicalize(parent).map_err(|e| {
        CommandError::new(
            ErrorCode::InvalidInput,
            format!("{} cannot be written: {e}", path.display()),
        )
    })?;
    let own = workspace
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok());
    if own.is_some_and(|own| folder.starts_with(own)) {
        return Err(CommandError::new(
            ErrorCode::InvalidInput,
            "That is in the review workspace's own folder (its database is there): choose a \
             file elsewhere to export to.",
        ));
    }
    Ok(folder.join(name))
}

fn not_a_file(path: &Path) -> CommandError {
    CommandError::new(
        ErrorCode::InvalidInput,
        format!(
            "{} is not a file path to export to: choose a file in the save dialog",
            path.display()
        ),
    )
}

/// Writes a file through `write`, beside `path` first and then renamed over it, so a failure
/// leaves no half-written file (and an existing file untouched).
fn write_file<T>(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<T, StoreError>,
) -> Result<T, CommandError> {
    let cannot = |e: &dyn std::fmt::Display| {
        CommandError::new(
            ErrorCode::InvalidInput,
            format!("{} cannot be written: {e}", path.display()),
        )
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let result = (|| {
        let file = std::fs::File::create(&partial).map_err(|e| cannot(&e))?;
        let mut out = std::io::BufWriter::new(file);
        let value = write(&mut out).map_err(|e| match e {
            StoreError::Write(e) => cannot(&e),
            other => store_error(other),
        })?;
        let file = out.into_inner().map_err(|e| cannot(&e.into_error()))?;
        file.sync_all().map_err(|e| cannot(&e))?;
        std::fs::rename(&partial, path).map_err(|e| cannot(&e))?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", n, if n == 1 { one } else { many })
}

impl LedgerReview {
    /// The review workspace at `path` (opened on first use).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            state: Arc::default(),
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
        self.with_state(|state| f(open(state)?)).await
    }

    /// Runs `f` on the state (the workspace not yet opened) on a blocking thread.
    async fn with_state<T, F>(&self, f: F) -> Result<T, CommandError>
    where
        T: Send + 'static,
        F: FnOnce(&mut OpenState<'_>) -> Result<T, CommandError> + Send + 'static,
    {
        let (path, slot) = (self.path.clone(), Arc::clone(&self.state));
        tokio::task::spawn_blocking(move || {
            let mut guard = slot
                .lock()
                .map_err(|_| internal("the ledger workspace failed in an earlier call"))?;
            f(&mut OpenState {
                path: &path,
                state: &mut guard,
            })
        })
        .await
        .map_err(internal)?
    }

    /// Imports ledgers and trades exports (`.csv` or the exchange's `.zip`): every file or none.
    /// A file that cannot be read or parsed is a [`ImportSummary::failure`] (not an error of the
    /// call): nothing is stored. A file another program re-saved (BOM, mixed line ends, no final
    /// line break) is refused unless `accept_edited`, which reads it and lists the findings as
    /// warnings. `progress` is called from the blocking thread as the import goes.
    pub async fn import(
        &self,
        paths: Vec<PathBuf>,
        accept_edited: bool,
        mut progress: impl FnMut(ImportProgress) + Send + 'static,
    ) -> Result<ImportSummary, CommandError> {
        if paths.is_empty() {
            return Err(CommandError::new(
                ErrorCode::InvalidInput,
                "No file to import: drop ledgers or trades exports (.csv or .zip), or give their paths.",
            ));
        }
        self.with(move |ws| import_blocking(ws, &paths, accept_edited, &mut progress))
            .await
    }

    /// The integrity check of everything stored; made again only when the stored imports
    /// changed since the last one.
    pub async fn report(&self) -> Result<IntegrityView, CommandError> {
        self.with_state(|s| {
            let current = stored(open(s)?).map_err(store_error)?;
            if let Some((at, view)) = &s.state.report
                && *at == current
            {
                return Ok(view.clone());
            }
            let ws = open(s)?;
            let report = ws.check().map_err(store_error)?;
            let view = integrity_view(&report, ws.ledger_rows().map_err(store_error)?);
            s.state.checks += 1;
            s.state.report = Some((current, view.clone()));
            Ok(view)
        })
        .await
    }

    /// How many times the integrity check has run on this workspace (the report is cached per
    /// workspace state; tests and diagnostics read this).
    pub async fn checks_run(&self) -> Result<usize, CommandError> {
        self.with_state(|s| Ok(s.state.checks)).await
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

    /// `limit` trade groups (at most 200) from `offset` of those among the rows `filter`
    /// selects, in time order, each with its legs and fees, and how many there are. The groups'
    /// order is read once per filter and workspace state; a page reads only its own legs.
    pub async fn trades(
        &self,
        filter: LedgerFilter,
        offset: usize,
        limit: usize,
    ) -> Result<TradesPageView, CommandError> {
        let resolved = filter.to_filter(now())?;
        let limit = limit.min(200);
        self.with_state(move |s| {
            let current = stored(open(s)?).map_err(store_error)?;
            // Keyed on the filter as the page sent it: a relative range ("ytd") resolves to a
            // new end on every call, and the pages of one list must come from that list.
            let cached = match &s.state.trades {
                Some((at, asked, f, refids)) if *at == current && *asked == filter => {
                    Some((f.clone(), Arc::clone(refids)))
                }
                _ => None,
            };
            let (filter, refids) = match cached {
                Some(cached) => cached,
                None => {
                    let refids = Arc::new(open(s)?.trade_refids(&resolved).map_err(store_error)?);
                    s.state.trades = Some((current, filter, resolved.clone(), Arc::clone(&refids)));
                    (resolved, refids)
                }
            };
            let start = offset.min(refids.len());
            let end = start.saturating_add(limit).min(refids.len());
            let groups = open(s)?
                .trade_groups(&filter, &refids[start..end])
                .map_err(store_error)?;
            Ok(TradesPageView {
                groups: groups.into_iter().map(group_view).collect(),
                total: refids.len(),
            })
        })
        .await
    }

    /// Writes the rows `filter` selects to `path` as a ledgers export in the exchange's current
    /// layout (time order), and says how many.
    pub async fn export_rows(
        &self,
        filter: LedgerFilter,
        path: PathBuf,
    ) -> Result<ExportView, CommandError> {
        let filter = filter.to_filter(now())?;
        let path = export_target(&path, &self.path)?;
        self.with(move |ws| {
            let rows = write_file(&path, |out| ws.export_csv(&filter, out))?;
            Ok(ExportView {
                message: format!(
                    "Wrote {} to {} in the exchange's ledgers layout.",
                    plural(rows, "row", "rows"),
                    path.display()
                ),
                path: path.display().to_string(),
                rows,
            })
        })
        .await
    }

    /// Writes balance assertions to `path` (CSV `date,asset,wallet,balance`): each chain's
    /// balance at every month end of the filter's date range (without one: of the stored rows),
    /// for the chains its assets and wallets select.
    pub async fn export_balances(
        &self,
        filter: LedgerFilter,
        path: PathBuf,
    ) -> Result<ExportView, CommandError> {
        let filter = filter.to_filter(now())?;
        let path = export_target(&path, &self.path)?;
        self.with(move |ws| {
            let assertions = ws.monthly_assertions(&filter).map_err(store_error)?;
            write_file(&path, |out| {
                std::io::Write::write_all(out, assertions.csv.as_bytes())?;
                Ok(())
            })?;
            // "at 2 month ends", "at the end of 2025-01-14", or both.
            let months = assertions.month_ends();
            let when: Vec<String> = (months > 0)
                .then(|| format!("at {}", plural(months, "month end", "month ends")))
                .into_iter()
                .chain(
                    assertions
                        .partial_end()
                        .map(|day| format!("at the end of {day}")),
                )
                .collect();
            // No period end: no row in the range to start a month from.
            let when = if when.is_empty() {
                "(no rows in that range)".to_owned()
            } else {
                when.join(" and ")
            };
            Ok(ExportView {
                message: format!(
                    "Wrote {} {when} to {}.",
                    plural(assertions.lines, "balance", "balances"),
                    path.display()
                ),
                path: path.display().to_string(),
                rows: assertions.lines,
            })
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
