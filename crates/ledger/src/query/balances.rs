//! Balances: a chain's balance at an instant (see the `query` module docs for which row's), every
//! chain's, a chain's series by period, and balance assertions as CSV.

use countersign_kraken::{TICKS_PER_SECOND, Timestamp};
use rust_decimal::Decimal;

use super::Filter;
use super::dates::{Bucket, is_month_start, month_ends, next_period, period_start};
use super::select::Selection;
use crate::asset;
use crate::store::table::Entry;
use crate::store::{StoreError, Workspace};

/// A chain's balance at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub asset: String,
    pub wallet: String,
    pub balance: Decimal,
}

/// A chain's balance at the end of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPoint {
    /// The period, `[start, end)`.
    pub start: Timestamp,
    pub end: Timestamp,
    pub balance: Decimal,
}

/// Balance assertions ([`Workspace::monthly_assertions`]): the CSV and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceAssertions {
    /// `date,asset,wallet,balance`, as [`Workspace::balance_assertions`] writes it.
    pub csv: String,
    /// Lines after the header: one per chain and period end.
    pub lines: usize,
    /// The period ends, in order.
    pub ends: Vec<Timestamp>,
}

impl BalanceAssertions {
    /// How many of the period ends are month ends (the first instant of a month).
    pub fn month_ends(&self) -> usize {
        self.ends.iter().filter(|&&end| is_month_start(end)).count()
    }

    /// The last period end when it is not a month end (a range ending mid-month): the day its
    /// assertions are dated, `YYYY-MM-DD`.
    pub fn partial_end(&self) -> Option<String> {
        let end = *self.ends.last()?;
        if is_month_start(end) {
            return None;
        }
        let at = Timestamp::from_ticks(end.ticks() - 1).unwrap_or(end);
        at.to_csv_seconds().get(..10).map(str::to_owned)
    }
}

/// Which row of a second ends a chain there: the one whose balance no other row of the second
/// starts from (`balance − amount + fee`), else the last stored.
fn second_end(rows: &[(Decimal, Decimal)]) -> Option<Decimal> {
    let (_, last) = *rows.last()?;
    if rows.len() == 1 {
        return Some(last);
    }
    let ends: Vec<Decimal> = rows
        .iter()
        .filter(|(_, end)| !rows.iter().any(|(start, _)| start == end))
        .map(|&(_, end)| end)
        .collect();
    Some(if ends.len() == 1 { ends[0] } else { last })
}

/// `(start, end)` balances of a settled row: `balance − amount + fee` and `balance`.
fn start_end(e: &Entry) -> Result<(Decimal, Decimal), StoreError> {
    let end = e
        .balance
        .ok_or_else(|| StoreError::Corrupt(format!("settled row {} without a balance", e.id)))?;
    Ok((end - e.amount + e.fee, end))
}

