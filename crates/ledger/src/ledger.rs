//! The ledgers export: [`LedgerRow`], its columns [`LedgerColumn`] and the column sets the
//! exchange has shipped, [`LedgerLayout`].

use compact_str::CompactString;
use countersign_kraken::Timestamp;
use rust_decimal::Decimal;

/// One line of a ledgers export: one asset's balance change in one wallet.
///
/// Holds every field any layout has carried, so one row can be written in every layout and a
/// file in any layout can be read into it; a column missing from a layout is left at its empty
/// value when reading and skipped when writing.
///
/// Text fields are [`CompactString`]s: every value the exchange writes (ids of 19 characters,
/// types, asset codes, wallet names) fits in one without a heap allocation, which is most of the
/// cost of holding a million rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// Ledger id (`L…`). Empty on a request row: older exports list a deposit or withdrawal
    /// first as requested (no `txid`, no `balance`), then settled, under one `refid`.
    pub txid: CompactString,
    /// What the entry belongs to: the trade id for trades, the funding reference otherwise.
    pub refid: CompactString,
    /// When it was booked; the export prints it truncated to the second.
    pub time: Timestamp,
    /// `trade`, `deposit`, `withdrawal`, `staking`, … kept verbatim: new types appear over time.
    pub r#type: CompactString,
    /// `tradespot`, `spottostaking`, `dustsweeping`, … or empty.
    pub subtype: CompactString,
    /// Asset class, `currency` in every export seen.
    pub aclass: CompactString,
    /// `crypto`, `fiat`, `stable_coin`, … (layouts 12 and 16).
    pub subclass: CompactString,
    /// The asset code exactly as the export spells it (`XXBT`, `DOT.S`, `GBP`); see
    /// [`crate::asset::normalize`] for its meaning.
    pub asset: CompactString,
    /// `spot / main`, … (layouts 11, 12 and 16).
    pub wallet: CompactString,
    /// Signed change of the balance, before the fee.
    pub amount: Decimal,
    /// Fee taken from this asset's balance by this entry.
    pub fee: Decimal,
    /// The asset's balance in this wallet after the entry: `previous + amount − fee`. `None` on a
    /// request row.
    pub balance: Option<Decimal>,
    /// `amount` valued in USD (layout 16).
    pub amount_usd: Option<Decimal>,
    /// `fee` valued in USD (layout 16).
    pub fee_usd: Option<Decimal>,
    /// `balance` valued in USD (layout 16).
    pub balance_usd: Option<Decimal>,
    /// Asset the fee was charged in, or empty (layout 16).
    pub fee_currency: CompactString,
}

/// A column of the ledgers export, by meaning; [`LedgerColumn::header`] is its name in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerColumn {
    Txid,
    Refid,
    Time,
    Type,
    Subtype,
    Aclass,
    Subclass,
    Asset,
    Wallet,
    Amount,
    Fee,
    Balance,
    AmountUsd,
    FeeUsd,
    BalanceUsd,
    FeeCurrency,
}

impl LedgerColumn {
    /// Every column, in the order of the widest layout.
    pub const ALL: [Self; 16] = [
        Self::Txid,
        Self::Refid,
        Self::Time,
        Self::Type,
        Self::Subtype,
        Self::Aclass,
        Self::Subclass,
        Self::Asset,
        Self::Wallet,
        Self::Amount,
        Self::Fee,
        Self::Balance,
        Self::AmountUsd,
        Self::FeeUsd,
        Self::BalanceUsd,
        Self::FeeCurrency,
    ];

    /// The column's header name, as every layout spells it.
    pub const fn header(self) -> &'static str {
        match self {
            Self::Txid => "txid",
            Self::Refid => "refid",
            Self::Time => "time",
            Self::Type => "type",
            Self::Subtype => "subtype",
            Self::Aclass => "aclass",
            Self::Subclass => "subclass",
            Self::Asset => "asset",
            Self::Wallet => "wallet",
            Self::Amount => "amount",
            Self::Fee => "fee",
            Self::Balance => "balance",
            Self::AmountUsd => "amountusd",
            Self::FeeUsd => "feeusd",
            Self::BalanceUsd => "balanceusd",
            Self::FeeCurrency => "feecurrency",
        }
    }

    /// The column a header names; `None` for a name no known layout uses (a reader maps columns
    /// by name and may keep such a column aside).
    pub fn from_header(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.header() == name)
    }

    /// Whether the export prints this column as a bare number rather than a quoted string.
    pub const fn is_number(self) -> bool {
        matches!(
            self,
            Self::Amount
                | Self::Fee
                | Self::Balance
                | Self::AmountUsd
                | Self::FeeUsd
                | Self::BalanceUsd
        )
    }
}

/// A column set of the ledgers export seen in real files, named by its column count.
///
/// Which one a file has depends on when it was exported and which fields were selected, so a
/// reader maps columns by header name; these are the sets a writer reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LedgerLayout {
    /// Up to about 2019: `txid,refid,time,type,aclass,asset,amount,fee,balance`.
    Columns9,
    /// 2020–2023: adds `subtype` after `type`.
    Columns10,
    /// Adds `wallet` after `asset`; named by importers, no raw file among the references.
    Columns11,
    /// About 2026: `subclass` after `aclass` and `wallet` after `asset`.
    Columns12,
    /// The 12 plus `amountusd,feeusd,balanceusd,feecurrency` (2026, "all fields").
    Columns16,
}

impl LedgerLayout {
    /// The layout the exchange ships today, which the sandbox writes.
    ///
    /// The newest real ledgers export among the references (royeharris, exported about January
    /// 2026, default fields) has 12 columns. The 16-column layout is only known from a synthetic
    /// file whose author copied it from their own 2026 export; it adds USD valuations that need a
    /// price source, and looks like the "all fields" selection rather than the default.
    pub const CURRENT: Self = Self::Columns12;

    /// Every layout, oldest first.
    pub const ALL: [Self; 5] = [
        Self::Columns9,
        Self::Columns10,
        Self::Columns11,
        Self::Columns12,
        Self::Columns16,
    ];

    /// The columns, in file order.
    pub const fn columns(self) -> &'static [LedgerColumn] {
        use LedgerColumn::*;
        match self {
            Self::Columns9 => &[Txid, Refid, Time, Type, Aclass, Asset, Amount, Fee, Balance],
            Self::Columns10 => &[
                Txid, Refid, Time, Type, Subtype, Aclass, Asset, Amount, Fee, Balance,
            ],
            Self::Columns11 => &[
                Txid, Refid, Time, Type, Subtype, Aclass, Asset, Wallet, Amount, Fee, Balance,
            ],
            Self::Columns12 => &[
                Txid, Refid, Time, Type, Subtype, Aclass, Subclass, Asset, Wallet, Amount, Fee,
                Balance,
            ],
            Self::Columns16 => &LedgerColumn::ALL,
        }
    }

    /// The header names, in file order.
    pub fn headers(self) -> Vec<&'static str> {
        self.columns().iter().map(|c| c.header()).collect()
    }

    /// How an unset value (the `balance` of a request row) is printed: quoted empty, `""`, in
    /// every real file (layouts 9 and 10; assumed for the newer ones, which show none).
    pub const fn absent(self) -> &'static str {
        "\"\""
    }

    /// The layout whose header is exactly `names`, in order.
    pub fn from_headers<S: AsRef<str>>(names: &[S]) -> Option<Self> {
        Self::ALL.into_iter().find(|layout| {
            let columns = layout.columns();
            columns.len() == names.len()
                && columns
                    .iter()
                    .zip(names)
                    .all(|(c, n)| c.header() == n.as_ref())
        })
    }
}
