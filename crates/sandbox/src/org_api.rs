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
use countersign_org::view::{OrgView, RequestView, RevealedKey};
use countersign_org::{
    Actor, Context, Decision, DecisionKind, DecisionStatement, LockCheck, Member, MemberId, Org,
    PolicyDiff, Preview, Request, RequestId, RequestPayload, RequestStatus, RuleViolation,
    Transition, Workflow, WorkflowPermission,
};
use countersign_orgapi::params::{
    ConfirmTotpParams, GetRequestParams, ListRequestsParams, LockCheckParams, PolicyDiffParams,
    PreviewParams, RegisterDeviceParams, RejectParams, RequestStepUp, Submission, VerifyCodeParams,
};
use countersign_orgapi::{
    Call, CallName, CodeVerified, DeviceSignature, InvalidArgument, JournalExport, JsonText,
    ListResult, MeResult, Otp, RegisteredDevice, SubmitResult, TotpEnrollment, call,
};
use rusqlite::Connection;
use std::net::SocketAddr;

use countersign_vault::{DevicePublicKey, JournalEvent, TotpSecret};

use crate::auth::{Caller, authenticate, internal};
use crate::{Sandbox, db};

/// Routes of the org API and the public calls the sandbox answers.
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route("/0/org/{call}", post(org_call))
        .with_state(sandbox)
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
        let Some(name) = CallName::parse(&call) else {
            return envelope_err(&ApiError::UnknownMethod);
        };
        let (s, c) = (&sandbox, &caller);
        match name {
            CallName::Me => respond::<call::Me>(me(s, c)),
            CallName::Org => respond::<call::Org>(org_view(s, c)),
            CallName::ListRequests => respond::<call::ListRequests>(list(s, c)),
            CallName::GetRequest => respond::<call::GetRequest>(get_one(s, c)),
            CallName::Preview => respond::<call::Preview>(preview(s, c)),
            CallName::Submit => respond::<call::Submit>(submit(s, c)),
            CallName::Approve => respond::<call::Approve>(decide(s, c, Decision::Approve)),
            CallName::Reject => respond::<call::Reject>(decide(s, c, Decision::Reject)),
            CallName::Cancel => respond::<call::Cancel>(cancel(s, c)),
            CallName::Reveal => respond::<call::Reveal>(reveal(s, c)),
            CallName::PolicyDiff => respond::<call::PolicyDiff>(policy_diff(s, c)),
            CallName::LockCheck => respond::<call::LockCheck>(lock_check(s, c)),
            CallName::RegisterDevice => respond::<call::RegisterDevice>(register_device(s, c)),
            CallName::EnrollTotp => respond::<call::EnrollTotp>(enroll_totp(s, c)),
            CallName::ConfirmTotp => respond::<call::ConfirmTotp>(confirm_totp(s, c)),
            CallName::VerifyCode => respond::<call::VerifyCode>(verify_code(s, c)),
            CallName::ExportJournal => respond::<call::ExportJournal>(export_journal(s, c)),
        }
    })
    .await
    .unwrap_or_else(|_| envelope_err(&ApiError::InternalError))
}

/// The envelope of call `C`'s answer (typed, so a handler answers what the table says).
fn respond<C: Call>(r: Result<C::Answer, ApiError>) -> Response {
    match r {
        Ok(v) => Json(Envelope::ok(v)).into_response(),
        Err(e) => envelope_err(&e),
    }
}

fn envelope_err(e: &ApiError) -> Response {
    Json(Envelope::<()>::err(e)).into_response()
}

/// A missing or malformed field: `EGeneral:Invalid arguments:<field>`.
fn invalid(e: InvalidArgument) -> ApiError {
    ApiError::InvalidArguments(Some(e.0.to_owned()))
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
    let ListRequestsParams { status, workflow } =
        ListRequestsParams::read(&caller.params).map_err(invalid)?;
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

/// The calling member and request `id`, if it is in a workflow they may View.
fn load_visible(
    conn: &Connection,
    caller: &Caller,
    id: &str,
) -> Result<(db::MemberRecord, Request), ApiError> {
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
    let GetRequestParams { id } = GetRequestParams::read(&caller.params).map_err(invalid)?;
    let (rec, request) = load_visible(&conn, caller, &id)?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, sandbox.now())
}

/// The member a what-if call (`Preview`, `LockCheck`) asks about: `as`, or the caller.
fn as_member(as_id: Option<&str>, org: &Org, me: &Member) -> Result<Actor, ApiError> {
    match as_id {
        Some(id) => {
            let id = MemberId(id.to_owned());
            org.member(&id)
                .ok_or(ApiError::InvalidArguments(Some("as".into())))?;
            Ok(Actor::Member(id))
        }
        None => Ok(me.actor()),
    }
}

