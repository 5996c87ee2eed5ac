//! The Organization's request history replayed under a draft policy: what each past request of
//! a workflow would have come to ([`replay`], [`Replay`]), for the policy editor's "of 412 past
//! requests, 37 would have completed at once, 5 would never have reached N".
//!
//! A past request is what its record shows ([`PastRequest`]): who asked, whether it was executed
//! at once, its decisions in order with their times, and where it stands. Replaying walks the
//! decisions under the draft: N approvals complete it, a rejection before that ends it, the
//! draft's expiry cuts it off. What the record cannot show stays as it was: a member who executed
//! a request is taken to hold Execute still; whoever completed a request under no policy is not
//! assumed to hold Execute (under a policy, it would have queued).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::Actor;
use crate::permission::Workflow;
use crate::policy::Policy;
use crate::request::{Decision, Request, RequestStatus};
use crate::view::ActorKind;
use crate::view::RequestView;

/// What a request's record shows, for replaying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRequest {
    /// Its id.
    pub id: String,
    /// Its workflow.
    pub workflow: Workflow,
    /// Asked by a service user (which never executes).
    pub by_service_user: bool,
    /// Completed at submission by its initiator's Execute, under a policy allowing it.
    pub executed: bool,
    /// Decisions in order, with their times (unix seconds).
    pub decisions: Vec<(Decision, i64)>,
    /// When it was submitted.
    pub created_at: i64,
    /// Where it stands.
    pub status: RequestStatus,
}

impl PastRequest {
    /// From a record's parts. Executed means completed at submission under a policy: with no
    /// decision, only its initiator's Execute could have completed it.
    fn of(
        id: &str,
        workflow: Workflow,
        by_service_user: bool,
        status: RequestStatus,
        policy: Option<Policy>,
        decisions: Vec<(Decision, i64)>,
        created_at: i64,
    ) -> Self {
        Self {
            id: id.to_owned(),
            workflow,
            by_service_user,
            executed: status == RequestStatus::Completed
                && policy.is_some()
                && decisions.is_empty(),
            decisions,
            created_at,
            status,
        }
    }
}

impl From<&Request> for PastRequest {
    fn from(r: &Request) -> Self {
        Self::of(
            &r.id.0,
            r.workflow(),
            matches!(r.initiator, Actor::ServiceUser(_)),
            r.status,
            r.policy,
            r.decisions.iter().map(|d| (d.decision, d.at)).collect(),
            r.created_at,
        )
    }
}

impl From<&RequestView> for PastRequest {
    fn from(r: &RequestView) -> Self {
        Self::of(
            &r.id,
            r.workflow,
            r.initiator.kind == ActorKind::ServiceUser,
            r.status,
            r.policy,
            r.decisions.iter().map(|d| (d.decision, d.at)).collect(),
            r.created_at,
        )
    }
}

/// What a past request would have come to under the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReplayOutcome {
    /// Completed at submission (no policy, or executed where the draft allows it).
    AtOnce,
    /// Completed once its N-th approval came.
    Completed,
    /// Completed in fact, but with fewer approvals than the draft's N: it would still wait.
    NeverReachedN,
    /// A rejection came before the draft's N approvals.
    Rejected,
    /// The draft's expiry came before its N approvals.
    Expired,
    /// Withdrawn by its initiator before its N approvals.
    Cancelled,
    /// Still waiting (pending now, and not yet at the draft's N).
    Pending,
}

impl ReplayOutcome {
    /// The outcome its record shows, under the policy it was submitted under.
    pub fn recorded(status: RequestStatus) -> &'static [Self] {
        match status {
            RequestStatus::Completed => &[Self::AtOnce, Self::Completed],
            RequestStatus::Rejected => &[Self::Rejected],
            RequestStatus::Expired => &[Self::Expired],
            RequestStatus::Cancelled => &[Self::Cancelled],
            RequestStatus::Pending => &[Self::Pending],
        }
    }
}

