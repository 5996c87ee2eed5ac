//! Authentication exactly as the exchange does it: `API-Key`, `API-Sign` over the URI path and
//! the exact body, and a nonce strictly increasing per key (within the key's `nonce_window`).

use std::collections::HashMap;

use axum::http::HeaderMap;
use countersign_kraken::{ApiError, HEADER_API_KEY, HEADER_API_SIGN, NonceCheck, NonceWindow};
use countersign_org::Actor;

use crate::{Sandbox, db};

/// An authenticated caller and the parsed form fields of its call.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Whose key signed the call.
    pub actor: Actor,
    /// The call's form fields (`nonce` included).
    pub params: HashMap<String, String>,
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

/// Checks key, signature and nonce for a call to `uri_path` with the raw `body`; records the
/// nonce. Errors carry the exchange's exact strings.
pub fn authenticate(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    uri_path: &str,
    body: &str,
) -> Result<Caller, ApiError> {
    let api_key = header(headers, HEADER_API_KEY).ok_or(ApiError::InvalidKey)?;
    let api_sign = header(headers, HEADER_API_SIGN).ok_or(ApiError::InvalidSignature)?;
    let params: HashMap<String, String> =
        serde_urlencoded::from_str(body).map_err(|_| ApiError::InvalidArguments(None))?;
    let nonce_text = params.get("nonce").ok_or(ApiError::InvalidNonce)?;
    let nonce: u64 = nonce_text.parse().map_err(|_| ApiError::InvalidNonce)?;

    let conn = sandbox.conn();
    let key = db::key(&conn, api_key)
        .map_err(internal)?
        .ok_or(ApiError::InvalidKey)?;
    if !countersign_kraken::verify_signature(&key.secret, uri_path, nonce_text, body, api_sign) {
        return Err(ApiError::InvalidSignature);
    }
    let window = NonceWindow {
        highest: key.highest_nonce,
        window: key.nonce_window,
    };
    match window.check(nonce) {
        NonceCheck::Reject => return Err(ApiError::InvalidNonce),
        NonceCheck::Accept { highest } => {
            db::record_use(&conn, api_key, highest, sandbox.now()).map_err(internal)?;
        }
    }
    Ok(Caller {
        actor: key.owner,
        params,
    })
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

pub(crate) fn internal(e: db::StoreError) -> ApiError {
    tracing::error!(error = %e, "sandbox store failure");
    ApiError::InternalError
}
