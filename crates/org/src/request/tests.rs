//! The lifecycle rules of `shared/spec/organizations.md` §4, row by row, and its invariants as
//! property tests over random decision sequences.

use proptest::prelude::*;
use rust_decimal_macros::dec;

use super::*;
use crate::{MemberId, Permissions, ServiceUserId};

const T0: i64 = 1_700_000_000;
const W: Workflow = Workflow::InitiateWithdrawal;

fn member(id: &str, perms: &[WorkflowPermission]) -> Member {
    Member {
        id: MemberId(id.into()),
        name: id.into(),
        is_owner: false,
        permissions: Permissions::none().with(W, perms),
    }
}

fn approver(id: &str) -> Member {
    member(id, &[WorkflowPermission::View, WorkflowPermission::Approve])
}

fn bot() -> ServiceUser {
    ServiceUser {
        id: ServiceUserId("bot".into()),
        name: "rebalancer-bot".into(),
    }
}

fn withdrawal() -> RequestPayload {
    RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: dec!(2.5),
        fee: dec!(0.0002),
        key: "cold-storage-2".into(),
        address: "bc1qexample".into(),
    }
}

fn submit(submitter: Submitter<'_>, policy: Option<Policy>, execute: bool) -> (Request, Submitted) {
    Request::submit(
        RequestId("R1".into()),
        submitter,
        withdrawal(),
        policy,
        execute,
        T0,
    )
    .expect("submission permitted")
}

fn queued_by_bot(n: u32) -> Request {
    let (r, s) = submit(
        Submitter::ServiceUser(&bot()),
        Some(Policy::requiring(n)),
        false,
    );
    assert_eq!(s, Submitted::Queued);
    r
}

// §4.1 Initiation: a member needs Initiate or Execute.
#[test]
fn a_member_without_initiate_or_execute_cannot_submit() {
    let viewer = member(
        "v",
        &[WorkflowPermission::View, WorkflowPermission::Approve],
    );
    let err = Request::submit(
        RequestId("R".into()),
        Submitter::Member(&viewer),
        withdrawal(),
        None,
        false,
        T0,
    )
    .expect_err("no Initiate");
    assert_eq!(
        err,
        RuleViolation::NotPermitted {
            workflow: W,
            permission: WorkflowPermission::Initiate
        }
    );
}

// §4.2 Immediate completion: Execute + always_require_approval off.
#[test]
fn execute_completes_at_once_when_the_policy_allows_it() {
    let exec = member("e", &[WorkflowPermission::Execute]);
    let mut p = Policy::requiring(2);
    p.always_require_approval = false;
    let (r, s) = submit(Submitter::Member(&exec), Some(p), true);
    assert_eq!(
        (s, r.status),
        (Submitted::Completed, RequestStatus::Completed)
    );
}

#[test]
fn execute_is_queued_when_the_policy_always_requires_approval() {
    let exec = member("e", &[WorkflowPermission::Execute]);
    let (r, s) = submit(Submitter::Member(&exec), Some(Policy::requiring(2)), true);
    assert_eq!((s, r.status), (Submitted::Queued, RequestStatus::Pending));
}

#[test]
fn initiate_without_execute_is_queued_even_when_execute_is_asked() {
    let init = member("i", &[WorkflowPermission::Initiate]);
    let mut p = Policy::requiring(1);
    p.always_require_approval = false;
    let (_, s) = submit(Submitter::Member(&init), Some(p), true);
    assert_eq!(s, Submitted::Queued);
}

// §3 No policy configured: whoever may initiate completes immediately.
#[test]
fn no_policy_completes_immediately_for_members_and_service_users() {
    let init = member("i", &[WorkflowPermission::Initiate]);
    assert_eq!(
        submit(Submitter::Member(&init), None, false).1,
        Submitted::Completed
    );
    assert_eq!(
        submit(Submitter::ServiceUser(&bot()), None, false).1,
        Submitted::Completed
    );
}

// §5 Under a policy a service user can only initiate.
#[test]
fn a_service_user_withdrawal_under_a_policy_is_queued() {
    let r = queued_by_bot(2);
    assert_eq!(r.status, RequestStatus::Pending);
    assert_eq!(r.required_approvals(), 2);
}

// §4.4 Threshold.
#[test]
fn completes_exactly_at_the_required_approvals() {
    let mut r = queued_by_bot(2);
    let t = r
        .decide(&approver("a"), Decision::Approve, None, T0 + 1)
        .expect("eligible");
    assert_eq!(
        t,
        Transition::Approved {
            approvals: 1,
            required: 2
        }
    );
    assert_eq!(r.status, RequestStatus::Pending);
    let t = r
        .decide(&approver("b"), Decision::Approve, None, T0 + 2)
        .expect("eligible");
    assert_eq!(t, Transition::Completed);
    assert_eq!(r.status, RequestStatus::Completed);
    assert_eq!(r.updated_at, T0 + 2);
}

// §4.5 Any single eligible approver can reject.
#[test]
fn one_rejection_ends_the_request() {
    let mut r = queued_by_bot(3);
    r.decide(&approver("a"), Decision::Approve, None, T0)
        .expect("eligible");
    let t = r
        .decide(
            &approver("b"),
            Decision::Reject,
            Some("unknown address".into()),
            T0,
        )
        .expect("eligible");
    assert_eq!(t, Transition::Rejected);
    assert_eq!(r.status, RequestStatus::Rejected);
}

