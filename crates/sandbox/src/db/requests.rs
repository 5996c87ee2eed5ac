//! Requests and their decisions: inserting, reading (newest first), status changes, the device
//! signatures' digests, and created keys held for their one-time reveal.

use countersign_kraken::ApiSecret;
use countersign_org::{
    Decision, DecisionRecord, MemberId, Policy, Request, RequestId, RequestPayload, RequestStatus,
    Workflow,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::keys::NewKey;
use super::{StoreError, actor_from, actor_parts, json};

/// Inserts a new request with its decisions.
pub(crate) fn insert_request(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    let (kind, id) = actor_parts(&r.initiator);
    tx.execute(
        "INSERT INTO requests (id, workflow, initiator_kind, initiator_id, payload, status, policy, created_at, updated_at, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            r.id.0,
            r.workflow().as_str(),
            kind,
            id,
            json(&r.payload),
            r.status.as_str(),
            r.policy.as_ref().map(json),
            r.created_at,
            r.updated_at,
            r.reason
        ],
    )?;
    for (seq, d) in r.decisions.iter().enumerate() {
        insert_decision(tx, &r.id, d, seq)?;
    }
    Ok(())
}

fn insert_decision(
    tx: &Transaction<'_>,
    id: &RequestId,
    d: &DecisionRecord,
    seq: usize,
) -> Result<(), StoreError> {
    let decision = match d.decision {
        Decision::Approve => "approve",
        Decision::Reject => "reject",
    };
    tx.execute(
        "INSERT INTO decisions (request_id, member_id, decision, at, reason, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.0, d.member.0, decision, d.at, d.reason, i64::try_from(seq).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// Persists a decided request: its status and its newest decision.
pub(crate) fn record_decision(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    let last = r
        .decisions
        .last()
        .ok_or(StoreError::Corrupt("decision list"))?;
    insert_decision(tx, &r.id, last, r.decisions.len() - 1)?;
    update_status(tx, r)
}

/// Stores the device signature of a member's decision on a request, with the statement's short
/// digest that officers compare out of band.
pub(crate) fn sign_decision(
    conn: &Connection,
    request: &RequestId,
    member: &MemberId,
    device_key: &str,
    signature: &str,
    digest: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE decisions SET device_key = ?3, signature = ?4, digest = ?5 WHERE request_id = ?1 AND member_id = ?2",
        params![request.0, member.0, device_key, signature, digest],
    )?;
    Ok(())
}

/// The short digests of a request's signed decisions, by member id.
pub(crate) fn decision_digests(
    conn: &Connection,
    request: &RequestId,
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT member_id, digest FROM decisions WHERE request_id = ?1 AND digest IS NOT NULL",
    )?;
    let rows = stmt.query_map([&request.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

type RequestRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
);

fn request_from_row(conn: &Connection, row: RequestRow) -> Result<Request, StoreError> {
    let (id, kind, initiator_id, payload, status, policy, created_at, updated_at, reason) = row;
    let payload: RequestPayload =
        serde_json::from_str(&payload).map_err(|_| StoreError::Corrupt("request payload"))?;
    let policy: Option<Policy> = policy
        .map(|p| serde_json::from_str(&p))
        .transpose()
        .map_err(|_| StoreError::Corrupt("policy snapshot"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT member_id, decision, at, reason FROM decisions WHERE request_id = ?1 ORDER BY seq",
    )?;
    let decisions = stmt
        .query_map([&id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .map(|row| {
            let (member, decision, at, reason) = row?;
            let decision = match decision.as_str() {
                "approve" => Decision::Approve,
                "reject" => Decision::Reject,
                _ => return Err(StoreError::Corrupt("decision")),
            };
            Ok(DecisionRecord {
                member: MemberId(member),
                decision,
                at,
                reason,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Request {
        id: RequestId(id),
        initiator: actor_from(&kind, initiator_id)?,
        payload,
        status: RequestStatus::parse(&status).ok_or(StoreError::Corrupt("request status"))?,
        policy,
        decisions,
        created_at,
        updated_at,
        reason,
    })
}

const REQUEST_COLUMNS: &str =
    "id, initiator_kind, initiator_id, payload, status, policy, created_at, updated_at, reason";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

pub(crate) fn request(conn: &Connection, id: &str) -> Result<Option<Request>, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?1"),
            [id],
            read_row,
        )
        .optional()?;
    row.map(|row| request_from_row(conn, row)).transpose()
}

/// Requests in the given workflows, optionally of one status, newest first.
pub(crate) fn requests(
    conn: &Connection,
    workflows: &[Workflow],
    status: Option<RequestStatus>,
) -> Result<Vec<Request>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC, id"
    ))?;
    let rows = stmt
        .query_map([status.map(RequestStatus::as_str)], read_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let r = request_from_row(conn, row)?;
        if workflows.contains(&r.workflow()) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Persists a status change that carries no new decision (cancel, expiry).
pub(crate) fn update_status(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    // Compare and set: only a request still pending moves. A request another process decided
    // in the meantime is never decided twice (its effect never applied twice).
    let moved = tx.execute(
        "UPDATE requests SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'pending'",
        params![r.id.0, r.status.as_str(), r.updated_at],
    )?;
    if moved == 1 {
        Ok(())
    } else {
        Err(StoreError::NoLongerPending(r.id.0.clone()))
    }
}

/// Keeps a created service user's key for its initiator's one-time reveal.
pub(crate) fn store_reveal(
    tx: &Transaction<'_>,
    request: &RequestId,
    key: &NewKey,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO reveals (request_id, api_key, secret) VALUES (?1, ?2, ?3)",
        params![request.0, key.api_key, key.secret.to_base64()],
    )?;
    Ok(())
}

/// Whether a created key waits for its one-time reveal: held, and its request completed after
/// `held_since` (see [`forget_stale_reveals`]).
pub(crate) fn reveal_waits(
    conn: &Connection,
    request: &RequestId,
    held_since: i64,
) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM reveals JOIN requests ON requests.id = reveals.request_id
             WHERE reveals.request_id = ?1 AND requests.updated_at > ?2",
            params![request.0, held_since],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Takes (and forgets) a pending reveal whose request completed after `held_since`: it can be
/// read once, and only while held.
pub(crate) fn take_reveal(
    tx: &Transaction<'_>,
    request: &RequestId,
    held_since: i64,
) -> Result<Option<NewKey>, StoreError> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT reveals.api_key, reveals.secret FROM reveals
             JOIN requests ON requests.id = reveals.request_id
             WHERE reveals.request_id = ?1 AND requests.updated_at > ?2",
            params![request.0, held_since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((api_key, secret)) = row else {
        return Ok(None);
    };
    tx.execute("DELETE FROM reveals WHERE request_id = ?1", [&request.0])?;
    Ok(Some(NewKey {
        api_key,
        secret: ApiSecret::from_base64(&secret).map_err(|_| StoreError::Corrupt("reveal"))?,
    }))
}

/// Forgets the secrets of created keys whose request completed at or before `held_since`
/// ([`crate::REVEAL_HOLD_SECONDS`] ago): nobody collected them, and nobody will. Runs before
/// every read, so it writes only when there is something to forget.
pub(crate) fn forget_stale_reveals(conn: &Connection, held_since: i64) -> Result<(), StoreError> {
    const STALE: &str = "SELECT id FROM requests WHERE updated_at <= ?1";
    let any: Option<i64> = conn
        .prepare_cached(&format!(
            "SELECT 1 FROM reveals WHERE request_id IN ({STALE}) LIMIT 1"
        ))?
        .query_row([held_since], |r| r.get(0))
        .optional()?;
    if any.is_some() {
        conn.execute(
            &format!("DELETE FROM reveals WHERE request_id IN ({STALE})"),
            [held_since],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use countersign_org::{RequestStatus, Workflow};

    use super::super::StoreError;

    /// The compare and set under every decision: a request that has moved on (another process
    /// decided it) does not move again, and the transaction writes nothing.
    #[test]
    fn a_request_decided_elsewhere_is_not_decided_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sandbox = crate::Sandbox::open(dir.path()).expect("open");
        let mut conn = sandbox.conn();
        let mut first = super::requests(&conn, &Workflow::ALL, Some(RequestStatus::Pending))
            .expect("requests")
            .into_iter()
            .next()
            .expect("the demo has a pending request");
        let mut second = first.clone();
        first.status = RequestStatus::Completed;
        second.status = RequestStatus::Rejected;
        let tx = conn.transaction().expect("tx");
        super::update_status(&tx, &first).expect("the first decision moves it");
        tx.commit().expect("commit");
        let tx = conn.transaction().expect("tx");
        let refused = super::update_status(&tx, &second).expect_err("already moved");
        assert!(
            matches!(&refused, StoreError::NoLongerPending(id) if *id == second.id.0),
            "{refused}"
        );
        drop(tx);
        let stored = super::request(&conn, &first.id.0)
            .expect("read")
            .expect("there");
        assert_eq!(stored.status, RequestStatus::Completed);
    }
}
