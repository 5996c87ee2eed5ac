//! Reviewing a [`Workspace`]: a [`Filter`] of rows, a page of them, totals, balances, trades with
//! their ledger legs, and exports.
//!
//! # Dates
//!
//! [`DateRange::parse`] turns what a person types into a half-open UTC range `[from, to)`,
//! relative to a `now` the caller passes (there is no hidden clock):
//! - `2025-01-31` (that day), `2025-01` (that month), `2024` (that year), `q1 2025` / `2025 q1`
//!   / `q1` (a quarter; of `now`'s year when no year is given);
//! - an instant, `2025-01-31T12:00:00Z` or `2025-01-31 12:00:00`: the range holds just that
//!   instant (`to` is one tick later), so `--to` that instant includes it;
//! - `today`, `yesterday`, `this week`, `last week` (weeks start on Monday), `this month`,
//!   `last month`, `this year`, `last year`;
//! - `last N days`: N whole days ending with today (today included);
//! - `ytd`: from the first of January of `now`'s year to `now`.
//!
//! A filter's `from` is a range's `from` and its `to` a range's `to`, so `--from 2025-01 --to
//! 2025-03` covers January to March.
//!
//! # Totals
//!
//! Request rows (no `txid`) move no balance and are left out of totals and balances; pages and
//! exports show them. Totals over whole months without a `refid` or text filter are added up
//! from the monthly sums the import stored; the rows of partial months at either end of the range
//! (or all rows, with a `refid` or text filter) are read and summed exactly in Rust.
//!
//! # Balances and assertions
//!
//! A chain's balance at an instant is the balance after its last settled row at or before it
//! (within that row's second, the row that ends the chain's path through the balances, as the
//! check orders them); before its first row, the chain's opening balance. [`Workspace::
//! balance_assertions`] writes them as CSV, `date,asset,wallet,balance`: the balance at the end of
//! `date` (UTC), one line per chain and period end, a plain format any spreadsheet or script can
//! compare against.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Write;

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::asset;
use crate::export::LedgersCsvWriter;
use crate::ledger::{LedgerLayout, LedgerRow};
use crate::store::codec::{decimal, optional_decimal, timestamp};
use crate::store::table::{Entry, LedgerTable};
use crate::store::{StoreError, Workspace, month_label, month_start};
use crate::time::{TICKS_PER_SECOND, Timestamp, civil_from_days, days_from_civil, days_in_month};
use crate::trades::TradeRow;

const SECONDS_PER_DAY: i64 = 86_400;

/// A half-open UTC range of instants, `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// A date or range that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a date: use 2025-01-31, 2025-01, 2025, q1 2025, 2025-01-31T12:00:00Z, today, yesterday, this/last week, this/last month, this/last year, last 7 days or ytd"
)]
pub struct DateError(pub String);

fn day(days: i64) -> Option<Timestamp> {
    Timestamp::from_unix_seconds(days.checked_mul(SECONDS_PER_DAY)?).ok()
}

fn days_of(year: i64, month: i64, day: i64) -> i64 {
    days_from_civil(year, month, day)
}

/// (year, month) `n` months after `year`-`month`.
fn add_months(year: i64, month: i64, n: i64) -> (i64, i64) {
    let index = year * 12 + (month - 1) + n;
    (index.div_euclid(12), index.rem_euclid(12) + 1)
}

