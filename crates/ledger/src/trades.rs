//! The trades export: [`TradeRow`], its columns [`TradesColumn`] and the column sets the exchange
//! has shipped, [`TradesLayout`].

use countersign_kraken::Timestamp;
use rust_decimal::Decimal;

/// One line of a trades export: one fill of an order.
///
/// Holds every field any layout has carried (see [`crate::LedgerRow`] for how missing
/// columns are treated). The position fields (`posstatus` … `net`, `trades`) are set only for a
/// fill that opened or closed a margin position; unset, they are printed as an absent value,
/// whose spelling depends on the layout (see [`TradesLayout::absent`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeRow {
    /// Trade id (`T…`), the `refid` of its ledger entries.
    pub txid: String,
    /// Order id (`O…`).
    pub ordertxid: String,
    /// Pair as the exchange names it: `XXDGXXBT`, `DOTXBT` (2021), `USDT/GBP` (2026).
    pub pair: String,
    /// `forex`, … (layouts 24 and 25).
    pub aclass: String,
    /// `crypto`, `stable_coin`, … (layouts 24 and 25).
    pub subclass: String,
    /// Fill time, printed with its sub-second fraction.
    pub time: Timestamp,
    /// `buy` or `sell`.
    pub r#type: String,
    /// `market`, `limit`, …
    pub ordertype: String,
    /// Price in the quote asset.
    pub price: Decimal,
    /// `price × vol`, in the quote asset.
    pub cost: Decimal,
    /// Fee, in the quote asset.
    pub fee: Decimal,
    /// Volume, in the base asset.
    pub vol: Decimal,
    /// Initial margin, in the quote asset (zero for a spot fill).
    pub margin: Decimal,
    /// Comma-separated flags (`initiated`, `closing`, …) or empty.
    pub misc: String,
    /// Ledger ids booked by this fill, in the export's order (joined with `,` in one field).
    pub ledgers: Vec<String>,
    /// Position id; real exports carry the placeholder `TKH2SE-M7IF5-CFI7LT` when there is none.
    /// Headed `postxid` up to layout 22, `posttxid` from layout 24.
    pub postxid: String,
    /// Position status (`closed`, …). Headed `posstatus` up to layout 22, `posstatuscode` after.
    pub posstatus: Option<String>,
    /// Price, cost, fee, volume and margin of the closed part of the position.
    pub cprice: Option<Decimal>,
    pub ccost: Option<Decimal>,
    pub cfee: Option<Decimal>,
    pub cvol: Option<Decimal>,
    pub cmargin: Option<Decimal>,
    /// Net profit or loss of the closed part, in the quote asset.
    pub net: Option<Decimal>,
    /// `cost` valued in USD (layout 25).
    pub cost_usd: Option<Decimal>,
    /// Trade ids that closed this position, in the export's order; empty for none (absent).
    pub trades: Vec<String>,
}

/// A column of the trades export, by meaning; its header name depends on the layout
/// ([`TradesLayout::headers`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TradesColumn {
    Txid,
    Ordertxid,
    Pair,
    Aclass,
    Subclass,
    Time,
    Type,
    Ordertype,
    Price,
    Cost,
    Fee,
    Vol,
    Margin,
    Misc,
    Ledgers,
    Postxid,
    Posstatus,
    Cprice,
    Ccost,
    Cfee,
    Cvol,
    Cmargin,
    Net,
    CostUsd,
    Trades,
}

impl TradesColumn {
    /// Every column, in the order of the widest layout.
    pub const ALL: [Self; 25] = [
        Self::Txid,
        Self::Ordertxid,
        Self::Pair,
        Self::Aclass,
        Self::Subclass,
        Self::Time,
        Self::Type,
        Self::Ordertype,
        Self::Price,
        Self::Cost,
        Self::Fee,
        Self::Vol,
        Self::Margin,
        Self::Misc,
        Self::Ledgers,
        Self::Postxid,
        Self::Posstatus,
        Self::Cprice,
        Self::Ccost,
        Self::Cfee,
        Self::Cvol,
        Self::Cmargin,
        Self::Net,
        Self::CostUsd,
        Self::Trades,
    ];

