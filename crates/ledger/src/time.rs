//! [`Timestamp`]: an instant as the exchange keeps it, unix time in ten-thousandths of a second,
//! and its two CSV spellings.
//!
//! The exchange's API reports times as unix seconds with four decimals (`1730536783.3077`); the
//! exports print them in UTC as `YYYY-MM-DD HH:MM:SS`, ledgers truncated to the second and trades
//! with the fraction (trailing zeros dropped: `08:39:43.3077`, `15:38:52.783`). Both are derived
//! from the same stored value, so nothing is lost between the API, the ledger and the trades file.
//! Calendar work (dates, months, weekdays, display) is chrono's, on [`Timestamp::utc`].

use std::fmt::Write as _;

use chrono::format::{Fixed, Item, Numeric, Pad, Parsed};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Sub-second resolution of a [`Timestamp`]: the exchange's four decimals.
pub const TICKS_PER_SECOND: i64 = 10_000;

/// Nanoseconds (chrono's resolution) in one tick.
const NANOS_PER_TICK: i64 = 100_000;

/// Last second the four-digit year of the CSV can spell: 9999-12-31 23:59:59 UTC.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// The exports' `YYYY-MM-DD HH:MM:SS[.f]` as chrono's parser items.
const CSV_ITEMS: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Literal(" "),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
    Item::Fixed(Fixed::Nanosecond),
];

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

    /// The first instant of a UTC day.
    pub fn start_of_day(date: NaiveDate) -> Result<Self, TimeError> {
        Self::from_unix_seconds(date.and_time(NaiveTime::MIN).and_utc().timestamp())
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

    /// The instant in chrono's terms, for calendar work and display.
    pub fn utc(self) -> DateTime<Utc> {
        let nanos = (self.ticks % TICKS_PER_SECOND) * NANOS_PER_TICK;
        // Every Timestamp is within chrono's range (years 1970..=9999), so the fallback is never
        // taken.
        DateTime::from_timestamp(self.unix_seconds(), u32::try_from(nanos).unwrap_or(0))
            .unwrap_or_default()
    }

    /// The UTC calendar date.
    pub fn date(self) -> NaiveDate {
        self.utc().date_naive()
    }

    /// `YYYY-MM-DD HH:MM:SS` UTC, the fraction truncated: the ledgers export's `time`.
    pub fn to_csv_seconds(self) -> String {
        // chrono's `Display` of a date and time with no nanoseconds is exactly this spelling for
        // the years 0000..=9999.
        DateTime::from_timestamp(self.unix_seconds(), 0)
            .unwrap_or_default()
            .naive_utc()
            .to_string()
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
    ///
    /// Once per row of an import. chrono parses it (with its items built once, not a format
    /// string read per row): 90–125 ns a time against 20–35 ns for the hand-written scanner it
    /// replaced, about 70 ms of CPU per million rows over the import's two threads, which the
    /// import bench (1,000,000 rows, read 0.45–0.78 s between runs) does not show.
    pub fn parse_csv(text: &str) -> Result<Self, TimeError> {
        let malformed = || TimeError::Malformed(text.to_owned());
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (text, None),
        };
        // chrono's numeric items also take a sign and fewer digits (`+2024`, `1`); the export's
        // fields are fixed-width digits, so the shape is checked first.
        let shaped = whole.len() == 19
            && whole.bytes().enumerate().all(|(i, c)| match i {
                4 | 7 => c == b'-',
                10 => c == b' ',
                13 | 16 => c == b':',
                _ => c.is_ascii_digit(),
            });
        if !shaped {
            return Err(malformed());
        }
        if fraction.is_some_and(|f| f.len() > 4) {
            return Err(TimeError::TooPrecise(text.to_owned()));
        }
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, text, CSV_ITEMS.iter()).map_err(|_| malformed())?;
        let t = parsed
            .to_naive_datetime_with_offset(0)
            .map_err(|_| malformed())?
            .and_utc();
        // chrono reads `:60` as a leap second, a second nanosecond count the exports never write.
        let sub = i64::from(t.timestamp_subsec_nanos()) / NANOS_PER_TICK;
        if sub >= TICKS_PER_SECOND {
            return Err(malformed());
        }
        Self::from_ticks(t.timestamp() * TICKS_PER_SECOND + sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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
    fn every_day_of_four_centuries_starts_at_a_whole_day() {
        // 146,097 days: one full cycle of the Gregorian calendar's leap years.
        let mut date = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        for days in 0..146_097_i64 {
            let start = Timestamp::start_of_day(date).expect("in range");
            assert_eq!(start.ticks(), days * 86_400 * TICKS_PER_SECOND, "{date}");
            assert_eq!(start.date(), date);
            assert_eq!(start.to_csv_seconds(), format!("{date} 00:00:00"));
            assert_eq!(Timestamp::parse_csv(&start.to_csv_seconds()), Ok(start));
            date = date.succ_opt().expect("next day");
        }
    }

    /// Any export spelling chrono's own parser reads the same way as [`Timestamp::parse_csv`].
    fn chrono_reads(text: &str) -> Option<i64> {
        let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .ok()?
            .and_utc();
        let sub = i64::from(t.timestamp_subsec_nanos());
        (sub % NANOS_PER_TICK == 0).then(|| t.timestamp() * TICKS_PER_SECOND + sub / NANOS_PER_TICK)
    }

    proptest! {
        #[test]
        fn both_spellings_round_trip(ticks in 0..=MAX_UNIX_SECONDS * TICKS_PER_SECOND + 9999) {
            let t = Timestamp::from_ticks(ticks).expect("in range");
            prop_assert_eq!(Timestamp::parse_csv(&t.to_csv_with_fraction()), Ok(t));
            let whole = Timestamp::from_unix_seconds(t.unix_seconds()).expect("in range");
            prop_assert_eq!(Timestamp::parse_csv(&t.to_csv_seconds()), Ok(whole));
            prop_assert_eq!(t.utc().timestamp(), t.unix_seconds());
            prop_assert_eq!(chrono_reads(&t.to_csv_with_fraction()), Some(ticks));
        }

        #[test]
        fn parses_what_chrono_parses(
            y in 1960_u32..10_000,
            mo in 0_u32..14,
            d in 0_u32..33,
            h in 0_u32..25,
            mi in 0_u32..61,
            s in 0_u32..61,
            fraction in proptest::option::of("[0-9]{1,4}"),
        ) {
            let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            if let Some(f) = &fraction {
                text = format!("{text}.{f}");
            }
            // chrono takes a leap second (`:60`) that the exports never write.
            let expected = chrono_reads(&text).filter(|_| s < 60 && y >= 1970);
            prop_assert_eq!(Timestamp::parse_csv(&text).ok().map(Timestamp::ticks), expected, "{}", text);
        }
    }
}
