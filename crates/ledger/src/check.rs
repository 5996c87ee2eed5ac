//! The integrity check of one or more ledgers files: [`check`] merges them (an entry exported
//! twice counts once) and follows every balance chain, reporting an [`IntegrityReport`].
//!
//! # Chains
//!
//! A chain is one asset's balance in one wallet ([`ChainKey`]): the asset by its normalised code
//! with its suffix (`XXBT`, `XBT` and `BTC` are one chain, `DOT.S` and `DOT28.S` are two), the
//! wallet as the file names it. A file without a `wallet` column predates wallets and is taken to
//! be `spot / main`, so an old and a new export of one account join into the same chains.
//!
//! Along a chain, ordered by time, each entry must satisfy `previous balance + amount − fee =
//! balance`. The first entry has no previous one: the chain's opening balance is
//! `balance − amount + fee`. Exports print times to the second and do not define the order
//! within one, so rows of one chain in the same second are taken in file order if that holds, and
//! otherwise in any order that holds (found as a path through the balances); only when none
//! exists is a break reported, at the row that follows the gap. After a break the chain goes on
//! from the balance found, so one missing entry gives one break.
//!
//! A chain's first second has no balance before it to start from. When its rows form a closed
//! loop (they bring the balance back to where it was: `0 → 2 → 0`), every rotation of them holds;
//! the one taken is the one that ends where the chain's later seconds go on from. A chain whose
//! every second is such a loop says nothing more: its rows are also those of a ledger that opened
//! at another of their balances, and file order decides.
//!
//! # Merging
//!
//! Files are taken in the order given, rows in file order; an entry is known by its `txid`.
//! - the same `txid` again in a *later file* with the same content (on the columns both files
//!   carry) is a [`Repeat`]: overlapping exports, counted once;
//! - with different content it is a [`Conflict`]: the first is kept;
//! - twice in *one file* it is a [`Duplicate`], which the exchange never writes: the first is
//!   kept;
//! - different `txid`s are different entries, even in the same second with the same values.
//!
//! Request rows (no `txid`, no balance) move no balance and are not part of a chain; each is
//! reported as a [`Request`], paired with the settled entry of its `refid` and asset when the
//! files hold one. The same request row in two files counts once.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::asset;
use crate::import::{LedgerColumns, LedgersFile, unknown_values};
use crate::ledger::{LedgerColumn, LedgerRow};
use crate::time::Timestamp;

/// The wallet of a file without a `wallet` column.
pub const DEFAULT_WALLET: &str = "spot / main";

/// Where a row is: its file, line and `txid` (empty for a request row).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowRef {
    pub file: Arc<str>,
    pub line: u32,
    pub txid: String,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.txid.is_empty() {
            write!(f, "{} line {} (request)", self.file, self.line)
        } else {
            write!(f, "{} line {} ({})", self.file, self.line, self.txid)
        }
    }
}

/// A row by position: `files[file].rows[row]` of the files given to [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowIndex {
    pub file: u32,
    pub row: u32,
}

/// One balance: an asset (normalised, with its suffix: `BTC`, `DOT28.S`) in a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainKey {
    pub asset: String,
    pub wallet: String,
}

impl fmt::Display for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.asset, self.wallet)
    }
}

/// A balance chain as found: where it starts and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub key: ChainKey,
    /// The asset codes as the files spell them (`XXBT`, `BTC`), sorted.
    pub spellings: Vec<String>,
    /// Settled entries in the chain.
    pub rows: usize,
    /// The balance before the first entry: its `balance − amount + fee`.
    pub opening: Decimal,
    /// The balance after the last entry.
    pub closing: Decimal,
    pub first: RowRef,
    pub last: RowRef,
    /// Time of the first and last entry.
    pub from: Timestamp,
    pub to: Timestamp,
    /// Seconds whose rows did not hold in file order but did in another order.
    pub reordered_seconds: usize,
}

