//! Ledger rows of a ledgers export ([`read_ledger_rows`]): every column mapped by header name,
//! money read exactly, a row with a `txid` refused without a balance, unknown types and subtypes
//! counted. A file of [`PARALLEL_FROM`] bytes or more is read in two parts at once, split at a
//! line break outside quotes; the rows, warnings and errors are those of one pass in file order.

use std::sync::Arc;

use super::problem::{ImportError, ImportProblem, ImportWarning, LineEnd};
use super::records::{ColumnMap, Input, LineEnds, Part, each_record, reader_of};
use super::{
    ImportedLedgerRow, LedgerColumns, LedgersFile, UnknownValue, is_known_subtype, is_known_type,
    unknown_values,
};
use crate::ledger::{LedgerColumn, LedgerLayout, LedgerRow};

/// The columns every ledgers layout has.
const LEDGER_REQUIRED: [LedgerColumn; 9] = [
    LedgerColumn::Txid,
    LedgerColumn::Refid,
    LedgerColumn::Time,
    LedgerColumn::Type,
    LedgerColumn::Aclass,
    LedgerColumn::Asset,
    LedgerColumn::Amount,
    LedgerColumn::Fee,
    LedgerColumn::Balance,
];

pub(super) fn read_ledger_rows(
    input: &Input<'_>,
    file: Arc<str>,
    header: Vec<String>,
    reader: csv::Reader<&[u8]>,
    mut warnings: Vec<ImportWarning>,
) -> Result<LedgersFile, ImportError> {
    let map = ColumnMap::new(
        input.site,
        &header,
        LedgerColumn::from_header,
        &LEDGER_REQUIRED,
        LedgerColumn::header,
        "ledgers",
    )?;
    let mut columns = LedgerColumns::default();
    for &(c, _) in &map.known {
        columns.insert(c);
    }
    let read = LedgersFile {
        file,
        layout: LedgerLayout::from_headers(&header),
        columns,
        extra_columns: map.extra.iter().map(|&i| header[i].clone()).collect(),
        rows: Vec::new(),
        warnings: Vec::new(),
        unknown: Vec::new(),
    };
    // A large file is read in two parts at once, split at a line break outside quotes; the
    // parts' rows, findings and errors are put together as one pass in file order gives them.
    // The later part hands its rows over in chunks, which the earlier part's thread moves in
    // behind its own once it is done, while the rest is still read: so the earlier part is the
    // smaller one (see `EARLIER_SHARE`).
    let split = (input.body.len() >= input.parallel_from)
        .then(|| split_point(input.body, input.body.len() / 100 * EARLIER_SHARE))
        .flatten()
        .map(|at| (at, bytecount::count(&input.body[..at], b'\n')))
        // Both parts hold rows: the earlier one a header and at least one more line.
        .filter(|&(_, head_lines)| head_lines >= 2);
    let (rows, unknown) =
        match split {
            None => {
                let (rows, unknown, _) = ledger_rows_of(
                    input,
                    &header,
                    &map,
                    reader,
                    &mut warnings,
                    Part::default(),
                    None,
                )?;
                (rows, unknown)
            }
            Some((split, head_lines)) => {
                drop(reader);
                let (head, tail) = input.body.split_at(split);
                // Line 1 (the header) sets how every line must end.
                let header_end = head.iter().position(|&b| b == b'\n').map(|i| {
                    if i > 0 && head[i - 1] == b'\r' {
                        LineEnd::Crlf
                    } else {
                        LineEnd::Lf
                    }
                });
                let seeded = |lines_before| Part {
                    lines_before,
                    ends: LineEnds {
                        first: header_end,
                        mixed: false,
                    },
                };
                // The earlier part's rows take the later's: room for all.
                let first = Input {
                    site: input.site,
                    body: head,
                    options: input.options,
                    capacity: input.capacity,
                    parallel_from: usize::MAX,
                };
                let second = Input {
                    site: input.site,
                    body: tail,
                    options: input.options,
                    capacity: input.capacity.saturating_sub(head_lines),
                    parallel_from: usize::MAX,
                };
                let mut head_reader = reader_of(head);
                let mut skipped = csv::StringRecord::new();
                head_reader.read_record(&mut skipped).map_err(|e| {
                    input
                        .site
                        .at(Some(1), None, ImportProblem::Csv(e.to_string()))
                })?;
                let (first_part, second_part) = std::thread::scope(|scope| {
                    let (send, receive) = std::sync::mpsc::channel();
                    let (header, map) = (&header, &map);
                    let later = scope.spawn(move || {
                        let mut warnings = Vec::new();
                        let mut hand_over = |rows| {
                            // The earlier part failed (its error comes first): nobody takes them.
                            let _ = send.send(rows);
                        };
                        ledger_rows_of(
                            &second,
                            header,
                            map,
                            reader_of(tail),
                            &mut warnings,
                            seeded(head_lines),
                            Some(&mut hand_over),
                        )
                        .map(|part| (part, warnings))
                    });
                    let earlier = ledger_rows_of(
                        &first,
                        header,
                        map,
                        head_reader,
                        &mut warnings,
                        seeded(0),
                        None,
                    )
                    .map(|(mut rows, unknown, mixed)| {
                        // Ends when the later part is read (or failed): its sender is dropped.
                        for mut chunk in receive {
                            rows.append(&mut chunk);
                        }
                        (rows, unknown, mixed)
                    });
                    let later = later
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (earlier, later)
                });
                // The earlier part's error comes first in the file.
                let (rows, mut unknown, mixed) = first_part?;
                let ((_, later_unknown, _), later_warnings) = second_part?;
                for u in later_unknown {
                    match unknown
                        .iter_mut()
                        .find(|k| k.column == u.column && k.value == u.value)
                    {
                        Some(k) => k.rows += u.rows,
                        None => unknown.push(u),
                    }
                }
                // One pass reports mixed line ends once, at the first line that differs.
                warnings.extend(later_warnings.into_iter().filter(|w| {
                    !(mixed && matches!(w.problem, ImportProblem::MixedLineEnds { .. }))
                }));
                (rows, unknown)
            }
        };
    Ok(LedgersFile {
        rows,
        warnings,
        unknown,
        ..read
    })
}

