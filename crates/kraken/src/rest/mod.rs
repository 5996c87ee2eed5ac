//! The exchange's REST endpoints as types, with no I/O: what the client sends and parses, and
//! what the sandbox parses and answers. Field names and JSON shapes follow the official OpenAPI
//! specification (`shared/reference/kraken-api-spec/spot-rest/`).
//!
//! - [`Endpoint`]: every private endpoint, with its [`Requirement`] (scopes), rate cost and
//!   whether a retry is safe.
//! - [`PrivateRequest`]: ties each request type to its endpoint and result type;
//!   [`form_body`] writes the signed form body (`nonce=…&otp=…&fields`).
//! - Account ([`BalanceResult`], [`BalanceExResult`], [`LedgersResult`], [`LedgerEntry`],
//!   exports, [`WebSocketsToken`]), funding ([`WithdrawRequest`], [`WithdrawStatusEntry`],
//!   [`TransferStatus`], [`WithdrawAddress`], deposits), Earn ([`EarnStrategy`],
//!   [`EarnAllocations`]), trading ([`AddOrderRequest`], [`OrderInfo`], [`TradeInfo`]) and
//!   public data ([`TimeResult`], [`AssetInfo`], [`AssetPairInfo`]).
//! - Result times are [`crate::Timestamp`] (JSON numbers with up to 4 decimals, or strings).
//!
//! Money is `rust_decimal::Decimal`, written as a decimal string and read from a string or a
//! number (the official examples show both). Optional fields are skipped when `None` and read as
//! `None` when absent or `null`, so every type round-trips. Requests serialise to form fields
//! (`serde_urlencoded`) and parse from a form or a JSON body alike.

mod account;
mod earn;
mod endpoint;
mod funding;
mod public;
mod trading;
pub mod wire;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use account::*;
pub use earn::*;
pub use endpoint::{Endpoint, Requirement};
pub use funding::*;
pub use public::*;
pub use trading::*;

/// A request to a private endpoint, tied to the endpoint and the `result` it answers with.
///
/// `RetrieveExportRequest` has no impl: its answer is a zip, not an envelope.
pub trait PrivateRequest: Serialize + DeserializeOwned {
    /// The endpoint.
    const ENDPOINT: Endpoint;
    /// What `result` holds on success.
    type Result: Serialize + DeserializeOwned;
}

macro_rules! private_request {
    ($($req:ty => $endpoint:ident, $result:ty;)+) => {
        $(impl PrivateRequest for $req {
            const ENDPOINT: Endpoint = Endpoint::$endpoint;
            type Result = $result;
        })+
    };
}

private_request! {
    BalanceRequest => Balance, BalanceResult;
    BalanceExRequest => BalanceEx, BalanceExResult;
    LedgersRequest => Ledgers, LedgersResult;
    QueryLedgersRequest => QueryLedgers, QueryLedgersResult;
    DepositMethodsRequest => DepositMethods, Vec<DepositMethod>;
    DepositAddressesRequest => DepositAddresses, Vec<DepositAddress>;
    DepositStatusRequest => DepositStatus, DepositStatusResult;
    WithdrawMethodsRequest => WithdrawMethods, Vec<WithdrawMethod>;
    WithdrawAddressesRequest => WithdrawAddresses, Vec<WithdrawAddress>;
    WithdrawInfoRequest => WithdrawInfo, WithdrawInfo;
    WithdrawRequest => Withdraw, WithdrawResult;
    WithdrawStatusRequest => WithdrawStatus, WithdrawStatusResult;
    WithdrawCancelRequest => WithdrawCancel, bool;
    AddExportRequest => AddExport, AddExportResult;
    ExportStatusRequest => ExportStatus, Vec<ExportStatusEntry>;
    RemoveExportRequest => RemoveExport, RemoveExportResult;
    WebSocketsTokenRequest => GetWebSocketsToken, WebSocketsToken;
    EarnStrategiesRequest => EarnStrategies, EarnStrategies;
    EarnAllocationsRequest => EarnAllocations, EarnAllocations;
    EarnAllocateRequest => EarnAllocate, bool;
    EarnDeallocateRequest => EarnDeallocate, bool;
    EarnAllocateStatusRequest => EarnAllocateStatus, EarnOperationStatus;
    EarnDeallocateStatusRequest => EarnDeallocateStatus, EarnOperationStatus;
    AddOrderRequest => AddOrder, AddOrderResult;
    CancelOrderRequest => CancelOrder, CancelOrderResult;
    OpenOrdersRequest => OpenOrders, OpenOrdersResult;
    ClosedOrdersRequest => ClosedOrders, ClosedOrdersResult;
    TradesHistoryRequest => TradesHistory, TradesHistoryResult;
}

/// The form body of a private call: `nonce`, then `otp` when given, then the request's fields.
/// This exact string is what `API-Sign` covers.
pub fn form_body<T: Serialize>(
    nonce: u64,
    otp: Option<&str>,
    request: &T,
) -> Result<String, serde_urlencoded::ser::Error> {
    let mut head = vec![("nonce", nonce.to_string())];
    if let Some(otp) = otp {
        head.push(("otp", otp.to_owned()));
    }
    let mut body = serde_urlencoded::to_string(&head)?;
    let fields = serde_urlencoded::to_string(request)?;
    if !fields.is_empty() {
        body.push('&');
        body.push_str(&fields);
    }
    Ok(body)
}

#[cfg(test)]
mod tests;