impl DateRange {
    /// Reads a date, a period or a relative form (see the module docs) against `now`.
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, DateError> {
        let error = || DateError(text.to_owned());
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let today = now.unix_seconds().div_euclid(SECONDS_PER_DAY);
        let (year, month, _) = civil_from_days(today);
        let days = |from: i64, to: i64| -> Result<Self, DateError> {
            Ok(Self {
                from: day(from).ok_or_else(error)?,
                to: day(to).ok_or_else(error)?,
            })
        };
        let months = |(y1, m1): (i64, i64), (y2, m2): (i64, i64)| {
            days(days_of(y1, m1, 1), days_of(y2, m2, 1))
        };
        let monday = today - (today + 3).rem_euclid(7);
        match words.as_slice() {
            ["today"] => return days(today, today + 1),
            ["yesterday"] => return days(today - 1, today),
            ["this", "week"] => return days(monday, monday + 7),
            ["last", "week"] => return days(monday - 7, monday),
            ["this", "month"] => return months((year, month), add_months(year, month, 1)),
            ["last", "month"] => return months(add_months(year, month, -1), (year, month)),
            ["this", "year"] => return months((year, 1), (year + 1, 1)),
            ["last", "year"] => return months((year - 1, 1), (year, 1)),
            ["ytd"] => {
                return Ok(Self {
                    from: day(days_of(year, 1, 1)).ok_or_else(error)?,
                    to: now,
                });
            }
            ["last", n, "days" | "day"] => {
                let n: i64 = n.parse().map_err(|_| error())?;
                if !(1..=100_000).contains(&n) {
                    return Err(error());
                }
                return days(today - (n - 1), today + 1);
            }
            [q] | [q, _] | [_, q] if quarter(q).is_some() => {
                let quarter = quarter(q).ok_or_else(error)?;
                let y = match words.as_slice() {
                    [_] => year,
                    [a, b] => {
                        let other = if *a == *q { b } else { a };
                        year_number(other).ok_or_else(error)?
                    }
                    _ => return Err(error()),
                };
                let first = (quarter - 1) * 3 + 1;
                return months((y, first), add_months(y, first, 3));
            }
            [_] | [_, _] => {}
            _ => return Err(error()),
        }
        let text = text.trim();
        if let Some(y) = year_number(text) {
            return months((y, 1), (y + 1, 1));
        }
        let number = |s: &str| -> Option<i64> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        if text.len() == 7 && text.as_bytes()[4] == b'-' {
            let y = year_number(&text[..4]).ok_or_else(error)?;
            let m = number(&text[5..])
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(error)?;
            return months((y, m), add_months(y, m, 1));
        }
        if text.len() == 10 {
            let d = parse_day(text).ok_or_else(error)?;
            return days(d, d + 1);
        }
        // An instant: `2025-01-31T12:00:00Z`, or the export's `2025-01-31 12:00:00`.
        let instant = text
            .strip_suffix('Z')
            .or_else(|| text.strip_suffix('z'))
            .unwrap_or(text)
            .replacen(['T', 't'], " ", 1);
        let at = Timestamp::parse_csv(&instant).map_err(|_| error())?;
        Ok(Self {
            from: at,
            to: Timestamp::from_ticks(at.ticks() + 1).map_err(|_| error())?,
        })
    }
}

fn quarter(word: &str) -> Option<i64> {
    match word {
        "q1" => Some(1),
        "q2" => Some(2),
        "q3" => Some(3),
        "q4" => Some(4),
        _ => None,
    }
}

fn year_number(text: &str) -> Option<i64> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
        .filter(|y| *y >= 1970)
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
fn parse_day(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = year_number(&text[..4])?;
    let m: i64 = text[5..7].parse().ok().filter(|m| (1..=12).contains(m))?;
    let d: i64 = text[8..10]
        .parse()
        .ok()
        .filter(|d| *d >= 1 && *d <= days_in_month(y, m))?;
    Some(days_of(y, m, d))
}

/// Which rows to look at; every part that is set must hold (lists: any of their values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Rows at or after this instant.
    pub from: Option<Timestamp>,
    /// Rows before this instant.
    pub to: Option<Timestamp>,
    /// Assets in any spelling (`XXBT`, `XBT` and `BTC` all select bitcoin); a suffixed code
    /// selects that balance only (`DOT.S`).
    pub assets: Vec<String>,
    pub types: Vec<String>,
    pub subtypes: Vec<String>,
    pub wallets: Vec<String>,
    pub refid: Option<String>,
    /// Substring of txid, refid, type, subtype, asset (as spelled or normalised), wallet or an
    /// extra column's value, ignoring ASCII case.
    pub text: Option<String>,
}