/// What a break's gap suggests, when it equals a movement next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakHint {
    /// The row's balance equals the previous one: its own movement is not in it, as if the row
    /// were doubled (its movement already counted).
    RowLooksDoubled,
    /// The gap equals the row's own movement: a row like it looks missing just before it.
    TwinOfRowMissing,
    /// The gap equals the previous row's movement: a row like that one looks missing.
    TwinOfPreviousMissing,
    /// The gap undoes the previous row's movement: the previous row looks doubled or out of
    /// place.
    PreviousLooksDoubled,
}

/// Where a chain does not hold: `previous balance + amount − fee ≠ balance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub chain: ChainKey,
    /// The entry before the gap, and the one after it (whose balance does not follow).
    pub previous: RowRef,
    pub row: RowRef,
    pub previous_balance: Decimal,
    pub amount: Decimal,
    pub fee: Decimal,
    /// `previous_balance + amount − fee`.
    pub expected: Decimal,
    /// The row's balance.
    pub found: Decimal,
    pub hint: Option<BreakHint>,
}

impl ChainBreak {
    /// `found − expected`: the movement missing between the two rows (negative: an outflow).
    pub fn gap(&self) -> Decimal {
        self.found - self.expected
    }
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gap = self.gap();
        let asset = &self.chain.asset;
        write!(
            f,
            "{}: {} balance is {} where {} was expected ({} after {}, {:+} amount, {} fee): ",
            self.row,
            self.chain,
            self.found,
            self.expected,
            self.previous_balance,
            self.previous,
            self.amount,
            self.fee,
        )?;
        let direction = if gap.is_sign_negative() {
            "short"
        } else {
            "over"
        };
        write!(
            f,
            "the balance is {direction} by {} {asset}: a movement of {gap:+} {asset} is missing between {} and {}",
            gap.abs(),
            self.previous,
            self.row,
        )?;
        match self.hint {
            None => Ok(()),
            Some(BreakHint::RowLooksDoubled) => write!(
                f,
                "; line {} looks doubled: its balance equals the previous one, its movement is already counted",
                self.row.line
            ),
            Some(BreakHint::TwinOfRowMissing) => write!(
                f,
                "; the gap equals line {}'s own movement: a row like it looks missing before it",
                self.row.line
            ),
            Some(BreakHint::TwinOfPreviousMissing) => write!(
                f,
                "; the gap equals line {}'s movement: a row like it looks missing after it",
                self.previous.line
            ),
            Some(BreakHint::PreviousLooksDoubled) => write!(
                f,
                "; the gap undoes line {}'s movement: that row looks doubled or out of place",
                self.previous.line
            ),
        }
    }
}

/// A `txid` twice in one file, which the exchange never writes; the first row is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub row: RowRef,
    pub first: RowRef,
    /// Whether every field is the same as the first's.
    pub identical: bool,
}

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {} repeats {} (same txid as line {}{})",
            self.row.file,
            self.row.line,
            self.row.txid,
            self.first.line,
            if self.identical {
                ""
            } else {
                ", different content"
            }
        )
    }
}

/// A `txid` in a later file with different content; the first is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub row: RowRef,
    pub first: RowRef,
    /// Header names of the columns that differ.
    pub columns: Vec<&'static str>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} has the txid of {} but a different {}; the first is kept",
            self.row,
            self.first,
            self.columns.join(", ")
        )
    }
}

/// A row already present in an earlier file (overlapping exports): counted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub row: RowRef,
    pub first: RowRef,
}

/// A request row (requested, no `txid`, no balance) and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub request: RowRef,
    pub refid: String,
    /// The asset, normalised.
    pub asset: String,
    pub amount: Decimal,
    /// The settled entry with the same `refid` and asset, if the files hold it.
    pub settled: Option<RowRef>,
    /// When unpaired: the first later settled entry of the same asset and amount under another
    /// `refid` (staking deposits are settled so), a hint, not a pairing.
    pub same_amount_later: Option<RowRef>,
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.request, self.refid, self.amount, self.asset
        )?;
        match (&self.settled, &self.same_amount_later) {
            (Some(settled), _) => write!(f, ": settled at {settled}"),
            (None, Some(hint)) => write!(
                f,
                ": requested, not settled under this refid in these files; {hint} has the same amount"
            ),
            (None, None) => f.write_str(": requested, not settled in these files"),
        }
    }
}

