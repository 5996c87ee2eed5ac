//! Requests and the rules that move them: submission, approval, rejection, expiry.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::collections::BTreeSet;

use crate::actor::{Actor, ActorRef, Member, MemberId, ServiceUserId};
use crate::permission::{AccountPermission, Permissions, Workflow, WorkflowPermission};
use crate::policy::Policy;
use crate::scope::ApiKeySpec;

/// A request's id (the exchange's `refid` for withdrawals).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub String);

/// What a request does once it completes: one typed payload per request kind of the four
/// workflows (spec §2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum RequestPayload {
    /// Manage Access: invite a person with these permissions.
    InviteMember {
        /// Display name.
        name: String,
        /// Workflow permissions granted on joining.
        #[ts(as = "crate::permission::PermissionsWire")]
        permissions: Permissions,
        /// Account permissions granted on joining (none when absent).
        #[serde(default)]
        account: BTreeSet<AccountPermission>,
    },
    /// Manage Access: remove a member (never the Owner).
    RemoveMember {
        /// The member.
        #[ts(type = "string")]
        member: MemberId,
    },
    /// Manage Access: replace a member's workflow permissions.
    ChangeMemberPermissions {
        /// The member.
        #[ts(type = "string")]
        member: MemberId,
        /// The new permissions (replacing the old ones).
        #[ts(as = "crate::permission::PermissionsWire")]
        permissions: Permissions,
        /// The new account permissions (replacing the old ones; none when absent).
        #[serde(default)]
        account: BTreeSet<AccountPermission>,
    },
    /// Manage Access: create a service user and its API key (the secret is revealed once).
    CreateServiceUser {
        /// Display name.
        name: String,
        /// The key's scopes and settings.
        key: ApiKeySpec,
    },
    /// Manage Access: replace a service user's key scopes and settings.
    ChangeServiceUserKey {
        /// The service user.
        #[ts(type = "string")]
        service_user: ServiceUserId,
        /// The new scopes and settings.
        key: ApiKeySpec,
    },
    /// Manage Access: remove a service user (its key stops working).
    RemoveServiceUser {
        /// The service user.
        #[ts(type = "string")]
        service_user: ServiceUserId,
    },
    /// Manage Access: switch a stopped service user's key back on (lifts its emergency stop).
    ResumeServiceUser {
        /// The service user.
        #[ts(type = "string")]
        service_user: ServiceUserId,
    },
    /// Manage Policies: lift the Organization's withdrawal freeze (an emergency stop).
    ResumeWithdrawals,
    /// Manage Policies: set how long one step-up code lets a member decide without another
    /// (**extension**, see `crate::settings`; `0`: a code per decision).
    SetDecisionWindow {
        /// The window, in seconds (at most 600).
        seconds: u32,
    },
    /// Manage Policies: set (or, with `null`, remove) a workflow's policy.
    ChangePolicy {
        /// The workflow whose policy changes.
        workflow: Workflow,
        /// The new policy; `null` removes it. Required: an omitted field is an error, never a
        /// silent removal.
        #[serde(deserialize_with = "Option::deserialize")]
        policy: Option<Policy>,
    },
    /// Manage Policies: lock a workflow's policy (irreversible).
    LockPolicy {
        /// The workflow.
        workflow: Workflow,
    },
    /// Manage Addresses: add an address-book entry.
    AddAddress {
        /// The entry's name.
        key: String,
        /// Asset code.
        asset: String,
        /// Withdrawal method.
        method: String,
        /// The destination.
        address: String,
    },
    /// Manage Addresses: rename an entry.
    RelabelAddress {
        /// The current name.
        key: String,
        /// The new name.
        new_key: String,
    },
    /// Manage Addresses: remove an entry.
    RemoveAddress {
        /// The name.
        key: String,
    },
    /// Initiate Withdrawal: withdraw `amount` of `asset` to the address-book entry named `key`;
    /// `fee` is charged on top.
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
            Self::InviteMember { .. }
            | Self::RemoveMember { .. }
            | Self::ChangeMemberPermissions { .. }
            | Self::CreateServiceUser { .. }
            | Self::ChangeServiceUserKey { .. }
            | Self::RemoveServiceUser { .. }
            | Self::ResumeServiceUser { .. } => Workflow::ManageAccess,
            Self::ChangePolicy { .. }
            | Self::LockPolicy { .. }
            | Self::ResumeWithdrawals
            | Self::SetDecisionWindow { .. } => Workflow::ManagePolicies,
            Self::AddAddress { .. } | Self::RelabelAddress { .. } | Self::RemoveAddress { .. } => {
                Workflow::ManageAddresses
            }
            Self::Withdrawal { .. } => Workflow::InitiateWithdrawal,
        }
    }

    /// The members and service users the payload refers to (for naming them).
    pub fn actors(&self) -> Vec<Actor> {
        match self {
            Self::RemoveMember { member } | Self::ChangeMemberPermissions { member, .. } => {
                vec![Actor::Member(member.clone())]
            }
            Self::ChangeServiceUserKey { service_user, .. }
            | Self::RemoveServiceUser { service_user }
            | Self::ResumeServiceUser { service_user } => {
                vec![Actor::ServiceUser(service_user.clone())]
            }
            _ => Vec::new(),
        }
    }

    /// What it does, as a verb phrase ("withdraw 2.5 BTC to cold-storage-2"), naming actors
    /// through `name_of`.
    pub fn describe(&self, name_of: impl Fn(&Actor) -> ActorRef) -> String {
        let member = |id: &MemberId| name_of(&Actor::Member(id.clone())).name;
        let bot = |id: &ServiceUserId| name_of(&Actor::ServiceUser(id.clone())).name;
        match self {
            Self::InviteMember { name, .. } => format!("invite {name} as a member"),
            Self::RemoveMember { member: m } => format!("remove member {}", member(m)),
            Self::ChangeMemberPermissions { member: m, .. } => {
                format!("change {}'s permissions", member(m))
            }
            Self::CreateServiceUser { name, key } => format!(
                "create service user {name} with {} API permission{}",
                key.scopes.len(),
                if key.scopes.len() == 1 { "" } else { "s" }
            ),
            Self::ChangeServiceUserKey { service_user, .. } => {
                format!("change {}'s API key", bot(service_user))
            }
            Self::RemoveServiceUser { service_user } => {
                format!("remove service user {}", bot(service_user))
            }
            Self::ResumeServiceUser { service_user } => {
                format!("switch {}'s API key back on", bot(service_user))
            }
            Self::ResumeWithdrawals => "lift the withdrawal freeze".into(),
            Self::SetDecisionWindow { seconds } => format!(
                "set the decision window to {}",
                crate::settings::window_words(*seconds)
            ),
            Self::ChangePolicy {
                workflow,
                policy: Some(p),
            } => format!(
                "set the {} policy to {} approval{}{}",
                workflow.label(),
                p.required_approvals,
                if p.required_approvals == 1 { "" } else { "s" },
                if p.always_require_approval {
                    ""
                } else {
                    " (Execute allowed)"
                }
            ),
            Self::ChangePolicy {
                workflow,
                policy: None,
            } => {
                format!("remove the {} policy", workflow.label())
            }
            Self::LockPolicy { workflow } => format!("lock the {} policy", workflow.label()),
            Self::AddAddress { key, asset, .. } => {
                format!("add address-book entry {key} for {asset}")
            }
            Self::RelabelAddress { key, new_key } => {
                format!("rename address-book entry {key} to {new_key}")
            }
            Self::RemoveAddress { key } => format!("remove address-book entry {key}"),
            Self::Withdrawal {
                asset, amount, key, ..
            } => format!("withdraw {} {asset} to {key}", grouped(*amount)),
        }
    }
}

