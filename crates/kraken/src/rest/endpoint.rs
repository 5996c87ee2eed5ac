//! Every private endpoint by name, with the permission it needs, what it costs against the
//! rate counter, and whether repeating it is harmless.

use crate::Scope;

/// A private REST endpoint (`POST /0/private/<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `Balance`: cash balances per asset.
    Balance,
    /// `BalanceEx`: balances with amounts held by open orders.
    BalanceEx,
    /// `Ledgers`: ledger entries, 50 per page, newest first.
    Ledgers,
    /// `QueryLedgers`: up to 20 ledger entries by id.
    QueryLedgers,
    /// `DepositMethods`.
    DepositMethods,
    /// `DepositAddresses`.
    DepositAddresses,
    /// `DepositStatus`: recent deposits.
    DepositStatus,
    /// `WithdrawMethods`.
    WithdrawMethods,
    /// `WithdrawAddresses`: the address book.
    WithdrawAddresses,
    /// `WithdrawInfo`: fee and limit for a prospective withdrawal.
    WithdrawInfo,
    /// `Withdraw`: moves funds out. Never repeated blindly.
    Withdraw,
    /// `WithdrawStatus`: recent withdrawals.
    WithdrawStatus,
    /// `WithdrawCancel`.
    WithdrawCancel,
    /// `AddExport`: requests a ledgers or trades export.
    AddExport,
    /// `ExportStatus`.
    ExportStatus,
    /// `RetrieveExport`: the export's zip.
    RetrieveExport,
    /// `RemoveExport`.
    RemoveExport,
    /// `GetWebSocketsToken`.
    GetWebSocketsToken,
    /// `Earn/Strategies`.
    EarnStrategies,
    /// `Earn/Allocations`.
    EarnAllocations,
    /// `Earn/Allocate` (asynchronous).
    EarnAllocate,
    /// `Earn/Deallocate` (asynchronous).
    EarnDeallocate,
    /// `Earn/AllocateStatus`.
    EarnAllocateStatus,
    /// `Earn/DeallocateStatus`.
    EarnDeallocateStatus,
    /// `AddOrder`.
    AddOrder,
    /// `CancelOrder`.
    CancelOrder,
    /// `OpenOrders`.
    OpenOrders,
    /// `ClosedOrders`.
    ClosedOrders,
    /// `TradesHistory`.
    TradesHistory,
}

