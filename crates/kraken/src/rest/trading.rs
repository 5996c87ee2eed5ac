//! Trading: `AddOrder`, `CancelOrder`, open and closed orders, trade history.

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire::{self, wire_enum};
use crate::Timestamp;

wire_enum! {
    /// Order direction.
    OrderSide {
        /// Buy.
        Buy = "buy",
        /// Sell.
        Sell = "sell",
    }
}

wire_enum! {
    /// The execution model of an order.
    OrderType {
        /// `market`
        Market = "market",
        /// `limit`
        Limit = "limit",
        /// `iceberg`
        Iceberg = "iceberg",
        /// `stop-loss`
        StopLoss = "stop-loss",
        /// `take-profit`
        TakeProfit = "take-profit",
        /// `stop-loss-limit`
        StopLossLimit = "stop-loss-limit",
        /// `take-profit-limit`
        TakeProfitLimit = "take-profit-limit",
        /// `trailing-stop`
        TrailingStop = "trailing-stop",
        /// `trailing-stop-limit`
        TrailingStopLimit = "trailing-stop-limit",
        /// `settle-position`
        SettlePosition = "settle-position",
    }
}

wire_enum! {
    /// An order's state.
    OrderStatus {
        /// Pending book entry.
        Pending = "pending",
        /// Open.
        Open = "open",
        /// Filled.
        Closed = "closed",
        /// Cancelled.
        Canceled = "canceled",
        /// Expired.
        Expired = "expired",
    }
}

/// Request of `AddOrder`.
///
/// `price` and `price2` are text, not `Decimal`: the exchange accepts relative prices
/// (`+5`, `-1.5`, `#2%`) there. `volume` is an amount and is a `Decimal`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOrderRequest {
    /// Pair id or altname (`XBTUSD`).
    pub pair: String,
    /// `buy` or `sell`.
    pub r#type: OrderSide,
    /// Execution model.
    pub ordertype: OrderType,
    /// Quantity in the base asset.
    #[serde(with = "wire::money")]
    pub volume: Decimal,
    /// Visible quantity of an iceberg order.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub displayvol: Option<Decimal>,
    /// Limit or trigger price (absolute or relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    /// Secondary (limit) price of `*-limit` orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price2: Option<String>,
    /// `last` (default) or `index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Leverage (`2:1`, `5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<String>,
    /// Only reduce a position.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reduce_only: Option<bool>,
    /// Self-trade prevention (`cancel-newest`, `cancel-oldest`, `cancel-both`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stptype: Option<String>,
    /// Comma-delimited order flags (`post`, `fcib`, `fciq`, `nompp`, `viqc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oflags: Option<String>,
    /// `GTC` (default), `IOC` or `GTD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeinforce: Option<String>,
    /// Scheduled start: `0`, a unix time, or `+<seconds>`.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub starttm: Option<String>,
    /// Expiry: `0`, a unix time, or `+<seconds>`.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiretm: Option<String>,
    /// Conditional close order type.
    #[serde(
        rename = "close[ordertype]",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub close_ordertype: Option<OrderType>,
    /// Conditional close price.
    #[serde(
        rename = "close[price]",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub close_price: Option<String>,
    /// Conditional close secondary price.
    #[serde(
        rename = "close[price2]",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub close_price2: Option<String>,
    /// RFC 3339 time after which the engine should reject the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// Validate only; place nothing.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub validate: Option<bool>,
    /// Client's numeric tag (not unique; exclusive with `cl_ord_id`).
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub userref: Option<i64>,
    /// Client's unique order id (exclusive with `userref`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cl_ord_id: Option<String>,
    /// `tokenized_asset` for non-crypto pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_class: Option<String>,
}

impl AddOrderRequest {
    /// A plain order with every optional field unset.
    pub fn new(pair: &str, side: OrderSide, ordertype: OrderType, volume: Decimal) -> Self {
        Self {
            pair: pair.to_owned(),
            r#type: side,
            ordertype,
            volume,
            displayvol: None,
            price: None,
            price2: None,
            trigger: None,
            leverage: None,
            reduce_only: None,
            stptype: None,
            oflags: None,
            timeinforce: None,
            starttm: None,
            expiretm: None,
            close_ordertype: None,
            close_price: None,
            close_price2: None,
            deadline: None,
            validate: None,
            userref: None,
            cl_ord_id: None,
            asset_class: None,
        }
    }
}

/// `AddOrder`'s description of what it placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOrderDescr {
    /// `buy 1.45 XBTUSD @ limit 27500.0`.
    pub order: String,
    /// The conditional close, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<String>,
}

/// `AddOrder` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddOrderResult {
    /// What was placed.
    pub descr: AddOrderDescr,
    /// Order ids (absent when only validating).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub txid: Vec<String>,
}

/// Request of `CancelOrder`: by `txid` (an order id, or a `userref`) or by `cl_ord_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrderRequest {
    /// Order id or `userref`.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub txid: Option<String>,
    /// Client order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cl_ord_id: Option<String>,
}

/// `CancelOrder` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrderResult {
    /// Orders cancelled.
    pub count: u64,
    /// Whether cancellation is still pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<bool>,
}

/// Request of `OpenOrders`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrdersRequest {
    /// Include related trades.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub trades: Option<bool>,
    /// Only this `userref`.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub userref: Option<i64>,
    /// Only this client order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cl_ord_id: Option<String>,
}

