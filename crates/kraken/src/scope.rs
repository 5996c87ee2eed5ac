//! API key permissions (scopes), by the wire names of the exchange's key page
//! (`shared/spec/organizations.md` §5): what each allows, how the page groups them, and which one
//! an Organization's policies govern.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One API key permission, by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Scope {
    /// View balances and funding status.
    FundsQuery,
    /// Allocate and deallocate Earn products.
    FundsEarn,
    /// Generate deposit addresses, view deposit history (`funds_add`).
    FundsAdd,
    /// Submit withdrawal requests — queued when a policy governs Initiate Withdrawal.
    FundsWithdraw,
    /// View open orders and active trades.
    TradesQueryOpen,
    /// View historical orders and completed trades.
    TradesQueryClosed,
    /// Place and modify orders.
    TradesModify,
    /// Cancel and close orders.
    TradesClose,
    /// View ledger history.
    LedgerQuery,
    /// Export account data.
    ExportData,
}

/// How the exchange's key page groups scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScopeGroup {
    /// Funds.
    Funds,
    /// Orders & trades.
    OrdersAndTrades,
    /// Data.
    Data,
}

impl Scope {
    /// Every scope, in the spec's table order.
    pub const ALL: [Scope; 10] = [
        Self::FundsQuery,
        Self::FundsEarn,
        Self::FundsAdd,
        Self::FundsWithdraw,
        Self::TradesQueryOpen,
        Self::TradesQueryClosed,
        Self::TradesModify,
        Self::TradesClose,
        Self::LedgerQuery,
        Self::ExportData,
    ];

    /// The wire name (`funds_withdraw`, ...).
    pub fn wire_name(self) -> &'static str {
        match self {
            Self::FundsQuery => "funds_query",
            Self::FundsEarn => "funds_earn",
            Self::FundsAdd => "funds_add",
            Self::FundsWithdraw => "funds_withdraw",
            Self::TradesQueryOpen => "trades_query_open",
            Self::TradesQueryClosed => "trades_query_closed",
            Self::TradesModify => "trades_modify",
            Self::TradesClose => "trades_close",
            Self::LedgerQuery => "ledger_query",
            Self::ExportData => "export_data",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sc| sc.wire_name() == s)
    }

    /// The label on the exchange's key page.
    pub fn label(self) -> &'static str {
        match self {
            Self::FundsQuery => "Query",
            Self::FundsEarn => "Earn",
            Self::FundsAdd => "Deposit",
            Self::FundsWithdraw => "Withdraw",
            Self::TradesQueryOpen => "Query open orders & trades",
            Self::TradesQueryClosed => "Query closed orders & trades",
            Self::TradesModify => "Create & modify orders",
            Self::TradesClose => "Cancel & close orders",
            Self::LedgerQuery => "Query ledger entries",
            Self::ExportData => "Export data",
        }
    }

    /// Its group.
    pub fn group(self) -> ScopeGroup {
        match self {
            Self::FundsQuery | Self::FundsEarn | Self::FundsAdd | Self::FundsWithdraw => {
                ScopeGroup::Funds
            }
            Self::TradesQueryOpen
            | Self::TradesQueryClosed
            | Self::TradesModify
            | Self::TradesClose => ScopeGroup::OrdersAndTrades,
            Self::LedgerQuery | Self::ExportData => ScopeGroup::Data,
        }
    }

    /// What it allows, in the spec's words.
    pub fn allows(self) -> &'static str {
        match self {
            Self::FundsQuery => "view balances and funding status",
            Self::FundsEarn => "allocate and deallocate Earn (staking and yield) products",
            Self::FundsAdd => "generate deposit addresses, view deposit history",
            Self::FundsWithdraw => {
                "submit withdrawal requests — queued for member approval when a policy governs Initiate Withdrawal"
            }
            Self::TradesQueryOpen => "view open orders and active trades",
            Self::TradesQueryClosed => "view historical orders and completed trades",
            Self::TradesModify => "place new orders, modify existing ones",
            Self::TradesClose => "cancel open orders, close positions",
            Self::LedgerQuery => "view transaction and ledger history",
            Self::ExportData => "export account data for reporting and reconciliation",
        }
    }

    /// Whether the Organization's policies govern what this scope does. Only withdrawals are;
    /// everything else a key does is immediate (spec §5).
    pub fn governed_by_policy(self) -> bool {
        self == Self::FundsWithdraw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_roundtrips_its_wire_name_and_only_withdraw_is_governed() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.wire_name()), Some(s));
            assert_eq!(s.governed_by_policy(), s == Scope::FundsWithdraw);
            assert!(!s.allows().is_empty());
        }
        let groups: Vec<_> = Scope::ALL.iter().map(|s| s.group()).collect();
        assert_eq!(
            groups.iter().filter(|g| **g == ScopeGroup::Funds).count(),
            4
        );
        assert_eq!(
            groups
                .iter()
                .filter(|g| **g == ScopeGroup::OrdersAndTrades)
                .count(),
            4
        );
        assert_eq!(groups.iter().filter(|g| **g == ScopeGroup::Data).count(), 2);
    }
}