/// What a key needs to call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// Every one of these scopes.
    AllOf(&'static [Scope]),
    /// At least one of these scopes.
    AnyOf(&'static [Scope]),
    /// The key's WebSocket interface setting (not a scope).
    WebSocket,
}

impl Requirement {
    /// Whether a key with `scopes` (and the WebSocket setting `websocket`) may call.
    pub fn is_met(self, scopes: &[Scope], websocket: bool) -> bool {
        match self {
            Self::AllOf(need) => need.iter().all(|s| scopes.contains(s)),
            Self::AnyOf(need) => need.iter().any(|s| scopes.contains(s)),
            Self::WebSocket => websocket,
        }
    }
}

use Scope::*;

impl Endpoint {
    /// Every private endpoint, in the order of the spec's table.
    pub const ALL: [Endpoint; 29] = [
        Self::Balance,
        Self::BalanceEx,
        Self::Ledgers,
        Self::QueryLedgers,
        Self::DepositMethods,
        Self::DepositAddresses,
        Self::DepositStatus,
        Self::WithdrawMethods,
        Self::WithdrawAddresses,
        Self::WithdrawInfo,
        Self::Withdraw,
        Self::WithdrawStatus,
        Self::WithdrawCancel,
        Self::AddExport,
        Self::ExportStatus,
        Self::RetrieveExport,
        Self::RemoveExport,
        Self::GetWebSocketsToken,
        Self::EarnStrategies,
        Self::EarnAllocations,
        Self::EarnAllocate,
        Self::EarnDeallocate,
        Self::EarnAllocateStatus,
        Self::EarnDeallocateStatus,
        Self::AddOrder,
        Self::CancelOrder,
        Self::OpenOrders,
        Self::ClosedOrders,
        Self::TradesHistory,
    ];

    /// The path segment after `/0/private/` (`Balance`, `Earn/Allocate`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Balance => "Balance",
            Self::BalanceEx => "BalanceEx",
            Self::Ledgers => "Ledgers",
            Self::QueryLedgers => "QueryLedgers",
            Self::DepositMethods => "DepositMethods",
            Self::DepositAddresses => "DepositAddresses",
            Self::DepositStatus => "DepositStatus",
            Self::WithdrawMethods => "WithdrawMethods",
            Self::WithdrawAddresses => "WithdrawAddresses",
            Self::WithdrawInfo => "WithdrawInfo",
            Self::Withdraw => "Withdraw",
            Self::WithdrawStatus => "WithdrawStatus",
            Self::WithdrawCancel => "WithdrawCancel",
            Self::AddExport => "AddExport",
            Self::ExportStatus => "ExportStatus",
            Self::RetrieveExport => "RetrieveExport",
            Self::RemoveExport => "RemoveExport",
            Self::GetWebSocketsToken => "GetWebSocketsToken",
            Self::EarnStrategies => "Earn/Strategies",
            Self::EarnAllocations => "Earn/Allocations",
            Self::EarnAllocate => "Earn/Allocate",
            Self::EarnDeallocate => "Earn/Deallocate",
            Self::EarnAllocateStatus => "Earn/AllocateStatus",
            Self::EarnDeallocateStatus => "Earn/DeallocateStatus",
            Self::AddOrder => "AddOrder",
            Self::CancelOrder => "CancelOrder",
            Self::OpenOrders => "OpenOrders",
            Self::ClosedOrders => "ClosedOrders",
            Self::TradesHistory => "TradesHistory",
        }
    }

    /// The full URI path, which is also what `API-Sign` signs (`/0/private/Balance`).
    pub fn path(self) -> String {
        format!("/0/private/{}", self.name())
    }

    /// The endpoint for a path segment after `/0/private/` (exact, case-sensitive, as the
    /// exchange routes).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// The permission the key needs.
    ///
    /// Follows the project's table (`shared/spec/kraken-rest.md`); where the official spec also
    /// admits an alternative scope, [`Requirement::AnyOf`] admits both:
    /// - `CancelOrder`: `trades_close`, or `trades_modify` (official: "Create & modify orders or
    ///   Cancel & close orders").
    /// - `WithdrawStatus`: `funds_withdraw` or `ledger_query`.
    /// - `Earn/AllocateStatus`, `Earn/DeallocateStatus`: `funds_earn`, or `funds_query`
    ///   (official: "Earn Funds or Query Funds").
    /// - `Earn/Allocations`: `funds_query` (official: "Requires the Query Funds permission").
    /// - `Earn/Strategies`: officially needs no scope at all; here it needs `funds_earn`, a
    ///   deliberate choice so that a key with no Earn permission learns nothing about Earn.
    pub fn requirement(self) -> Requirement {
        match self {
            Self::Balance | Self::BalanceEx => Requirement::AllOf(&[FundsQuery]),
            Self::Ledgers | Self::QueryLedgers => Requirement::AllOf(&[LedgerQuery]),
            Self::DepositMethods | Self::DepositAddresses | Self::DepositStatus => {
                Requirement::AllOf(&[FundsQuery, FundsAdd])
            }
            Self::WithdrawMethods | Self::WithdrawAddresses | Self::WithdrawInfo => {
                Requirement::AllOf(&[FundsQuery, FundsWithdraw])
            }
            Self::Withdraw | Self::WithdrawCancel => Requirement::AllOf(&[FundsWithdraw]),
            Self::WithdrawStatus => Requirement::AnyOf(&[FundsWithdraw, LedgerQuery]),
            Self::AddExport | Self::ExportStatus | Self::RetrieveExport | Self::RemoveExport => {
                Requirement::AllOf(&[ExportData])
            }
            Self::GetWebSocketsToken => Requirement::WebSocket,
            Self::EarnStrategies | Self::EarnAllocate | Self::EarnDeallocate => {
                Requirement::AllOf(&[FundsEarn])
            }
            Self::EarnAllocations => Requirement::AllOf(&[FundsQuery]),
            Self::EarnAllocateStatus | Self::EarnDeallocateStatus => {
                Requirement::AnyOf(&[FundsEarn, FundsQuery])
            }
            Self::AddOrder => Requirement::AllOf(&[TradesModify]),
            Self::CancelOrder => Requirement::AnyOf(&[TradesClose, TradesModify]),
            Self::OpenOrders => Requirement::AllOf(&[TradesQueryOpen]),
            Self::ClosedOrders | Self::TradesHistory => Requirement::AllOf(&[TradesQueryClosed]),
        }
    }

    /// What one call adds to the key's rate counter: ledger and trade-history queries 2, every
    /// other call 1.
    pub fn rate_cost(self) -> u32 {
        match self {
            Self::Ledgers | Self::QueryLedgers | Self::TradesHistory => 2,
            _ => 1,
        }
    }

    /// Whether sending the call twice is harmless, so a client may retry it when the first
    /// outcome is unknown. False for everything that moves funds, places or cancels orders, or
    /// creates or deletes exports. Two calls that create something harmless stay retry-safe:
    /// `DepositAddresses` with `new=true` (a repeat may generate a second address) and
    /// `GetWebSocketsToken` (a second token).
    pub fn retry_safe(self) -> bool {
        !matches!(
            self,
            Self::Withdraw
                | Self::WithdrawCancel
                | Self::AddOrder
                | Self::CancelOrder
                | Self::AddExport
                | Self::RemoveExport
                | Self::EarnAllocate
                | Self::EarnDeallocate
        )
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_and_parse_roundtrip() {
        for e in Endpoint::ALL {
            assert_eq!(Endpoint::parse(e.name()), Some(e));
            assert_eq!(e.path(), format!("/0/private/{}", e.name()));
        }
        assert_eq!(Endpoint::EarnAllocate.path(), "/0/private/Earn/Allocate");
        assert_eq!(Endpoint::parse("balance"), None);
        assert_eq!(Endpoint::parse("Earn/Stake"), None);
        let mut names: Vec<_> = Endpoint::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Endpoint::ALL.len());
    }

    /// One row per line of the spec's permission table.
    #[test]
    fn requirements_follow_the_spec_table() {
        use Endpoint as E;
        use Requirement::*;
        let rows: &[(E, Requirement)] = &[
            (E::Balance, AllOf(&[FundsQuery])),
            (E::BalanceEx, AllOf(&[FundsQuery])),
            (E::Ledgers, AllOf(&[LedgerQuery])),
            (E::QueryLedgers, AllOf(&[LedgerQuery])),
            (E::DepositMethods, AllOf(&[FundsQuery, FundsAdd])),
            (E::DepositAddresses, AllOf(&[FundsQuery, FundsAdd])),
            (E::DepositStatus, AllOf(&[FundsQuery, FundsAdd])),
            (E::WithdrawMethods, AllOf(&[FundsQuery, FundsWithdraw])),
            (E::WithdrawAddresses, AllOf(&[FundsQuery, FundsWithdraw])),
            (E::WithdrawInfo, AllOf(&[FundsQuery, FundsWithdraw])),
            (E::Withdraw, AllOf(&[FundsWithdraw])),
            (E::WithdrawStatus, AnyOf(&[FundsWithdraw, LedgerQuery])),
            (E::WithdrawCancel, AllOf(&[FundsWithdraw])),
            (E::AddExport, AllOf(&[ExportData])),
            (E::ExportStatus, AllOf(&[ExportData])),
            (E::RetrieveExport, AllOf(&[ExportData])),
            (E::RemoveExport, AllOf(&[ExportData])),
            (E::GetWebSocketsToken, WebSocket),
            (E::EarnStrategies, AllOf(&[FundsEarn])),
            (E::EarnAllocations, AllOf(&[FundsQuery])),
            (E::EarnAllocate, AllOf(&[FundsEarn])),
            (E::EarnDeallocate, AllOf(&[FundsEarn])),
            (E::EarnAllocateStatus, AnyOf(&[FundsEarn, FundsQuery])),
            (E::EarnDeallocateStatus, AnyOf(&[FundsEarn, FundsQuery])),
            (E::AddOrder, AllOf(&[TradesModify])),
            (E::CancelOrder, AnyOf(&[TradesClose, TradesModify])),
            (E::OpenOrders, AllOf(&[TradesQueryOpen])),
            (E::ClosedOrders, AllOf(&[TradesQueryClosed])),
            (E::TradesHistory, AllOf(&[TradesQueryClosed])),
        ];
        assert_eq!(rows.len(), Endpoint::ALL.len());
        for (e, want) in rows {
            assert_eq!(e.requirement(), *want, "{e}");
        }
    }

    #[test]
    fn requirements_decide_access() {
        let withdraw_only = [FundsWithdraw];
        assert!(
            Endpoint::Withdraw
                .requirement()
                .is_met(&withdraw_only, false)
        );
        assert!(
            !Endpoint::WithdrawInfo
                .requirement()
                .is_met(&withdraw_only, false)
        );
        assert!(
            Endpoint::WithdrawStatus
                .requirement()
                .is_met(&[LedgerQuery], false)
        );
        assert!(
            !Endpoint::DepositMethods
                .requirement()
                .is_met(&[FundsQuery], false)
        );
        assert!(
            !Endpoint::GetWebSocketsToken
                .requirement()
                .is_met(&Scope::ALL, false)
        );
        assert!(Endpoint::GetWebSocketsToken.requirement().is_met(&[], true));
        assert!(
            Endpoint::CancelOrder
                .requirement()
                .is_met(&[TradesClose], false)
        );
    }

    #[test]
    fn costs_and_retry_safety() {
        let heavy = [
            Endpoint::Ledgers,
            Endpoint::QueryLedgers,
            Endpoint::TradesHistory,
        ];
        let unsafe_to_repeat = [
            Endpoint::Withdraw,
            Endpoint::WithdrawCancel,
            Endpoint::AddOrder,
            Endpoint::CancelOrder,
            Endpoint::AddExport,
            Endpoint::RemoveExport,
            Endpoint::EarnAllocate,
            Endpoint::EarnDeallocate,
        ];
        for e in Endpoint::ALL {
            assert_eq!(e.rate_cost(), if heavy.contains(&e) { 2 } else { 1 }, "{e}");
            assert_eq!(e.retry_safe(), !unsafe_to_repeat.contains(&e), "{e}");
        }
    }

    /// Writes `keyCatalog.ts` beside the ts-rs bindings: for each scope, the endpoints it
    /// unlocks, from [`Endpoint::requirement`] (the table the sandbox enforces), with the scopes
    /// also needed or admitted instead; the endpoints the WebSocket setting unlocks; and the
    /// nonce window's cap. The key editor reads it: one source, no second list. Named
    /// `export_bindings_*` so the bindings' drift check runs it.
    #[test]
    fn export_bindings_key_catalog() {
        use std::fmt::Write as _;
        let dir = std::env::var("TS_RS_EXPORT_DIR").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/bindings").to_owned()
        });
        let list = |scopes: &[Scope]| {
            scopes
                .iter()
                .map(|s| format!("\"{}\"", s.wire_name()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::from(
            "// Generated from countersign-kraken's endpoint table (`Endpoint::requirement`, which the sandbox\n\
             // enforces) by `cargo test -p countersign-kraken export_bindings`. Do not edit.\n\n\
             import type { Scope } from \"./Scope\";\n\n\
             /** A private endpoint a scope unlocks: with `with` also granted, or `or` instead of it. */\n\
             export interface ScopeEndpoint {\n  endpoint: string;\n  with: readonly Scope[];\n  or: readonly Scope[];\n}\n\n\
             /** For each scope, the private endpoints it unlocks, in the table's order. */\n\
             export const SCOPE_ENDPOINTS: Record<Scope, readonly ScopeEndpoint[]> = {\n",
        );
        for scope in Scope::ALL {
            let _ = writeln!(out, "  {}: [", scope.wire_name());
            for e in Endpoint::ALL {
                let (with, or): (Vec<Scope>, Vec<Scope>) = match e.requirement() {
                    Requirement::AllOf(need) if need.contains(&scope) => (
                        need.iter().copied().filter(|s| *s != scope).collect(),
                        Vec::new(),
                    ),
                    Requirement::AnyOf(alt) if alt.contains(&scope) => (
                        Vec::new(),
                        alt.iter().copied().filter(|s| *s != scope).collect(),
                    ),
                    _ => continue,
                };
                let _ = writeln!(
                    out,
                    "    {{ endpoint: \"{}\", with: [{}], or: [{}] }},",
                    e.name(),
                    list(&with),
                    list(&or)
                );
            }
            out.push_str("  ],\n");
        }
        out.push_str("};\n\n/** The private endpoints the key's WebSocket setting unlocks. */\n");
        let ws: Vec<String> = Endpoint::ALL
            .into_iter()
            .filter(|e| e.requirement() == Requirement::WebSocket)
            .map(|e| format!("\"{}\"", e.name()))
            .collect();
        let _ = writeln!(
            out,
            "export const WEBSOCKET_ENDPOINTS: readonly string[] = [{}];\n",
            ws.join(", ")
        );
        let _ = writeln!(
            out,
            "/** The largest nonce window a key may have, in nonce units (60 s with millisecond nonces). */\n\
             export const MAX_NONCE_WINDOW = {};",
            crate::MAX_NONCE_WINDOW
        );
        std::fs::create_dir_all(&dir).expect("bindings folder");
        std::fs::write(format!("{dir}/keyCatalog.ts"), out).expect("write keyCatalog.ts");
    }
}
