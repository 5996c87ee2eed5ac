//! `AddExport`, `ExportStatus`, `RetrieveExport`, `RemoveExport`: ledger and trades exports in
//! the exchange's current layout (`countersign-ledger` writes the bytes), limited to the
//! requested period and to the calling key's query window.
//!
//! The sandbox makes an export at once, inside `AddExport`, so `ExportStatus` reports it
//! `Processed` from the first poll; clients that poll until then work unchanged. The zip is kept
//! in the store until removed.
//!
//! An export is its key's: only the key that made it lists, retrieves or removes it, and only
//! while the key's query window still covers the export's period (a window narrowed since keeps
//! the rows out of reach). Ids are sixteen letters, so one cannot be guessed.

use countersign_kraken::rest::{
    AddExportResult, ExportFormat, ExportReport, ExportState, ExportStatusEntry, RemoveExportResult,
};
use countersign_kraken::{ApiError, QueryError, Timestamp};
use countersign_ledger::{
    ExportKind, LedgerLayout, LedgerRow, TradeRow, TradesLayout, write_ledgers_csv,
    write_trades_csv,
};
use rusqlite::{OptionalExtension as _, params};
use rust_decimal::Decimal;

use super::ledger::Window;
use super::required;
use crate::auth::{Caller, internal};
use crate::market;
use crate::{Sandbox, db};

fn store(e: rusqlite::Error) -> ApiError {
    internal(e.into())
}

fn num(s: &str) -> Result<Decimal, ApiError> {
    s.parse()
        .map_err(|_| internal(db::StoreError::Corrupt("export decimal")))
}

fn stamp(secs: i64) -> Result<Timestamp, ApiError> {
    Timestamp::from_unix_seconds(secs).map_err(|_| ApiError::InternalError)
}

/// How the exchange classes an asset in its exports.
fn subclass(code: &str) -> &'static str {
    match code {
        "USD" | "EUR" | "GBP" => "fiat",
        "USDT" | "USDC" => "stable_coin",
        _ => "crypto",
    }
}

fn report_param(caller: &Caller) -> Result<ExportKind, ApiError> {
    ExportKind::from_report_name(required(caller, "report")?)
        .ok_or_else(|| ApiError::InvalidArguments(Some("report".into())))
}

/// The period an export covers: `[starttm, endtm]` narrowed to the key's query window.
fn period(caller: &Caller, now: i64) -> Result<(i64, i64), ApiError> {
    let start: i64 = super::optional(caller, "starttm")?.unwrap_or(0);
    let end: i64 = super::optional(caller, "endtm")?.unwrap_or(now);
    if start < 0 || end < start {
        return Err(ApiError::InvalidArguments(Some("endtm".into())));
    }
    let (from, to) = Window::of(caller).bounds();
    Ok((start.max(from), end.min(to)))
}

fn ledger_csv(sandbox: &Sandbox, (start, end): (i64, i64)) -> Result<Vec<u8>, ApiError> {
    let conn = sandbox.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, refid, time, type, subtype, aclass, asset, wallet, amount, fee, balance FROM ledger
             WHERE time >= ?1 AND time <= ?2 ORDER BY time, rowid",
        )
        .map_err(store)?;
    let rows = stmt
        .query_map(params![start, end], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                [
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ],
                [
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                ],
            ))
        })
        .map_err(store)?;
    let mut out = Vec::new();
    for row in rows {
        let (txid, refid, time, [kind, subtype, aclass, code, wallet], [amount, fee, balance]) =
            row.map_err(store)?;
        let a = market::asset(&code)
            .ok_or_else(|| internal(db::StoreError::Corrupt("ledger asset")))?;
        out.push(LedgerRow {
            txid: txid.into(),
            refid: refid.into(),
            time: stamp(time)?,
            r#type: kind.into(),
            subtype: subtype.into(),
            aclass: aclass.into(),
            subclass: subclass(a.code).into(),
            asset: a.code.into(),
            wallet: wallet.into(),
            amount: a.scale(num(&amount)?),
            fee: a.scale(num(&fee)?),
            balance: Some(a.scale(num(&balance)?)),
            amount_usd: None,
            fee_usd: None,
            balance_usd: None,
            fee_currency: Default::default(),
        });
    }
    let mut csv = Vec::new();
    write_ledgers_csv(&out, LedgerLayout::CURRENT, &mut csv)
        .map_err(|_| ApiError::InternalError)?;
    Ok(csv)
}

