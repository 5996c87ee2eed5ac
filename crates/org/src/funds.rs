//! A withdrawal against the account **(extension)**: the asset's balance now and after it, and
//! what it is worth where the org API knows a price ([`FundsView`]). Shown in a pending
//! withdrawal's detail, where custody users expect them.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A pending withdrawal against the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FundsView {
    /// The asset's balance now.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub balance_now: Decimal,
    /// The balance once the amount and fee leave (negative: it would not complete now).
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub balance_after: Decimal,
    /// What the amount is worth, where a price is known.
    pub value: Option<FiatValue>,
}

/// An amount's worth in a fiat currency, at a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FiatValue {
    /// The worth, in cents (two decimals, half to even): an estimate, not an amount moved.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub amount: Decimal,
    /// The currency (`USD`).
    pub currency: String,
    /// The price used, in `currency` per unit of the asset.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub price: Decimal,
}

impl FundsView {
    /// A withdrawal of `amount` with `fee` from a `balance`, worth `price` per unit in
    /// `currency` where known.
    pub fn of(
        balance: Decimal,
        (amount, fee): (Decimal, Decimal),
        price: Option<(Decimal, &str)>,
    ) -> Self {
        // Balances are kept padded (`915400.2000`); shown as amounts are, without trailing zeros.
        Self {
            balance_now: balance.normalize(),
            balance_after: (balance - amount - fee).normalize(),
            value: price.map(|(price, currency)| FiatValue {
                amount: (amount * price)
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
                    .normalize(),
                currency: currency.to_owned(),
                price: price.normalize(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn the_balance_after_counts_the_fee_and_the_value_rounds_to_cents() {
        let f = FundsView::of(
            dec!(10),
            (dec!(2.5), dec!(0.00015)),
            Some((dec!(91250.0), "USD")),
        );
        assert_eq!(f.balance_after, dec!(7.49985));
        let padded = FundsView::of(dec!(915400.2000), (dec!(86500), dec!(0.09)), None);
        assert_eq!(
            (
                padded.balance_now.to_string(),
                padded.balance_after.to_string()
            ),
            ("915400.2".to_owned(), "828900.11".to_owned()),
            "no padding shown"
        );
        let value = f.value.expect("priced");
        assert_eq!(
            (value.amount, value.currency.as_str()),
            (dec!(228125), "USD")
        );
        // Half to even at the cent.
        let odd = FundsView::of(dec!(1), (dec!(0.00001), dec!(0)), Some((dec!(1250), "USD")));
        assert_eq!(odd.value.expect("priced").amount, dec!(0.01));
        let short = FundsView::of(dec!(1), (dec!(2), dec!(0.1)), None);
        assert_eq!((short.balance_after, short.value), (dec!(-1.1), None));
    }
}
