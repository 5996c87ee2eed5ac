//! The org API (`POST /0/org/<Call>`), signed like the exchange's private calls and answered in
//! its `{error, result}` envelope. Contract: `docs/org-api.yaml`.
//!
//! Calls: `Me`, `Org`, `ListRequests` (`status`, `workflow`), `GetRequest` (`id`), `Preview`
//! (`payload`, `execute`, `as`), `Submit` (`payload`, `execute`, and when executing under a
//! policy `otp` + a signature), `Approve` (`id`, `otp`, signature), `Reject` (`id`, `otp`,
//! `reason`, signature), `Cancel` (`id`, `otp`, signature), `Reveal` (`id`, `otp`), `PolicyDiff`
//! (`workflow`, `policy`), `LockCheck` (`workflow`, `as`), `RegisterDevice` (`device_key`, `otp`),
//! `ExportJournal`, `VerifyCode` (`otp`), `CloseWindows`, and the emergency stops `StopKey` (`service_user`,
//! `reason`, `otp`) and `FreezeWithdrawals` (`reason`, `otp`).
//!
//! Every decision is checked by the rules engine of `countersign-org` first, then the member's
//! TOTP code is verified (accepted once; 5 wrong codes in a row lock decisions for 15 minutes),
//! then the device signature (`device_key`, `signature`, `at`) of its
//! [`countersign_org::DecisionStatement`]; the request, the decision, the spent code, the
//! signature, any effect and the audit journal's records commit in one transaction. Preview and
//! Submit run the same engine call.
//!
//! One module per family of calls: `views` (reads), `submissions`, `decisions`, `stops` and
//! `trust`; `stepup` checks a decision's code and device signature for all of them. This
//! module routes each [`CallName`] to its handler and holds what the handlers share (the calling
//! member, a request as they see it). Names, fields and answers come from `countersign-orgapi`.

mod decisions;
mod stepup;
mod stops;
mod submissions;
mod trust;
mod views;

pub use stepup::STATEMENT_WINDOW_SECONDS;

use decisions::{cancel, decide};
use stops::{freeze_withdrawals, stop_key};
use submissions::{preview, reveal, submit};
use trust::{
    close_windows, confirm_totp, enroll_totp, export_journal, register_device, verify_code,
};
use views::{get_one, key_usage, list, lock_check, me, org_view, policy_diff};

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use countersign_kraken::{ApiError, Envelope, OrgRefusal};
use countersign_org::view::RequestView;
use countersign_org::{Actor, Decision, Member, MemberId, Org, Request, Workflow};
use countersign_orgapi::{Call, CallName, InvalidArgument, call};
use rusqlite::Connection;
use std::net::SocketAddr;

use crate::auth::{Caller, authenticate, internal};
use crate::{Sandbox, db};

/// Routes of the org API and the public calls the sandbox answers.
pub fn router(sandbox: Sandbox) -> Router {
    Router::new()
        .route(
            countersign_orgapi::events::EVENTS_PATH,
            post(crate::events::stream),
        )
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
            CallName::KeyUsage => respond::<call::KeyUsage>(key_usage(s, c)),
            CallName::StopKey => respond::<call::StopKey>(stop_key(s, c)),
            CallName::FreezeWithdrawals => {
                respond::<call::FreezeWithdrawals>(freeze_withdrawals(s, c))
            }
            CallName::RegisterDevice => respond::<call::RegisterDevice>(register_device(s, c)),
            CallName::EnrollTotp => respond::<call::EnrollTotp>(enroll_totp(s, c)),
            CallName::ConfirmTotp => respond::<call::ConfirmTotp>(confirm_totp(s, c)),
            CallName::VerifyCode => respond::<call::VerifyCode>(verify_code(s, c)),
            CallName::CloseWindows => respond::<call::CloseWindows>(close_windows(s, c)),
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

/// The workflows whose requests `member` sees: those they may view or approve in.
fn viewable(member: &Member) -> Vec<Workflow> {
    Workflow::ALL
        .into_iter()
        .filter(|w| member.permissions.sees_requests(*w))
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
    view.key_to_reveal = r.status == countersign_org::RequestStatus::Completed
        && r.initiator == viewer.actor()
        && matches!(
            r.payload,
            countersign_org::RequestPayload::CreateServiceUser { .. }
        )
        && db::reveal_waits(conn, &r.id, crate::lifecycle::held_since(now)).map_err(internal)?;
    if r.status == countersign_org::RequestStatus::Pending
        && let countersign_org::RequestPayload::Withdrawal {
            asset, amount, fee, ..
        } = &r.payload
    {
        let balance = db::balance(conn, asset).map_err(internal)?;
        view.funds = Some(countersign_org::FundsView::of(
            balance,
            (*amount, *fee),
            crate::market::usd_price(asset).map(|p| (p, "USD")),
        ));
    }
    if r.status == countersign_org::RequestStatus::Completed
        && let countersign_org::RequestPayload::Withdrawal {
            asset, amount, fee, ..
        } = &r.payload
    {
        view.settlement =
            Some(db::settlement(conn, &r.id, (asset, *amount, *fee)).map_err(internal)?);
    }
    Ok(view)
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
        .filter(|r| rec.member.permissions.sees_requests(r.workflow()))
        .ok_or(ApiError::Org(OrgRefusal::UnknownRequest))?;
    Ok((rec, request))
}

/// Who a `Preview` asks about: `as` (a current member, or a service user, whose withdrawals a
/// member may preview before the bot sends one **(extension)**), or the caller.
fn as_initiator(as_id: Option<&str>, org: &Org, me: &Member) -> Result<Actor, ApiError> {
    if let Some(id) = as_id {
        let bot = countersign_org::ServiceUserId(id.to_owned());
        if org.service_users.contains_key(&bot) {
            return Ok(Actor::ServiceUser(bot));
        }
    }
    as_member(as_id, org, me)
}

/// The member a what-if call (`LockCheck`) asks about: `as`, or the caller.
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
