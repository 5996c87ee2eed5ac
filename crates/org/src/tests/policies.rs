//! §3 Policies: per-workflow policies, no policy, always_require_approval, N ≥ 1, and locking.

use super::fixture::*;
use crate::{
    MemberId, PayloadError, Policy, PreviewDecision, RequestId, RequestPayload, RequestStatus,
    Verdict, Workflow, WorkflowPermission,
};

const W: Workflow = Workflow::InitiateWithdrawal;

fn change(workflow: Workflow, policy: Option<Policy>) -> RequestPayload {
    RequestPayload::ChangePolicy { workflow, policy }
}

fn locked(n: u32) -> Policy {
    Policy {
        locked: true,
        ..Policy::requiring(n)
    }
}

fn decides(trace: &[crate::TraceStep]) -> Vec<&str> {
    trace
        .iter()
        .filter(|t| t.verdict == Verdict::Decides)
        .map(|t| t.rule.as_str())
        .collect()
}

// "§3 Each workflow has its own, independently configurable policy, or none."
#[test]
fn each_workflow_has_its_own_policy_or_none() {
    let mut org = org();
    // Initiate Withdrawal's policy does not reach Manage Addresses.
    immediate(&org, &m(ADMIN), add_address("eth-hot"), false);
    org.apply(
        &RequestId("R2".into()),
        &change(Workflow::ManageAddresses, Some(Policy::requiring(1))),
    )
    .expect("valid change");
    assert_eq!(
        org.policy(Workflow::ManageAddresses),
        Some(Policy::requiring(1))
    );
    assert_eq!(
        org.policy(W),
        Some(Policy::requiring(2)),
        "the other policy is untouched"
    );
    assert_eq!(org.policy(Workflow::ManageAccess), None);
    let r = queued(&org, &m(ADMIN), add_address("eth-hot"));
    assert_eq!(r.required_approvals(), 1);
}

// "§3 No policy configured for a workflow: whoever may initiate completes the request
// immediately"
#[test]
fn no_policy_whoever_may_initiate_completes_immediately() {
    let mut org = org();
    org.policies.remove(&W);
    // Tess holds Initiate but not Execute, and does not ask to execute.
    let s = submit(&org, &m(OFFICER), withdraw(), false).expect("permitted");
    assert_eq!(s.request.status, RequestStatus::Completed);
    assert_eq!(s.request.policy, None);
    assert_eq!(decides(&s.preview.trace), ["policy.none"]);
    // Still only whoever may initiate: Aude may not.
    refused(&org, &m(AUDITOR), withdraw(), false);
}

// "§3 No policy configured ... (for a service user: its API key permissions apply directly)"
#[test]
fn no_policy_service_user_key_permissions_apply_directly() {
    let mut org = org();
    org.policies.remove(&W);
    immediate(&org, &su(BOT), withdraw(), false);
    let r = refused(&org, &su(REPORTER), withdraw(), false);
    assert_eq!(failing_rule(&r), "service_user.scope");
}

// "§3 always_require_approval (on/off)" — on: even Execute goes through the queue.
#[test]
fn always_require_approval_on_queues_even_execute() {
    let org = org(); // requiring(2): always on
    let s = submit(&org, &m(LEAD), withdraw(), true).expect("Lena may initiate");
    assert_eq!(s.request.status, RequestStatus::Pending);
    assert_eq!(
        decides(&s.preview.trace),
        ["policy.always_require_approval"]
    );
}

// "§3 always_require_approval (on/off)" — off: a member holding Execute may complete at once.
#[test]
fn always_require_approval_off_lets_execute_complete() {
    let mut org = org();
    org.policies.insert(W, execute_allowed(2));
    let r = immediate(&org, &m(LEAD), withdraw(), true);
    assert_eq!(r.policy, Some(execute_allowed(2)));
    assert!(r.decisions.is_empty());
}

// "§3 required_approvals (N ≥ 1 independent approvals)"
#[test]
fn required_approvals_is_at_least_one() {
    let mut org = org();
    let zero = Policy {
        required_approvals: 0,
        ..Policy::requiring(1)
    };
    let r = refused(&org, &m(ADMIN), change(W, Some(zero)), false);
    assert_eq!(failing_rule(&r), "payload.valid");
    assert!(r.reason.contains("required_approvals"), "{}", r.reason);
    assert!(matches!(
        org.apply(&RequestId("R2".into()), &change(W, Some(zero))),
        Err(PayloadError::Invalid {
            field: "required_approvals",
            ..
        })
    ));
    assert_eq!(
        Policy::requiring(0).required_approvals,
        1,
        "the constructor clamps"
    );
    org.apply(
        &RequestId("R3".into()),
        &change(W, Some(Policy::requiring(1))),
    )
    .expect("N = 1 is fine");
    assert_eq!(org.policy(W).map(|p| p.required_approvals), Some(1));
}

