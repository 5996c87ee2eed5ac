//! What [`check`](super::check()) reports: an [`IntegrityReport`] of [`Chain`]s and their
//! [`ChainBreak`]s, the [`Duplicate`]s, [`Conflict`]s and [`Repeat`]s of merging, the
//! [`Request`]s and the [`Flag`]s, each naming its rows by [`RowRef`] (file, line, `txid`). Each
//! displays as the sentence a person reads in a report.

use std::fmt;
use std::sync::Arc;

use countersign_kraken::Timestamp;
use rust_decimal::Decimal;

use crate::ledger::LedgerColumn;

/// Where a row is: its file, line and `txid` (empty for a request row).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowRef {
    pub file: Arc<str>,
    pub line: u32,
    pub txid: String,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.txid.is_empty() {
            write!(f, "{} line {} (request)", self.file, self.line)
        } else {
            write!(f, "{} line {} ({})", self.file, self.line, self.txid)
        }
    }
}

/// A row by position: `files[file].rows[row]` of the files given to [`check`](super::check()).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowIndex {
    pub file: u32,
    pub row: u32,
}

/// One balance: an asset (normalised, with its suffix: `BTC`, `DOT28.S`) in a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChainKey {
    pub asset: String,
    pub wallet: String,
}

impl fmt::Display for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.asset, self.wallet)
    }
}

/// A balance chain as found: where it starts and ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub key: ChainKey,
    /// The asset codes as the files spell them (`XXBT`, `BTC`), sorted.
    pub spellings: Vec<String>,
    /// Settled entries in the chain.
    pub rows: usize,
    /// The balance before the first entry: its `balance − amount + fee`.
    pub opening: Decimal,
    /// The balance after the last entry.
    pub closing: Decimal,
    pub first: RowRef,
    pub last: RowRef,
    /// Time of the first and last entry.
    pub from: Timestamp,
    pub to: Timestamp,
    /// Seconds whose rows did not hold in file order but did in another order.
    pub reordered_seconds: usize,
}

/// What a break's gap suggests, when it equals a movement next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakHint {
    /// The row's balance equals the previous one: its own movement is not in it, as if the row
    /// were doubled (its movement already counted).
    RowLooksDoubled,
    /// The gap equals the row's own movement: a row like it looks missing just before it.
    TwinOfRowMissing,
    /// The gap equals the previous row's movement: a row like that one looks missing.
    TwinOfPreviousMissing,
    /// The gap undoes the previous row's movement: the previous row looks doubled or out of
    /// place.
    PreviousLooksDoubled,
}

/// Where a chain does not hold: `previous balance + amount − fee ≠ balance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub chain: ChainKey,
    /// The entry before the gap, and the one after it (whose balance does not follow).
    pub previous: RowRef,
    pub row: RowRef,
    pub previous_balance: Decimal,
    pub amount: Decimal,
    pub fee: Decimal,
    /// `previous_balance + amount − fee`.
    pub expected: Decimal,
    /// The row's balance.
    pub found: Decimal,
    pub hint: Option<BreakHint>,
}

impl ChainBreak {
    /// `found − expected`: the movement missing between the two rows (negative: an outflow).
    pub fn gap(&self) -> Decimal {
        self.found - self.expected
    }
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gap = self.gap();
        let asset = &self.chain.asset;
        write!(
            f,
            "{}: {} balance is {} where {} was expected ({} after {}, {:+} amount, {} fee): ",
            self.row,
            self.chain,
            self.found,
            self.expected,
            self.previous_balance,
            self.previous,
            self.amount,
            self.fee,
        )?;
        let direction = if gap.is_sign_negative() {
            "short"
        } else {
            "over"
        };
        write!(
            f,
            "the balance is {direction} by {} {asset}: a movement of {gap:+} {asset} is missing between {} and {}",
            gap.abs(),
            self.previous,
            self.row,
        )?;
        match self.hint {
            None => Ok(()),
            Some(BreakHint::RowLooksDoubled) => write!(
                f,
                "; line {} looks doubled: its balance equals the previous one, its movement is already counted",
                self.row.line
            ),
            Some(BreakHint::TwinOfRowMissing) => write!(
                f,
                "; the gap equals line {}'s own movement: a row like it looks missing before it",
                self.row.line
            ),
            Some(BreakHint::TwinOfPreviousMissing) => write!(
                f,
                "; the gap equals line {}'s movement: a row like it looks missing after it",
                self.previous.line
            ),
            Some(BreakHint::PreviousLooksDoubled) => write!(
                f,
                "; the gap undoes line {}'s movement: that row looks doubled or out of place",
                self.previous.line
            ),
        }
    }
}

