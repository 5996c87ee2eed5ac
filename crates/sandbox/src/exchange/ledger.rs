//! `Ledgers` and `QueryLedgers`: the account's ledger, newest first, 50 entries a page, limited to
//! the calling key's query window (`query_from` / `query_to`).

use countersign_kraken::rest::{LedgerEntry, LedgerType, LedgersResult, QueryLedgersResult};
use countersign_kraken::{ApiError, Timestamp};
use rusqlite::types::Value;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;

use crate::auth::{Caller, internal};
use crate::market;
use crate::{Sandbox, db};

/// Entries per `Ledgers` page, as on the exchange.
pub const PAGE: i64 = 50;
/// Most ids `QueryLedgers` takes at once.
pub const QUERY_MAX: usize = 20;

/// The calling key's query window: queries see only entries inside it (0 = unbounded).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    from: i64,
    to: i64,
}

impl Window {
    pub(crate) fn of(caller: &Caller) -> Self {
        let s = &caller.key.spec.settings;
        Self {
            from: s.query_from,
            to: s.query_to,
        }
    }

    /// Whether an entry at `time` (unix seconds) is inside.
    pub(crate) fn admits(self, time: i64) -> bool {
        (self.from == 0 || time >= self.from) && (self.to == 0 || time <= self.to)
    }

    /// Whether the whole period `start..=end` (unix seconds) is inside.
    pub(crate) fn covers(self, start: i64, end: i64) -> bool {
        self.admits(start) && self.admits(end)
    }

    /// `(from, to)` as SQL bounds, unbounded ends widened.
    pub(crate) fn bounds(self) -> (i64, i64) {
        (self.from, if self.to == 0 { i64::MAX } else { self.to })
    }
}

/// A `start`/`end` bound: a unix time (fractions allowed) or a ledger id, resolved to its time.
fn bound(sandbox: &Sandbox, caller: &Caller, field: &str) -> Result<Option<i64>, ApiError> {
    let Some(text) = caller.param(field) else {
        return Ok(None);
    };
    if let Ok(t) = text.parse::<Decimal>() {
        return Ok(Some(t.trunc().to_i64().unwrap_or(i64::MAX)));
    }
    let conn = sandbox.conn();
    conn.prepare_cached("SELECT time FROM ledger WHERE id = ?1")
        .and_then(|mut s| s.query_row([text], |r| r.get::<_, i64>(0)))
        .map(Some)
        .map_err(|_| ApiError::InvalidArguments(Some(field.to_owned())))
}

const COLUMNS: &str = "id, refid, time, type, subtype, aclass, asset, amount, fee, balance";

/// A stored ledger row, as read.
struct Row {
    id: String,
    refid: String,
    time: i64,
    kind: String,
    subtype: String,
    aclass: String,
    asset: String,
    amount: String,
    fee: String,
    balance: String,
}

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        refid: r.get(1)?,
        time: r.get(2)?,
        kind: r.get(3)?,
        subtype: r.get(4)?,
        aclass: r.get(5)?,
        asset: r.get(6)?,
        amount: r.get(7)?,
        fee: r.get(8)?,
        balance: r.get(9)?,
    })
}

fn to_wire(row: Row) -> Result<(String, LedgerEntry), ApiError> {
    let Row {
        id,
        refid,
        time,
        kind,
        subtype,
        aclass,
        asset: code,
        amount,
        fee,
        balance,
    } = row;
    let a =
        market::asset(&code).ok_or_else(|| internal(db::StoreError::Corrupt("ledger asset")))?;
    let num = |s: &str| {
        s.parse::<Decimal>()
            .map(|d| a.scale(d))
            .map_err(|_| internal(db::StoreError::Corrupt("ledger decimal")))
    };
    Ok((
        id,
        LedgerEntry {
            refid,
            time: Timestamp::from_unix_seconds(time).unwrap_or_default(),
            r#type: LedgerType::parse(&kind),
            subtype: Some(subtype),
            aclass,
            asset: a.name.to_owned(),
            amount: num(&amount)?,
            fee: num(&fee)?,
            balance: num(&balance)?,
        },
    ))
}