/// A type or subtype outside the documented lists: imported as it is, for a human to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub column: LedgerColumn,
    pub value: String,
    pub rows: usize,
    pub first: RowRef,
}

/// Everything [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntegrityReport {
    /// The files, in the order given.
    pub files: Vec<Arc<str>>,
    /// The rows that count, each entry once (settled and request rows), in the order read: what
    /// to store.
    pub distinct: Vec<RowIndex>,
    /// Every chain, by key.
    pub chains: Vec<Chain>,
    pub breaks: Vec<ChainBreak>,
    pub duplicates: Vec<Duplicate>,
    pub conflicts: Vec<Conflict>,
    /// Rows already present in an earlier file (settled and request rows).
    pub repeats: Vec<Repeat>,
    pub requests: Vec<Request>,
    pub flagged: Vec<Flag>,
}

impl IntegrityReport {
    /// No break, duplicate or conflict.
    pub fn holds(&self) -> bool {
        self.breaks.is_empty() && self.duplicates.is_empty() && self.conflicts.is_empty()
    }

    pub fn chain(&self, asset: &str, wallet: &str) -> Option<&Chain> {
        self.chains
            .iter()
            .find(|c| c.key.asset == asset && c.key.wallet == wallet)
    }

    /// Requests with no settled entry in the files.
    pub fn unpaired_requests(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter().filter(|r| r.settled.is_none())
    }
}

/// A fast, non-keyed hash map ([`rustc_hash`]) for the maps over millions of short ids; the
/// inputs are the user's own files, so hash flooding is not a concern.
type FxMap<K, V> = rustc_hash::FxHashMap<K, V>;

fn fx_map<K, V>(capacity: usize) -> FxMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, rustc_hash::FxBuildHasher)
}

/// A settled row in a chain, with what the walk needs of it, so the walk (in chain order, not
/// file order) does not go back to the rows.
#[derive(Debug, Clone, Copy)]
struct Entry {
    chain: u32,
    seconds: i64,
    at: RowIndex,
    /// The balance before the row, `balance − amount + fee` (`None` on overflow).
    start: Option<Decimal>,
    /// The balance after it.
    end: Decimal,
}

/// The files and lookups the check walks.
struct Files<'a> {
    files: &'a [LedgersFile],
}

impl<'a> Files<'a> {
    fn row(&self, at: RowIndex) -> &'a LedgerRow {
        &self.files[at.file as usize].rows[at.row as usize].row
    }

    fn columns(&self, at: RowIndex) -> LedgerColumns {
        self.files[at.file as usize].columns
    }

    fn has_wallet(&self, file: usize) -> bool {
        self.files[file].columns.contains(LedgerColumn::Wallet)
    }

    fn reference(&self, at: RowIndex) -> RowRef {
        let file = &self.files[at.file as usize];
        let imported = &file.rows[at.row as usize];
        RowRef {
            file: Arc::clone(&file.file),
            line: imported.line,
            txid: imported.row.txid.to_string(),
        }
    }
}

pub(crate) fn index(file: usize, row: usize) -> RowIndex {
    RowIndex {
        file: u32::try_from(file).unwrap_or(u32::MAX),
        row: u32::try_from(row).unwrap_or(u32::MAX),
    }
}

/// Header names of the columns both rows' files carry on which the two rows differ.
fn differing_columns(
    a: &LedgerRow,
    a_columns: LedgerColumns,
    b: &LedgerRow,
    b_columns: LedgerColumns,
) -> Vec<&'static str> {
    a_columns
        .intersection(b_columns)
        .iter()
        .filter(|&c| {
            let same = match c {
                LedgerColumn::Txid => a.txid == b.txid,
                LedgerColumn::Refid => a.refid == b.refid,
                LedgerColumn::Time => a.time == b.time,
                LedgerColumn::Type => a.r#type == b.r#type,
                LedgerColumn::Subtype => a.subtype == b.subtype,
                LedgerColumn::Aclass => a.aclass == b.aclass,
                LedgerColumn::Subclass => a.subclass == b.subclass,
                LedgerColumn::Asset => a.asset == b.asset,
                LedgerColumn::Wallet => a.wallet == b.wallet,
                LedgerColumn::Amount => a.amount == b.amount,
                LedgerColumn::Fee => a.fee == b.fee,
                LedgerColumn::Balance => a.balance == b.balance,
                LedgerColumn::AmountUsd => a.amount_usd == b.amount_usd,
                LedgerColumn::FeeUsd => a.fee_usd == b.fee_usd,
                LedgerColumn::BalanceUsd => a.balance_usd == b.balance_usd,
                LedgerColumn::FeeCurrency => a.fee_currency == b.fee_currency,
            };
            !same
        })
        .map(LedgerColumn::header)
        .collect()
}

