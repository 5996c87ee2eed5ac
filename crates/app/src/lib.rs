//! What the desktop app does, reachable without a window (the Tauri shell is a thin wrapper).
//!
//! - [`AppCore`]: one signed-in session, either on the embedded sandbox (started in-process on a
//!   random loopback port, signed in as a demo member) or on a remote org API (credentials from
//!   the OS keychain). Its methods are the app's commands.
//! - [`RemoteConfig`]: the remote the app and the CLI use, a base URL in a config file; the key
//!   pair itself lives only in the keychain.
//! - [`ipc`]: the types that cross the IPC boundary, exported to TypeScript, with
//!   [`ipc::CommandError`], the one `{code, message}` error shape.
//! - [`LedgerReview`] ([`ledgers`]): the Ledgers area, a local review workspace of ledger
//!   exports, independent of the session (it works offline) and its views for the webview.
//! - [`SystemLockWatcher`]: locks when the OS reports sleep or a screen lock (logind and the
//!   screensaver over D-Bus on Linux), saying why with a [`LockReason`].

mod config;
mod core;
pub mod ipc;
pub mod ledgers;
pub mod reveal;
pub mod system_lock;

pub use config::{ConfigError, RemoteConfig};
pub use core::AppCore;
pub use ledgers::LedgerReview;
pub use system_lock::{LockReason, SystemLockWatcher};
