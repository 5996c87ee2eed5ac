// Generated from countersign-kraken's endpoint table (`Endpoint::requirement`, which the sandbox
// enforces) by `cargo test -p countersign-kraken export_bindings`. Do not edit.

import type { Scope } from "./Scope";

/** A private endpoint a scope unlocks: with `with` also granted, or `or` instead of it. */
export interface ScopeEndpoint {
  endpoint: string;
  with: readonly Scope[];
  or: readonly Scope[];
}

/** For each scope, the private endpoints it unlocks, in the table's order. */
export const SCOPE_ENDPOINTS: Record<Scope, readonly ScopeEndpoint[]> = {
  funds_query: [
    { endpoint: "Balance", with: [], or: [] },
    { endpoint: "BalanceEx", with: [], or: [] },
    { endpoint: "DepositMethods", with: ["funds_add"], or: [] },
    { endpoint: "DepositAddresses", with: ["funds_add"], or: [] },
    { endpoint: "DepositStatus", with: ["funds_add"], or: [] },
    { endpoint: "WithdrawMethods", with: ["funds_withdraw"], or: [] },
    { endpoint: "WithdrawAddresses", with: ["funds_withdraw"], or: [] },
    { endpoint: "WithdrawInfo", with: ["funds_withdraw"], or: [] },
    { endpoint: "Earn/Allocations", with: [], or: [] },
    { endpoint: "Earn/AllocateStatus", with: [], or: ["funds_earn"] },
    { endpoint: "Earn/DeallocateStatus", with: [], or: ["funds_earn"] },
  ],
  funds_earn: [
    { endpoint: "Earn/Strategies", with: [], or: [] },
    { endpoint: "Earn/Allocate", with: [], or: [] },
    { endpoint: "Earn/Deallocate", with: [], or: [] },
    { endpoint: "Earn/AllocateStatus", with: [], or: ["funds_query"] },
    { endpoint: "Earn/DeallocateStatus", with: [], or: ["funds_query"] },
  ],
  funds_add: [
    { endpoint: "DepositMethods", with: ["funds_query"], or: [] },
    { endpoint: "DepositAddresses", with: ["funds_query"], or: [] },
    { endpoint: "DepositStatus", with: ["funds_query"], or: [] },
  ],
  funds_withdraw: [
    { endpoint: "WithdrawMethods", with: ["funds_query"], or: [] },
    { endpoint: "WithdrawAddresses", with: ["funds_query"], or: [] },
    { endpoint: "WithdrawInfo", with: ["funds_query"], or: [] },
    { endpoint: "Withdraw", with: [], or: [] },
    { endpoint: "WithdrawStatus", with: [], or: ["ledger_query"] },
    { endpoint: "WithdrawCancel", with: [], or: [] },
  ],
  trades_query_open: [
    { endpoint: "OpenOrders", with: [], or: [] },
  ],
  trades_query_closed: [
    { endpoint: "ClosedOrders", with: [], or: [] },
    { endpoint: "TradesHistory", with: [], or: [] },
  ],
  trades_modify: [
    { endpoint: "AddOrder", with: [], or: [] },
    { endpoint: "CancelOrder", with: [], or: ["trades_close"] },
  ],
  trades_close: [
    { endpoint: "CancelOrder", with: [], or: ["trades_modify"] },
  ],
  ledger_query: [
    { endpoint: "Ledgers", with: [], or: [] },
    { endpoint: "QueryLedgers", with: [], or: [] },
    { endpoint: "WithdrawStatus", with: [], or: ["funds_withdraw"] },
  ],
  export_data: [
    { endpoint: "AddExport", with: [], or: [] },
    { endpoint: "ExportStatus", with: [], or: [] },
    { endpoint: "RetrieveExport", with: [], or: [] },
    { endpoint: "RemoveExport", with: [], or: [] },
  ],
};

/** The private endpoints the key's WebSocket setting unlocks. */
export const WEBSOCKET_ENDPOINTS: readonly string[] = ["GetWebSocketsToken"];

/** The largest nonce window a key may have, in nonce units (60 s with millisecond nonces). */
export const MAX_NONCE_WINDOW = 60000;
