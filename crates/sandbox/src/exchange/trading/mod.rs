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
//!
//! [`placing`] places and cancels orders; [`queries`] reads orders and trades back. What both
//! use (the funds orders hold, number and time forms, order descriptions) is here.

mod placing;
mod queries;

pub(super) use placing::{add_order, cancel_order};
pub(super) use queries::{closed_orders, open_orders, trades_history};

use countersign_kraken::rest::OrderSide;
use countersign_kraken::{ApiError, Timestamp};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;

use crate::auth::{Caller, internal};
use crate::db::StoreError;
use crate::market::{self, AssetSpec, PairSpec};

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
    Timestamp::from_unix_seconds(secs).unwrap_or_default()
}

/// `d` rounded to `dp` decimals and written with exactly that many.
fn scaled(d: Decimal, dp: u32) -> Decimal {
    let mut d = d.round_dp(dp);
    d.rescale(dp);
    d
}

/// The taker fee as a fraction.
fn fee_rate() -> Decimal {
    market::taker_fee_rate()
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
}
