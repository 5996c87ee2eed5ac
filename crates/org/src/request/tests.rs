//! §4 Request lifecycle, step by step, each invariant and each (extension) line, then property
//! tests over random sequences of submissions, decisions, cancellations and time passing.
//! Requests are built the only way the crate allows: submitted through an [`Org`].

use rust_decimal_macros::dec;

use super::*;
use crate::tests::fixture::*;
use crate::{Context, Org, PreviewDecision};

const W: Workflow = Workflow::InitiateWithdrawal;

fn with_policy(policy: Option<Policy>) -> Org {
    let mut org = org();
    match policy {
        Some(p) => org.policies.insert(W, p),
        None => org.policies.remove(&W),
    };
    org
}

fn approve(r: &mut Request, org: &Org, who: &str, at: i64) -> Result<Transition, RuleViolation> {
    r.decide(&member(org, who), Decision::Approve, None, at)
}

// "§4.1 Initiation — a member with Initiate or Execute on the workflow (or a service user, for
// withdrawals) creates a request."
#[test]
fn step1_initiation_needs_initiate_or_execute_or_a_withdrawing_service_user() {
    let org = org();
    for who in [m(OFFICER), m(EXECUTOR), su(BOT)] {
        let r = queued(&org, &who, withdraw());
        assert_eq!(
            (r.initiator, r.status, r.created_at),
            (who, RequestStatus::Pending, T0)
        );
    }
    // Aude (View) and Adam (nothing on withdrawals) cannot.
    for who in [m(AUDITOR), m(ADMIN)] {
        assert_eq!(
            failing_rule(&refused(&org, &who, withdraw(), true)),
            "initiator.permission"
        );
    }
}

// "§4.2 Immediate completion — if the initiator is a member holding Execute and the policy's
// "always require approval" is OFF (or no policy is configured), it completes at once."
#[test]
fn step2_immediate_completion_with_execute_and_always_off_or_no_policy() {
    let org = with_policy(Some(execute_allowed(2)));
    let r = immediate(&org, &m(LEAD), withdraw(), true);
    assert!(r.decisions.is_empty());
    // Always on: the same submission waits.
    queued(
        &with_policy(Some(Policy::requiring(2))),
        &m(LEAD),
        withdraw(),
    );
    // No policy: at once, Execute or not.
    immediate(&with_policy(None), &m(OFFICER), withdraw(), false);
}

// "§4.3 Approval queue — otherwise it waits. Members with Approve on that workflow may review it."
#[test]
fn step3_otherwise_it_waits_for_members_with_approve() {
    let org = org();
    let r = queued(&org, &m(OFFICER), withdraw());
    for who in [LEAD, OWNER] {
        assert_eq!(r.check_can_decide(&member(&org, who), T0), Ok(()), "{who}");
    }
    for who in [EXECUTOR, AUDITOR, ADMIN] {
        assert_eq!(
            r.check_can_decide(&member(&org, who), T0),
            Err(RuleViolation::NotPermitted {
                workflow: W,
                permission: WorkflowPermission::Approve
            }),
            "{who}"
        );
    }
}

// "§4.4 Threshold — it completes when the required number of independent approvals is reached."
#[test]
fn step4_completes_exactly_at_the_required_approvals() {
    let org = org();
    let mut r = queued(&org, &su(BOT), withdraw());
    assert_eq!(
        approve(&mut r, &org, OFFICER, T0 + 1),
        Ok(Transition::Approved {
            approvals: 1,
            required: 2
        })
    );
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(
        approve(&mut r, &org, LEAD, T0 + 2),
        Ok(Transition::Completed)
    );
    assert_eq!(
        (r.status, r.approvals(), r.updated_at),
        (RequestStatus::Completed, 2, T0 + 2)
    );
    let who: Vec<&str> = r.decisions.iter().map(|d| d.member.0.as_str()).collect();
    assert_eq!(who, [OFFICER, LEAD]);
}

// "§4.5 Rejection — any single eligible approver can reject; a rejected request is not
// completed."
#[test]
fn step5_any_single_eligible_approver_rejects() {
    let org = with_policy(Some(Policy::requiring(3)));
    let mut r = queued(&org, &su(BOT), withdraw());
    approve(&mut r, &org, OFFICER, T0).expect("eligible");
    approve(&mut r, &org, LEAD, T0).expect("eligible");
    let t = r.decide(
        &member(&org, OWNER),
        Decision::Reject,
        Some("unknown destination".into()),
        T0 + 5,
    );
    assert_eq!(t, Ok(Transition::Rejected));
    assert_eq!(r.status, RequestStatus::Rejected);
    assert_eq!(
        r.decisions.last().and_then(|d| d.reason.as_deref()),
        Some("unknown destination")
    );
    // Two approvals were recorded but it never completes.
    assert_eq!(r.approvals(), 2);
    assert!(approve(&mut r, &org, OWNER, T0 + 6).is_err());
}

