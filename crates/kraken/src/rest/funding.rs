//! Funding: deposit methods, addresses and status; withdrawal methods, the address book,
//! withdrawal info, `Withdraw`, its status and cancellation.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::wire::{self, wire_enum};
use crate::Timestamp;

/// Request of `DepositMethods`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositMethodsRequest {
    /// Asset being deposited.
    pub asset: String,
    /// Asset class (default `currency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
}

/// A limit the exchange writes as `false` when there is none, or as an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `false`: no limit.
    Unlimited,
    /// The maximum net amount right now.
    Amount(Decimal),
}

impl Serialize for Limit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unlimited => s.serialize_bool(false),
            Self::Amount(d) => s.collect_str(d),
        }
    }
}

impl<'de> Deserialize<'de> for Limit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Limit;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("false or an amount")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Limit, E> {
                if v {
                    Err(E::invalid_value(de::Unexpected::Bool(v), &self))
                } else {
                    Ok(Limit::Unlimited)
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Limit, E> {
                wire::DecimalVisitor.visit_str(v).map(Limit::Amount)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Limit, E> {
                Ok(Limit::Amount(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Limit, E> {
                wire::DecimalVisitor.visit_f64(v).map(Limit::Amount)
            }
        }
        d.deserialize_any(V)
    }
}

/// One deposit method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositMethod {
    /// Its name (`Bitcoin`).
    pub method: String,
    /// Maximum net amount depositable now, or `false`.
    pub limit: Limit,
    /// Fee.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Decimal>,
    /// Whether the method has an address setup fee.
    #[serde(
        rename = "address-setup-fee",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub address_setup_fee: Option<String>,
    /// Whether new addresses can be generated.
    #[serde(
        rename = "gen-address",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub gen_address: Option<bool>,
    /// Minimum net amount depositable now.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub minimum: Option<Decimal>,
}

/// Request of `DepositAddresses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositAddressesRequest {
    /// Asset being deposited.
    pub asset: String,
    /// Deposit method name.
    pub method: String,
    /// Generate a new address.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub new: Option<bool>,
    /// Amount to deposit (only for Lightning).
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
}

/// One deposit address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositAddress {
    /// The address.
    pub address: String,
    /// Expiry (unix seconds as a string), `0` if it never expires.
    #[serde(with = "wire::timestamp_str")]
    pub expiretm: Timestamp,
    /// Whether it was never used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
    /// Destination tag (XRP) where the chain needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Memo (XLM, EOS, STX) where the chain needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
}

/// `cursor` of the status calls: `true`/`false` switches paging on or off; a string continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCursor {
    /// Paging on (`true`) or off (`false`).
    Enabled(bool),
    /// The `next_cursor` of the previous page.
    Next(String),
}

impl Serialize for PageCursor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Enabled(b) => s.serialize_bool(*b),
            Self::Next(c) => s.serialize_str(c),
        }
    }
}

impl<'de> Deserialize<'de> for PageCursor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PageCursor;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or a cursor string")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<PageCursor, E> {
                Ok(PageCursor::Enabled(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PageCursor, E> {
                // A form body cannot tell `true` from "true": the words are the switch.
                Ok(match v {
                    "true" | "True" => PageCursor::Enabled(true),
                    "false" | "False" => PageCursor::Enabled(false),
                    c => PageCursor::Next(c.to_owned()),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Request of `DepositStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositStatusRequest {
    /// Only this asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Only this asset class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// Only this method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only deposits made at or after this unix time.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<String>,
    /// Only deposits made at or before this unix time.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<String>,
    /// Paging switch or continuation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<PageCursor>,
    /// Page size (default 25).
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<i64>,
}

wire_enum! {
    /// A deposit's or withdrawal's state (IFEX transaction states).
    TransferStatus {
        /// Accepted, not yet sent on.
        Initial = "Initial",
        /// Sent on, awaiting the network.
        Pending = "Pending",
        /// Settled on the network, awaiting confirmation.
        Settled = "Settled",
        /// Done.
        Success = "Success",
        /// Failed or cancelled.
        Failure = "Failure",
    }
}

wire_enum! {
    /// Extra state of a deposit or withdrawal (`status-prop`).
    TransferStatusProp {
        /// Cancellation requested.
        CancelPending = "cancel-pending",
        /// Cancelled.
        Canceled = "canceled",
        /// Cancellation requested and denied.
        CancelDenied = "cancel-denied",
        /// A return initiated by the exchange; cannot be cancelled.
        Return = "return",
        /// On hold pending review (the sandbox: waiting in the Organization's approval queue).
        OnHold = "onhold",
    }
}

/// One recent deposit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositStatusEntry {
    /// Method name.
    pub method: String,
    /// Asset class.
    pub aclass: String,
    /// Asset.
    pub asset: String,
    /// Reference id.
    pub refid: String,
    /// The method's transaction id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txid: Option<String>,
    /// The method's transaction information (the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Amount deposited.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// Fee paid.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Decimal>,
    /// When it was made.
    pub time: Timestamp,
    /// State.
    pub status: TransferStatus,
    /// Extra state.
    #[serde(
        rename = "status-prop",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status_prop: Option<TransferStatusProp>,
    /// Sending transaction ids, for deposits credited by a sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originators: Option<Vec<String>>,
}

/// `DepositStatus` result: a list, or a page when the request set `cursor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DepositStatusResult {
    /// Without paging.
    List(Vec<DepositStatusEntry>),
    /// With paging.
    Page {
        /// This page.
        deposit: Vec<DepositStatusEntry>,
        /// Cursor of the next page, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_cursor: Option<String>,
    },
}

impl DepositStatusResult {
    /// The deposits, whichever shape came.
    pub fn entries(&self) -> &[DepositStatusEntry] {
        match self {
            Self::List(v) | Self::Page { deposit: v, .. } => v,
        }
    }
}

/// Request of `WithdrawMethods`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawMethodsRequest {
    /// Only this asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Only this asset class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// Only this network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
}

/// One withdrawal method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawMethod {
    /// Asset.
    pub asset: String,
    /// Method name.
    pub method: String,
    /// Network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Minimum net amount withdrawable now.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub minimum: Option<Decimal>,
}

/// Request of `WithdrawAddresses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawAddressesRequest {
    /// Only this asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Only this asset class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// Only this method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only the entry with this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Only verified (or unverified) entries.
    #[serde(
        default,
        with = "wire::bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub verified: Option<bool>,
}

/// One address-book entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawAddress {
    /// The address.
    pub address: String,
    /// Asset.
    pub asset: String,
    /// Method name.
    pub method: String,
    /// The entry's name, which `Withdraw` takes as `key`.
    pub key: String,
    /// Destination tag, where the chain needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Memo, where the chain needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memo: Option<String>,
    /// Whether the address was confirmed by email.
    pub verified: bool,
}

/// Request of `WithdrawInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawInfoRequest {
    /// Asset.
    pub asset: String,
    /// Address-book entry name.
    pub key: String,
    /// Amount to withdraw.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
}

