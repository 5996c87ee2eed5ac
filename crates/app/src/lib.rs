//! The jobs the desktop app and the `countersign` CLI both do: each front end parses, calls one of
//! these functions and shows what it returns; neither talks to the org client or a store itself.
//!
//! One module per job family, each job a function from typed input to typed output or one
//! [`CommandError`] (an [`ErrorCode`] the UI branches on, and a message):
//! - [`approvals`]: the queue and its decisions, one or a batch, stepped up by a code or the
//!   decision [`window`] one opened; [`requests`]: preview, submit, cancel, reveal,
//!   and [`requests::Draft`], a request as a person describes it;
//! - [`keys`] (a service user's key, its one-time reveal), [`members`], [`addresses`],
//!   [`policies`]: what each admin area needs to build and check its requests;
//! - [`stops`]: emergency stops, pulled at once by one member; [`push`]: the event stream that
//!   tells the desk at once, reconnecting with backoff;
//! - [`trust`]: this device's signing key, enrollment, the audit journal and the decision
//!   mirror; [`orgs`]: adding and leaving a remote org; [`sandbox`]: the demo Organization;
//! - [`ledgers`]: the offline review of ledger exports ([`LedgerReview`]).
//!
//! [`AppCore`] holds the state (sandbox or remote session, the lock, the ledger workspace) and is
//! the only door to it: [`AppCore::org`] hands out an [`OrgAccess`] and [`AppCore::ledgers`] the
//! review, both only while the app is unlocked ([`AppLock`], [`Unlocked`]), so the lock cannot be
//! forgotten by a job. The keychain, clock, clipboard and data paths come from an
//! [`Environment`], so app flows run under plain `cargo test` with an in-memory keychain.
//!
//! Also: [`ipc`], the inputs and outputs that cross to the webview (exported to TypeScript);
//! [`RemoteConfig`], the remote's base URL on disk; [`SystemLockWatcher`], which locks when the
//! OS reports sleep or a screen lock.

pub mod addresses;
pub mod approvals;
mod config;
mod connect;
mod core;
mod env;
mod error;
pub mod ipc;
pub mod keys;
pub mod ledgers;
mod lock;
pub mod members;
pub mod notices;
pub mod orgs;
pub mod policies;
pub mod push;
pub mod requests;
pub mod reveal;
pub mod sandbox;
pub mod stops;
pub mod system_lock;
pub mod trust;
pub mod window;

pub use config::{ConfigError, RemoteConfig};
pub use connect::Target;
pub use core::{AppCore, OrgAccess};
pub use env::{
    Clock, DataPaths, Environment, SharedClipboard, fixed_clock, keep_files_private, system_clock,
};
pub use error::{CommandError, ErrorCode, Otp};
pub use ledgers::LedgerReview;
pub use lock::{AppLock, DEFAULT_IDLE_MINUTES, IDLE_CHOICES, Unlocked};
pub use system_lock::{LockReason, SystemLockWatcher};
