//! Public market data the client needs: server time, assets, asset pairs.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Serialize, Serializer};

use super::wire;

/// `Time` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeResult {
    /// Unix seconds.
    pub unixtime: u64,
    /// The same time as RFC 1123 text.
    pub rfc1123: String,
}

/// Query of `Assets`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetsRequest {
    /// Comma-delimited assets (default all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Asset class (default `currency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
}

/// One asset in `Assets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetInfo {
    /// Asset class (`currency`).
    pub aclass: String,
    /// Alternate name (`XBT` for `XXBT`).
    pub altname: String,
    /// Decimals kept for amounts.
    pub decimals: u32,
    /// Decimals shown.
    pub display_decimals: u32,
    /// Valuation as margin collateral (a JSON number).
    #[serde(
        default,
        with = "wire::number_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub collateral_value: Option<Decimal>,
    /// `enabled`, `deposit_only`, `withdrawal_only`, `funding_temporarily_disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Query of `AssetPairs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetPairsRequest {
    /// Comma-delimited pairs (default all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<String>,
    /// `currency` (default) or `tokenized_asset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass_base: Option<String>,
    /// `info` (default), `leverage`, `fees`, `margin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Only pairs available in this country (ISO 3166-1 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
}

/// One step of a fee schedule: from `volume` (in the fee volume currency) on, `percent_fee`.
/// On the wire a two-number array `[50000, 0.24]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeTier {
    /// 30-day volume from which the tier applies.
    pub volume: Decimal,
    /// Fee, percent.
    pub percent_fee: Decimal,
}

#[derive(Serialize, Deserialize)]
struct Num(#[serde(with = "wire::number")] Decimal);

impl Serialize for FeeTier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&Num(self.volume))?;
        t.serialize_element(&Num(self.percent_fee))?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for FeeTier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FeeTier;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[volume, percent fee]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FeeTier, A::Error> {
                let volume: Num = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let fee: Num = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(FeeTier {
                    volume: volume.0,
                    percent_fee: fee.0,
                })
            }
        }
        d.deserialize_seq(V)
    }
}

/// One pair in `AssetPairs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetPairInfo {
    /// Alternate name (`XBTUSD`).
    pub altname: String,
    /// WebSocket name (`XBT/USD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wsname: Option<String>,
    /// Base asset class.
    pub aclass_base: String,
    /// Base asset (`XXBT`).
    pub base: String,
    /// Quote asset class.
    pub aclass_quote: String,
    /// Quote asset (`ZUSD`).
    pub quote: String,
    /// Deprecated lot size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Price decimals.
    pub pair_decimals: u32,
    /// Cost decimals (quote asset).
    pub cost_decimals: u32,
    /// Volume decimals (base asset).
    pub lot_decimals: u32,
    /// Lot to currency volume multiplier.
    pub lot_multiplier: u32,
    /// Leverage available when buying.
    #[serde(default)]
    pub leverage_buy: Vec<u32>,
    /// Leverage available when selling.
    #[serde(default)]
    pub leverage_sell: Vec<u32>,
    /// Taker fee schedule.
    #[serde(default)]
    pub fees: Vec<FeeTier>,
    /// Maker fee schedule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fees_maker: Vec<FeeTier>,
    /// Volume discount currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_volume_currency: Option<String>,
    /// Margin call level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_call: Option<u32>,
    /// Liquidation level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_stop: Option<u32>,
    /// Minimum order volume (base asset).
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ordermin: Option<Decimal>,
    /// Minimum order cost (quote asset).
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub costmin: Option<Decimal>,
    /// Price increment.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub tick_size: Option<Decimal>,
    /// `online`, `cancel_only`, `post_only`, `limit_only`, `reduce_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Maximum long margin position (base asset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_position_limit: Option<u64>,
    /// Maximum short margin position (base asset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_position_limit: Option<u64>,
}