/// An amount as people read it: trailing zeros dropped, thousands grouped with commas, every
/// significant digit kept (`48000` → `48,000`, `1234.50` → `1,234.5`). The UI groups the same way.
pub fn grouped(amount: Decimal) -> String {
    let text = amount.normalize().to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (integer, fraction) = match digits.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (digits, None),
    };
    let mut out = String::from(sign);
    for (i, digit) in integer.chars().enumerate() {
        if i > 0 && (integer.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
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
    pub member: MemberId,
    /// What they decided.
    pub decision: Decision,
    /// When, unix seconds.
    pub at: i64,
    /// Why: required to reject (the org API refuses a rejection without one), optional to
    /// approve.
    pub reason: Option<String>,
}

/// A request with its snapshot of the policy in force when it was submitted.
///
/// Invariants (kept by [`crate::Org::submit`], [`Request::decide`] and [`Request::cancel`], the
/// only ways to build or move one): the initiator never appears in `decisions`; each member appears at most once; only
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
    /// Why the initiator asks (optional; shown with the request to every viewer).
    #[serde(default)]
    pub reason: Option<String>,
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
    /// Only the initiator may cancel.
    #[error("only the initiator can cancel a request")]
    NotInitiator,
    /// The initiator no longer stands behind the request (removed, or a bot's key de-scoped):
    /// it can be rejected, not approved ([`crate::Org::initiator_revoked`]).
    #[error("{0}: approving it is refused; it can still be rejected")]
    InitiatorRevoked(String),
    /// The member holds the secret of the service user that initiated the request, so it counts
    /// as their own ([`crate::Org::counts_as_initiator`]): they may reject it, never approve it.
    #[error("you hold {0}'s API secret, so its requests count as yours: approving them is refused")]
    HoldsInitiatorKey(String),
}

impl Request {
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

impl Request {
    /// **(extension)** The initiator withdraws their own pending request.
    pub fn cancel(&mut self, by: &Actor, now: i64) -> Result<(), RuleViolation> {
        if self.status != RequestStatus::Pending {
            return Err(RuleViolation::NotPending(self.status));
        }
        if self.expires_at().is_some_and(|at| now >= at) {
            return Err(RuleViolation::NotPending(RequestStatus::Expired));
        }
        if *by != self.initiator {
            return Err(RuleViolation::NotInitiator);
        }
        self.status = RequestStatus::Cancelled;
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
