//! Earn: `Earn/Strategies`, `Earn/Allocations`, `Earn/Allocate`, `Earn/Deallocate` and their
//! status calls.
//!
//! The sandbox offers one flexible strategy per asset among ETH, SOL and USDT: lock type
//! `instant` (what the exchange's UI calls flexible), fixed APR estimates, no fees, a minimum
//! (de)allocation of [`MIN_ALLOCATION_USD`] USD. Strategy ids are shaped like the exchange's and
//! derived from the asset alone, so they are the same in every sandbox and across restarts.
//!
//! (De)allocations are asynchronous on the exchange; here they complete inside the call, so the
//! status calls always answer `{"pending": false}` and a refusal (insufficient funds, below the
//! minimum) is the error of the (de)allocation call itself, with the exchange's strings.
//! Allocating moves the amount out of the spot balance — ledger type `earn`, subtype `allocation`,
//! a negative amount — and deallocating moves it back (`deallocation`); each is recorded in
//! `earn_operations`, and a strategy's allocation is its allocations less its deallocations. Only
//! the spendable balance (balance − what open orders hold) can be allocated.
//!
//! `Earn/Allocations` values amounts in `converted_asset` (default USD) at the pairs' reference
//! prices, and reports as rewarded the asset's `earn`/`reward` ledger entries.

use std::collections::HashSet;

use countersign_kraken::ApiError;
use countersign_kraken::rest::{
    AmountAllocated, AprEstimate, AutoCompound, EarnAllocateRequest, EarnAllocateStatusRequest,
    EarnAllocation, EarnAllocations, EarnAllocationsRequest, EarnAmount, EarnDeallocateRequest,
    EarnDeallocateStatusRequest, EarnOperationStatus, EarnStrategies, EarnStrategiesRequest,
    EarnStrategy, LockKind, LockType, YieldSource,
};
use rusqlite::{Connection, params};
use rust_decimal::Decimal;

use super::required;
use super::trading::request;
use crate::auth::{Caller, internal};
use crate::db::{self, StoreError};
use crate::market::{self, AssetSpec};
use crate::{ApplyError, Sandbox, ids};

/// Smallest (de)allocation, in USD at reference prices.
pub const MIN_ALLOCATION_USD: &str = "1";

/// Seconds between reward payouts (weekly).
const PAYOUT_FREQUENCY: u64 = 604_800;

/// One strategy the sandbox offers.
#[derive(Debug)]
struct StrategySpec {
    /// The asset's plain code.
    asset: &'static str,
    apr_low: &'static str,
    apr_high: &'static str,
    /// `staking` or `off_chain`.
    yield_source: &'static str,
}

const STRATEGIES: &[StrategySpec] = &[
    StrategySpec {
        asset: "ETH",
        apr_low: "2.0000",
        apr_high: "3.5000",
        yield_source: "staking",
    },
    StrategySpec {
        asset: "SOL",
        apr_low: "5.5000",
        apr_high: "7.5000",
        yield_source: "staking",
    },
    StrategySpec {
        asset: "USDT",
        apr_low: "4.0000",
        apr_high: "5.5000",
        yield_source: "off_chain",
    },
];

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The strategy id for `asset`, shaped like the exchange's (`ESRFUO3-Q62XD-WIOIL7`): FNV-1a of
/// the asset code seeds a 64-bit LCG that picks the characters. A pure function of the code.
fn strategy_id(asset: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("countersign-sandbox/earn/{asset}").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let chars: String = (0..17)
        .map(|_| {
            h = h
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(BASE32[usize::try_from(h >> 59).unwrap_or(0)])
        })
        .collect();
    format!("E{}-{}-{}", &chars[..6], &chars[6..11], &chars[11..])
}

/// A strategy by id, with its asset.
fn strategy(id: &str) -> Option<(&'static StrategySpec, &'static AssetSpec)> {
    STRATEGIES
        .iter()
        .find(|s| strategy_id(s.asset) == id)
        .and_then(|s| Some((s, market::asset(s.asset)?)))
}

fn invalid_strategy() -> ApiError {
    ApiError::InvalidArguments(Some("Invalid strategy ID".into()))
}

