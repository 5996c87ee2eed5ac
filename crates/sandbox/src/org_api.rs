//! The org API (`POST /0/org/<Call>`), signed like the exchange's private calls and answered in
//! its `{error, result}` envelope. Contract: `docs/org-api.yaml`.
//!
//! Calls: `Me`, `Org`, `ListRequests` (`status`, `workflow`), `GetRequest` (`id`), `Preview`
//! (`payload`, `execute`, `as`), `Submit` (`payload`, `execute`, and when executing under a
//! policy `otp` + a signature), `Approve` (`id`, `otp`, signature), `Reject` (`id`, `otp`,
//! `reason`, signature), `Cancel` (`id`, `otp`, signature), `Reveal` (`id`, `otp`), `PolicyDiff`
//! (`workflow`, `policy`), `LockCheck` (`workflow`, `as`), `RegisterDevice` (`device_key`, `otp`),
//! `ExportJournal`, `VerifyCode` (`otp`).
//!
//! Every decision is checked by the rules engine of `countersign-org` first, then the member's
//! TOTP code is verified (accepted once; 5 wrong codes in a row lock decisions for 15 minutes),
//! then the device signature (`device_key`, `signature`, `at`) of its
//! [`countersign_org::DecisionStatement`]; the request, the decision, the spent code, the
//! signature, any effect and the audit journal's records commit in one transaction. Preview and
//! Submit run the same engine call.

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use countersign_kraken::{ApiError, Envelope, OrgRefusal};
use countersign_org::view::{ActorRef, OrgView, RequestView, RevealedKey};
use countersign_org::{
    Actor, Context, Decision, DecisionKind, DecisionStatement, LockCheck, Member, MemberId, Org,
    Policy, PolicyDiff, Preview, Request, RequestId, RequestPayload, RequestStatus, RuleViolation,
    Transition, Workflow, WorkflowPermission,
};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

use countersign_vault::{DevicePublicKey, JournalEvent};

use crate::auth::{Caller, authenticate, internal};
use crate::{Sandbox, db};

/// Routes of the org API and the public calls the sandbox answers.
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/0/org/{call}", post(org_call))
        .with_state(sandbox)
}

/// `Me`: who the key belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeResult {
    /// The Organization's name.
    pub org_name: String,
    /// The member.
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListResult {
    /// Newest first.
    pub requests: Vec<RequestView>,
}