// "§4 Invariant: A member can never approve their own request. The initiator is never counted
// toward N."
#[test]
fn invariant_never_approve_your_own_request_and_the_initiator_never_counts() {
    let org = org();
    let s = submit(&org, &m(OWNER), withdraw(), true).expect("permitted");
    assert_eq!(eligible_names(&s.preview.decision), ["Lena", "Tess"]);
    let mut r = s.request;
    let owner = member(&org, OWNER);
    for d in [Decision::Approve, Decision::Reject] {
        assert_eq!(
            r.decide(&owner, d, None, T0),
            Err(RuleViolation::OwnRequest)
        );
    }
    assert_eq!(r.approvals(), 0);
    approve(&mut r, &org, OFFICER, T0).expect("eligible");
    assert_eq!(
        r.status,
        RequestStatus::Pending,
        "the Owner's own wish does not count as the second"
    );
    approve(&mut r, &org, LEAD, T0).expect("eligible");
    assert_eq!(r.status, RequestStatus::Completed);
}

// "§4 Invariant: Each member counts at most once toward N."
#[test]
fn invariant_each_member_counts_once() {
    let org = org();
    let mut r = queued(&org, &su(BOT), withdraw());
    approve(&mut r, &org, OFFICER, T0).expect("first");
    let before = r.clone();
    assert_eq!(
        approve(&mut r, &org, OFFICER, T0),
        Err(RuleViolation::AlreadyDecided)
    );
    assert_eq!(
        r.decide(&member(&org, OFFICER), Decision::Reject, None, T0),
        Err(RuleViolation::AlreadyDecided),
        "no changing your mind into a rejection either"
    );
    assert_eq!(r, before);
}

// "§4 Invariant: A service user can never approve or execute."
#[test]
fn invariant_a_service_user_never_approves_or_executes() {
    let org = with_policy(Some(execute_allowed(1)));
    let s = submit(&org, &su(BOT), withdraw(), true).expect("permitted");
    assert_eq!(s.request.status, RequestStatus::Pending);
    let PreviewDecision::Queued {
        eligible_approvers, ..
    } = &s.preview.decision
    else {
        panic!("queued")
    };
    assert!(
        eligible_approvers
            .iter()
            .all(|a| a.kind == crate::view::ActorKind::Member)
    );
}

// "§4 Invariant: The only way one member completes an action alone is Execute, and only when the
// policy permits it."
#[test]
fn invariant_only_execute_completes_alone_and_only_when_permitted() {
    // N = 1, Execute allowed: Tess (no Execute) asking to execute still needs someone else.
    let org = with_policy(Some(execute_allowed(1)));
    let mut r = submit(&org, &m(OFFICER), withdraw(), true)
        .expect("permitted")
        .request;
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(
        approve(&mut r, &org, OFFICER, T0),
        Err(RuleViolation::OwnRequest)
    );
    // Lena (Execute) completes alone.
    immediate(&org, &m(LEAD), withdraw(), true);
    // Always on: nobody completes alone, not even the Owner.
    let strict = with_policy(Some(Policy::requiring(1)));
    for who in [OWNER, LEAD, EXECUTOR, OFFICER] {
        queued(&strict, &m(who), withdraw());
        let s = submit(&strict, &m(who), withdraw(), true).expect("permitted");
        assert_eq!(s.request.status, RequestStatus::Pending, "{who}");
    }
}

// "§4 (extension) The policy in force when a request is submitted is snapshotted into the request
// and governs it; a later policy change does not silently alter pending requests (the app flags
// them)."
#[test]
fn ext_the_snapshot_governs_a_pending_request_after_a_policy_change() {
    let mut org = org();
    let mut loosened = queued(&org, &su(BOT), withdraw());
    let mut tightened = loosened.clone();
    tightened.id = RequestId("R2".into());
    // The app flags both before the change.
    let diff = org.policy_diff(W, Some(Policy::requiring(1)), [&loosened, &tightened]);
    assert_eq!(diff.affected_pending, ["R1", "R2"]);
    // Loosened to 1: the request still needs its snapshot's 2.
    org.apply(
        &RequestId("P1".into()),
        &RequestPayload::ChangePolicy {
            workflow: W,
            policy: Some(Policy::requiring(1)),
        },
    )
    .expect("valid");
    assert_eq!(loosened.policy, Some(Policy::requiring(2)));
    assert_eq!(
        approve(&mut loosened, &org, OFFICER, T0),
        Ok(Transition::Approved {
            approvals: 1,
            required: 2
        })
    );
    assert_eq!(
        approve(&mut loosened, &org, LEAD, T0),
        Ok(Transition::Completed)
    );
    // Tightened to 3 (or removed): it still completes at its snapshot's 2.
    org.apply(
        &RequestId("P2".into()),
        &RequestPayload::ChangePolicy {
            workflow: W,
            policy: Some(Policy::requiring(3)),
        },
    )
    .expect("valid");
    approve(&mut tightened, &org, OFFICER, T0).expect("eligible");
    assert_eq!(
        approve(&mut tightened, &org, OWNER, T0),
        Ok(Transition::Completed)
    );
}

