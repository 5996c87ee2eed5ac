//! What changing or locking a workflow's policy would do to the Organization: the field-by-field
//! [`PolicyDiff`] and the pending requests it would leave on an older snapshot
//! ([`Org::policy_diff`]), whether a lock could ever complete anything ([`LockCheck`],
//! [`Org::lock_check`]), and how many approvers can be away ([`Org::bus_factor`]).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::{Actor, ActorRef};
use crate::org::Org;
use crate::permission::{Workflow, WorkflowPermission};
use crate::policy::{Policy, PolicyFieldChange, diff};
use crate::request::{Request, RequestStatus};
use crate::scope::Scope;

/// What changing a workflow's policy would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PolicyDiff {
    /// The workflow.
    pub workflow: Workflow,
    /// Each changed field.
    pub changes: Vec<PolicyFieldChange>,
    /// Pending requests of the workflow whose snapshot differs from the new policy: they keep
    /// their snapshot **(extension)** and are flagged.
    pub affected_pending: Vec<String>,
}

/// Whether a workflow's policy can be locked, and how fragile its approvals are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LockCheck {
    /// The workflow.
    pub workflow: Workflow,
    /// At least one member other than the initiator holds Approve on Manage Policies.
    pub precondition_holds: bool,
    /// **(extension)** The policy's N can be reached from the members holding Approve on the
    /// workflow, the initiator excluded.
    pub reachable: bool,
    /// Members other than the initiator holding Approve on Manage Policies.
    pub policy_approvers: Vec<ActorRef>,
    /// Members holding Approve on the workflow.
    pub approvers: Vec<ActorRef>,
    /// Approvals required.
    pub required_approvals: u32,
    /// How many approvers can be away before the workflow can no longer complete anything
    /// (`None` when it has no policy: nothing waits).
    pub bus_factor: Option<u32>,
}

impl LockCheck {
    /// The check in one sentence.
    pub fn summary(&self) -> String {
        let label = self.workflow.label();
        if self.bus_factor.is_none() {
            return format!("{label} has no policy: there is nothing to lock");
        }
        if !self.precondition_holds {
            return format!(
                "locking {label} needs at least one other member holding Approve on Manage Policies; there is none"
            );
        }
        if !self.reachable {
            return format!(
                "{label} requires {} approvals but only {} other member{} Approve on it: once locked it could never complete anything",
                self.required_approvals,
                self.approvers.len(),
                if self.approvers.len() == 1 {
                    " holds"
                } else {
                    "s hold"
                }
            );
        }
        format!(
            "{label} can be locked: {} other member{} Approve on Manage Policies; bus factor {}",
            self.policy_approvers.len(),
            if self.policy_approvers.len() == 1 {
                " holds"
            } else {
                "s hold"
            },
            self.bus_factor
                .map_or_else(|| "n/a".to_owned(), |b| b.to_string())
        )
    }
}

impl Org {
    /// How many of the workflow's approvers can be away while a request can still gather its
    /// approvals. A request needs N approvers other than its initiator; when every member who may
    /// initiate on the workflow also approves (and no service user can initiate there but through
    /// an approver holding its secret, who counts as its initiator), one more approver is always
    /// spoken for. `None` when the workflow has no policy.
    pub fn bus_factor(&self, workflow: Workflow) -> Option<u32> {
        let policy = self.policy(workflow)?;
        let approvers = self
            .members
            .values()
            .filter(|m| m.permissions.has(workflow, WorkflowPermission::Approve))
            .count();
        let bots_initiate = workflow == Workflow::InitiateWithdrawal
            && self.service_users.values().any(|s| {
                s.key.scopes.contains(&Scope::FundsWithdraw)
                    && !s
                        .key_holder
                        .as_ref()
                        .and_then(|h| self.members.get(h))
                        .is_some_and(|h| h.permissions.has(workflow, WorkflowPermission::Approve))
            });
        let outside_initiator = bots_initiate
            || self.members.values().any(|m| {
                (m.permissions.has(workflow, WorkflowPermission::Initiate)
                    || m.permissions.has(workflow, WorkflowPermission::Execute))
                    && !m.permissions.has(workflow, WorkflowPermission::Approve)
            });
        let spoken_for = usize::from(!outside_initiator && approvers > 0);
        let free = approvers.saturating_sub(spoken_for);
        let n = usize::try_from(policy.required_approvals).unwrap_or(usize::MAX);
        Some(u32::try_from(free.saturating_sub(n)).unwrap_or(u32::MAX))
    }

    /// Whether `initiator` could lock `workflow`'s policy now.
    pub fn lock_check(&self, workflow: Workflow, initiator: &Actor) -> LockCheck {
        let others = |w: Workflow| -> Vec<ActorRef> {
            self.holders(w, WorkflowPermission::Approve)
                .into_iter()
                .filter(|m| m.actor() != *initiator)
                .map(|m| self.actor_ref(&m.actor()))
                .collect()
        };
        let policy_approvers = others(Workflow::ManagePolicies);
        let approvers = others(workflow);
        let required = self.policy(workflow).map_or(0, |p| p.required_approvals);
        LockCheck {
            workflow,
            precondition_holds: !policy_approvers.is_empty(),
            reachable: approvers.len() >= usize::try_from(required).unwrap_or(usize::MAX),
            policy_approvers,
            approvers,
            required_approvals: required,
            bus_factor: self.bus_factor(workflow),
        }
    }

    /// What replacing `workflow`'s policy with `new` would change, and which pending requests
    /// it would leave on an older snapshot.
    pub fn policy_diff<'r>(
        &self,
        workflow: Workflow,
        new: Option<Policy>,
        pending: impl IntoIterator<Item = &'r Request>,
    ) -> PolicyDiff {
        // A request's snapshot is its governing policy (derived for changes to a locked policy).
        let mut after = self.clone();
        match new {
            Some(p) => after.policies.insert(workflow, p),
            None => after.policies.remove(&workflow),
        };
        PolicyDiff {
            workflow,
            changes: diff(self.policy(workflow), new),
            affected_pending: pending
                .into_iter()
                .filter(|r| {
                    r.status == RequestStatus::Pending
                        && r.workflow() == workflow
                        && r.policy != after.governing_policy(&r.payload)
                })
                .map(|r| r.id.0.clone())
                .collect(),
        }
    }
}