pub(super) fn ledgers(sandbox: &Sandbox, caller: &Caller) -> Result<LedgersResult, ApiError> {
    let (from, to) = Window::of(caller).bounds();
    let mut clauses = vec!["time >= ?".to_owned(), "time <= ?".to_owned()];
    let mut args: Vec<Value> = vec![from.into(), to.into()];
    if let Some(list) = caller.param("asset").filter(|a| *a != "all") {
        let mut codes = Vec::new();
        for name in list.split(',').map(str::trim) {
            let a = market::asset(name)
                .ok_or_else(|| ApiError::InvalidArguments(Some("asset".into())))?;
            codes.push(a.code);
        }
        clauses.push(format!("asset IN ({})", vec!["?"; codes.len()].join(",")));
        args.extend(codes.into_iter().map(|c| Value::from(c.to_owned())));
    }
    if let Some(aclass) = caller.param("aclass")
        && aclass != "currency"
    {
        // The sandbox holds currencies only.
        clauses.push("0".into());
    }
    if let Some(kind) = caller.param("type").filter(|t| *t != "all") {
        if !LedgerType::parse(kind).is_known() {
            return Err(ApiError::InvalidArguments(Some("type".into())));
        }
        clauses.push("type = ?".into());
        args.push(kind.to_owned().into());
    }
    if let Some(start) = bound(sandbox, caller, "start")? {
        clauses.push("time > ?".into());
        args.push(start.into());
    }
    if let Some(end) = bound(sandbox, caller, "end")? {
        clauses.push("time <= ?".into());
        args.push(end.into());
    }
    let ofs: i64 = super::optional(caller, "ofs")?.unwrap_or(0);
    if ofs < 0 {
        return Err(ApiError::InvalidArguments(Some("ofs".into())));
    }
    let without_count = matches!(caller.param("without_count"), Some("true" | "1"));
    let filter = clauses.join(" AND ");
    let conn = sandbox.conn();
    let store = |e: rusqlite::Error| internal(e.into());
    let count: i64 = if without_count {
        0
    } else {
        conn.prepare_cached(&format!("SELECT COUNT(*) FROM ledger WHERE {filter}"))
            .map_err(store)?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))
            .map_err(store)?
    };
    let mut page_args = args.clone();
    page_args.push(PAGE.into());
    page_args.push(ofs.into());
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM ledger WHERE {filter} ORDER BY time DESC, rowid DESC LIMIT ? OFFSET ?"
        ))
        .map_err(store)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(page_args.iter()), entry)
        .map_err(store)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(store)?;
    Ok(LedgersResult {
        ledger: rows.into_iter().map(to_wire).collect::<Result<_, _>>()?,
        count: (!without_count).then(|| u64::try_from(count).unwrap_or(0)),
    })
}

pub(super) fn query_ledgers(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<QueryLedgersResult, ApiError> {
    let ids: Vec<&str> = super::required(caller, "id")?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > QUERY_MAX {
        return Err(ApiError::InvalidArguments(Some("id".into())));
    }
    let window = Window::of(caller);
    let conn = sandbox.conn();
    let store = |e: rusqlite::Error| internal(e.into());
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM ledger WHERE id = ?1"))
        .map_err(store)?;
    let mut out = Vec::new();
    for id in ids {
        let Some(row) =
            rusqlite::OptionalExtension::optional(stmt.query_row([id], entry)).map_err(store)?
        else {
            return Err(ApiError::InvalidArguments(Some("id".into())));
        };
        // An entry outside the key's window does not exist for that key.
        if !window.admits(row.time) {
            return Err(ApiError::InvalidArguments(Some("id".into())));
        }
        out.push(to_wire(row)?);
    }
    Ok(QueryLedgersResult(out.into_iter().collect()))
}