fn insufficient() -> ApiError {
    ApiError::Other(
        "EEarnings:Insufficient funds:Insufficient funds to complete the (de)allocation request"
            .into(),
    )
}

fn below_min() -> ApiError {
    ApiError::Other("EEarnings:Below min:(De)allocation operation amount less than minimum".into())
}

fn store(e: rusqlite::Error) -> ApiError {
    internal(e.into())
}

fn dec(s: &str) -> Result<Decimal, ApiError> {
    s.parse()
        .map_err(|_| internal(StoreError::Corrupt("earn decimal")))
}

/// What one unit of `from` is worth in `to` at the pairs' reference prices, through as many
/// pairs as it takes (`None` when no chain of pairs links them).
fn rate(from: &str, to: &str) -> Option<Decimal> {
    let mut seen: HashSet<&str> = HashSet::from([from]);
    let mut frontier: Vec<(&str, Decimal)> = vec![(from, Decimal::ONE)];
    while !frontier.is_empty() {
        if let Some((_, r)) = frontier.iter().find(|(code, _)| *code == to) {
            return Some(*r);
        }
        let mut next = Vec::new();
        for (code, r) in frontier {
            for p in market::PAIRS {
                let step = if p.base == code {
                    Some((p.quote, r * p.price()))
                } else if p.quote == code && !p.price().is_zero() {
                    Some((p.base, r / p.price()))
                } else {
                    None
                };
                if let Some((other, r)) = step
                    && seen.insert(other)
                {
                    next.push((other, r));
                }
            }
        }
        frontier = next;
    }
    None
}

fn usd() -> Result<&'static AssetSpec, ApiError> {
    market::asset("USD").ok_or(ApiError::InternalError)
}

/// What is allocated to strategy `id`: its allocations less its deallocations.
fn allocated(conn: &Connection, id: &str) -> Result<(bool, Decimal), ApiError> {
    let mut stmt = conn
        .prepare_cached("SELECT kind, amount FROM earn_operations WHERE strategy_id = ?1")
        .map_err(store)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(store)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(store)?;
    let mut total = Decimal::ZERO;
    for (kind, amount) in &rows {
        let amount = dec(amount)?;
        total += if kind == "allocate" { amount } else { -amount };
    }
    Ok((!rows.is_empty(), total))
}

/// Rewards ever paid in `asset`: its `earn`/`reward` ledger entries.
fn rewarded(conn: &Connection, asset: &str) -> Result<Decimal, ApiError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT amount FROM ledger WHERE type = 'earn' AND subtype = 'reward' AND asset = ?1",
        )
        .map_err(store)?;
    let amounts = stmt
        .query_map([asset], |r| r.get::<_, String>(0))
        .map_err(store)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(store)?;
    amounts.iter().map(|a| dec(a)).sum()
}

/// Items sorted by strategy id, descending unless `ascending`.
fn sorted<T>(mut items: Vec<(String, T)>, ascending: Option<bool>) -> Vec<T> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    if ascending != Some(true) {
        items.reverse();
    }
    items.into_iter().map(|(_, t)| t).collect()
}

