//! Requests and the rules that move them: submission, approval, rejection, expiry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Actor, Member, Policy, ServiceUser, Workflow, WorkflowPermission};

/// A request's id (the exchange's `refid` for withdrawals).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub String);

/// What a request does once it completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum RequestPayload {
    /// Withdraw `amount` of `asset` to the address-book entry named `key`; `fee` is charged on top.
    Withdrawal {
        /// Asset code (e.g. `BTC`).
        asset: String,
        /// Amount sent, decimal.
        #[ts(type = "string")]
        amount: Decimal,
        /// Fee charged on top of the amount, decimal.
        #[ts(type = "string")]
        fee: Decimal,
        /// The address-book entry's name (`key` on the wire).
        key: String,
        /// The entry's address, copied at submission so a later relabel cannot redirect funds.
        address: String,
    },
}

impl RequestPayload {
    /// The workflow that governs this payload.
    pub fn workflow(&self) -> Workflow {
        match self {
            Self::Withdrawal { .. } => Workflow::InitiateWithdrawal,
        }
    }
}

/// Where a request stands. Every state but `Pending` is terminal and never changes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RequestStatus {
    /// Waiting for approvals.
    Pending,
    /// Approved (or executed) and its effect applied.
    Completed,
    /// Refused by an eligible approver.
    Rejected,
    /// Withdrawn by its initiator.
    Cancelled,
    /// Past its policy's expiry while still pending.
    Expired,
}

impl RequestStatus {
    /// Whether the request can never change again.
    pub fn is_terminal(self) -> bool {
        self != Self::Pending
    }

    /// The wire name (`pending`, `completed`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Completed,
            Self::Rejected,
            Self::Cancelled,
            Self::Expired,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

/// A member's decision on a queued request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Decision {
    /// Counts toward the required approvals.
    Approve,
    /// Ends the request at once.
    Reject,
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Who decided (always a member).
    pub member: crate::MemberId,
    /// What they decided.
    pub decision: Decision,
    /// When, unix seconds.
    pub at: i64,
    /// Optional reason (rejections).
    pub reason: Option<String>,
}

/// A request with its snapshot of the policy in force when it was submitted.
///
/// Invariants (kept by [`Request::submit`] and [`Request::decide`], the only ways to build or move
/// one): the initiator never appears in `decisions`; each member appears at most once; only
/// members holding Approve on the workflow appear; `Completed` by approval implies
/// `approvals() >= required_approvals`; a terminal request is never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Id.
    pub id: RequestId,
    /// Who asked.
    pub initiator: Actor,
    /// What it does.
    pub payload: RequestPayload,
    /// Where it stands.
    pub status: RequestStatus,
    /// The policy in force at submission (`None`: no policy was configured).
    pub policy: Option<Policy>,
    /// Decisions so far, in order.
    pub decisions: Vec<DecisionRecord>,
    /// Submission time, unix seconds.
    pub created_at: i64,
    /// Last change, unix seconds.
    pub updated_at: i64,
}

/// The initiator of a new request, with what the rules need to know about it.
#[derive(Debug, Clone, Copy)]
pub enum Submitter<'a> {
    /// A member, with their permissions.
    Member(&'a Member),
    /// A service user (its API key scope is checked by the API layer before this).
    ServiceUser(&'a ServiceUser),
}

/// How a submission ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    /// Completed at once (Execute under a permitting policy, or no policy): apply the effect now.
    Completed,
    /// Waiting in the approval queue.
    Queued,
}

/// What a decision did to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Approval recorded; more are needed.
    Approved {
        /// Approvals now.
        approvals: u32,
        /// Approvals required.
        required: u32,
    },
    /// The last required approval: the request completed; apply its effect.
    Completed,
    /// Rejected: terminal.
    Rejected,
}

/// Why a rule refused an action. Each names what would have to be different.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    /// The request is terminal.
    #[error("the request is {} and can no longer change", .0.as_str())]
    NotPending(RequestStatus),
    /// The member initiated this request.
    #[error("you initiated this request; a member can never approve or reject their own request")]
    OwnRequest,
    /// The member lacks a workflow permission.
    #[error("this needs the {permission:?} permission on {}", workflow.label())]
    NotPermitted {
        /// The workflow.
        workflow: Workflow,
        /// The permission missing.
        permission: WorkflowPermission,
    },
    /// The member already decided this request.
    #[error("you already decided this request; each member counts once")]
    AlreadyDecided,
    /// Service users act only on withdrawals.
    #[error("a service user can only initiate withdrawals")]
    ServiceUserWorkflow,
}

