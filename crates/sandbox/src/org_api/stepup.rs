//! A decision's proofs: the member's step-up (a code, accepted once, 5 wrong ones in a row
//! locking the member's decisions for 15 minutes, see [`crate::gate`]; or a decision window a
//! code opened, see `countersign_org::OrgSettings`) and the device signature of its
//! [`countersign_org::DecisionStatement`], checked and journaled within the decision's
//! transaction.
//!
//! Every code a decision spends opens a window (of zero length when the Organization's window is
//! 0), journaled as `window_opened`; every decision's journal record names the window that
//! stepped it up, so the journal says which code each decision rests on.

use countersign_kraken::{ApiError, OrgRefusal};
use countersign_org::{DecisionStatement, Member, RequestStatus};
use countersign_orgapi::params::DecisionStepUp;
use countersign_orgapi::{DecisionWindow, DeviceSignature, Otp};

use countersign_vault::{DevicePublicKey, JournalEvent};

use crate::auth::internal;
use crate::{Sandbox, db};

/// Step-up: `otp` must be the member's current code (one step of skew), newer than the last
/// code they spent — a code is accepted once. Spends it within `tx`, so a decision that fails
/// later in the transaction does not burn it.
pub(super) fn step_up(
    sandbox: &Sandbox,
    tx: &rusqlite::Transaction<'_>,
    rec: &db::MemberRecord,
    otp: &Otp,
) -> Result<(), ApiError> {
    let (now, now_ms) = (sandbox.now(), sandbox.now_ms());
    let member = rec.member.id.0.as_str();
    if !rec.totp_enrolled {
        return Err(ApiError::Org(OrgRefusal::NotEnrolled));
    }
    sandbox
        .gate()
        .check_codes(member, now_ms)
        .map_err(|_| ApiError::Org(OrgRefusal::LockedOut))?;
    let Ok(step) = rec.totp.verify(
        otp.as_str(),
        u64::try_from(now).unwrap_or(0),
        rec.last_otp_step,
    ) else {
        sandbox.gate().code_failed(member, now_ms);
        return Err(ApiError::Org(OrgRefusal::InvalidOtp));
    };
    sandbox.gate().code_passed(member);
    db::set_last_otp_step(tx, &rec.member.id, step).map_err(internal)
}

/// A decision's step-up: the window it names (the member's, still open), or else its code,
/// spent within `tx` and opening a window (see [`open_window`]). Returns the window's id.
pub(super) fn decision_step_up(
    sandbox: &Sandbox,
    tx: &rusqlite::Transaction<'_>,
    rec: &db::MemberRecord,
    on: &DecisionStepUp,
) -> Result<String, ApiError> {
    match (&on.window, &on.otp) {
        (Some(window), _) => {
            if !rec.totp_enrolled {
                return Err(ApiError::Org(OrgRefusal::NotEnrolled));
            }
            let closes = db::window_closes(tx, window, &rec.member.id).map_err(internal)?;
            match closes {
                Some(closes_at) if sandbox.now() < closes_at => Ok(window.clone()),
                _ => Err(ApiError::Org(OrgRefusal::WindowClosed)),
            }
        }
        (None, Some(otp)) => {
            step_up(sandbox, tx, rec, otp)?;
            Ok(open_window(sandbox, tx, rec)?.id)
        }
        (None, None) => Err(ApiError::InvalidArguments(Some("otp".into()))),
    }
}

/// Opens a decision window for the member whose code was just spent in `tx`, as long as the
/// Organization's setting (zero-length when it is 0, so it steps up that one decision only),
/// and journals it.
pub(super) fn open_window(
    sandbox: &Sandbox,
    tx: &rusqlite::Transaction<'_>,
    rec: &db::MemberRecord,
) -> Result<DecisionWindow, ApiError> {
    let now = sandbox.now();
    let seconds = db::load_org(tx)
        .map_err(internal)?
        .settings
        .decision_window_seconds;
    let window = DecisionWindow {
        id: crate::ids::window_id(),
        opened_at: now,
        closes_at: now + i64::from(seconds),
    };
    db::open_window(tx, &window.id, &rec.member.id, now, window.closes_at).map_err(internal)?;
    db::journal(
        tx,
        now,
        JournalEvent::WindowOpened {
            member: rec.member.id.0.clone(),
            window: window.id.clone(),
            closes_at: window.closes_at,
        },
    )
    .map_err(internal)?;
    Ok(window)
}