/// `Earn/Strategies`. Paging is not implemented on the exchange either: one page holds all.
pub(super) fn strategies(caller: &Caller) -> Result<EarnStrategies, ApiError> {
    let req: EarnStrategiesRequest = request(caller)?;
    let wanted_asset = req
        .asset
        .filter(|a| !a.is_empty())
        .map(|name| market::asset(&name).map(|a| a.code));
    let lock_ok = req
        .lock_type
        .is_none_or(|kinds| kinds.iter().any(|k| k == LockKind::Instant.as_str()));
    let min = dec(MIN_ALLOCATION_USD)?;
    let items = STRATEGIES
        .iter()
        .filter(|s| lock_ok && wanted_asset.is_none_or(|w| w == Some(s.asset)))
        .map(|s| {
            let a = market::asset(s.asset).ok_or(ApiError::InternalError)?;
            let id = strategy_id(s.asset);
            Ok((
                id.clone(),
                EarnStrategy {
                    id,
                    asset: a.altname.to_owned(),
                    lock_type: LockType {
                        r#type: LockKind::Instant,
                        payout_frequency: Some(PAYOUT_FREQUENCY),
                        bonding_period: None,
                        bonding_period_variable: None,
                        bonding_rewards: None,
                        exit_queue_period: None,
                        unbonding_period: None,
                        unbonding_period_variable: None,
                        unbonding_rewards: None,
                    },
                    apr_estimate: Some(AprEstimate {
                        low: dec(s.apr_low)?,
                        high: dec(s.apr_high)?,
                    }),
                    user_min_allocation: Some(min),
                    user_cap: None,
                    allocation_fee: Decimal::new(0, 4),
                    deallocation_fee: Decimal::new(0, 4),
                    auto_compound: AutoCompound {
                        r#type: "enabled".into(),
                        default: None,
                    },
                    yield_source: YieldSource {
                        r#type: s.yield_source.into(),
                    },
                    can_allocate: true,
                    can_deallocate: true,
                    allocation_restriction_info: Vec::new(),
                },
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(EarnStrategies {
        items: sorted(items, req.ascending),
        next_cursor: None,
    })
}

/// `Earn/Allocations`: every strategy the account has used (allocated to, or been rewarded by).
pub(super) fn allocations(sandbox: &Sandbox, caller: &Caller) -> Result<EarnAllocations, ApiError> {
    let req: EarnAllocationsRequest = request(caller)?;
    let target = match req.converted_asset.as_deref().filter(|a| !a.is_empty()) {
        None => usd()?,
        Some(name) => market::asset(name)
            .ok_or_else(|| ApiError::InvalidArguments(Some("converted_asset".into())))?,
    };
    let conn = sandbox.conn();
    let (mut total_allocated, mut total_rewarded) = (Decimal::ZERO, Decimal::ZERO);
    let mut items = Vec::new();
    for s in STRATEGIES {
        let a = market::asset(s.asset).ok_or(ApiError::InternalError)?;
        let id = strategy_id(s.asset);
        let (used, native) = allocated(&conn, &id)?;
        let rewards = rewarded(&conn, a.code)?;
        if (!used && rewards.is_zero())
            || (req.hide_zero_allocations == Some(true) && native.is_zero())
        {
            continue;
        }
        let r = rate(a.code, target.code).ok_or(ApiError::InternalError)?;
        let amount = |n: Decimal| EarnAmount {
            native: a.scale(n),
            converted: target.scale(n * r),
        };
        total_allocated += native * r;
        total_rewarded += rewards * r;
        items.push((
            id.clone(),
            EarnAllocation {
                strategy_id: id,
                native_asset: a.altname.to_owned(),
                amount_allocated: AmountAllocated {
                    bonding: None,
                    exit_queue: None,
                    pending: None,
                    total: amount(native),
                    unbonding: None,
                },
                payout: None,
                total_rewarded: amount(rewards),
            },
        ));
    }
    Ok(EarnAllocations {
        converted_asset: target.altname.to_owned(),
        total_allocated: target.scale(total_allocated),
        total_rewarded: target.scale(total_rewarded),
        next_cursor: None,
        items: sorted(items, req.ascending),
    })
}

/// A checked (de)allocation amount: positive, within the asset's decimals, worth the minimum.
fn amount_param(caller: &Caller) -> Result<Decimal, ApiError> {
    required(caller, "strategy_id")?;
    required(caller, "amount")?
        .trim()
        .parse::<Decimal>()
        .map_err(|_| ApiError::InvalidArguments(Some("amount".into())))
}

fn check_amount(a: &AssetSpec, amount: Decimal) -> Result<(), ApiError> {
    if amount <= Decimal::ZERO || amount.normalize().scale() > a.decimals {
        return Err(ApiError::InvalidArguments(Some("amount".into())));
    }
    let worth = amount * rate(a.code, usd()?.code).ok_or(ApiError::InternalError)?;
    if worth < dec(MIN_ALLOCATION_USD)? {
        return Err(below_min());
    }
    Ok(())
}

/// Records a completed (de)allocation and moves the spot balance.
fn operate(
    sandbox: &Sandbox,
    strategy_id: &str,
    amount: Decimal,
    allocate: bool,
) -> Result<bool, ApiError> {
    let (_, a) = strategy(strategy_id).ok_or_else(invalid_strategy)?;
    check_amount(a, amount)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let available = if allocate {
        db::spendable(&conn, a).map_err(internal)?
    } else {
        allocated(&conn, strategy_id)?.1
    };
    if amount > available {
        return Err(insufficient());
    }
    let refid = ids::refid();
    let (kind, subtype, moved) = if allocate {
        ("allocate", "allocation", -amount)
    } else {
        ("deallocate", "deallocation", amount)
    };
    let tx = conn.transaction().map_err(store)?;
    tx.execute(
        "INSERT INTO earn_operations (refid, kind, strategy_id, asset, amount, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![refid, kind, strategy_id, a.code, amount.to_string(), now],
    )
    .map_err(store)?;
    db::post_movement(
        &tx,
        &refid,
        now,
        ("earn", subtype),
        a.code,
        moved,
        Decimal::ZERO,
    )
    .map_err(|e| match e {
        ApplyError::InsufficientFunds => insufficient(),
        ApplyError::Store(s) => internal(s),
        ApplyError::Payload(_) | ApplyError::UnknownAsset => ApiError::InternalError,
    })?;
    tx.commit().map_err(store)?;
    Ok(true)
}

/// `Earn/Allocate`: `true` once done (at once, in the sandbox).
pub(super) fn allocate(sandbox: &Sandbox, caller: &Caller) -> Result<bool, ApiError> {
    amount_param(caller)?;
    let req: EarnAllocateRequest = request(caller)?;
    operate(sandbox, &req.strategy_id, req.amount, true)
}

/// `Earn/Deallocate`: `true` once done (at once, in the sandbox).
pub(super) fn deallocate(sandbox: &Sandbox, caller: &Caller) -> Result<bool, ApiError> {
    amount_param(caller)?;
    let req: EarnDeallocateRequest = request(caller)?;
    operate(sandbox, &req.strategy_id, req.amount, false)
}

/// `Earn/AllocateStatus`: never pending, since allocations complete inside the call.
pub(super) fn allocate_status(caller: &Caller) -> Result<EarnOperationStatus, ApiError> {
    let req: EarnAllocateStatusRequest = request(caller)?;
    strategy(&req.strategy_id).ok_or_else(invalid_strategy)?;
    Ok(EarnOperationStatus { pending: false })
}

/// `Earn/DeallocateStatus`: never pending, since deallocations complete inside the call.
pub(super) fn deallocate_status(caller: &Caller) -> Result<EarnOperationStatus, ApiError> {
    let req: EarnDeallocateStatusRequest = request(caller)?;
    strategy(&req.strategy_id).ok_or_else(invalid_strategy)?;
    Ok(EarnOperationStatus { pending: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_ids_are_fixed_distinct_and_shaped_like_the_exchanges() {
        let ids: Vec<String> = STRATEGIES.iter().map(|s| strategy_id(s.asset)).collect();
        for id in &ids {
            let groups: Vec<&str> = id.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [7, 5, 6]
            );
            assert!(id.starts_with('E'));
            assert!(id.bytes().all(|b| b == b'-' || BASE32.contains(&b)), "{id}");
        }
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        // Pinned: clients may have stored them.
        assert_eq!(ids, PINNED_IDS);
    }

    const PINNED_IDS: [&str; 3] = [
        "EWJG6BC-TOE2F-GHCLTP", // ETH
        "ER56V7M-XKFE7-2TWTNV", // SOL
        "EVIJOOR-TOZDS-XTECR4", // USDT
    ];

    #[test]
    fn rates_follow_chains_of_reference_prices() {
        assert_eq!(rate("ETH", "ETH"), Some(Decimal::ONE));
        assert_eq!(rate("ETH", "USD"), Some(Decimal::from(3050)));
        assert_eq!(rate("USDT", "USD"), Some(Decimal::new(10_002, 4)));
        // No USD/EUR pair: through BTC, the first pair found.
        let usd_in_eur = rate("USD", "EUR").expect("a chain of pairs");
        assert_eq!(
            usd_in_eur.round_dp(8),
            (Decimal::from(86_400) / Decimal::from(91_250)).round_dp(8)
        );
    }
}
