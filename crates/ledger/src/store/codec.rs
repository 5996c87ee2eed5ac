//! How the store holds values: ledger rows in blocks, and money and times in its tables.
//!
//! # Blocks
//!
//! Ledger rows are stored in `ledger_blocks`, up to [`BLOCK_ROWS`] consecutive rows of one import
//! per SQLite row, written by [`BlockEncoder`] and read back by [`decode_block`]. A million rows
//! are a few hundred blobs: storing them is one sequential write instead of a million b-tree
//! inserts and three index builds, which is what brings a million-row import under two seconds.
//! A row holds the id of its kind (interned in `ledger_kinds`, see the `writer` module), not what
//! the kind says.
//!
//! A block: the number of extra columns of its import (varint), then per row: line (varint),
//! time as the zigzag varint difference to the previous row's (the first row's to 0), kind id
//! (varint), txid and refid (varint length, UTF-8 bytes), amount and fee, a presence byte whose
//! low four bits say which of balance, amount_usd, fee_usd and balance_usd follow, those, then the
//! extra values (varint length, bytes). Money is exact: a byte holding the scale (low five bits)
//! and the sign (high bit, so a negative zero stays one), then the mantissa's magnitude as a
//! varint.
//!
//! Invariants: [`decode_block`] gives back every row as it was pushed, money with its scale and
//! the sign of a zero; a damaged block (cut short, trailing bytes, another number of extra
//! columns, a value out of range) is a [`StoreError::Corrupt`], never a panic.
//!
//! # Values in the tables
//!
//! Times are integer ticks ([`Timestamp::ticks`]); money outside blocks (the monthly sums, trades
//! rows) is the decimal's text, read back exactly by [`decimal`]; a month (the monthly sums' key)
//! is the unix second it starts at, UTC ([`month_start`]).

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveTime};
use compact_str::CompactString;
use countersign_kraken::Timestamp;
use rust_decimal::Decimal;

use super::StoreError;
use crate::ledger::LedgerRow;

/// Rows per block: large enough that a million rows are a few hundred blobs, small enough that
/// a block is written while the next is encoded without holding much.
pub(crate) const BLOCK_ROWS: usize = 4096;

/// The most rows a stored block may say it holds (blocks of another build may be larger than
/// [`BLOCK_ROWS`]); more is a damaged database, not an allocation to attempt.
pub(super) const MAX_BLOCK_ROWS: usize = 1 << 16;

/// A damaged block: what was found wrong.
pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("ledger block ({what})"))
}

fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u128 {
    u128::from(((v << 1) ^ (v >> 63)) as u64)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u128);
    out.extend_from_slice(bytes);
}

const SIGN_BIT: u8 = 0x80;

fn put_money(out: &mut Vec<u8>, d: Decimal) {
    let sign = if d.is_sign_negative() { SIGN_BIT } else { 0 };
    // The scale of a Decimal is at most 28: five bits.
    out.push(sign | d.scale() as u8);
    put_varint(out, d.mantissa().unsigned_abs());
}

/// One row as a block stores it (its chain and kind already interned).
pub(crate) struct BlockRow<'a> {
    pub line: u32,
    pub time: i64,
    pub kind: i64,
    pub row: &'a LedgerRow,
    pub extra: &'a [String],
}

/// Encodes the rows of one block (see the module docs).
pub(crate) struct BlockEncoder {
    data: Vec<u8>,
    rows: usize,
    extras: usize,
    last_time: i64,
}