/// Chains by key, with the asset spellings that map to each.
struct ChainTable<'a> {
    by_spelling: FxMap<(&'a str, &'a str), u32>,
    by_key: FxMap<ChainKey, u32>,
    keys: Vec<ChainKey>,
    spellings: Vec<Vec<String>>,
}

impl<'a> ChainTable<'a> {
    fn new() -> Self {
        Self {
            by_spelling: fx_map(64),
            by_key: fx_map(64),
            keys: Vec::new(),
            spellings: Vec::new(),
        }
    }

    fn id(&mut self, asset: &'a str, wallet: &'a str) -> u32 {
        if let Some(&id) = self.by_spelling.get(&(asset, wallet)) {
            return id;
        }
        let key = ChainKey {
            asset: asset::normalize(asset).normalized(),
            wallet: wallet.to_owned(),
        };
        let id = match self.by_key.get(&key) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
                self.by_key.insert(key.clone(), id);
                self.keys.push(key);
                self.spellings.push(Vec::new());
                id
            }
        };
        self.spellings[id as usize].push(asset.to_owned());
        self.by_spelling.insert((asset, wallet), id);
        id
    }
}

/// Merges `files` (in the order given) and checks every balance chain; see the module docs.
pub fn check(files: &[LedgersFile]) -> IntegrityReport {
    let all = Files { files };
    let total: usize = files.iter().map(|f| f.rows.len()).sum();
    let mut report = IntegrityReport {
        files: files.iter().map(|f| Arc::clone(&f.file)).collect(),
        distinct: Vec::with_capacity(total),
        ..IntegrityReport::default()
    };

    // Merge: the first occurrence of each txid, and the last one seen in the current file.
    let mut by_txid: FxMap<&str, (RowIndex, RowIndex)> = fx_map(total);
    type RequestKey<'k> = (&'k str, i64, &'k str, &'k str, Decimal, Decimal);
    let mut requests_seen: FxMap<RequestKey<'_>, RowIndex> = fx_map(16);
    let mut chains = ChainTable::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(total);
    let mut requests: Vec<RowIndex> = Vec::new();
    for (f, file) in files.iter().enumerate() {
        let wallet_known = all.has_wallet(f);
        for (r, imported) in file.rows.iter().enumerate() {
            let at = index(f, r);
            let row = &imported.row;
            if row.txid.is_empty() {
                let key = (
                    row.refid.as_str(),
                    row.time.ticks(),
                    row.r#type.as_str(),
                    row.asset.as_str(),
                    row.amount.normalize(),
                    row.fee.normalize(),
                );
                match requests_seen.get(&key) {
                    Some(&first) if first.file != at.file => report.repeats.push(Repeat {
                        row: all.reference(at),
                        first: all.reference(first),
                    }),
                    _ => {
                        requests_seen.entry(key).or_insert(at);
                        requests.push(at);
                        report.distinct.push(at);
                    }
                }
                continue;
            }
            match by_txid.entry(row.txid.as_str()) {
                std::collections::hash_map::Entry::Vacant(vacant) => {
                    vacant.insert((at, at));
                }
                std::collections::hash_map::Entry::Occupied(mut occupied) => {
                    let (first, latest) = occupied.get_mut();
                    if latest.file == at.file {
                        let earlier = *latest;
                        let identical =
                            differing_columns(all.row(earlier), file.columns, row, file.columns)
                                .is_empty();
                        report.duplicates.push(Duplicate {
                            row: all.reference(at),
                            first: all.reference(earlier),
                            identical,
                        });
                    } else {
                        *latest = at;
                        let first = *first;
                        let columns = differing_columns(
                            all.row(first),
                            all.columns(first),
                            row,
                            file.columns,
                        );
                        if columns.is_empty() {
                            report.repeats.push(Repeat {
                                row: all.reference(at),
                                first: all.reference(first),
                            });
                        } else {
                            report.conflicts.push(Conflict {
                                row: all.reference(at),
                                first: all.reference(first),
                                columns,
                            });
                        }
                    }
                    continue;
                }
            }
            let wallet = if wallet_known {
                row.wallet.as_str()
            } else {
                DEFAULT_WALLET
            };
            entries.push(Entry {
                chain: chains.id(&row.asset, wallet),
                seconds: row.time.unix_seconds(),
                at,
                start: start_of(row),
                end: end_of(row),
            });
            report.distinct.push(at);
        }
    }
    drop(by_txid);

    entries.sort_unstable_by_key(|e| (e.chain, e.seconds, e.at));
    let mut start = 0;
    while start < entries.len() {
        let chain = entries[start].chain;
        let end = entries[start..]
            .iter()
            .position(|e| e.chain != chain)
            .map_or(entries.len(), |n| start + n);
        walk_chain(
            &all,
            &chains.keys[chain as usize],
            &chains.spellings[chain as usize],
            &entries[start..end],
            &mut report,
        );
        start = end;
    }
    report.chains.sort_by(|a, b| a.key.cmp(&b.key));

    report.requests = pair_requests(&all, &requests, &entries, &chains);
    // Only files with an unknown value are looked through again.
    let flagged_rows = report
        .distinct
        .iter()
        .filter(|at| !files[at.file as usize].unknown.is_empty())
        .map(|&at| (all.row(at), at));
    report.flagged = unknown_values(flagged_rows)
        .into_iter()
        .map(|(column, value, rows, at)| Flag {
            column,
            value,
            rows,
            first: all.reference(at),
        })
        .collect();
    report
}

