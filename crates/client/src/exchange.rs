//! [`ExchangeClient`]: the exchange's REST API (or the sandbox playing it), typed per endpoint.
//!
//! Every private call takes the key's turn, waits for the rate counter ([`RatePacer`]), takes a
//! fresh nonce, signs the exact form body and sends it. What happens on failure depends on the
//! endpoint's [`Endpoint::retry_safe`]:
//!
//! - A call safe to repeat is retried, a bounded number of times with backoff, after a
//!   transport failure, `EService:Unavailable`, `EService:Busy`, `EGeneral:Internal error`,
//!   `EAPI:Rate limit exceeded` (after the counter decays) or `EAPI:Invalid nonce` (with a fresh
//!   nonce above anything on disk).
//! - A call not safe to repeat (`Withdraw`, `AddOrder`, ...) is sent once. If its fate is
//!   unknown — the connection broke after the request went out, the answer was unreadable, or the
//!   exchange said `EGeneral:Internal error` — the error is [`ExchangeError::OutcomeUnknown`]:
//!   check (`WithdrawStatus`, `OpenOrders`) before trying again.
//!
//! [`RatePacer`]: crate::RatePacer

use std::sync::Arc;
use std::time::Duration;

use countersign_kraken::rest::{self, Endpoint, PrivateRequest};
use countersign_kraken::{
    ApiError, ApiWarning, Envelope, HEADER_API_KEY, HEADER_API_SIGN, Messages,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::key::KeyContext;
use crate::nonce_store::NonceStoreError;

/// Why an exchange call failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The exchange answered with an error string (after any retries).
    #[error("{0}")]
    Api(ApiError),
    /// The exchange could not be reached (after any retries). For a call not safe to repeat,
    /// this means the request was never sent.
    #[error("cannot reach {url}: {message}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A call not safe to repeat may or may not have been carried out: it was sent, but no
    /// usable answer came back. It was not repeated; check before trying again.
    #[error(
        "{endpoint} may or may not have been carried out ({message}); it was not repeated — check its status before trying again"
    )]
    OutcomeUnknown {
        /// The call.
        endpoint: Endpoint,
        /// What happened.
        message: String,
    },
    /// The exchange answered something that is not the documented shape.
    #[error("unexpected answer from {url}: {message}")]
    Protocol {
        /// The URL called.
        url: String,
        /// What did not parse.
        message: String,
    },
    /// No nonce could be reserved; nothing was sent.
    #[error(transparent)]
    Nonce(#[from] NonceStoreError),
    /// The base URL is unusable, or plain http to another machine
    /// ([`crate::checked_base`]).
    #[error("invalid base URL: {0}")]
    BaseUrl(String),
    /// The exchange answered with a redirect, which is never followed: it would carry the key
    /// and the signature to another address. Nothing was sent there, and the call was not
    /// carried out at the address called.
    #[error(
        "{url} answered with a redirect to {location}; Countersign never follows one (it would carry your API key and signature there): use the final address itself"
    )]
    Redirected {
        /// The URL called.
        url: String,
        /// Where the answer pointed.
        location: String,
    },
}

impl ExchangeError {
    /// The exchange's error, if it answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// How often and how patiently calls safe to repeat are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (at least 1).
    pub attempts: u32,
    /// Wait before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

impl RetryPolicy {
    fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// Client settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// Timeout of one HTTP exchange.
    pub timeout: Duration,
    /// Retries of calls safe to repeat.
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
        }
    }
}

/// A successful answer with any warnings that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    /// The result.
    pub result: T,
    /// Warnings (`W...`) from the `error` array.
    pub warnings: Vec<ApiWarning>,
}

/// One attempt's outcome, before deciding whether to retry.
enum Attempt {
    /// The exchange answered (HTTP body; a JSON envelope, or the zip of `RetrieveExport`).
    Answered(Vec<u8>),
    /// The request never left: connecting failed.
    NotSent(String),
    /// The request may have arrived; no usable answer came back.
    Lost(String),
    /// The server answered with a redirect to this location (never followed).
    Redirected(String),
}

/// What the retry loop does after an attempt.
enum Next {
    Done(Vec<u8>),
    Retry { backoff: bool },
    Fail(ExchangeError),
}

#[derive(Deserialize)]
struct ErrorsOnly {
    error: Vec<String>,
}

/// A client of the exchange's REST API signing with one key. Cheap to clone; clones share the
/// key's turn, nonces and rate counter.
#[derive(Debug, Clone)]
pub struct ExchangeClient {
    http: reqwest::Client,
    base: Url,
    key: Arc<KeyContext>,
    options: ClientOptions,
}