/// `WithdrawInfo` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawInfo {
    /// Method that will be used.
    pub method: String,
    /// Maximum net amount withdrawable now.
    #[serde(with = "wire::money")]
    pub limit: Decimal,
    /// Net amount that will be sent, after fees.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// Fee.
    #[serde(with = "wire::money")]
    pub fee: Decimal,
}

/// Request of `Withdraw`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawRequest {
    /// Asset.
    pub asset: String,
    /// Asset class (default `currency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// Address-book entry name.
    pub key: String,
    /// Amount.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// Must equal the entry's address, or the call fails with `EFunding:Invalid withdrawal
    /// address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Fail with `EFunding:Max fee exceeded` if the fee would exceed this.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_fee: Option<Decimal>,
}

/// `Withdraw` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawResult {
    /// Reference id, to follow in `WithdrawStatus`.
    pub refid: String,
}

/// Request of `WithdrawStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawStatusRequest {
    /// Only this asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    /// Only this asset class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aclass: Option<String>,
    /// Only this method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only withdrawals made at or after this unix time.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<String>,
    /// Only withdrawals made at or before this unix time.
    #[serde(
        default,
        with = "wire::text_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<String>,
    /// Paging switch or continuation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<PageCursor>,
    /// Page size (default 500).
    #[serde(
        default,
        with = "wire::int_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<i64>,
}

/// One recent withdrawal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawStatusEntry {
    /// Method name.
    pub method: String,
    /// Network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Asset class.
    pub aclass: String,
    /// Asset.
    pub asset: String,
    /// Reference id (what `Withdraw` returned).
    pub refid: String,
    /// The method's transaction id, once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txid: Option<String>,
    /// The method's transaction information (the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Amount withdrawn.
    #[serde(with = "wire::money")]
    pub amount: Decimal,
    /// Fee.
    #[serde(
        default,
        with = "wire::money_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub fee: Option<Decimal>,
    /// When it was requested.
    pub time: Timestamp,
    /// State.
    pub status: TransferStatus,
    /// Extra state (`onhold` while an Organization's approval is pending, in the sandbox).
    #[serde(
        rename = "status-prop",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub status_prop: Option<TransferStatusProp>,
    /// Address-book entry name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `WithdrawStatus` result: a list, or a page when the request set `cursor`.
///
/// The paged shape is not in the official spec; it is taken to mirror `DepositStatus`'s, under
/// `withdrawals` (also read as `withdrawal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WithdrawStatusResult {
    /// Without paging.
    List(Vec<WithdrawStatusEntry>),
    /// With paging.
    Page {
        /// This page.
        #[serde(alias = "withdrawal")]
        withdrawals: Vec<WithdrawStatusEntry>,
        /// Cursor of the next page, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_cursor: Option<String>,
    },
}

impl WithdrawStatusResult {
    /// The withdrawals, whichever shape came.
    pub fn entries(&self) -> &[WithdrawStatusEntry] {
        match self {
            Self::List(v) | Self::Page { withdrawals: v, .. } => v,
        }
    }
}

/// Request of `WithdrawCancel`; the result is `true` or `false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawCancelRequest {
    /// Asset.
    pub asset: String,
    /// Reference id of the withdrawal.
    pub refid: String,
}
