//! `Approve`, `Reject` and `Cancel`: the rules engine first (a refused decision spends no code),
//! then the step-up and the device signature, then the decision, its effect and the journal in
//! one transaction.

use countersign_kraken::{ApiError, OrgRefusal};
use countersign_org::view::RequestView;
use countersign_org::{Decision, DecisionKind, RuleViolation, Transition};
use countersign_orgapi::params::{DecisionStepUp, SignedDecision};

use crate::auth::{Caller, internal};
use crate::{Sandbox, db};

use super::stepup::{countersign, decision_step_up, signed_statement};
use super::{invalid, load_visible, view};
use crate::lifecycle::{complete, sweep_expired};

pub(super) fn refusal(v: &RuleViolation) -> ApiError {
    ApiError::Org(match v {
        RuleViolation::NotPending(_) => OrgRefusal::NotPending,
        RuleViolation::OwnRequest | RuleViolation::HoldsInitiatorKey(_) => OrgRefusal::SelfApproval,
        RuleViolation::AlreadyDecided => OrgRefusal::AlreadyDecided,
        // The view says why beforehand (`approve_blocked`); the wire's refusal is the general one.
        RuleViolation::NotPermitted { .. }
        | RuleViolation::NotInitiator
        | RuleViolation::InitiatorRevoked(_) => OrgRefusal::NotPermitted,
    })
}

pub(super) fn decide(
    sandbox: &Sandbox,
    caller: &Caller,
    decision: Decision,
) -> Result<RequestView, ApiError> {
    let on = DecisionStepUp::read(&caller.params).map_err(invalid)?;
    // A rejection says why; an approval may.
    let reason = SignedDecision::read_reason(&caller.params).map_err(invalid)?;
    if decision == Decision::Reject && reason.is_none() {
        return Err(invalid(countersign_orgapi::InvalidArgument("reason")));
    }
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, now)?;
    // The write lock first, then the request as it is under it: another process deciding the
    // same request waits, and this decision sees what that one wrote.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| internal(e.into()))?;
    let id = on.id.clone();
    let (rec, mut request) = load_visible(&tx, caller, &id)?;
    // Rules first: a refused decision does not spend the member's code.
    request
        .check_can_decide(&rec.member, now)
        .map_err(|v| refusal(&v))?;
    // An emergency stop in force refuses approving what it touches; rejecting stays possible.
    let org = db::load_org(&tx).map_err(internal)?;
    if decision == Decision::Approve
        && org
            .stop_in_force(&request.initiator, &request.payload)
            .is_some()
    {
        return Err(ApiError::Org(OrgRefusal::Stopped));
    }
    let kind = match decision {
        Decision::Approve => DecisionKind::Approve,
        Decision::Reject => DecisionKind::Reject,
    };
    let (signed, statement) =
        signed_statement(caller, &request.id.0, &request.payload, kind, &rec.member)?;
    // Decided under the Organization as it is now: a revoked initiator refuses an approval, and
    // only approvals that still stand complete it.
    let transition = org
        .decide(&mut request, &rec.member, decision, reason, now)
        .map_err(|v| refusal(&v))?;

    let window = decision_step_up(sandbox, &tx, &rec, &on)?;
    db::record_decision(&tx, &request).map_err(internal)?;
    countersign(
        &tx,
        &rec.member,
        &statement,
        &signed,
        (request.status, Some(window)),
        now,
    )?;
    db::sign_decision(
        &tx,
        &request.id,
        &rec.member.id,
        &signed.device_key,
        &signed.signature,
        &statement.short_digest(),
    )
    .map_err(internal)?;
    if transition == Transition::Completed
        && let Some(key) = complete(&tx, &request, now)?
    {
        // The approver completed it; the secret is kept for the initiator's one-time reveal.
        db::store_reveal(&tx, &request.id, &key).map_err(internal)?;
    }
    tx.commit().map_err(|e| internal(e.into()))?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, now)
}

pub(super) fn cancel(sandbox: &Sandbox, caller: &Caller) -> Result<RequestView, ApiError> {
    let on = DecisionStepUp::read(&caller.params).map_err(invalid)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, now)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| internal(e.into()))?;
    let (rec, mut request) = load_visible(&tx, caller, &on.id)?;
    let (signed, statement) = signed_statement(
        caller,
        &request.id.0,
        &request.payload,
        DecisionKind::Cancel,
        &rec.member,
    )?;
    request
        .cancel(&rec.member.actor(), now)
        .map_err(|v| refusal(&v))?;
    let window = decision_step_up(sandbox, &tx, &rec, &on)?;
    db::update_status(&tx, &request).map_err(internal)?;
    countersign(
        &tx,
        &rec.member,
        &statement,
        &signed,
        (request.status, Some(window)),
        now,
    )?;
    tx.commit().map_err(|e| internal(e.into()))?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, now)
}
