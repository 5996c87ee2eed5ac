//! The exchange's REST API, wire-compatible with the official one for the calls the sandbox
//! implements (`shared/spec/kraken-rest.md`): `POST /0/private/<Name>` signed like the exchange,
//! and `GET|POST /0/public/{Time, Assets, AssetPairs}`.
//!
//! Every private call passes, in the exchange's order: lockout, key, signature, nonce
//! ([`crate::auth`]); then the key's settings — expiry (`valid_until`), the IP allowlist, 2FA
//! (`otp`) — the per-key rate counter ([`crate::gate`]), and the permission the endpoint needs
//! ([`Endpoint::requirement`]). Only then does the handler run.
//!
//! - [`crate::market`]: assets and pairs, with names, fees and reference prices (shared with the
//!   seed's history).
//! - `funding`: balances, deposits, withdrawals (under the Organization's policy).
//! - `ledger`: `Ledgers`, `QueryLedgers`, honouring the key's query window.
//! - `export`: ledger and trades exports as the exchange's zip.
//! - `trading`: spot orders and trades under a fixed-price fill model.
//! - `earn`: flexible Earn strategies, allocations and deallocations.

mod earn;
mod export;
mod funding;
mod ledger;
mod public;
mod trading;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use countersign_kraken::rest::{Endpoint, Requirement};
use countersign_org::view::RefusalCause;

use crate::db;
use countersign_kraken::{ApiError, Envelope};
use serde::Serialize;

use crate::Sandbox;
use crate::auth::{Caller, authenticate};

/// Routes of the exchange's public and private calls.
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/0/private/{*call}", post(private_call))
        .route("/0/public/{call}", get(public::call).post(public::call))
        .with_state(sandbox)
}

/// `EGeneral:Unknown method`, for a path that names no call.
fn unknown_method() -> ApiError {
    ApiError::UnknownMethod
}

async fn private_call(
    State(sandbox): State<Sandbox>,
    Path(call): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    tokio::task::spawn_blocking(move || {
        let Some(endpoint) = Endpoint::parse(&call) else {
            return envelope_err(&unknown_method());
        };
        let peer = peer.ip();
        let caller = match authenticate(&sandbox, &headers, uri.path(), &body, Some(peer))
            .and_then(|c| admit(&sandbox, c, endpoint))
        {
            Ok(c) => c,
            Err(e) => return envelope_err(&e),
        };
        // What the key did, for the Organization's least-privilege review.
        if let Err(e) = db::record_call(
            &sandbox.conn(),
            &caller.key.api_key,
            endpoint.name(),
            &peer.to_string(),
            sandbox.now(),
        ) {
            return envelope_err(&crate::auth::internal(e));
        }
        // Which address-book entry a withdrawal call named, whatever its outcome: a bot still
        // using a name is what renaming or removing that entry must say. Only a name that could
        // be an entry's is kept: a call cannot grow the log by megabytes of garbage.
        if matches!(endpoint, Endpoint::Withdraw | Endpoint::WithdrawInfo)
            && let Some(entry) = caller.param("key")
            && countersign_org::is_valid_name(entry)
            && let Err(e) =
                db::record_destination(&sandbox.conn(), &caller.key.api_key, entry, sandbox.now())
        {
            return envelope_err(&crate::auth::internal(e));
        }
        match dispatch(&sandbox, &caller, endpoint) {
            Ok(Reply::Json(v)) => Json(Envelope::ok(v)).into_response(),
            Ok(Reply::Zip(bytes)) => (
                [(axum::http::header::CONTENT_TYPE, "application/zip")],
                bytes,
            )
                .into_response(),
            Err(e) => envelope_err(&e),
        }
    })
    .await
    .unwrap_or_else(|_| envelope_err(&ApiError::InternalError))
}

/// What a handler answers: a JSON result, or (`RetrieveExport`) the bytes of a zip.
enum Reply {
    Json(serde_json::Value),
    Zip(Vec<u8>),
}

fn json<T: Serialize>(v: &T) -> Result<Reply, ApiError> {
    serde_json::to_value(v)
        .map(Reply::Json)
        .map_err(|_| ApiError::InternalError)
}

