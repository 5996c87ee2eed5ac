//! The app's Ledgers area without a window: one review workspace (`countersign_ledger::Workspace`,
//! a SQLite file), its jobs ([`LedgerReview`]) and the views they return ([`views`]). The desktop
//! app keeps it at `<app data dir>/ledgers/default.sqlite`; `countersign ledger` uses the same
//! jobs on its own workspace.
//!
//! Ledger review is independent of the Organization: it needs no network and no session, so it
//! works offline and while the org API is unreachable. The app reaches it through
//! [`crate::AppCore::ledgers`], which refuses while the app is locked.
//!
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

mod files;
pub mod views;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_ledger::{Bucket, Dimension, Filter, StoreError, Timestamp, Workspace};

pub use views::*;

use crate::env::{Clock, system_clock};
use crate::error::{CommandError, ErrorCode};
use files::{export_target, import_blocking, plural, write_file};
use views::{group_view, integrity_view, row_view};

/// The review workspace (see the module docs). Cheap to clone; clones share the workspace.
#[derive(Clone)]
pub struct LedgerReview {
    path: PathBuf,
    state: Arc<Mutex<State>>,
    /// What relative dates (`last month`) are read against.
    clock: Clock,
    /// Whether the workspace's folder is its own (the app's and the CLI's data folders): then
    /// no export is written there, only elsewhere.
    private_folder: bool,
}

impl std::fmt::Debug for LedgerReview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerReview")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
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
    CommandError::internal(e)
}

fn store_error(e: StoreError) -> CommandError {
    match e {
        StoreError::Import(e) => CommandError::new(ErrorCode::InvalidInput, e.to_string()),
        other => internal(other),
    }
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

impl LedgerReview {
    /// The review workspace at `path` (opened on first use).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_clock(path, system_clock())
    }

    /// The review workspace at `path`, reading relative dates against `clock`.
    pub fn with_clock(path: impl Into<PathBuf>, clock: Clock) -> Self {
        Self {
            path: path.into(),
            state: Arc::default(),
            clock,
            private_folder: true,
        }
    }

    /// This workspace in a folder it shares with other files (a database the person chose):
    /// exports may go beside it, only never onto the database or its side files.
    #[must_use]
    pub fn in_shared_folder(mut self) -> Self {
        self.private_folder = false;
        self
    }

    /// Now, as the exports count time.
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds((self.clock)().div_euclid(1000))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The app's default workspace: `<data_dir>/ledgers/default.sqlite`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        Self::new(Self::path_in(data_dir))
    }

    /// Where the app's default workspace is: `<data_dir>/ledgers/default.sqlite`.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        crate::DataPaths::app(data_dir)
            .ledgers
            .unwrap_or_else(|| data_dir.join("ledgers").join("default.sqlite"))
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
        let filter = filter.to_filter(self.now())?;
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
        let filter = filter.to_filter(self.now())?;
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
        let filter = filter.to_filter(self.now())?;
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
        let resolved = filter.to_filter(self.now())?;
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
        let filter = filter.to_filter(self.now())?;
        let path = export_target(&path, &self.path, self.private_folder)?;
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
        let filter = filter.to_filter(self.now())?;
        let path = export_target(&path, &self.path, self.private_folder)?;
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

    /// Every chain's balance at the end of `at` (a date or period as `LedgerFilter::date` takes
    /// it: `2024-12-31`, `last month`), or now.
    pub async fn balances(&self, at: Option<String>) -> Result<BalancesView, CommandError> {
        let now = self.now();
        let at = match at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => {
                let range = countersign_ledger::DateRange::parse(text, now)
                    .map_err(|e| CommandError::new(ErrorCode::InvalidInput, e.to_string()))?;
                // The last tick of the range: its end is exclusive.
                Timestamp::from_ticks(range.to.ticks() - 1).unwrap_or(range.to)
            }
            None => now,
        };
        self.with(move |ws| {
            Ok(BalancesView {
                at: at.to_csv_with_fraction(),
                balances: ws
                    .balance_at(at)
                    .map_err(store_error)?
                    .into_iter()
                    .map(|b| BalanceView {
                        asset: b.asset,
                        wallet: b.wallet,
                        balance: b.balance.to_string(),
                    })
                    .collect(),
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
