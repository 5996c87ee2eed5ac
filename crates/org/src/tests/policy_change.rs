//! What a policy change would do (`policy_field_diff`, `Org::policy_diff`), whether a lock is
//! allowed (`Org::lock_check`), and how fragile approvals are (`Org::bus_factor`).

use super::fixture::*;
use crate::{
    Context, Direction, Member, MemberId, Org, Permissions, Policy, PolicyFieldChange, Request,
    RequestId, RequestStatus, Scope, ServiceUserId, Workflow, WorkflowPermission,
    policy_field_diff,
};

const W: Workflow = Workflow::InitiateWithdrawal;

fn only(changes: &[PolicyFieldChange]) -> (&str, Direction) {
    assert_eq!(changes.len(), 1, "{changes:?}");
    (changes[0].field.as_str(), changes[0].direction)
}

#[test]
fn fewer_approvals_is_loosening_more_is_tightening() {
    let d = policy_field_diff(Some(Policy::requiring(3)), Some(Policy::requiring(2)));
    assert_eq!(only(&d), ("required_approvals", Direction::Loosening));
    assert_eq!((d[0].from.as_str(), d[0].to.as_str()), ("3", "2"));
    let d = policy_field_diff(Some(Policy::requiring(2)), Some(Policy::requiring(3)));
    assert_eq!(only(&d), ("required_approvals", Direction::Tightening));
}

#[test]
fn always_require_approval_off_is_loosening_on_is_tightening() {
    let d = policy_field_diff(Some(Policy::requiring(2)), Some(execute_allowed(2)));
    assert_eq!(only(&d), ("always_require_approval", Direction::Loosening));
    let d = policy_field_diff(Some(execute_allowed(2)), Some(Policy::requiring(2)));
    assert_eq!(only(&d), ("always_require_approval", Direction::Tightening));
}

#[test]
fn removing_the_policy_is_loosening_adding_one_is_tightening() {
    let d = policy_field_diff(Some(Policy::requiring(2)), None);
    assert_eq!(only(&d), ("policy", Direction::Loosening));
    assert_eq!(d[0].to, "no policy: requests complete at once");
    let d = policy_field_diff(None, Some(Policy::requiring(1)));
    assert_eq!(only(&d), ("policy", Direction::Tightening));
    assert_eq!(d[0].from, "no policy: requests complete at once");
    assert!(policy_field_diff(None, None).is_empty());
    assert!(policy_field_diff(Some(Policy::requiring(2)), Some(Policy::requiring(2))).is_empty());
}

#[test]
fn expiry_added_or_shortened_is_tightening_lengthened_or_dropped_is_loosening() {
    let with = |e: Option<u64>| {
        Some(Policy {
            expires_after: e,
            ..Policy::requiring(2)
        })
    };
    let cases = [
        (None, Some(3600), Direction::Tightening),
        (Some(3600), Some(60), Direction::Tightening),
        (Some(60), Some(3600), Direction::Loosening),
        (Some(60), None, Direction::Loosening),
    ];
    for (from, to, direction) in cases {
        let d = policy_field_diff(with(from), with(to));
        assert_eq!(only(&d), ("expires_after", direction), "{from:?} -> {to:?}");
    }
    let d = policy_field_diff(with(None), with(Some(60)));
    assert_eq!(
        (d[0].from.as_str(), d[0].to.as_str()),
        ("never", "after 1 min")
    );
}

#[test]
fn locking_is_tightening_and_every_changed_field_is_listed() {
    let locked = Policy {
        locked: true,
        ..Policy::requiring(2)
    };
    assert_eq!(
        only(&policy_field_diff(Some(Policy::requiring(2)), Some(locked))),
        ("locked", Direction::Tightening)
    );
    let all = Policy {
        always_require_approval: false,
        required_approvals: 1,
        locked: true,
        expires_after: Some(10),
    };
    let changes = policy_field_diff(Some(Policy::requiring(2)), Some(all));
    let fields: Vec<(&str, Direction)> = changes
        .iter()
        .map(|c| (c.field.as_str(), c.direction))
        .collect();
    assert_eq!(
        fields,
        [
            ("required_approvals", Direction::Loosening),
            ("always_require_approval", Direction::Loosening),
            ("locked", Direction::Tightening),
            ("expires_after", Direction::Tightening),
        ]
    );
}

fn submit_as(org: &Org, id: &str, actor: &crate::Actor, payload: crate::RequestPayload) -> Request {
    org.submit(
        RequestId(id.into()),
        actor,
        payload,
        false,
        T0,
        &Context::default(),
    )
    .expect("permitted")
    .request
}

