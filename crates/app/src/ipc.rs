//! The jobs' inputs and outputs that cross the IPC boundary to the webview, exported to
//! TypeScript by ts-rs (`ui/src/bindings/`, checked for drift by `cargo xtask test`). Request
//! views come from `countersign_org::view`; the error is [`crate::CommandError`].

pub use crate::error::{CommandError, ErrorCode};
use countersign_org::view::ActorRef;
use countersign_org::{RequestStatus, Workflow};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the session's org lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SessionMode {
    /// The embedded sandbox Organization (no account, no network).
    Sandbox,
    /// A remote org API.
    Remote,
}

/// The signed-in session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Session {
    /// Sandbox or remote.
    pub mode: SessionMode,
    /// The Organization's name.
    pub org_name: String,
    /// The org API base URL.
    pub base_url: String,
    /// The signed-in member.
    pub member: ActorRef,
    /// Whether the member has set up their authenticator. An invited member has not: the app
    /// walks them through enrollment before anything else.
    pub totp_enrolled: bool,
}

/// Which requests to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RequestFilter {
    /// Only this status.
    pub status: Option<RequestStatus>,
    /// Only this workflow.
    pub workflow: Option<Workflow>,
}

/// A sandbox demo member with its current TOTP code (sandbox mode only; the TOTP secret never
/// leaves Rust).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DemoMember {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// What the member may do.
    pub role: String,
    /// The current 6-digit code; absent until the member enrolls an authenticator.
    pub code: Option<String>,
    /// Seconds until the code changes.
    #[ts(type = "number")]
    pub seconds_remaining: u64,
    /// Whether this is the signed-in member.
    pub current: bool,
}

/// A 2FA enrollment to show once: the `otpauth://` URI and the same as a QR code. It carries the
/// authenticator secret; the core keeps no copy (the server has it, as the exchange does).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Enrollment {
    /// `otpauth://totp/…?secret=…&issuer=…`
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrollment(<redacted>)")
    }
}

/// This device's signing key and whether the signed-in member has registered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeviceStatus {
    /// The Ed25519 public key, base64.
    pub public_key: String,
    /// Whether decisions signed by it are accepted for this member.
    pub registered: bool,
}

/// A service user's key as its least-privilege review shows it: what it did at the exchange API,
/// and the advice drawn from that (`null`: nothing to tighten, or never used).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KeyReview {
    /// Endpoints called, refusals by cause, addresses, each scope's last use.
    pub usage: countersign_org::view::KeyUsage,
    /// What it could lose without losing anything it used.
    pub advice: Option<countersign_org::KeyAdvice>,
}

/// A service user whose withdrawal calls named an address-book entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EntryCaller {
    /// The service user.
    pub service_user: ActorRef,
    /// Calls naming the entry.
    #[ts(type = "number")]
    pub calls: u64,
    /// The last one, unix seconds.
    #[ts(type = "number")]
    pub last_at: i64,
}

/// What a submission did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SubmitOutcome {
    /// The new request.
    pub request: countersign_org::view::RequestView,
    /// Why it completed or was queued.
    pub preview: countersign_org::Preview,
    /// When it created a service user at once: the new key, revealed this once. This is the one
    /// place a secret reaches the webview (architecture: "the one-time reveal"); it is not kept
    /// anywhere else, by the app or the server.
    pub revealed: Option<countersign_org::view::RevealedKey>,
}

/// What changed, as the webview hears it: enough to read the list again and to say what
/// happened, never a request's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeskEvent {
    /// `submitted`, `decided`, `cancelled`, `expired` or `stopped`.
    pub kind: String,
    /// The request it concerns (none for a stop).
    pub request_id: Option<String>,
    /// Its status after the change.
    pub status: Option<RequestStatus>,
}

/// Where the desk stands with the Organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncState {
    /// The stream is open: every change arrives as it happens.
    pub live: bool,
    /// Live: since when. Not live: when the desk was last known to be in sync (the stream's
    /// last sign of life), unix milliseconds; `None` before the first connection.
    #[ts(type = "number | null")]
    pub since_ms: Option<i64>,
    /// Not live: when the next attempt is, unix milliseconds.
    #[ts(type = "number | null")]
    pub retry_at_ms: Option<i64>,
    /// Not live: why, in plain words.
    pub problem: Option<String>,
}
