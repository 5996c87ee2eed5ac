//! Rows as stored: a [`Page`] of [`StoredRow`]s, one row found by where it came from, trades with
//! their ledger legs ([`TradeGroup`]), the stored trades row, and the CSV export of a selection.
//! Everything is read from the workspace's decoded table, in review order (time, then storage
//! order).

use std::collections::HashMap;
use std::io::Write;

use rust_decimal::Decimal;

use super::Filter;
use super::select::Selection;
use crate::export::LedgersCsvWriter;
use crate::ledger::{LedgerLayout, LedgerRow};
use crate::store::codec::{decimal, optional_decimal, timestamp};
use crate::store::table::LedgerTable;
use crate::store::{StoreError, Workspace};
use crate::trades::TradeRow;

/// One stored ledgers row, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRow {
    /// Storage order: rows of one second are shown in it.
    pub id: i64,
    /// The file it was imported from, and its line there.
    pub file: String,
    pub line: u32,
    pub row: LedgerRow,
    /// The asset normalised (`BTC` for `XXBT`).
    pub asset: String,
    /// Extra columns of its file, name and value, in file order.
    pub extra: Vec<(String, String)>,
}

/// A page of rows and how many match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub rows: Vec<StoredRow>,
    pub total: usize,
}

/// A trade with its ledger legs (the rows whose `refid` is the trade's `txid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeGroup {
    pub refid: String,
    /// The trades row, when a trades export holding it was imported.
    pub trade: Option<TradeRow>,
    pub legs: Vec<StoredRow>,
    /// Fees of the legs, per normalised asset.
    pub fees: Vec<(String, Decimal)>,
}

impl TradeGroup {
    /// Adds a leg, and its fee to the fees of its asset.
    fn add_leg(&mut self, row: StoredRow) {
        if !row.row.fee.is_zero() {
            match self.fees.iter_mut().find(|(a, _)| *a == row.asset) {
                Some((_, fee)) => *fee += row.row.fee,
                None => self.fees.push((row.asset.clone(), row.row.fee)),
            }
        }
        self.legs.push(row);
    }
}

/// The stored row at `position` of `table`, with where it came from.
fn stored_row(table: &LedgerTable, position: usize) -> StoredRow {
    let e = table.entry(position);
    StoredRow {
        id: e.id,
        file: table.import_name(position).to_string(),
        line: e.line,
        row: table.ledger_row(position),
        asset: table.chain(position).asset.to_string(),
        extra: table.extras(position),
    }
}