// "§3 Locking: a locked policy cannot be changed unilaterally" — a change to a locked policy is
// always queued (extension), even for the Owner holding Execute where Manage Policies has no
// policy.
#[test]
fn change_to_a_locked_policy_is_always_queued() {
    let mut org = org();
    org.policies.insert(W, locked(2));
    assert_eq!(org.policy(Workflow::ManagePolicies), None);
    let s = submit(&org, &m(OWNER), change(W, Some(locked(3))), true).expect("permitted");
    assert_eq!(s.request.status, RequestStatus::Pending);
    assert!(decides(&s.preview.trace).contains(&"policy.locked"));
    let snapshot = s.request.policy.expect("a snapshot");
    assert!(snapshot.always_require_approval);
    assert_eq!(snapshot.required_approvals, 2, "the locked policy's own N");
    assert_eq!(
        eligible_names(&s.preview.decision),
        ["Adam"],
        "the Owner is excluded"
    );
    // Also where Manage Policies' own policy allows Execute.
    org.policies
        .insert(Workflow::ManagePolicies, execute_allowed(1));
    let s = submit(&org, &m(OWNER), change(W, Some(locked(3))), true).expect("permitted");
    assert_eq!(s.request.status, RequestStatus::Pending);
}

// "§3 Locking requires at least one *other* member who holds Approve on Manage Policies."
#[test]
fn lock_requires_another_member_with_approve_on_manage_policies() {
    let mut org = org();
    let lock = RequestPayload::LockPolicy { workflow: W };
    // Adam is the other approver on Manage Policies: the Owner may lock (no policy: at once).
    immediate(&org, &m(OWNER), lock.clone(), false);
    // Take Approve on Manage Policies from Adam: the Owner is alone.
    org.members
        .get_mut(&MemberId(ADMIN.into()))
        .expect("admin")
        .permissions =
        crate::Permissions::none().with(Workflow::ManagePolicies, &[WorkflowPermission::Initiate]);
    let r = refused(&org, &m(OWNER), lock.clone(), false);
    assert_eq!(failing_rule(&r), "lock.precondition");
    // Adam (Initiate only) asking: the Owner is another approver, so the precondition holds.
    let p = org.preview(&m(ADMIN), &lock, false, T0, &Default::default());
    assert_eq!(p.decision, PreviewDecision::CompletesImmediately);
}

// "§3 (extension) Countersign refuses a lock whose N approvals could not be reached from the
// members who hold Approve (initiator excluded)."
#[test]
fn lock_is_refused_when_n_is_unreachable() {
    let mut org = org();
    let lock = RequestPayload::LockPolicy { workflow: W };
    // Approve on Initiate Withdrawal: Owen, Tess, Lena. The Owner locking: 2 others.
    org.policies.insert(W, Policy::requiring(3));
    let r = refused(&org, &m(OWNER), lock.clone(), false);
    assert_eq!(failing_rule(&r), "lock.reachable");
    // Adam locking: all three count.
    immediate(&org, &m(ADMIN), lock.clone(), false);
    org.policies.insert(W, Policy::requiring(2));
    immediate(&org, &m(OWNER), lock, false);
}

// "§3 a locked policy cannot be unlocked or removed" (locking is irreversible)
#[test]
fn locked_policy_cannot_be_unlocked_or_removed() {
    let mut org = org();
    org.policies.insert(W, locked(2));
    for p in [None, Some(Policy::requiring(2)), Some(Policy::requiring(1))] {
        let r = refused(&org, &m(OWNER), change(W, p), true);
        assert_eq!(failing_rule(&r), "policy.locked");
        assert_eq!(
            org.clone().apply(&RequestId("R2".into()), &change(W, p)),
            Err(PayloadError::LockedPolicy(W))
        );
    }
    // Locking again is refused too.
    let r = refused(
        &org,
        &m(OWNER),
        RequestPayload::LockPolicy { workflow: W },
        true,
    );
    assert!(r.reason.contains("already locked"), "{}", r.reason);
    // Changing it while keeping it locked is allowed (and queued).
    let req = queued(&org, &m(ADMIN), change(W, Some(locked(3))));
    let mut after = org.clone();
    after.apply(&req.id, &req.payload).expect("valid");
    assert_eq!(after.policy(W), Some(locked(3)));
}