/// Request of `ClosedOrders`: 50 per page, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedOrdersRequest {
    /// Include related trades.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub trades: Option<bool>,
    /// Only this `userref`.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub userref: Option<i64>,
    /// Only this client order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cl_ord_id: Option<String>,
    /// Exclusive start: a unix time or an order id.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<String>,
    /// Inclusive end: a unix time or an order id.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<String>,
    /// Offset, for paging.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ofs: Option<i64>,
    /// `open`, `close` or `both` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closetime: Option<String>,
    /// Consolidate trades by taker trade (default true).
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub consolidate_taker: Option<bool>,
    /// Skip counting the matches.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub without_count: Option<bool>,
}

/// An order's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDescr {
    /// Pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<String>,
    /// `buy` or `sell`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<OrderSide>,
    /// Execution model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordertype: Option<OrderType>,
    /// Primary price.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Decimal>,
    /// Secondary price.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub price2: Option<Decimal>,
    /// Leverage (`none`, `5:1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<String>,
    /// `buy 1.25000000 XBTUSD @ limit 30010.0`.
    pub order: String,
    /// Conditional close, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<String>,
}

/// One order, open or closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInfo {
    /// Referral order that created this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refid: Option<String>,
    /// Client's numeric tag.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub userref: Option<i64>,
    /// Client's order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cl_ord_id: Option<String>,
    /// State.
    pub status: OrderStatus,
    /// Why it closed, if it did (`User requested`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When placed.
    pub opentm: Timestamp,
    /// When closed.
    #[serde(
        default,
        with = "wire::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub closetm: Option<Timestamp>,
    /// Scheduled start, 0 if none.
    pub starttm: Timestamp,
    /// Expiry, 0 if none.
    pub expiretm: Timestamp,
    /// Description.
    pub descr: OrderDescr,
    /// Volume (base asset).
    #[serde(with = "wire::money")]
    pub vol: Decimal,
    /// Volume executed.
    #[serde(with = "wire::money")]
    pub vol_exec: Decimal,
    /// Total cost (quote asset).
    #[serde(with = "wire::money")]
    pub cost: Decimal,
    /// Total fee (quote asset).
    #[serde(with = "wire::money")]
    pub fee: Decimal,
    /// Average price.
    #[serde(with = "wire::money")]
    pub price: Decimal,
    /// Stop price.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub stopprice: Option<Decimal>,
    /// Triggered limit price.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub limitprice: Option<Decimal>,
    /// `last` or `index`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Funded on margin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<bool>,
    /// Comma-delimited info (`stopped`, `partial`, ...).
    #[serde(default)]
    pub misc: String,
    /// Comma-delimited order flags.
    #[serde(default)]
    pub oflags: String,
    /// Related trade ids, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trades: Option<Vec<String>>,
    /// Sub-account for self-trade prevention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_sub_id: Option<String>,
}

/// `OpenOrders` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOrdersResult {
    /// Order id → order.
    pub open: IndexMap<String, OrderInfo>,
}

/// `ClosedOrders` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedOrdersResult {
    /// Order id → order.
    pub closed: IndexMap<String, OrderInfo>,
    /// Matches in all (absent with `without_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Request of `TradesHistory`: 50 per page, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradesHistoryRequest {
    /// `all` (default), `any position`, `closed position`, `closing position`, `no position`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Include trades related to a position.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub trades: Option<bool>,
    /// Exclusive start: a unix time or a trade id.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<String>,
    /// Inclusive end: a unix time or a trade id.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<String>,
    /// Offset, for paging.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ofs: Option<i64>,
    /// Consolidate by taker trade (default true).
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub consolidate_taker: Option<bool>,
    /// Include ledger ids.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ledgers: Option<bool>,
}

/// One trade (fill).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeInfo {
    /// The order that executed.
    pub ordertxid: String,
    /// The position, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postxid: Option<String>,
    /// Pair.
    pub pair: String,
    /// When.
    pub time: Timestamp,
    /// `buy` or `sell`.
    pub r#type: OrderSide,
    /// Execution model.
    pub ordertype: OrderType,
    /// Average price.
    #[serde(with = "wire::money")]
    pub price: Decimal,
    /// Total cost (quote asset).
    #[serde(with = "wire::money")]
    pub cost: Decimal,
    /// Total fee (quote asset).
    #[serde(with = "wire::money")]
    pub fee: Decimal,
    /// Volume (base asset).
    #[serde(with = "wire::money")]
    pub vol: Decimal,
    /// Initial margin.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub margin: Option<Decimal>,
    /// Leverage used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leverage: Option<String>,
    /// Comma-delimited info (`closing`).
    #[serde(default)]
    pub misc: String,
    /// Related ledger ids, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledgers: Option<Vec<String>>,
    /// Unique trade id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<u64>,
    /// Whether the user was the maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maker: Option<bool>,
    /// Position status, if the trade opened one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posstatus: Option<String>,
    /// Average price of the closed part of the position.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cprice: Option<Decimal>,
    /// Cost of the closed part.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ccost: Option<Decimal>,
    /// Fee of the closed part.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cfee: Option<Decimal>,
    /// Volume of the closed part.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cvol: Option<Decimal>,
    /// Margin freed by the closed part.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub cmargin: Option<Decimal>,
    /// Net profit or loss of the closed part.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub net: Option<Decimal>,
    /// Closing trades of the position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trades: Option<Vec<String>>,
}

/// `TradesHistory` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradesHistoryResult {
    /// Trade id → trade.
    pub trades: IndexMap<String, TradeInfo>,
    /// Matches in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}
