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
    /// Its ledger entry, once posted.
    pub entry: Option<SettledEntry>,
    /// Whether what left is what was approved (the entry's amount is minus the approved amount,
    /// its fee the approved fee); `None` while nothing left.
    pub matches: Option<bool>,
}

impl Settlement {
    /// The settlement of a withdrawal approved for `amount` and `fee`, from the exchange's
    /// `refid` and `txid` and its ledger `entry`, if posted.
    pub fn of(
        refid: String,
        txid: Option<String>,
        entry: Option<SettledEntry>,
        (amount, fee): (Decimal, Decimal),
    ) -> Self {
        let matches = entry.as_ref().map(|e| e.amount == -amount && e.fee == fee);
        Self {
            state: if entry.is_some() {
                SettlementState::Settled
            } else {
                SettlementState::Unsettled
            },
            refid,
            txid,
            entry,
            matches,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_settlement_matches_only_the_approved_amount_and_fee() {
        let entry = SettledEntry {
            id: "L1".into(),
            time: 1,
            amount: dec!(-1200),
            fee: dec!(0.5),
            balance: dec!(10),
        };
        let of = |amount, fee| {
            Settlement::of(
                "R1".into(),
                Some("t".into()),
                Some(entry.clone()),
                (amount, fee),
            )
        };
        assert_eq!(of(dec!(1200), dec!(0.5)).state, SettlementState::Settled);
        assert_eq!(of(dec!(1200), dec!(0.5)).matches, Some(true));
        assert_eq!(
            of(dec!(1200.0), dec!(0.50)).matches,
            Some(true),
            "decimal, not text"
        );
        assert_eq!(of(dec!(1201), dec!(0.5)).matches, Some(false));
        assert_eq!(of(dec!(1200), dec!(0)).matches, Some(false));
        let waiting = Settlement::of("R1".into(), None, None, (dec!(1200), dec!(0.5)));
        assert_eq!(
            (waiting.state, waiting.matches),
            (SettlementState::Unsettled, None)
        );
    }
}