#[test]
fn policy_diff_lists_pending_requests_left_on_an_older_snapshot() {
    let mut org = org();
    org.policies
        .insert(Workflow::ManageAddresses, Policy::requiring(1));
    let a = submit_as(&org, "A", &m(OFFICER), withdraw());
    let b = submit_as(&org, "B", &su(BOT), withdraw());
    let mut done = submit_as(&org, "C", &su(BOT), withdraw());
    done.decide(&member(&org, OFFICER), crate::Decision::Reject, None, T0)
        .expect("eligible");
    let other_workflow = submit_as(&org, "D", &m(ADMIN), add_address("eth-hot"));
    assert_eq!(other_workflow.status, RequestStatus::Pending);
    let requests = [a, b, done, other_workflow];

    let d = org.policy_diff(W, Some(Policy::requiring(1)), &requests);
    assert_eq!(d.workflow, W);
    assert_eq!(
        only(&d.changes),
        ("required_approvals", Direction::Loosening)
    );
    assert_eq!(
        d.affected_pending,
        ["A", "B"],
        "terminal and other workflows' requests are not listed"
    );

    let d = org.policy_diff(W, None, &requests);
    assert_eq!(only(&d.changes), ("policy", Direction::Loosening));
    assert_eq!(d.affected_pending, ["A", "B"]);

    // The same policy again: nothing changes and nobody is left behind.
    let d = org.policy_diff(W, Some(Policy::requiring(2)), &requests);
    assert!(d.changes.is_empty());
    assert!(d.affected_pending.is_empty());
}

#[test]
fn lock_check_in_the_fixture_holds_and_is_reachable() {
    let org = org();
    let c = org.lock_check(W, &m(OWNER));
    assert!(c.precondition_holds);
    assert!(c.reachable);
    assert_eq!(c.policy_approvers, [org.actor_ref(&m(ADMIN))]);
    let names: Vec<&str> = c.approvers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Lena", "Tess"], "the initiator is excluded");
    assert_eq!(c.required_approvals, 2);
    assert_eq!(c.bus_factor, Some(1));
    assert!(c.summary().contains("can be locked"), "{}", c.summary());
}

#[test]
fn lock_check_precondition_fails_without_another_policy_approver() {
    let mut org = org();
    org.members
        .get_mut(&MemberId(ADMIN.into()))
        .expect("admin")
        .permissions = Permissions::none();
    let c = org.lock_check(W, &m(OWNER));
    assert!(!c.precondition_holds);
    assert!(c.policy_approvers.is_empty());
    assert!(
        c.summary().contains("needs at least one other member"),
        "{}",
        c.summary()
    );
    // A member without Approve there asking: the Owner is the other one.
    assert!(org.lock_check(W, &m(ADMIN)).precondition_holds);
}

#[test]
fn lock_check_reachability_excludes_the_initiator() {
    let mut org = org();
    org.policies.insert(W, Policy::requiring(3));
    // Approvers on withdrawals: Owen, Tess, Lena.
    let by_owner = org.lock_check(W, &m(OWNER));
    assert!(by_owner.precondition_holds);
    assert!(!by_owner.reachable, "only Tess and Lena remain for 3");
    assert!(
        by_owner.summary().contains("could never complete"),
        "{}",
        by_owner.summary()
    );
    assert!(
        org.lock_check(W, &m(ADMIN)).reachable,
        "Adam does not approve withdrawals: all 3 count"
    );
}

fn tiny_org(members: &[(&str, &[WorkflowPermission])], n: Option<u32>) -> Org {
    Org {
        members: members
            .iter()
            .map(|(id, perms)| {
                let m = Member {
                    id: MemberId((*id).into()),
                    name: (*id).into(),
                    is_owner: false,
                    permissions: Permissions::none().with(W, perms),
                    account: Default::default(),
                };
                (m.id.clone(), m)
            })
            .collect(),
        policies: n.map(|n| (W, Policy::requiring(n))).into_iter().collect(),
        ..Org::default()
    }
}

use WorkflowPermission::{Approve, Initiate};

#[test]
fn bus_factor_is_none_without_a_policy() {
    assert_eq!(
        tiny_org(&[("a", &[Initiate, Approve])], None).bus_factor(W),
        None
    );
}

#[test]
fn bus_factor_when_every_initiator_also_approves() {
    // a initiates and approves, b approves; N = 1. a's request needs b; b's needs a: one approver
    // is always the initiator. free = 2 approvers − 1 spoken for = 1; 1 − N(1) = 0 can be away.
    let org = tiny_org(&[("a", &[Initiate, Approve]), ("b", &[Approve])], Some(1));
    assert_eq!(org.bus_factor(W), Some(0));
    // Add c (approves): free = 3 − 1 = 2; 2 − 1 = 1.
    let org = tiny_org(
        &[
            ("a", &[Initiate, Approve]),
            ("b", &[Approve]),
            ("c", &[Approve]),
        ],
        Some(1),
    );
    assert_eq!(org.bus_factor(W), Some(1));
}

