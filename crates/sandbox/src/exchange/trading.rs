//! Spot orders and trades: `AddOrder`, `CancelOrder`, `OpenOrders`, `ClosedOrders` and
//! `TradesHistory`, under the sandbox's fill model.
//!
//! **Fill model.** A pair's reference price ([`market::PairSpec::price`]) never moves and every
//! fill is a taker fill at it, in full:
//! - a `market` order fills at once at the reference price;
//! - a `limit` buy priced at or above the reference (a sell at or below it) fills at once at the
//!   reference price; any other limit order rests `open`, holding its funds ([`held`]), until
//!   `CancelOrder` — the reference never reaches it.
//!
//! A fill is one trade charged [`market::TAKER_FEE_PERCENT`] in the quote asset. It posts two
//! ledger legs of type `trade`, subtype `tradespot`, both with the trade's id as refid (the base
//! leg, then the quote leg carrying the fee), in one transaction with the order and trade rows.
//! An order the spendable balance (balance − [`held`]) does not cover is refused with
//! `EOrder:Insufficient funds`.
//!
//! Supported: `market` and `limit` orders, good till cancelled, spot only (no leverage), with
//! `userref` or `cl_ord_id`, `validate`, absolute or relative limit prices (`+5`, `-1.5`, `#2%`)
//! and the order flags `fciq`, `nompp` and `post`; other order types and options are refused with
//! `EGeneral:Invalid arguments:<field>`. Prices are written with the pair's `pair_decimals`,
//! volumes with its `lot_decimals`, costs and fees with the quote asset's decimals (the ledger's
//! amounts, so trades reconcile with it exactly).

use std::collections::HashMap;

use countersign_kraken::ApiError;
use countersign_kraken::rest::{
    AddOrderDescr, AddOrderRequest, AddOrderResult, CancelOrderRequest, CancelOrderResult,
    ClosedOrdersRequest, ClosedOrdersResult, OpenOrdersRequest, OpenOrdersResult, OrderDescr,
    OrderInfo, OrderSide, OrderStatus, OrderType, Timestamp, TradeInfo, TradesHistoryRequest,
    TradesHistoryResult,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension as _, params};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use serde::de::DeserializeOwned;

use super::ledger::Window;
use super::market::{self, AssetSpec, PairSpec};
use super::{optional, required};
use crate::auth::{Caller, internal};
use crate::db::{self, StoreError};
use crate::{ApplyError, Sandbox, ids};

/// Orders or trades per `ClosedOrders` / `TradesHistory` page, as on the exchange.
pub const PAGE: i64 = 50;

fn invalid(field: &str) -> ApiError {
    ApiError::InvalidArguments(Some(field.to_owned()))
}

fn order_error(description: &str) -> ApiError {
    ApiError::Other(format!("EOrder:{description}"))
}

fn store(e: rusqlite::Error) -> ApiError {
    internal(e.into())
}

fn corrupt(what: &'static str) -> ApiError {
    internal(StoreError::Corrupt(what))
}

fn num(s: &str) -> Result<Decimal, ApiError> {
    s.parse().map_err(|_| corrupt("order decimal"))
}

