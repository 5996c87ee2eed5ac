//! The org API (`POST /0/org/<Call>`), signed like the exchange's private calls and answered in
//! its `{error, result}` envelope. Contract: `docs/org-api.yaml`.
//!
//! Calls: `Me`, `ListRequests` (`status`, `workflow`), `GetRequest` (`id`), `Approve` (`id`,
//! `otp`), `Reject` (`id`, `otp`, `reason`). Decisions are checked by the rules engine of
//! `countersign-org` first, then the member's TOTP code is verified (accepted once); the request,
//! the decision, the spent code and any effect commit in one transaction.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use countersign_kraken::{ApiError, Envelope, OrgRefusal};
use countersign_org::view::{ActorRef, RequestView};
use countersign_org::{
    Actor, Decision, Member, Request, RequestPayload, RequestStatus, RuleViolation, Transition,
    Workflow, WorkflowPermission,
};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, authenticate, internal};
use crate::{Sandbox, db};

/// Routes of the org API and the public calls the sandbox answers.
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/0/org/{call}", post(org_call))
        .route("/0/public/Time", get(time).post(time))
        .with_state(sandbox)
}

/// `Me`: who the key belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeResult {
    /// The Organization's name.
    pub org_name: String,
    /// The member.
    pub member: ActorRef,
}

/// `ListRequests`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListResult {
    /// Newest first.
    pub requests: Vec<RequestView>,
}

#[derive(Serialize)]
struct TimeResult {
    unixtime: i64,
}

async fn time(State(sandbox): State<Sandbox>) -> Json<Envelope<TimeResult>> {
    Json(Envelope::ok(TimeResult {
        unixtime: sandbox.now(),
    }))
}

async fn org_call(
    State(sandbox): State<Sandbox>,
    Path(call): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    // SQLite work is short and serialised behind one connection; run it off the async workers.
    tokio::task::spawn_blocking(move || {
        let caller = match authenticate(&sandbox, &headers, uri.path(), &body) {
            Ok(c) => c,
            Err(e) => return envelope_err(&e),
        };
        match call.as_str() {
            "Me" => respond(me(&sandbox, &caller)),
            "ListRequests" => respond(list(&sandbox, &caller)),
            "GetRequest" => respond(get_one(&sandbox, &caller)),
            "Approve" => respond(decide(&sandbox, &caller, Decision::Approve)),
            "Reject" => respond(decide(&sandbox, &caller, Decision::Reject)),
            _ => envelope_err(&ApiError::Other("EGeneral:Unknown method".into())),
        }
    })
    .await
    .unwrap_or_else(|_| envelope_err(&ApiError::InternalError))
}

fn respond<T: Serialize>(r: Result<T, ApiError>) -> Response {
    match r {
        Ok(v) => Json(Envelope::ok(v)).into_response(),
        Err(e) => envelope_err(&e),
    }
}

fn envelope_err(e: &ApiError) -> Response {
    Json(Envelope::<()>::err(e)).into_response()
}

/// The calling member; org calls are for members only.
fn calling_member(conn: &Connection, caller: &Caller) -> Result<db::MemberRecord, ApiError> {
    let Actor::Member(id) = &caller.actor else {
        return Err(ApiError::Org(OrgRefusal::MembersOnly));
    };
    db::member(conn, id)
        .map_err(internal)?
        .ok_or(ApiError::InvalidKey)
}

fn viewable(member: &Member) -> Vec<Workflow> {
    Workflow::ALL
        .into_iter()
        .filter(|w| member.permissions.has(*w, WorkflowPermission::View))
        .collect()
}

fn view(
    conn: &Connection,
    r: &Request,
    viewer: &Member,
    now: i64,
) -> Result<RequestView, ApiError> {
    // Resolve names up front so the view builder stays infallible.
    let mut names = std::collections::HashMap::new();
    let actors = std::iter::once(r.initiator.clone())
        .chain(r.decisions.iter().map(|d| Actor::Member(d.member.clone())));
    for a in actors {
        let resolved = db::actor_ref(conn, &a).map_err(internal)?;
        names.insert(a, resolved);
    }
    Ok(RequestView::new(r, viewer, now, |a| {
        names
            .get(a)
            .cloned()
            .unwrap_or_else(|| unreachable!("every actor was resolved"))
    }))
}

fn me(sandbox: &Sandbox, caller: &Caller) -> Result<MeResult, ApiError> {
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    Ok(MeResult {
        org_name: db::org_name(&conn).map_err(internal)?,
        member: db::actor_ref(&conn, &rec.member.actor()).map_err(internal)?,
    })
}

