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
//!
//! # Modules
//!
//! `report` holds what the check finds; `order` orders a chain's rows within one second.

mod order;
mod report;

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::asset;
use crate::import::{LedgerColumns, LedgersFile, unknown_values};
use crate::ledger::{LedgerColumn, LedgerRow};
use order::{arrange, loop_entry};

pub use report::{
    BreakHint, Chain, ChainBreak, ChainKey, Conflict, Duplicate, Flag, IntegrityReport, Repeat,
    Request, RowIndex, RowRef,
};

/// The wallet of a file without a `wallet` column.
pub const DEFAULT_WALLET: &str = "spot / main";

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
