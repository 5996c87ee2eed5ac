//! [`Timestamp`]: an instant as the exchange keeps it, unix time in ten-thousandths of a second,
//! and its spellings.
//!
//! The exchange's API writes times as unix seconds with up to four decimals, as a JSON number or
//! a string (`1730536783.3077`, `"1688669085"`): that is the type's serde, `Display` and
//! `FromStr`. The ledgers and trades exports print them in UTC as `YYYY-MM-DD HH:MM:SS`, ledgers
//! truncated to the second and trades with the fraction (trailing zeros dropped:
//! `08:39:43.3077`, `15:38:52.783`): [`Timestamp::to_csv_seconds`],
//! [`Timestamp::to_csv_with_fraction`], [`Timestamp::parse_csv`]. The REST results, the exports
//! and the review store hold this one type, so nothing is lost between the API, the ledger and
//! the trades file. Calendar work (dates, months, weekdays, display) is chrono's, on
//! [`Timestamp::utc`]; nothing here reads a clock.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use chrono::format::{Item, Numeric, Pad, Parsed};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Sub-second resolution of a [`Timestamp`]: the exchange's four decimals.
pub const TICKS_PER_SECOND: i64 = 10_000;

/// Nanoseconds (chrono's resolution) in one tick.
const NANOS_PER_TICK: i64 = 100_000;

/// Last second the four-digit year of the CSV can spell: 9999-12-31 23:59:59 UTC.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// The exports' `YYYY-MM-DD HH:MM:SS` (before any fraction) as chrono's parser items.
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
];

/// An instant in unix time with the exchange's ten-thousandth-of-a-second precision.
///
/// Invariant: between 1970-01-01 00:00:00 and 9999-12-31 23:59:59.9999 UTC, the range the
/// exports' `YYYY-MM-DD HH:MM:SS` spelling can express; constructors refuse anything else, so
/// rendering never fails. An integer count, so exact and ordered without floats.
///
/// Serialises as the API writes it: a JSON integer when whole, a number with its decimals
/// otherwise; reads a number or a string. The default is the epoch (the API's `0`, "none").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Not a non-negative decimal number of unix seconds, the API's spelling.
    #[error("not a unix timestamp: {0:?}")]
    NotUnixSeconds(String),
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
        if let Some(digits) = self.fraction_digits() {
            // `write!` to a String cannot fail.
            let _ = write!(out, ".{digits}");
        }
        out
    }

    /// The fraction's four digits with trailing zeros dropped (`3077`, `783`, `0059`); none on a
    /// whole second. Both the API's and the trades export's spelling end so.
    fn fraction_digits(self) -> Option<String> {
        let fraction = self.ticks % TICKS_PER_SECOND;
        (fraction != 0).then(|| format!("{fraction:04}").trim_end_matches('0').to_owned())
    }

    /// Reads either CSV spelling: `YYYY-MM-DD HH:MM:SS` with an optional fraction of one to four
    /// digits, UTC.
    ///
    /// Once per row of an import. chrono parses the date and time (its items built once, not a
    /// format string read per row) in 90–150 ns, about four times the hand-written scanner it
    /// replaced (20–35 ns): some 0.1 s of CPU per million rows, shared by the import's two
    /// threads, which the import bench does not show (1,000,000 rows, read: 0.69 s with the
    /// scanner, 0.48 s with chrono; the difference is the shared machine's noise).
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
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, whole, CSV_ITEMS.iter()).map_err(|_| malformed())?;
        let t = parsed
            .to_naive_datetime_with_offset(0)
            .map_err(|_| malformed())?
            .and_utc();
        // chrono reads `:60` as a leap second (a nanosecond count past one second), which the
        // exports never write.
        if t.timestamp_subsec_nanos() != 0 {
            return Err(malformed());
        }
        // The fraction is ticks, not chrono's nanoseconds: one to four digits, never rounded.
        let sub = match fraction {
            None => 0,
            Some(f) if f.len() > 4 => return Err(TimeError::TooPrecise(text.to_owned())),
            Some(f) if !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()) => {
                let scale = 10_i64.pow(4 - u32::try_from(f.len()).map_err(|_| malformed())?);
                f.parse::<i64>().map_err(|_| malformed())? * scale
            }
            Some(_) => return Err(malformed()),
        };
        Self::from_ticks(t.timestamp() * TICKS_PER_SECOND + sub)
    }
}

