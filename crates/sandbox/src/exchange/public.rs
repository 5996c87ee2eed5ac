//! The public calls: `Time`, `Assets`, `AssetPairs` (query string on GET, form body on POST).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Json, Response};
use chrono::DateTime;
use countersign_kraken::rest::{AssetInfo, AssetPairInfo, FeeTier, TimeResult};
use countersign_kraken::{ApiError, Envelope, QueryError};
use indexmap::IndexMap;
use rust_decimal::Decimal;

use crate::Sandbox;
use crate::market::{self, AssetSpec, PairSpec};

pub(super) async fn call(
    State(sandbox): State<Sandbox>,
    Path(call): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let mut params = query;
    if let Ok(form) = serde_urlencoded::from_str::<HashMap<String, String>>(&body) {
        params.extend(form);
    }
    let answer = match call.as_str() {
        "Time" => serde_json::to_value(time(sandbox.now())).map_err(|_| ApiError::InternalError),
        "Assets" => assets(&params)
            .and_then(|v| serde_json::to_value(v).map_err(|_| ApiError::InternalError)),
        "AssetPairs" => pairs(&params)
            .and_then(|v| serde_json::to_value(v).map_err(|_| ApiError::InternalError)),
        _ => Err(super::unknown_method()),
    };
    match answer {
        Ok(v) => Json(Envelope::ok(v)).into_response(),
        Err(e) => Json(Envelope::<()>::err(&e)).into_response(),
    }
}

/// `Time`: unix seconds and the exchange's RFC 1123 rendering (`Thu, 06 Jul 23 18:50:48 +0000`,
/// a two-digit year).
pub(crate) fn time(now: i64) -> TimeResult {
    // The sandbox's clock is after 1970 and far inside chrono's range; the fallback is the epoch.
    let at = DateTime::from_timestamp(now, 0).unwrap_or_default();
    TimeResult {
        unixtime: u64::try_from(now).unwrap_or(0),
        rfc1123: at.format("%a, %d %b %y %H:%M:%S +0000").to_string(),
    }
}

/// A comma-separated filter of names, or everything when absent or `all`.
fn wanted<'p>(params: &'p HashMap<String, String>, field: &str) -> Option<Vec<&'p str>> {
    params
        .get(field)
        .map(String::as_str)
        .filter(|v| !v.is_empty() && *v != "all")
        .map(|v| v.split(',').map(str::trim).collect())
}

fn asset_info(a: &AssetSpec) -> AssetInfo {
    AssetInfo {
        aclass: "currency".into(),
        altname: a.altname.into(),
        decimals: a.decimals,
        display_decimals: a.display_decimals,
        collateral_value: None,
        status: Some("enabled".into()),
    }
}

fn assets(params: &HashMap<String, String>) -> Result<IndexMap<String, AssetInfo>, ApiError> {
    let Some(names) = wanted(params, "asset") else {
        return Ok(market::ASSETS
            .iter()
            .map(|a| (a.name.to_owned(), asset_info(a)))
            .collect());
    };
    names
        .into_iter()
        .map(|n| {
            market::asset(n)
                .map(|a| (a.name.to_owned(), asset_info(a)))
                .ok_or(ApiError::Query(QueryError::UnknownAsset))
        })
        .collect()
}

fn pair_info(p: &PairSpec) -> Result<AssetPairInfo, ApiError> {
    let base = market::asset(p.base).ok_or(ApiError::InternalError)?;
    let quote = market::asset(p.quote).ok_or(ApiError::InternalError)?;
    let percent = |s: &str| s.parse::<Decimal>().map_err(|_| ApiError::InternalError);
    Ok(AssetPairInfo {
        altname: p.altname.into(),
        wsname: Some(p.wsname.into()),
        aclass_base: "currency".into(),
        base: base.name.into(),
        aclass_quote: "currency".into(),
        quote: quote.name.into(),
        lot: Some("unit".into()),
        pair_decimals: p.pair_decimals,
        cost_decimals: quote.display_decimals.max(p.pair_decimals),
        lot_decimals: p.lot_decimals,
        lot_multiplier: 1,
        leverage_buy: Vec::new(),
        leverage_sell: Vec::new(),
        fees: vec![FeeTier {
            volume: Decimal::ZERO,
            percent_fee: percent(market::TAKER_FEE_PERCENT)?,
        }],
        fees_maker: vec![FeeTier {
            volume: Decimal::ZERO,
            percent_fee: percent(market::MAKER_FEE_PERCENT)?,
        }],
        fee_volume_currency: Some("ZUSD".into()),
        margin_call: Some(80),
        margin_stop: Some(40),
        ordermin: Some(p.min_volume()),
        costmin: Some(Decimal::new(5, 1)),
        tick_size: Some(Decimal::new(1, p.pair_decimals)),
        status: Some("online".into()),
        long_position_limit: None,
        short_position_limit: None,
    })
}

fn pairs(params: &HashMap<String, String>) -> Result<IndexMap<String, AssetPairInfo>, ApiError> {
    let Some(names) = wanted(params, "pair") else {
        return market::PAIRS
            .iter()
            .map(|p| Ok((p.name.to_owned(), pair_info(p)?)))
            .collect();
    };
    names
        .into_iter()
        .map(|n| {
            let p = market::pair(n).ok_or(ApiError::Query(QueryError::UnknownAssetPair))?;
            Ok((p.name.to_owned(), pair_info(p)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_renders_like_the_exchange() {
        // The official spec's example.
        let t = time(1_688_669_448);
        assert_eq!(t.rfc1123, "Thu, 06 Jul 23 18:50:48 +0000");
        assert_eq!(time(0).rfc1123, "Thu, 01 Jan 70 00:00:00 +0000");
        assert_eq!(time(951_782_400).rfc1123, "Tue, 29 Feb 00 00:00:00 +0000");
    }
}
