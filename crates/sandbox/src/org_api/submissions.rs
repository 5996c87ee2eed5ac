//! `Preview` and `Submit` (one engine call, so a preview cannot disagree with the submission),
//! and `Reveal`, the initiator's one-time collection of a created service user's key.

use countersign_kraken::{ApiError, OrgRefusal};
use countersign_org::view::RevealedKey;
use countersign_org::{Context, DecisionKind, Preview, RequestId, RequestPayload, RequestStatus};
use countersign_orgapi::params::{PreviewParams, RequestStepUp, Submission, SubmitParams};
use countersign_orgapi::{JsonText, SubmitResult};
use rusqlite::Connection;

use countersign_vault::JournalEvent;

use crate::auth::{Caller, internal};
use crate::{Sandbox, db};

use super::stepup::{countersign, decision_step_up, signed_statement, step_up};
use super::{as_initiator, calling_member, invalid, load_visible, view};
use crate::lifecycle::{complete, journal_submitted};

pub(super) fn context(conn: &Connection, payload: &RequestPayload) -> Result<Context, ApiError> {
    Ok(match payload {
        // Funds held by open orders cannot leave: what the asset can still pay for.
        RequestPayload::Withdrawal { asset, .. } => Context {
            available: Some(match crate::market::asset(asset) {
                Some(spec) => db::spendable(conn, spec).map_err(internal)?,
                None => db::balance(conn, asset).map_err(internal)?,
            }),
        },
        _ => Context::default(),
    })
}

pub(super) fn preview(sandbox: &Sandbox, caller: &Caller) -> Result<Preview, ApiError> {
    let PreviewParams {
        submission:
            Submission {
                payload: JsonText(payload),
                execute,
                ..
            },
        as_member: as_id,
    } = PreviewParams::read(&caller.params).map_err(invalid)?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let actor = as_initiator(as_id.as_deref(), &org, &rec.member)?;
    Ok(org.preview(
        &actor,
        &payload,
        execute,
        sandbox.now(),
        &context(&conn, &payload)?,
    ))
}

pub(super) fn submit(sandbox: &Sandbox, caller: &Caller) -> Result<SubmitResult, ApiError> {
    let Submission {
        payload: JsonText(payload),
        execute,
        reason,
    } = Submission::read(&caller.params).map_err(invalid)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let ctx = context(&conn, &payload)?;
    let submission = org
        .submit(
            RequestId(crate::ids::refid()),
            &rec.member.actor(),
            payload,
            execute,
            now,
            &ctx,
        )
        .map_err(|_| ApiError::Org(OrgRefusal::NotPermitted))?;
    let mut request = submission.request;
    request.reason = reason;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    let mut revealed = None;
    if request.status == RequestStatus::Completed {
        db::insert_request(&tx, &request).map_err(internal)?;
        journal_submitted(&tx, &request, now)?;
        // A member's request that completes at once is Execute, with a policy or without one:
        // it needs the step-up and the signed statement, like any decision (extension).
        // Otherwise a member's API secret alone would add an address, or create a withdrawing
        // key and take its secret. (A service user's withdrawal without a policy goes through
        // the exchange's `Withdraw`, governed by its key alone, and never comes here.) The
        // request has no id until now: the statement signs its content with an empty id.
        let on = SubmitParams::read_step_up(&caller.params).map_err(invalid)?;
        let (signed, statement) = signed_statement(
            caller,
            "",
            &request.payload,
            DecisionKind::Execute,
            &rec.member,
        )?;
        let window = decision_step_up(sandbox, &tx, &rec, &on)?;
        countersign(
            &tx,
            &rec.member,
            &statement,
            &signed,
            (request.status, Some(window)),
            now,
        )?;
        revealed = complete(&tx, &request, now)?.map(|k| RevealedKey {
            api_key: k.api_key,
            api_secret: k.secret.to_base64(),
        });
    } else {
        db::insert_request(&tx, &request).map_err(internal)?;
        journal_submitted(&tx, &request, now)?;
    }
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(SubmitResult {
        request: view(
            &conn,
            &db::load_org(&conn).map_err(internal)?,
            &request,
            &rec.member,
            now,
        )?,
        preview: submission.preview,
        revealed,
    })
}

pub(super) fn reveal(sandbox: &Sandbox, caller: &Caller) -> Result<RevealedKey, ApiError> {
    // Handing out a secret is stepped up like a decision.
    let RequestStepUp { id, otp } = RequestStepUp::read(&caller.params).map_err(invalid)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let (rec, request) = load_visible(&conn, caller, &id)?;
    if request.initiator != rec.member.actor() {
        return Err(ApiError::Org(OrgRefusal::NotPermitted));
    }
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, &otp)?;
    let key = db::take_reveal(&tx, &request.id, crate::lifecycle::held_since(now))
        .map_err(internal)?
        .ok_or(ApiError::Org(OrgRefusal::UnknownRequest))?;
    db::journal(
        &tx,
        now,
        JournalEvent::KeyRevealed {
            request_id: request.id.0.clone(),
            member: rec.member.id.0.clone(),
        },
    )
    .map_err(internal)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(RevealedKey {
        api_key: key.api_key,
        api_secret: key.secret.to_base64(),
    })
}
