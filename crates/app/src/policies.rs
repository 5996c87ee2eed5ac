//! Policies: what a change would loosen or tighten ([`diff`]), whether one could be locked
//! ([`lock_check`]), and a policy as a person sets it ([`PolicyDraft`]).

use countersign_org::view::OrgView;
use countersign_org::{LockCheck, Policy, PolicyDiff, Workflow};

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