impl Request {
    /// Submits a new request under `policy` (the workflow's policy now, or `None`).
    ///
    /// Completes at once when no policy is configured, or when a member holding Execute asks to
    /// `execute` and the policy does not always require approval; otherwise queues it.
    pub fn submit(
        id: RequestId,
        submitter: Submitter<'_>,
        payload: RequestPayload,
        policy: Option<Policy>,
        execute: bool,
        now: i64,
    ) -> Result<(Self, Submitted), RuleViolation> {
        let workflow = payload.workflow();
        let (initiator, immediate) = match submitter {
            Submitter::Member(m) => {
                let can_execute = m.permissions.has(workflow, WorkflowPermission::Execute);
                if !can_execute && !m.permissions.has(workflow, WorkflowPermission::Initiate) {
                    return Err(RuleViolation::NotPermitted {
                        workflow,
                        permission: WorkflowPermission::Initiate,
                    });
                }
                let immediate = match policy {
                    None => true,
                    Some(p) => execute && can_execute && !p.always_require_approval,
                };
                (m.actor(), immediate)
            }
            Submitter::ServiceUser(s) => {
                if workflow != Workflow::InitiateWithdrawal {
                    return Err(RuleViolation::ServiceUserWorkflow);
                }
                (s.actor(), policy.is_none())
            }
        };
        let status = if immediate {
            RequestStatus::Completed
        } else {
            RequestStatus::Pending
        };
        let request = Self {
            id,
            initiator,
            payload,
            status,
            policy,
            decisions: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        let outcome = if immediate {
            Submitted::Completed
        } else {
            Submitted::Queued
        };
        Ok((request, outcome))
    }

    /// The workflow governing this request.
    pub fn workflow(&self) -> Workflow {
        self.payload.workflow()
    }

    /// Approvals required by the snapshotted policy (0 when none was configured).
    pub fn required_approvals(&self) -> u32 {
        self.policy.map_or(0, |p| p.required_approvals)
    }

    /// Approvals recorded so far.
    pub fn approvals(&self) -> u32 {
        let n = self
            .decisions
            .iter()
            .filter(|d| d.decision == Decision::Approve)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// When a pending request expires, if its policy sets an expiry.
    pub fn expires_at(&self) -> Option<i64> {
        let after = self.policy?.expires_after?;
        Some(
            self.created_at
                .saturating_add(i64::try_from(after).unwrap_or(i64::MAX)),
        )
    }

    /// Marks a pending request Expired if its expiry has passed. Returns whether it changed.
    pub fn expire_if_due(&mut self, now: i64) -> bool {
        match self.expires_at() {
            Some(at) if self.status == RequestStatus::Pending && now >= at => {
                self.status = RequestStatus::Expired;
                self.updated_at = now;
                true
            }
            _ => false,
        }
    }

    /// Whether `member` may approve or reject this request now, and if not, why.
    pub fn check_can_decide(&self, member: &Member, now: i64) -> Result<(), RuleViolation> {
        if self.status != RequestStatus::Pending {
            return Err(RuleViolation::NotPending(self.status));
        }
        if self.expires_at().is_some_and(|at| now >= at) {
            return Err(RuleViolation::NotPending(RequestStatus::Expired));
        }
        if self.initiator == member.actor() {
            return Err(RuleViolation::OwnRequest);
        }
        let workflow = self.workflow();
        if !member
            .permissions
            .has(workflow, WorkflowPermission::Approve)
        {
            return Err(RuleViolation::NotPermitted {
                workflow,
                permission: WorkflowPermission::Approve,
            });
        }
        if self.decisions.iter().any(|d| d.member == member.id) {
            return Err(RuleViolation::AlreadyDecided);
        }
        Ok(())
    }

    /// Records `member`'s decision. Any single eligible approver can reject; the request completes
    /// when the required number of distinct approvals is reached.
    pub fn decide(
        &mut self,
        member: &Member,
        decision: Decision,
        reason: Option<String>,
        now: i64,
    ) -> Result<Transition, RuleViolation> {
        self.check_can_decide(member, now)?;
        self.decisions.push(DecisionRecord {
            member: member.id.clone(),
            decision,
            at: now,
            reason,
        });
        self.updated_at = now;
        let transition = match decision {
            Decision::Reject => {
                self.status = RequestStatus::Rejected;
                Transition::Rejected
            }
            Decision::Approve => {
                let (approvals, required) = (self.approvals(), self.required_approvals());
                if approvals >= required {
                    self.status = RequestStatus::Completed;
                    Transition::Completed
                } else {
                    Transition::Approved {
                        approvals,
                        required,
                    }
                }
            }
        };
        Ok(transition)
    }
}

#[cfg(test)]
mod tests;