// "§4 (extension) The initiator may cancel their own pending request."
#[test]
fn ext_the_initiator_cancels_their_own_pending_request() {
    let org = org();
    for who in [m(OFFICER), su(BOT)] {
        let mut r = queued(&org, &who, withdraw());
        assert_eq!(r.cancel(&who, T0 + 9), Ok(()));
        assert_eq!((r.status, r.updated_at), (RequestStatus::Cancelled, T0 + 9));
    }
}

// "§4 (extension) The initiator may cancel their own pending request" — and nobody else can,
// not the Owner, not an approver, not a service user.
#[test]
fn ext_nobody_else_can_cancel() {
    let org = org();
    let mut r = queued(&org, &m(OFFICER), withdraw());
    approve(&mut r, &org, LEAD, T0).expect("eligible");
    let before = r.clone();
    for who in [m(OWNER), m(LEAD), m(AUDITOR), su(BOT), m("ghost")] {
        assert_eq!(
            r.cancel(&who, T0 + 1),
            Err(RuleViolation::NotInitiator),
            "{who:?}"
        );
    }
    assert_eq!(r, before);
}

// "§4 (extension) A policy may set an expiry (`expires_after`); a pending request past it becomes
// Expired."
#[test]
fn ext_a_pending_request_past_its_expiry_becomes_expired() {
    let org = with_policy(Some(Policy {
        expires_after: Some(3600),
        ..Policy::requiring(2)
    }));
    let mut r = queued(&org, &su(BOT), withdraw());
    assert_eq!(r.expires_at(), Some(T0 + 3600));
    approve(&mut r, &org, OFFICER, T0 + 3599).expect("still in time");
    let before = r.clone();
    assert_eq!(
        approve(&mut r, &org, LEAD, T0 + 3600),
        Err(RuleViolation::NotPending(RequestStatus::Expired))
    );
    assert_eq!(
        r.cancel(&su(BOT), T0 + 3600),
        Err(RuleViolation::NotPending(RequestStatus::Expired))
    );
    assert_eq!(r, before, "refusals change nothing, not even the status");
    assert!(!r.expire_if_due(T0 + 3599));
    assert!(r.expire_if_due(T0 + 3600));
    assert_eq!(
        (r.status, r.updated_at),
        (RequestStatus::Expired, T0 + 3600)
    );
    // Without an expiry, never.
    let mut forever = queued(&crate::tests::fixture::org(), &su(BOT), withdraw());
    assert_eq!(forever.expires_at(), None);
    assert!(!forever.expire_if_due(i64::MAX));
}

/// One request in each terminal state.
fn terminal_requests() -> Vec<Request> {
    let org = with_policy(Some(Policy {
        expires_after: Some(60),
        ..Policy::requiring(1)
    }));
    let executed = immediate(&with_policy(None), &m(OFFICER), withdraw(), false);
    let mut approved = queued(&org, &m(OFFICER), withdraw());
    approve(&mut approved, &org, LEAD, T0).expect("eligible");
    let mut rejected = queued(&org, &m(OFFICER), withdraw());
    rejected
        .decide(&member(&org, LEAD), Decision::Reject, None, T0)
        .expect("eligible");
    let mut cancelled = queued(&org, &m(OFFICER), withdraw());
    cancelled.cancel(&m(OFFICER), T0).expect("initiator");
    let mut expired = queued(&org, &m(OFFICER), withdraw());
    assert!(expired.expire_if_due(T0 + 60));
    vec![executed, approved, rejected, cancelled, expired]
}

