//! The approval queue: the requests a member may see, and their decisions, one or a batch.
//! Every decision is stepped up (by the member's code, or the decision window one opened, see
//! [`crate::window`]) and signed by this device's key over the request as shown.

use countersign_client::StepUp;
use countersign_org::view::RequestView;
use countersign_org::{Decision, RequestPayload};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::core::OrgAccess;
use crate::error::{CommandError, ErrorCode, Otp};
use crate::ipc::RequestFilter;
use crate::window::WindowView;

/// Requests visible to the member, newest first; each pending withdrawal with its risk flags,
/// read from the whole history the member may see ([`countersign_org::risk_flags`]).
pub async fn list(
    org: &OrgAccess<'_>,
    filter: RequestFilter,
) -> Result<Vec<RequestView>, CommandError> {
    let client = org.client();
    let all = filter.status.is_none() && filter.workflow.is_none();
    let mut listed = client
        .list_requests(countersign_client::RequestFilter {
            status: filter.status,
            workflow: filter.workflow,
        })
        .await?;
    let flaggable = |r: &RequestView| {
        r.status == countersign_org::RequestStatus::Pending
            && matches!(r.payload, RequestPayload::Withdrawal { .. })
    };
    if listed.iter().any(flaggable) {
        let history = if all {
            listed.clone()
        } else {
            client
                .list_requests(countersign_client::RequestFilter::default())
                .await?
        };
        for r in listed.iter_mut().filter(|r| flaggable(r)) {
            r.risk = countersign_org::risk_flags(r, &history);
            if let RequestPayload::Withdrawal { key, .. } = &r.payload {
                r.destination = countersign_org::destination_named(key, &history);
            }
        }
    }
    Ok(listed)
}

/// One request, as the member may see it.
pub async fn get(org: &OrgAccess<'_>, id: &str) -> Result<RequestView, CommandError> {
    Ok(org.client().get_request(id).await?)
}

/// A request as the desk showed it, to be decided: its id and the payload the member saw (the
/// device signs that; the Organization refuses the decision if its request differs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Shown {
    /// The request's id.
    pub id: String,
    /// Its payload as shown.
    pub seen: RequestPayload,
}

/// One decision of a batch: the request as it stands after it, or why it failed (alone: the
/// others are still decided).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DecisionOutcome {
    /// The request's id.
    pub id: String,
    /// The request after the decision.
    pub request: Option<RequestView>,
    /// Why it was not decided.
    pub error: Option<CommandError>,
}

/// What steps the next decisions up.
#[derive(Debug)]
pub(crate) enum StepProof {
    /// A fresh code, spent by the one decision it steps up (the Organization's window is 0).
    Code(String),
    /// An open decision window's id.
    Window(String),
}

impl StepProof {
    pub(crate) fn with<'a>(&'a self, device: &'a countersign_vault::DeviceKey) -> StepUp<'a> {
        match self {
            Self::Code(otp) => StepUp::code(otp, device),
            Self::Window(id) => StepUp::window(id, device),
        }
    }
}

/// The step-up for `count` decisions: with `otp`, the window that code opens (held for the
/// next decisions), or the code itself when the Organization's window is 0 and one decision
/// is asked; without, the window this app holds, if still open.
pub(crate) async fn step_proof(
    org: &OrgAccess<'_>,
    otp: Option<&str>,
    count: usize,
) -> Result<StepProof, CommandError> {
    let member = org.session().member.id.clone();
    let Some(otp) = otp.map(str::trim).filter(|o| !o.is_empty()) else {
        return org
            .core()
            .window
            .open_id(&member, org.now())
            .map(StepProof::Window)
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::InvalidOtp,
                    "Enter your 2FA code: no decision window is open (a code opens one, for as long as the Organization sets).",
                )
            });
    };
    let otp = Otp::parse(otp)?;
    let seconds = org.client().org().await?.settings.decision_window_seconds;
    if seconds == 0 {
        if count > 1 {
            return Err(CommandError::invalid(
                "The Organization's decision window is off: each decision needs its own code, so decide these one at a time.",
            ));
        }
        return Ok(StepProof::Code(otp.as_str().to_owned()));
    }
    let window = org.client().verify_code(otp.as_str()).await?;
    let id = window.as_ref().map(|w| w.id.clone());
    org.core().window.hold(&member, window);
    id.map(StepProof::Window).ok_or_else(|| {
        CommandError::new(
            ErrorCode::Unavailable,
            "This org API opened no decision window for your code: decide one request at a time.",
        )
    })
}

/// The step-up of one action the app does not check first (a cancellation, an execution): the
/// code itself, sent with the action, so the Organization checks its rules before spending it
/// (a refused action spends nothing); without a code, the window this app holds.
pub(crate) fn single_proof(
    org: &OrgAccess<'_>,
    otp: Option<&str>,
) -> Result<StepProof, CommandError> {
    match otp.map(str::trim).filter(|o| !o.is_empty()) {
        Some(otp) => Ok(StepProof::Code(Otp::parse(otp)?.as_str().to_owned())),
        None => org
            .core()
            .window
            .open_id(&org.session().member.id, org.now())
            .map(StepProof::Window)
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::InvalidOtp,
                    "Enter your 2FA code: no decision window is open.",
                )
            }),
    }
}

