//! What the Organization would do with a request, and why: the one decision procedure behind
//! both [`Org::preview`] and [`Org::submit`], so a preview cannot disagree with what happens.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::{Actor, ActorRef, Member};
use crate::change::ChangeLine;
use crate::org::{Org, PayloadError};
use crate::permission::{Workflow, WorkflowPermission};
use crate::policy::Policy;
use crate::request::{Request, RequestId, RequestPayload, RequestStatus, grouped};
use crate::scope::Scope;

/// How many eligible approvers a preview names; it always counts them all.
pub const NAMED_APPROVERS: usize = 20;

/// How one consulted rule or setting came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Verdict {
    /// The rule is satisfied.
    Pass,
    /// The rule refuses: the request is not permitted.
    Fail,
    /// The rule decided the path the request takes.
    Decides,
    /// Worth knowing; changes nothing.
    Note,
    /// Permitted, but something will likely go wrong (e.g. the approvals cannot be reached).
    Warn,
}

/// One step of the trace: a rule or setting, in the order it was consulted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TraceStep {
    /// A stable id for the rule (`initiator.permission`, `policy.always_require_approval`, ...).
    pub rule: String,
    /// How it came out.
    pub verdict: Verdict,
    /// The rule and its inputs, in plain words.
    pub detail: String,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[ts(export)]
pub enum PreviewDecision {
    /// It completes as soon as it is submitted.
    CompletesImmediately,
    /// It waits for approvals.
    Queued {
        /// Distinct approvals needed.
        required_approvals: u32,
        /// How many members may approve it (the initiator, and the holder of an initiating bot's
        /// secret, excluded).
        eligible_count: u32,
        /// Those members by name, the first [`NAMED_APPROVERS`] in name order.
        eligible_approvers: Vec<ActorRef>,
        /// Whether enough eligible approvers exist for it ever to complete.
        reachable: bool,
    },
    /// It would be refused.
    NotPermitted {
        /// What is missing, in plain words.
        reason: String,
    },
}

/// A preview: the decision, the trace that led to it, and what it could not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Preview {
    /// The decision.
    pub decision: PreviewDecision,
    /// Every rule and setting consulted, in order.
    pub trace: Vec<TraceStep>,
    /// Inputs the preview lacks for a full answer (e.g. the available balance).
    pub missing: Vec<String>,
    /// What the request would change, line by line ([`Org::change_diff`]); empty for a
    /// withdrawal and when it is not permitted.
    #[serde(default)]
    pub changes: Vec<ChangeLine>,
}

/// What the engine cannot know by itself, supplied when available.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The available balance of the withdrawal's asset, when the caller knows it.
    pub available: Option<rust_decimal::Decimal>,
}

struct Trace(Vec<TraceStep>);

impl Trace {
    fn push(&mut self, rule: &str, verdict: Verdict, detail: impl Into<String>) {
        self.0.push(TraceStep {
            rule: rule.to_owned(),
            verdict,
            detail: detail.into(),
        });
    }
}

/// The outcome of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The new request (Completed or Pending).
    pub request: Request,
    /// The preview that decided it.
    pub preview: Preview,
}

/// Why a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refused {
    /// What is missing, in plain words.
    pub reason: String,
    /// The full preview, with the failing step.
    pub preview: Box<Preview>,
}

fn not_permitted(mut trace: Trace, rule: &str, reason: String, missing: Vec<String>) -> Preview {
    trace.push(rule, Verdict::Fail, reason.clone());
    Preview {
        decision: PreviewDecision::NotPermitted { reason },
        trace: trace.0,
        missing,
        changes: Vec::new(),
    }
}

impl Org {
    /// The policy a submission of `payload` would be governed by. A change to a locked policy is
    /// never immediate **(extension)**, and needs at least the locked policy's own N approvals,
    /// even where Manage Policies has no policy, asks for fewer, or does not always require
    /// approval: Manage Policies' approvers alone cannot undo what the lock holds.
    pub fn governing_policy(&self, payload: &RequestPayload) -> Option<Policy> {
        let base = self.policy(payload.workflow());
        let locked_target = match payload {
            RequestPayload::ChangePolicy { workflow, .. } => {
                self.policy(*workflow).filter(|p| p.locked)
            }
            _ => None,
        };
        if let Some(target) = locked_target {
            let mut p = base.unwrap_or_else(|| Policy::requiring(1));
            p.always_require_approval = true;
            p.required_approvals = p.required_approvals.max(target.required_approvals);
            return Some(p);
        }
        base
    }