/// What you see is what you sign: the decision's `content_hash` (what the member was shown)
/// must be the request's. Checked before the code, so a refusal spends none.
pub(super) fn same_content(
    signed: &DeviceSignature,
    payload: &countersign_org::RequestPayload,
) -> Result<(), ApiError> {
    if signed.content_hash == countersign_org::content_hash(payload) {
        Ok(())
    } else {
        Err(ApiError::Org(OrgRefusal::RequestChanged))
    }
}

/// The device's signed statement the call carries, for `kind` on request `id` (empty at
/// submission) with `payload`, by `member`: its fields read, its content checked to be the
/// request's ([`same_content`]), its statement rebuilt to check the signature against.
pub(super) fn signed_statement(
    caller: &crate::auth::Caller,
    id: &str,
    payload: &countersign_org::RequestPayload,
    kind: countersign_org::DecisionKind,
    member: &Member,
) -> Result<(DeviceSignature, DecisionStatement), ApiError> {
    let signed = DeviceSignature::read(&caller.params).map_err(super::invalid)?;
    same_content(&signed, payload)?;
    let statement = DecisionStatement::new(id, payload, kind, &member.id, statement_time(&signed)?);
    Ok((signed, statement))
}

/// How far a signed decision's `at` may be from the server's clock, in seconds.
pub const STATEMENT_WINDOW_SECONDS: i64 = 300;

/// The signed statement's time (already checked to be decimal by `DeviceSignature::read`).
pub(super) fn statement_time(signed: &DeviceSignature) -> Result<i64, ApiError> {
    signed
        .at
        .seconds()
        .ok_or(ApiError::InvalidArguments(Some("at".into())))
}

/// Checks the member's device signature of `statement` against the device keys registered to
/// them, spends it (a statement is accepted once), and journals the decision with the window
/// that stepped it up.
pub(super) fn countersign(
    tx: &rusqlite::Transaction<'_>,
    member: &Member,
    statement: &DecisionStatement,
    signed: &DeviceSignature,
    (status, window): (RequestStatus, Option<String>),
    now: i64,
) -> Result<(), ApiError> {
    let refused = || ApiError::Org(OrgRefusal::InvalidSignature);
    // `abs_diff`: a statement dated at either end of `i64` is stale, not an overflow.
    if statement.at.abs_diff(now) > STATEMENT_WINDOW_SECONDS.unsigned_abs() {
        return Err(refused());
    }
    let key = DevicePublicKey::from_base64(&signed.device_key).map_err(|_| refused())?;
    if !key.verify(&statement.digest(), &signed.signature) {
        return Err(refused());
    }
    if !db::device_registered(tx, &member.id, &signed.device_key).map_err(internal)? {
        return Err(refused());
    }
    // A statement signs one decision, once: sent again (an Execute at submission names no
    // request, so nothing else would stop it), it is refused. Older ones are refused as stale.
    let stale_before = now.saturating_sub(STATEMENT_WINDOW_SECONDS.saturating_mul(2));
    if !db::spend_statement(tx, &signed.signature, statement.at, stale_before).map_err(internal)? {
        return Err(refused());
    }
    db::journal(
        tx,
        now,
        JournalEvent::Decision {
            statement: statement.clone(),
            device_key: signed.device_key.clone(),
            signature: signed.signature.clone(),
            status: status.as_str().to_owned(),
            window,
        },
    )
    .map_err(internal)
}
