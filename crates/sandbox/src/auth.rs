//! Authentication exactly as the exchange does it: `API-Key`, `API-Sign` over the URI path and
//! the exact body, and a nonce strictly increasing per key (within the key's `nonce_window`, each
//! nonce once). Repeated failures lock the key, or for unknown keys the calling address, out
//! (see [`crate::gate`]).

use std::collections::HashMap;
use std::net::IpAddr;

use axum::http::HeaderMap;
use countersign_kraken::{ApiError, HEADER_API_KEY, HEADER_API_SIGN};
use countersign_org::Actor;

use crate::{Sandbox, db};

/// An authenticated caller and the parsed form fields of its call.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Whose key signed the call.
    pub actor: Actor,
    /// The call's form fields (`nonce` included).
    pub params: HashMap<String, String>,
    /// The key that signed it.
    pub(crate) key: db::KeyRecord,
}

impl Caller {
    /// A field, if present and non-empty.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// Parses a call body: form-encoded, or JSON (the exchange accepts both). JSON values that are
/// not strings keep their JSON text (`12.5`, `true`).
pub(crate) fn parse_body(
    headers: &HeaderMap,
    body: &str,
) -> Result<HashMap<String, String>, ApiError> {
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return serde_urlencoded::from_str(body).map_err(|_| ApiError::InvalidArguments(None));
    }
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(body).map_err(|_| ApiError::InvalidArguments(None))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect())
}

/// Checks lockout, key, signature and nonce for a call to `uri_path` with the raw `body` from
/// `peer`; records the nonce. Errors carry the exchange's exact strings.
pub fn authenticate(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    uri_path: &str,
    body: &str,
    peer: Option<IpAddr>,
) -> Result<Caller, ApiError> {
    let now_ms = sandbox.now_ms();
    let gate = sandbox.gate();
    let api_key = header(headers, HEADER_API_KEY).ok_or(ApiError::InvalidKey)?;
    gate.check_lockout(api_key, peer, now_ms)
        .map_err(|_| ApiError::TemporaryLockout)?;
    let conn = sandbox.conn();
    let Some(key) = db::key(&conn, api_key).map_err(internal)? else {
        gate.address_failed(peer, now_ms);
        return Err(ApiError::InvalidKey);
    };
    // From outside the key's IP list, nothing is looked at: not the signature (bad ones would
    // lock the key out for everyone), not the nonce (a good one would spend the key's nonces).
    // The failure counts against the address alone.
    if let Some(peer) = peer
        && !key.spec.settings.admits(peer)
    {
        gate.address_failed(Some(peer), now_ms);
        db::record_refusal(
            &conn,
            api_key,
            countersign_org::view::RefusalCause::Ip,
            sandbox.now(),
        )
        .map_err(internal)?;
        return Err(ApiError::PermissionDenied);
    }
    let params = parse_body(headers, body)?;
    let nonce_text = params.get("nonce").map_or("", String::as_str);
    let signed = header(headers, HEADER_API_SIGN).is_some_and(|sig| {
        countersign_kraken::verify_signature(&key.secret, uri_path, nonce_text, body, sig)
    });
    if !signed {
        gate.key_failed(api_key, now_ms);
        return Err(ApiError::InvalidSignature);
    }
    let Ok(nonce) = nonce_text.parse::<u64>() else {
        gate.key_failed(api_key, now_ms);
        return Err(ApiError::InvalidNonce);
    };
    // Spent in the database, in one immediate transaction: once, across restarts and processes.
    if db::spend_nonce(&conn, &key, nonce, sandbox.now()).map_err(internal)? {
        gate.key_succeeded(api_key);
    } else {
        gate.key_failed(api_key, now_ms);
        db::record_refusal(
            &conn,
            api_key,
            countersign_org::view::RefusalCause::Nonce,
            sandbox.now(),
        )
        .map_err(internal)?;
        return Err(ApiError::InvalidNonce);
    }
    Ok(Caller {
        actor: key.owner.clone(),
        params,
        key,
    })
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

pub(crate) fn internal(e: db::StoreError) -> ApiError {
    if let db::StoreError::NoLongerPending(_) = e {
        // Another process decided it first: this call's decision was not taken.
        return ApiError::Org(countersign_kraken::OrgRefusal::NotPending);
    }
    tracing::error!(error = %e, "sandbox store failure");
    ApiError::InternalError
}
