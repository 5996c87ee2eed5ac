//! A completed withdrawal followed to settlement **(extension)**: what the exchange says of the
//! transfer (its refid, transaction id and state, as `WithdrawStatus` reports them) and the
//! ledger entry it posted, so an officer sees that what they approved is what left
//! ([`Settlement`]). The org API fills it in a completed withdrawal's view.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a completed withdrawal stands at the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SettlementState {
    /// Sent, and its ledger entry posted.
    Settled,
    /// Approved, but the exchange has not sent it (no ledger entry yet).
    Unsettled,
    /// The exchange failed to send it.
    Failed,
}

/// The ledger entry a withdrawal posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SettledEntry {
    /// The ledger entry's id.
    pub id: String,
    /// When it was posted, unix seconds.
    #[ts(type = "number")]
    pub time: i64,
    /// The asset it moved (the Organization's code).
    pub asset: String,
    /// The amount (negative: it left).
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub amount: Decimal,
    /// The fee charged.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub fee: Decimal,
    /// The asset's balance after it.
    #[serde(with = "rust_decimal::serde::str")]
    #[ts(type = "string")]
    pub balance: Decimal,
}

/// A completed withdrawal at the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Settlement {
    /// Where it stands.
    pub state: SettlementState,
    /// The exchange's reference of the transfer (`WithdrawStatus`'s `refid`: the request's id).
    pub refid: String,
    /// The transaction id on its network, once sent.
    pub txid: Option<String>,
    /// Its ledger entry, once posted (the first, when there are several).
    pub entry: Option<SettledEntry>,
    /// How many withdrawal entries carry its refid: 1 when settled; more is a double payout.
    pub entries: u32,
    /// Whether what left is what was approved: exactly one entry, of the approved asset, its
    /// amount minus the approved amount and its fee the approved fee. `None` while nothing left.
    pub matches: Option<bool>,
}

impl Settlement {
    /// The settlement of a withdrawal approved for `amount` of `asset` with `fee`, from the
    /// exchange's `refid` and `txid` and the ledger `entries` carrying that refid.
    pub fn of(
        refid: String,
        txid: Option<String>,
        entries: Vec<SettledEntry>,
        (asset, amount, fee): (&str, Decimal, Decimal),
    ) -> Self {
        let count = u32::try_from(entries.len()).unwrap_or(u32::MAX);
        let entry = entries.into_iter().next();
        let matches = entry
            .as_ref()
            .map(|e| count == 1 && e.asset == asset && e.amount == -amount && e.fee == fee);
        Self {
            state: if entry.is_some() {
                SettlementState::Settled
            } else {
                SettlementState::Unsettled
            },
            refid,
            txid,
            entry,
            entries: count,
            matches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_settlement_matches_only_one_entry_of_the_approved_asset_amount_and_fee() {
        let entry = SettledEntry {
            id: "L1".into(),
            time: 1,
            asset: "USDT".into(),
            amount: dec!(-1200),
            fee: dec!(0.5),
            balance: dec!(10),
        };
        let of = |entries: Vec<SettledEntry>, asset, amount, fee| {
            Settlement::of("R1".into(), Some("t".into()), entries, (asset, amount, fee))
        };
        let once = || vec![entry.clone()];
        let settled = of(once(), "USDT", dec!(1200), dec!(0.5));
        assert_eq!(
            (settled.state, settled.entries, settled.matches),
            (SettlementState::Settled, 1, Some(true))
        );
        for (asset, amount, fee, why) in [
            ("USDT", dec!(1200.0), dec!(0.50), "decimal, not text"),
            ("USDT", dec!(1201), dec!(0.5), "another amount"),
            ("USDT", dec!(1200), dec!(0), "another fee"),
            ("USDC", dec!(1200), dec!(0.5), "another asset"),
        ] {
            let expected = why == "decimal, not text";
            assert_eq!(
                of(once(), asset, amount, fee).matches,
                Some(expected),
                "{why}"
            );
        }
        let twice = of(vec![entry.clone(), entry], "USDT", dec!(1200), dec!(0.5));
        assert_eq!(
            (twice.entries, twice.matches),
            (2, Some(false)),
            "paid twice"
        );
        let waiting = Settlement::of(
            "R1".into(),
            None,
            Vec::new(),
            ("USDT", dec!(1200), dec!(0.5)),
        );
        assert_eq!(
            (waiting.state, waiting.entries, waiting.matches),
            (SettlementState::Unsettled, 0, None)
        );
    }
}