/// A `txid` twice in one file, which the exchange never writes; the first row is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub row: RowRef,
    pub first: RowRef,
    /// Whether every field is the same as the first's.
    pub identical: bool,
}

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {} repeats {} (same txid as line {}{})",
            self.row.file,
            self.row.line,
            self.row.txid,
            self.first.line,
            if self.identical {
                ""
            } else {
                ", different content"
            }
        )
    }
}

/// A `txid` in a later file with different content; the first is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub row: RowRef,
    pub first: RowRef,
    /// Header names of the columns that differ.
    pub columns: Vec<&'static str>,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} has the txid of {} but a different {}; the first is kept",
            self.row,
            self.first,
            self.columns.join(", ")
        )
    }
}

/// A row already present in an earlier file (overlapping exports): counted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    pub row: RowRef,
    pub first: RowRef,
}

/// A request row (requested, no `txid`, no balance) and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub request: RowRef,
    pub refid: String,
    /// The asset, normalised.
    pub asset: String,
    pub amount: Decimal,
    /// The settled entry with the same `refid` and asset, if the files hold it.
    pub settled: Option<RowRef>,
    /// When unpaired: the first later settled entry of the same asset and amount under another
    /// `refid` (staking deposits are settled so), a hint, not a pairing.
    pub same_amount_later: Option<RowRef>,
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.request, self.refid, self.amount, self.asset
        )?;
        match (&self.settled, &self.same_amount_later) {
            (Some(settled), _) => write!(f, ": settled at {settled}"),
            (None, Some(hint)) => write!(
                f,
                ": requested, not settled under this refid in these files; {hint} has the same amount"
            ),
            (None, None) => f.write_str(": requested, not settled in these files"),
        }
    }
}

/// A type or subtype outside the documented lists: imported as it is, for a human to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub column: LedgerColumn,
    pub value: String,
    pub rows: usize,
    pub first: RowRef,
}

/// Everything [`check`](super::check()) found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntegrityReport {
    /// The files, in the order given.
    pub files: Vec<Arc<str>>,
    /// The rows that count, each entry once (settled and request rows), in the order read: what
    /// to store.
    pub distinct: Vec<RowIndex>,
    /// Every chain, by key.
    pub chains: Vec<Chain>,
    pub breaks: Vec<ChainBreak>,
    pub duplicates: Vec<Duplicate>,
    pub conflicts: Vec<Conflict>,
    /// Rows already present in an earlier file (settled and request rows).
    pub repeats: Vec<Repeat>,
    pub requests: Vec<Request>,
    pub flagged: Vec<Flag>,
}

impl IntegrityReport {
    /// No break, duplicate or conflict.
    pub fn holds(&self) -> bool {
        self.breaks.is_empty() && self.duplicates.is_empty() && self.conflicts.is_empty()
    }

    pub fn chain(&self, asset: &str, wallet: &str) -> Option<&Chain> {
        self.chains
            .iter()
            .find(|c| c.key.asset == asset && c.key.wallet == wallet)
    }

    /// Requests with no settled entry in the files.
    pub fn unpaired_requests(&self) -> impl Iterator<Item = &Request> {
        self.requests.iter().filter(|r| r.settled.is_none())
    }
}