// Invariant: never approve your own request.
#[test]
fn a_member_can_never_decide_their_own_request() {
    let both = member(
        "m",
        &[WorkflowPermission::Initiate, WorkflowPermission::Approve],
    );
    let (mut r, _) = submit(Submitter::Member(&both), Some(Policy::requiring(1)), false);
    for d in [Decision::Approve, Decision::Reject] {
        assert_eq!(r.decide(&both, d, None, T0), Err(RuleViolation::OwnRequest));
    }
    assert!(r.decisions.is_empty());
}

// Invariant: each member counts once.
#[test]
fn a_member_counts_once() {
    let mut r = queued_by_bot(2);
    let a = approver("a");
    r.decide(&a, Decision::Approve, None, T0).expect("first");
    assert_eq!(
        r.decide(&a, Decision::Approve, None, T0),
        Err(RuleViolation::AlreadyDecided)
    );
    assert_eq!(
        r.decide(&a, Decision::Reject, None, T0),
        Err(RuleViolation::AlreadyDecided)
    );
    assert_eq!((r.approvals(), r.status), (1, RequestStatus::Pending));
}

// §4.3 Only members with Approve on the workflow may review.
#[test]
fn approving_needs_the_approve_permission() {
    let mut r = queued_by_bot(1);
    let viewer = member(
        "v",
        &[WorkflowPermission::View, WorkflowPermission::Execute],
    );
    assert_eq!(
        r.decide(&viewer, Decision::Approve, None, T0),
        Err(RuleViolation::NotPermitted {
            workflow: W,
            permission: WorkflowPermission::Approve
        })
    );
}

// Terminal states never change.
#[test]
fn terminal_requests_refuse_every_decision() {
    let mut r = queued_by_bot(1);
    r.decide(&approver("a"), Decision::Approve, None, T0)
        .expect("completes");
    let before = r.clone();
    assert_eq!(
        r.decide(&approver("b"), Decision::Reject, None, T0),
        Err(RuleViolation::NotPending(RequestStatus::Completed))
    );
    assert_eq!(r, before);
}

// (extension) expiry.
#[test]
fn a_pending_request_expires_after_its_policy_expiry() {
    let mut p = Policy::requiring(2);
    p.expires_after = Some(3600);
    let (mut r, _) = submit(Submitter::ServiceUser(&bot()), Some(p), false);
    assert_eq!(
        r.decide(&approver("a"), Decision::Approve, None, T0 + 3600),
        Err(RuleViolation::NotPending(RequestStatus::Expired))
    );
    assert!(!r.expire_if_due(T0 + 3599));
    assert!(r.expire_if_due(T0 + 3600));
    assert_eq!(r.status, RequestStatus::Expired);
    assert!(!r.expire_if_due(T0 + 7200), "terminal: expires once");
}

#[test]
fn a_service_user_can_only_initiate_withdrawals_and_statuses_roundtrip() {
    for s in [
        RequestStatus::Pending,
        RequestStatus::Completed,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
        RequestStatus::Expired,
    ] {
        assert_eq!(RequestStatus::parse(s.as_str()), Some(s));
        assert_eq!(s.is_terminal(), s != RequestStatus::Pending);
    }
    for w in Workflow::ALL {
        assert_eq!(Workflow::parse(w.as_str()), Some(w));
    }
}

fn arb_member() -> impl Strategy<Value = Member> {
    (0u8..6, any::<bool>()).prop_map(|(i, can_approve)| {
        let mut perms = vec![WorkflowPermission::View, WorkflowPermission::Initiate];
        if can_approve {
            perms.push(WorkflowPermission::Approve);
        }
        member(&format!("m{i}"), &perms)
    })
}

proptest! {
    /// Over any sequence of decisions by any members: no request completes without its required
    /// distinct eligible approvals; the initiator never decides; terminal states are final.
    #[test]
    fn decisions_keep_the_invariants(
        required in 1u32..4,
        initiator in arb_member(),
        actions in proptest::collection::vec((arb_member(), any::<bool>()), 0..24),
    ) {
        let (mut r, _) = Request::submit(
            RequestId("P".into()),
            Submitter::Member(&initiator),
            withdrawal(),
            Some(Policy::requiring(required)),
            false,
            T0,
        ).expect("initiator holds Initiate");
        for (i, (m, approve)) in actions.iter().enumerate() {
            let before = r.clone();
            let decision = if *approve { Decision::Approve } else { Decision::Reject };
            let result = r.decide(m, decision, None, T0 + i64::try_from(i).unwrap_or(0));
            if before.status.is_terminal() {
                prop_assert!(result.is_err());
                prop_assert_eq!(&r, &before);
            }
            if m.id == initiator.id && !before.status.is_terminal() {
                prop_assert_eq!(result.clone(), Err(RuleViolation::OwnRequest));
            }
            if result.is_err() {
                prop_assert_eq!(&r, &before);
            }
        }
        let approvers: std::collections::BTreeSet<_> =
            r.decisions.iter().map(|d| d.member.clone()).collect();
        prop_assert_eq!(approvers.len(), r.decisions.len(), "each member counts once");
        prop_assert!(!approvers.contains(&initiator.id));
        if r.status == RequestStatus::Completed {
            prop_assert!(r.approvals() >= required);
        }
        if r.status == RequestStatus::Pending {
            prop_assert!(r.approvals() < required);
        }
    }
}