impl ExchangeClient {
    /// A client for `base_url` (e.g. `https://api.kraken.com` or the sandbox's URL).
    pub fn new(base_url: &str, key: Arc<KeyContext>) -> Result<Self, ExchangeError> {
        Self::with_options(base_url, key, ClientOptions::default())
    }

    /// A client with explicit timeout and retry settings.
    pub fn with_options(
        base_url: &str,
        key: Arc<KeyContext>,
        options: ClientOptions,
    ) -> Result<Self, ExchangeError> {
        let base = crate::transport::checked_base(base_url)
            .map_err(|problem| ExchangeError::BaseUrl(problem.to_string()))?;
        let http =
            crate::transport::http_client(options.timeout, None).map_err(ExchangeError::BaseUrl)?;
        Ok(Self {
            http,
            base,
            key,
            options,
        })
    }

    /// This client, accepting only the server certificate `pin` names (a sandbox shared across
    /// machines presents one it made itself).
    pub fn pinned(mut self, pin: &crate::CertPin) -> Result<Self, ExchangeError> {
        self.http = crate::transport::http_client(self.options.timeout, Some(pin))
            .map_err(ExchangeError::BaseUrl)?;
        Ok(self)
    }

    /// The key's shared context.
    pub fn key(&self) -> &Arc<KeyContext> {
        &self.key
    }

    /// Calls a private endpoint with the request's typed result.
    pub async fn call<R: PrivateRequest>(&self, request: &R) -> Result<R::Result, ExchangeError> {
        self.send(request, None).await.map(|a| a.result)
    }

    /// Calls a private endpoint, with an `otp` for keys that have 2FA, keeping warnings.
    pub async fn send<R: PrivateRequest>(
        &self,
        request: &R,
        otp: Option<&str>,
    ) -> Result<Answer<R::Result>, ExchangeError> {
        let bytes = self.private(R::ENDPOINT, request, otp).await?;
        self.parse(&R::ENDPOINT.path(), &bytes)
    }

    /// `Balance`.
    pub async fn balance(&self) -> Result<rest::BalanceResult, ExchangeError> {
        self.call(&rest::BalanceRequest::default()).await
    }

    /// `BalanceEx`.
    pub async fn balance_ex(&self) -> Result<rest::BalanceExResult, ExchangeError> {
        self.call(&rest::BalanceExRequest::default()).await
    }

    /// `Ledgers`.
    pub async fn ledgers(
        &self,
        request: &rest::LedgersRequest,
    ) -> Result<rest::LedgersResult, ExchangeError> {
        self.call(request).await
    }

    /// `QueryLedgers` (up to 20 ids).
    pub async fn query_ledgers(
        &self,
        request: &rest::QueryLedgersRequest,
    ) -> Result<rest::QueryLedgersResult, ExchangeError> {
        self.call(request).await
    }

    /// `DepositMethods`.
    pub async fn deposit_methods(
        &self,
        request: &rest::DepositMethodsRequest,
    ) -> Result<Vec<rest::DepositMethod>, ExchangeError> {
        self.call(request).await
    }

    /// `DepositAddresses`.
    pub async fn deposit_addresses(
        &self,
        request: &rest::DepositAddressesRequest,
    ) -> Result<Vec<rest::DepositAddress>, ExchangeError> {
        self.call(request).await
    }

    /// `DepositStatus`.
    pub async fn deposit_status(
        &self,
        request: &rest::DepositStatusRequest,
    ) -> Result<rest::DepositStatusResult, ExchangeError> {
        self.call(request).await
    }

    /// `WithdrawMethods`.
    pub async fn withdraw_methods(
        &self,
        request: &rest::WithdrawMethodsRequest,
    ) -> Result<Vec<rest::WithdrawMethod>, ExchangeError> {
        self.call(request).await
    }

    /// `WithdrawAddresses`: the address book.
    pub async fn withdraw_addresses(
        &self,
        request: &rest::WithdrawAddressesRequest,
    ) -> Result<Vec<rest::WithdrawAddress>, ExchangeError> {
        self.call(request).await
    }

    /// `WithdrawInfo`.
    pub async fn withdraw_info(
        &self,
        request: &rest::WithdrawInfoRequest,
    ) -> Result<rest::WithdrawInfo, ExchangeError> {
        self.call(request).await
    }

    /// `Withdraw`. Sent at most once; see [`ExchangeError::OutcomeUnknown`].
    pub async fn withdraw(
        &self,
        request: &rest::WithdrawRequest,
    ) -> Result<rest::WithdrawResult, ExchangeError> {
        self.call(request).await
    }