impl BlockEncoder {
    /// A block of an import whose file has `extras` extra columns.
    pub fn new(extras: usize) -> Self {
        let mut data = Vec::with_capacity(BLOCK_ROWS * 96);
        put_varint(&mut data, extras as u128);
        Self {
            data,
            rows: 0,
            extras,
            last_time: 0,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn push(&mut self, r: &BlockRow<'_>) {
        let out = &mut self.data;
        put_varint(out, u128::from(r.line));
        put_varint(out, zigzag(r.time.wrapping_sub(self.last_time)));
        self.last_time = r.time;
        put_varint(out, u128::from(r.kind.unsigned_abs()));
        put_bytes(out, r.row.txid.as_bytes());
        put_bytes(out, r.row.refid.as_bytes());
        put_money(out, r.row.amount);
        put_money(out, r.row.fee);
        let optional = [
            r.row.balance,
            r.row.amount_usd,
            r.row.fee_usd,
            r.row.balance_usd,
        ];
        let present = optional
            .iter()
            .enumerate()
            .fold(0_u8, |bits, (i, d)| bits | (u8::from(d.is_some()) << i));
        out.push(present);
        for d in optional.into_iter().flatten() {
            put_money(out, d);
        }
        for i in 0..self.extras {
            put_bytes(out, r.extra.get(i).map_or(&[][..], |v| v.as_bytes()));
        }
        self.rows += 1;
    }

    pub fn finish(self) -> Vec<u8> {
        self.data
    }
}

/// Reads what [`BlockEncoder`] wrote.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, StoreError> {
        let b = *self.data.get(self.at).ok_or_else(|| corrupt("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u128, StoreError> {
        let mut v: u128 = 0;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt("varint"))
    }

    fn small(&mut self) -> Result<u64, StoreError> {
        u64::try_from(self.varint()?).map_err(|_| corrupt("number"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let len = usize::try_from(self.small()?).map_err(|_| corrupt("length"))?;
        let end = self.at.checked_add(len).ok_or_else(|| corrupt("length"))?;
        let bytes = self
            .data
            .get(self.at..end)
            .ok_or_else(|| corrupt("truncated"))?;
        self.at = end;
        Ok(bytes)
    }

    fn text(&mut self) -> Result<&'a str, StoreError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| corrupt("text"))
    }

    fn money(&mut self) -> Result<Decimal, StoreError> {
        let head = self.byte()?;
        let scale = u32::from(head & !SIGN_BIT);
        let m = self.varint()?;
        if scale > 28 || m >> 96 != 0 {
            return Err(corrupt("amount"));
        }
        let mut d = Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, false, scale);
        // Set apart: `from_parts` drops the sign of a zero.
        d.set_sign_negative(head & SIGN_BIT != 0);
        Ok(d)
    }
}

/// One decoded row of a block.
pub(crate) struct DecodedRow {
    pub line: u32,
    pub time: i64,
    pub kind: i64,
    pub txid: CompactString,
    pub refid: CompactString,
    pub amount: Decimal,
    pub fee: Decimal,
    pub balance: Option<Decimal>,
    pub usd: [Option<Decimal>; 3],
    pub extra: Vec<Box<str>>,
}

/// Decodes the `rows` rows of a block of an import with `extras` extra columns, handing each to
/// `each` in order.
pub(crate) fn decode_block(
    data: &[u8],
    rows: usize,
    extras: usize,
    mut each: impl FnMut(DecodedRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut r = Reader { data, at: 0 };
    if usize::try_from(r.small()?).ok() != Some(extras) {
        return Err(corrupt("extra columns"));
    }
    let mut time = 0_i64;
    for _ in 0..rows {
        let line = u32::try_from(r.small()?).map_err(|_| corrupt("line"))?;
        let delta = r.small()?;
        time = time.wrapping_add(((delta >> 1) as i64) ^ -((delta & 1) as i64));
        let kind = i64::try_from(r.small()?).map_err(|_| corrupt("kind"))?;
        let txid = CompactString::from(r.text()?);
        let refid = CompactString::from(r.text()?);
        let amount = r.money()?;
        let fee = r.money()?;
        let present = r.byte()?;
        let mut optional = [None; 4];
        for (i, slot) in optional.iter_mut().enumerate() {
            if present & (1 << i) != 0 {
                *slot = Some(r.money()?);
            }
        }
        let extra = (0..extras)
            .map(|_| r.text().map(Box::from))
            .collect::<Result<_, _>>()?;
        each(DecodedRow {
            line,
            time,
            kind,
            txid,
            refid,
            amount,
            fee,
            balance: optional[0],
            usd: [optional[1], optional[2], optional[3]],
            extra,
        })?;
    }
    if r.at != data.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(())
}

/// A decimal stored as its text.
pub(crate) fn decimal(text: &str) -> Result<Decimal, StoreError> {
    Decimal::from_str(text).map_err(|_| StoreError::Corrupt(format!("decimal {text:?}")))
}

/// An optional decimal stored as its text or NULL.
pub(crate) fn optional_decimal(text: Option<String>) -> Result<Option<Decimal>, StoreError> {
    text.map(|t| decimal(&t)).transpose()
}

/// A time stored as ticks.
pub(crate) fn timestamp(ticks: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_ticks(ticks).map_err(|_| StoreError::Corrupt(format!("time {ticks}")))
}

/// The unix second the UTC month of `time` starts at.
pub(crate) fn month_start(time: Timestamp) -> i64 {
    let date = time.date();
    // Every month has a first day.
    let first = date.with_day(1).unwrap_or(date);
    first.and_time(NaiveTime::MIN).and_utc().timestamp()
}

/// `YYYY-MM` of a month start (unix seconds).
pub(crate) fn month_label(start: i64) -> String {
    // Stored months come from `month_start`, within chrono's range; the fallback is 1970-01.
    DateTime::from_timestamp(start, 0)
        .unwrap_or_default()
        .format("%Y-%m")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A row with these values and every other field empty.
    fn with_money(txid: String, refid: String, amount: Decimal, fee: Decimal) -> LedgerRow {
        LedgerRow {
            txid: txid.into(),
            refid: refid.into(),
            time: Timestamp::UNIX_EPOCH,
            r#type: CompactString::default(),
            subtype: CompactString::default(),
            aclass: CompactString::default(),
            subclass: CompactString::default(),
            asset: CompactString::default(),
            wallet: CompactString::default(),
            amount,
            fee,
            balance: None,
            amount_usd: None,
            fee_usd: None,
            balance_usd: None,
            fee_currency: CompactString::default(),
        }
    }

    fn money() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0_u32..=28, any::<bool>()).prop_map(|(m, scale, wide)| {
            let m = if wide {
                i128::from(m) << 30
            } else {
                i128::from(m)
            };
            Decimal::from_i128_with_scale(m, scale)
        })
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[A-Z0-9-]{1,19}", "\\PC{0,40}"]
    }

