//! Each call's form fields (after `nonce`), as the client sends them and the server reads them.
//!
//! Serialized (`serde_urlencoded`) in the order the fields are declared; optional fields that are
//! absent are not sent. The `read` functions decode the fields from a [`Fields`] in the order the
//! contract checks them and name the first missing or malformed one. Parts the contract checks
//! at different moments are separate types flattened into the call's parameters:
//! [`RequestStepUp`] (`otp`, then `id`) before the rules, [`DeviceSignature`] after them,
//! [`Submission`] before an executing submission's step-up.

use countersign_org::{Policy, RequestPayload, RequestStatus, Workflow};
use serde::{Deserialize, Serialize};

use crate::form::{self, Fields, InvalidArgument, JsonText, Otp, StatementTime, flag};

/// No fields but `nonce` (`Me`, `Org`, `EnrollTotp`, `ExportJournal`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoParams {}

/// `ListRequests`: optional filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRequestsParams {
    /// Only requests in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
    /// Only requests of this workflow (still limited to those the member may View).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
}

impl ListRequestsParams {
    /// `status`, then `workflow`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            status: form::optional(fields, "status")?,
            workflow: form::optional(fields, "workflow")?,
        })
    }
}

/// `GetRequest`: the request's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetRequestParams {
    /// The request's id.
    pub id: String,
}

impl GetRequestParams {
    /// `id`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            id: form::required(fields, "id")?,
        })
    }
}

/// A request to run through the rules engine: `payload` and `execute` (`Preview`, `Submit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// The request, as JSON text.
    pub payload: JsonText<RequestPayload>,
    /// Ask to complete it at once (Execute); absent means `false`.
    #[serde(with = "flag", default)]
    pub execute: bool,
    /// Why the initiator asks, shown with the request to every viewer (optional, at most
    /// [`MAX_REASON`] characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Submission {
    /// `payload`, `execute`, then `reason`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            payload: form::required(fields, "payload")?,
            execute: flag::read(fields, "execute")?,
            reason: read_reason(fields)?,
        })
    }
}

/// `Preview`: the submission, and optionally the member to preview it as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewParams {
    /// What would be submitted.
    #[serde(flatten)]
    pub submission: Submission,
    /// Preview as this member (a current member's id); absent: the caller.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub as_member: Option<String>,
}

impl PreviewParams {
    /// The submission's fields, then `as` (whose member the server checks later).
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            submission: Submission::read(fields)?,
            as_member: form::optional(fields, "as")?,
        })
    }
}

/// `Submit`: the submission, and when it executes at once under a policy, the step-up: the
/// member's code and the device signature of the `execute` statement (whose request id is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitParams {
    /// What is submitted.
    #[serde(flatten)]
    pub submission: Submission,
    /// The member's current code, needed only when executing under a policy (read with
    /// [`Otp::read`] at that point; ignored otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<Otp>,
    /// Or an open decision window of the member's, in place of `otp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// The device signature of the execution, with `otp` or `window`.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<DeviceSignature>,
}

impl SubmitParams {
    /// An executing submission's step-up: `window`, or else the required `otp` (its request has
    /// no id yet: empty).
    pub fn read_step_up(fields: &impl Fields) -> Result<DecisionStepUp, InvalidArgument> {
        let window: Option<String> = form::optional(fields, "window")?;
        let otp = match window {
            Some(_) => None,
            None => Some(Otp::read(fields)?),
        };
        Ok(DecisionStepUp {
            id: String::new(),
            otp,
            window,
        })
    }
}

impl Otp {
    /// The required `otp` field.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        form::required(fields, "otp")
    }
}

/// A stepped-up call on one request: its `id` and the member's current code (`Approve`,
/// `Reject`, `Cancel`, `Reveal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestStepUp {
    /// The request's id.
    pub id: String,
    /// The member's current code.
    pub otp: Otp,
}

