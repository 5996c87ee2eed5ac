//! Which stored rows a [`Filter`] selects: a [`Selection`] resolves the filter against the
//! workspace's decoded table once, then walks the rows it selects in review order (time, then
//! storage order): the rows of the selected chains when an asset or wallet is asked for, else the
//! time range of the whole order (found by binary search). Kind-level conditions (type, subtype,
//! asset, wallet, and text that matches them) are decided once per kind, not per row.

use std::ops::Range;

use countersign_kraken::Timestamp;

use super::Filter;
use crate::store::table::LedgerTable;

/// Whether `needle` (ASCII lowercase) is in `hay`, ignoring ASCII case: SQL `LIKE '%needle%'`.
fn contains_ignoring_ascii_case(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The rows a filter selects, walked in review order (see the module docs).
pub(crate) struct Selection<'t> {
    table: &'t LedgerTable,
    /// Positions within the time bounds.
    range: Range<usize>,
    /// The chains an asset or wallet filter leaves, if one is set.
    chains: Option<Vec<usize>>,
    /// Per kind: passes the kind-level conditions; the text is among its values.
    kind_state: Vec<(bool, bool)>,
    refid: Option<String>,
    /// ASCII lowercase.
    text: Option<String>,
    settled_only: bool,
    trade_legs: bool,
}

impl<'t> Selection<'t> {
    /// The rows of `table` that `filter` selects, with time bounds `from` and `to` in place of
    /// its own.
    pub fn new(
        table: &'t LedgerTable,
        filter: &Filter,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Self {
        let assets = filter.normalized_assets();
        let chain_ok: Vec<bool> = table
            .chains
            .iter()
            .map(|c| {
                (assets.is_empty() || assets.iter().any(|a| c.asset == a.as_str()))
                    && (filter.wallets.is_empty()
                        || filter.wallets.iter().any(|w| c.wallet == w.as_str()))
            })
            .collect();
        let text = filter
            .text
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(str::to_ascii_lowercase);
        // Per kind: whether its values pass, and whether the text is among them.
        let kind_state: Vec<(bool, bool)> = table
            .kinds
            .iter()
            .map(|k| {
                let chain = &table.chains[k.chain];
                let ok = chain_ok[k.chain]
                    && (filter.types.is_empty()
                        || filter.types.iter().any(|t| k.r#type == t.as_str()))
                    && (filter.subtypes.is_empty()
                        || filter.subtypes.iter().any(|t| k.subtype == t.as_str()));
                let text_here = text.as_deref().is_some_and(|t| {
                    [&k.r#type, &k.subtype, &k.asset, &chain.asset, &chain.wallet]
                        .iter()
                        .any(|v| contains_ignoring_ascii_case(v, t))
                });
                (ok, text_here)
            })
            .collect();
        let chains = (!assets.is_empty() || !filter.wallets.is_empty()).then(|| {
            chain_ok
                .iter()
                .enumerate()
                .filter(|(_, ok)| **ok)
                .map(|(c, _)| c)
                .collect()
        });
        Self {
            table,
            range: table.time_range(from, to),
            chains,
            kind_state,
            refid: filter.refid.clone(),
            text,
            settled_only: false,
            trade_legs: false,
        }
    }

    /// Only rows with a `txid` (request rows move no balance).
    pub fn settled(mut self) -> Self {
        self.settled_only = true;
        self
    }

    /// Only trade legs: rows of type `trade`, or whose `refid` is a stored trade.
    pub fn trade_legs(mut self) -> Self {
        self.trade_legs = true;
        self
    }

    /// Whether the row at `position` is selected.
    pub fn matches(&self, position: usize) -> bool {
        let t = self.table;
        if !self.range.contains(&position) {
            return false;
        }
        let kind = t.kind_index(position);
        let (ok, text_in_kind) = self.kind_state[kind];
        if !ok {
            return false;
        }
        let e = t.entry(position);
        if self.settled_only && e.txid.is_empty() {
            return false;
        }
        if self.refid.as_deref().is_some_and(|r| e.refid != r) {
            return false;
        }
        if self.trade_legs && t.kinds[kind].r#type != "trade" && !t.is_trade(&e.refid) {
            return false;
        }
        match &self.text {
            Some(text) if !text_in_kind => {
                contains_ignoring_ascii_case(&e.txid, text)
                    || contains_ignoring_ascii_case(&e.refid, text)
                    || e.extra
                        .iter()
                        .any(|v| contains_ignoring_ascii_case(v, text))
            }
            _ => true,
        }
    }

    /// Calls `each` with the position of every selected row, in review order, until it returns
    /// `false`.
    pub fn walk(&self, mut each: impl FnMut(usize) -> bool) {
        match &self.chains {
            None => {
                for p in self.range.clone() {
                    if self.matches(p) && !each(p) {
                        return;
                    }
                }
            }
            Some(chains) => {
                let t = self.table;
                let in_range = |c: usize| {
                    let list = t.chain_positions(c);
                    let lo = list.partition_point(|&p| (p as usize) < self.range.start);
                    let hi = list.partition_point(|&p| (p as usize) < self.range.end);
                    &list[lo..hi]
                };
                let merged: Vec<u32>;
                let positions: &[u32] = match chains.as_slice() {
                    [one] => in_range(*one),
                    several => {
                        let mut all: Vec<u32> = several
                            .iter()
                            .flat_map(|&c| in_range(c).iter().copied())
                            .collect();
                        all.sort_unstable();
                        merged = all;
                        &merged
                    }
                };
                for &p in positions {
                    if self.matches(p as usize) && !each(p as usize) {
                        return;
                    }
                }
            }
        }
    }

    /// Every selected position, in review order.
    pub fn positions(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(|p| {
            out.push(p);
            true
        });
        out
    }
}
