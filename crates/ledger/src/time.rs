//! [`Timestamp`]: an instant as the exchange keeps it, unix time in ten-thousandths of a second,
//! and its two CSV spellings.
//!
//! The exchange's API reports times as unix seconds with four decimals (`1730536783.3077`); the
//! exports print them in UTC as `YYYY-MM-DD HH:MM:SS`, ledgers truncated to the second and trades
//! with the fraction (trailing zeros dropped: `08:39:43.3077`, `15:38:52.783`). Both are derived
//! from the same stored value, so nothing is lost between the API, the ledger and the trades file.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Sub-second resolution of a [`Timestamp`]: the exchange's four decimals.
pub const TICKS_PER_SECOND: i64 = 10_000;

/// Last second the four-digit year of the CSV can spell: 9999-12-31 23:59:59 UTC.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// Days from 1970-01-01 to 0000-03-01 in the proleptic Gregorian calendar, the epoch of the
/// era arithmetic below.
const DAYS_FROM_0000_03_01: i64 = 719_468;
const DAYS_PER_ERA: i64 = 146_097;
const SECONDS_PER_DAY: i64 = 86_400;

/// An instant in unix time with the exchange's ten-thousandth-of-a-second precision.
///
/// Invariant: between 1970-01-01 00:00:00 and 9999-12-31 23:59:59.9999 UTC, the range the
/// exports' `YYYY-MM-DD HH:MM:SS` spelling can express; constructors refuse anything else, so
/// rendering never fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    ticks: i64,
}

/// Why a time cannot be a [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Before 1970 or after year 9999.
    #[error("time is outside 1970-01-01 .. 9999-12-31")]
    OutOfRange,
    /// Finer than a ten-thousandth of a second: keeping it would round, which the exports never do.
    #[error("time has more than four decimals: {0}")]
    TooPrecise(String),
    /// Not `YYYY-MM-DD HH:MM:SS` with an optional `.f` of one to four digits, or not a real date.
    #[error("not an export time (YYYY-MM-DD HH:MM:SS[.ffff]): {0:?}")]
    Malformed(String),
}

impl Timestamp {
    /// The earliest representable instant, 1970-01-01 00:00:00 UTC.
    pub const UNIX_EPOCH: Self = Self { ticks: 0 };

    /// From ten-thousandths of a second since the unix epoch.
    pub fn from_ticks(ticks: i64) -> Result<Self, TimeError> {
        let max = MAX_UNIX_SECONDS * TICKS_PER_SECOND + (TICKS_PER_SECOND - 1);
        if (0..=max).contains(&ticks) {
            Ok(Self { ticks })
        } else {
            Err(TimeError::OutOfRange)
        }
    }

    /// From whole unix seconds (the sandbox's clock).
    pub fn from_unix_seconds(seconds: i64) -> Result<Self, TimeError> {
        if (0..=MAX_UNIX_SECONDS).contains(&seconds) {
            Ok(Self {
                ticks: seconds * TICKS_PER_SECOND,
            })
        } else {
            Err(TimeError::OutOfRange)
        }
    }

    /// From unix seconds as the API spells them (`1730536783.3077`); more than four significant
    /// decimals are refused rather than rounded.
    pub fn from_decimal_seconds(seconds: Decimal) -> Result<Self, TimeError> {
        let ticks = seconds
            .checked_mul(Decimal::from(TICKS_PER_SECOND))
            .ok_or(TimeError::OutOfRange)?;
        if !ticks.fract().is_zero() {
            return Err(TimeError::TooPrecise(seconds.to_string()));
        }
        Self::from_ticks(ticks.to_i64().ok_or(TimeError::OutOfRange)?)
    }

    /// Ten-thousandths of a second since the unix epoch.
    pub const fn ticks(self) -> i64 {
        self.ticks
    }

    /// Whole unix seconds, the fraction truncated (as the ledgers export prints it).
    pub const fn unix_seconds(self) -> i64 {
        self.ticks / TICKS_PER_SECOND
    }

    /// Unix seconds with exactly four decimals, the API's spelling.
    pub fn decimal_seconds(self) -> Decimal {
        Decimal::new(self.ticks, 4)
    }

