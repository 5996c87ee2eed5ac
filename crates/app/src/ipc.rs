//! The types that cross the IPC boundary to the webview, exported to TypeScript by ts-rs
//! (`ui/src/bindings/`, checked for drift by `cargo xtask test`). Request views come from
//! `countersign_org::view`.

use countersign_client::ClientError;
use countersign_kraken::{ApiError, OrgRefusal};
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

/// What the UI branches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The member initiated the request.
    SelfApproval,
    /// The member already decided it.
    AlreadyDecided,
    /// The request is terminal.
    NotPending,
    /// A workflow permission is missing.
    NotPermitted,
    /// The 2FA code is wrong, expired or already used.
    InvalidOtp,
    /// No such request (or not visible).
    NotFound,
    /// An argument is malformed.
    InvalidInput,
    /// The key, signature or nonce was refused, or no credentials are available.
    Auth,
    /// The org API cannot be reached, or the action does not exist in this mode.
    Unavailable,
    /// The app is locked (idle, or locked by hand): unlock it with the member's code.
    Locked,
    /// The member has not set up their authenticator yet.
    NotEnrolled,
    /// Anything else.
    Internal,
}

/// The one error shape that crosses the IPC boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct CommandError {
    /// What the UI branches on.
    pub code: ErrorCode,
    /// What happened and what to do, in plain words.
    pub message: String,
}

impl CommandError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<ClientError> for CommandError {
    fn from(e: ClientError) -> Self {
        let (code, message) = match &e {
            ClientError::Api(ApiError::Org(r)) => match r {
                OrgRefusal::SelfApproval => (
                    ErrorCode::SelfApproval,
                    "You initiated this request; another member must approve it.".to_owned(),
                ),
                OrgRefusal::AlreadyDecided => (
                    ErrorCode::AlreadyDecided,
                    "You already decided this request; each member counts once.".to_owned(),
                ),
                OrgRefusal::NotPending => (
                    ErrorCode::NotPending,
                    "This request is no longer pending.".to_owned(),
                ),
                OrgRefusal::UnknownRequest => {
                    (ErrorCode::NotFound, "No such request is visible to you.".to_owned())
                }
                OrgRefusal::InvalidOtp => (
                    ErrorCode::InvalidOtp,
                    "That code is wrong, expired or already used. Enter the current code from your authenticator."
                        .to_owned(),
                ),
                OrgRefusal::NotPermitted => (
                    ErrorCode::NotPermitted,
                    "The Organization's rules do not permit this for you; preview it to see which rule refuses it."
                        .to_owned(),
                ),
                OrgRefusal::MembersOnly => (
                    ErrorCode::Auth,
                    "This key belongs to a service user; sign in with a member's key.".to_owned(),
                ),
                OrgRefusal::InvalidSignature => (
                    ErrorCode::Auth,
                    "The Organization did not accept this device's signature of the decision; check the device clock, or register this device again."
                        .to_owned(),
                ),
                OrgRefusal::LockedOut => (
                    ErrorCode::InvalidOtp,
                    "Too many wrong codes: decisions are locked for 15 minutes. Check your authenticator's clock."
                        .to_owned(),
                ),
                OrgRefusal::NotEnrolled => (
                    ErrorCode::NotEnrolled,
                    "Set up your authenticator first: every decision needs its code.".to_owned(),
                ),
                OrgRefusal::AlreadyEnrolled => (
                    ErrorCode::InvalidInput,
                    "Your authenticator is already set up.".to_owned(),
                ),
            },
            ClientError::Api(api) => match api.category() {
                countersign_kraken::ErrorCategory::Auth | countersign_kraken::ErrorCategory::Nonce => {
                    (ErrorCode::Auth, format!("The org API refused the credentials ({api})."))
                }
                countersign_kraken::ErrorCategory::Arguments => (ErrorCode::InvalidInput, api.to_string()),
                // `EOrg:Cannot complete: <reason>`: the Organization changed while it waited.
                countersign_kraken::ErrorCategory::Org => (
                    ErrorCode::NotPermitted,
                    api.to_string().trim_start_matches("EOrg:").to_owned(),
                ),
                countersign_kraken::ErrorCategory::Funding => (
                    ErrorCode::NotPermitted,
                    format!("The exchange refused the funds movement ({api})."),
                ),
                countersign_kraken::ErrorCategory::Unavailable
                | countersign_kraken::ErrorCategory::RateLimit => {
                    (ErrorCode::Unavailable, format!("The org API is unavailable ({api}); try again shortly."))
                }
                _ => (ErrorCode::Internal, api.to_string()),
            },
            ClientError::Unreachable { .. } => (ErrorCode::Unavailable, e.to_string()),
            ClientError::Protocol { .. } => (ErrorCode::Internal, e.to_string()),
            ClientError::BaseUrl(_) => (ErrorCode::InvalidInput, e.to_string()),
            ClientError::Mirror(_) => (
                ErrorCode::Unavailable,
                format!("Nothing was signed: this device keeps a record of every decision it signs, and {e}"),
            ),
        };
        Self { code, message }
    }
}