impl fmt::Display for Timestamp {
    /// Unix seconds as the API writes them: `1688464484.1787`, `1688464484.1`, or `1688464484`
    /// when whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.fraction_digits() {
            Some(digits) => write!(f, "{}.{digits}", self.unix_seconds()),
            None => write!(f, "{}", self.unix_seconds()),
        }
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;

    /// Reads unix seconds with any number of decimals, rounded to four (what the API may send;
    /// [`Timestamp::from_decimal_seconds`] refuses a fifth instead).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let not_unix = || TimeError::NotUnixSeconds(s.to_owned());
        let d = Decimal::from_str(s.trim()).map_err(|_| not_unix())?;
        if d.is_sign_negative() {
            return Err(not_unix());
        }
        let ticks = d
            .round_dp(4)
            .checked_mul(Decimal::from(TICKS_PER_SECOND))
            .ok_or_else(not_unix)?;
        Self::from_ticks(ticks.trunc().to_i64().ok_or(TimeError::OutOfRange)?)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.ticks % TICKS_PER_SECOND == 0 {
            return s.serialize_i64(self.unix_seconds());
        }
        // Parsing the exact decimal text gives the nearest double, which JSON writers print back
        // as the same shortest text; no arithmetic happens on the float.
        let text = self.to_string();
        let n: f64 = text.parse().map_err(serde::ser::Error::custom)?;
        s.serialize_f64(n)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimestampVisitor)
    }
}

/// Reads unix seconds from a JSON number or string (the wire's optional and string-typed
/// fields build on it).
pub(crate) struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unix seconds as a number or string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        let seconds = i64::try_from(v).map_err(|_| E::custom(TimeError::OutOfRange))?;
        Timestamp::from_unix_seconds(seconds).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        if v < 0 {
            return Err(E::custom(TimeError::NotUnixSeconds(v.to_string())));
        }
        Timestamp::from_unix_seconds(v).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        // `Display` for f64 prints the shortest text that reads back as `v`, never an exponent.
        Timestamp::from_str(&v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::from_str(v).map_err(E::custom)
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
    fn api_times_keep_four_decimals_exactly() {
        for text in [
            "1688464484.1787",
            "1546992921.777",
            "1373750306.9819",
            "0",
            "1688014586",
        ] {
            let t: Timestamp = serde_json::from_str(text).expect("parse");
            assert_eq!(t.to_string(), text);
            assert_eq!(serde_json::to_string(&t).expect("write"), text);
        }
        let t: Timestamp = serde_json::from_str("1688464484.1787").expect("parse");
        assert_eq!(t.ticks(), 16_884_644_841_787);
        assert_eq!(t.unix_seconds(), 1_688_464_484);
        let s: Timestamp = serde_json::from_str("\"1688669085\"").expect("string");
        assert_eq!(
            s,
            Timestamp::from_unix_seconds(1_688_669_085).expect("time")
        );
        assert!(serde_json::from_str::<Timestamp>("-1").is_err());
        assert!(
            Timestamp::from_unix_seconds(1).expect("time")
                < Timestamp::from_ticks(10_001).expect("time")
        );
        // More decimals than four are rounded, as the API's readers always have.
        let t: Timestamp = serde_json::from_str("\"1688464484.17875\"").expect("rounded");
        assert_eq!(t.ticks(), 16_884_644_841_788);
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
    fn the_date_is_checked_before_the_fraction() {
        assert!(matches!(
            Timestamp::parse_csv("2023-02-29 08:39:43.12345"),
            Err(TimeError::Malformed(_))
        ));
        assert!(matches!(
            Timestamp::parse_csv("2024-11-02 08:39:43.abcde"),
            Err(TimeError::TooPrecise(_))
        ));
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