fn list(sandbox: &Sandbox, caller: &Caller) -> Result<ListResult, ApiError> {
    let status = caller
        .param("status")
        .map(|s| RequestStatus::parse(s).ok_or(ApiError::InvalidArguments(Some("status".into()))))
        .transpose()?;
    let workflow = caller
        .param("workflow")
        .map(|s| Workflow::parse(s).ok_or(ApiError::InvalidArguments(Some("workflow".into()))))
        .transpose()?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let mut workflows = viewable(&rec.member);
    if let Some(w) = workflow {
        workflows.retain(|v| *v == w);
    }
    let now = sandbox.now();
    let requests = db::requests(&conn, &workflows, status).map_err(internal)?;
    let requests = requests
        .iter()
        .map(|r| view(&conn, r, &rec.member, now))
        .collect::<Result<_, _>>()?;
    Ok(ListResult { requests })
}

fn load_visible(
    conn: &Connection,
    caller: &Caller,
) -> Result<(db::MemberRecord, Request), ApiError> {
    let id = caller
        .param("id")
        .ok_or(ApiError::InvalidArguments(Some("id".into())))?;
    let rec = calling_member(conn, caller)?;
    let request = db::request(conn, id)
        .map_err(internal)?
        .filter(|r| {
            rec.member
                .permissions
                .has(r.workflow(), WorkflowPermission::View)
        })
        .ok_or(ApiError::Org(OrgRefusal::UnknownRequest))?;
    Ok((rec, request))
}

fn get_one(sandbox: &Sandbox, caller: &Caller) -> Result<RequestView, ApiError> {
    let conn = sandbox.conn();
    let (rec, request) = load_visible(&conn, caller)?;
    view(&conn, &request, &rec.member, sandbox.now())
}

fn refusal(v: &RuleViolation) -> ApiError {
    ApiError::Org(match v {
        RuleViolation::NotPending(_) => OrgRefusal::NotPending,
        RuleViolation::OwnRequest => OrgRefusal::SelfApproval,
        RuleViolation::AlreadyDecided => OrgRefusal::AlreadyDecided,
        RuleViolation::NotPermitted { .. } | RuleViolation::ServiceUserWorkflow => {
            OrgRefusal::NotPermitted
        }
    })
}

fn decide(sandbox: &Sandbox, caller: &Caller, decision: Decision) -> Result<RequestView, ApiError> {
    let otp = caller
        .param("otp")
        .ok_or(ApiError::InvalidArguments(Some("otp".into())))?;
    // A reason is recorded with rejections only.
    let reason = (decision == Decision::Reject)
        .then(|| caller.param("reason").map(str::to_owned))
        .flatten();
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let (rec, mut request) = load_visible(&conn, caller)?;
    // Rules first: a refused decision does not spend the member's code.
    request
        .check_can_decide(&rec.member, now)
        .map_err(|v| refusal(&v))?;
    let step = rec
        .totp
        .verify(otp, u64::try_from(now).unwrap_or(0), rec.last_otp_step)
        .map_err(|_| ApiError::Org(OrgRefusal::InvalidOtp))?;
    let transition = request
        .decide(&rec.member, decision, reason, now)
        .map_err(|v| refusal(&v))?;

    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    db::set_last_otp_step(&tx, &rec.member.id, step).map_err(internal)?;
    db::record_decision(&tx, &request).map_err(internal)?;
    if transition == Transition::Completed {
        apply_effect(&tx, &request, now)?;
    }
    tx.commit().map_err(|e| internal(e.into()))?;
    view(&conn, &request, &rec.member, now)
}

/// Applies a completed request to the Organization.
pub(crate) fn apply_effect(
    tx: &rusqlite::Transaction<'_>,
    request: &Request,
    now: i64,
) -> Result<(), ApiError> {
    match &request.payload {
        RequestPayload::Withdrawal {
            asset, amount, fee, ..
        } => {
            let before = db::balance(tx, asset).map_err(internal)?;
            let after = before - amount - fee;
            if after.is_sign_negative() {
                return Err(ApiError::Other("EFunding:Insufficient funds".into()));
            }
            db::set_balance(tx, asset, after).map_err(internal)?;
            let entry = db::LedgerEntry {
                refid: &request.id.0,
                time: now,
                kind: "withdrawal",
                asset,
                amount: -*amount,
                fee: *fee,
                balance: after,
            };
            db::post_ledger(tx, &entry).map_err(internal)?;
        }
    }
    Ok(())
}
