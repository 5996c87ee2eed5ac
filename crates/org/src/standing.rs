//! Revocation reaches what is pending: a request completes on the standing of its initiator and
//! its approvers as the Organization is at completion, not as it was at each decision.
//!
//! - [`Org::initiator_revoked`]: a removed member or service user, or a service user whose key
//!   lost the Withdraw scope, stands behind nothing: approving their request is refused
//!   (rejecting stays possible).
//! - [`Org::standing_approvals`]: only approvals from members still in the Organization, still
//!   holding Approve on the workflow, count toward N.
//! - [`Org::counts_as_initiator`]: the member who received a bot's secret stands behind its
//!   requests as if they were their own, so they never approve them.
//! - [`Org::decide`]: a decision under all three, the one door through which the org API decides.

use crate::actor::{Actor, MemberId};
use crate::org::Org;
use crate::permission::WorkflowPermission;
use crate::request::{Decision, Request, RequestStatus, RuleViolation, Transition};
use crate::scope::Scope;
use crate::{Member, RequestPayload};

impl Org {
    /// The member who holds the secret of the service user that initiated `request` (`None`: a
    /// member initiated it, or the bot's key was issued outside the Organization's requests).
    pub fn key_holder_of(&self, initiator: &Actor) -> Option<&MemberId> {
        match initiator {
            Actor::ServiceUser(id) => self.service_users.get(id)?.key_holder.as_ref(),
            Actor::Member(_) => None,
        }
    }

    /// Whether `member` counts as the initiator of a request `initiator` made, for the rule that
    /// nobody approves their own request: they are the initiator, or they hold the secret of the
    /// bot that is. Whoever holds a bot's secret can make it ask for anything its key allows.
    pub fn counts_as_initiator(&self, initiator: &Actor, member: &MemberId) -> bool {
        matches!(initiator, Actor::Member(id) if id == member)
            || self.key_holder_of(initiator) == Some(member)
    }

    /// Why `member` may not approve `request` though the request's own rules allow it: they hold
    /// the initiating bot's secret. Rejecting stays open to them, as a stop would be.
    pub fn holder_refusal(&self, request: &Request, member: &MemberId) -> Option<RuleViolation> {
        let Actor::ServiceUser(bot) = &request.initiator else {
            return None;
        };
        (self.key_holder_of(&request.initiator) == Some(member)).then(|| {
            RuleViolation::HoldsInitiatorKey(
                self.service_users
                    .get(bot)
                    .map_or_else(|| bot.0.clone(), |s| s.name.clone()),
            )
        })
    }

    /// Why the initiator of `request` no longer stands behind it (`None`: they do).
    pub fn initiator_revoked(&self, request: &Request) -> Option<String> {
        match &request.initiator {
            Actor::Member(id) => (!self.members.contains_key(id))
                .then(|| format!("its initiator {} is no longer a member", id.0)),
            Actor::ServiceUser(id) => match self.service_users.get(id) {
                None => Some(format!("its initiator, service user {}, was removed", id.0)),
                Some(s)
                    if matches!(request.payload, RequestPayload::Withdrawal { .. })
                        && !s.key.scopes.contains(&Scope::FundsWithdraw) =>
                {
                    Some(format!(
                        "its initiator {}'s API key no longer holds Withdraw (funds_withdraw)",
                        s.name
                    ))
                }
                Some(_) => None,
            },
        }
    }

    /// The approvals of `request` that count now: from members still in the Organization who
    /// still hold Approve on its workflow.
    pub fn standing_approvals(&self, request: &Request) -> u32 {
        let workflow = request.workflow();
        let n = request
            .decisions
            .iter()
            .filter(|d| d.decision == Decision::Approve)
            .filter(|d| {
                self.members
                    .get(&d.member)
                    .is_some_and(|m| m.permissions.has(workflow, WorkflowPermission::Approve))
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Records `member`'s decision on `request` under the rules ([`Request::decide`]) and the
    /// Organization as it is now: an approval is refused when the initiator no longer stands
    /// behind the request, and the request completes only when N of its approvals still stand.
    pub fn decide(
        &self,
        request: &mut Request,
        member: &Member,
        decision: Decision,
        reason: Option<String>,
        now: i64,
    ) -> Result<Transition, RuleViolation> {
        if decision == Decision::Approve {
            request.check_can_decide(member, now)?;
            if let Some(refusal) = self.holder_refusal(request, &member.id) {
                return Err(refusal);
            }
            if let Some(why) = self.initiator_revoked(request) {
                return Err(RuleViolation::InitiatorRevoked(why));
            }
        }
        let transition = request.decide(member, decision, reason, now)?;
        if decision == Decision::Reject {
            return Ok(transition);
        }
        let (approvals, required) = (
            self.standing_approvals(request),
            request.required_approvals(),
        );
        if approvals >= required {
            request.status = RequestStatus::Completed;
            return Ok(Transition::Completed);
        }
        // Recorded, but short of N among the approvals that still stand.
        request.status = RequestStatus::Pending;
        Ok(Transition::Approved {
            approvals,
            required,
        })
    }
}
