//! The member's authenticator and devices (`RegisterDevice`, `EnrollTotp`, `ConfirmTotp`,
//! `VerifyCode`) and the audit journal (`ExportJournal`).

use countersign_kraken::{ApiError, OrgRefusal};
use std::collections::HashSet;

use countersign_org::{Member, MemberId, RequestPayload, Workflow};
use countersign_orgapi::params::{ConfirmTotpParams, RegisterDeviceParams, VerifyCodeParams};
use countersign_orgapi::{CodeVerified, JournalExport, RegisteredDevice, TotpEnrollment};

use countersign_vault::{DevicePublicKey, JournalEvent};

use crate::auth::{Caller, internal};
use crate::{Sandbox, db};

use super::stepup::{open_window, step_up};
use super::{calling_member, invalid};
use crate::lifecycle::sweep_expired;

/// `RegisterDevice` (`device_key`, `otp`): registers a device's public key to the calling
/// member, stepped up like a decision. Decisions are accepted only from registered devices.
pub(super) fn register_device(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<RegisteredDevice, ApiError> {
    let RegisterDeviceParams { device_key, otp } =
        RegisterDeviceParams::read(&caller.params).map_err(invalid)?;
    DevicePublicKey::from_base64(&device_key)
        .map_err(|_| ApiError::InvalidArguments(Some("device_key".into())))?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, &otp)?;
    let registered = register_in(&tx, &rec.member.id, &device_key, now)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(registered)
}

/// Registers `device_key` to `member` within `tx` (journaled), unless it already is.
pub(super) fn register_in(
    tx: &rusqlite::Transaction<'_>,
    member: &MemberId,
    device_key: &str,
    now: i64,
) -> Result<RegisteredDevice, ApiError> {
    let new = !db::device_registered(tx, member, device_key).map_err(internal)?;
    if new {
        db::register_device(tx, member, device_key, now).map_err(internal)?;
        db::journal(
            tx,
            now,
            JournalEvent::DeviceRegistered {
                member: member.0.clone(),
                device_key: device_key.to_owned(),
            },
        )
        .map_err(internal)?;
    }
    Ok(RegisteredDevice {
        device_key: device_key.to_owned(),
        new,
    })
}

/// `VerifyCode` (`otp`): checks, and spends, the member's current code — what unlocking the app
/// asks, so an unattended device opens only for its member. Wrong codes count toward the lockout.
pub(super) fn verify_code(sandbox: &Sandbox, caller: &Caller) -> Result<CodeVerified, ApiError> {
    let VerifyCodeParams { otp } = VerifyCodeParams::read(&caller.params).map_err(invalid)?;
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, &otp)?;
    let window = open_window(sandbox, &tx, &rec)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    // A zero-length window (the Organization's setting is 0) steps up nothing more: not offered.
    Ok(CodeVerified {
        verified: true,
        window: (window.closes_at > window.opened_at).then_some(window),
    })
}

/// `CloseWindows`: closes the calling member's open decision windows at once (the app locks).
/// Needs no code: it only takes a step-up away.
pub(super) fn close_windows(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<countersign_orgapi::WindowsClosed, ApiError> {
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let closed = db::close_windows(&conn, &rec.member.id, sandbox.now()).map_err(internal)?;
    Ok(countersign_orgapi::WindowsClosed { closed })
}

/// `EnrollTotp`: a new authenticator secret for the calling member, who has none yet, as the
/// `otpauth://` URI an authenticator app reads. Each call replaces the secret the previous one
/// gave (so only the newest QR code can be confirmed); nothing is accepted until `ConfirmTotp`.
pub(super) fn enroll_totp(sandbox: &Sandbox, caller: &Caller) -> Result<TotpEnrollment, ApiError> {
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    if rec.totp_enrolled {
        return Err(ApiError::Org(OrgRefusal::AlreadyEnrolled));
    }
    let secret = crate::ids::totp_secret();
    db::set_pending_totp(&conn, &rec.member.id, &secret).map_err(internal)?;
    let org = db::org_name(&conn).map_err(internal)?;
    Ok(TotpEnrollment {
        otpauth_uri: secret.otpauth_uri(&format!("Countersign {org}"), &rec.member.name),
    })
}

/// `ConfirmTotp` (`otp`, `device_key`): the first code from the authenticator set up with
/// `EnrollTotp`'s secret. It proves the member holds the secret, makes it their authenticator
/// (that code is spent) and registers the device in one stepped-up call. Wrong codes count
/// toward the lockout like any other.
pub(super) fn confirm_totp(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<RegisteredDevice, ApiError> {
    let ConfirmTotpParams { otp, device_key } =
        ConfirmTotpParams::read(&caller.params).map_err(invalid)?;
    DevicePublicKey::from_base64(&device_key)
        .map_err(|_| ApiError::InvalidArguments(Some("device_key".into())))?;
    let (now, now_ms) = (sandbox.now(), sandbox.now_ms());
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    if rec.totp_enrolled {
        return Err(ApiError::Org(OrgRefusal::AlreadyEnrolled));
    }
    let member = rec.member.id.0.as_str();
    sandbox
        .gate()
        .check_codes(member, now_ms)
        .map_err(|_| ApiError::Org(OrgRefusal::LockedOut))?;
    let pending = rec
        .pending_totp
        .as_ref()
        .ok_or(ApiError::Org(OrgRefusal::NotEnrolled))?;
    let Ok(step) = pending.verify(otp.as_str(), u64::try_from(now).unwrap_or(0), None) else {
        sandbox.gate().code_failed(member, now_ms);
        return Err(ApiError::Org(OrgRefusal::InvalidOtp));
    };
    sandbox.gate().code_passed(member);
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    db::confirm_totp(&tx, &rec.member.id, pending, step).map_err(internal)?;
    let registered = register_in(&tx, &rec.member.id, &device_key, now)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(registered)
}

/// `ExportJournal`: the audit journal, for any member (an audit trail is for everyone who may be
/// asked to trust it).
pub(super) fn export_journal(
    sandbox: &Sandbox,
    caller: &Caller,
) -> Result<JournalExport, ApiError> {
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let rec = calling_member(&conn, caller)?;
    let mut withheld: HashSet<String> = HashSet::new();
    let mut lines = String::new();
    for mut record in db::journal_records(&conn).map_err(internal)? {
        let request_id = match &record.event {
            JournalEvent::RequestSubmitted {
                request_id,
                payload,
                ..
            } => {
                let workflow = serde_json::from_value::<RequestPayload>(payload.clone())
                    .map(|p| p.workflow())
                    .map_err(|_| internal(db::StoreError::Corrupt("journal payload")))?;
                if content_withheld(&rec.member, workflow) {
                    withheld.insert(request_id.clone());
                }
                Some(request_id)
            }
            JournalEvent::Applied { request_id, .. } => Some(request_id),
            _ => None,
        };
        if request_id.is_some_and(|id| withheld.contains(id)) {
            record.redact();
        }
        lines.push_str(&record.to_line());
        lines.push('\n');
    }
    Ok(JournalExport { lines })
}

/// Whether `member` gets a request's content withheld from the journal: a withdrawal or an
/// address-book change, on a workflow whose requests they do not see (neither View nor
/// Approve). Its record keeps the content hash (and
/// an applied change its digest), so the chain verifies all the same. Membership, permission and
/// policy changes stay readable to every member, so anyone can check who was eligible.
fn content_withheld(member: &Member, workflow: Workflow) -> bool {
    matches!(
        workflow,
        Workflow::InitiateWithdrawal | Workflow::ManageAddresses
    ) && !member.permissions.sees_requests(workflow)
}
