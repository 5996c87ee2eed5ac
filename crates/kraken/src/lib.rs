//! The exchange's REST wire protocol, with no I/O.
//!
//! - [`sign`] / [`verify_signature`]: the `API-Sign` scheme (HMAC-SHA512 over the URI path and
//!   SHA-256 of nonce ‖ body), used by the client to sign and by the sandbox to verify.
//! - [`ApiSecret`], [`Credentials`]: a decoded private key that never prints itself, and a key pair.
//! - [`NonceWindow`]: the per-key nonce acceptance rule.
//! - [`Envelope`]: the `{"error": [...], "result": ...}` shape of every response.
//! - [`ApiError`]: the exchange's error strings as a typed enum ([`FundingError`], [`QueryError`],
//!   [`OrderError`], [`OrgRefusal`]), round-tripping the exact text; [`ErrorCategory`] for what to
//!   do next; [`Messages`] splits an `error` array into errors and [`ApiWarning`]s.
//! - [`RateTier`], [`RateLimit`]: the per-key call counter by verification tier.
//! - [`Scope`]: an API key permission by its wire name (`funds_withdraw`, ...).
//! - [`Timestamp`]: an instant as the exchange keeps it (ten-thousandths of a second), with the
//!   API's spelling (unix seconds) and the exports' (`YYYY-MM-DD HH:MM:SS[.ffff]` UTC); the one
//!   time type of the REST results, the exports and the review store.
//! - [`rest`]: every private endpoint ([`rest::Endpoint`], with its permission, rate cost and
//!   retry safety) and its request and result types, shared by the client and the sandbox.

mod envelope;
mod error;
mod nonce;
mod rate;
pub mod rest;
mod scope;
mod sign;
mod time;

pub use envelope::Envelope;
pub use error::{
    ApiError, ApiWarning, ErrorCategory, FundingError, Messages, OrderError, OrgRefusal, QueryError,
};
pub use nonce::{MAX_NONCE_WINDOW, NonceCheck, NonceWindow};
pub use rate::{RateLimit, RateTier};
pub use scope::{Scope, ScopeGroup};
pub use sign::{ApiSecret, Credentials, SecretError, sign, verify_signature};
pub use time::{TICKS_PER_SECOND, TimeError, Timestamp};

/// HTTP header carrying the public API key.
pub const HEADER_API_KEY: &str = "API-Key";
/// HTTP header carrying the request signature.
pub const HEADER_API_SIGN: &str = "API-Sign";