impl Workspace {
    /// A page of the rows `filter` selects, in time then file order, and how many it selects.
    pub fn page(&self, filter: &Filter, offset: usize, limit: usize) -> Result<Page, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let mut total = 0;
        let mut positions = Vec::new();
        Selection::new(table, filter, filter.from, filter.to).walk(|p| {
            if total >= offset && positions.len() < limit {
                positions.push(p);
            }
            total += 1;
            true
        });
        Ok(Page {
            rows: positions
                .into_iter()
                .map(|p| stored_row(table, p))
                .collect(),
            total,
        })
    }

    /// The storage id of the row imported from `file` at `line` with this `txid`, or else of the
    /// row stored under `txid` (a duplicate's first is the one kept); `None` for a request row
    /// (no `txid`) or a row not stored. One pass over the rows in memory, never through pages.
    pub fn find_row(&self, file: &str, line: u32, txid: &str) -> Result<Option<i64>, StoreError> {
        if txid.is_empty() {
            return Ok(None);
        }
        let table = self.table()?;
        let table = &*table;
        // In storage order, so the first found has the lowest id.
        let ids = (1..=table.len() as i64).filter_map(|id| Some((id, table.position(id)?)));
        let mut by_txid = None;
        for (id, p) in ids {
            let e = table.entry(p);
            if e.txid != txid {
                continue;
            }
            if e.line == line && &**table.import_name(p) == file {
                return Ok(Some(id));
            }
            by_txid = by_txid.or(Some(id));
        }
        Ok(by_txid)
    }

    /// Where the row with storage id `id` is among the rows `filter` selects, in the order of
    /// [`Workspace::page`] (time, then storage order): how many of them come before it, or
    /// `None` when the filter leaves it out. The row's place is looked up by id, then the selected
    /// rows before it are counted in memory (no page is built).
    pub fn position(&self, filter: &Filter, id: i64) -> Result<Option<usize>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let selection = Selection::new(table, filter, filter.from, filter.to);
        let Some(at) = table.position(id).filter(|&p| selection.matches(p)) else {
            return Ok(None);
        };
        let mut before = 0;
        selection.walk(|p| {
            if p == at {
                return false;
            }
            before += 1;
            true
        });
        Ok(Some(before))
    }

    /// The trades among the rows `filter` selects, each with its ledger legs (rows of type
    /// `trade`, or whose `refid` is a stored trade), in time order.
    pub fn trades_with_legs(&self, filter: &Filter) -> Result<Vec<TradeGroup>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let rows = Selection::new(table, filter, filter.from, filter.to)
            .trade_legs()
            .positions()
            .into_iter()
            .map(|p| stored_row(table, p));
        let mut groups: Vec<TradeGroup> = Vec::new();
        let mut by_refid: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let k = *by_refid
                .entry(row.row.refid.to_string())
                .or_insert_with(|| {
                    groups.push(TradeGroup {
                        refid: row.row.refid.to_string(),
                        trade: None,
                        legs: Vec::new(),
                        fees: Vec::new(),
                    });
                    groups.len() - 1
                });
            groups[k].add_leg(row);
        }
        for group in &mut groups {
            group.trade = self.trade(&group.refid)?;
        }
        Ok(groups)
    }

    /// The refids of the trade groups [`Workspace::trades_with_legs`] returns for `filter`, in
    /// its order (each group where its first leg is), without reading the legs: what a page of
    /// [`Workspace::trade_groups`] is cut from.
    pub fn trade_refids(&self, filter: &Filter) -> Result<Vec<String>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        Selection::new(table, filter, filter.from, filter.to)
            .trade_legs()
            .walk(|p| {
                let refid = &table.entry(p).refid;
                if seen.insert(refid) {
                    out.push(refid.to_string());
                }
                true
            });
        Ok(out)
    }

    /// The groups of `refids` (from [`Workspace::trade_refids`] for the same filter), in that
    /// order, each as [`Workspace::trades_with_legs`] makes it: the legs `filter` selects, their
    /// fees per asset, and the trades row. A page of trades: every leg is looked at, only the
    /// page's are built.
    pub fn trade_groups(
        &self,
        filter: &Filter,
        refids: &[String],
    ) -> Result<Vec<TradeGroup>, StoreError> {
        if refids.is_empty() {
            return Ok(Vec::new());
        }
        let table = self.table()?;
        let table = &*table;
        let mut groups: Vec<TradeGroup> = refids
            .iter()
            .map(|refid| TradeGroup {
                refid: refid.clone(),
                trade: None,
                legs: Vec::new(),
                fees: Vec::new(),
            })
            .collect();
        let at: HashMap<&str, usize> = refids
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let mut legs = Vec::new();
        Selection::new(table, filter, filter.from, filter.to)
            .trade_legs()
            .walk(|p| {
                if let Some(&k) = at.get(table.entry(p).refid.as_str()) {
                    legs.push((k, p));
                }
                true
            });
        for (k, p) in legs {
            groups[k].add_leg(stored_row(table, p));
        }
        for group in &mut groups {
            group.trade = self.trade(&group.refid)?;
        }
        Ok(groups)
    }

    /// The stored trades row with this `txid`.
    pub fn trade(&self, txid: &str) -> Result<Option<TradeRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT txid, ordertxid, pair, aclass, subclass, time, type, ordertype, price, cost,
                    fee, vol, margin, misc, ledgers, postxid, posstatus, cprice, ccost, cfee,
                    cvol, cmargin, net, cost_usd, trades
             FROM trades WHERE txid = ?1",
        )?;
        let mut rows = stmt.query([txid])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let list = |s: String| -> Vec<String> {
            if s.is_empty() {
                Vec::new()
            } else {
                s.split(',').map(str::to_owned).collect()
            }
        };
        Ok(Some(TradeRow {
            txid: r.get(0)?,
            ordertxid: r.get(1)?,
            pair: r.get(2)?,
            aclass: r.get(3)?,
            subclass: r.get(4)?,
            time: timestamp(r.get(5)?)?,
            r#type: r.get(6)?,
            ordertype: r.get(7)?,
            price: decimal(&r.get::<_, String>(8)?)?,
            cost: decimal(&r.get::<_, String>(9)?)?,
            fee: decimal(&r.get::<_, String>(10)?)?,
            vol: decimal(&r.get::<_, String>(11)?)?,
            margin: decimal(&r.get::<_, String>(12)?)?,
            misc: r.get(13)?,
            ledgers: list(r.get(14)?),
            postxid: r.get(15)?,
            posstatus: r.get(16)?,
            cprice: optional_decimal(r.get(17)?)?,
            ccost: optional_decimal(r.get(18)?)?,
            cfee: optional_decimal(r.get(19)?)?,
            cvol: optional_decimal(r.get(20)?)?,
            cmargin: optional_decimal(r.get(21)?)?,
            net: optional_decimal(r.get(22)?)?,
            cost_usd: optional_decimal(r.get(23)?)?,
            trades: list(r.get(24)?),
        }))
    }

    /// Writes the rows `filter` selects as a ledgers export in the current layout
    /// ([`LedgerLayout::CURRENT`]), in time then file order; returns how many.
    pub fn export_csv(&self, filter: &Filter, out: &mut impl Write) -> Result<usize, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let positions = Selection::new(table, filter, filter.from, filter.to).positions();
        let mut writer = LedgersCsvWriter::new(out, LedgerLayout::CURRENT)?;
        for &p in &positions {
            writer.write_row(&table.ledger_row(p))?;
        }
        Ok(positions.len())
    }
}