/// `balance − amount + fee`: the balance before the row, if it does not overflow.
fn start_of(row: &LedgerRow) -> Option<Decimal> {
    row.balance?.checked_sub(row.amount)?.checked_add(row.fee)
}

fn end_of(row: &LedgerRow) -> Decimal {
    row.balance.unwrap_or_default()
}

/// Follows one chain's entries (sorted by time, then file order) and records it and its breaks.
fn walk_chain(
    all: &Files<'_>,
    key: &ChainKey,
    spellings: &[String],
    entries: &[Entry],
    report: &mut IntegrityReport,
) {
    let mut previous: Option<(Decimal, RowIndex)> = None;
    let mut opening = Decimal::ZERO;
    let mut reordered_seconds = 0;
    let mut first_at = None;
    let mut ordered: Vec<usize> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let second = entries[start].seconds;
        let end = entries[start..]
            .iter()
            .position(|e| e.seconds != second)
            .map_or(entries.len(), |n| start + n);
        let group = &entries[start..end];
        ordered.clear();
        if group.len() == 1 {
            ordered.push(0);
        } else {
            let from = match previous {
                Some((balance, _)) => Some(balance),
                None => loop_entry(group, &entries[end..]),
            };
            let reordered = arrange(group, from, &mut ordered);
            reordered_seconds += usize::from(reordered);
        }
        for &i in &ordered {
            let Entry {
                at,
                start: start_balance,
                end: end_balance,
                ..
            } = group[i];
            match previous {
                None => {
                    opening = start_balance.unwrap_or_default();
                    first_at = Some(at);
                }
                Some((balance, before)) if start_balance != Some(balance) => {
                    report
                        .breaks
                        .push(chain_break(all, key, balance, before, at));
                }
                Some(_) => {}
            }
            previous = Some((end_balance, at));
        }
        start = end;
    }
    let (Some(first_at), Some((closing, last_at))) = (first_at, previous) else {
        return;
    };
    let mut spellings = spellings.to_vec();
    spellings.sort();
    report.chains.push(Chain {
        key: key.clone(),
        spellings,
        rows: entries.len(),
        opening,
        closing,
        first: all.reference(first_at),
        last: all.reference(last_at),
        from: all.row(first_at).time,
        to: all.row(last_at).time,
        reordered_seconds,
    });
}

