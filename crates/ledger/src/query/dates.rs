//! Dates as people type them, and the periods balances are given for: [`DateRange::parse`]
//! (see the `query` module docs for what it reads), [`Bucket`]s of a balance series and
//! [`month_ends`] of assertions.
//!
//! Every range is half-open, `[from, to)`, in UTC; nothing here reads a clock (`now` is passed).

use std::fmt;

use crate::time::{TICKS_PER_SECOND, Timestamp, civil_from_days, days_from_civil, days_in_month};

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
pub(super) fn add_months(year: i64, month: i64, n: i64) -> (i64, i64) {
    let index = year * 12 + (month - 1) + n;
    (index.div_euclid(12), index.rem_euclid(12) + 1)
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
    // Digits only: `str::parse` would also take a sign (`2025-+1-15`).
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !b[5..7].iter().chain(&b[8..10]).all(u8::is_ascii_digit)
    {
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

pub(super) fn period_start(bucket: Bucket, seconds: i64) -> i64 {
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

pub(super) fn next_period(bucket: Bucket, start: i64) -> i64 {
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
