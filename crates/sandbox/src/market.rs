//! The sandbox's market: the assets the demo account holds and the pairs it trades, with the
//! exchange's names for them, their withdrawal fees and a fixed reference price per pair.
//!
//! - [`AssetSpec`] / [`asset`]: an asset by any of its names (`BTC`, `XXBT`, `XBT`).
//! - [`PairSpec`] / [`pair`]: a pair by any of its names (`XXBTZUSD`, `XBTUSD`, `XBT/USD`).
//!
//! The Organization (policies, the address book, pending requests) names assets by their plain
//! code (`BTC`); the exchange's private API answers with its own names (`XXBT`), as the real one
//! does for legacy assets.

use rust_decimal::Decimal;

/// One asset.
#[derive(Debug)]
pub struct AssetSpec {
    /// The plain code the Organization uses (`BTC`).
    pub code: &'static str,
    /// The exchange's name, as `Balance` keys it (`XXBT`).
    pub name: &'static str,
    /// The exchange's alternate name (`XBT`).
    pub altname: &'static str,
    /// Scaling decimals.
    pub decimals: u32,
    /// Decimals shown.
    pub display_decimals: u32,
    /// The withdrawal method.
    pub withdraw_method: &'static str,
    /// Withdrawal fee, in the asset.
    pub withdraw_fee: &'static str,
    /// Smallest withdrawal.
    pub withdraw_min: &'static str,
    /// The deposit method.
    pub deposit_method: &'static str,
    /// A deposit address (the same for every call: the sandbox has one per asset).
    pub deposit_address: &'static str,
}

impl AssetSpec {
    /// The withdrawal fee as a decimal.
    pub fn fee(&self) -> Decimal {
        dec(self.withdraw_fee)
    }

    /// The smallest withdrawal as a decimal.
    pub fn min(&self) -> Decimal {
        dec(self.withdraw_min)
    }

    /// `amount` rounded to the asset's decimals, as the exchange stores amounts.
    pub fn scale(&self, amount: Decimal) -> Decimal {
        let mut a = amount.round_dp(self.decimals);
        a.rescale(self.decimals);
        a
    }
}

fn dec(s: &str) -> Decimal {
    // The tables below are literals checked by `every_literal_is_a_decimal`.
    s.parse().unwrap_or_default()
}

/// Every asset the sandbox knows, in display order.
pub const ASSETS: &[AssetSpec] = &[
    AssetSpec {
        code: "BTC",
        name: "XXBT",
        altname: "XBT",
        decimals: 10,
        display_decimals: 5,
        withdraw_method: "Bitcoin",
        withdraw_fee: "0.00015",
        withdraw_min: "0.0005",
        deposit_method: "Bitcoin",
        deposit_address: "bc1qsandboxdeposit0btc7k3m9x2v5q8w4e6r1t0y",
    },
    AssetSpec {
        code: "ETH",
        name: "XETH",
        altname: "ETH",
        decimals: 10,
        display_decimals: 5,
        withdraw_method: "Ether",
        withdraw_fee: "0.0035",
        withdraw_min: "0.005",
        deposit_method: "Ether (Hex)",
        deposit_address: "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984",
    },
    AssetSpec {
        code: "USDT",
        name: "USDT",
        altname: "USDT",
        decimals: 8,
        display_decimals: 4,
        withdraw_method: "Tether USD (ERC20)",
        withdraw_fee: "2.5",
        withdraw_min: "10",
        deposit_method: "Tether USD (ERC20)",
        deposit_address: "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",
    },
    AssetSpec {
        code: "USD",
        name: "ZUSD",
        altname: "USD",
        decimals: 4,
        display_decimals: 2,
        withdraw_method: "Bank Frick (Wire)",
        withdraw_fee: "5",
        withdraw_min: "10",
        deposit_method: "Bank Frick (Wire)",
        deposit_address: "SANDBOX-USD-WIRE-REF-0001",
    },
    AssetSpec {
        code: "EUR",
        name: "ZEUR",
        altname: "EUR",
        decimals: 4,
        display_decimals: 2,
        withdraw_method: "SEPA",
        withdraw_fee: "0.09",
        withdraw_min: "1",
        deposit_method: "SEPA",
        deposit_address: "SANDBOX-EUR-SEPA-REF-0001",
    },
    AssetSpec {
        code: "SOL",
        name: "SOL",
        altname: "SOL",
        decimals: 10,
        display_decimals: 5,
        withdraw_method: "Solana",
        withdraw_fee: "0.001",
        withdraw_min: "0.05",
        deposit_method: "Solana",
        deposit_address: "7Np41oeYqPefeNQEHSv1UDhYrehxin3NStELsSKCT4K2",
    },
];

/// An asset by its code, exchange name or alternate name (case-sensitive, as the exchange).
pub fn asset(name: &str) -> Option<&'static AssetSpec> {
    ASSETS
        .iter()
        .find(|a| a.code == name || a.name == name || a.altname == name)
}

/// One trading pair.
#[derive(Debug)]
pub struct PairSpec {
    /// The exchange's name (`XXBTZUSD`).
    pub name: &'static str,
    /// Alternate name (`XBTUSD`).
    pub altname: &'static str,
    /// WebSocket name (`XBT/USD`).
    pub wsname: &'static str,
    /// Base asset code.
    pub base: &'static str,
    /// Quote asset code.
    pub quote: &'static str,
    /// Price decimals.
    pub pair_decimals: u32,
    /// Volume decimals.
    pub lot_decimals: u32,
    /// Smallest order volume.
    pub ordermin: &'static str,
    /// The fixed price the sandbox fills at (its documented fill model).
    pub reference_price: &'static str,
}

