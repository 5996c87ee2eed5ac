//! What open orders hold ([`held`]) and what an asset can still pay for ([`spendable`]): read by
//! the exchange's trading and funding calls, and by a withdrawal's completion, so funds an order
//! holds leave by no path.

use std::collections::HashMap;

use rusqlite::Connection;
use rust_decimal::Decimal;

use super::StoreError;
use crate::market::{self, AssetSpec};

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
    let fee_rate = market::taker_fee_rate();
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
    Ok(super::balance(conn, asset.code)? - held)
}