fn stamp(secs: i64) -> Timestamp {
    Timestamp::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// `d` rounded to `dp` decimals and written with exactly that many.
fn scaled(d: Decimal, dp: u32) -> Decimal {
    let mut d = d.round_dp(dp);
    d.rescale(dp);
    d
}

/// The taker fee as a fraction.
fn fee_rate() -> Decimal {
    market::TAKER_FEE_PERCENT
        .parse::<Decimal>()
        .unwrap_or_default()
        / Decimal::ONE_HUNDRED
}

fn assets_of(pair: &PairSpec) -> Result<(&'static AssetSpec, &'static AssetSpec), ApiError> {
    Ok((
        market::asset(pair.base).ok_or_else(|| corrupt("pair base"))?,
        market::asset(pair.quote).ok_or_else(|| corrupt("pair quote"))?,
    ))
}

/// The call's fields read as the wire request `T` (form and JSON bodies alike: JSON arrays
/// arrive as their text and are restored). A missing required field is
/// `EGeneral:Invalid arguments:<field>`; anything else malformed `EGeneral:Invalid arguments`
/// (handlers check the fields whose errors name them first).
pub(super) fn request<T: DeserializeOwned>(caller: &Caller) -> Result<T, ApiError> {
    let fields: serde_json::Map<String, serde_json::Value> = caller
        .params
        .iter()
        .map(|(k, v)| {
            let value = v
                .starts_with('[')
                .then(|| serde_json::from_str::<serde_json::Value>(v).ok())
                .flatten()
                .filter(serde_json::Value::is_array)
                .unwrap_or_else(|| serde_json::Value::String(v.clone()));
            (k.clone(), value)
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
        let text = e.to_string();
        let field = text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        ApiError::InvalidArguments(field)
    })
}

/// What open orders hold, by asset code: a buy holds its quote cost plus the taker fee, a sell
/// its base volume (what `BalanceEx` reports as `hold_trade`).
pub(crate) fn held(conn: &Connection) -> Result<HashMap<&'static str, Decimal>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT pair, side, price, volume, vol_exec FROM orders WHERE status = 'open'",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let fee_rate = fee_rate();
    let mut held: HashMap<&'static str, Decimal> = HashMap::new();
    for row in rows {
        let (pair, side, price, volume, vol_exec) = row?;
        let pair = market::pair(&pair).ok_or(StoreError::Corrupt("order pair"))?;
        let num = |s: &str| {
            s.parse::<Decimal>()
                .map_err(|_| StoreError::Corrupt("order decimal"))
        };
        let remaining = num(&volume)? - num(&vol_exec)?;
        if side == "buy" {
            *held.entry(pair.quote).or_default() +=
                remaining * num(&price)? * (Decimal::ONE + fee_rate);
        } else {
            *held.entry(pair.base).or_default() += remaining;
        }
    }
    Ok(held)
}

/// What `asset` can still pay for: its balance less what open orders hold.
pub(crate) fn spendable(conn: &Connection, asset: &AssetSpec) -> Result<Decimal, StoreError> {
    let held = held(conn)?.get(asset.code).copied().unwrap_or_default();
    Ok(db::balance(conn, asset.code)? - held)
}

/// The exchange's order description: `buy 1.25000000 XBTUSD @ limit 37500.0`,
/// `sell 0.25000000 XBTUSD @ market`.
fn describe(pair: &PairSpec, side: &OrderSide, limit: Option<Decimal>, volume: Decimal) -> String {
    let at = limit.map_or_else(
        || "market".to_owned(),
        |p| format!("limit {}", scaled(p, pair.pair_decimals)),
    );
    format!(
        "{side} {} {} @ {at}",
        scaled(volume, pair.lot_decimals),
        pair.altname
    )
}

/// A checked `AddOrder`.
#[derive(Debug)]
struct Placement {
    pair: &'static PairSpec,
    side: OrderSide,
    /// The limit price; `None` for a market order.
    limit: Option<Decimal>,
    volume: Decimal,
    userref: Option<i64>,
    cl_ord_id: Option<String>,
    post_only: bool,
}

impl Placement {
    fn buys(&self) -> bool {
        self.side == OrderSide::Buy
    }

    /// The price it fills at now, or `None` when it rests.
    fn fill_price(&self) -> Option<Decimal> {
        let reference = self.pair.price();
        match self.limit {
            None => Some(reference),
            Some(limit) if self.buys() && limit >= reference => Some(reference),
            Some(limit) if !self.buys() && limit <= reference => Some(reference),
            Some(_) => None,
        }
    }

    fn describe(&self) -> String {
        describe(self.pair, &self.side, self.limit, self.volume)
    }
}