/// The decision window this app holds for the signed-in member, if still open: the desk's
/// countdown, and whether the next decision needs a code.
pub fn window(org: &OrgAccess<'_>) -> Option<WindowView> {
    org.core().window.view(&org.session().member.id, org.now())
}

/// Decides every request of `shown` the same way, stepped up once: by `otp` (which opens a
/// decision window) or by the window this app holds. Each request is read again first: one the
/// member may not decide now, or that is no longer what was shown, fails alone before any code
/// is spent. Each decision is signed by this device over the request as shown and sent on its
/// own; one that fails fails alone, with its reason. A rejection needs a `reason`; an approval
/// may carry one.
pub async fn decide(
    org: &OrgAccess<'_>,
    shown: &[Shown],
    decision: Decision,
    otp: Option<&str>,
    reason: Option<&str>,
) -> Result<Vec<DecisionOutcome>, CommandError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if decision == Decision::Reject && reason.is_none() {
        return Err(CommandError::invalid(
            "A rejection needs a reason: say why, for the initiator and the other approvers.",
        ));
    }
    if let Some(otp) = otp {
        Otp::parse(otp)?;
    }
    let mut outcomes = Vec::with_capacity(shown.len());
    let mut decidable = Vec::with_capacity(shown.len());
    for item in shown {
        match check(org, item, decision).await {
            Ok(()) => decidable.push(item),
            Err(e) => outcomes.push(DecisionOutcome {
                id: item.id.clone(),
                request: None,
                error: Some(e),
            }),
        }
    }
    if decidable.is_empty() {
        return Ok(outcomes);
    }
    // A device the Organization does not know signs nothing it would accept: say so before a
    // code is spent.
    if !crate::trust::device_status(org).await?.registered {
        return Err(CommandError::new(
            ErrorCode::Auth,
            "This device is not registered to you, so the Organization would refuse its signature: register it first (`countersign device register`, or the app's device panel). Nothing was decided and no code was spent.",
        ));
    }
    let proof = step_proof(org, otp, decidable.len()).await?;
    let device = org.device().await?;
    let decider = org.decider();
    for Shown { id, seen } in decidable {
        let step_up = proof.with(&device);
        let result = match decision {
            Decision::Approve => decider.approve(id, step_up, reason, Some(seen)).await,
            Decision::Reject => decider.reject(id, step_up, reason, Some(seen)).await,
        };
        let (request, error) = match result {
            Ok(view) => (Some(view), None),
            Err(e) => {
                // A window the Organization says is closed is not offered again.
                if matches!(
                    e,
                    countersign_client::ClientError::Api(countersign_kraken::ApiError::Org(
                        countersign_kraken::OrgRefusal::WindowClosed
                    ))
                ) {
                    org.core().window.forget();
                }
                (None, Some(e.into()))
            }
        };
        outcomes.push(DecisionOutcome {
            id: id.clone(),
            request,
            error,
        });
    }
    // In the order asked.
    outcomes.sort_by_key(|o| shown.iter().position(|s| s.id == o.id));
    Ok(outcomes)
}

/// Whether the member may decide `item` now as it was shown: the rules as the org API reports
/// them for the member, and the request's content unchanged. Refuses with the code the org API
/// would answer, so nothing is spent on a decision that would be refused.
async fn check(org: &OrgAccess<'_>, item: &Shown, decision: Decision) -> Result<(), CommandError> {
    let now = org.client().get_request(&item.id).await?;
    let me = &org.session().member.id;
    if !now.viewer.can_decide {
        let why = now
            .viewer
            .why_not
            .clone()
            .unwrap_or_else(|| "You may not decide this request.".into());
        let code = if now.status != countersign_org::RequestStatus::Pending {
            ErrorCode::NotPending
        } else if now.initiator.id == *me {
            ErrorCode::SelfApproval
        } else if now.decisions.iter().any(|d| d.member.id == *me) {
            ErrorCode::AlreadyDecided
        } else {
            ErrorCode::NotPermitted
        };
        return Err(CommandError::new(code, why));
    }
    if decision == Decision::Approve
        && let Some(stop) = now.viewer.approve_blocked
    {
        return Err(CommandError::new(ErrorCode::NotPermitted, stop));
    }
    if countersign_org::content_hash(&now.payload) != countersign_org::content_hash(&item.seen) {
        return Err(CommandError::new(
            ErrorCode::RequestChanged,
            "This request is not what you were shown: nothing was decided. Look at it again before deciding.",
        ));
    }
    Ok(())
}

/// Decides one request (see [`decide`]): its view, or why it failed.
pub async fn decide_one(
    org: &OrgAccess<'_>,
    id: &str,
    decision: Decision,
    otp: Option<&str>,
    reason: Option<&str>,
    seen: Option<&RequestPayload>,
) -> Result<RequestView, CommandError> {
    let seen = match seen {
        Some(p) => p.clone(),
        // A caller that showed nothing (the CLI) signs the request as it stands now.
        None => org.client().get_request(id).await?.payload,
    };
    let shown = [Shown {
        id: id.to_owned(),
        seen,
    }];
    let mut outcomes = decide(org, &shown, decision, otp, reason).await?;
    match outcomes.pop() {
        Some(DecisionOutcome {
            request: Some(view),
            ..
        }) => Ok(view),
        Some(DecisionOutcome { error: Some(e), .. }) => Err(e),
        _ => Err(CommandError::internal("a decision answered nothing")),
    }
}
