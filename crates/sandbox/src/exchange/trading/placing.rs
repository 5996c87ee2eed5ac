//! Placing and cancelling orders (`AddOrder`, `CancelOrder`): an order's fields checked as the
//! exchange does, its funds against the spendable balance, and a fill at the reference price
//! posted as trade and ledger rows in one transaction.

use countersign_kraken::ApiError;
use countersign_kraken::rest::{
    AddOrderDescr, AddOrderRequest, AddOrderResult, CancelOrderRequest, CancelOrderResult,
    OrderSide, OrderType,
};
use rusqlite::params;
use rusqlite::types::Value;
use rust_decimal::Decimal;

use crate::auth::{Caller, internal};
use crate::db::{self};
use crate::exchange::{optional, required};
use crate::market::{self, PairSpec};
use crate::{ApplyError, Sandbox, ids};

use super::{assets_of, describe, fee_rate, invalid, order_error, request, store};

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
pub(in crate::exchange) fn add_order(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<AddOrderResult, ApiError> {
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
            if needed > db::spendable(&tx, asset).map_err(internal)? {
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
            if needed > db::spendable(&tx, asset).map_err(internal)? {
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
pub(in crate::exchange) fn cancel_order(
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

#[cfg(test)]
mod tests {
    use super::*;

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
