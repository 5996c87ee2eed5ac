//! Totals of the settled rows a filter selects, by [`Dimension`]: [`Workspace::totals`] (see the
//! `query` module docs). Exact: sums of decimals, whole months from the monthly sums the import
//! stored, the rest from the rows.

use std::collections::BTreeMap;

use countersign_kraken::{TICKS_PER_SECOND, Timestamp};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::Filter;
use super::dates::{Bucket, next_period};
use super::select::Selection;
use crate::store::codec::{decimal, month_label, month_start};
use crate::store::{StoreError, Workspace};

/// What totals are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// The normalised asset (with its suffix).
    Asset,
    Type,
    Subtype,
    Wallet,
    /// `YYYY-MM`, UTC.
    Month,
}

impl Dimension {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Asset => "asset",
            Self::Type => "type",
            Self::Subtype => "subtype",
            Self::Wallet => "wallet",
            Self::Month => "month",
        }
    }

    /// The dimension a name (as [`Dimension::name`] spells it) stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Asset,
            Self::Type,
            Self::Subtype,
            Self::Wallet,
            Self::Month,
        ]
        .into_iter()
        .find(|d| d.name() == name.trim())
    }
}

/// One line of totals: the values of the dimensions asked for, in order, and exact sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalRow {
    pub keys: Vec<String>,
    pub count: usize,
    pub amount: Decimal,
    pub fee: Decimal,
    /// `amount − fee`: what the rows moved the balances by.
    pub net: Decimal,
}

/// SQL conditions (joined by `AND`, `1` for none) and their values.
#[derive(Debug, Default)]
struct Sql {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Sql {
    fn push(&mut self, condition: String, values: impl IntoIterator<Item = Value>) {
        self.conditions.push(condition);
        self.values.extend(values);
    }

    fn any_of(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        let marks = vec!["?"; values.len()].join(", ");
        self.push(
            format!("{column} IN ({marks})"),
            values.iter().map(|v| Value::Text(v.clone())),
        );
    }

    fn clause(&self) -> String {
        if self.conditions.is_empty() {
            "1".to_owned()
        } else {
            self.conditions.join(" AND ")
        }
    }
}

impl Workspace {
    /// Totals of the settled rows `filter` selects, grouped by `by` (none: one line), sorted by
    /// their keys. Exact: sums of decimals, never of floats (see the `query` module docs).
    pub fn totals(&self, filter: &Filter, by: &[Dimension]) -> Result<Vec<TotalRow>, StoreError> {
        let mut sums: BTreeMap<Vec<String>, (usize, Decimal, Decimal)> = BTreeMap::new();
        let key = |asset: &str, wallet: &str, kind: &str, subtype: &str, month: i64| {
            by.iter()
                .map(|d| match d {
                    Dimension::Asset => asset.to_owned(),
                    Dimension::Type => kind.to_owned(),
                    Dimension::Subtype => subtype.to_owned(),
                    Dimension::Wallet => wallet.to_owned(),
                    Dimension::Month => month_label(month),
                })
                .collect::<Vec<String>>()
        };
        // Whole months from the stored monthly sums; the rest from the rows.
        let mut scans: Vec<(Option<Timestamp>, Option<Timestamp>)> = Vec::new();
        let whole = filter.by_keys_only().then(|| {
            let first = filter.from.map(|f| {
                let start = month_start(f);
                if start == f.unix_seconds() && f.ticks() % TICKS_PER_SECOND == 0 {
                    start
                } else {
                    next_period(Bucket::Month, start)
                }
            });
            let end = filter.to.map(month_start);
            (first, end)
        });
        match whole {
            Some((first, end)) if first.zip(end).is_none_or(|(a, b)| a < b) => {
                let mut sql = Sql::default();
                if let Some(first) = first {
                    sql.push("month >= ?".to_owned(), [Value::Integer(first)]);
                    let at = Timestamp::from_unix_seconds(first).ok();
                    if filter.from != at {
                        scans.push((filter.from, at));
                    }
                }
                if let Some(end) = end {
                    sql.push("month < ?".to_owned(), [Value::Integer(end)]);
                    let at = Timestamp::from_unix_seconds(end).ok();
                    if filter.to != at {
                        scans.push((at, filter.to));
                    }
                }
                sql.any_of("asset", &filter.normalized_assets());
                sql.any_of("type", &filter.types);
                sql.any_of("subtype", &filter.subtypes);
                sql.any_of("wallet", &filter.wallets);
                let mut stmt = self.conn.prepare(&format!(
                    "SELECT asset, wallet, type, subtype, month, count, amount, fee FROM monthly
                     WHERE {}",
                    sql.clause()
                ))?;
                let mut rows = stmt.query(params_from_iter(sql.values.iter()))?;
                while let Some(r) = rows.next()? {
                    let k = key(
                        &r.get::<_, String>(0)?,
                        &r.get::<_, String>(1)?,
                        &r.get::<_, String>(2)?,
                        &r.get::<_, String>(3)?,
                        r.get(4)?,
                    );
                    let count = usize::try_from(r.get::<_, i64>(5)?).unwrap_or(0);
                    let amount = decimal(&r.get::<_, String>(6)?)?;
                    let fee = decimal(&r.get::<_, String>(7)?)?;
                    let sum = sums.entry(k).or_insert((0, Decimal::ZERO, Decimal::ZERO));
                    sum.0 += count;
                    sum.1 += amount;
                    sum.2 += fee;
                }
            }
            _ => scans.push((filter.from, filter.to)),
        }
        if !scans.is_empty() {
            let table = self.table()?;
            let table = &*table;
            // Summed by kind and month first, then by the keys asked for.
            let mut by_kind: FxHashMap<(usize, i64), (usize, Decimal, Decimal)> =
                FxHashMap::default();
            for (from, to) in scans {
                Selection::new(table, filter, from, to).settled().walk(|p| {
                    let e = table.entry(p);
                    let sum = by_kind
                        .entry((table.kind_index(p), month_start(table.time(p))))
                        .or_insert((0, Decimal::ZERO, Decimal::ZERO));
                    sum.0 += 1;
                    sum.1 += e.amount;
                    sum.2 += e.fee;
                    true
                });
            }
            for ((kind, month), (count, amount, fee)) in by_kind {
                let kind = &table.kinds[kind];
                let chain = &table.chains[kind.chain];
                let k = key(
                    &chain.asset,
                    &chain.wallet,
                    &kind.r#type,
                    &kind.subtype,
                    month,
                );
                let sum = sums.entry(k).or_insert((0, Decimal::ZERO, Decimal::ZERO));
                sum.0 += count;
                sum.1 += amount;
                sum.2 += fee;
            }
        }
        Ok(sums
            .into_iter()
            .map(|(keys, (count, amount, fee))| TotalRow {
                keys,
                count,
                amount,
                fee,
                net: amount - fee,
            })
            .collect())
    }
}