impl Workspace {
    /// Every chain (normalised asset, wallet), sorted.
    pub fn chains(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT asset, wallet FROM monthly ORDER BY asset, wallet")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The balance of one chain at `at` (see the `query` module docs), or `None` if it has no row.
    pub fn chain_balance_at(
        &self,
        asset: &str,
        wallet: &str,
        at: Timestamp,
    ) -> Result<Option<Decimal>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let Some(chain) = table.chain_index(asset, wallet) else {
            return Ok(None);
        };
        let settled = table.settled_of_chain(chain);
        let Some(&first) = settled.first() else {
            return Ok(None);
        };
        let through = settled.partition_point(|&p| table.ticks(p as usize) <= at.ticks());
        if through == 0 {
            // Before the first row: the opening balance.
            return Ok(Some(start_end(table.entry(first as usize))?.0));
        }
        let last = table.ticks(settled[through - 1] as usize);
        let second = last - last.rem_euclid(TICKS_PER_SECOND);
        let from = settled[..through].partition_point(|&p| table.ticks(p as usize) < second);
        let group = settled[from..through]
            .iter()
            .map(|&p| start_end(table.entry(p as usize)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(second_end(&group))
    }

    /// The balance of every chain at `at`: after its last row at or before it, or its opening
    /// balance before its first row.
    pub fn balance_at(&self, at: Timestamp) -> Result<Vec<Balance>, StoreError> {
        let mut out = Vec::new();
        for (asset, wallet) in self.chains()? {
            if let Some(balance) = self.chain_balance_at(&asset, &wallet, at)? {
                out.push(Balance {
                    asset,
                    wallet,
                    balance,
                });
            }
        }
        Ok(out)
    }

    /// One chain's balance at the end of each period from its first row's to its last row's.
    pub fn balance_series(
        &self,
        asset: &str,
        wallet: &str,
        bucket: Bucket,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        let asset = asset::normalize(asset).normalized();
        let table = self.table()?;
        let table = &*table;
        let settled = match table.chain_index(&asset, wallet) {
            Some(chain) => table.settled_of_chain(chain),
            None => &[],
        };
        let mut out: Vec<SeriesPoint> = Vec::new();
        let close = |period: i64, balance: Decimal, out: &mut Vec<SeriesPoint>| {
            if let (Ok(start), Ok(end)) = (
                Timestamp::from_unix_seconds(period),
                Timestamp::from_unix_seconds(next_period(bucket, period)),
            ) {
                out.push(SeriesPoint {
                    start,
                    end,
                    balance,
                });
            }
        };
        // The period not yet written and the balance so far; the second being read.
        let mut open: Option<(i64, Decimal)> = None;
        let mut second: Option<i64> = None;
        let mut group: Vec<(Decimal, Decimal)> = Vec::new();
        let finish =
            |second: i64, group: &[(Decimal, Decimal)], open: &mut Option<(i64, Decimal)>| {
                if let Some(end) = second_end(group) {
                    *open = Some((period_start(bucket, second), end));
                }
            };
        for &p in settled {
            let seconds = table.time(p as usize).unix_seconds();
            let pair = start_end(table.entry(p as usize))?;
            if second != Some(seconds) {
                if let Some(s) = second {
                    finish(s, &group, &mut open);
                }
                group.clear();
                second = Some(seconds);
                // Periods before this row's are over: each ends at the balance so far.
                let this = period_start(bucket, seconds);
                if let Some((mut p, b)) = open {
                    while p < this {
                        close(p, b, &mut out);
                        p = next_period(bucket, p);
                    }
                    open = Some((p, b));
                }
            }
            group.push(pair);
        }
        if let Some(s) = second {
            finish(s, &group, &mut open);
        }
        if let Some((p, b)) = open {
            close(p, b, &mut out);
        }
        Ok(out)
    }

    /// The first and last time of the rows `filter` selects, if any.
    pub fn time_span(&self, filter: &Filter) -> Result<Option<(Timestamp, Timestamp)>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let mut span: Option<(Timestamp, Timestamp)> = None;
        Selection::new(table, filter, filter.from, filter.to).walk(|p| {
            let time = table.time(p);
            span = Some(span.map_or((time, time), |(first, _)| (first, time)));
            true
        });
        Ok(span)
    }

    /// Balance assertions (see the `query` module docs): `date,asset,wallet,balance`, for each period
    /// end in `ends` (an exclusive instant: the balance of the day before it) and each chain.
    pub fn balance_assertions(&self, ends: &[Timestamp]) -> Result<String, StoreError> {
        let mut out = String::from("date,asset,wallet,balance\n");
        self.push_assertions(ends, &self.chains()?, &mut out)?;
        Ok(out)
    }

    /// Balance assertions at each month end of `filter`'s date range ([`month_ends`]) — without
    /// one, from the month of the chains' first row to the end of the month of their last — for
    /// the chains `filter`'s assets and wallets select. Its other parts (type, refid, text) do
    /// not narrow a balance, which is a whole chain's.
    pub fn monthly_assertions(&self, filter: &Filter) -> Result<BalanceAssertions, StoreError> {
        let chains_only = Filter {
            assets: filter.assets.clone(),
            wallets: filter.wallets.clone(),
            ..Filter::default()
        };
        let span = self.time_span(&chains_only)?;
        let (Some(from), Some(to)) = (
            filter.from.or(span.map(|s| s.0)),
            filter.to.or_else(|| {
                let last = span?.1.unix_seconds();
                let end = next_period(Bucket::Month, period_start(Bucket::Month, last));
                Timestamp::from_unix_seconds(end).ok()
            }),
        ) else {
            return Ok(BalanceAssertions {
                csv: "date,asset,wallet,balance\n".to_owned(),
                lines: 0,
                ends: Vec::new(),
            });
        };
        let assets = filter.normalized_assets();
        let chains: Vec<(String, String)> = self
            .chains()?
            .into_iter()
            .filter(|(asset, wallet)| {
                (assets.is_empty() || assets.contains(asset))
                    && (filter.wallets.is_empty() || filter.wallets.contains(wallet))
            })
            .collect();
        let ends = month_ends(from, to);
        let mut csv = String::from("date,asset,wallet,balance\n");
        let lines = self.push_assertions(&ends, &chains, &mut csv)?;
        Ok(BalanceAssertions { csv, lines, ends })
    }

    /// Appends an assertion line per period end in `ends` (exclusive: the balance of the day
    /// before it) and chain of `chains` that has rows by then; returns how many.
    fn push_assertions(
        &self,
        ends: &[Timestamp],
        chains: &[(String, String)],
        out: &mut String,
    ) -> Result<usize, StoreError> {
        let mut lines = 0;
        for &end in ends {
            let at = Timestamp::from_ticks(end.ticks() - 1).unwrap_or(end);
            let date = at.to_csv_seconds();
            let date = date.get(..10).unwrap_or_default();
            for (asset, wallet) in chains {
                if let Some(balance) = self.chain_balance_at(asset, wallet, at)? {
                    out.push_str(&format!(
                        "{date},{},{},{balance}\n",
                        csv_field(asset),
                        csv_field(wallet)
                    ));
                    lines += 1;
                }
            }
        }
        Ok(lines)
    }
}

/// A CSV field, quoted when it must be, never read as a formula
/// ([`crate::export::formula_safe`]).
fn csv_field(s: &str) -> String {
    let s = &*crate::export::formula_safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