// "§4 (extension) Terminal states: Completed, Rejected, Cancelled, Expired. A terminal request
// never changes again."
#[test]
fn ext_terminal_states_never_change() {
    let org = org();
    let statuses: Vec<RequestStatus> = terminal_requests().iter().map(|r| r.status).collect();
    use RequestStatus::{Cancelled, Completed, Expired, Rejected};
    assert_eq!(
        statuses,
        [Completed, Completed, Rejected, Cancelled, Expired]
    );
    for mut r in terminal_requests() {
        assert!(r.status.is_terminal());
        let before = r.clone();
        for who in [OWNER, LEAD, OFFICER] {
            for d in [Decision::Approve, Decision::Reject] {
                assert_eq!(
                    r.decide(&member(&org, who), d, None, T0 + 1),
                    Err(RuleViolation::NotPending(before.status))
                );
            }
        }
        assert_eq!(
            r.cancel(&m(OFFICER), T0 + 1),
            Err(RuleViolation::NotPending(before.status))
        );
        assert!(!r.expire_if_due(T0 + 1_000_000));
        assert_eq!(r, before);
    }
}

#[test]
fn statuses_roundtrip_their_wire_names_and_only_pending_is_open() {
    use RequestStatus::{Cancelled, Completed, Expired, Pending, Rejected};
    for (s, wire) in [
        (Pending, "pending"),
        (Completed, "completed"),
        (Rejected, "rejected"),
        (Cancelled, "cancelled"),
        (Expired, "expired"),
    ] {
        assert_eq!(s.as_str(), wire);
        assert_eq!(RequestStatus::parse(wire), Some(s));
        assert_eq!(
            serde_json::to_value(s).expect("serializes"),
            serde_json::json!(wire)
        );
        assert_eq!(s.is_terminal(), s != Pending);
    }
    assert_eq!(RequestStatus::parse("done"), None);
}

// The view a member gets says why they may not decide, and flags a request on an older snapshot.
#[test]
fn the_request_view_explains_the_rule_that_stops_the_viewer() {
    let org = org();
    let r = queued(&org, &m(OFFICER), withdraw());
    let name_of = |a: &Actor| org.actor_ref(a);
    let own = crate::view::RequestView::new(&r, &member(&org, OFFICER), T0, &org, name_of);
    assert!(!own.viewer.can_decide);
    assert!(
        own.viewer
            .why_not
            .as_deref()
            .is_some_and(|w| w.starts_with("You initiated")),
        "{:?}",
        own.viewer.why_not
    );
    assert_eq!(
        own.summary,
        "Tess wants to withdraw 0.5 BTC to cold-storage"
    );
    assert!(!own.policy_changed);
    let lead = crate::view::RequestView::new(&r, &member(&org, LEAD), T0, &org, name_of);
    assert!(
        lead.still_eligible.iter().all(|a| a.name != "Tess"),
        "the initiator may never approve: {:?}",
        lead.still_eligible
    );
    assert!(!lead.still_eligible.is_empty());
    assert_eq!(
        (
            lead.viewer.can_decide,
            lead.required_approvals,
            lead.approvals
        ),
        (true, 2, 0)
    );
    let mut loosened = org.clone();
    loosened.policies.insert(W, Policy::requiring(1));
    let changed = crate::view::RequestView::new(&r, &member(&loosened, LEAD), T0, &loosened, |a| {
        loosened.actor_ref(a)
    });
    assert!(
        changed.policy_changed,
        "(extension) the app flags requests on an older snapshot"
    );
    assert_eq!(changed.policy, Some(Policy::requiring(2)));
}

// ---------------------------------------------------------------------------------------------
// Property tests.

mod properties {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;
    use crate::tests::preview::assert_trace_shape;
    use crate::{MemberId, Permissions};

    #[derive(Debug, Clone)]
    enum Payload {
        Withdraw {
            cents: i64,
            key: u8,
        },
        AddAddress(u8),
        RemoveAddress(u8),
        Invite {
            name: u8,
            approver: bool,
        },
        SetPolicy {
            workflow: u8,
            policy: Option<(u32, bool, Option<u64>)>,
        },
        Lock(u8),
    }

    /// Submit, decide and cancel pick their actor and request by index; `likely` narrows the
    /// choice to those the rules would let through (someone who may initiate; a pending request
    /// and a member holding Approve on it; its initiator), so the rare paths are reached too.
    #[derive(Debug, Clone)]
    enum Action {
        Submit {
            likely: bool,
            actor: usize,
            payload: Payload,
            execute: bool,
        },
        Decide {
            likely: bool,
            member: usize,
            request: usize,
            approve: bool,
        },
        Cancel {
            likely: bool,
            actor: usize,
            request: usize,
        },
        Advance {
            secs: i64,
        },
    }

