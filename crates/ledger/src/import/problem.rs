//! What can be wrong with a file, and where: an [`ImportError`] refuses the file (nothing of it is
//! imported), an [`ImportWarning`] records what `ReadOptions::accept_edited` let through; both
//! carry an [`ImportProblem`] in words.

use std::fmt;

/// Why a file was not imported; nothing of it was.
///
/// Displays as `ledgers.csv line 42, column "amount": "1.2.3" is not a decimal number`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub file: String,
    /// The line (header = 1), when the problem is on one.
    pub line: Option<u32>,
    /// The column by header name, when the problem is in one.
    pub column: Option<String>,
    pub problem: ImportProblem,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Something [`ReadOptions::accept_edited`](super::ReadOptions::accept_edited) let through, on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    pub line: u32,
    pub problem: ImportProblem,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// How a line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    Crlf,
    Lf,
}

impl fmt::Display for LineEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Crlf => "CRLF",
            Self::Lf => "LF",
        })
    }
}

/// What is wrong, in words; see [`ImportError`] for where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportProblem {
    #[error("the file is empty: an export has at least a header line")]
    Empty,
    #[error("the file has a header but no rows")]
    HeaderOnly,
    #[error(
        "starts with a UTF-8 byte-order mark, which the exchange never writes: the file was re-saved by another program"
    )]
    ByteOrderMark,
    #[error(
        "ends with {this} where line {first_line} ends with {first}; the exchange ends every line the same way: the file was edited by another program"
    )]
    MixedLineEnds {
        first: LineEnd,
        first_line: u32,
        this: LineEnd,
    },
    #[error(
        "does not end with a line break, which the exchange always writes: the file looks cut short or edited"
    )]
    NoFinalLineBreak,
    #[error("is not UTF-8 text")]
    NotUtf8,
    #[error("is not valid CSV: {0}")]
    Csv(String),
    #[error(
        "the header names neither a ledgers export (txid, refid, time, type, asset, amount, fee, balance) nor a trades export (txid, ordertxid, pair, time, …)"
    )]
    UnknownExport,
    #[error("the header is a trades export's where a ledgers export was expected")]
    NotLedgers,
    #[error("the {kind} header lacks required column(s) {}", quoted_list(.missing))]
    MissingColumns {
        kind: &'static str,
        missing: Vec<&'static str>,
    },
    #[error("the column appears twice in the header (fields {first} and {second})")]
    DuplicateColumn { first: usize, second: usize },
    #[error("has {found} fields where the header has {expected}")]
    FieldCount { expected: usize, found: usize },
    #[error("is empty where a number is required")]
    EmptyNumber,
    #[error("{0:?} is not a decimal number")]
    BadDecimal(String),
    #[error(
        "{0:?} is beyond what an export holds (at most 10^18 in magnitude, so no total can overflow)"
    )]
    NumberTooLarge(String),
    #[error("is {found} bytes long; an export's fields are at most {limit} bytes")]
    FieldTooLong { found: usize, limit: usize },
    #[error("{0:?} is not an export time (YYYY-MM-DD HH:MM:SS[.ffff], UTC)")]
    BadTime(String),
    #[error("is empty on a row with a txid; only a request row (empty txid) has no balance")]
    MissingBalance,
    #[error("is not a readable zip (truncated or damaged): {0}")]
    NotAZip(String),
    #[error("the zip holds no .csv member (members: {})", quoted_list(.0))]
    ZipWithoutCsv(Vec<String>),
    #[error("the zip holds {} .csv members ({}); the exchange's export zip holds one", .0.len(), quoted_list(.0))]
    ZipWithSeveralCsv(Vec<String>),
    #[error("the zip member cannot be read (truncated or damaged): {0}")]
    ZipMember(String),
    #[error(
        "the zip member expands beyond {limit} bytes from {compressed} compressed: refused as a zip bomb (an export may expand at most {}:1, and to at most {} bytes)",
        super::MAX_ZIP_RATIO,
        super::MAX_UNZIPPED_BYTES
    )]
    ZipTooLarge { limit: u64, compressed: u64 },
}

impl ImportProblem {
    /// A sign that another program re-saved the file (a BOM, mixed line ends, no final line
    /// break): refused unless [`ReadOptions::accept_edited`](super::ReadOptions::accept_edited), which reads it with warnings.
    pub fn is_edited(&self) -> bool {
        matches!(
            self,
            Self::ByteOrderMark | Self::MixedLineEnds { .. } | Self::NoFinalLineBreak
        )
    }
}

fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names
        .iter()
        .map(|n| format!("\"{}\"", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}