async fn org_call(
    State(sandbox): State<Sandbox>,
    Path(call): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    // SQLite work is short and serialised behind one connection; run it off the async workers.
    tokio::task::spawn_blocking(move || {
        let caller = match authenticate(&sandbox, &headers, uri.path(), &body, Some(peer.ip())) {
            Ok(c) => c,
            Err(e) => return envelope_err(&e),
        };
        match call.as_str() {
            "Me" => respond(me(&sandbox, &caller)),
            "Org" => respond(org_view(&sandbox, &caller)),
            "Preview" => respond(preview(&sandbox, &caller)),
            "Submit" => respond(submit(&sandbox, &caller)),
            "Cancel" => respond(cancel(&sandbox, &caller)),
            "Reveal" => respond(reveal(&sandbox, &caller)),
            "PolicyDiff" => respond(policy_diff(&sandbox, &caller)),
            "LockCheck" => respond(lock_check(&sandbox, &caller)),
            "ListRequests" => respond(list(&sandbox, &caller)),
            "GetRequest" => respond(get_one(&sandbox, &caller)),
            "Approve" => respond(decide(&sandbox, &caller, Decision::Approve)),
            "Reject" => respond(decide(&sandbox, &caller, Decision::Reject)),
            "RegisterDevice" => respond(register_device(&sandbox, &caller)),
            "ExportJournal" => respond(export_journal(&sandbox, &caller)),
            "VerifyCode" => respond(verify_code(&sandbox, &caller)),
            "EnrollTotp" => respond(enroll_totp(&sandbox, &caller)),
            "ConfirmTotp" => respond(confirm_totp(&sandbox, &caller)),
            _ => envelope_err(&ApiError::UnknownMethod),
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

/// The view of `r` for `viewer`. `org` is the Organization now (for the policy-change flag).
fn view(
    conn: &Connection,
    org: &Org,
    r: &Request,
    viewer: &Member,
    now: i64,
) -> Result<RequestView, ApiError> {
    // Resolve every name up front (removed actors keep their names in history), so the view
    // builder stays infallible.
    let mut names = std::collections::HashMap::new();
    let actors = std::iter::once(r.initiator.clone())
        .chain(r.decisions.iter().map(|d| Actor::Member(d.member.clone())))
        .chain(r.payload.actors());
    for a in actors {
        let resolved = db::actor_ref(conn, &a).map_err(internal)?;
        names.insert(a, resolved);
    }
    let mut view = RequestView::new(r, viewer, now, org, |a| {
        names.get(a).cloned().unwrap_or_else(|| org.actor_ref(a))
    });
    let digests = db::decision_digests(conn, &r.id).map_err(internal)?;
    for d in &mut view.decisions {
        d.digest = digests.get(&d.member.id).cloned();
    }
    Ok(view)
}

fn me(sandbox: &Sandbox, caller: &Caller) -> Result<MeResult, ApiError> {
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    Ok(MeResult {
        org_name: db::org_name(&conn).map_err(internal)?,
        member: db::actor_ref(&conn, &rec.member.actor()).map_err(internal)?,
        devices: db::devices(&conn, &rec.member.id).map_err(internal)?,
        totp_enrolled: rec.totp_enrolled,
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
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let rec = calling_member(&conn, caller)?;
    let mut workflows = viewable(&rec.member);
    if let Some(w) = workflow {
        workflows.retain(|v| *v == w);
    }
    let now = sandbox.now();
    let requests = db::requests(&conn, &workflows, status).map_err(internal)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let requests = requests
        .iter()
        .map(|r| view(&conn, &org, r, &rec.member, now))
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
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let (rec, request) = load_visible(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, sandbox.now())
}

/// The member a what-if call (`Preview`, `LockCheck`) asks about: `as`, or the caller.
fn as_member(caller: &Caller, org: &Org, me: &Member) -> Result<Actor, ApiError> {
    match caller.param("as") {
        Some(id) => {
            let id = MemberId(id.to_owned());
            org.member(&id)
                .ok_or(ApiError::InvalidArguments(Some("as".into())))?;
            Ok(Actor::Member(id))
        }
        None => Ok(me.actor()),
    }
}

/// The call's `otp` field (every decision carries one).
fn otp_param(caller: &Caller) -> Result<&str, ApiError> {
    caller
        .param("otp")
        .ok_or(ApiError::InvalidArguments(Some("otp".into())))
}

/// Step-up: `otp` must be the member's current code (one step of skew), newer than the last
/// code they spent — a code is accepted once. Spends it within `tx`, so a decision that fails
/// later in the transaction does not burn it.
fn step_up(
    sandbox: &Sandbox,
    tx: &rusqlite::Transaction<'_>,
    rec: &db::MemberRecord,
    otp: &str,
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
    let Ok(step) = rec
        .totp
        .verify(otp, u64::try_from(now).unwrap_or(0), rec.last_otp_step)
    else {
        sandbox.gate().code_failed(member, now_ms);
        return Err(ApiError::Org(OrgRefusal::InvalidOtp));
    };
    sandbox.gate().code_passed(member);
    db::set_last_otp_step(tx, &rec.member.id, step).map_err(internal)
}

/// How far a signed decision's `at` may be from the server's clock, in seconds.
pub const STATEMENT_WINDOW_SECONDS: i64 = 300;

/// A decision's device signature: the `device_key`, `signature` and `at` fields.
struct Signed {
    device_key: String,
    signature: String,
    at: i64,
}

fn signed_param(caller: &Caller) -> Result<Signed, ApiError> {
    let field = |name: &str| {
        caller
            .param(name)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::InvalidArguments(Some(name.to_owned())))
    };
    Ok(Signed {
        device_key: field("device_key")?,
        signature: field("signature")?,
        at: field("at")?
            .parse()
            .map_err(|_| ApiError::InvalidArguments(Some("at".into())))?,
    })
}

/// Checks the member's device signature of `statement` against the device keys registered to
/// them, and journals the decision.
fn countersign(
    tx: &rusqlite::Transaction<'_>,
    member: &Member,
    statement: &DecisionStatement,
    signed: &Signed,
    status: RequestStatus,
    now: i64,
) -> Result<(), ApiError> {
    let refused = || ApiError::Org(OrgRefusal::InvalidSignature);
    if (statement.at - now).abs() > STATEMENT_WINDOW_SECONDS {
        return Err(refused());
    }
    let key = DevicePublicKey::from_base64(&signed.device_key).map_err(|_| refused())?;
    if !key.verify(&statement.digest(), &signed.signature) {
        return Err(refused());
    }
    if !db::device_registered(tx, &member.id, &signed.device_key).map_err(internal)? {
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
        },
    )
    .map_err(internal)
}

/// `initiator` as the journal writes it.
fn actor_label(actor: &Actor) -> String {
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

fn refusal(v: &RuleViolation) -> ApiError {
    ApiError::Org(match v {
        RuleViolation::NotPending(_) => OrgRefusal::NotPending,
        RuleViolation::OwnRequest => OrgRefusal::SelfApproval,
        RuleViolation::AlreadyDecided => OrgRefusal::AlreadyDecided,
        RuleViolation::NotPermitted { .. } | RuleViolation::NotInitiator => {
            OrgRefusal::NotPermitted
        }
    })
}

fn decide(sandbox: &Sandbox, caller: &Caller, decision: Decision) -> Result<RequestView, ApiError> {
    let otp = otp_param(caller)?;
    // A reason is recorded with rejections only.
    let reason = (decision == Decision::Reject)
        .then(|| caller.param("reason").map(str::to_owned))
        .flatten();
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, now)?;
    let (rec, mut request) = load_visible(&conn, caller)?;
    // Rules first: a refused decision does not spend the member's code.
    request
        .check_can_decide(&rec.member, now)
        .map_err(|v| refusal(&v))?;
    let signed = signed_param(caller)?;
    let kind = match decision {
        Decision::Approve => DecisionKind::Approve,
        Decision::Reject => DecisionKind::Reject,
    };
    let statement = DecisionStatement::new(
        &request.id.0,
        &request.payload,
        kind,
        &rec.member.id,
        signed.at,
    );
    let transition = request
        .decide(&rec.member, decision, reason, now)
        .map_err(|v| refusal(&v))?;

    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, otp)?;
    db::record_decision(&tx, &request).map_err(internal)?;
    countersign(&tx, &rec.member, &statement, &signed, request.status, now)?;
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

/// Carries out a completed request against the Organization as it is now.
pub(crate) fn complete(
    tx: &rusqlite::Transaction<'_>,
    request: &Request,
    now: i64,
) -> Result<Option<db::NewKey>, ApiError> {
    let mut org = db::load_org(tx).map_err(internal)?;
    let change = request.payload.describe(|a| org.actor_ref(a));
    let changes = org
        .apply(&request.id, &request.payload)
        .map_err(|e| apply_error(crate::ApplyError::Payload(e)))?;
    let new_key = db::persist_changes(tx, request, &changes, now).map_err(apply_error)?;
    db::journal(
        tx,
        now,
        JournalEvent::Applied {
            request_id: request.id.0.clone(),
            change,
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

/// Marks pending requests past their policy's expiry as Expired. Runs before reads and decisions,
/// so an expired request is never shown as pending nor decided.
pub(crate) fn sweep_expired(conn: &mut Connection, now: i64) -> Result<(), ApiError> {
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

fn org_view(sandbox: &Sandbox, caller: &Caller) -> Result<OrgView, ApiError> {
    let conn = sandbox.conn();
    calling_member(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let last_used = db::last_used(&conn).map_err(internal)?;
    Ok(OrgView::new(&org, |id| last_used.get(&id.0).copied()))
}

fn payload_param(caller: &Caller) -> Result<RequestPayload, ApiError> {
    let text = caller
        .param("payload")
        .ok_or(ApiError::InvalidArguments(Some("payload".into())))?;
    serde_json::from_str(text).map_err(|_| ApiError::InvalidArguments(Some("payload".into())))
}

fn flag(caller: &Caller, name: &str) -> Result<bool, ApiError> {
    match caller.param(name) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(ApiError::InvalidArguments(Some(name.to_owned()))),
    }
}

fn context(conn: &Connection, payload: &RequestPayload) -> Result<Context, ApiError> {
    Ok(match payload {
        RequestPayload::Withdrawal { asset, .. } => Context {
            available: Some(db::balance(conn, asset).map_err(internal)?),
        },
        _ => Context::default(),
    })
}

fn preview(sandbox: &Sandbox, caller: &Caller) -> Result<Preview, ApiError> {
    let payload = payload_param(caller)?;
    let execute = flag(caller, "execute")?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let actor = as_member(caller, &org, &rec.member)?;
    Ok(org.preview(
        &actor,
        &payload,
        execute,
        sandbox.now(),
        &context(&conn, &payload)?,
    ))
}

/// `Submit`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmitResult {
    /// The new request.
    pub request: RequestView,
    /// Why it completed or was queued.
    pub preview: Preview,
    /// A created service user's key, revealed this once (only when the initiator's own call
    /// completed it).
    pub revealed: Option<RevealedKey>,
}

fn submit(sandbox: &Sandbox, caller: &Caller) -> Result<SubmitResult, ApiError> {
    let payload = payload_param(caller)?;
    let execute = flag(caller, "execute")?;
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
    let request = submission.request;
    // Executing under a policy is a decision: it needs a fresh code like any other
    // (extension). A request that completes only because its workflow has no policy needs none.
    let executed = request.status == RequestStatus::Completed && request.policy.is_some();
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    let mut revealed = None;
    if request.status == RequestStatus::Completed {
        db::insert_request(&tx, &request).map_err(internal)?;
        journal_submitted(&tx, &request, now)?;
        if executed {
            // The request has no id until now: an execution at submission signs its content
            // with an empty request id.
            let otp = otp_param(caller)?;
            let signed = signed_param(caller)?;
            let statement = DecisionStatement::new(
                "",
                &request.payload,
                DecisionKind::Execute,
                &rec.member.id,
                signed.at,
            );
            step_up(sandbox, &tx, &rec, otp)?;
            countersign(&tx, &rec.member, &statement, &signed, request.status, now)?;
        }
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

fn cancel(sandbox: &Sandbox, caller: &Caller) -> Result<RequestView, ApiError> {
    let otp = otp_param(caller)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, now)?;
    let (rec, mut request) = load_visible(&conn, caller)?;
    let signed = signed_param(caller)?;
    let statement = DecisionStatement::new(
        &request.id.0,
        &request.payload,
        DecisionKind::Cancel,
        &rec.member.id,
        signed.at,
    );
    request
        .cancel(&rec.member.actor(), now)
        .map_err(|v| refusal(&v))?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, otp)?;
    db::update_status(&tx, &request).map_err(internal)?;
    countersign(&tx, &rec.member, &statement, &signed, request.status, now)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, now)
}

fn reveal(sandbox: &Sandbox, caller: &Caller) -> Result<RevealedKey, ApiError> {
    // Handing out a secret is stepped up like a decision.
    let otp = otp_param(caller)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let (rec, request) = load_visible(&conn, caller)?;
    if request.initiator != rec.member.actor() {
        return Err(ApiError::Org(OrgRefusal::NotPermitted));
    }
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, otp)?;
    let key = db::take_reveal(&tx, &request.id)
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

/// `RegisterDevice` (`device_key`, `otp`): registers a device's public key to the calling
/// member, stepped up like a decision. Decisions are accepted only from registered devices.
fn register_device(sandbox: &Sandbox, caller: &Caller) -> Result<RegisteredDevice, ApiError> {
    let otp = otp_param(caller)?;
    let device_key = caller
        .param("device_key")
        .ok_or(ApiError::InvalidArguments(Some("device_key".into())))?;
    DevicePublicKey::from_base64(device_key)
        .map_err(|_| ApiError::InvalidArguments(Some("device_key".into())))?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, otp)?;
    let registered = register_in(&tx, &rec.member.id, device_key, now)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(registered)
}

/// Registers `device_key` to `member` within `tx` (journaled), unless it already is.
fn register_in(
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

/// `RegisterDevice`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisteredDevice {
    /// The key, as registered.
    pub device_key: String,
    /// Whether this call registered it (`false`: it already was).
    pub new: bool,
}

/// `VerifyCode` (`otp`): checks, and spends, the member's current code — what unlocking the app
/// asks, so an unattended device opens only for its member. Wrong codes count toward the lockout.
fn verify_code(sandbox: &Sandbox, caller: &Caller) -> Result<CodeVerified, ApiError> {
    let otp = otp_param(caller)?;
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, otp)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(CodeVerified { verified: true })
}

/// `EnrollTotp`: a new authenticator secret for the calling member, who has none yet, as the
/// `otpauth://` URI an authenticator app reads. Each call replaces the secret the previous one
/// gave (so only the newest QR code can be confirmed); nothing is accepted until `ConfirmTotp`.
fn enroll_totp(sandbox: &Sandbox, caller: &Caller) -> Result<TotpEnrollment, ApiError> {
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

/// `EnrollTotp`'s answer. Shown once; the server keeps the secret, as the exchange does.
#[derive(Clone, Serialize, Deserialize)]
pub struct TotpEnrollment {
    /// `otpauth://totp/…?secret=…`, for a QR code.
    pub otpauth_uri: String,
}

impl std::fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrollment(<redacted>)")
    }
}

/// `ConfirmTotp` (`otp`, `device_key`): the first code from the authenticator set up with
/// `EnrollTotp`'s secret. It proves the member holds the secret, makes it their authenticator
/// (that code is spent) and registers the device in one stepped-up call. Wrong codes count
/// toward the lockout like any other.
fn confirm_totp(sandbox: &Sandbox, caller: &Caller) -> Result<RegisteredDevice, ApiError> {
    let otp = otp_param(caller)?;
    let device_key = caller
        .param("device_key")
        .ok_or(ApiError::InvalidArguments(Some("device_key".into())))?;
    DevicePublicKey::from_base64(device_key)
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
    let Ok(step) = pending.verify(otp, u64::try_from(now).unwrap_or(0), None) else {
        sandbox.gate().code_failed(member, now_ms);
        return Err(ApiError::Org(OrgRefusal::InvalidOtp));
    };
    sandbox.gate().code_passed(member);
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    db::confirm_totp(&tx, &rec.member.id, pending, step).map_err(internal)?;
    let registered = register_in(&tx, &rec.member.id, device_key, now)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    Ok(registered)
}

/// `VerifyCode`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CodeVerified {
    /// Always `true` (a wrong code is an error).
    pub verified: bool,
}

/// `ExportJournal`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalExport {
    /// The whole journal as JSON Lines, oldest first; `countersign audit verify` checks it.
    pub lines: String,
}

/// `ExportJournal`: the audit journal, for any member (an audit trail is for everyone who may be
/// asked to trust it).
fn export_journal(sandbox: &Sandbox, caller: &Caller) -> Result<JournalExport, ApiError> {
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    calling_member(&conn, caller)?;
    Ok(JournalExport {
        lines: db::journal_lines(&conn).map_err(internal)?,
    })
}

fn workflow_param(caller: &Caller) -> Result<Workflow, ApiError> {
    caller
        .param("workflow")
        .and_then(Workflow::parse)
        .ok_or(ApiError::InvalidArguments(Some("workflow".into())))
}

/// `PolicyDiff` (`workflow`, `policy` as JSON, absent or `null` to remove): what replacing the
/// workflow's policy would change, and the pending requests left on an older snapshot.
fn policy_diff(sandbox: &Sandbox, caller: &Caller) -> Result<PolicyDiff, ApiError> {
    let workflow = workflow_param(caller)?;
    let policy: Option<Policy> = match caller.param("policy") {
        None => None,
        Some(text) => serde_json::from_str(text)
            .map_err(|_| ApiError::InvalidArguments(Some("policy".into())))?,
    };
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    let rec = calling_member(&conn, caller)?;
    // Policies, and the pending requests a change would affect, are for those who may see them.
    for w in [Workflow::ManagePolicies, workflow] {
        if !rec.member.permissions.has(w, WorkflowPermission::View) {
            return Err(ApiError::Org(OrgRefusal::NotPermitted));
        }
    }
    let org = db::load_org(&conn).map_err(internal)?;
    org.validate(&RequestPayload::ChangePolicy { workflow, policy })
        .map_err(|_| ApiError::InvalidArguments(Some("policy".into())))?;
    let pending =
        db::requests(&conn, &[workflow], Some(RequestStatus::Pending)).map_err(internal)?;
    Ok(org.policy_diff(workflow, policy, &pending))
}

/// `LockCheck` (`workflow`, optional `as`): whether the workflow's policy could be locked by the
/// caller (or by member `as`), and its bus factor.
fn lock_check(sandbox: &Sandbox, caller: &Caller) -> Result<LockCheck, ApiError> {
    let workflow = workflow_param(caller)?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    if !rec
        .member
        .permissions
        .has(Workflow::ManagePolicies, WorkflowPermission::View)
    {
        return Err(ApiError::Org(OrgRefusal::NotPermitted));
    }
    let org = db::load_org(&conn).map_err(internal)?;
    let actor = as_member(caller, &org, &rec.member)?;
    Ok(org.lock_check(workflow, &actor))
}