#[test]
fn bus_factor_with_an_initiator_who_does_not_approve() {
    // i initiates only, so nobody is spoken for: free = 3 approvers; 3 − N(2) = 1.
    let org = tiny_org(
        &[
            ("i", &[Initiate]),
            ("a", &[Approve]),
            ("b", &[Approve]),
            ("c", &[Approve]),
        ],
        Some(2),
    );
    assert_eq!(org.bus_factor(W), Some(1));
}

#[test]
fn bus_factor_with_a_withdrawing_service_user() {
    // Approvers a, b (both also initiate), N = 2. Members only: free = 2 − 1 = 1 < N: 0 (and
    // saturating, never negative). A bot holding funds_withdraw initiates from outside: free = 2;
    // 2 − 2 = 0 still. With a third approver c: 3 − 2 = 1.
    let mut org = tiny_org(
        &[("a", &[Initiate, Approve]), ("b", &[Initiate, Approve])],
        Some(2),
    );
    assert_eq!(org.bus_factor(W), Some(0));
    org.service_users.insert(
        ServiceUserId("bot".into()),
        crate::ServiceUser {
            id: ServiceUserId("bot".into()),
            name: "bot".into(),
            key: key(&[Scope::FundsWithdraw]),
            key_holder: None,
        },
    );
    org.members.insert(
        MemberId("c".into()),
        Member {
            id: MemberId("c".into()),
            name: "c".into(),
            is_owner: false,
            permissions: Permissions::none().with(W, &[Approve]),
            account: Default::default(),
        },
    );
    assert_eq!(org.bus_factor(W), Some(1));
    // Held by a, an approver, the bot is a's hand: a is spoken for again, 3 − 1 − 2 = 0.
    let bot = ServiceUserId("bot".into());
    org.service_users.get_mut(&bot).expect("bot").key_holder = Some(MemberId("a".into()));
    assert_eq!(org.bus_factor(W), Some(0));
    org.service_users.get_mut(&bot).expect("bot").key_holder = None;
    // Without the bot, c is no outside initiator: free = 3 − 1 = 2; 2 − 2 = 0.
    org.service_users.clear();
    assert_eq!(org.bus_factor(W), Some(0));
}

#[test]
fn bus_factor_in_the_fixture() {
    // Approve on withdrawals: Owen, Tess, Lena (3). Ezra (Execute only) and the bot initiate
    // without approving, so nobody is spoken for: 3 − N(2) = 1.
    assert_eq!(org().bus_factor(W), Some(1));
    // Manage Access has no policy.
    assert_eq!(org().bus_factor(Workflow::ManageAccess), None);
}

// "§4 (extension) a later policy change does not silently alter pending requests (the app flags
// them)": a pending change to a locked policy is governed by a derived snapshot (always, N of
// Manage Policies or 1); a Manage Policies diff that leaves that derived policy as it is must not
// flag it, and one that changes it must.
#[test]
fn policy_diff_compares_a_locked_change_with_the_policy_that_would_govern_it() {
    let mut org = org();
    org.policies.insert(
        W,
        Policy {
            locked: true,
            ..Policy::requiring(2)
        },
    );
    let change = crate::RequestPayload::ChangePolicy {
        workflow: W,
        policy: Some(Policy {
            locked: true,
            ..Policy::requiring(3)
        }),
    };
    let pending = submit_as(&org, "L", &m(ADMIN), change);
    assert_eq!(pending.status, RequestStatus::Pending);
    // Governed by the locked policy's own N (2), above Manage Policies' none.
    assert_eq!(pending.policy, Some(Policy::requiring(2)));
    // No change to Manage Policies (it has no policy): nothing is left behind.
    let same = org.policy_diff(Workflow::ManagePolicies, None, [&pending]);
    assert!(same.changes.is_empty());
    assert!(
        same.affected_pending.is_empty(),
        "{:?}",
        same.affected_pending
    );
    // Manage Policies starting to require 2 changes nothing for it; requiring 3 does, and the
    // request stays on its 2.
    let same_n = org.policy_diff(
        Workflow::ManagePolicies,
        Some(Policy::requiring(2)),
        [&pending],
    );
    assert!(same_n.affected_pending.is_empty());
    let stricter = org.policy_diff(
        Workflow::ManagePolicies,
        Some(Policy::requiring(3)),
        [&pending],
    );
    assert_eq!(stricter.affected_pending, ["L"]);
}