fn chain_break(
    all: &Files<'_>,
    key: &ChainKey,
    previous_balance: Decimal,
    before: RowIndex,
    at: RowIndex,
) -> ChainBreak {
    let row = all.row(at);
    let prior = all.row(before);
    let found = end_of(row);
    let expected = previous_balance
        .checked_add(row.amount)
        .and_then(|d| d.checked_sub(row.fee))
        .unwrap_or(Decimal::MAX);
    let gap = found.checked_sub(expected).unwrap_or(Decimal::MAX);
    let own = row.amount.checked_sub(row.fee).unwrap_or(Decimal::MAX);
    let prior_own = prior.amount.checked_sub(prior.fee).unwrap_or(Decimal::MAX);
    let hint = if found == previous_balance && !own.is_zero() {
        Some(BreakHint::RowLooksDoubled)
    } else if gap == own && !own.is_zero() {
        Some(BreakHint::TwinOfRowMissing)
    } else if gap == prior_own && !prior_own.is_zero() {
        Some(BreakHint::TwinOfPreviousMissing)
    } else if gap == -prior_own && !prior_own.is_zero() {
        Some(BreakHint::PreviousLooksDoubled)
    } else {
        None
    };
    ChainBreak {
        chain: key.clone(),
        previous: all.reference(before),
        row: all.reference(at),
        previous_balance,
        amount: row.amount,
        fee: row.fee,
        expected,
        found,
        hint,
    }
}

/// Where a chain's first second must start when its rows form a closed loop (they move the
/// balance back to where it was, so every rotation of them holds and the rows alone do not say
/// which balance came first): the balance the chain's later seconds go on from, if one of the
/// loop's balances. Later seconds that are loops too narrow the choice to the balances they share;
/// the first later second that moves the balance starts at one balance, which settles it.
/// `None` when the first second is no loop (its order is determined, or it has a gap) or nothing
/// later tells: file order decides then.
fn loop_entry(group: &[Entry], later: &[Entry]) -> Option<Decimal> {
    let mut candidates = loop_balances(group)?;
    let mut start = 0;
    while start < later.len() {
        let second = later[start].seconds;
        let end = later[start..]
            .iter()
            .position(|e| e.seconds != second)
            .map_or(later.len(), |n| start + n);
        let next = &later[start..end];
        match loop_balances(next) {
            Some(shared) => candidates.retain(|c| shared.contains(c)),
            None => {
                // A second that moves the balance: it starts where its path must.
                let entry = path_source(next)?;
                return candidates.contains(&entry).then_some(entry);
            }
        }
        match candidates.as_slice() {
            [] => return None,
            [only] => return Some(*only),
            _ => {}
        }
        start = end;
    }
    None
}

/// The distinct balances of a group whose rows form closed loops (the balances they start from
/// are the ones they end at, counted with multiplicity), in file order of the rows; `None`
/// otherwise.
fn loop_balances(group: &[Entry]) -> Option<Vec<Decimal>> {
    let mut starts: Vec<Decimal> = group.iter().map(|e| e.start).collect::<Option<_>>()?;
    let in_order = starts.clone();
    let mut ends: Vec<Decimal> = group.iter().map(|e| e.end).collect();
    starts.sort_unstable();
    ends.sort_unstable();
    if starts != ends {
        return None;
    }
    let mut distinct: Vec<Decimal> = Vec::with_capacity(in_order.len());
    for balance in in_order {
        if !distinct.contains(&balance) {
            distinct.push(balance);
        }
    }
    Some(distinct)
}