/// A limit price: absolute, or relative to the reference price (`+5`, `-5`, `#5` — away from
/// the market for the side — each optionally in percent, `+2%`). `EOrder:Invalid price` when it
/// is not positive or has more decimals than the pair's.
fn limit_price(pair: &PairSpec, buys: bool, text: &str) -> Result<Decimal, ApiError> {
    let bad = || order_error("Invalid price");
    let (direction, rest) = match text.chars().next() {
        Some('+') => (Some(Decimal::ONE), &text[1..]),
        Some('-') => (Some(Decimal::NEGATIVE_ONE), &text[1..]),
        Some('#') if buys => (Some(Decimal::NEGATIVE_ONE), &text[1..]),
        Some('#') => (Some(Decimal::ONE), &text[1..]),
        _ => (None, text),
    };
    let (percent, number) = match rest.strip_suffix('%') {
        Some(n) => (true, n),
        None => (false, rest),
    };
    let amount: Decimal = number.trim().parse().map_err(|_| bad())?;
    if amount.is_sign_negative() {
        return Err(bad());
    }
    let reference = pair.price();
    let price = match direction {
        None if percent => return Err(bad()),
        None => amount,
        Some(sign) => {
            let delta = if percent {
                reference * amount / Decimal::ONE_HUNDRED
            } else {
                amount
            };
            (reference + sign * delta).round_dp(pair.pair_decimals)
        }
    };
    if price <= Decimal::ZERO || price.normalize().scale() > pair.pair_decimals {
        return Err(bad());
    }
    Ok(price)
}

/// A client order id in one of the exchange's formats: a UUID (with or without its dashes) or
/// free ASCII text of at most 18 characters.
fn valid_cl_ord_id(s: &str) -> bool {
    let hex32 = |t: &str| t.len() == 32 && t.chars().all(|c| c.is_ascii_hexdigit());
    let long_uuid = s.len() == 36
        && s.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && hex32(&s.replace('-', ""));
    hex32(s) || long_uuid || (s.len() <= 18 && s.chars().all(|c| c.is_ascii_graphic()))
}

fn placement(req: &AddOrderRequest) -> Result<Placement, ApiError> {
    let pair = market::pair(&req.pair)
        .ok_or_else(|| ApiError::Other("EQuery:Unknown asset pair".into()))?;
    if !matches!(req.r#type, OrderSide::Buy | OrderSide::Sell) {
        return Err(invalid("type"));
    }
    let buys = req.r#type == OrderSide::Buy;
    if req.volume <= Decimal::ZERO || req.volume.normalize().scale() > pair.lot_decimals {
        return Err(invalid("volume"));
    }
    let limit = match req.ordertype {
        OrderType::Market => None,
        OrderType::Limit => {
            let text = req
                .price
                .as_deref()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| invalid("price"))?;
            Some(limit_price(pair, buys, text)?)
        }
        _ => return Err(invalid("ordertype")),
    };
    if req
        .leverage
        .as_deref()
        .is_some_and(|l| !l.is_empty() && l != "none")
    {
        // The account is spot only.
        return Err(order_error("Cannot open position"));
    }
    if req.reduce_only == Some(true) {
        return Err(invalid("reduce_only"));
    }
    if req.close_ordertype.is_some() || req.close_price.is_some() || req.close_price2.is_some() {
        return Err(invalid("close[ordertype]"));
    }
    if req
        .timeinforce
        .as_deref()
        .is_some_and(|t| !t.is_empty() && t != "GTC")
    {
        return Err(invalid("timeinforce"));
    }
    for (field, value) in [("starttm", &req.starttm), ("expiretm", &req.expiretm)] {
        if value.as_deref().is_some_and(|t| !t.is_empty() && t != "0") {
            return Err(invalid(field));
        }
    }
    let mut post_only = false;
    for flag in req
        .oflags
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        match flag {
            "fciq" | "nompp" => {}
            "post" if limit.is_some() => post_only = true,
            _ => return Err(invalid("oflags")),
        }
    }
    let cl_ord_id = req.cl_ord_id.clone().filter(|c| !c.is_empty());
    if let Some(c) = &cl_ord_id
        && (req.userref.is_some() || !valid_cl_ord_id(c))
    {
        return Err(invalid("cl_ord_id"));
    }
    if req.userref.is_some_and(|u| i32::try_from(u).is_err()) {
        return Err(invalid("userref"));
    }
    if req.volume < pair.min_volume() {
        return Err(order_error("Order minimum not met"));
    }
    Ok(Placement {
        pair,
        side: req.r#type.clone(),
        limit,
        volume: req.volume,
        userref: req.userref,
        cl_ord_id,
        post_only,
    })
}