impl RequestStepUp {
    /// `otp`, then `id`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        let otp = Otp::read(fields)?;
        Ok(Self {
            id: form::required(fields, "id")?,
            otp,
        })
    }
}

/// A decision's device signature of its statement (`countersign_org::DecisionStatement`): the
/// device's public key, the signature, and the statement's time and content hash, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSignature {
    /// The device's Ed25519 public key, base64 (registered to the member).
    pub device_key: String,
    /// The signature of the statement's digest, base64.
    pub signature: String,
    /// The statement's time.
    pub at: StatementTime,
    /// The content hash of the request as the member saw it (`countersign_org::content_hash`,
    /// 64 lowercase hex digits): the server refuses the decision when its request differs.
    pub content_hash: String,
}

impl DeviceSignature {
    /// `device_key`, `signature`, `at` (which must be decimal unix seconds), then
    /// `content_hash` (which must be 64 lowercase hex digits).
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        let device_key = form::required(fields, "device_key")?;
        let signature = form::required(fields, "signature")?;
        let at: StatementTime = form::required(fields, "at")?;
        at.seconds().ok_or(InvalidArgument("at"))?;
        let content_hash: String = form::required(fields, "content_hash")?;
        if content_hash.len() != 64
            || !content_hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(InvalidArgument("content_hash"));
        }
        Ok(Self {
            device_key,
            signature,
            at,
            content_hash,
        })
    }
}

/// A decision's step-up (`Approve`, `Reject`, `Cancel`): the request's `id`, and either the
/// member's current code (`otp`) or a decision window a code opened (`window`, from
/// `VerifyCode`). A window is the member's own, and good until it closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionStepUp {
    /// The request's id.
    pub id: String,
    /// The member's current code (absent: `window`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otp: Option<Otp>,
    /// An open decision window of the member's (absent: `otp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
}

impl DecisionStepUp {
    /// `window`, or else the required `otp`; then `id`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        let window: Option<String> = form::optional(fields, "window")?;
        let otp = match window {
            Some(_) => None,
            None => Some(Otp::read(fields)?),
        };
        Ok(Self {
            id: form::required(fields, "id")?,
            otp,
            window,
        })
    }
}

/// `Approve`, `Reject` and `Cancel`: the request and the step-up (checked before the rules), the
/// device signature (checked after them), and a reason, kept with the decision and shown to
/// every viewer: required to reject, optional otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedDecision {
    /// The request and the step-up.
    #[serde(flatten)]
    pub on: DecisionStepUp,
    /// The device signature of the decision.
    #[serde(flatten)]
    pub signed: DeviceSignature,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The longest reason a decision or a request may carry, in characters.
pub const MAX_REASON: usize = 500;

impl SignedDecision {
    /// The `reason` (read with the request, before the rules): trimmed, blank as none, at most
    /// [`MAX_REASON`] characters.
    pub fn read_reason(fields: &impl Fields) -> Result<Option<String>, InvalidArgument> {
        read_reason(fields)
    }
}

fn read_reason(fields: &impl Fields) -> Result<Option<String>, InvalidArgument> {
    let reason: Option<String> = form::optional(fields, "reason")?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON)
    {
        return Err(InvalidArgument("reason"));
    }
    Ok(reason)
}

/// `Approve`'s fields.
pub type ApproveParams = SignedDecision;

/// `Cancel`'s fields.
pub type CancelParams = SignedDecision;

/// `Reject`'s fields (the server refuses one without a reason: `EGeneral:Invalid
/// arguments:reason`).
pub type RejectParams = SignedDecision;

/// `Reveal`: the request that created the service user, and the initiator's code.
pub type RevealParams = RequestStepUp;

/// `PolicyDiff`: the workflow and the candidate policy (`null` or absent: none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDiffParams {
    /// The workflow whose policy would change.
    pub workflow: Workflow,
    /// The candidate policy as JSON text; `null` (or absent) for no policy.
    #[serde(default = "no_policy")]
    pub policy: JsonText<Option<Policy>>,
}

