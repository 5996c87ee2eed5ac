//! The answers (`result`) the org API defines for itself. Views of the Organization that the
//! rules engine builds (`RequestView`, `OrgView`, `Preview`, `PolicyDiff`, `LockCheck`,
//! `RevealedKey`) are `countersign_org`'s.

use countersign_org::Preview;
use countersign_org::view::{ActorRef, RequestView, RevealedKey};
use serde::{Deserialize, Serialize};

/// `Me`: who the key belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeResult {
    /// The Organization's name.
    pub org_name: String,
    /// The member (its `kind` is always `member`).
    pub member: ActorRef,
    /// The device keys registered to them (base64), oldest first.
    #[serde(default)]
    pub devices: Vec<String>,
    /// Whether they have set up their authenticator; until then every call that needs a code
    /// is refused (`EOrg:2FA not enrolled`) and the app walks them through `EnrollTotp`.
    #[serde(default = "enrolled_by_default")]
    pub totp_enrolled: bool,
}

fn enrolled_by_default() -> bool {
    true
}

/// `ListRequests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResult {
    /// Newest first.
    pub requests: Vec<RequestView>,
}

/// `Submit`: the new request, why it completed or was queued, and a created key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResult {
    /// The new request, as the member now sees it.
    pub request: RequestView,
    /// The preview that decided it (never `not_permitted`).
    pub preview: Preview,
    /// A created service user's key, revealed this once (only when the initiator's own call
    /// completed it); `RevealedKey`'s `Debug` hides the secret.
    pub revealed: Option<RevealedKey>,
}

/// `RegisterDevice` and `ConfirmTotp`: the device key, and whether this call registered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredDevice {
    /// The key, as registered.
    pub device_key: String,
    /// Whether this call registered it (`false`: it already was).
    pub new: bool,
}

/// `EnrollTotp`: the new authenticator secret as an `otpauth://` URI. It carries the secret, so
/// `Debug` hides it; show it once (a QR code) and drop it. The server keeps the secret, as the
/// exchange does.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrollment {
    /// `otpauth://totp/…?secret=…`, for a QR code.
    pub otpauth_uri: String,
}

impl std::fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrollment(<redacted>)")
    }
}

/// `VerifyCode`: the code was right (a wrong one is an error), and the decision window it
/// opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeVerified {
    /// Always `true`.
    pub verified: bool,
    /// The decision window the code opened: decisions sent with its id before it closes need no
    /// other code. Absent when the Organization's window is 0 (a code per decision), and from
    /// an org API without windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<DecisionWindow>,
}

/// `CloseWindows`: how many of the member's decision windows were still open, and are closed now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowsClosed {
    /// Windows closed by this call (0: none was open).
    pub closed: u32,
}

/// A decision window (**extension**): one step-up, good for several decisions until it closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionWindow {
    /// Its id, sent as `window` with each decision; journaled with each decision it steps up.
    pub id: String,
    /// When the code opened it, unix seconds.
    pub opened_at: i64,
    /// When it closes, unix seconds: a decision sent at or after this needs a new code.
    pub closes_at: i64,
}

/// `ExportJournal`: the audit journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalExport {
    /// The whole journal as JSON Lines, oldest first; `countersign audit verify` checks it.
    pub lines: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let enrollment = TotpEnrollment {
            otpauth_uri: "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".into(),
        };
        assert!(!format!("{enrollment:?}").contains("JBSWY3DP"));
        let key = RevealedKey {
            api_key: "public".into(),
            api_secret: "c2VjcmV0".into(),
        };
        assert!(!format!("{key:?}").contains("c2VjcmV0"));
    }

    #[test]
    fn an_older_me_answer_defaults_to_enrolled_without_devices() {
        let me: MeResult = serde_json::from_value(serde_json::json!({
            "org_name": "o",
            "member": {"kind": "member", "id": "m-ben", "name": "Ben Ruiz"},
        }))
        .expect("parses");
        assert!(me.totp_enrolled);
        assert!(me.devices.is_empty());
    }
}