/// Files at least this large are read in two parts at once.
pub(super) const PARALLEL_FROM: usize = 4 << 20;

/// The earlier part's share of a file read in two parts, in percent: moving the later part's
/// rows in behind its own takes the earlier part's thread about a third of the time reading
/// them took, so both threads finish together when it reads about 40 %.
const EARLIER_SHARE: usize = 42;

/// Rows per chunk a later part hands over.
const HAND_OVER_ROWS: usize = 1 << 14;

/// Where to cut `body` in two for reading the parts at once: just after the first line break
/// from `middle` on that is outside quotes (an even number of quote characters before it: a
/// quoted field may hold line breaks, and an escaped quote is two). `None` when there is none.
fn split_point(body: &[u8], middle: usize) -> Option<usize> {
    let middle = middle.min(body.len());
    let mut quotes = bytecount::count(&body[..middle], b'"');
    for (i, &b) in body.iter().enumerate().skip(middle) {
        match b {
            b'"' => quotes += 1,
            b'\n' if quotes.is_multiple_of(2) => return (i + 1 < body.len()).then_some(i + 1),
            _ => {}
        }
    }
    None
}

/// Reads the ledger rows of a file or a [`Part`] of one: the rows, the unknown types and
/// subtypes in the order first seen, and whether mixed line ends were found. With `hand_over`,
/// the rows go there in order, [`HAND_OVER_ROWS`] at a time, as they are read (none are
/// returned).
fn ledger_rows_of(
    input: &Input<'_>,
    header: &[String],
    map: &ColumnMap<LedgerColumn>,
    reader: csv::Reader<&[u8]>,
    warnings: &mut Vec<ImportWarning>,
    part: Part,
    mut hand_over: Option<&mut dyn FnMut(Vec<ImportedLedgerRow>)>,
) -> Result<(Vec<ImportedLedgerRow>, Vec<UnknownValue>, bool), ImportError> {
    let at = |c| map.index(c);
    let (txid, refid, time, r#type, subtype) = (
        at(LedgerColumn::Txid),
        at(LedgerColumn::Refid),
        at(LedgerColumn::Time),
        at(LedgerColumn::Type),
        at(LedgerColumn::Subtype),
    );
    let (aclass, subclass, asset, wallet) = (
        at(LedgerColumn::Aclass),
        at(LedgerColumn::Subclass),
        at(LedgerColumn::Asset),
        at(LedgerColumn::Wallet),
    );
    let (amount, fee, balance) = (
        at(LedgerColumn::Amount),
        at(LedgerColumn::Fee),
        at(LedgerColumn::Balance),
    );
    let (amount_usd, fee_usd, balance_usd, fee_currency) = (
        at(LedgerColumn::AmountUsd),
        at(LedgerColumn::FeeUsd),
        at(LedgerColumn::BalanceUsd),
        at(LedgerColumn::FeeCurrency),
    );
    let capacity = if hand_over.is_some() {
        HAND_OVER_ROWS
    } else {
        input.capacity
    };
    let mut rows = Vec::with_capacity(capacity);
    let mut unknown: Vec<UnknownValue> = Vec::new();
    let (_, mixed) = each_record(input, header, map.width, reader, warnings, part, |f| {
        let row = LedgerRow {
            txid: f.text(txid)?,
            refid: f.text(refid)?,
            time: f.time(time)?,
            r#type: f.text(r#type)?,
            subtype: f.text(subtype)?,
            aclass: f.text(aclass)?,
            subclass: f.text(subclass)?,
            asset: f.text(asset)?,
            wallet: f.text(wallet)?,
            amount: f.decimal(amount)?,
            fee: f.decimal(fee)?,
            balance: f.optional_decimal(balance)?,
            amount_usd: f.optional_decimal(amount_usd)?,
            fee_usd: f.optional_decimal(fee_usd)?,
            balance_usd: f.optional_decimal(balance_usd)?,
            fee_currency: f.text(fee_currency)?,
        };
        if !is_known_type(&row.r#type) || !is_known_subtype(&row.subtype) {
            for (column, value, _, _) in unknown_values(std::iter::once((&row, ()))) {
                match unknown
                    .iter_mut()
                    .find(|u: &&mut UnknownValue| u.column == column && u.value == value)
                {
                    Some(u) => u.rows += 1,
                    None => unknown.push(UnknownValue {
                        column,
                        value,
                        rows: 1,
                        first_line: f.line,
                    }),
                }
            }
        }
        if row.balance.is_none() && !row.txid.is_empty() {
            return Err(f.error(balance.unwrap_or(0), ImportProblem::MissingBalance));
        }
        rows.push(ImportedLedgerRow {
            line: f.line,
            row,
            extra: f.extras(&map.extra)?,
        });
        if let Some(hand_over) = hand_over.as_mut().filter(|_| rows.len() == HAND_OVER_ROWS) {
            hand_over(std::mem::replace(
                &mut rows,
                Vec::with_capacity(HAND_OVER_ROWS),
            ));
        }
        Ok(())
    })?;
    if let Some(hand_over) = hand_over.filter(|_| !rows.is_empty()) {
        hand_over(std::mem::take(&mut rows));
    }
    Ok((rows, unknown, mixed))
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::import::{Export, ReadOptions, read_csv_parts};
    use countersign_kraken::Timestamp;

    fn rows(n: usize) -> Vec<LedgerRow> {
        (0..n)
            .map(|i| LedgerRow {
                txid: format!("L{i:05}-AAAAA-BBBBBB").into(),
                refid: if i == n / 2 {
                    "T\nwith a break, and \"quotes\"".into()
                } else {
                    format!("T{i:05}").into()
                },
                time: Timestamp::from_unix_seconds(1_700_000_000 + i as i64).expect("time"),
                r#type: if i % 7 == 3 { "mystery" } else { "trade" }.into(),
                subtype: if i % 11 == 5 { "oddsub" } else { "tradespot" }.into(),
                aclass: "currency".into(),
                subclass: "crypto".into(),
                asset: "XXBT".into(),
                wallet: "spot / main".into(),
                amount: Decimal::new(i as i64 + 1, 4),
                fee: Decimal::ZERO,
                balance: Some(Decimal::new(((i + 1) * (i + 2) / 2) as i64, 4)),
                amount_usd: None,
                fee_usd: None,
                balance_usd: None,
                fee_currency: Default::default(),
            })
            .collect()
    }

    fn csv(n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        crate::write_ledgers_csv(&rows(n), LedgerLayout::CURRENT, &mut out).expect("write");
        out
    }

    /// The `at`-th CRLF from the end turned into LF.
    fn lf_at(bytes: &[u8], from_end: usize) -> Vec<u8> {
        let positions: Vec<usize> = bytes
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w == b"\r\n")
            .map(|(i, _)| i)
            .collect();
        let at = positions[positions.len() - 1 - from_end];
        let mut out = bytes[..at].to_vec();
        out.extend_from_slice(&bytes[at + 1..]);
        out
    }

    fn both_ways(name: &str, bytes: &[u8], options: ReadOptions) {
        let whole = read_csv_parts(name, bytes, options, usize::MAX);
        let parts = read_csv_parts(name, bytes, options, 0);
        assert_eq!(parts, whole, "{name}");
    }

    #[test]
    fn reading_in_two_parts_gives_what_one_pass_gives() {
        let strict = ReadOptions::default();
        let edited = ReadOptions {
            accept_edited: true,
        };
        for n in [1, 2, 3, 40, 41] {
            let bytes = csv(n);
            both_ways("plain", &bytes, strict);
            let whole = read_csv_parts("plain", &bytes, strict, usize::MAX).expect("read");
            let Export::Ledgers(file) = whole else {
                panic!("ledgers")
            };
            assert_eq!(file.rows.len(), n);
        }
        let bytes = csv(40);
        // Mixed line ends late, early, and in both parts: one finding at the first.
        for mixed in [
            lf_at(&bytes, 2),
            lf_at(&bytes, 35),
            lf_at(&lf_at(&bytes, 2), 35),
        ] {
            both_ways("mixed", &mixed, strict);
            both_ways("mixed", &mixed, edited);
            assert!(read_csv_parts("mixed", &mixed, strict, 0).is_err());
        }
        // A bad number in the later part, then in both.
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        let late = text.replacen("0.0035", "0.00.35", 1);
        assert_ne!(late, text);
        both_ways("bad", late.as_bytes(), strict);
        let both = late.replacen("0.0002", "x", 1);
        both_ways("bad", both.as_bytes(), strict);
        let err = read_csv_parts("bad", both.as_bytes(), strict, 0).expect_err("bad");
        assert_eq!(err.line, Some(3));
    }

    /// A cut looked for from inside a quoted field that holds line breaks lands after the row
    /// that closes it, never inside the field.
    #[test]
    fn a_cut_from_inside_a_quoted_field_lands_after_its_row() {
        let body = b"a,b\n1,\"x\ny\nz\"\n2,3\n";
        let inside = body.iter().position(|&b| b == b'y').expect("y");
        let at = split_point(body, inside).expect("a cut");
        assert_eq!(&body[at..], b"2,3\n");
        // From the start of a row, the cut is after that row.
        let row = body.iter().position(|&b| b == b'2').expect("2");
        assert_eq!(split_point(body, row), None, "no line after the last row");
    }

    /// The later part hands its rows over in several chunks: the rows come out whole and in
    /// order, and a bad line after chunks were handed over is still the error.
    #[test]
    fn a_later_part_of_several_chunks_reads_as_one_pass() {
        let n = 3 * HAND_OVER_ROWS;
        let bytes = csv(n);
        both_ways("large", &bytes, ReadOptions::default());
        let Ok(Export::Ledgers(file)) = read_csv_parts("large", &bytes, ReadOptions::default(), 0)
        else {
            panic!("ledgers")
        };
        assert_eq!(file.rows.len(), n);
        // One line per row after the header, and one more for the quoted break in the middle.
        assert!(file.rows.windows(2).all(|w| w[0].line < w[1].line));
        assert_eq!(file.rows.last().map(|r| r.line as usize), Some(n + 2));
        let text = String::from_utf8(bytes).expect("utf-8");
        let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
        let near_end = lines[n - 10].replacen(",\"currency\",", ",\"currency\",\"x\",", 1);
        lines[n - 10] = &near_end;
        let bad = lines.concat();
        both_ways("large", bad.as_bytes(), ReadOptions::default());
        let err = read_csv_parts("large", bad.as_bytes(), ReadOptions::default(), 0)
            .expect_err("a line with one field too many");
        assert_eq!(err.line, Some(u32::try_from(n - 8).expect("line")));
    }
}
