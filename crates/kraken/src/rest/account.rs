//! Account data: balances, ledgers, ledger and trades exports, the WebSocket token.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wire::{self, wire_enum};
use crate::Timestamp;

/// Request of `Balance` (and its `BalanceEx` twin below).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceRequest {
    /// `rebased` (default) or `base`: how tokenized stocks are shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebase_multiplier: Option<RebaseMultiplier>,
}

/// Request of `BalanceEx`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceExRequest {
    /// `rebased` (default) or `base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebase_multiplier: Option<RebaseMultiplier>,
}

wire_enum! {
    /// How tokenized stocks are shown.
    RebaseMultiplier {
        /// In terms of the underlying equity.
        Rebased = "rebased",
        /// In terms of the tokens.
        Base = "base",
    }
}

/// `Balance` result: asset → balance, net of pending withdrawals (`{"XXBT": "1.2345000000"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BalanceResult(#[serde(with = "wire::money_map")] pub BTreeMap<String, Decimal>);

/// One asset of `BalanceEx`. Available for trading = `balance + credit - credit_used -
/// hold_trade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceExEntry {
    /// Total balance.
    #[serde(with = "wire::money")]
    pub balance: Decimal,
    /// Credit line, if the account has one.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub credit: Option<Decimal>,
    /// Credit used, if the account has a credit line.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub credit_used: Option<Decimal>,
    /// Held by open orders.
    #[serde(with = "wire::money")]
    pub hold_trade: Decimal,
}

/// `BalanceEx` result: asset → extended balance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BalanceExResult(pub BTreeMap<String, BalanceExEntry>);

/// Request of `Ledgers`: 50 entries per page, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgersRequest {
    /// Asset or comma-delimited assets (default all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Asset class (default `currency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// `all` (default) or one ledger type (`trade`, `deposit`, `withdrawal`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Exclusive start: a unix time or a ledger id.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<String>,
    /// Inclusive end: a unix time or a ledger id.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<String>,
    /// Offset into the result, for paging.
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub ofs: Option<i64>,
    /// Skip counting the matches (faster).
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub without_count: Option<bool>,
}

wire_enum! {
    /// A ledger entry's type. New types appear over time; they are kept, never refused.
    LedgerType {
        /// `none`
        Unspecified = "none",
        /// `trade`
        Trade = "trade",
        /// `deposit`
        Deposit = "deposit",
        /// `withdrawal`
        Withdrawal = "withdrawal",
        /// `transfer`
        Transfer = "transfer",
        /// `margin`
        Margin = "margin",
        /// `adjustment`
        Adjustment = "adjustment",
        /// `rollover`
        Rollover = "rollover",
        /// `spend`
        Spend = "spend",
        /// `receive`
        Receive = "receive",
        /// `settled`
        Settled = "settled",
        /// `credit`
        Credit = "credit",
        /// `staking`
        Staking = "staking",
        /// `earn`
        Earn = "earn",
        /// `reward`
        Reward = "reward",
        /// `dividend`
        Dividend = "dividend",
        /// `sale`
        Sale = "sale",
        /// `conversion`
        Conversion = "conversion",
        /// `nfttrade`
        NftTrade = "nfttrade",
        /// `nftcreatorfee`
        NftCreatorFee = "nftcreatorfee",
        /// `nftrebate`
        NftRebate = "nftrebate",
        /// `custodytransfer`
        CustodyTransfer = "custodytransfer",
    }
}

/// One ledger entry. `balance` is the asset's balance after it: previous + `amount` − `fee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The transaction (trade, deposit, withdrawal, ...) that caused the entry.
    pub refid: String,
    /// When.
    pub time: Timestamp,
    /// Type.
    pub r#type: LedgerType,
    /// Subtype, where the type has one (`spottostaking`, ...); often `""`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// Asset class (`currency`).
    pub aclass: String,
    /// Asset (`XXBT`, `ZUSD`).
    pub asset: String,
    /// Signed amount.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// Fee.
    #[serde(with = "wire::money")]
    pub fee: Decimal,
    /// Resulting balance.
    #[serde(with = "wire::money")]
    pub balance: Decimal,
}