fn no_policy() -> JsonText<Option<Policy>> {
    JsonText(None)
}

impl PolicyDiffParams {
    /// `workflow`, then `policy`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            workflow: form::required(fields, "workflow")?,
            policy: form::optional(fields, "policy")?.unwrap_or_else(no_policy),
        })
    }
}

/// `LockCheck`: the workflow, and optionally the member who would initiate the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockCheckParams {
    /// The workflow whose policy would be locked.
    pub workflow: Workflow,
    /// Check as this member (a current member's id); absent: the caller.
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    pub as_member: Option<String>,
}

impl LockCheckParams {
    /// `workflow`, then `as` (whose member the server checks later).
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            workflow: form::required(fields, "workflow")?,
            as_member: form::optional(fields, "as")?,
        })
    }
}

/// `KeyUsage`: the service user whose key's use is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsageParams {
    /// The service user's id.
    pub service_user: String,
}

impl KeyUsageParams {
    /// `service_user`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            service_user: form::required(fields, "service_user")?,
        })
    }
}

/// `StopKey`: the service user whose key is switched off at once, why, and the member's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopKeyParams {
    /// The service user's id.
    pub service_user: String,
    /// Why, shown to every member (required, at most `countersign_org::MAX_STOP_REASON`
    /// characters; the server checks it).
    pub reason: String,
    /// The member's current code.
    pub otp: Otp,
}

impl StopKeyParams {
    /// `otp`, then `service_user` and `reason`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        let otp = Otp::read(fields)?;
        Ok(Self {
            service_user: form::required(fields, "service_user")?,
            reason: form::required(fields, "reason")?,
            otp,
        })
    }
}

/// `FreezeWithdrawals`: why every withdrawal stops at once, and the member's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeWithdrawalsParams {
    /// Why, shown to every member (required).
    pub reason: String,
    /// The member's current code.
    pub otp: Otp,
}

impl FreezeWithdrawalsParams {
    /// `otp`, then `reason`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        let otp = Otp::read(fields)?;
        Ok(Self {
            reason: form::required(fields, "reason")?,
            otp,
        })
    }
}

/// `RegisterDevice`: the device's public key and the member's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterDeviceParams {
    /// The device's Ed25519 public key, base64.
    pub device_key: String,
    /// The member's current code.
    pub otp: Otp,
}

impl RegisterDeviceParams {
    /// `otp`, then `device_key` (whose key the server checks).
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        let otp = Otp::read(fields)?;
        Ok(Self {
            device_key: form::required(fields, "device_key")?,
            otp,
        })
    }
}

/// `ConfirmTotp`: the new authenticator's first code and the device to register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmTotpParams {
    /// The first code of the newest enrolled secret.
    pub otp: Otp,
    /// The device's Ed25519 public key, base64.
    pub device_key: String,
}

impl ConfirmTotpParams {
    /// `otp`, then `device_key`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            otp: Otp::read(fields)?,
            device_key: form::required(fields, "device_key")?,
        })
    }
}

/// `VerifyCode`: the member's current code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyCodeParams {
    /// The code to check and spend.
    pub otp: Otp,
}

