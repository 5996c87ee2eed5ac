//! A request's life on the store beyond the call that made it: journaling its submission,
//! carrying out a completed one against the Organization as it is now (any error rolls the
//! whole decision back), and sweeping pending requests past their expiry. Both the org API and
//! the exchange's `Withdraw` (a service user's request) use it.

use countersign_kraken::ApiError;
use countersign_org::{Actor, Request, RequestStatus, Workflow};
use rusqlite::Connection;

use countersign_vault::JournalEvent;

use crate::auth::internal;
use crate::db;

/// `initiator` as the journal writes it.
pub(crate) fn actor_label(actor: &Actor) -> String {
    match actor {
        Actor::Member(id) => format!("member:{}", id.0),
        Actor::ServiceUser(id) => format!("service_user:{}", id.0),
    }
}

/// Journals a new request.
pub(crate) fn journal_submitted(
    tx: &rusqlite::Transaction<'_>,
    request: &Request,
    now: i64,
) -> Result<(), ApiError> {
    db::journal(
        tx,
        now,
        JournalEvent::RequestSubmitted {
            request_id: request.id.0.clone(),
            initiator: actor_label(&request.initiator),
            content_hash: countersign_org::content_hash(&request.payload),
            payload: serde_json::to_value(&request.payload).map_err(|_| ApiError::InternalError)?,
            status: request.status.as_str().to_owned(),
        },
    )
    .map_err(internal)
}

/// Carries out a completed request against the Organization as it is now.
pub(crate) fn complete(
    tx: &rusqlite::Transaction<'_>,
    request: &Request,
    now: i64,
) -> Result<Option<db::NewKey>, ApiError> {
    let mut org = db::load_org(tx).map_err(internal)?;
    let change = request.payload.describe(|a| org.actor_ref(a));
    let changes = org
        .apply_completed(request)
        .map_err(|e| apply_error(crate::ApplyError::Payload(e)))?;
    let new_key = db::persist_changes(tx, request, &changes, now).map_err(apply_error)?;
    db::journal(
        tx,
        now,
        JournalEvent::Applied {
            request_id: request.id.0.clone(),
            change,
            change_digest: None,
        },
    )
    .map_err(internal)?;
    Ok(new_key)
}

fn apply_error(e: crate::ApplyError) -> ApiError {
    match e {
        crate::ApplyError::Store(s) => internal(s),
        crate::ApplyError::InsufficientFunds => {
            ApiError::Funding(countersign_kraken::FundingError::InsufficientFunds)
        }
        crate::ApplyError::UnknownAsset => {
            ApiError::Query(countersign_kraken::QueryError::UnknownAsset)
        }
        other @ crate::ApplyError::Payload(_) => ApiError::Other(other.to_string()),
    }
}

/// Marks pending requests past their policy's expiry as Expired, and forgets created keys'
/// secrets held past [`crate::REVEAL_HOLD_SECONDS`]. Runs before reads and decisions, so an
/// expired request is never shown as pending nor decided, nor a stale secret offered.
pub(crate) fn sweep_expired(conn: &mut Connection, now: i64) -> Result<(), ApiError> {
    db::forget_stale_reveals(conn, held_since(now)).map_err(internal)?;
    let pending =
        db::requests(conn, &Workflow::ALL, Some(RequestStatus::Pending)).map_err(internal)?;
    let due: Vec<Request> = pending
        .into_iter()
        .filter_map(|mut r| r.expire_if_due(now).then_some(r))
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    for r in &due {
        db::update_status(&tx, r).map_err(internal)?;
        db::journal(
            &tx,
            now,
            JournalEvent::RequestExpired {
                request_id: r.id.0.clone(),
            },
        )
        .map_err(internal)?;
    }
    tx.commit().map_err(|e| internal(e.into()))
}

/// The completion time after which a created key's secret is still held at `now`.
pub(crate) fn held_since(now: i64) -> i64 {
    now.saturating_sub(crate::REVEAL_HOLD_SECONDS)
}