// "§3 Rollout goes Bootstrap → Configure → Enforce (reversible) → Lock (irreversible)."
#[test]
fn an_unlocked_policy_is_reversible() {
    let mut org = org();
    immediate(&org, &m(OWNER), change(W, None), true);
    org.apply(&RequestId("R2".into()), &change(W, None))
        .expect("removable");
    assert_eq!(org.policy(W), None);
    org.apply(
        &RequestId("R3".into()),
        &change(W, Some(Policy::requiring(2))),
    )
    .expect("back again");
    assert_eq!(org.policy(W), Some(Policy::requiring(2)));
}

// "§3 Locking requires at least one other member who holds Approve on Manage Policies" — also
// when the lock arrives as a ChangePolicy whose new policy says `locked: true`.
#[test]
fn change_policy_cannot_lock_around_the_lock_check() {
    let mut org = org();
    org.members
        .get_mut(&MemberId(ADMIN.into()))
        .expect("admin")
        .permissions = crate::Permissions::none();
    let r = refused(
        &org,
        &m(OWNER),
        RequestPayload::LockPolicy { workflow: W },
        true,
    );
    assert_eq!(failing_rule(&r), "lock.precondition");
    // The same lock spelled as a policy change must not get through either.
    let r = refused(&org, &m(OWNER), change(W, Some(locked(2))), true);
    assert_eq!(failing_rule(&r), "payload.valid");
    assert!(matches!(
        org.apply(&RequestId("R2".into()), &change(W, Some(locked(2)))),
        Err(PayloadError::Invalid {
            field: "locked",
            ..
        })
    ));
    assert_eq!(org.policy(W).map(|p| p.locked), Some(false));
}

// "§3 (extension) The lock holds every field of the policy (N, always-require, expiry). A change
// to a locked policy may only tighten" — row by row, each field loosened is refused by name,
// in the preview and when applied; each tightened passes.
#[test]
fn a_change_to_a_locked_policy_may_only_tighten() {
    let mut org = org();
    let base = Policy {
        expires_after: Some(86_400),
        ..locked(2)
    };
    org.policies.insert(W, base);
    let loosening = [
        (
            "required_approvals",
            Policy {
                required_approvals: 1,
                ..base
            },
        ),
        (
            "always_require_approval",
            Policy {
                always_require_approval: false,
                ..base
            },
        ),
        (
            "expires_after",
            Policy {
                expires_after: Some(2 * 86_400),
                ..base
            },
        ),
        (
            "expires_after",
            Policy {
                expires_after: None,
                ..base
            },
        ),
    ];
    for (field, p) in loosening {
        let r = refused(&org, &m(ADMIN), change(W, Some(p)), false);
        assert_eq!(failing_rule(&r), "policy.locked", "{field}");
        assert!(r.reason.contains(field), "{field}: {}", r.reason);
        assert!(r.reason.contains("may only tighten"), "{}", r.reason);
        assert!(
            matches!(
                org.clone()
                    .apply(&RequestId("R2".into()), &change(W, Some(p))),
                Err(PayloadError::LockedPolicyLoosened { .. })
            ),
            "{field}"
        );
    }
    for p in [
        Policy {
            required_approvals: 3,
            ..base
        },
        Policy {
            expires_after: Some(3_600),
            ..base
        },
    ] {
        queued(&org, &m(ADMIN), change(W, Some(p)));
    }
}

// "§3 (extension) ... and needs at least the locked policy's own N approvals", even where Manage
// Policies asks for fewer; the preview says so.
#[test]
fn a_change_to_a_locked_policy_needs_its_own_n() {
    let mut org = org();
    org.policies.insert(W, locked(3));
    org.policies
        .insert(Workflow::ManagePolicies, Policy::requiring(1));
    let tighter = change(W, Some(locked(4)));
    let p = org.preview(&m(ADMIN), &tighter, false, T0, &Default::default());
    let step = p
        .trace
        .iter()
        .find(|t| t.rule == "policy.locked")
        .expect("the preview names the lock");
    assert!(
        step.detail.contains("at least 3 approvals"),
        "{}",
        step.detail
    );
    assert_eq!(
        org.governing_policy(&tighter).map(|p| p.required_approvals),
        Some(3)
    );
    // Where Manage Policies asks for more, its own N stands.
    org.policies
        .insert(Workflow::ManagePolicies, Policy::requiring(4));
    assert_eq!(
        org.governing_policy(&tighter).map(|p| p.required_approvals),
        Some(4)
    );
}