impl VerifyCodeParams {
    /// `otp`.
    pub fn read(fields: &impl Fields) -> Result<Self, InvalidArgument> {
        Ok(Self {
            otp: Otp::read(fields)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fields(body: &str) -> HashMap<String, String> {
        serde_urlencoded::from_str(body).expect("a form body")
    }

    #[test]
    fn a_decision_encodes_in_the_clients_field_order() {
        let p = RejectParams {
            on: DecisionStepUp {
                id: "QX4TBNA-7KD2ZP-M3WJRE".into(),
                otp: Some(Otp::from("492039")),
                window: None,
            },
            signed: DeviceSignature {
                device_key: "k".into(),
                signature: "s".into(),
                at: StatementTime::from_seconds(1_763_816_412),
                content_hash: "9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c"
                    .into(),
            },
            reason: Some("unexpected destination".into()),
        };
        let body = serde_urlencoded::to_string(&p).expect("encodes");
        assert_eq!(
            body,
            "id=QX4TBNA-7KD2ZP-M3WJRE&otp=492039&device_key=k&signature=s&at=1763816412&content_hash=9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c9f2c&reason=unexpected+destination"
        );
        let f = fields(&body);
        assert_eq!(DecisionStepUp::read(&f), Ok(p.on.clone()));
        assert_eq!(DeviceSignature::read(&f), Ok(p.signed.clone()));
        assert_eq!(RejectParams::read_reason(&f), Ok(p.reason.clone()));
    }

    #[test]
    fn a_decision_steps_up_with_a_window_or_a_code() {
        let by_window = fields("id=R1&window=W1");
        assert_eq!(
            DecisionStepUp::read(&by_window),
            Ok(DecisionStepUp {
                id: "R1".into(),
                otp: None,
                window: Some("W1".into()),
            })
        );
        assert_eq!(
            DecisionStepUp::read(&fields("id=R1")),
            Err(InvalidArgument("otp")),
            "neither: the code is what is missing"
        );
        // A reason is trimmed, blank is none, and a long one is refused by name.
        assert_eq!(SignedDecision::read_reason(&fields("reason=+")), Ok(None));
        assert_eq!(
            SignedDecision::read_reason(&fields("reason=+too+big+")),
            Ok(Some("too big".into()))
        );
        let long = format!("reason={}", "x".repeat(MAX_REASON + 1));
        assert_eq!(
            SignedDecision::read_reason(&fields(&long)),
            Err(InvalidArgument("reason"))
        );
    }

    #[test]
    fn reads_name_the_first_bad_field_in_the_contracts_order() {
        assert_eq!(
            RequestStepUp::read(&fields("id=&x=1")),
            Err(InvalidArgument("otp"))
        );
        assert_eq!(
            RequestStepUp::read(&fields("otp=1")),
            Err(InvalidArgument("id"))
        );
        assert_eq!(
            DeviceSignature::read(&fields("device_key=k&signature=s&at=soon")),
            Err(InvalidArgument("at"))
        );
        // A content hash is 64 lowercase hex digits, nothing else.
        for bad in ["", "abc", &"A".repeat(64), &"g".repeat(64), &"a".repeat(65)] {
            let body = format!("device_key=k&signature=s&at=1&content_hash={bad}");
            assert_eq!(
                DeviceSignature::read(&fields(&body)),
                Err(InvalidArgument("content_hash")),
                "{bad:?}"
            );
        }
        assert_eq!(
            Submission::read(&fields("payload=%7B%7D&execute=2")),
            Err(InvalidArgument("payload"))
        );
        assert_eq!(
            Submission::read(&fields(
                "payload=%7B%22kind%22%3A%22remove_address%22%2C%22key%22%3A%22k%22%7D&execute=2"
            )),
            Err(InvalidArgument("execute"))
        );
        assert_eq!(
            ListRequestsParams::read(&fields("workflow=nope&status=nope")),
            Err(InvalidArgument("status"))
        );
    }

    #[test]
    fn a_submission_without_step_up_sends_no_step_up_fields() {
        let p = SubmitParams {
            submission: Submission {
                payload: JsonText(RequestPayload::RemoveAddress { key: "k".into() }),
                execute: false,
                reason: None,
            },
            otp: None,
            window: None,
            signed: None,
        };
        let body = serde_urlencoded::to_string(&p).expect("encodes");
        assert_eq!(
            body,
            "payload=%7B%22kind%22%3A%22remove_address%22%2C%22key%22%3A%22k%22%7D&execute=false"
        );
        assert_eq!(
            serde_urlencoded::to_string(NoParams {}).expect("encodes"),
            ""
        );
    }
}