    fn payload() -> impl Strategy<Value = Payload> {
        let policy = proptest::option::of((
            1u32..=3,
            any::<bool>(),
            prop_oneof![Just(None), Just(Some(60u64)), Just(Some(900u64))],
        ));
        prop_oneof![
            // Mostly valid: a positive amount to the fixture's entry.
            5 => (prop_oneof![1 => Just(0i64), 4 => 1i64..100], prop_oneof![3 => Just(0u8), 1 => 1u8..3])
                .prop_map(|(cents, key)| Payload::Withdraw { cents, key }),
            1 => (0u8..3).prop_map(Payload::AddAddress),
            1 => (0u8..3).prop_map(Payload::RemoveAddress),
            1 => (0u8..3, any::<bool>()).prop_map(|(name, approver)| Payload::Invite { name, approver }),
            2 => (0u8..4, policy).prop_map(|(workflow, policy)| Payload::SetPolicy { workflow, policy }),
            // Mostly Initiate Withdrawal: the one workflow with a policy to lock at the start.
            1 => prop_oneof![3 => Just(3u8), 1 => 0u8..3].prop_map(Payload::Lock),
        ]
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            4 => (likely(), 0usize..16, payload(), any::<bool>())
                .prop_map(|(likely, actor, payload, execute)| Action::Submit { likely, actor, payload, execute }),
            5 => (likely(), 0usize..16, 0usize..32, prop::bool::weighted(0.8))
                .prop_map(|(likely, member, request, approve)| Action::Decide { likely, member, request, approve }),
            1 => (likely(), 0usize..16, 0usize..32).prop_map(|(likely, actor, request)| Action::Cancel { likely, actor, request }),
            1 => prop_oneof![Just(30i64), Just(600), Just(4000)].prop_map(|secs| Action::Advance { secs }),
        ]
    }

    fn likely() -> impl Strategy<Value = bool> {
        prop::bool::weighted(0.75)
    }

    /// `items[i % len]`, or `None` when empty.
    fn pick<T: Clone>(items: &[T], i: usize) -> Option<T> {
        (!items.is_empty()).then(|| items[i % items.len()].clone())
    }

    fn address_key(k: u8) -> String {
        if k == 0 {
            COLD.to_owned()
        } else {
            format!("a{k}")
        }
    }

    fn build(org: &Org, p: &Payload) -> RequestPayload {
        match p {
            Payload::Withdraw { cents, key } => {
                let key = address_key(*key);
                let address = org
                    .addresses
                    .get(&key)
                    .map_or_else(|| "gone".to_owned(), |e| e.address.clone());
                RequestPayload::Withdrawal {
                    asset: "BTC".into(),
                    amount: rust_decimal::Decimal::new(*cents, 2),
                    fee: dec!(0.0001),
                    key,
                    address,
                }
            }
            Payload::AddAddress(k) => RequestPayload::AddAddress {
                key: address_key(*k),
                asset: "BTC".into(),
                method: "Bitcoin".into(),
                address: format!("bc1q-{k}"),
            },
            Payload::RemoveAddress(k) => RequestPayload::RemoveAddress {
                key: address_key(*k),
            },
            Payload::Invite { name, approver } => {
                let perms = if *approver {
                    vec![WorkflowPermission::Initiate, WorkflowPermission::Approve]
                } else {
                    vec![WorkflowPermission::Initiate]
                };
                RequestPayload::InviteMember {
                    name: format!("new-{name}"),
                    permissions: Permissions::none().with(W, &perms),
                    account: Default::default(),
                }
            }
            Payload::SetPolicy { workflow, policy } => RequestPayload::ChangePolicy {
                workflow: Workflow::ALL[usize::from(*workflow)],
                policy: policy.map(|(n, always, expires_after)| Policy {
                    always_require_approval: always,
                    required_approvals: n,
                    locked: false,
                    expires_after,
                }),
            },
            Payload::Lock(w) => RequestPayload::LockPolicy {
                workflow: Workflow::ALL[usize::from(*w)],
            },
        }
    }

    /// Everything the model remembers besides the requests themselves.
    struct World {
        org: Org,
        now: i64,
        requests: Vec<Request>,
        /// Requests that completed at submission.
        immediate: BTreeSet<usize>,
        /// For each request, the members whose decision was accepted and whether they held
        /// Approve on the workflow when they decided.
        decided_with_approve: BTreeMap<usize, Vec<(MemberId, bool)>>,
        next_id: u32,
    }

    impl World {
        fn actors(&self) -> Vec<Actor> {
            let mut v: Vec<Actor> = self
                .org
                .members
                .values()
                .map(crate::Member::actor)
                .collect();
            v.extend(
                self.org
                    .service_users
                    .values()
                    .map(crate::ServiceUser::actor),
            );
            v.push(m("ghost"));
            v
        }

        /// Members and service users who may initiate on `workflow`.
        fn initiators(&self, workflow: Workflow) -> Vec<Actor> {
            let mut v: Vec<Actor> = self
                .org
                .members
                .values()
                .filter(|m| {
                    m.permissions.has(workflow, WorkflowPermission::Initiate)
                        || m.permissions.has(workflow, WorkflowPermission::Execute)
                })
                .map(crate::Member::actor)
                .collect();
            if workflow == W {
                v.extend(
                    self.org
                        .service_users
                        .values()
                        .filter(|s| s.key.scopes.contains(&crate::Scope::FundsWithdraw))
                        .map(crate::ServiceUser::actor),
                );
            }
            v
        }

        fn pending(&self) -> Vec<usize> {
            (0..self.requests.len())
                .filter(|i| self.requests[*i].status == RequestStatus::Pending)
                .collect()
        }

        /// Applies a completed request; a refused apply must change nothing.
        /// A completed policy change's diff, taken before it applies, flags exactly the pending
        /// requests whose snapshot then differs from the policy that would govern them now.
        fn apply(&mut self, i: usize) -> Result<(), TestCaseError> {
            let r = &self.requests[i];
            let before = self.org.clone();
            let diff = match &r.payload {
                RequestPayload::ChangePolicy { workflow, policy } => {
                    Some(before.policy_diff(*workflow, *policy, &self.requests))
                }
                _ => None,
            };
            if self.org.apply_completed(r).is_err() {
                prop_assert_eq!(
                    &self.org,
                    &before,
                    "a refused apply changed the Organization"
                );
            } else if let Some(diff) = diff {
                let flagged: Vec<String> = self
                    .requests
                    .iter()
                    .filter(|p| {
                        p.status == RequestStatus::Pending
                            && p.workflow() == diff.workflow
                            && p.policy != self.org.governing_policy(&p.payload)
                    })
                    .map(|p| p.id.0.clone())
                    .collect();
                prop_assert_eq!(diff.affected_pending, flagged);
            }
            Ok(())
        }

        fn submit(
            &mut self,
            actor: &Actor,
            p: &Payload,
            execute: bool,
        ) -> Result<(), TestCaseError> {
            let payload = build(&self.org, p);
            let ctx = Context::default();
            let preview = self.org.preview(actor, &payload, execute, self.now, &ctx);
            assert_trace_shape(&preview);
            self.next_id += 1;
            let id = RequestId(format!("R{}", self.next_id));
            let before = self.org.clone();
            let outcome = self
                .org
                .submit(id, actor, payload.clone(), execute, self.now, &ctx);
            prop_assert_eq!(&self.org, &before);
            // The immediate rule, computed independently of the trace.
            let governing = self.org.governing_policy(&payload);
            let holds_execute = match actor {
                Actor::Member(id) => self.org.member(id).is_some_and(|m| {
                    m.permissions
                        .has(payload.workflow(), WorkflowPermission::Execute)
                }),
                Actor::ServiceUser(_) => false,
            };
            let immediate_rule =
                governing.is_none_or(|p| holds_execute && execute && !p.always_require_approval);
            match outcome {
                Err(refused) => {
                    prop_assert_eq!(
                        &preview.decision,
                        &PreviewDecision::NotPermitted {
                            reason: refused.reason.clone()
                        }
                    );
                    prop_assert_eq!(&*refused.preview, &preview);
                }
                Ok(s) => {
                    prop_assert_eq!(&s.preview, &preview);
                    let r = s.request;
                    prop_assert_eq!(&r.policy, &governing);
                    prop_assert!(r.decisions.is_empty());
                    match preview.decision {
                        PreviewDecision::CompletesImmediately => {
                            prop_assert_eq!(r.status, RequestStatus::Completed);
                            prop_assert!(
                                immediate_rule,
                                "completed at once without the immediate rule: {:?}",
                                r
                            );
                        }
                        PreviewDecision::Queued {
                            required_approvals, ..
                        } => {
                            prop_assert_eq!(r.status, RequestStatus::Pending);
                            prop_assert!(
                                !immediate_rule,
                                "the immediate rule held but it was queued: {:?}",
                                r
                            );
                            prop_assert_eq!(
                                Some(required_approvals),
                                governing.map(|p| p.required_approvals)
                            );
                        }
                        PreviewDecision::NotPermitted { .. } => {
                            prop_assert!(false, "submitted what preview refused")
                        }
                    }
                    let i = self.requests.len();
                    let done = r.status == RequestStatus::Completed;
                    self.requests.push(r);
                    if done {
                        self.immediate.insert(i);
                        self.apply(i)?;
                    }
                }
            }
            Ok(())
        }

        fn decide(
            &mut self,
            member: &crate::Member,
            i: usize,
            approve: bool,
        ) -> Result<(), TestCaseError> {
            let now = self.now;
            let r = &mut self.requests[i];
            let before = r.clone();
            let decision = if approve {
                Decision::Approve
            } else {
                Decision::Reject
            };
            let holds_approve = member
                .permissions
                .has(r.workflow(), WorkflowPermission::Approve);
            let result = r.decide(member, decision, None, now);
            let allowed = before.status == RequestStatus::Pending
                && before.expires_at().is_none_or(|at| now < at)
                && before.initiator != member.actor()
                && holds_approve
                && before.decisions.iter().all(|d| d.member != member.id);
            prop_assert_eq!(
                result.is_ok(),
                allowed,
                "{:?} deciding {:?}: {:?}",
                member.id,
                before,
                result
            );
            if before.initiator == member.actor()
                && before.status == RequestStatus::Pending
                && result.is_err()
            {
                prop_assert!(
                    matches!(
                        result,
                        Err(RuleViolation::OwnRequest
                            | RuleViolation::NotPending(RequestStatus::Expired))
                    ),
                    "{:?}",
                    result
                );
            }
            match result {
                Err(_) => prop_assert_eq!(&*r, &before, "a refused decision changed the request"),
                Ok(t) => {
                    self.decided_with_approve
                        .entry(i)
                        .or_default()
                        .push((member.id.clone(), holds_approve));
                    prop_assert_eq!(
                        t == Transition::Completed,
                        r.status == RequestStatus::Completed
                    );
                    if t == Transition::Completed {
                        self.apply(i)?;
                    }
                }
            }
            Ok(())
        }

        fn cancel(&mut self, actor: &Actor, i: usize) -> Result<(), TestCaseError> {
            let now = self.now;
            let r = &mut self.requests[i];
            let before = r.clone();
            let result = r.cancel(actor, now);
            let allowed = before.status == RequestStatus::Pending
                && before.expires_at().is_none_or(|at| now < at)
                && before.initiator == *actor;
            prop_assert_eq!(
                result.is_ok(),
                allowed,
                "{:?} cancelling {:?}: {:?}",
                actor,
                before,
                result
            );
            if result.is_ok() {
                prop_assert_eq!(r.status, RequestStatus::Cancelled);
            } else {
                prop_assert_eq!(&*r, &before, "a refused cancel changed the request");
            }
            Ok(())
        }

        fn advance(&mut self, secs: i64) -> Result<(), TestCaseError> {
            self.now += secs;
            for r in &mut self.requests {
                let before = r.clone();
                let due = before.status == RequestStatus::Pending
                    && before.expires_at().is_some_and(|at| self.now >= at);
                prop_assert_eq!(r.expire_if_due(self.now), due);
                if due {
                    prop_assert_eq!(r.status, RequestStatus::Expired);
                } else {
                    prop_assert_eq!(&*r, &before);
                }
            }
            Ok(())
        }

        /// The invariants every request must keep at all times.
        fn check(&self) -> Result<(), TestCaseError> {
            for (i, r) in self.requests.iter().enumerate() {
                // Replayed under the policy it was submitted under (its snapshot), its record
                // comes to what happened (a pending request past its expiry, not yet marked,
                // replays as expired).
                let replayed = crate::replay_one(&crate::PastRequest::from(r), r.policy, self.now);
                let due = r.status == RequestStatus::Pending
                    && r.expires_at().is_some_and(|at| self.now >= at);
                if due {
                    prop_assert_eq!(replayed, crate::ReplayOutcome::Expired, "{:?}", r);
                } else {
                    prop_assert!(
                        crate::ReplayOutcome::recorded(r.status).contains(&replayed),
                        "replayed as {:?}: {:?}",
                        replayed,
                        r
                    );
                }
                let deciders: BTreeSet<&MemberId> = r.decisions.iter().map(|d| &d.member).collect();
                prop_assert_eq!(
                    deciders.len(),
                    r.decisions.len(),
                    "each member at most once: {:?}",
                    r
                );
                prop_assert!(
                    r.decisions
                        .iter()
                        .all(|d| Actor::Member(d.member.clone()) != r.initiator),
                    "a self-decision was recorded: {:?}",
                    r
                );
                let recorded = self.decided_with_approve.get(&i).map_or(0, Vec::len);
                prop_assert_eq!(recorded, r.decisions.len());
                prop_assert!(
                    self.decided_with_approve
                        .get(&i)
                        .is_none_or(|v| v.iter().all(|(_, a)| *a))
                );
                match r.status {
                    RequestStatus::Completed if self.immediate.contains(&i) => {
                        prop_assert!(r.decisions.is_empty())
                    }
                    RequestStatus::Completed => {
                        let approvers: BTreeSet<&MemberId> = r
                            .decisions
                            .iter()
                            .filter(|d| d.decision == Decision::Approve)
                            .map(|d| &d.member)
                            .collect();
                        let n = r.policy.map(|p| p.required_approvals);
                        prop_assert!(
                            n.is_some_and(|n| n >= 1),
                            "completed by approval without a policy: {:?}",
                            r
                        );
                        prop_assert!(
                            u32::try_from(approvers.len()).unwrap_or(0) >= n.unwrap_or(u32::MAX),
                            "{:?}",
                            r
                        );
                        prop_assert!(r.decisions.iter().all(|d| d.decision == Decision::Approve));
                    }
                    RequestStatus::Pending => prop_assert!(r.approvals() < r.required_approvals()),
                    RequestStatus::Rejected => {
                        prop_assert_eq!(
                            r.decisions
                                .iter()
                                .filter(|d| d.decision == Decision::Reject)
                                .count(),
                            1
                        );
                        prop_assert_eq!(
                            r.decisions.last().map(|d| d.decision),
                            Some(Decision::Reject)
                        );
                    }
                    RequestStatus::Cancelled | RequestStatus::Expired => {}
                }
            }
            Ok(())
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Random submissions, decisions, cancellations and time over the fixture Organization,
        /// with completed requests applied as they complete.
        #[test]
        fn random_histories_keep_every_invariant(actions in proptest::collection::vec(action(), 1..80)) {
            let mut w = World {
                org: org(),
                now: T0,
                requests: Vec::new(),
                immediate: BTreeSet::new(),
                decided_with_approve: BTreeMap::new(),
                next_id: 0,
            };
            for a in &actions {
                let snapshot = w.requests.clone();
                let locked_before: Vec<Workflow> =
                    Workflow::ALL.into_iter().filter(|wf| w.org.policy(*wf).is_some_and(|p| p.locked)).collect();
                let all: Vec<usize> = (0..w.requests.len()).collect();
                match a {
                    Action::Submit { likely, actor, payload, execute } => {
                        let workflow = build(&w.org, payload).workflow();
                        let likely = if *likely { w.initiators(workflow) } else { Vec::new() };
                        let actor = pick(&likely, *actor).or_else(|| pick(&w.actors(), *actor));
                        if let Some(actor) = actor {
                            w.submit(&actor, payload, *execute)?;
                        }
                    }
                    Action::Decide { likely, member, request, approve } => {
                        let pending = if *likely { w.pending() } else { Vec::new() };
                        if let Some(i) = pick(&pending, *request).or_else(|| pick(&all, *request)) {
                            let workflow = w.requests[i].workflow();
                            let members: Vec<crate::Member> = w.org.members.values().cloned().collect();
                            let approvers: Vec<crate::Member> = if *likely {
                                w.org.holders(workflow, WorkflowPermission::Approve).into_iter().cloned().collect()
                            } else {
                                Vec::new()
                            };
                            if let Some(who) = pick(&approvers, *member).or_else(|| pick(&members, *member)) {
                                w.decide(&who, i, *approve)?;
                            }
                        }
                    }
                    Action::Cancel { likely, actor, request } => {
                        let pending = if *likely { w.pending() } else { Vec::new() };
                        if let Some(i) = pick(&pending, *request).or_else(|| pick(&all, *request)) {
                            let by = if *likely { Some(w.requests[i].initiator.clone()) } else { pick(&w.actors(), *actor) };
                            if let Some(by) = by {
                                w.cancel(&by, i)?;
                            }
                        }
                    }
                    Action::Advance { secs } => w.advance(*secs)?,
                }
                // Terminal states never change.
                for (old, new) in snapshot.iter().zip(&w.requests) {
                    if old.status.is_terminal() {
                        prop_assert_eq!(old, new);
                    }
                }
                // Locking is irreversible.
                for wf in locked_before {
                    prop_assert!(w.org.policy(wf).is_some_and(|p| p.locked), "{:?} was unlocked", wf);
                }
                w.check()?;
            }
        }
    }
}

#[test]
fn amounts_read_as_the_ui_shows_them_grouped_and_trimmed() {
    for (amount, shown) in [
        (dec!(48000), "48,000"),
        (dec!(250000.00), "250,000"),
        (dec!(1234.50), "1,234.5"),
        (dec!(0.00000001), "0.00000001"),
        (dec!(999), "999"),
        (dec!(1000), "1,000"),
        (dec!(-1234567.891), "-1,234,567.891"),
    ] {
        assert_eq!(grouped(amount), shown, "{amount}");
    }
}