/// `AddOrder`: places (or with `validate`, only checks) one order and fills it per the fill
/// model.
pub(super) fn add_order(sandbox: &Sandbox, caller: &Caller) -> Result<AddOrderResult, ApiError> {
    // Fields whose errors name them, before the request is read whole.
    let pair = required(caller, "pair")?;
    if market::pair(pair).is_none() {
        return Err(ApiError::Other("EQuery:Unknown asset pair".into()));
    }
    required(caller, "type")?;
    required(caller, "ordertype")?;
    if required(caller, "volume")?
        .trim()
        .parse::<Decimal>()
        .is_err()
    {
        return Err(invalid("volume"));
    }
    optional::<i64>(caller, "userref")?;
    let req: AddOrderRequest = request(caller)?;
    let p = placement(&req)?;
    let descr = AddOrderDescr {
        order: p.describe(),
        close: None,
    };
    if req.validate == Some(true) {
        return Ok(AddOrderResult {
            descr,
            txid: Vec::new(),
        });
    }
    let fill = p.fill_price();
    if p.post_only && fill.is_some() {
        return Err(order_error("Post only order"));
    }
    let (base, quote) = assets_of(p.pair)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    if let Some(c) = &p.cl_ord_id {
        let taken: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM orders WHERE status = 'open' AND cl_ord_id = ?1)",
                [c],
                |r| r.get(0),
            )
            .map_err(store)?;
        if taken {
            return Err(invalid("cl_ord_id"));
        }
    }
    let insufficient = || order_error("Insufficient funds");
    let side = p.side.as_str();
    let ordertype = if p.limit.is_some() { "limit" } else { "market" };
    let limit_text = p.limit.unwrap_or_default().to_string();
    let order_txid = ids::txid('O');
    let tx = conn.transaction().map_err(store)?;
    match fill {
        Some(price) => {
            let cost = quote.scale(price * p.volume);
            let fee = quote.scale(cost * fee_rate());
            let (asset, needed) = if p.buys() {
                (quote, cost + fee)
            } else {
                (base, p.volume)
            };
            if needed > spendable(&tx, asset).map_err(internal)? {
                return Err(insufficient());
            }
            tx.execute(
                "INSERT INTO orders (txid, pair, side, ordertype, price, volume, vol_exec, cost, fee, status, userref, cl_ord_id, opentm, closetm)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, 'closed', ?9, ?10, ?11, ?11)",
                params![
                    order_txid,
                    p.pair.name,
                    side,
                    ordertype,
                    limit_text,
                    p.volume.to_string(),
                    cost.to_string(),
                    fee.to_string(),
                    p.userref,
                    p.cl_ord_id,
                    now
                ],
            )
            .map_err(store)?;
            let trade_txid = ids::txid('T');
            let (base_amount, quote_amount) = if p.buys() {
                (p.volume, -cost)
            } else {
                (-p.volume, cost)
            };
            let post = |asset: &str, amount: Decimal, fee: Decimal| {
                db::post_movement(
                    &tx,
                    &trade_txid,
                    now,
                    ("trade", "tradespot"),
                    asset,
                    amount,
                    fee,
                )
                .map_err(|e| match e {
                    ApplyError::InsufficientFunds => insufficient(),
                    ApplyError::Store(s) => internal(s),
                    ApplyError::Payload(_) | ApplyError::UnknownAsset => ApiError::InternalError,
                })
            };
            let legs = [
                post(base.code, base_amount, Decimal::ZERO)?,
                post(quote.code, quote_amount, fee)?,
            ];
            tx.execute(
                "INSERT INTO trades (txid, ordertxid, pair, time, side, ordertype, price, cost, fee, vol, ledgers)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    trade_txid,
                    order_txid,
                    p.pair.name,
                    now,
                    side,
                    ordertype,
                    price.to_string(),
                    cost.to_string(),
                    fee.to_string(),
                    p.volume.to_string(),
                    legs.join(",")
                ],
            )
            .map_err(store)?;
        }
        None => {
            let limit = p.limit.ok_or(ApiError::InternalError)?;
            // What `held` will count for it once it rests.
            let (asset, needed) = if p.buys() {
                (quote, p.volume * limit * (Decimal::ONE + fee_rate()))
            } else {
                (base, p.volume)
            };
            if needed > spendable(&tx, asset).map_err(internal)? {
                return Err(insufficient());
            }
            tx.execute(
                "INSERT INTO orders (txid, pair, side, ordertype, price, volume, vol_exec, cost, fee, status, userref, cl_ord_id, opentm, closetm)
                 VALUES (?1, ?2, ?3, 'limit', ?4, ?5, '0', '0', '0', 'open', ?6, ?7, ?8, NULL)",
                params![
                    order_txid,
                    p.pair.name,
                    side,
                    limit_text,
                    p.volume.to_string(),
                    p.userref,
                    p.cl_ord_id,
                    now
                ],
            )
            .map_err(store)?;
        }
    }
    tx.commit().map_err(store)?;
    Ok(AddOrderResult {
        descr,
        txid: vec![order_txid],
    })
}