    /// The column's header name in layouts from 24 on.
    pub const fn header(self) -> &'static str {
        match self {
            Self::Txid => "txid",
            Self::Ordertxid => "ordertxid",
            Self::Pair => "pair",
            Self::Aclass => "aclass",
            Self::Subclass => "subclass",
            Self::Time => "time",
            Self::Type => "type",
            Self::Ordertype => "ordertype",
            Self::Price => "price",
            Self::Cost => "cost",
            Self::Fee => "fee",
            Self::Vol => "vol",
            Self::Margin => "margin",
            Self::Misc => "misc",
            Self::Ledgers => "ledgers",
            Self::Postxid => "posttxid",
            Self::Posstatus => "posstatuscode",
            Self::Cprice => "cprice",
            Self::Ccost => "ccost",
            Self::Cfee => "cfee",
            Self::Cvol => "cvol",
            Self::Cmargin => "cmargin",
            Self::Net => "net",
            Self::CostUsd => "costusd",
            Self::Trades => "trades",
        }
    }

    /// The column's header name in layouts up to 22, where two were spelled differently.
    pub const fn legacy_header(self) -> &'static str {
        match self {
            Self::Postxid => "postxid",
            Self::Posstatus => "posstatus",
            other => other.header(),
        }
    }

    /// The column a header names, in either spelling; `None` for a name no known layout uses.
    pub fn from_header(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.header() == name || c.legacy_header() == name)
    }

    /// Whether the export prints this column as a bare number rather than a quoted string.
    pub const fn is_number(self) -> bool {
        matches!(
            self,
            Self::Price
                | Self::Cost
                | Self::Fee
                | Self::Vol
                | Self::Margin
                | Self::Cprice
                | Self::Ccost
                | Self::Cfee
                | Self::Cvol
                | Self::Cmargin
                | Self::Net
                | Self::CostUsd
        )
    }
}

/// A column set of the trades export, named by its column count (see
/// [`crate::LedgerLayout`] on why several exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TradesLayout {
    /// Old: `txid` … `ledgers`, no position columns. No raw file among the references.
    Columns13,
    /// 2021: adds the position columns `postxid,posstatus,cprice,…,net,trades`.
    Columns22,
    /// About 2026: `aclass,subclass` after `pair`; `posttxid`, `posstatuscode` renamed.
    Columns24,
    /// The 24 plus `costusd` between `net` and `trades`; named by importers, no raw file among the
    /// references.
    Columns25,
}

impl TradesLayout {
    /// The layout the exchange ships today, which the sandbox writes.
    ///
    /// The newest real trades export among the references (royeharris, exported about January
    /// 2026, alongside the 12-column ledgers file) has 24 columns, as has the synthetic 2026 copy.
    pub const CURRENT: Self = Self::Columns24;

    /// Every layout, oldest first.
    pub const ALL: [Self; 4] = [
        Self::Columns13,
        Self::Columns22,
        Self::Columns24,
        Self::Columns25,
    ];

    /// The columns, in file order.
    pub const fn columns(self) -> &'static [TradesColumn] {
        use TradesColumn::*;
        match self {
            Self::Columns13 => &[
                Txid, Ordertxid, Pair, Time, Type, Ordertype, Price, Cost, Fee, Vol, Margin, Misc,
                Ledgers,
            ],
            Self::Columns22 => &[
                Txid, Ordertxid, Pair, Time, Type, Ordertype, Price, Cost, Fee, Vol, Margin, Misc,
                Ledgers, Postxid, Posstatus, Cprice, Ccost, Cfee, Cvol, Cmargin, Net, Trades,
            ],
            Self::Columns24 => &[
                Txid, Ordertxid, Pair, Aclass, Subclass, Time, Type, Ordertype, Price, Cost, Fee,
                Vol, Margin, Misc, Ledgers, Postxid, Posstatus, Cprice, Ccost, Cfee, Cvol, Cmargin,
                Net, Trades,
            ],
            Self::Columns25 => &TradesColumn::ALL,
        }
    }

    /// The header name of `column` in this layout.
    pub const fn header(self, column: TradesColumn) -> &'static str {
        match self {
            Self::Columns13 | Self::Columns22 => column.legacy_header(),
            Self::Columns24 | Self::Columns25 => column.header(),
        }
    }

    /// The header names, in file order.
    pub fn headers(self) -> Vec<&'static str> {
        self.columns().iter().map(|&c| self.header(c)).collect()
    }

    /// The layout whose header is exactly `names`, in order.
    pub fn from_headers<S: AsRef<str>>(names: &[S]) -> Option<Self> {
        Self::ALL.into_iter().find(|&layout| {
            let columns = layout.columns();
            columns.len() == names.len()
                && columns
                    .iter()
                    .zip(names)
                    .all(|(&c, n)| layout.header(c) == n.as_ref())
        })
    }

    /// How an unset value (a position field of a fill without a position) is printed: bare
    /// (`,,`) in the 2021 layout, quoted empty (`,"",`) from 2026 on. Real files show both.
    pub const fn absent(self) -> &'static str {
        match self {
            Self::Columns13 | Self::Columns22 => "",
            Self::Columns24 | Self::Columns25 => "\"\"",
        }
    }
}
