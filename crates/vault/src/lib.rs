//! Secrets and 2FA (the OS keychain that keeps the member's API key and this device's signing
//! key is `countersign-keychain`).
//!
//! - [`TotpSecret`]: an RFC 6238 authenticator secret (SHA-1, 6 digits, 30 s), with
//!   [`TotpSecret::verify`] refusing replays and allowing one step of clock skew.
//! - [`DeviceKey`]: the device's Ed25519 signing key; [`DevicePublicKey`] verifies its signatures.
//! - [`journal`]: the hash-chained audit journal and its offline [`journal::verify`].
//! - [`mirror`]: [`DecisionMirror`], this device's own journal of what it signed, and
//!   [`mirror::compare_mirror`], which finds any of those decisions missing from (or altered in)
//!   the Organization's journal.

pub mod device;
pub mod journal;
pub mod mirror;
mod totp;

pub use device::{DeviceKey, DeviceKeyError, DevicePublicKey};
pub use journal::{Chain, JournalEvent, JournalFault, JournalRecord, Verified};
pub use mirror::{DecisionMirror, MirrorError};
pub use totp::{OtpRejection, STEP_SECONDS, TotpSecret};
