//! Secrets and 2FA.
//!
//! - [`Keychain`] (blocking; call it off async workers): member API credentials (`countersign_kraken::Credentials`) in the OS keychain (Secret Service
//!   on Linux, Keychain on macOS, Credential Manager on Windows). There is no fallback: without a
//!   usable keychain every call fails with a [`KeychainError`] that says what to install or unlock.
//! - [`TotpSecret`]: an RFC 6238 authenticator secret (SHA-1, 6 digits, 30 s), with
//!   [`TotpSecret::verify`] refusing replays and allowing one step of clock skew.
//! - [`DeviceKey`]: the device's Ed25519 signing key; [`DevicePublicKey`] verifies its signatures.
//! - [`journal`]: the hash-chained audit journal and its offline [`journal::verify`].
//! - [`mirror`]: [`DecisionMirror`], this device's own journal of what it signed, and
//!   [`mirror::compare_mirror`], which finds any of those decisions missing from (or altered in)
//!   the Organization's journal.

pub mod device;
pub mod journal;
mod keychain;
pub mod mirror;
mod totp;

pub use device::{DeviceKey, DeviceKeyError, DevicePublicKey};
pub use journal::{Chain, JournalEvent, JournalFault, JournalRecord, Verified};
pub use keychain::{Keychain, KeychainError};
pub use mirror::{DecisionMirror, MirrorError};
pub use totp::{OtpRejection, STEP_SECONDS, TotpSecret};
