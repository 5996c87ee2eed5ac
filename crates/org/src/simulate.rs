//! A draft policy tried on sample requests before anyone submits it ([`Org::simulate`]): a
//! sample request of each kind of the workflow that fits the Organization as it is, by each
//! initiator who could send one (each member who may initiate or execute it, each service user
//! for withdrawals), decided by the one decision procedure under the policy in force and under
//! the draft, with the draft's lock readiness and bus factor. Kinds that come out the same for
//! an initiator share a row. Nothing is submitted and nothing changes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::{Actor, ActorRef};
use crate::org::Org;
use crate::permission::{Workflow, WorkflowPermission};
use crate::policy::Policy;
use crate::policy_change::LockCheck;
use crate::preview::{Context, PreviewDecision};
use crate::request::RequestPayload;
use crate::scope::{ApiKeySpec, Scope};

/// How a sample request comes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SampleOutcome {
    /// It completes at submission.
    AtOnce,
    /// It waits for approvals that can be reached.
    Queued,
    /// It waits for approvals that can never be reached.
    Unreachable,
    /// It is refused.
    NotPermitted,
}

/// One sample request: who sends it, whether they ask to execute it, and how it comes out now
/// and under the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SampleRow {
    /// Who sends it.
    pub initiator: ActorRef,
    /// Whether the sample asks to execute at once (members holding Execute).
    pub execute: bool,
    /// What the sample is, in words; the kinds that came out the same for this initiator,
    /// joined with "; ".
    pub request: String,
    /// Under the policy in force.
    pub now: SampleOutcome,
    /// Approvals it waits for now (0 when it does not queue).
    pub now_approvals: u32,
    /// Under the draft.
    pub draft: SampleOutcome,
    /// Approvals it waits for under the draft.
    pub draft_approvals: u32,
}

/// A draft policy tried on sample requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Simulation {
    /// The workflow.
    pub workflow: Workflow,
    /// One row per initiator (and per execute choice for those holding Execute).
    pub samples: Vec<SampleRow>,
    /// Whether the draft could be locked, by the first member who may initiate on Manage
    /// Policies, and its bus factor.
    pub lock: Option<LockCheck>,
}

impl SampleRow {
    /// The same initiator, execute choice and outcomes (now and under the draft).
    fn same_outcome(&self, other: &Self) -> bool {
        self.initiator == other.initiator
            && self.execute == other.execute
            && (
                self.now,
                self.now_approvals,
                self.draft,
                self.draft_approvals,
            ) == (
                other.now,
                other.now_approvals,
                other.draft,
                other.draft_approvals,
            )
    }
}

fn outcome(decision: &PreviewDecision) -> (SampleOutcome, u32) {
    match decision {
        PreviewDecision::CompletesImmediately => (SampleOutcome::AtOnce, 0),
        PreviewDecision::Queued {
            required_approvals,
            reachable,
            ..
        } => (
            if *reachable {
                SampleOutcome::Queued
            } else {
                SampleOutcome::Unreachable
            },
            *required_approvals,
        ),
        PreviewDecision::NotPermitted { .. } => (SampleOutcome::NotPermitted, 0),
    }
}