    /// `WithdrawStatus`.
    pub async fn withdraw_status(
        &self,
        request: &rest::WithdrawStatusRequest,
    ) -> Result<rest::WithdrawStatusResult, ExchangeError> {
        self.call(request).await
    }

    /// `WithdrawCancel`: whether cancellation was accepted.
    pub async fn withdraw_cancel(
        &self,
        request: &rest::WithdrawCancelRequest,
    ) -> Result<bool, ExchangeError> {
        self.call(request).await
    }

    /// `AddExport`.
    pub async fn add_export(
        &self,
        request: &rest::AddExportRequest,
    ) -> Result<rest::AddExportResult, ExchangeError> {
        self.call(request).await
    }

    /// `ExportStatus`.
    pub async fn export_status(
        &self,
        request: &rest::ExportStatusRequest,
    ) -> Result<Vec<rest::ExportStatusEntry>, ExchangeError> {
        self.call(request).await
    }

    /// `RetrieveExport`: the export's zip. An `{"error": [...]}` answer is an error, not a zip.
    pub async fn retrieve_export(&self, id: &str) -> Result<Vec<u8>, ExchangeError> {
        let endpoint = Endpoint::RetrieveExport;
        let request = rest::RetrieveExportRequest { id: id.to_owned() };
        let bytes = self.private(endpoint, &request, None).await?;
        if bytes.starts_with(b"PK") {
            return Ok(bytes);
        }
        // Not a zip: an envelope carrying an error (the loop only passes error-free ones), or
        // something else altogether.
        Err(ExchangeError::Protocol {
            url: endpoint.path(),
            message: format!(
                "expected a zip archive, got {} bytes starting {:?}",
                bytes.len(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(32)])
            ),
        })
    }

    /// `RemoveExport`.
    pub async fn remove_export(
        &self,
        request: &rest::RemoveExportRequest,
    ) -> Result<rest::RemoveExportResult, ExchangeError> {
        self.call(request).await
    }

    /// `GetWebSocketsToken`.
    pub async fn websockets_token(&self) -> Result<rest::WebSocketsToken, ExchangeError> {
        self.call(&rest::WebSocketsTokenRequest::default()).await
    }

    /// `Earn/Strategies`.
    pub async fn earn_strategies(
        &self,
        request: &rest::EarnStrategiesRequest,
    ) -> Result<rest::EarnStrategies, ExchangeError> {
        self.call(request).await
    }

    /// `Earn/Allocations`.
    pub async fn earn_allocations(
        &self,
        request: &rest::EarnAllocationsRequest,
    ) -> Result<rest::EarnAllocations, ExchangeError> {
        self.call(request).await
    }

    /// `Earn/Allocate` (asynchronous: poll [`Self::earn_allocate_status`]).
    pub async fn earn_allocate(
        &self,
        request: &rest::EarnAllocateRequest,
    ) -> Result<bool, ExchangeError> {
        self.call(request).await
    }

    /// `Earn/Deallocate` (asynchronous: poll [`Self::earn_deallocate_status`]).
    pub async fn earn_deallocate(
        &self,
        request: &rest::EarnDeallocateRequest,
    ) -> Result<bool, ExchangeError> {
        self.call(request).await
    }

    /// `Earn/AllocateStatus`.
    pub async fn earn_allocate_status(
        &self,
        strategy_id: &str,
    ) -> Result<rest::EarnOperationStatus, ExchangeError> {
        self.call(&rest::EarnAllocateStatusRequest {
            strategy_id: strategy_id.to_owned(),
        })
        .await
    }

    /// `Earn/DeallocateStatus`.
    pub async fn earn_deallocate_status(
        &self,
        strategy_id: &str,
    ) -> Result<rest::EarnOperationStatus, ExchangeError> {
        self.call(&rest::EarnDeallocateStatusRequest {
            strategy_id: strategy_id.to_owned(),
        })
        .await
    }

    /// `AddOrder`. Sent at most once.
    pub async fn add_order(
        &self,
        request: &rest::AddOrderRequest,
    ) -> Result<rest::AddOrderResult, ExchangeError> {
        self.call(request).await
    }

    /// `CancelOrder`. Sent at most once.
    pub async fn cancel_order(
        &self,
        request: &rest::CancelOrderRequest,
    ) -> Result<rest::CancelOrderResult, ExchangeError> {
        self.call(request).await
    }

    /// `OpenOrders`.
    pub async fn open_orders(
        &self,
        request: &rest::OpenOrdersRequest,
    ) -> Result<rest::OpenOrdersResult, ExchangeError> {
        self.call(request).await
    }

    /// `ClosedOrders`.
    pub async fn closed_orders(
        &self,
        request: &rest::ClosedOrdersRequest,
    ) -> Result<rest::ClosedOrdersResult, ExchangeError> {
        self.call(request).await
    }

    /// `TradesHistory`.
    pub async fn trades_history(
        &self,
        request: &rest::TradesHistoryRequest,
    ) -> Result<rest::TradesHistoryResult, ExchangeError> {
        self.call(request).await
    }

    /// Public `Time`.
    pub async fn server_time(&self) -> Result<rest::TimeResult, ExchangeError> {
        self.public("Time", &()).await
    }

    /// Public `Assets`.
    pub async fn assets(
        &self,
        request: &rest::AssetsRequest,
    ) -> Result<std::collections::BTreeMap<String, rest::AssetInfo>, ExchangeError> {
        self.public("Assets", request).await
    }

    /// Public `AssetPairs`.
    pub async fn asset_pairs(
        &self,
        request: &rest::AssetPairsRequest,
    ) -> Result<std::collections::BTreeMap<String, rest::AssetPairInfo>, ExchangeError> {
        self.public("AssetPairs", request).await
    }

    fn url(&self, path: &str) -> Result<Url, ExchangeError> {
        self.base
            .join(path)
            .map_err(|_| ExchangeError::BaseUrl(self.base.to_string()))
    }

    fn parse<T: DeserializeOwned>(
        &self,
        path: &str,
        bytes: &[u8],
    ) -> Result<Answer<T>, ExchangeError> {
        let envelope: Envelope<T> =
            serde_json::from_slice(bytes).map_err(|e| ExchangeError::Protocol {
                url: path.to_owned(),
                message: e.to_string(),
            })?;
        let messages = Messages::parse(&envelope.error);
        if let Some(e) = messages.errors.into_iter().next() {
            return Err(ExchangeError::Api(e));
        }
        let result = envelope.result.ok_or_else(|| ExchangeError::Protocol {
            url: path.to_owned(),
            message: "response carried neither error nor result".into(),
        })?;
        Ok(Answer {
            result,
            warnings: messages.warnings,
        })
    }

    /// Sends a private call, retrying as the endpoint allows; returns the body of an answer that
    /// carries no error.
    async fn private<T: Serialize>(
        &self,
        endpoint: Endpoint,
        request: &T,
        otp: Option<&str>,
    ) -> Result<Vec<u8>, ExchangeError> {
        let policy = self.options.retry;
        let attempts = policy.attempts.max(1);
        let mut retries = 0;
        loop {
            let attempt = self.attempt(endpoint, request, otp).await?;
            let last = retries + 1 >= attempts;
            match self.judge(endpoint, attempt, last) {
                Next::Done(bytes) => return Ok(bytes),
                Next::Fail(e) => return Err(e),
                Next::Retry { backoff } => {
                    if backoff {
                        tokio::time::sleep(policy.delay(retries)).await;
                    }
                    retries += 1;
                }
            }
        }
    }

    /// Decides what an attempt means for this endpoint.
    fn judge(&self, endpoint: Endpoint, attempt: Attempt, last: bool) -> Next {
        let url = endpoint.path();
        let safe = endpoint.retry_safe();
        let may_retry = safe && !last;
        match attempt {
            Attempt::NotSent(message) => {
                if may_retry {
                    Next::Retry { backoff: true }
                } else {
                    Next::Fail(ExchangeError::Unreachable { url, message })
                }
            }
            Attempt::Lost(message) => {
                if may_retry {
                    Next::Retry { backoff: true }
                } else if safe {
                    Next::Fail(ExchangeError::Unreachable { url, message })
                } else {
                    Next::Fail(ExchangeError::OutcomeUnknown { endpoint, message })
                }
            }
            Attempt::Redirected(location) => Next::Fail(ExchangeError::Redirected {
                url: endpoint.path(),
                location,
            }),
            Attempt::Answered(bytes) => {
                let Ok(ErrorsOnly { error }) = serde_json::from_slice::<ErrorsOnly>(&bytes) else {
                    // Not an envelope: the zip of RetrieveExport, or garbage the typed parse
                    // reports.
                    return Next::Done(bytes);
                };
                let Some(error) = Messages::parse(&error).errors.into_iter().next() else {
                    return Next::Done(bytes);
                };
                match &error {
                    ApiError::InvalidNonce => {
                        // Refused before anything happened; the next nonce jumps above the mark.
                        self.key.nonces().resync();
                        if may_retry {
                            return Next::Retry { backoff: false };
                        }
                    }
                    ApiError::RateLimitExceeded | ApiError::TooManyRequests => {
                        let now = self.key.now_ms();
                        self.key.pacer(|p| p.saturate(now));
                        if may_retry {
                            return Next::Retry { backoff: false };
                        }
                    }
                    e if e.is_transient() && may_retry => return Next::Retry { backoff: true },
                    ApiError::InternalError => {
                        if may_retry {
                            return Next::Retry { backoff: true };
                        }
                        if !safe {
                            return Next::Fail(ExchangeError::OutcomeUnknown {
                                endpoint,
                                message: error.to_string(),
                            });
                        }
                    }
                    _ => {}
                }
                Next::Fail(ExchangeError::Api(error))
            }
        }
    }

    /// One signed send: the key's turn, the rate counter, a fresh nonce.
    async fn attempt<T: Serialize>(
        &self,
        endpoint: Endpoint,
        request: &T,
        otp: Option<&str>,
    ) -> Result<Attempt, ExchangeError> {
        let path = endpoint.path();
        let url = self.url(&path)?;
        let cost = endpoint.rate_cost();
        let _turn = self.key.turn.lock().await;
        loop {
            let now = self.key.now_ms();
            match self.key.pacer(|p| p.reserve(cost, now)) {
                Ok(()) => break,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
        let nonce = self.key.nonces().next()?;
        let body = rest::form_body(nonce, otp, request).map_err(|e| ExchangeError::Protocol {
            url: path.clone(),
            message: format!("cannot encode the request: {e}"),
        })?;
        let creds = self.key.credentials();
        let sign = countersign_kraken::sign(&creds.api_secret, &path, &nonce.to_string(), &body);
        let sent = self.key.now_ms();
        let response = self
            .http
            .post(url)
            .header(HEADER_API_KEY, &creds.api_key)
            .header(HEADER_API_SIGN, sign)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        let outcome = match response {
            Err(e) if e.is_connect() => Attempt::NotSent(crate::transport::explain(e)),
            Err(e) => Attempt::Lost(crate::transport::explain(e)),
            Ok(r) => match crate::transport::redirect_target(&r) {
                Some(location) => Attempt::Redirected(location),
                None => {
                    let status = r.status();
                    match r.bytes().await.map(|b| b.to_vec()) {
                        Err(e) => Attempt::Lost(crate::transport::explain(e)),
                        Ok(b) if status.is_server_error() && !looks_like_envelope(&b) => {
                            Attempt::Lost(format!("HTTP {status}"))
                        }
                        Ok(b) => Attempt::Answered(b),
                    }
                }
            },
        };
        let answered = self.key.now_ms();
        self.key.pacer(|p| p.answered(cost, sent, answered));
        Ok(outcome)
    }

    /// A public call (`GET /0/public/<name>?query`): unsigned, unpaced, always safe to repeat.
    async fn public<Q: Serialize, T: DeserializeOwned>(
        &self,
        name: &str,
        query: &Q,
    ) -> Result<T, ExchangeError> {
        let path = format!("/0/public/{name}");
        let url = self.url(&path)?;
        let policy = self.options.retry;
        let attempts = policy.attempts.max(1);
        let mut retry = 0;
        loop {
            let last = retry + 1 >= attempts;
            let result = match self.http.get(url.clone()).query(query).send().await {
                Ok(r) => r.bytes().await.map(|b| b.to_vec()),
                Err(e) => Err(e),
            };
            match result {
                Ok(bytes) => match self.parse::<T>(&path, &bytes) {
                    Err(ExchangeError::Api(e)) if e.is_transient() && !last => {}
                    other => return other.map(|a| a.result),
                },
                Err(e) if last => {
                    return Err(ExchangeError::Unreachable {
                        url: path,
                        message: crate::transport::explain(e),
                    });
                }
                Err(_) => {}
            }
            tokio::time::sleep(policy.delay(retry)).await;
            retry += 1;
        }
    }
}

fn looks_like_envelope(bytes: &[u8]) -> bool {
    serde_json::from_slice::<ErrorsOnly>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(700),
        };
        let d: Vec<_> = (0..5).map(|i| p.delay(i).as_millis()).collect();
        assert_eq!(d, [100, 200, 400, 700, 700]);
        assert_eq!(p.delay(40), Duration::from_millis(700));
    }
}
