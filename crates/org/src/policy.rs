//! A workflow's approval policy, and what changing or locking one would do.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::view::ActorRef;
use crate::{Actor, Org, Request, RequestStatus, Workflow, WorkflowPermission};

/// The rule a workflow's requests follow. A workflow with no policy completes requests at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Policy {
    /// When on, even a member holding Execute goes through the queue.
    pub always_require_approval: bool,
    /// Independent approvals needed to complete a queued request (N ≥ 1).
    pub required_approvals: u32,
    /// A locked policy cannot be changed unilaterally, and locking is irreversible.
    pub locked: bool,
    /// **(extension)** Seconds after submission at which a pending request expires; `None` = never.
    #[ts(type = "number | null")]
    pub expires_after: Option<u64>,
}

impl Policy {
    /// A policy requiring `n` approvals, always, unlocked, never expiring.
    pub fn requiring(n: u32) -> Self {
        Self {
            always_require_approval: true,
            required_approvals: n.max(1),
            locked: false,
            expires_after: None,
        }
    }
}

/// Whether a change makes approval easier or harder to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Direction {
    /// Easier: fewer approvals, Execute allowed, no expiry, no policy.
    Loosening,
    /// Harder.
    Tightening,
}

/// One field's change between two policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PolicyFieldChange {
    /// The field (`required_approvals`, `always_require_approval`, `locked`, `expires_after`,
    /// or `policy` when one is added or removed).
    pub field: String,
    /// Before, in words.
    pub from: String,
    /// After, in words.
    pub to: String,
    /// Loosening or tightening.
    pub direction: Direction,
}

/// What changing a workflow's policy would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PolicyDiff {
    /// The workflow.
    pub workflow: crate::Workflow,
    /// Each changed field.
    pub changes: Vec<PolicyFieldChange>,
    /// Pending requests of the workflow whose snapshot differs from the new policy: they keep
    /// their snapshot **(extension)** and are flagged.
    pub affected_pending: Vec<String>,
}

/// Seconds in the largest whole unit: `3 d`, `12 h`, `30 min`, `45 s`.
pub fn duration(seconds: u64) -> String {
    match seconds {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn words(p: Option<Policy>) -> String {
    match p {
        None => "no policy: requests complete at once".into(),
        Some(p) => format!(
            "{} approval{}{}",
            p.required_approvals,
            if p.required_approvals == 1 { "" } else { "s" },
            if p.always_require_approval {
                ", always"
            } else {
                " unless executed"
            }
        ),
    }
}

/// The field-by-field diff from `old` to `new`, each marked loosening or tightening.
pub fn diff(old: Option<Policy>, new: Option<Policy>) -> Vec<PolicyFieldChange> {
    let change = |field: &str, from: String, to: String, direction| PolicyFieldChange {
        field: field.into(),
        from,
        to,
        direction,
    };
    match (old, new) {
        (None, None) => Vec::new(),
        (None, Some(_)) => vec![change(
            "policy",
            words(old),
            words(new),
            Direction::Tightening,
        )],
        (Some(_), None) => vec![change(
            "policy",
            words(old),
            words(new),
            Direction::Loosening,
        )],
        (Some(a), Some(b)) => {
            let mut out = Vec::new();
            if a.required_approvals != b.required_approvals {
                out.push(change(
                    "required_approvals",
                    a.required_approvals.to_string(),
                    b.required_approvals.to_string(),
                    if b.required_approvals < a.required_approvals {
                        Direction::Loosening
                    } else {
                        Direction::Tightening
                    },
                ));
            }
            let yes_no = |v: bool| if v { "yes" } else { "no" }.to_owned();
            let always = |v: bool| if v { "yes" } else { "no (Execute allowed)" }.to_owned();
            if a.always_require_approval != b.always_require_approval {
                out.push(change(
                    "always_require_approval",
                    always(a.always_require_approval),
                    always(b.always_require_approval),
                    if b.always_require_approval {
                        Direction::Tightening
                    } else {
                        Direction::Loosening
                    },
                ));
            }
            if a.locked != b.locked {
                out.push(change(
                    "locked",
                    yes_no(a.locked),
                    yes_no(b.locked),
                    if b.locked {
                        Direction::Tightening
                    } else {
                        Direction::Loosening
                    },
                ));
            }
            if a.expires_after != b.expires_after {
                let w = |e: Option<u64>| {
                    e.map_or_else(|| "never".to_owned(), |s| format!("after {}", duration(s)))
                };
                // A shorter life (or any life after none) gives approvers less time: tightening.
                let tightening = match (a.expires_after, b.expires_after) {
                    (None, Some(_)) => true,
                    (Some(x), Some(y)) => y < x,
                    _ => false,
                };
                out.push(change(
                    "expires_after",
                    w(a.expires_after),
                    w(b.expires_after),
                    if tightening {
                        Direction::Tightening
                    } else {
                        Direction::Loosening
                    },
                ));
            }
            out
        }
    }
}

/// Whether a workflow's policy can be locked, and how fragile its approvals are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LockCheck {
    /// The workflow.
    pub workflow: crate::Workflow,
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
    /// initiate on the workflow also approves (and no service user can initiate there), one more
    /// approver is always spoken for. `None` when the workflow has no policy.
    pub fn bus_factor(&self, workflow: Workflow) -> Option<u32> {
        let policy = self.policy(workflow)?;
        let approvers = self
            .members
            .values()
            .filter(|m| m.permissions.has(workflow, WorkflowPermission::Approve))
            .count();
        let bots_initiate = workflow == Workflow::InitiateWithdrawal
            && self
                .service_users
                .values()
                .any(|s| s.key.scopes.contains(&crate::Scope::FundsWithdraw));
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