/// Step-up: `otp` must be the member's current code (one step of skew), newer than the last
/// code they spent — a code is accepted once. Spends it within `tx`, so a decision that fails
/// later in the transaction does not burn it.
fn step_up(
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

/// How far a signed decision's `at` may be from the server's clock, in seconds.
pub const STATEMENT_WINDOW_SECONDS: i64 = 300;

/// The signed statement's time (already checked to be decimal by `DeviceSignature::read`).
fn statement_time(signed: &DeviceSignature) -> Result<i64, ApiError> {
    signed
        .at
        .seconds()
        .ok_or(ApiError::InvalidArguments(Some("at".into())))
}

/// Checks the member's device signature of `statement` against the device keys registered to
/// them, and journals the decision.
fn countersign(
    tx: &rusqlite::Transaction<'_>,
    member: &Member,
    statement: &DecisionStatement,
    signed: &DeviceSignature,
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
    Otp::read(&caller.params).map_err(invalid)?;
    // A reason is recorded with rejections only.
    let reason = match decision {
        Decision::Reject => RejectParams::read_reason(&caller.params).map_err(invalid)?,
        Decision::Approve => None,
    };
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, now)?;
    let RequestStepUp { id, otp } = RequestStepUp::read(&caller.params).map_err(invalid)?;
    let (rec, mut request) = load_visible(&conn, caller, &id)?;
    // Rules first: a refused decision does not spend the member's code.
    request
        .check_can_decide(&rec.member, now)
        .map_err(|v| refusal(&v))?;
    let signed = DeviceSignature::read(&caller.params).map_err(invalid)?;
    let kind = match decision {
        Decision::Approve => DecisionKind::Approve,
        Decision::Reject => DecisionKind::Reject,
    };
    let statement = DecisionStatement::new(
        &request.id.0,
        &request.payload,
        kind,
        &rec.member.id,
        statement_time(&signed)?,
    );
    let transition = request
        .decide(&rec.member, decision, reason, now)
        .map_err(|v| refusal(&v))?;

    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, &otp)?;
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

fn context(conn: &Connection, payload: &RequestPayload) -> Result<Context, ApiError> {
    Ok(match payload {
        RequestPayload::Withdrawal { asset, .. } => Context {
            available: Some(db::balance(conn, asset).map_err(internal)?),
        },
        _ => Context::default(),
    })
}

fn preview(sandbox: &Sandbox, caller: &Caller) -> Result<Preview, ApiError> {
    let PreviewParams {
        submission:
            Submission {
                payload: JsonText(payload),
                execute,
            },
        as_member: as_id,
    } = PreviewParams::read(&caller.params).map_err(invalid)?;
    let conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let org = db::load_org(&conn).map_err(internal)?;
    let actor = as_member(as_id.as_deref(), &org, &rec.member)?;
    Ok(org.preview(
        &actor,
        &payload,
        execute,
        sandbox.now(),
        &context(&conn, &payload)?,
    ))
}

fn submit(sandbox: &Sandbox, caller: &Caller) -> Result<SubmitResult, ApiError> {
    let Submission {
        payload: JsonText(payload),
        execute,
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
            let otp = Otp::read(&caller.params).map_err(invalid)?;
            let signed = DeviceSignature::read(&caller.params).map_err(invalid)?;
            let statement = DecisionStatement::new(
                "",
                &request.payload,
                DecisionKind::Execute,
                &rec.member.id,
                statement_time(&signed)?,
            );
            step_up(sandbox, &tx, &rec, &otp)?;
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
    Otp::read(&caller.params).map_err(invalid)?;
    let now = sandbox.now();
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, now)?;
    let RequestStepUp { id, otp } = RequestStepUp::read(&caller.params).map_err(invalid)?;
    let (rec, mut request) = load_visible(&conn, caller, &id)?;
    let signed = DeviceSignature::read(&caller.params).map_err(invalid)?;
    let statement = DecisionStatement::new(
        &request.id.0,
        &request.payload,
        DecisionKind::Cancel,
        &rec.member.id,
        statement_time(&signed)?,
    );
    request
        .cancel(&rec.member.actor(), now)
        .map_err(|v| refusal(&v))?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, &otp)?;
    db::update_status(&tx, &request).map_err(internal)?;
    countersign(&tx, &rec.member, &statement, &signed, request.status, now)?;
    tx.commit().map_err(|e| internal(e.into()))?;
    let org = db::load_org(&conn).map_err(internal)?;
    view(&conn, &org, &request, &rec.member, now)
}

fn reveal(sandbox: &Sandbox, caller: &Caller) -> Result<RevealedKey, ApiError> {
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

/// `VerifyCode` (`otp`): checks, and spends, the member's current code — what unlocking the app
/// asks, so an unattended device opens only for its member. Wrong codes count toward the lockout.
fn verify_code(sandbox: &Sandbox, caller: &Caller) -> Result<CodeVerified, ApiError> {
    let VerifyCodeParams { otp } = VerifyCodeParams::read(&caller.params).map_err(invalid)?;
    let mut conn = sandbox.conn();
    let rec = calling_member(&conn, caller)?;
    let tx = conn.transaction().map_err(|e| internal(e.into()))?;
    step_up(sandbox, &tx, &rec, &otp)?;
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
    let secret = TotpSecret::generate();
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
fn confirm_totp(sandbox: &Sandbox, caller: &Caller) -> Result<RegisteredDevice, ApiError> {
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
fn export_journal(sandbox: &Sandbox, caller: &Caller) -> Result<JournalExport, ApiError> {
    let mut conn = sandbox.conn();
    sweep_expired(&mut conn, sandbox.now())?;
    calling_member(&conn, caller)?;
    Ok(JournalExport {
        lines: db::journal_lines(&conn).map_err(internal)?,
    })
}

/// `PolicyDiff` (`workflow`, `policy` as JSON, absent or `null` to remove): what replacing the
/// workflow's policy would change, and the pending requests left on an older snapshot.
fn policy_diff(sandbox: &Sandbox, caller: &Caller) -> Result<PolicyDiff, ApiError> {
    let PolicyDiffParams {
        workflow,
        policy: JsonText(policy),
    } = PolicyDiffParams::read(&caller.params).map_err(invalid)?;
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
    let LockCheckParams {
        workflow,
        as_member: as_id,
    } = LockCheckParams::read(&caller.params).map_err(invalid)?;
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
    let actor = as_member(as_id.as_deref(), &org, &rec.member)?;
    Ok(org.lock_check(workflow, &actor))
}