/// The balance a group's path must start from: the one balance more rows start from than end at.
fn path_source(group: &[Entry]) -> Option<Decimal> {
    let mut surplus: Vec<(Decimal, i64)> = Vec::with_capacity(group.len() * 2);
    for e in group {
        surplus.push((e.start?, 1));
        surplus.push((e.end, -1));
    }
    surplus.sort_unstable_by_key(|a| a.0);
    let mut sources = Vec::new();
    let mut i = 0;
    while i < surplus.len() {
        let balance = surplus[i].0;
        let mut net = 0;
        while i < surplus.len() && surplus[i].0 == balance {
            net += surplus[i].1;
            i += 1;
        }
        if net > 0 {
            sources.push((balance, net));
        }
    }
    match sources.as_slice() {
        [(balance, 1)] => Some(*balance),
        _ => None,
    }
}

/// Orders a same-second group into `out`: file order if it holds, else an order that holds (a
/// path through the balances starting at `from`), else the best effort that breaks only at gaps.
/// Returns whether the order differs from the file order.
fn arrange(group: &[Entry], from: Option<Decimal>, out: &mut Vec<usize>) -> bool {
    let starts: Vec<Option<Decimal>> = group.iter().map(|e| e.start).collect();
    let ends: Vec<Decimal> = group.iter().map(|e| e.end).collect();
    let holds_in_file_order = from.is_none_or(|f| starts[0] == Some(f))
        && (1..group.len()).all(|i| starts[i] == Some(ends[i - 1]));
    let order = if holds_in_file_order {
        None
    } else {
        trail(&starts, &ends, from).or_else(|| Some(best_effort(&starts, &ends, from)))
    };
    match order {
        None => {
            out.extend(0..group.len());
            false
        }
        Some(order) => {
            let changed = order.iter().enumerate().any(|(i, &o)| i != o);
            out.extend(order.iter().copied());
            changed
        }
    }
}

/// An order of all rows in which each starts at the previous one's end (the first at `from`, or
/// where the balances say the path must start), if one exists: an Eulerian trail through the
/// balances (Hierholzer), preferring file order where there is a choice.
fn trail(
    starts: &[Option<Decimal>],
    ends: &[Decimal],
    from: Option<Decimal>,
) -> Option<Vec<usize>> {
    let starts: Vec<Decimal> = starts.iter().copied().collect::<Option<_>>()?;
    let mut nodes: Vec<Decimal> = starts.iter().chain(ends).copied().collect();
    nodes.sort_unstable();
    nodes.dedup();
    let node = |d: Decimal| nodes.binary_search(&d).ok();
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut surplus = vec![0_i64; nodes.len()];
    let mut tail = Vec::with_capacity(starts.len());
    let mut head = Vec::with_capacity(starts.len());
    for (s, &e) in starts.iter().zip(ends) {
        let (s, e) = (node(*s)?, node(e)?);
        surplus[s] += 1;
        surplus[e] -= 1;
        tail.push(s);
        head.push(e);
    }
    for edge in (0..starts.len()).rev() {
        out_edges[tail[edge]].push(edge);
    }
    let begin = match from {
        Some(f) => node(f)?,
        None => surplus
            .iter()
            .position(|&s| s == 1)
            .unwrap_or(*tail.first()?),
    };
    let mut stack: Vec<(usize, Option<usize>)> = vec![(begin, None)];
    let mut path = Vec::with_capacity(starts.len());
    while let Some(&(v, via)) = stack.last() {
        match out_edges[v].pop() {
            Some(edge) => stack.push((head[edge], Some(edge))),
            None => {
                stack.pop();
                path.extend(via);
            }
        }
    }
    path.reverse();
    let valid = path.len() == starts.len()
        && path.first().is_some_and(|&e| tail[e] == begin)
        && path.windows(2).all(|w| tail[w[1]] == head[w[0]]);
    valid.then_some(path)
}

