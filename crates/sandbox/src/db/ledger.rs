//! Balances and the ledger: [`LedgerEntry`] lines posted per asset and wallet, each carrying the
//! running balance, and movements that refuse to go negative.

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::StoreError;

pub(crate) fn set_balance(tx: &Connection, asset: &str, amount: Decimal) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO balances (asset, amount) VALUES (?1, ?2) ON CONFLICT(asset) DO UPDATE SET amount = excluded.amount",
    )?
    .execute(params![asset, amount.to_string()])?;
    Ok(())
}

pub(crate) fn balance(conn: &Connection, asset: &str) -> Result<Decimal, StoreError> {
    let s: Option<String> = conn
        .prepare_cached("SELECT amount FROM balances WHERE asset = ?1")?
        .query_row([asset], |r| r.get(0))
        .optional()?;
    s.map_or(Ok(Decimal::ZERO), |s| {
        s.parse().map_err(|_| StoreError::Corrupt("balance"))
    })
}

/// Every asset's spot balance, in one read.
pub(crate) fn balances(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, Decimal>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT asset, amount FROM balances")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (asset, amount) = row?;
        out.insert(
            asset,
            amount.parse().map_err(|_| StoreError::Corrupt("balance"))?,
        );
    }
    Ok(out)
}

/// One ledger line as the exchange reports it: `balance = previous + amount - fee`, per asset and
/// wallet.
#[derive(Debug)]
pub(crate) struct LedgerEntry<'a> {
    pub refid: &'a str,
    pub time: i64,
    pub kind: &'a str,
    pub subtype: &'a str,
    pub asset: &'a str,
    pub wallet: &'a str,
    pub amount: Decimal,
    pub fee: Decimal,
    pub balance: Decimal,
}

/// The spot wallet, where balances live unless allocated to Earn.
pub(crate) const SPOT_WALLET: &str = "spot / main";

/// Posts a ledger entry and returns its ledger id.
pub(crate) fn post_ledger(tx: &Connection, e: &LedgerEntry<'_>) -> Result<String, StoreError> {
    let id = crate::ids::ledger_id();
    tx.prepare_cached(
        "INSERT INTO ledger (id, refid, time, type, subtype, asset, amount, fee, balance, aclass, wallet) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'currency', ?10)",
    )?
    .execute(params![
        id,
        e.refid,
        e.time,
        e.kind,
        e.subtype,
        e.asset,
        e.amount.to_string(),
        e.fee.to_string(),
        e.balance.to_string(),
        e.wallet
    ])?;
    Ok(id)
}

/// The transaction id of a sent withdrawal: the sandbox sends nothing on a network, so its own.
pub(crate) fn sent_txid(request_id: &str) -> String {
    format!("sandbox-{request_id}")
}

/// A completed withdrawal at the exchange: its ledger entries (the refid is the request's id),
/// checked against what was `approved` (asset, amount, fee), and the transaction id
/// `WithdrawStatus` reports once it is sent.
pub(crate) fn settlement(
    conn: &Connection,
    request: &countersign_org::RequestId,
    approved: (&str, Decimal, Decimal),
) -> Result<countersign_org::Settlement, StoreError> {
    use countersign_org::{SettledEntry, Settlement};
    // Every withdrawal entry with its refid: one is a settlement, two a double payout.
    let rows = conn
        .prepare_cached(
            "SELECT id, time, amount, fee, balance, asset FROM ledger
             WHERE refid = ?1 AND type = 'withdrawal' ORDER BY time, rowid",
        )?
        .query_map([&request.0], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let decimal = |text: &str| {
        text.parse::<Decimal>()
            .map(|d| d.normalize())
            .map_err(|_| StoreError::Corrupt("ledger amount"))
    };
    let entries = rows
        .into_iter()
        .map(|(id, time, amount, fee, balance, asset)| {
            Ok::<_, StoreError>(SettledEntry {
                id,
                time,
                asset,
                amount: decimal(&amount)?,
                fee: decimal(&fee)?,
                balance: decimal(&balance)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The transaction id as `WithdrawStatus` reports it for a completed withdrawal.
    let txid = (!entries.is_empty()).then(|| sent_txid(&request.0));
    Ok(Settlement::of(request.0.clone(), txid, entries, approved))
}

/// Moves `asset`'s spot balance by `amount - fee` and posts the entry; refuses to go negative.
pub(crate) fn post_movement(
    tx: &Connection,
    refid: &str,
    time: i64,
    (kind, subtype): (&str, &str),
    asset: &str,
    amount: Decimal,
    fee: Decimal,
) -> Result<String, crate::ApplyError> {
    let after = balance(tx, asset)? + amount - fee;
    if after.is_sign_negative() {
        return Err(crate::ApplyError::InsufficientFunds);
    }
    set_balance(tx, asset, after)?;
    Ok(post_ledger(
        tx,
        &LedgerEntry {
            refid,
            time,
            kind,
            subtype,
            asset,
            wallet: SPOT_WALLET,
            amount,
            fee,
            balance: after,
        },
    )?)
}