fn dispatch(sandbox: &Sandbox, caller: &Caller, endpoint: Endpoint) -> Result<Reply, ApiError> {
    match endpoint {
        Endpoint::Balance => json(&funding::balance(sandbox)?),
        Endpoint::BalanceEx => json(&funding::balance_ex(sandbox)?),
        Endpoint::DepositMethods => json(&funding::deposit_methods(caller)?),
        Endpoint::DepositAddresses => json(&funding::deposit_addresses(caller)?),
        Endpoint::DepositStatus => json(&funding::deposit_status(sandbox, caller)?),
        Endpoint::WithdrawMethods => json(&funding::withdraw_methods(caller)?),
        Endpoint::WithdrawAddresses => json(&funding::withdraw_addresses(sandbox, caller)?),
        Endpoint::WithdrawInfo => json(&funding::withdraw_info(sandbox, caller)?),
        Endpoint::Withdraw => json(&funding::withdraw(sandbox, caller)?),
        Endpoint::WithdrawStatus => json(&funding::withdraw_status(sandbox, caller)?),
        Endpoint::WithdrawCancel => json(&funding::withdraw_cancel(sandbox, caller)?),
        Endpoint::Ledgers => json(&ledger::ledgers(sandbox, caller)?),
        Endpoint::QueryLedgers => json(&ledger::query_ledgers(sandbox, caller)?),
        Endpoint::GetWebSocketsToken => json(&funding::websockets_token()),
        Endpoint::AddExport => json(&export::add(sandbox, caller)?),
        Endpoint::ExportStatus => json(&export::status(sandbox, caller)?),
        Endpoint::RetrieveExport => export::retrieve(sandbox, caller).map(Reply::Zip),
        Endpoint::RemoveExport => json(&export::remove(sandbox, caller)?),
        Endpoint::EarnStrategies => json(&earn::strategies(caller)?),
        Endpoint::EarnAllocations => json(&earn::allocations(sandbox, caller)?),
        Endpoint::EarnAllocate => json(&earn::allocate(sandbox, caller)?),
        Endpoint::EarnDeallocate => json(&earn::deallocate(sandbox, caller)?),
        Endpoint::EarnAllocateStatus => json(&earn::allocate_status(caller)?),
        Endpoint::EarnDeallocateStatus => json(&earn::deallocate_status(caller)?),
        Endpoint::AddOrder => json(&trading::add_order(sandbox, caller)?),
        Endpoint::CancelOrder => json(&trading::cancel_order(sandbox, caller)?),
        Endpoint::OpenOrders => json(&trading::open_orders(sandbox, caller)?),
        Endpoint::ClosedOrders => json(&trading::closed_orders(sandbox, caller)?),
        Endpoint::TradesHistory => json(&trading::trades_history(sandbox, caller)?),
    }
}

/// The key's settings (its IP list aside, checked first of all), its rate counter and the
/// endpoint's permission, in that order.
fn admit(sandbox: &Sandbox, caller: Caller, endpoint: Endpoint) -> Result<Caller, ApiError> {
    let settings = &caller.key.spec.settings;
    let now = sandbox.now();
    let refused = |cause: RefusalCause, error: ApiError| match db::record_refusal(
        &sandbox.conn(),
        &caller.key.api_key,
        cause,
        now,
    ) {
        Ok(()) => error,
        Err(e) => crate::auth::internal(e),
    };
    // A stopped key, like an expired one, is disabled: it no longer authenticates.
    if caller.key.stopped {
        return Err(refused(RefusalCause::Stopped, ApiError::InvalidKey));
    }
    if settings.valid_until > 0 && now >= settings.valid_until {
        return Err(refused(RefusalCause::Expiry, ApiError::InvalidKey));
    }
    // The IP list is checked before the signature (`auth::authenticate`), for both APIs.
    // A key with 2FA signs `otp` with the body; missing or wrong, the exchange answers as for a
    // bad signature.
    if let Some(password) = &caller.key.otp_password
        && caller.param("otp") != Some(password.as_str())
    {
        sandbox
            .gate()
            .key_failed(&caller.key.api_key, sandbox.now_ms());
        return Err(ApiError::InvalidSignature);
    }
    let tier = sandbox.gate().tier();
    sandbox
        .gate()
        .charge(
            &caller.key.api_key,
            tier,
            endpoint.rate_cost(),
            sandbox.now_ms(),
        )
        .map_err(|_| ApiError::RateLimitExceeded)?;
    let scopes = &caller.key.spec.scopes;
    let allowed = match endpoint.requirement() {
        Requirement::AllOf(needed) => needed.iter().all(|s| scopes.contains(s)),
        Requirement::AnyOf(needed) => needed.iter().any(|s| scopes.contains(s)),
        Requirement::WebSocket => settings.websocket,
    };
    if !allowed {
        return Err(refused(RefusalCause::Scope, ApiError::PermissionDenied));
    }
    Ok(caller)
}

fn envelope_err(e: &ApiError) -> Response {
    Json(Envelope::<()>::err(e)).into_response()
}

/// A required field, or `EGeneral:Invalid arguments:<field>`.
fn required<'c>(caller: &'c Caller, field: &str) -> Result<&'c str, ApiError> {
    caller
        .param(field)
        .ok_or_else(|| ApiError::InvalidArguments(Some(field.to_owned())))
}

/// An optional field parsed as `T`, or `EGeneral:Invalid arguments:<field>` when malformed.
fn optional<T: std::str::FromStr>(caller: &Caller, field: &str) -> Result<Option<T>, ApiError> {
    caller
        .param(field)
        .map(|v| {
            v.parse()
                .map_err(|_| ApiError::InvalidArguments(Some(field.to_owned())))
        })
        .transpose()
}