/// `Ledgers` result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgersResult {
    /// Ledger id → entry.
    pub ledger: IndexMap<String, LedgerEntry>,
    /// How many entries match in all (absent with `without_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// Request of `QueryLedgers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryLedgersRequest {
    /// Up to 20 ledger ids (comma-delimited on the wire).
    #[serde(with = "wire::comma_list")]
    pub id: Vec<String>,
    /// Include trades related to a position.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub trades: Option<bool>,
}

/// `QueryLedgers` result: ledger id → entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QueryLedgersResult(pub IndexMap<String, LedgerEntry>);

wire_enum! {
    /// What an export holds.
    ExportReport {
        /// Trades.
        Trades = "trades",
        /// Ledger entries.
        Ledgers = "ledgers",
    }
}

wire_enum! {
    /// An export's file format.
    ExportFormat {
        /// Comma-separated (default).
        Csv = "CSV",
        /// Tab-separated.
        Tsv = "TSV",
    }
}

/// Request of `AddExport`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddExportRequest {
    /// `trades` or `ledgers`.
    pub report: ExportReport,
    /// `CSV` (default) or `TSV`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ExportFormat>,
    /// A label for the export.
    pub description: String,
    /// Comma-delimited fields (default `all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<String>,
    /// Unix time the data starts (default: the 1st of the current month).
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub starttm: Option<i64>,
    /// Unix time the data ends (default: now).
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub endtm: Option<i64>,
}

/// `AddExport` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddExportResult {
    /// The export's id.
    pub id: String,
}

/// Request of `ExportStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStatusRequest {
    /// Which kind of exports to list.
    pub report: ExportReport,
}

wire_enum! {
    /// Where an export is.
    ExportState {
        /// Waiting.
        Queued = "Queued",
        /// Being made.
        Processing = "Processing",
        /// Ready to retrieve.
        Processed = "Processed",
    }
}

/// One export in `ExportStatus` (times are unix seconds as strings on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStatusEntry {
    /// The export's id.
    pub id: String,
    /// Its description.
    pub descr: String,
    /// `CSV` or `TSV`.
    pub format: ExportFormat,
    /// `trades` or `ledgers`.
    pub report: ExportReport,
    /// Subtype (`all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    /// State.
    pub status: ExportState,
    /// Deprecated flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    /// Fields included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<String>,
    /// When requested.
    #[serde(with = "wire::timestamp_str")]
    pub createdtm: Timestamp,
    /// Deprecated expiry.
    #[serde(
        default,
        with = "wire::timestamp_str_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiretm: Option<Timestamp>,
    /// When processing began.
    #[serde(
        default,
        with = "wire::timestamp_str_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub starttm: Option<Timestamp>,
    /// When processing finished.
    #[serde(
        default,
        with = "wire::timestamp_str_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub completedtm: Option<Timestamp>,
    /// Start of the data.
    #[serde(
        default,
        with = "wire::timestamp_str_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub datastarttm: Option<Timestamp>,
    /// End of the data.
    #[serde(
        default,
        with = "wire::timestamp_str_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub dataendtm: Option<Timestamp>,
    /// Deprecated asset class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// Assets included (`all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
}

/// Request of `RetrieveExport`; the answer is the zip itself (or an error envelope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrieveExportRequest {
    /// The export's id.
    pub id: String,
}

wire_enum! {
    /// How `RemoveExport` removes.
    RemoveExportType {
        /// Cancel a queued or processing export.
        Cancel = "cancel",
        /// Delete a processed export.
        Delete = "delete",
    }
}

/// Request of `RemoveExport`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveExportRequest {
    /// The export's id.
    pub id: String,
    /// `cancel` or `delete`.
    pub r#type: RemoveExportType,
}

/// `RemoveExport` result: the flag named by the request's `type`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveExportResult {
    /// Whether it was deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete: Option<bool>,
    /// Whether it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel: Option<bool>,
}

/// Request of `GetWebSocketsToken` (nothing but the nonce).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSocketsTokenRequest {}

/// `GetWebSocketsToken` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSocketsToken {
    /// The token.
    pub token: String,
    /// Seconds it stays usable for connecting (900).
    pub expires: u64,
}
