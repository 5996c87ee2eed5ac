//! Reading the records of a CSV export after its header: [`each_record`] hands each record to a
//! row reader as [`Fields`] (by column, with errors naming file, line and column), checks every
//! record's field count against the header's, counts lines itself ([`LineCounter`]: the `csv`
//! crate's count lags after a CRLF) and notes how lines end ([`LineEnds`]). A file, or a [`Part`]
//! of one read on its own thread, is an [`Input`].
//!
//! Invariant: a part read on its own reports the same lines, warnings and errors as the whole
//! file read in one pass, given the line breaks and line ends before it.

use std::str::FromStr;

use compact_str::CompactString;
use countersign_kraken::{TimeError, Timestamp};
use rust_decimal::Decimal;

use super::ReadOptions;
use super::problem::{ImportError, ImportProblem, ImportWarning, LineEnd};

/// Errors of one file, so each site names only line, column and problem.
pub(super) struct Site<'a> {
    pub(super) file: &'a str,
}

impl Site<'_> {
    pub(super) fn at(
        &self,
        line: Option<u32>,
        column: Option<&str>,
        problem: ImportProblem,
    ) -> ImportError {
        ImportError {
            file: self.file.to_owned(),
            line,
            column: column.map(str::to_owned),
            problem,
        }
    }
}

pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Finds what another program leaves behind at the ends of the file (a BOM, no final line
/// break); each is an error, or a warning with `accept_edited`. Mixed line ends are found while
/// reading ([`LineEnds`]).
pub(super) fn edited_findings(
    site: &Site<'_>,
    bytes: &[u8],
    options: ReadOptions,
) -> Result<Vec<ImportWarning>, ImportError> {
    let mut findings = Vec::new();
    if bytes.starts_with(BOM) {
        findings.push(ImportWarning {
            line: 1,
            problem: ImportProblem::ByteOrderMark,
        });
    }
    if !bytes.ends_with(b"\n") {
        let breaks = bytecount::count(bytes, b'\n');
        findings.push(ImportWarning {
            line: u32::try_from(breaks + 1).unwrap_or(u32::MAX),
            problem: ImportProblem::NoFinalLineBreak,
        });
    }
    if options.accept_edited {
        Ok(findings)
    } else if let Some(first) = findings.into_iter().next() {
        Err(site.at(Some(first.line), None, first.problem))
    } else {
        Ok(Vec::new())
    }
}

/// The line ends seen so far: the first one, and whether a different one was reported.
#[derive(Debug, Default)]
pub(super) struct LineEnds {
    pub(super) first: Option<LineEnd>,
    pub(super) mixed: bool,
}

impl LineEnds {
    /// Notes how `line` ends (the break that ends at `body[newline]`).
    pub(super) fn note(
        &mut self,
        site: &Site<'_>,
        body: &[u8],
        newline: usize,
        line: u32,
        options: ReadOptions,
        warnings: &mut Vec<ImportWarning>,
    ) -> Result<(), ImportError> {
        let this = if newline > 0 && body[newline - 1] == b'\r' {
            LineEnd::Crlf
        } else {
            LineEnd::Lf
        };
        match self.first {
            None => self.first = Some(this),
            Some(first) if first != this && !self.mixed => {
                self.mixed = true;
                let problem = ImportProblem::MixedLineEnds {
                    first,
                    first_line: 1,
                    this,
                };
                if !options.accept_edited {
                    return Err(site.at(Some(line), None, problem));
                }
                warnings.push(ImportWarning { line, problem });
            }
            Some(_) => {}
        }
        Ok(())
    }
}

/// The file being read, after its header.
pub(super) struct Input<'a> {
    pub(super) site: &'a Site<'a>,
    /// The bytes after any BOM.
    pub(super) body: &'a [u8],
    pub(super) options: ReadOptions,
    /// Room to reserve for rows.
    pub(super) capacity: usize,
    /// Size from which a ledgers file is read in two parts at once.
    pub(super) parallel_from: usize,
}