impl Filter {
    /// Whether only columns the monthly sums are keyed by are restricted.
    fn by_keys_only(&self) -> bool {
        self.refid.is_none() && self.text.as_deref().is_none_or(str::is_empty)
    }
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

fn normalized_assets(assets: &[String]) -> Vec<String> {
    assets
        .iter()
        .map(|a| asset::normalize(a).normalized())
        .collect()
}

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

/// A chain's balance at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub asset: String,
    pub wallet: String,
    pub balance: Decimal,
}

/// How long a period of a balance series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

/// A chain's balance at the end of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPoint {
    /// The period, `[start, end)`.
    pub start: Timestamp,
    pub end: Timestamp,
    pub balance: Decimal,
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

fn period_start(bucket: Bucket, seconds: i64) -> i64 {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    match bucket {
        Bucket::Day => days * SECONDS_PER_DAY,
        Bucket::Week => (days - (days + 3).rem_euclid(7)) * SECONDS_PER_DAY,
        Bucket::Month => {
            let (y, m, _) = civil_from_days(days);
            days_of(y, m, 1) * SECONDS_PER_DAY
        }
    }
}

fn next_period(bucket: Bucket, start: i64) -> i64 {
    match bucket {
        Bucket::Day => start + SECONDS_PER_DAY,
        Bucket::Week => start + 7 * SECONDS_PER_DAY,
        Bucket::Month => {
            let (y, m, _) = civil_from_days(start.div_euclid(SECONDS_PER_DAY));
            let (y, m) = add_months(y, m, 1);
            days_of(y, m, 1) * SECONDS_PER_DAY
        }
    }
}

/// The month ends (exclusive instants, first of the next month) within `[from, to]`, and `to`
/// itself: the period ends of [`Workspace::balance_assertions`] by month.
pub fn month_ends(from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    let mut out = Vec::new();
    let mut end = next_period(
        Bucket::Month,
        period_start(Bucket::Month, from.unix_seconds()),
    );
    while end < to.unix_seconds() {
        if let Ok(t) = Timestamp::from_unix_seconds(end) {
            out.push(t);
        }
        end = next_period(Bucket::Month, end);
    }
    out.push(to);
    out
}