    /// `YYYY-MM-DD HH:MM:SS` UTC, the fraction truncated: the ledgers export's `time`.
    pub fn to_csv_seconds(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// The UTC calendar date and time of day, the fraction truncated.
    pub(crate) fn civil(self) -> Civil {
        let seconds = self.unix_seconds();
        let (year, month, day) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
        let of_day = seconds.rem_euclid(SECONDS_PER_DAY);
        Civil {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day % 3600 / 60,
            second: of_day % 60,
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.ffff` UTC with trailing zeros of the fraction dropped, and no `.` at
    /// all on a whole second: the trades export's `time`.
    ///
    /// Real exports never show a fraction ending in `0` (`.783`, `.301`, never `.7830`); a whole
    /// second has not been seen and is assumed to follow the same rule.
    pub fn to_csv_with_fraction(self) -> String {
        let mut out = self.to_csv_seconds();
        let fraction = self.ticks % TICKS_PER_SECOND;
        if fraction != 0 {
            let digits = format!("{fraction:04}");
            // `write!` to a String cannot fail.
            let _ = write!(out, ".{}", digits.trim_end_matches('0'));
        }
        out
    }

    /// Reads either CSV spelling: `YYYY-MM-DD HH:MM:SS` with an optional fraction of one to four
    /// digits, UTC.
    pub fn parse_csv(text: &str) -> Result<Self, TimeError> {
        let malformed = || TimeError::Malformed(text.to_owned());
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        let b = whole.as_bytes();
        if b.len() != 19
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b' '
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(malformed());
        }
        let number = |range: std::ops::Range<usize>| -> Result<i64, TimeError> {
            let part = &whole[range];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| malformed())
            } else {
                Err(malformed())
            }
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(malformed());
        }
        let sub = match fraction {
            None => 0,
            Some(f) if f.len() > 4 => return Err(TimeError::TooPrecise(text.to_owned())),
            Some(f) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => {
                let scale = 10_i64.pow(4 - u32::try_from(f.len()).map_err(|_| malformed())?);
                f.parse::<i64>().map_err(|_| malformed())? * scale
            }
            Some(_) => return Err(malformed()),
        };
        let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY
            + hour * 3600
            + minute * 60
            + second;
        Self::from_ticks(seconds * TICKS_PER_SECOND + sub)
    }
}

/// A UTC calendar date and time of day, each part in its natural range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * DAYS_PER_ERA + day_of_era - DAYS_FROM_0000_03_01
}

/// The proleptic Gregorian date `days` after 1970-01-01 as (year, month 1–12, day 1–31)
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + DAYS_FROM_0000_03_01;
    let era = z.div_euclid(DAYS_PER_ERA);
    let day_of_era = z - era * DAYS_PER_ERA;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// (unix ticks, ledgers spelling, trades spelling); the instants were checked with
    /// `date -u -d @SECONDS`.
    const CASES: &[(i64, &str, &str)] = &[
        (0, "1970-01-01 00:00:00", "1970-01-01 00:00:00"),
        (
            17_305_367_833_077,
            "2024-11-02 08:39:43",
            "2024-11-02 08:39:43.3077",
        ),
        (
            17_308_211_327_830,
            "2024-11-05 15:38:52",
            "2024-11-05 15:38:52.783",
        ),
        (
            17_308_211_320_059,
            "2024-11-05 15:38:52",
            "2024-11-05 15:38:52.0059",
        ),
        (
            17_308_211_325_000,
            "2024-11-05 15:38:52",
            "2024-11-05 15:38:52.5",
        ),
        (
            9_517_824_000_000,
            "2000-02-29 00:00:00",
            "2000-02-29 00:00:00",
        ),
        (
            14_778_474_719_999,
            "2016-10-30 17:11:11",
            "2016-10-30 17:11:11.9999",
        ),
        (
            MAX_UNIX_SECONDS * TICKS_PER_SECOND + 9999,
            "9999-12-31 23:59:59",
            "9999-12-31 23:59:59.9999",
        ),
    ];

    #[test]
    fn renders_and_parses_each_case() {
        for &(ticks, seconds, fraction) in CASES {
            let t = Timestamp::from_ticks(ticks).expect("in range");
            assert_eq!(t.to_csv_seconds(), seconds, "ticks {ticks}");
            assert_eq!(t.to_csv_with_fraction(), fraction, "ticks {ticks}");
            assert_eq!(Timestamp::parse_csv(fraction), Ok(t), "{fraction}");
            let truncated = Timestamp::from_unix_seconds(t.unix_seconds()).expect("in range");
            assert_eq!(Timestamp::parse_csv(seconds), Ok(truncated), "{seconds}");
        }
    }

    #[test]
    fn decimal_seconds_are_exact() {
        let t = Timestamp::from_decimal_seconds(dec!(1730536783.3077)).expect("four decimals");
        assert_eq!(t.ticks(), 17_305_367_833_077);
        assert_eq!(t.decimal_seconds().to_string(), "1730536783.3077");
        assert_eq!(
            Timestamp::from_decimal_seconds(dec!(1730536783.30770)).map(Timestamp::ticks),
            Ok(17_305_367_833_077)
        );
        assert!(matches!(
            Timestamp::from_decimal_seconds(dec!(1730536783.30771)),
            Err(TimeError::TooPrecise(_))
        ));
        assert_eq!(
            Timestamp::from_decimal_seconds(dec!(-1)),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn refuses_what_is_not_an_export_time() {
        for bad in [
            "",
            "2024-11-02",
            "2024-11-02T08:39:43",
            "2024-11-02 08:39:43.",
            "2024-11-02 08:39:43.x",
            "2024-13-02 08:39:43",
            "2023-02-29 08:39:43",
            "2024-11-02 24:00:00",
            "2024-11-02 08:60:00",
            "2024-11-02 08:39:60",
            "+024-11-02 08:39:43",
            "1969-12-31 23:59:59",
        ] {
            assert!(Timestamp::parse_csv(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Timestamp::parse_csv("2024-11-02 08:39:43.30771"),
            Err(TimeError::TooPrecise(_))
        ));
        assert_eq!(Timestamp::from_unix_seconds(-1), Err(TimeError::OutOfRange));
        assert_eq!(
            Timestamp::from_unix_seconds(MAX_UNIX_SECONDS + 1),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn calendar_round_trips_every_day_of_four_centuries() {
        for days in 0..DAYS_PER_ERA {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            assert!((1..=days_in_month(y, m)).contains(&d));
        }
    }
}