/// Where each column of the header is: a known column, or the n-th extra one.
pub(super) struct ColumnMap<C> {
    pub(super) known: Vec<(C, usize)>,
    pub(super) extra: Vec<usize>,
    pub(super) width: usize,
}

impl<C: Copy + PartialEq> ColumnMap<C> {
    pub(super) fn new(
        site: &Site<'_>,
        header: &[String],
        from_header: impl Fn(&str) -> Option<C>,
        required: &[C],
        name: impl Fn(C) -> &'static str,
        kind: &'static str,
    ) -> Result<Self, ImportError> {
        let mut known: Vec<(C, usize)> = Vec::new();
        let mut extra = Vec::new();
        for (i, h) in header.iter().enumerate() {
            match from_header(h) {
                Some(c) => {
                    if let Some(&(_, first)) = known.iter().find(|(k, _)| *k == c) {
                        return Err(site.at(
                            Some(1),
                            Some(h),
                            ImportProblem::DuplicateColumn {
                                first: first + 1,
                                second: i + 1,
                            },
                        ));
                    }
                    known.push((c, i));
                }
                None => extra.push(i),
            }
        }
        let missing: Vec<&'static str> = required
            .iter()
            .filter(|&&c| !known.iter().any(|&(k, _)| k == c))
            .map(|&c| name(c))
            .collect();
        if let Some(&first) = missing.first() {
            return Err(site.at(
                Some(1),
                Some(first),
                ImportProblem::MissingColumns { kind, missing },
            ));
        }
        Ok(Self {
            known,
            extra,
            width: header.len(),
        })
    }

    pub(super) fn index(&self, column: C) -> Option<usize> {
        self.known
            .iter()
            .find(|&&(c, _)| c == column)
            .map(|&(_, i)| i)
    }
}

/// One record being read: field access with errors that name line and column.
pub(super) struct Fields<'a> {
    site: &'a Site<'a>,
    record: &'a csv::StringRecord,
    pub(super) line: u32,
    header: &'a [String],
}

impl Fields<'_> {
    pub(super) fn error(&self, index: usize, problem: ImportProblem) -> ImportError {
        self.site.at(
            Some(self.line),
            self.header.get(index).map(String::as_str),
            problem,
        )
    }

    fn str(&self, index: Option<usize>) -> Result<&str, ImportError> {
        Ok(index.and_then(|i| self.record.get(i)).unwrap_or_default())
    }

    pub(super) fn string(&self, index: Option<usize>) -> Result<String, ImportError> {
        self.str(index).map(str::to_owned)
    }

    pub(super) fn text(&self, index: Option<usize>) -> Result<CompactString, ImportError> {
        self.str(index).map(CompactString::from)
    }

    pub(super) fn decimal(&self, index: Option<usize>) -> Result<Decimal, ImportError> {
        match (index, self.optional_decimal(index)?) {
            (_, Some(d)) => Ok(d),
            (Some(i), None) => Err(self.error(i, ImportProblem::EmptyNumber)),
            (None, None) => Ok(Decimal::ZERO),
        }
    }

    pub(super) fn optional_decimal(
        &self,
        index: Option<usize>,
    ) -> Result<Option<Decimal>, ImportError> {
        let text = self.str(index)?;
        if text.is_empty() {
            return Ok(None);
        }
        let n = Decimal::from_str(text).map_err(|_| {
            self.error(
                index.unwrap_or(0),
                ImportProblem::BadDecimal(text.to_owned()),
            )
        })?;
        if n.abs() > super::MAX_NUMBER {
            return Err(self.error(
                index.unwrap_or(0),
                ImportProblem::NumberTooLarge(text.to_owned()),
            ));
        }
        Ok(Some(n))
    }

    pub(super) fn time(&self, index: Option<usize>) -> Result<Timestamp, ImportError> {
        let text = self.str(index)?;
        Timestamp::parse_csv(text).map_err(|_: TimeError| {
            self.error(index.unwrap_or(0), ImportProblem::BadTime(text.to_owned()))
        })
    }

    pub(super) fn list(&self, index: Option<usize>) -> Result<Vec<String>, ImportError> {
        let text = self.str(index)?;
        Ok(if text.is_empty() {
            Vec::new()
        } else {
            text.split(',').map(str::to_owned).collect()
        })
    }

    pub(super) fn extras(&self, extra: &[usize]) -> Result<Vec<String>, ImportError> {
        extra.iter().map(|&i| self.string(Some(i))).collect()
    }
}

