//! Policies: what a change would loosen or tighten ([`diff`]), whether one could be locked
//! ([`lock_check`]), what the Organization's history would have come to under it ([`replay`]),
//! how sample requests would come out under it ([`simulate`]),
//! and a policy as a person sets it ([`PolicyDraft`]).

use countersign_client::RequestFilter;
use countersign_org::view::OrgView;
use countersign_org::{LockCheck, PastRequest, Policy, PolicyDiff, Replay, Simulation, Workflow};

use crate::core::OrgAccess;
use crate::error::CommandError;

/// What replacing `workflow`'s policy with `policy` (`None`: removing it) would loosen or
/// tighten, and the pending requests it would leave on an older snapshot.
pub async fn diff(
    org: &OrgAccess<'_>,
    workflow: Workflow,
    policy: Option<Policy>,
) -> Result<PolicyDiff, CommandError> {
    Ok(org.client().policy_diff(workflow, policy).await?)
}

/// Whether `workflow`'s policy could be locked (by `as_member`, or the member), and its bus
/// factor.
pub async fn lock_check(
    org: &OrgAccess<'_>,
    workflow: Workflow,
    as_member: Option<&str>,
) -> Result<LockCheck, CommandError> {
    Ok(org.client().lock_check(workflow, as_member).await?)
}

/// `workflow`'s whole request history, as the member may see it, replayed under `policy`
/// (`None`: no policy). Read through the org API's request list, so it works against any
/// Organization; the engine replays it ([`countersign_org::replay`]).
pub async fn replay(
    org: &OrgAccess<'_>,
    workflow: Workflow,
    policy: Option<Policy>,
) -> Result<Replay, CommandError> {
    let history = org
        .client()
        .list_requests(RequestFilter {
            status: None,
            workflow: Some(workflow),
        })
        .await?;
    let past: Vec<PastRequest> = history.iter().rev().map(PastRequest::from).collect();
    Ok(countersign_org::replay(
        &past,
        workflow,
        policy,
        (org.env().clock)() / 1000,
    ))
}

/// `policy` for `workflow` tried on a sample request by each possible initiator, now and under
/// the draft, with the draft's lock readiness and bus factor. The engine runs on the
/// Organization as the org API shows it, so it works against any Organization.
pub async fn simulate(
    org: &OrgAccess<'_>,
    workflow: Workflow,
    policy: Option<Policy>,
) -> Result<Simulation, CommandError> {
    let view = org.client().org().await?;
    Ok(view
        .to_org()
        .simulate(workflow, policy, (org.env().clock)() / 1000))
}

/// A workflow's policy as a person sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyDraft {
    /// The workflow.
    pub workflow: Workflow,
    /// Approvals required (N ≥ 1).
    pub approvals: u32,
    /// Members holding Execute may complete requests at once (always-require-approval off).
    pub allow_execute: bool,
    /// Pending requests expire after this many seconds.
    pub expires_after: Option<u64>,
}

impl PolicyDraft {
    /// The policy asked for. A locked policy stays locked: locking is irreversible, and locking
    /// itself is its own request (`lock_policy`), which runs the lock check.
    pub fn policy(&self, org: &OrgView) -> Policy {
        let locked = org
            .policies
            .iter()
            .any(|p| p.workflow == self.workflow && p.policy.is_some_and(|p| p.locked));
        Policy {
            always_require_approval: !self.allow_execute,
            required_approvals: self.approvals,
            locked,
            expires_after: self.expires_after,
        }
    }
}