/// `CancelOrder`: by order id, by `userref` (every open order carrying it; possibly none), or by
/// `cl_ord_id`. An order id or client order id naming no open order is `EOrder:Unknown order`.
pub(super) fn cancel_order(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<CancelOrderResult, ApiError> {
    let req: CancelOrderRequest = request(caller)?;
    let now = sandbox.now();
    let conn = sandbox.conn();
    let cancel = |filter: &str, value: Value| {
        conn.execute(
            &format!(
                "UPDATE orders SET status = 'canceled', closetm = ?1 WHERE status = 'open' AND {filter} = ?2"
            ),
            params![now, value],
        )
        .map_err(store)
    };
    let txid = req.txid.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let cl_ord_id = req.cl_ord_id.as_deref().filter(|c| !c.is_empty());
    let count = match (txid, cl_ord_id) {
        (Some(t), _) => {
            if let Ok(userref) = t.parse::<i64>() {
                cancel("userref", userref.into())?
            } else {
                match cancel("txid", t.to_owned().into())? {
                    0 => return Err(order_error("Unknown order")),
                    n => n,
                }
            }
        }
        (None, Some(c)) => match cancel("cl_ord_id", c.to_owned().into())? {
            0 => return Err(order_error("Unknown order")),
            n => n,
        },
        (None, None) => return Err(invalid("txid")),
    };
    Ok(CancelOrderResult {
        count: u64::try_from(count).unwrap_or(0),
        pending: None,
    })
}

const ORDER_COLUMNS: &str = "txid, pair, side, ordertype, price, volume, vol_exec, cost, fee, status, userref, cl_ord_id, opentm, closetm";

/// A stored order, as read.
struct OrderRow {
    txid: String,
    pair: String,
    side: String,
    ordertype: String,
    price: String,
    volume: String,
    vol_exec: String,
    cost: String,
    fee: String,
    status: String,
    userref: Option<i64>,
    cl_ord_id: Option<String>,
    opentm: i64,
    closetm: Option<i64>,
}

fn order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        txid: r.get(0)?,
        pair: r.get(1)?,
        side: r.get(2)?,
        ordertype: r.get(3)?,
        price: r.get(4)?,
        volume: r.get(5)?,
        vol_exec: r.get(6)?,
        cost: r.get(7)?,
        fee: r.get(8)?,
        status: r.get(9)?,
        userref: r.get(10)?,
        cl_ord_id: r.get(11)?,
        opentm: r.get(12)?,
        closetm: r.get(13)?,
    })
}

/// Zero as the exchange writes an unused price (`"0.00000"`).
fn unused() -> Decimal {
    Decimal::new(0, 5)
}