/// Line numbers of records by their byte offset.
///
/// The `csv` crate's own line count lags by one after a CRLF (it counts the LF as part of the next
/// record), and its byte offset may point at the line break before a record; so lines are counted
/// here, incrementally, from the first byte of the record's own line.
#[derive(Debug, Default)]
struct LineCounter {
    counted_to: usize,
    breaks: usize,
}

impl LineCounter {
    /// The line of the record at byte `offset`, and the offset of its first byte.
    fn line_at(&mut self, body: &[u8], offset: u64) -> (u32, usize) {
        let mut start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(body.len());
        while start < body.len() && matches!(body[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted_to {
            self.breaks += body[self.counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.counted_to = start;
        }
        (u32::try_from(self.breaks + 1).unwrap_or(u32::MAX), start)
    }
}

/// Where a part of a file read on its own starts: the line breaks before it, and the line ends
/// seen before it.
#[derive(Debug, Default)]
pub(super) struct Part {
    pub(super) lines_before: usize,
    pub(super) ends: LineEnds,
}

/// Reads the records after the header (of `input.body`, a whole file or a [`Part`] of one),
/// calling `row` on each with its line number; checks the field count and the line ends.
/// Returns how many records there were and whether mixed line ends were found.
pub(super) fn each_record<F>(
    input: &Input<'_>,
    header: &[String],
    width: usize,
    mut reader: csv::Reader<&[u8]>,
    warnings: &mut Vec<ImportWarning>,
    part: Part,
    mut row: F,
) -> Result<(usize, bool), ImportError>
where
    F: FnMut(&Fields<'_>) -> Result<(), ImportError>,
{
    let (site, body) = (input.site, input.body);
    let mut record = csv::StringRecord::new();
    let mut rows = 0_usize;
    let mut lines = LineCounter {
        counted_to: 0,
        breaks: part.lines_before,
    };
    let mut ends = part.ends;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let (line, column) = match e.kind() {
                    csv::ErrorKind::Utf8 { pos, err } => (
                        pos.as_ref().map(|p| lines.line_at(body, p.byte()).0),
                        header.get(err.field()).map(String::as_str),
                    ),
                    _ => (None, None),
                };
                let problem = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => ImportProblem::NotUtf8,
                    _ => ImportProblem::Csv(e.to_string()),
                };
                return Err(site.at(line, column, problem));
            }
        }
        let (line, start) = lines.line_at(body, record.position().map_or(0, csv::Position::byte));
        if start > 0 && body[start - 1] == b'\n' {
            ends.note(site, body, start - 1, line - 1, input.options, warnings)?;
        }
        if record.len() != width {
            return Err(site.at(
                Some(line),
                None,
                ImportProblem::FieldCount {
                    expected: width,
                    found: record.len(),
                },
            ));
        }
        if let Some((i, long)) = record
            .iter()
            .enumerate()
            .find(|(_, f)| f.len() > super::MAX_FIELD_BYTES)
        {
            return Err(site.at(
                Some(line),
                header.get(i).map(String::as_str),
                ImportProblem::FieldTooLong {
                    found: long.len(),
                    limit: super::MAX_FIELD_BYTES,
                },
            ));
        }
        let fields = Fields {
            site,
            record: &record,
            line,
            header,
        };
        row(&fields)?;
        rows += 1;
    }
    if rows == 0 && part.lines_before == 0 {
        return Err(site.at(Some(1), None, ImportProblem::HeaderOnly));
    }
    if body.ends_with(b"\n") {
        let last = u32::try_from(lines.breaks + 1).unwrap_or(u32::MAX);
        ends.note(site, body, body.len() - 1, last, input.options, warnings)?;
    }
    Ok((rows, ends.mixed))
}

/// A reader of a file's records as [`read_csv`] reads them.
pub(super) fn reader_of(body: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
}
