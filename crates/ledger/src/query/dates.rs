//! Dates as people type them, and the periods balances are given for: [`DateRange::parse`]
//! (see the `query` module docs for what it reads), [`Bucket`]s of a balance series and
//! [`month_ends`] of assertions.
//!
//! Every range is half-open, `[from, to)`, in UTC; nothing here reads a clock (`now` is passed).
//! The calendar (months, weeks from Monday, leap years) is chrono's.

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeDelta, Weekday};
use countersign_kraken::{TICKS_PER_SECOND, Timestamp};

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

/// The first of the month `n` months after `date`'s month (before it when `n` is negative).
fn month_start_after(date: NaiveDate, n: i32) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    let months = Months::new(n.unsigned_abs());
    if n < 0 {
        first.checked_sub_months(months)
    } else {
        first.checked_add_months(months)
    }
}

/// The first instant of a UTC day, if there is such a day and a [`Timestamp`] can hold it.
fn start_of(date: Option<NaiveDate>) -> Option<Timestamp> {
    Timestamp::start_of_day(date?).ok()
}

/// The Monday starting `date`'s week.
fn monday_of(date: NaiveDate) -> Option<NaiveDate> {
    date.week(Weekday::Mon).checked_first_day()
}

impl DateRange {
    /// Reads a date, a period or a relative form (see the `query` module docs) against `now`.
    pub fn parse(text: &str, now: Timestamp) -> Result<Self, DateError> {
        let error = || DateError(text.to_owned());
        let words: Vec<String> = text
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let today = now.date();
        let year = today.year();
        // From the start of one UTC day to the start of another.
        let days = |from: Option<NaiveDate>, to: Option<NaiveDate>| -> Result<Self, DateError> {
            Ok(Self {
                from: start_of(from).ok_or_else(error)?,
                to: start_of(to).ok_or_else(error)?,
            })
        };
        // `count` whole months from the first of `year`-`month`.
        let months = |year: i32, month: u32, count: u32| {
            let first = NaiveDate::from_ymd_opt(year, month, 1);
            days(
                first,
                first.and_then(|f| f.checked_add_months(Months::new(count))),
            )
        };
        let monday = monday_of(today);
        let monday_after = |weeks: i64| monday?.checked_add_signed(TimeDelta::weeks(weeks));
        match words.as_slice() {
            ["today"] => return days(Some(today), today.succ_opt()),
            ["yesterday"] => return days(today.pred_opt(), Some(today)),
            ["this", "week"] => return days(monday, monday_after(1)),
            ["last", "week"] => return days(monday_after(-1), monday),
            ["this", "month"] => return months(year, today.month(), 1),
            ["last", "month"] => {
                return days(month_start_after(today, -1), month_start_after(today, 0));
            }
            ["this", "year"] => return months(year, 1, 12),
            ["last", "year"] => return months(year - 1, 1, 12),
            ["ytd"] => {
                let first = NaiveDate::from_ymd_opt(year, 1, 1);
                return Ok(Self {
                    from: start_of(first).ok_or_else(error)?,
                    to: now,
                });
            }
            ["last", n, "days" | "day"] => {
                let n: u64 = n.parse().map_err(|_| error())?;
                if !(1..=100_000).contains(&n) {
                    return Err(error());
                }
                return days(today.checked_sub_days(Days::new(n - 1)), today.succ_opt());
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
                return months(y, (quarter - 1) * 3 + 1, 3);
            }
            [_] | [_, _] => {}
            _ => return Err(error()),
        }
        let text = text.trim();
        if let Some(y) = year_number(text) {
            return months(y, 1, 12);
        }
        if text.len() == 7 && text.as_bytes()[4] == b'-' {
            let y = year_number(&text[..4]).ok_or_else(error)?;
            let m = digits(&text[5..])
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(error)?;
            return months(y, m, 1);
        }
        if text.len() == 10 {
            let d = parse_day(text).ok_or_else(error)?;
            return days(Some(d), d.succ_opt());
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

fn quarter(word: &str) -> Option<u32> {
    match word {
        "q1" => Some(1),
        "q2" => Some(2),
        "q3" => Some(3),
        "q4" => Some(4),
        _ => None,
    }
}

/// A number of ASCII digits only (no sign, no space).
fn digits(text: &str) -> Option<u32> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn year_number(text: &str) -> Option<i32> {
    (text.len() == 4)
        .then(|| digits(text))
        .flatten()
        .and_then(|y| i32::try_from(y).ok())
        .filter(|y| *y >= 1970)
}

/// The date `YYYY-MM-DD`.
fn parse_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(
        year_number(&text[..4])?,
        digits(&text[5..7])?,
        digits(&text[8..10])?,
    )
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

/// How long a period of a balance series is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

/// The UTC date of a unix second. Every second a [`Timestamp`] holds has one; the fallback
/// (1970-01-01) is never taken.
fn date_of(seconds: i64) -> NaiveDate {
    DateTime::from_timestamp(seconds, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The unix second a UTC day starts at.
fn seconds_of(date: NaiveDate) -> i64 {
    date.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// The unix second the period of `bucket` holding unix second `seconds` starts at.
pub(super) fn period_start(bucket: Bucket, seconds: i64) -> i64 {
    let date = date_of(seconds);
    let start = match bucket {
        Bucket::Day => Some(date),
        Bucket::Week => monday_of(date),
        Bucket::Month => date.with_day(1),
    };
    // Every day has a Monday on or before it and a first of its month within chrono's range.
    seconds_of(start.unwrap_or(date))
}

/// The unix second the period after the one starting at `start` starts at; `i64::MAX` beyond
/// chrono's calendar (year 262,143), which no [`Timestamp`] reaches.
pub(super) fn next_period(bucket: Bucket, start: i64) -> i64 {
    let next = match bucket {
        Bucket::Day | Bucket::Week => {
            let length = match bucket {
                Bucket::Week => TimeDelta::weeks(1),
                _ => TimeDelta::days(1),
            };
            DateTime::from_timestamp(start, 0)
                .and_then(|t| t.checked_add_signed(length))
                .map(|t| t.timestamp())
        }
        Bucket::Month => month_start_after(date_of(start), 1).map(seconds_of),
    };
    next.unwrap_or(i64::MAX)
}

/// The month ends (exclusive instants, first of the next month) within `[from, to]`, and `to`
/// itself: the period ends of [`Workspace::balance_assertions`](crate::Workspace::balance_assertions) by month.
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

/// Whether `t` is the first instant of a UTC month.
pub(super) fn is_month_start(t: Timestamp) -> bool {
    t.ticks() % TICKS_PER_SECOND == 0
        && period_start(Bucket::Month, t.unix_seconds()) == t.unix_seconds()
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
    fn refuses_a_signed_month_or_day() {
        // `+1` reads as a number but is not how a date is written.
        for bad in ["2025-+1-15", "2025-01-+5"] {
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