/// A workflow's history replayed under a draft policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Replay {
    /// The workflow.
    pub workflow: Workflow,
    /// Its past requests replayed.
    pub total: u32,
    /// The ids of the requests with each outcome, oldest first.
    pub outcomes: BTreeMap<ReplayOutcome, Vec<String>>,
    /// The ids whose outcome differs from what happened.
    pub changed: Vec<String>,
}

impl Replay {
    /// How many came to `outcome`.
    pub fn count(&self, outcome: ReplayOutcome) -> usize {
        self.outcomes.get(&outcome).map_or(0, Vec::len)
    }

    /// "of 412 past requests, 37 would have completed at once, 5 would never have reached N".
    pub fn summary(&self) -> String {
        let words = |o: ReplayOutcome| match o {
            ReplayOutcome::AtOnce => "would have completed at once",
            ReplayOutcome::Completed => "would have completed after their approvals",
            ReplayOutcome::NeverReachedN => "would never have reached N",
            ReplayOutcome::Rejected => "would have been rejected",
            ReplayOutcome::Expired => "would have expired",
            ReplayOutcome::Cancelled => "would have been cancelled",
            ReplayOutcome::Pending => "would still wait",
        };
        let parts: Vec<String> = self
            .outcomes
            .iter()
            .map(|(o, ids)| format!("{} {}", ids.len(), words(*o)))
            .collect();
        format!(
            "of {} past {} request{}, {}",
            self.total,
            self.workflow.label(),
            if self.total == 1 { "" } else { "s" },
            if parts.is_empty() {
                "none to replay".to_owned()
            } else {
                parts.join(", ")
            }
        )
    }
}

/// What `r` would have come to under `policy` (`None`: no policy), `now` being unix seconds.
pub fn replay_one(r: &PastRequest, policy: Option<Policy>, now: i64) -> ReplayOutcome {
    let Some(p) = policy else {
        return ReplayOutcome::AtOnce;
    };
    if r.executed && !r.by_service_user && !p.always_require_approval {
        return ReplayOutcome::AtOnce;
    }
    let expiry = p.expires_after.map(|after| {
        r.created_at
            .saturating_add(i64::try_from(after).unwrap_or(i64::MAX))
    });
    let mut approvals = 0u32;
    for (decision, at) in &r.decisions {
        if expiry.is_some_and(|e| *at >= e) {
            return ReplayOutcome::Expired;
        }
        match decision {
            Decision::Reject => return ReplayOutcome::Rejected,
            Decision::Approve => {
                approvals += 1;
                if approvals >= p.required_approvals {
                    return ReplayOutcome::Completed;
                }
            }
        }
    }
    match r.status {
        RequestStatus::Cancelled => ReplayOutcome::Cancelled,
        RequestStatus::Pending if expiry.is_some_and(|e| now >= e) => ReplayOutcome::Expired,
        RequestStatus::Pending => ReplayOutcome::Pending,
        // It got fewer approvals than the draft asks (or was executed, and the draft requires
        // approval): it would still be waiting, unless the draft's expiry ends it.
        RequestStatus::Completed if expiry.is_some_and(|e| now >= e) => ReplayOutcome::Expired,
        RequestStatus::Completed => ReplayOutcome::NeverReachedN,
        RequestStatus::Expired => ReplayOutcome::Expired,
        // A rejection is among the decisions walked above.
        RequestStatus::Rejected => ReplayOutcome::Rejected,
    }
}

/// `workflow`'s past requests replayed under `policy`.
pub fn replay(
    history: &[PastRequest],
    workflow: Workflow,
    policy: Option<Policy>,
    now: i64,
) -> Replay {
    let mut outcomes: BTreeMap<ReplayOutcome, Vec<String>> = BTreeMap::new();
    let mut changed = Vec::new();
    let mut total = 0u32;
    for r in history.iter().filter(|r| r.workflow == workflow) {
        total += 1;
        let outcome = replay_one(r, policy, now);
        if !ReplayOutcome::recorded(r.status).contains(&outcome) {
            changed.push(r.id.clone());
        }
        outcomes.entry(outcome).or_default().push(r.id.clone());
    }
    Replay {
        workflow,
        total,
        outcomes,
        changed,
    }
}