impl PairSpec {
    /// The reference price as a decimal.
    pub fn price(&self) -> Decimal {
        dec(self.reference_price)
    }

    /// The smallest order volume as a decimal.
    pub fn min_volume(&self) -> Decimal {
        dec(self.ordermin)
    }
}

/// Taker fee in percent, charged in the quote asset on every fill (one volume tier).
pub const TAKER_FEE_PERCENT: &str = "0.26";
/// The taker fee as a fraction (0.0026).
pub fn taker_fee_rate() -> Decimal {
    TAKER_FEE_PERCENT.parse::<Decimal>().unwrap_or_default() / Decimal::ONE_HUNDRED
}

/// Maker fee in percent (reported; the fill model fills every order as taker).
pub const MAKER_FEE_PERCENT: &str = "0.16";

/// Every pair the sandbox trades.
pub const PAIRS: &[PairSpec] = &[
    PairSpec {
        name: "XXBTZUSD",
        altname: "XBTUSD",
        wsname: "XBT/USD",
        base: "BTC",
        quote: "USD",
        pair_decimals: 1,
        lot_decimals: 8,
        ordermin: "0.0001",
        reference_price: "91250.0",
    },
    PairSpec {
        name: "XXBTZEUR",
        altname: "XBTEUR",
        wsname: "XBT/EUR",
        base: "BTC",
        quote: "EUR",
        pair_decimals: 1,
        lot_decimals: 8,
        ordermin: "0.0001",
        reference_price: "86400.0",
    },
    PairSpec {
        name: "XETHZUSD",
        altname: "ETHUSD",
        wsname: "ETH/USD",
        base: "ETH",
        quote: "USD",
        pair_decimals: 2,
        lot_decimals: 8,
        ordermin: "0.002",
        reference_price: "3050.00",
    },
    PairSpec {
        name: "XETHZEUR",
        altname: "ETHEUR",
        wsname: "ETH/EUR",
        base: "ETH",
        quote: "EUR",
        pair_decimals: 2,
        lot_decimals: 8,
        ordermin: "0.002",
        reference_price: "2890.00",
    },
    PairSpec {
        name: "XETHXXBT",
        altname: "ETHXBT",
        wsname: "ETH/XBT",
        base: "ETH",
        quote: "BTC",
        pair_decimals: 5,
        lot_decimals: 8,
        ordermin: "0.002",
        reference_price: "0.03342",
    },
    PairSpec {
        name: "SOLUSD",
        altname: "SOLUSD",
        wsname: "SOL/USD",
        base: "SOL",
        quote: "USD",
        pair_decimals: 2,
        lot_decimals: 8,
        ordermin: "0.02",
        reference_price: "142.35",
    },
    PairSpec {
        name: "SOLEUR",
        altname: "SOLEUR",
        wsname: "SOL/EUR",
        base: "SOL",
        quote: "EUR",
        pair_decimals: 2,
        lot_decimals: 8,
        ordermin: "0.02",
        reference_price: "134.80",
    },
    PairSpec {
        name: "USDTZUSD",
        altname: "USDTUSD",
        wsname: "USDT/USD",
        base: "USDT",
        quote: "USD",
        pair_decimals: 4,
        lot_decimals: 8,
        ordermin: "5",
        reference_price: "1.0002",
    },
];

/// The reference price of one unit of `asset` (the Organization's code) in US dollars: 1 for
/// USD, its `<asset>/USD` pair's otherwise; `None` where no pair prices it.
pub fn usd_price(asset: &str) -> Option<Decimal> {
    if asset == "USD" {
        return Some(Decimal::ONE);
    }
    PAIRS
        .iter()
        .find(|p| p.base == asset && p.quote == "USD")
        .map(PairSpec::price)
}

/// A pair by its name, alternate name or WebSocket name.
pub fn pair(name: &str) -> Option<&'static PairSpec> {
    PAIRS
        .iter()
        .find(|p| p.name == name || p.altname == name || p.wsname == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_literal_is_a_decimal_and_every_pair_names_known_assets() {
        for a in ASSETS {
            for s in [a.withdraw_fee, a.withdraw_min] {
                assert!(s.parse::<Decimal>().is_ok(), "{}: {s}", a.code);
            }
            assert!(
                a.fee() < a.min(),
                "{}: the fee must be below the minimum",
                a.code
            );
        }
        for p in PAIRS {
            assert!(p.reference_price.parse::<Decimal>().is_ok(), "{}", p.name);
            assert!(p.ordermin.parse::<Decimal>().is_ok(), "{}", p.name);
            assert!(
                asset(p.base).is_some() && asset(p.quote).is_some(),
                "{}",
                p.name
            );
        }
        for s in [TAKER_FEE_PERCENT, MAKER_FEE_PERCENT] {
            assert!(s.parse::<Decimal>().is_ok());
        }
    }

    #[test]
    fn assets_and_pairs_are_found_by_every_name() {
        for n in ["BTC", "XXBT", "XBT"] {
            assert_eq!(asset(n).map(|a| a.code), Some("BTC"), "{n}");
        }
        assert_eq!(asset("ZUSD").map(|a| a.code), Some("USD"));
        assert!(asset("btc").is_none());
        for n in ["XXBTZUSD", "XBTUSD", "XBT/USD"] {
            assert_eq!(pair(n).map(|p| p.name), Some("XXBTZUSD"), "{n}");
        }
        assert!(pair("DOGEUSD").is_none());
    }
}