    prop_compose! {
        fn row()(
            line in 2_u32..u32::MAX,
            time in -621_355_968_000_000_i64..2_534_023_007_999_999,
            kind in 1_i64..1_000_000,
            txid in text(),
            refid in text(),
            amount in money(),
            fee in money(),
            optional in proptest::collection::vec(proptest::option::of(money()), 4),
            extra in proptest::collection::vec(text(), 2),
        ) -> (u32, i64, i64, LedgerRow, Vec<String>) {
            let row = LedgerRow {
                balance: optional[0],
                amount_usd: optional[1],
                fee_usd: optional[2],
                balance_usd: optional[3],
                ..with_money(txid, refid, amount, fee)
            };
            (line, time, kind, row, extra)
        }
    }

    proptest! {
        /// Every row reads back from its block as written: money with its scale and sign
        /// (negative zero too), times in any order, text of any length, the extra values.
        #[test]
        fn a_block_reads_back_what_was_written(rows in proptest::collection::vec(row(), 0..40)) {
            let mut block = BlockEncoder::new(2);
            for (line, time, kind, row, extra) in &rows {
                block.push(&BlockRow { line: *line, time: *time, kind: *kind, row, extra });
            }
            prop_assert_eq!(block.rows(), rows.len());
            let data = block.finish();
            let mut back = Vec::new();
            decode_block(&data, rows.len(), 2, |d| {
                back.push(d);
                Ok(())
            })
            .expect("decode");
            prop_assert_eq!(back.len(), rows.len());
            for ((line, time, kind, row, extra), d) in rows.iter().zip(&back) {
                prop_assert_eq!((d.line, d.time, d.kind), (*line, *time, *kind));
                prop_assert_eq!((&d.txid, &d.refid), (&row.txid, &row.refid));
                let exact = |a: Decimal, b: Decimal| {
                    a.serialize() == b.serialize()
                };
                prop_assert!(exact(d.amount, row.amount) && exact(d.fee, row.fee));
                let optional = [d.balance, d.usd[0], d.usd[1], d.usd[2]];
                let written = [row.balance, row.amount_usd, row.fee_usd, row.balance_usd];
                for (a, b) in optional.iter().zip(written) {
                    let same = match (a, b) {
                        (Some(a), Some(b)) => exact(*a, b),
                        (None, None) => true,
                        _ => false,
                    };
                    prop_assert!(same);
                }
                let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
                prop_assert_eq!(d.extra.iter().map(|v| &**v).collect::<Vec<_>>(), extra);
            }
        }
    }

    #[test]
    fn negative_zero_keeps_its_sign() {
        let mut zero = Decimal::new(0, 4);
        zero.set_sign_negative(true);
        let row = with_money(String::new(), String::new(), zero, Decimal::ZERO);
        let mut block = BlockEncoder::new(0);
        block.push(&BlockRow {
            line: 2,
            time: 0,
            kind: 1,
            row: &row,
            extra: &[],
        });
        let data = block.finish();
        decode_block(&data, 1, 0, |d| {
            assert_eq!(d.amount.to_string(), "-0.0000");
            Ok(())
        })
        .expect("decode");
    }

    #[test]
    fn a_damaged_block_is_an_error_not_a_panic() {
        let row = with_money("L".into(), "R".into(), Decimal::ONE, Decimal::ZERO);
        let mut block = BlockEncoder::new(1);
        block.push(&BlockRow {
            line: 2,
            time: 5,
            kind: 1,
            row: &row,
            extra: &["x".to_owned()],
        });
        let data = block.finish();
        for cut in 0..data.len() {
            assert!(
                decode_block(&data[..cut], 1, 1, |_| Ok(())).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = data.clone();
        longer.push(0);
        assert!(decode_block(&longer, 1, 1, |_| Ok(())).is_err());
        // A block whose import has another number of extra columns.
        assert!(decode_block(&data, 1, 2, |_| Ok(())).is_err());
        assert!(decode_block(&data, 1, 1, |_| Ok(())).is_ok());
    }
}
