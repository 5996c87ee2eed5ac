//! Reading orders and trades back (`OpenOrders`, `ClosedOrders`, `TradesHistory`): rows as the
//! exchange shows them, time bounds given as times or ids, and pages of [`PAGE`].

use countersign_kraken::rest::{
    ClosedOrdersRequest, ClosedOrdersResult, OpenOrdersRequest, OpenOrdersResult, OrderDescr,
    OrderInfo, OrderSide, OrderStatus, OrderType, TradeInfo, TradesHistoryRequest,
    TradesHistoryResult,
};
use countersign_kraken::{ApiError, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension as _, params};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;

use crate::Sandbox;
use crate::auth::Caller;
use crate::exchange::ledger::Window;
use crate::exchange::optional;
use crate::market::{self};

use super::{PAGE, assets_of, corrupt, describe, invalid, num, request, scaled, stamp, store};

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
            starttm: Timestamp::UNIX_EPOCH,
            expiretm: Timestamp::UNIX_EPOCH,
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
pub(in crate::exchange) fn open_orders(
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
pub(in crate::exchange) fn closed_orders(
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
pub(in crate::exchange) fn trades_history(
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