    /// What submitting `payload` as `actor` (asking to `execute` at once, or not) would do, and
    /// why. Pure: `now` is unix seconds.
    pub fn preview(
        &self,
        actor: &Actor,
        payload: &RequestPayload,
        execute: bool,
        now: i64,
        context: &Context,
    ) -> Preview {
        self.preview_with(actor, payload, execute, now, context, true)
    }

    /// [`Org::preview`], with its change lines (and their warnings) computed or not: the
    /// decision never depends on them, and the simulator, deciding the same sample for many
    /// initiators, asks only for the decision.
    pub(crate) fn preview_with(
        &self,
        actor: &Actor,
        payload: &RequestPayload,
        execute: bool,
        now: i64,
        context: &Context,
        with_changes: bool,
    ) -> Preview {
        let workflow = payload.workflow();
        let mut trace = Trace(Vec::new());
        let mut missing = Vec::new();
        let who = self.actor_ref(actor);

        // 1. Who is asking, and may they initiate on this workflow at all?
        let can_execute = match actor {
            Actor::Member(id) => {
                let Some(m) = self.member(id) else {
                    return not_permitted(
                        trace,
                        "initiator.exists",
                        format!("{} is not a member of the Organization", id.0),
                        missing,
                    );
                };
                let has_initiate = m.permissions.has(workflow, WorkflowPermission::Initiate);
                let has_execute = m.permissions.has(workflow, WorkflowPermission::Execute);
                if !has_initiate && !has_execute {
                    return not_permitted(
                        trace,
                        "initiator.permission",
                        format!(
                            "{} holds neither Initiate nor Execute on {}",
                            m.name,
                            workflow.label()
                        ),
                        missing,
                    );
                }
                let held = match (has_initiate, has_execute) {
                    (true, true) => "Initiate and Execute",
                    (true, false) => "Initiate",
                    _ => "Execute",
                };
                trace.push(
                    "initiator.permission",
                    Verdict::Pass,
                    format!("{} holds {held} on {}", m.name, workflow.label()),
                );
                has_execute
            }
            Actor::ServiceUser(id) => {
                let Some(s) = self.service_users.get(id) else {
                    return not_permitted(
                        trace,
                        "initiator.exists",
                        format!("{} is not a service user of the Organization", id.0),
                        missing,
                    );
                };
                if workflow != Workflow::InitiateWithdrawal {
                    return not_permitted(
                        trace,
                        "service_user.workflow",
                        format!(
                            "{} is a service user: service users act only on withdrawals, not on {}",
                            s.name,
                            workflow.label()
                        ),
                        missing,
                    );
                }
                if !s.key.scopes.contains(&Scope::FundsWithdraw) {
                    return not_permitted(
                        trace,
                        "service_user.scope",
                        format!(
                            "{}'s API key lacks the Withdraw permission (funds_withdraw)",
                            s.name
                        ),
                        missing,
                    );
                }
                trace.push(
                    "service_user.scope",
                    Verdict::Pass,
                    format!("{}'s API key holds Withdraw (funds_withdraw)", s.name),
                );
                let valid_until = s.key.settings.valid_until;
                if valid_until > 0 && now >= valid_until {
                    return not_permitted(
                        trace,
                        "service_user.key_expiry",
                        format!("{}'s API key expired (valid_until {valid_until})", s.name),
                        missing,
                    );
                }
                if !s.key.settings.ip_allowlist.is_empty() {
                    missing.push(format!(
                        "the address {} will call from: its key only works from {}",
                        s.name,
                        s.key.settings.ip_allowlist.join(", ")
                    ));
                }
                false
            }
        };

        // An emergency stop in force refuses what it touches, whoever asks.
        if let Some(why) = self.stop_in_force(actor, payload) {
            return not_permitted(trace, "stop.in_force", why, missing);
        }

        // 2. Is the payload valid against the Organization as it is now?
        if let Err(e) = self.validate(payload) {
            let rule = match e {
                PayloadError::LockedPolicy(_) | PayloadError::LockedPolicyLoosened { .. } => {
                    "policy.locked"
                }
                _ => "payload.valid",
            };
            return not_permitted(trace, rule, e.to_string(), missing);
        }
        trace.push(
            "payload.valid",
            Verdict::Pass,
            format!(
                "the request is consistent with the Organization: {}",
                payload.describe(|a| self.actor_ref(a))
            ),
        );
        if let RequestPayload::Withdrawal {
            asset, amount, fee, ..
        } = payload
        {
            match context.available {
                Some(available) if available < *amount + *fee => {
                    return not_permitted(
                        trace,
                        "funds.available",
                        format!("{} {asset} is available; the withdrawal needs {} {asset} with its fee", grouped(available), grouped(*amount + *fee)),
                        missing,
                    );
                }
                Some(available) => trace.push("funds.available", Verdict::Pass, format!("{} {asset} is available", grouped(available))),
                None => missing.push(format!("the available {asset} balance (whether funds suffice is checked when it completes)")),
            }
        }
        if let RequestPayload::LockPolicy { workflow: target } = payload {
            let check = self.lock_check(*target, actor);
            if !check.precondition_holds {
                return not_permitted(trace, "lock.precondition", check.summary(), missing);
            }
            if !check.reachable {
                return not_permitted(trace, "lock.reachable", check.summary(), missing);
            }
            trace.push("lock.check", Verdict::Pass, check.summary());
        }

        // What it would change; what deserves a warning is also a step of the trace.
        let changes = if with_changes {
            self.change_diff(payload)
        } else {
            Vec::new()
        };
        for change in changes.iter().filter(|c| c.warning) {
            trace.push("change.warning", Verdict::Warn, change.text.clone());
        }

        // 3. The governing policy decides the path.
        let policy = self.governing_policy(payload);
        let Some(policy) = policy else {
            trace.push(
                "policy.none",
                Verdict::Decides,
                format!(
                    "{} has no policy: whoever may initiate completes the request immediately",
                    workflow.label()
                ),
            );
            return Preview {
                decision: PreviewDecision::CompletesImmediately,
                trace: trace.0,
                missing,
                changes,
            };
        };
        if let RequestPayload::ChangePolicy {
            workflow: target, ..
        } = payload
            && self.policy(*target).is_some_and(|p| p.locked)
        {
            trace.push(
                "policy.locked",
                Verdict::Decides,
                format!(
                    "the {} policy is locked: changing it always needs approval, from at least {} approvals (its own N), and it may only tighten (extension)",
                    target.label(),
                    self.policy(*target).map_or(1, |p| p.required_approvals)
                ),
            );
        } else {
            trace.push(
                "policy.required_approvals",
                Verdict::Note,
                format!(
                    "{} requires {} approval{}{}",
                    workflow.label(),
                    policy.required_approvals,
                    if policy.required_approvals == 1 {
                        ""
                    } else {
                        "s"
                    },
                    if policy.always_require_approval {
                        ", always"
                    } else {
                        " unless executed"
                    }
                ),
            );
        }
        match actor {
            Actor::ServiceUser(_) => {
                trace.push(
                    "service_user.never_executes",
                    Verdict::Decides,
                    "a service user can only initiate: it waits for members' approvals",
                );
            }
            Actor::Member(_) if execute && can_execute && !policy.always_require_approval => {
                trace.push("execute", Verdict::Decides, format!("{} holds Execute and the policy does not always require approval: it completes at once", who.name));
                return Preview {
                    decision: PreviewDecision::CompletesImmediately,
                    trace: trace.0,
                    missing,
                    changes,
                };
            }
            Actor::Member(_) if execute && !can_execute => {
                trace.push(
                    "execute.permission",
                    Verdict::Decides,
                    format!(
                        "execution was asked, but {} does not hold Execute on {}: it is queued",
                        who.name,
                        workflow.label()
                    ),
                );
            }
            Actor::Member(_) if execute => {
                trace.push(
                    "policy.always_require_approval",
                    Verdict::Decides,
                    "the policy always requires approval: even Execute goes through the queue",
                );
            }
            Actor::Member(_) => {
                if can_execute && !policy.always_require_approval {
                    trace.push(
                        "execute.available",
                        Verdict::Note,
                        format!("{} could execute it at once instead", who.name),
                    );
                }
                trace.push("queue", Verdict::Decides, "submitted for approval");
            }
        }

        // 4. The queue: who may approve, and can N ever be reached? Counting needs every
        // member; naming stops at NAMED_APPROVERS (by name), so a preview stays small and fast
        // in a large Organization.
        let mut eligible: Vec<&Member> = self
            .members
            .values()
            .filter(|m| {
                m.permissions.has(workflow, WorkflowPermission::Approve)
                    && !self.counts_as_initiator(actor, &m.id)
            })
            .collect();
        if let Some(holder) = self.key_holder_of(actor) {
            trace.push(
                "initiator.key_holder",
                Verdict::Note,
                format!(
                    "{} holds {}'s API secret, so counts as its initiator: they cannot approve it",
                    self.actor_ref(&Actor::Member(holder.clone())).name,
                    who.name
                ),
            );
        }
        let eligible_count = u32::try_from(eligible.len()).unwrap_or(u32::MAX);
        if eligible.len() > NAMED_APPROVERS {
            eligible.select_nth_unstable_by(NAMED_APPROVERS, |a, b| a.name.cmp(&b.name));
            eligible.truncate(NAMED_APPROVERS);
        }
        eligible.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        let eligible: Vec<ActorRef> = eligible
            .into_iter()
            .map(|m| self.actor_ref(&m.actor()))
            .collect();
        let n = policy.required_approvals;
        let reachable = eligible_count >= n;
        let mut names = eligible
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if eligible_count as usize > eligible.len() {
            names.push_str(&format!(
                " and {} more",
                eligible_count as usize - eligible.len()
            ));
        }
        let eligible_len = eligible_count as usize;
        if matches!(actor, Actor::Member(_)) {
            trace.push(
                "invariant.no_self_approval",
                Verdict::Note,
                format!(
                    "{} can never approve their own request and does not count toward the {n}",
                    who.name
                ),
            );
        }
        trace.push(
            "approvers.eligible",
            if reachable {
                Verdict::Pass
            } else {
                Verdict::Warn
            },
            if reachable {
                format!(
                    "{} eligible approver{} ({names}); any one of them can reject",
                    eligible_len,
                    if eligible_len == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "only {} eligible approver{} ({names}) for {n} required: it can never complete",
                    eligible_len,
                    if eligible_len == 1 { "" } else { "s" }
                )
            },
        );
        if let Some(after) = policy.expires_after {
            trace.push(
                "policy.expires_after",
                Verdict::Note,
                format!("it expires if still pending after {after} s (extension)"),
            );
        }
        Preview {
            decision: PreviewDecision::Queued {
                required_approvals: n,
                eligible_count,
                eligible_approvers: eligible,
                reachable,
            },
            trace: trace.0,
            missing,
            changes,
        }
    }

    /// Submits `payload` as `actor`: the preview's decision is carried out. A request that
    /// completes at once is returned Completed; the caller then applies it with [`Org::apply`].
    pub fn submit(
        &self,
        id: RequestId,
        actor: &Actor,
        payload: RequestPayload,
        execute: bool,
        now: i64,
        context: &Context,
    ) -> Result<Submission, Refused> {
        let preview = self.preview(actor, &payload, execute, now, context);
        let status = match &preview.decision {
            PreviewDecision::NotPermitted { reason } => {
                return Err(Refused {
                    reason: reason.clone(),
                    preview: Box::new(preview),
                });
            }
            PreviewDecision::CompletesImmediately => RequestStatus::Completed,
            PreviewDecision::Queued { .. } => RequestStatus::Pending,
        };
        let request = Request {
            id,
            initiator: actor.clone(),
            policy: self.governing_policy(&payload),
            payload,
            status,
            decisions: Vec::new(),
            created_at: now,
            updated_at: now,
            reason: None,
        };
        Ok(Submission { request, preview })
    }
}