impl Workspace {
    /// A page of the rows `filter` selects, in time then file order, and how many it selects.
    pub fn page(&self, filter: &Filter, offset: usize, limit: usize) -> Result<Page, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let mut total = 0;
        let mut positions = Vec::new();
        table.select(filter, filter.from, filter.to).walk(|p| {
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

    /// Totals of the settled rows `filter` selects, grouped by `by` (none: one line), sorted by
    /// their keys. Exact: sums of decimals, never of floats (see the module docs).
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
                sql.any_of("asset", &normalized_assets(&filter.assets));
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
                table.select(filter, from, to).settled().walk(|p| {
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

    /// Every chain (normalised asset, wallet), sorted.
    pub fn chains(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT asset, wallet FROM monthly ORDER BY asset, wallet")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The balance of one chain at `at` (see the module docs), or `None` if it has no row.
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

    /// The trades among the rows `filter` selects, each with its ledger legs (rows of type
    /// `trade`, or whose `refid` is a stored trade), in time order.
    pub fn trades_with_legs(&self, filter: &Filter) -> Result<Vec<TradeGroup>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let rows = table
            .select(filter, filter.from, filter.to)
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
        let positions = table.select(filter, filter.from, filter.to).positions();
        let mut writer = LedgersCsvWriter::new(out, LedgerLayout::CURRENT)?;
        for &p in &positions {
            writer.write_row(&table.ledger_row(p))?;
        }
        Ok(positions.len())
    }

    /// Balance assertions (see the module docs): `date,asset,wallet,balance`, for each period
    /// end in `ends` (an exclusive instant: the balance of the day before it) and each chain.
    pub fn balance_assertions(&self, ends: &[Timestamp]) -> Result<String, StoreError> {
        let mut out = String::from("date,asset,wallet,balance\n");
        self.push_assertions(ends, &self.chains()?, &mut out)?;
        Ok(out)
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

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}, {}) UTC",
            self.from.to_csv_with_fraction(),
            self.to.to_csv_with_fraction()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_csv(text).expect("time")
    }

    fn range(text: &str, now: &str) -> (String, String) {
        let r = DateRange::parse(text, at(now)).unwrap_or_else(|e| panic!("{e}"));
        (r.from.to_csv_with_fraction(), r.to.to_csv_with_fraction())
    }

    #[test]
    fn absolute_and_relative_dates_resolve_to_utc_ranges() {
        let now = "2025-03-15 10:20:30";
        let cases = [
            ("2025-01-31", "2025-01-31 00:00:00", "2025-02-01 00:00:00"),
            ("2024-02", "2024-02-01 00:00:00", "2024-03-01 00:00:00"),
            ("2024", "2024-01-01 00:00:00", "2025-01-01 00:00:00"),
            (
                "2025-01-31T12:00:00Z",
                "2025-01-31 12:00:00",
                "2025-01-31 12:00:00.0001",
            ),
            ("today", "2025-03-15 00:00:00", "2025-03-16 00:00:00"),
            ("yesterday", "2025-03-14 00:00:00", "2025-03-15 00:00:00"),
            ("this month", "2025-03-01 00:00:00", "2025-04-01 00:00:00"),
            ("last month", "2025-02-01 00:00:00", "2025-03-01 00:00:00"),
            ("Last 7 days", "2025-03-09 00:00:00", "2025-03-16 00:00:00"),
            ("last year", "2024-01-01 00:00:00", "2025-01-01 00:00:00"),
            ("this year", "2025-01-01 00:00:00", "2026-01-01 00:00:00"),
            ("ytd", "2025-01-01 00:00:00", "2025-03-15 10:20:30"),
            ("q1 2025", "2025-01-01 00:00:00", "2025-04-01 00:00:00"),
            ("2024 Q4", "2024-10-01 00:00:00", "2025-01-01 00:00:00"),
            ("q2", "2025-04-01 00:00:00", "2025-07-01 00:00:00"),
            // 2025-03-15 is a Saturday.
            ("this week", "2025-03-10 00:00:00", "2025-03-17 00:00:00"),
            ("last week", "2025-03-03 00:00:00", "2025-03-10 00:00:00"),
        ];
        for (text, from, to) in cases {
            assert_eq!(range(text, now), (from.to_owned(), to.to_owned()), "{text}");
        }
        assert_eq!(
            range("last month", "2025-01-10 00:00:00"),
            (
                "2024-12-01 00:00:00".to_owned(),
                "2025-01-01 00:00:00".to_owned()
            )
        );
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "2025-13",
            "2025-02-30",
            "q5 2025",
            "last x days",
            "next month",
            "1969",
            "soon",
        ] {
            assert!(
                DateRange::parse(bad, at("2025-03-15 00:00:00")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn month_ends_cover_the_range() {
        let ends = month_ends(at("2025-01-15 00:00:00"), at("2025-03-10 00:00:00"));
        let ends: Vec<String> = ends.iter().map(|t| t.to_csv_seconds()).collect();
        assert_eq!(
            ends,
            [
                "2025-02-01 00:00:00",
                "2025-03-01 00:00:00",
                "2025-03-10 00:00:00"
            ]
        );
    }
}

// What the desktop app's Ledgers area asks beyond the CLI: a row's place in the table by one
// count, trades with their legs a page at a time, and balance assertions for a filter's chains.

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

/// Whether `t` is the first instant of a UTC month.
fn is_month_start(t: Timestamp) -> bool {
    t.ticks() % TICKS_PER_SECOND == 0
        && period_start(Bucket::Month, t.unix_seconds()) == t.unix_seconds()
}

impl Workspace {
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
        let selection = table.select(filter, filter.from, filter.to);
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

    /// The refids of the trade groups [`Workspace::trades_with_legs`] returns for `filter`, in
    /// its order (each group where its first leg is), without reading the legs: what a page of
    /// [`Workspace::trade_groups`] is cut from.
    pub fn trade_refids(&self, filter: &Filter) -> Result<Vec<String>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        table
            .select(filter, filter.from, filter.to)
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
        table
            .select(filter, filter.from, filter.to)
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

    /// The first and last time of the rows `filter` selects, if any.
    pub fn time_span(&self, filter: &Filter) -> Result<Option<(Timestamp, Timestamp)>, StoreError> {
        let table = self.table()?;
        let table = &*table;
        let mut span: Option<(Timestamp, Timestamp)> = None;
        table.select(filter, filter.from, filter.to).walk(|p| {
            let time = table.time(p);
            span = Some(span.map_or((time, time), |(first, _)| (first, time)));
            true
        });
        Ok(span)
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
        let assets = normalized_assets(&filter.assets);
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
}

#[cfg(test)]
mod app_queries {
    use super::*;
    use crate::store::SourceFile;

    /// A ledgers export in the current layout: BTC and EUR chains, two rows in one second, a
    /// trade (two legs and a fee) and a request row.
    const LEDGERS: &str = "\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"subclass\",\"asset\",\"wallet\",\"amount\",\"fee\",\"balance\"
\"L1\",\"D1\",\"2025-01-02 09:00:00\",\"deposit\",\"\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",1000.00,0.00,1000.00
\"L2\",\"T1\",\"2025-01-05 10:00:00\",\"trade\",\"tradespot\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",-500.00,1.50,498.50
\"L3\",\"T1\",\"2025-01-05 10:00:00\",\"trade\",\"tradespot\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",0.0100000000,0.0000000000,0.0100000000
\"\",\"W1\",\"2025-02-01 08:00:00\",\"withdrawal\",\"\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",-0.0050000000,0.0000000000,
\"L4\",\"W1\",\"2025-02-01 08:00:05\",\"withdrawal\",\"\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",-0.0050000000,0.0000000000,0.0050000000
\"L5\",\"T2\",\"2025-02-10 12:00:00\",\"trade\",\"tradespot\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",-100.00,0.30,398.20
\"L6\",\"T2\",\"2025-02-10 12:00:00\",\"trade\",\"tradespot\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",0.0020000000,0.0000000000,0.0070000000
\"L7\",\"D2\",\"2025-03-03 09:00:00\",\"deposit\",\"\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",50.00,0.00,448.20
";

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ws = Workspace::open(dir.path().join("ws.sqlite")).expect("open");
        ws.import(&[SourceFile {
            name: "ledgers.csv",
            bytes: LEDGERS.as_bytes(),
        }])
        .expect("import");
        (dir, ws)
    }

    fn all(ws: &Workspace, filter: &Filter) -> Vec<StoredRow> {
        ws.page(filter, 0, usize::MAX).expect("page").rows
    }

    #[test]
    fn position_is_the_rows_place_in_the_page_order() {
        let (_dir, ws) = workspace();
        let btc = Filter {
            assets: vec!["BTC".to_owned()],
            ..Filter::default()
        };
        let trades = Filter {
            types: vec!["trade".to_owned()],
            ..Filter::default()
        };
        for filter in [Filter::default(), btc.clone(), trades] {
            for (i, row) in all(&ws, &filter).iter().enumerate() {
                assert_eq!(ws.position(&filter, row.id).expect("position"), Some(i));
            }
        }
        // A row the filter leaves out, and an id that is no row.
        let eur = all(&ws, &Filter::default())
            .into_iter()
            .find(|r| r.asset == "EUR")
            .expect("an EUR row");
        assert_eq!(ws.position(&btc, eur.id).expect("position"), None);
        assert_eq!(
            ws.position(&Filter::default(), 999_999).expect("position"),
            None
        );
    }

    #[test]
    fn find_row_by_file_and_line_or_by_txid() {
        let (_dir, ws) = workspace();
        let rows = all(&ws, &Filter::default());
        let l3 = rows.iter().find(|r| r.row.txid == "L3").expect("L3");
        assert_eq!(l3.line, 4);
        assert_eq!(
            ws.find_row("ledgers.csv", 4, "L3").expect("find"),
            Some(l3.id)
        );
        // Another file's line with this txid (a duplicate's): the row stored under the txid.
        assert_eq!(
            ws.find_row("other.csv", 9, "L3").expect("find"),
            Some(l3.id)
        );
        assert_eq!(ws.find_row("ledgers.csv", 5, "").expect("find"), None);
        assert_eq!(ws.find_row("ledgers.csv", 2, "LX").expect("find"), None);
    }

    #[test]
    fn trade_groups_page_through_trades_with_legs() {
        let (_dir, ws) = workspace();
        for filter in [
            Filter::default(),
            Filter {
                assets: vec!["XBT".to_owned()],
                ..Filter::default()
            },
            Filter {
                from: Some(Timestamp::parse_csv("2025-02-01 00:00:00").expect("time")),
                ..Filter::default()
            },
        ] {
            let whole = ws.trades_with_legs(&filter).expect("trades");
            let refids = ws.trade_refids(&filter).expect("refids");
            assert_eq!(
                refids,
                whole.iter().map(|g| g.refid.clone()).collect::<Vec<_>>()
            );
            for (start, len) in [(0, 1), (1, 5), (0, 10)] {
                let end = (start + len).min(refids.len());
                let page = ws
                    .trade_groups(&filter, &refids[start.min(end)..end])
                    .expect("groups");
                assert_eq!(page, whole[start.min(end)..end]);
            }
        }
        let groups = ws
            .trade_groups(&Filter::default(), &["T1".to_owned()])
            .expect("groups");
        assert_eq!(groups[0].legs.len(), 2);
        assert_eq!(groups[0].fees, [("EUR".to_owned(), Decimal::new(150, 2))]);
    }

    #[test]
    fn monthly_assertions_cover_the_filtered_chains() {
        let (_dir, ws) = workspace();
        let all = ws
            .monthly_assertions(&Filter::default())
            .expect("assertions");
        assert_eq!(
            all.csv,
            "date,asset,wallet,balance
2025-01-31,BTC,spot / main,0.0100000000
2025-01-31,EUR,spot / main,498.50
2025-02-28,BTC,spot / main,0.0070000000
2025-02-28,EUR,spot / main,398.20
2025-03-31,BTC,spot / main,0.0070000000
2025-03-31,EUR,spot / main,448.20
"
        );
        assert_eq!((all.lines, all.ends.len()), (6, 3));
        // The asset filter narrows the chains; a date range sets the period ends.
        let btc_feb = Filter {
            assets: vec!["XXBT".to_owned()],
            types: vec!["deposit".to_owned()],
            ..Filter::default()
        };
        let range = DateRange::parse("2025-02", Timestamp::UNIX_EPOCH).expect("range");
        let btc_feb = Filter {
            from: Some(range.from),
            to: Some(range.to),
            ..btc_feb
        };
        let some = ws.monthly_assertions(&btc_feb).expect("assertions");
        assert_eq!(
            some.csv,
            "date,asset,wallet,balance\n2025-02-28,BTC,spot / main,0.0070000000\n"
        );
        let none = Filter {
            assets: vec!["ETH".to_owned()],
            ..Filter::default()
        };
        assert_eq!(ws.monthly_assertions(&none).expect("assertions").lines, 0);
    }
}