impl Org {
    /// A sample request of each kind of `workflow` that is valid against the Organization as
    /// it is: a withdrawal to the first address-book entry; each member and service-user change
    /// on the first one there is; a change of each policy (a locked one always queues) and a
    /// lock; each address-book change on the first entry; lifting a stop in force.
    fn samples(&self, workflow: Workflow) -> Vec<RequestPayload> {
        use RequestPayload as P;
        let member = self.members.values().find(|m| !m.is_owner);
        let bot = self.service_users.values().next();
        let entry = self.addresses.values().next();
        let mut out: Vec<Option<RequestPayload>> = Vec::new();
        match workflow {
            Workflow::InitiateWithdrawal => out.push(entry.map(|e| P::Withdrawal {
                asset: e.asset.clone(),
                amount: rust_decimal::Decimal::ONE,
                fee: rust_decimal::Decimal::ZERO,
                key: e.key.clone(),
                address: e.address.clone(),
            })),
            Workflow::ManageAccess => {
                out.push(Some(P::InviteMember {
                    name: "Sample Member (simulation)".into(),
                    permissions: crate::Permissions::none(),
                    account: std::collections::BTreeSet::new(),
                }));
                out.push(member.map(|m| P::ChangeMemberPermissions {
                    member: m.id.clone(),
                    permissions: m.permissions,
                    account: m.account.clone(),
                }));
                out.push(member.map(|m| P::RemoveMember {
                    member: m.id.clone(),
                }));
                out.push(Some(P::CreateServiceUser {
                    name: "sample-bot (simulation)".into(),
                    key: ApiKeySpec {
                        scopes: [Scope::FundsQuery].into_iter().collect(),
                        ..ApiKeySpec::default()
                    },
                }));
                out.push(bot.map(|b| P::ChangeServiceUserKey {
                    service_user: b.id.clone(),
                    key: b.key.clone(),
                }));
                out.push(bot.map(|b| P::RemoveServiceUser {
                    service_user: b.id.clone(),
                }));
                out.push(
                    self.stops
                        .keys
                        .keys()
                        .next()
                        .map(|id| P::ResumeServiceUser {
                            service_user: id.clone(),
                        }),
                );
            }
            Workflow::ManagePolicies => {
                // A locked policy's change always queues: sample one if there is one, and one
                // of a policy that is not locked.
                let locked = Workflow::ALL
                    .into_iter()
                    .find(|w| self.policy(*w).is_some_and(|p| p.locked));
                let open = Workflow::ALL
                    .into_iter()
                    .find(|w| !self.policy(*w).is_some_and(|p| p.locked));
                for w in [open, locked].into_iter().flatten() {
                    let mut p = self.policy(w).unwrap_or_else(|| Policy::requiring(1));
                    p.required_approvals = p.required_approvals.saturating_add(1);
                    out.push(Some(P::ChangePolicy {
                        workflow: w,
                        policy: Some(p),
                    }));
                }
                out.push(
                    Workflow::ALL
                        .into_iter()
                        .find(|w| self.policy(*w).is_some_and(|p| !p.locked))
                        .map(|w| P::LockPolicy { workflow: w }),
                );
                out.push(
                    self.stops
                        .withdrawals
                        .is_some()
                        .then_some(P::ResumeWithdrawals),
                );
            }
            Workflow::ManageAddresses => {
                out.push(Some(P::AddAddress {
                    key: "sample-entry (simulation)".into(),
                    asset: "BTC".into(),
                    method: "Bitcoin".into(),
                    address: "bc1qsimulation".into(),
                }));
                out.push(entry.map(|e| P::RelabelAddress {
                    key: e.key.clone(),
                    new_key: "sample-name (simulation)".into(),
                }));
                out.push(entry.map(|e| P::RemoveAddress { key: e.key.clone() }));
            }
        }
        out.into_iter()
            .flatten()
            .filter(|p| self.validate(p).is_ok())
            .collect()
    }

    /// `draft` (`None`: no policy) for `workflow`, tried on a sample request by each possible
    /// initiator, under the policy in force and under the draft; `now` is unix seconds.
    pub fn simulate(&self, workflow: Workflow, draft: Option<Policy>, now: i64) -> Simulation {
        let mut drafted = self.clone();
        match draft {
            Some(p) => {
                drafted.policies.insert(workflow, p);
            }
            None => {
                drafted.policies.remove(&workflow);
            }
        }
        let mut samples: Vec<SampleRow> = Vec::new();
        // The funds are not what is being simulated: every sample has enough.
        let context = Context {
            available: Some(rust_decimal::Decimal::MAX),
        };
        for payload in self.samples(workflow) {
            let request = payload.describe(|a| self.actor_ref(a));
            let mut initiators: Vec<(Actor, bool)> = Vec::new();
            let mut members: Vec<_> = self.members.values().collect();
            members.sort_by(|a, b| a.name.cmp(&b.name));
            for m in members {
                let initiate = m.permissions.has(workflow, WorkflowPermission::Initiate);
                let execute = m.permissions.has(workflow, WorkflowPermission::Execute);
                if initiate || execute {
                    initiators.push((m.actor(), false));
                }
                if execute {
                    initiators.push((m.actor(), true));
                }
            }
            if workflow == Workflow::InitiateWithdrawal {
                let mut bots: Vec<_> = self
                    .service_users
                    .values()
                    .filter(|s| s.key.scopes.contains(&Scope::FundsWithdraw))
                    .collect();
                bots.sort_by(|a, b| a.name.cmp(&b.name));
                initiators.extend(bots.into_iter().map(|s| (s.actor(), false)));
            }
            for (actor, execute) in initiators {
                let (now_outcome, now_approvals) = outcome(
                    &self
                        .preview_with(&actor, &payload, execute, now, &context, false)
                        .decision,
                );
                let (draft_outcome, draft_approvals) = outcome(
                    &drafted
                        .preview_with(&actor, &payload, execute, now, &context, false)
                        .decision,
                );
                let row = SampleRow {
                    initiator: self.actor_ref(&actor),
                    execute,
                    request: request.clone(),
                    now: now_outcome,
                    now_approvals,
                    draft: draft_outcome,
                    draft_approvals,
                };
                // Kinds that come out the same for this initiator share its row.
                match samples.iter_mut().find(|r| r.same_outcome(&row)) {
                    Some(shared) => {
                        shared.request.push_str("; ");
                        shared.request.push_str(&row.request);
                    }
                    None => samples.push(row),
                }
            }
        }
        let locker = self
            .holders(Workflow::ManagePolicies, WorkflowPermission::Initiate)
            .first()
            .map(|m| m.actor());
        let lock = match (draft, locker) {
            (Some(_), Some(actor)) => Some(drafted.lock_check(workflow, &actor)),
            _ => None,
        };
        Simulation {
            workflow,
            samples,
            lock,
        }
    }
}
