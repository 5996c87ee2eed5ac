//! A draft policy tried on sample requests before anyone submits it ([`Org::simulate`]): one
//! sample request of the workflow by each initiator who could send one (each member who may
//! initiate or execute it, each service user for withdrawals), decided by the one decision
//! procedure under the policy in force and under the draft, with the draft's lock readiness and
//! bus factor. Nothing is submitted and nothing changes.

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
    /// What the sample is, in words.
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
    /// A sample request of `workflow`, valid against the Organization as it is (a withdrawal to
    /// the first address-book entry; an invitation, a policy change, a new address), or `None`
    /// when there is nothing to sample from (no address for a withdrawal).
    fn sample(&self, workflow: Workflow) -> Option<RequestPayload> {
        Some(match workflow {
            Workflow::InitiateWithdrawal => {
                let entry = self.addresses.values().next()?;
                RequestPayload::Withdrawal {
                    asset: entry.asset.clone(),
                    amount: rust_decimal::Decimal::ONE,
                    fee: rust_decimal::Decimal::ZERO,
                    key: entry.key.clone(),
                    address: entry.address.clone(),
                }
            }
            Workflow::ManageAccess => RequestPayload::CreateServiceUser {
                name: "sample-bot (simulation)".into(),
                key: ApiKeySpec {
                    scopes: [Scope::FundsQuery].into_iter().collect(),
                    ..ApiKeySpec::default()
                },
            },
            Workflow::ManagePolicies => RequestPayload::ChangePolicy {
                workflow: Workflow::ManageAddresses,
                policy: Some(Policy::requiring(1)),
            },
            Workflow::ManageAddresses => RequestPayload::AddAddress {
                key: "sample-entry (simulation)".into(),
                asset: "BTC".into(),
                method: "Bitcoin".into(),
                address: "bc1qsimulation".into(),
            },
        })
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
        let mut samples = Vec::new();
        if let Some(payload) = self.sample(workflow) {
            // The funds are not what is being simulated: every sample has enough.
            let context = Context {
                available: Some(rust_decimal::Decimal::MAX),
            };
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
                        .preview(&actor, &payload, execute, now, &context)
                        .decision,
                );
                let (draft_outcome, draft_approvals) = outcome(
                    &drafted
                        .preview(&actor, &payload, execute, now, &context)
                        .decision,
                );
                samples.push(SampleRow {
                    initiator: self.actor_ref(&actor),
                    execute,
                    request: request.clone(),
                    now: now_outcome,
                    now_approvals,
                    draft: draft_outcome,
                    draft_approvals,
                });
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