/// An order for a group with a gap: follow the balances while a row continues them (file order
/// first); at a gap, continue with a row no other remaining row leads to (the row after the
/// gap, first in file order), so each gap costs one break. Rows are found by their balances
/// through maps: O(k) per gap, O(k log k) otherwise.
fn best_effort(starts: &[Option<Decimal>], ends: &[Decimal], from: Option<Decimal>) -> Vec<usize> {
    let n = starts.len();
    // Rows by opening balance, last in file order first, so `pop` yields file order.
    let mut by_start: FxMap<Decimal, Vec<usize>> = fx_map(n);
    // How many remaining rows end at each balance.
    let mut ending_at: FxMap<Decimal, usize> = fx_map(n);
    for i in (0..n).rev() {
        if let Some(start) = starts[i] {
            by_start.entry(start.normalize()).or_default().push(i);
        }
        *ending_at.entry(ends[i].normalize()).or_default() += 1;
    }
    let mut taken = vec![false; n];
    let mut first_untaken = 0;
    let mut order = Vec::with_capacity(n);
    let mut current = from;
    while order.len() < n {
        while taken[first_untaken] {
            first_untaken += 1;
        }
        let follows = current.and_then(|c| {
            let rows = by_start.get_mut(&c.normalize())?;
            std::iter::from_fn(|| rows.pop()).find(|&i| !taken[i])
        });
        // A row no other remaining row leads to.
        let is_head = |r: usize| match starts[r] {
            None => true,
            Some(start) => {
                let leading = ending_at.get(&start.normalize()).copied().unwrap_or(0);
                leading.saturating_sub(usize::from(ends[r] == start)) == 0
            }
        };
        let pick = follows
            .or_else(|| (first_untaken..n).find(|&r| !taken[r] && is_head(r)))
            .unwrap_or(first_untaken);
        taken[pick] = true;
        if let Some(count) = ending_at.get_mut(&ends[pick].normalize()) {
            *count -= 1;
        }
        order.push(pick);
        current = Some(ends[pick]);
    }
    order
}

/// Pairs each request row with the settled entry of its `refid` and asset.
fn pair_requests(
    all: &Files<'_>,
    requests: &[RowIndex],
    entries: &[Entry],
    chains: &ChainTable<'_>,
) -> Vec<Request> {
    if requests.is_empty() {
        return Vec::new();
    }
    let normalized = |code: &str| asset::normalize(code).normalized();
    let wanted: FxMap<&str, ()> = requests
        .iter()
        .map(|&at| (all.row(at).refid.as_str(), ()))
        .collect();
    // Settled entries by refid (only the refids asked for) and by (asset, amount), in time order.
    let mut by_refid: FxMap<&str, Vec<&Entry>> = fx_map(wanted.len());
    let mut by_amount: FxMap<(&str, Decimal), Vec<&Entry>> = fx_map(wanted.len());
    let request_assets: Vec<(String, Decimal)> = requests
        .iter()
        .map(|&at| {
            let row = all.row(at);
            (normalized(&row.asset), row.amount.normalize())
        })
        .collect();
    let request_amounts: FxMap<(&str, Decimal), ()> = request_assets
        .iter()
        .map(|(asset, amount)| ((asset.as_str(), *amount), ()))
        .collect();
    let mut by_time: Vec<&Entry> = entries.iter().collect();
    by_time.sort_unstable_by_key(|e| (e.seconds, e.at));
    for entry in by_time {
        let row = all.row(entry.at);
        if wanted.contains_key(row.refid.as_str()) {
            by_refid.entry(&row.refid).or_default().push(entry);
        }
        let asset = chains.keys[entry.chain as usize].asset.as_str();
        let amount = row.amount.normalize();
        if request_amounts.contains_key(&(asset, amount)) {
            by_amount.entry((asset, amount)).or_default().push(entry);
        }
    }
    requests
        .iter()
        .map(|&at| {
            let row = all.row(at);
            let asset = normalized(&row.asset);
            let settled = by_refid
                .get(row.refid.as_str())
                .and_then(|es| {
                    es.iter()
                        .find(|e| chains.keys[e.chain as usize].asset == asset)
                })
                .map(|e| all.reference(e.at));
            let same_amount_later = if settled.is_some() {
                None
            } else {
                by_amount
                    .get(&(asset.as_str(), row.amount.normalize()))
                    .and_then(|es| es.iter().find(|e| e.seconds >= row.time.unix_seconds()))
                    .map(|e| all.reference(e.at))
            };
            Request {
                request: all.reference(at),
                refid: row.refid.to_string(),
                asset,
                amount: row.amount,
                settled,
                same_amount_later,
            }
        })
        .collect()
}