fn trades_csv(sandbox: &Sandbox, (start, end): (i64, i64)) -> Result<Vec<u8>, ApiError> {
    let conn = sandbox.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT txid, ordertxid, pair, time, side, ordertype, price, cost, fee, vol, ledgers FROM trades
             WHERE time >= ?1 AND time <= ?2 ORDER BY time, rowid",
        )
        .map_err(store)?;
    let rows = stmt
        .query_map(params![start, end], |r| {
            Ok((
                [
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ],
                r.get::<_, i64>(3)?,
                [
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                ],
            ))
        })
        .map_err(store)?;
    let mut out = Vec::new();
    for row in rows {
        let ([txid, ordertxid, pair], time, [side, ordertype, price, cost, fee, vol, ledgers]) =
            row.map_err(store)?;
        let p =
            market::pair(&pair).ok_or_else(|| internal(db::StoreError::Corrupt("trade pair")))?;
        out.push(TradeRow {
            txid,
            ordertxid,
            pair: format!("{}/{}", p.base, p.quote),
            aclass: "forex".into(),
            subclass: subclass(p.base).into(),
            time: stamp(time)?,
            r#type: side,
            ordertype,
            price: num(&price)?,
            cost: num(&cost)?,
            fee: num(&fee)?,
            vol: num(&vol)?,
            margin: Decimal::ZERO,
            misc: String::new(),
            ledgers: ledgers
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            postxid: String::new(),
            posstatus: None,
            cprice: None,
            ccost: None,
            cfee: None,
            cvol: None,
            cmargin: None,
            net: None,
            cost_usd: None,
            trades: Vec::new(),
        });
    }
    let mut csv = Vec::new();
    write_trades_csv(&out, TradesLayout::CURRENT, &mut csv).map_err(|_| ApiError::InternalError)?;
    Ok(csv)
}

pub(super) fn add(sandbox: &Sandbox, caller: &Caller) -> Result<AddExportResult, ApiError> {
    let kind = report_param(caller)?;
    let description = required(caller, "description")?;
    let format = caller.param("format").unwrap_or("CSV");
    if format != "CSV" {
        // The sandbox writes the exchange's CSV layout only.
        return Err(ApiError::InvalidArguments(Some("format".into())));
    }
    if caller.param("fields").is_some_and(|f| f != "all") {
        return Err(ApiError::InvalidArguments(Some("fields".into())));
    }
    let now = sandbox.now();
    let span = period(caller, now)?;
    let csv = match kind {
        ExportKind::Ledgers => ledger_csv(sandbox, span)?,
        ExportKind::Trades => trades_csv(sandbox, span)?,
    };
    let zip = countersign_ledger::export_zip(kind, &csv, stamp(now)?)
        .map_err(|_| ApiError::InternalError)?;
    let id = crate::ids::export_id();
    sandbox
        .conn()
        .execute(
            "INSERT INTO exports (id, report, description, format, fields, starttm, endtm, created, status, data, api_key)
             VALUES (?1, ?2, ?3, 'CSV', 'all', ?4, ?5, ?6, 'Processed', ?7, ?8)",
            params![id, kind.report_name(), description, span.0, span.1, now, zip, caller.key.api_key],
        )
        .map_err(store)?;
    Ok(AddExportResult { id })
}

pub(super) fn status(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<Vec<ExportStatusEntry>, ApiError> {
    let kind = report_param(caller)?;
    let conn = sandbox.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, description, starttm, endtm, created, status FROM exports WHERE report = ?1 AND api_key = ?2 ORDER BY created DESC, rowid DESC",
        )
        .map_err(store)?;
    let at = |s: i64| Timestamp::from_unix_seconds(s).unwrap_or_default();
    let window = Window::of(caller);
    let rows = stmt
        .query_map([kind.report_name(), caller.key.api_key.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .map_err(store)?;
    let mut listed = Vec::new();
    for row in rows {
        let (id, descr, start, end, created, status) = row.map_err(store)?;
        if !window.covers(start, end) {
            continue;
        }
        listed.push(ExportStatusEntry {
            id,
            descr,
            format: ExportFormat::Csv,
            report: ExportReport::parse(kind.report_name()),
            subtype: Some("all".into()),
            status: ExportState::parse(&status),
            flags: Some("0".into()),
            fields: Some("all".into()),
            createdtm: at(created),
            expiretm: Some(at(created + 14 * 86_400)),
            starttm: Some(at(created)),
            completedtm: Some(at(created)),
            datastarttm: Some(at(start)),
            dataendtm: Some(at(end)),
            aclass: Some("forex".into()),
            asset: Some("all".into()),
        });
    }
    Ok(listed)
}

pub(super) fn retrieve(sandbox: &Sandbox, caller: &Caller) -> Result<Vec<u8>, ApiError> {
    let id = required(caller, "id")?;
    let found = sandbox
        .conn()
        .prepare_cached(
            "SELECT data, starttm, endtm FROM exports WHERE id = ?1 AND api_key = ?2 AND status = 'Processed'",
        )
        .map_err(store)?
        .query_row([id, caller.key.api_key.as_str()], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
        })
        .optional()
        .map_err(store)?;
    match found {
        Some((data, start, end)) if Window::of(caller).covers(start, end) => Ok(data),
        _ => Err(ApiError::Query(QueryError::UnknownExport)),
    }
}

pub(super) fn remove(sandbox: &Sandbox, caller: &Caller) -> Result<RemoveExportResult, ApiError> {
    let id = required(caller, "id")?;
    let how = required(caller, "type")?;
    if !matches!(how, "delete" | "cancel") {
        return Err(ApiError::InvalidArguments(Some("type".into())));
    }
    let removed = sandbox
        .conn()
        .execute(
            "DELETE FROM exports WHERE id = ?1 AND api_key = ?2",
            [id, caller.key.api_key.as_str()],
        )
        .map_err(store)?;
    if removed == 0 {
        return Err(ApiError::Query(QueryError::UnknownExport));
    }
    Ok(if how == "delete" {
        RemoveExportResult {
            delete: Some(true),
            cancel: None,
        }
    } else {
        RemoveExportResult {
            delete: None,
            cancel: Some(true),
        }
    })
}