fn order_info(
    conn: &Connection,
    row: OrderRow,
    with_trades: bool,
) -> Result<(String, OrderInfo), ApiError> {
    let pair = market::pair(&row.pair).ok_or_else(|| corrupt("order pair"))?;
    let (_, quote) = assets_of(pair)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT txid, price, vol FROM trades WHERE ordertxid = ?1 ORDER BY time, rowid",
        )
        .map_err(store)?;
    let fills = stmt
        .query_map([&row.txid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(store)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(store)?;
    let (mut value, mut filled) = (Decimal::ZERO, Decimal::ZERO);
    for (_, price, vol) in &fills {
        value += num(price)? * num(vol)?;
        filled += num(vol)?;
    }
    let average = if filled.is_zero() {
        Decimal::ZERO
    } else {
        value / filled
    };
    let side = OrderSide::parse(&row.side);
    let ordertype = OrderType::parse(&row.ordertype);
    let limit = (ordertype != OrderType::Market)
        .then(|| num(&row.price))
        .transpose()?;
    let volume = num(&row.volume)?;
    let status = OrderStatus::parse(&row.status);
    let trades: Vec<String> = fills.into_iter().map(|(txid, _, _)| txid).collect();
    Ok((
        row.txid,
        OrderInfo {
            refid: None,
            userref: Some(row.userref.unwrap_or(0)),
            cl_ord_id: row.cl_ord_id,
            reason: (status == OrderStatus::Canceled).then(|| "User requested".to_owned()),
            status,
            opentm: stamp(row.opentm),
            closetm: row.closetm.map(stamp),
            starttm: Timestamp::from_secs(0),
            expiretm: Timestamp::from_secs(0),
            descr: OrderDescr {
                pair: Some(pair.altname.to_owned()),
                r#type: Some(side.clone()),
                ordertype: Some(ordertype),
                price: Some(limit.map_or(Decimal::ZERO, |l| scaled(l, pair.pair_decimals))),
                price2: Some(Decimal::ZERO),
                leverage: Some("none".to_owned()),
                order: describe(pair, &side, limit, volume),
                close: Some(String::new()),
            },
            vol: scaled(volume, pair.lot_decimals),
            vol_exec: scaled(num(&row.vol_exec)?, pair.lot_decimals),
            cost: quote.scale(num(&row.cost)?),
            fee: quote.scale(num(&row.fee)?),
            price: scaled(average, pair.pair_decimals),
            stopprice: Some(unused()),
            limitprice: Some(unused()),
            trigger: None,
            margin: None,
            misc: String::new(),
            oflags: "fciq".to_owned(),
            trades: (with_trades && !trades.is_empty()).then_some(trades),
            sender_sub_id: None,
        },
    ))
}

/// `OpenOrders`: every resting order, newest first.
pub(super) fn open_orders(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<OpenOrdersResult, ApiError> {
    optional::<i64>(caller, "userref")?;
    let req: OpenOrdersRequest = request(caller)?;
    let conn = sandbox.conn();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders WHERE status = 'open'
               AND (?1 IS NULL OR userref = ?1) AND (?2 IS NULL OR cl_ord_id = ?2)
             ORDER BY opentm DESC, rowid DESC"
        ))
        .map_err(store)?;
    let rows = stmt
        .query_map(
            params![req.userref, req.cl_ord_id.filter(|c| !c.is_empty())],
            order_row,
        )
        .map_err(store)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(store)?;
    let with_trades = req.trades == Some(true);
    Ok(OpenOrdersResult {
        open: rows
            .into_iter()
            .map(|row| order_info(&conn, row, with_trades))
            .collect::<Result<_, _>>()?,
    })
}

/// A `start`/`end` bound: unix seconds (fractions allowed), or an id whose time `lookup`
/// (`SELECT <time> FROM <table> WHERE txid = ?1`) finds.
fn bound(
    conn: &Connection,
    text: Option<&str>,
    field: &str,
    lookup: &str,
) -> Result<Option<i64>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = text.parse::<Decimal>() {
        return Ok(Some(t.trunc().to_i64().unwrap_or(i64::MAX)));
    }
    conn.prepare_cached(lookup)
        .and_then(|mut s| s.query_row([text], |r| r.get::<_, i64>(0)).optional())
        .map_err(store)?
        .map(Some)
        .ok_or_else(|| invalid(field))
}

/// A non-negative `ofs`.
fn offset(caller: &Caller) -> Result<i64, ApiError> {
    let ofs: i64 = optional(caller, "ofs")?.unwrap_or(0);
    if ofs < 0 {
        return Err(invalid("ofs"));
    }
    Ok(ofs)
}

/// Runs `SELECT COUNT(*)` and one page (`LIMIT PAGE OFFSET ofs`) over `from` filtered by
/// `clauses`.
fn page<T>(
    conn: &Connection,
    (columns, from, order): (&str, &str, &str),
    clauses: &[String],
    args: &[Value],
    ofs: i64,
    read: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<(i64, Vec<T>), ApiError> {
    let filter = clauses.join(" AND ");
    let count: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {from} WHERE {filter}"))
        .map_err(store)?
        .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))
        .map_err(store)?;
    let mut page_args = args.to_vec();
    page_args.push(PAGE.into());
    page_args.push(ofs.into());
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {columns} FROM {from} WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?"
        ))
        .map_err(store)?
        .query_map(rusqlite::params_from_iter(page_args.iter()), read)
        .map_err(store)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(store)?;
    Ok((count, rows))
}

/// `ClosedOrders`: filled and cancelled orders, 50 a page, most recently closed first, limited
/// to orders closed inside the calling key's query window.
pub(super) fn closed_orders(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<ClosedOrdersResult, ApiError> {
    optional::<i64>(caller, "userref")?;
    let ofs = offset(caller)?;
    let req: ClosedOrdersRequest = request(caller)?;
    let times: &[&str] = match req.closetime.as_deref().filter(|c| !c.is_empty()) {
        None | Some("both") => &["opentm", "closetm"],
        Some("open") => &["opentm"],
        Some("close") => &["closetm"],
        Some(_) => return Err(invalid("closetime")),
    };
    let conn = sandbox.conn();
    let lookup = "SELECT opentm FROM orders WHERE txid = ?1";
    let start = bound(&conn, req.start.as_deref(), "start", lookup)?;
    let end = bound(&conn, req.end.as_deref(), "end", lookup)?;
    let (from, to) = Window::of(caller).bounds();
    let mut clauses = vec![
        "status <> 'open'".to_owned(),
        "closetm >= ?".to_owned(),
        "closetm <= ?".to_owned(),
    ];
    let mut args: Vec<Value> = vec![from.into(), to.into()];
    if let Some(userref) = req.userref {
        clauses.push("userref = ?".into());
        args.push(userref.into());
    }
    if let Some(c) = req.cl_ord_id.filter(|c| !c.is_empty()) {
        clauses.push("cl_ord_id = ?".into());
        args.push(c.into());
    }
    if start.is_some() || end.is_some() {
        let either: Vec<String> = times
            .iter()
            .map(|col| format!("({col} > ? AND {col} <= ?)"))
            .collect();
        clauses.push(format!("({})", either.join(" OR ")));
        for _ in times {
            args.push(start.unwrap_or(i64::MIN).into());
            args.push(end.unwrap_or(i64::MAX).into());
        }
    }
    let (count, rows) = page(
        &conn,
        (ORDER_COLUMNS, "orders", "closetm DESC, rowid DESC"),
        &clauses,
        &args,
        ofs,
        order_row,
    )?;
    let with_trades = req.trades == Some(true);
    Ok(ClosedOrdersResult {
        closed: rows
            .into_iter()
            .map(|row| order_info(&conn, row, with_trades))
            .collect::<Result<_, _>>()?,
        count: (req.without_count != Some(true)).then(|| u64::try_from(count).unwrap_or(0)),
    })
}

const TRADE_COLUMNS: &str =
    "txid, ordertxid, pair, time, side, ordertype, price, cost, fee, vol, ledgers, rowid";

/// A stored trade, as read.
struct TradeRow {
    txid: String,
    ordertxid: String,
    pair: String,
    time: i64,
    side: String,
    ordertype: String,
    price: String,
    cost: String,
    fee: String,
    vol: String,
    ledgers: String,
    rowid: i64,
}

fn trade_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TradeRow> {
    Ok(TradeRow {
        txid: r.get(0)?,
        ordertxid: r.get(1)?,
        pair: r.get(2)?,
        time: r.get(3)?,
        side: r.get(4)?,
        ordertype: r.get(5)?,
        price: r.get(6)?,
        cost: r.get(7)?,
        fee: r.get(8)?,
        vol: r.get(9)?,
        ledgers: r.get(10)?,
        rowid: r.get(11)?,
    })
}

fn trade_info(row: TradeRow, with_ledgers: bool) -> Result<(String, TradeInfo), ApiError> {
    let pair = market::pair(&row.pair).ok_or_else(|| corrupt("trade pair"))?;
    let (_, quote) = assets_of(pair)?;
    Ok((
        row.txid,
        TradeInfo {
            ordertxid: row.ordertxid,
            postxid: None,
            pair: pair.name.to_owned(),
            time: stamp(row.time),
            r#type: OrderSide::parse(&row.side),
            ordertype: OrderType::parse(&row.ordertype),
            price: scaled(num(&row.price)?, pair.pair_decimals),
            cost: quote.scale(num(&row.cost)?),
            fee: quote.scale(num(&row.fee)?),
            vol: scaled(num(&row.vol)?, pair.lot_decimals),
            margin: Some(quote.scale(Decimal::ZERO)),
            leverage: None,
            misc: String::new(),
            ledgers: with_ledgers.then(|| {
                row.ledgers
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            }),
            trade_id: u64::try_from(row.rowid).ok(),
            maker: Some(false),
            posstatus: None,
            cprice: None,
            ccost: None,
            cfee: None,
            cvol: None,
            cmargin: None,
            net: None,
            trades: None,
        },
    ))
}

/// `TradesHistory`: fills, 50 a page, newest first, limited to the calling key's query window.
/// The account trades spot only, so the position types select nothing.
pub(super) fn trades_history(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<TradesHistoryResult, ApiError> {
    let ofs = offset(caller)?;
    let req: TradesHistoryRequest = request(caller)?;
    let (from, to) = Window::of(caller).bounds();
    let mut clauses = vec!["time >= ?".to_owned(), "time <= ?".to_owned()];
    let mut args: Vec<Value> = vec![from.into(), to.into()];
    match req.r#type.as_deref().filter(|t| !t.is_empty()) {
        None | Some("all" | "no position") => {}
        Some("any position" | "closed position" | "closing position") => clauses.push("0".into()),
        Some(_) => return Err(invalid("type")),
    }
    let conn = sandbox.conn();
    let lookup = "SELECT time FROM trades WHERE txid = ?1";
    if let Some(start) = bound(&conn, req.start.as_deref(), "start", lookup)? {
        clauses.push("time > ?".into());
        args.push(start.into());
    }
    if let Some(end) = bound(&conn, req.end.as_deref(), "end", lookup)? {
        clauses.push("time <= ?".into());
        args.push(end.into());
    }
    let (count, rows) = page(
        &conn,
        (TRADE_COLUMNS, "trades", "time DESC, rowid DESC"),
        &clauses,
        &args,
        ofs,
        trade_row,
    )?;
    let with_ledgers = req.ledgers == Some(true);
    Ok(TradesHistoryResult {
        trades: rows
            .into_iter()
            .map(|row| trade_info(row, with_ledgers))
            .collect::<Result<_, _>>()?,
        count: Some(u64::try_from(count).unwrap_or(0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_use_the_pair_precision_and_altname() {
        let pair = market::pair("XBTUSD").expect("pair");
        assert_eq!(
            describe(
                pair,
                &OrderSide::Buy,
                Some(Decimal::from(37_500)),
                Decimal::new(125, 2)
            ),
            "buy 1.25000000 XBTUSD @ limit 37500.0"
        );
        assert_eq!(
            describe(pair, &OrderSide::Sell, None, Decimal::new(25, 2)),
            "sell 0.25000000 XBTUSD @ market"
        );
    }

    #[test]
    fn limit_prices_may_be_relative_to_the_reference() {
        let pair = market::pair("XBTUSD").expect("pair"); // reference 91250.0
        let p = |buys, text| limit_price(pair, buys, text);
        assert_eq!(p(true, "90000"), Ok(Decimal::from(90_000)));
        assert_eq!(p(true, "+50"), Ok(Decimal::from(91_300)));
        assert_eq!(p(true, "-250.5"), Ok(Decimal::new(909_995, 1)));
        assert_eq!(p(true, "#2%"), Ok(Decimal::new(894_250, 1)));
        assert_eq!(p(false, "#2%"), Ok(Decimal::new(930_750, 1)));
        for bad in ["0", "abc", "90000.05", "2%", "-100000", ""] {
            assert_eq!(p(true, bad), Err(order_error("Invalid price")), "{bad:?}");
        }
    }

    #[test]
    fn client_order_ids_follow_the_exchange_formats() {
        for ok in [
            "6d1b345e-2821-40e2-ad83-4ecb18a06876",
            "da8e4ad59b78481c93e589746b0cf91f",
            "arb-20240509-00010",
        ] {
            assert!(valid_cl_ord_id(ok), "{ok}");
        }
        for bad in [
            "this-is-far-too-long-for-free-text",
            "has space",
            "6d1b345e-2821-40e2-ad83-4ecb18a0687g",
        ] {
            assert!(!valid_cl_ord_id(bad), "{bad}");
        }
    }
}
