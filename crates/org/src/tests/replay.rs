//! A workflow's history replayed under a draft policy, row by row: each kind of record under
//! drafts that loosen and tighten it. (That replaying each request under its own snapshot
//! reproduces what happened is a property test, in `request/tests.rs`.)

use crate::{
    Decision, PastRequest, Policy, ReplayOutcome, RequestStatus, Workflow, replay, replay_one,
};

const T: i64 = 1_700_000_000;
const W: Workflow = Workflow::InitiateWithdrawal;

fn past(id: &str, status: RequestStatus, decisions: &[(Decision, i64)]) -> PastRequest {
    PastRequest {
        id: id.into(),
        workflow: W,
        by_service_user: false,
        executed: false,
        decisions: decisions.to_vec(),
        created_at: T,
        status,
    }
}

fn allowing_execute(n: u32) -> Policy {
    Policy {
        always_require_approval: false,
        ..Policy::requiring(n)
    }
}

fn expiring(n: u32, after: u64) -> Policy {
    Policy {
        expires_after: Some(after),
        ..Policy::requiring(n)
    }
}

use Decision::{Approve as A, Reject as R};
use ReplayOutcome as O;

#[test]
fn each_record_under_each_draft() {
    let two_approvals = past("two", RequestStatus::Completed, &[(A, T + 10), (A, T + 20)]);
    let executed = PastRequest {
        executed: true,
        ..past("exec", RequestStatus::Completed, &[])
    };
    let by_bot_executed = PastRequest {
        by_service_user: true,
        ..executed.clone()
    };
    let approved_then_rejected = past("rej", RequestStatus::Rejected, &[(A, T + 10), (R, T + 20)]);
    let waiting = past("wait", RequestStatus::Pending, &[(A, T + 10)]);
    let cancelled = past("cxl", RequestStatus::Cancelled, &[(A, T + 10)]);
    let late = past(
        "late",
        RequestStatus::Completed,
        &[(A, T + 10), (A, T + 7200)],
    );
    let now = T + 86_400;
    #[rustfmt::skip]
    let rows: Vec<(&PastRequest, Option<Policy>, ReplayOutcome)> = vec![
        (&two_approvals, None, O::AtOnce),
        (&two_approvals, Some(Policy::requiring(1)), O::Completed),
        (&two_approvals, Some(Policy::requiring(2)), O::Completed),
        (&two_approvals, Some(Policy::requiring(3)), O::NeverReachedN),
        (&executed, Some(allowing_execute(2)), O::AtOnce),
        (&executed, Some(Policy::requiring(2)), O::NeverReachedN),
        (&by_bot_executed, Some(allowing_execute(2)), O::NeverReachedN),
        (&approved_then_rejected, Some(Policy::requiring(1)), O::Completed),
        (&approved_then_rejected, Some(Policy::requiring(2)), O::Rejected),
        (&waiting, Some(Policy::requiring(1)), O::Completed),
        (&waiting, Some(Policy::requiring(2)), O::Pending),
        (&waiting, Some(expiring(2, 3600)), O::Expired),
        (&cancelled, Some(Policy::requiring(1)), O::Completed),
        (&cancelled, Some(Policy::requiring(2)), O::Cancelled),
        (&late, Some(Policy::requiring(2)), O::Completed),
        (&late, Some(expiring(2, 3600)), O::Expired),
    ];
    for (r, policy, expected) in rows {
        assert_eq!(
            replay_one(r, policy, now),
            expected,
            "{} under {policy:?}",
            r.id
        );
    }
}

#[test]
fn a_replay_counts_each_outcome_and_names_what_changed() {
    let history = vec![
        past("a", RequestStatus::Completed, &[(A, T), (A, T)]),
        past("b", RequestStatus::Completed, &[(A, T), (A, T), (A, T)]),
        past("c", RequestStatus::Rejected, &[(R, T)]),
        PastRequest {
            workflow: Workflow::ManageAccess,
            ..past("other", RequestStatus::Completed, &[])
        },
    ];
    let r = replay(&history, W, Some(Policy::requiring(3)), T);
    assert_eq!(r.total, 3, "only the workflow's requests");
    assert_eq!(r.count(O::NeverReachedN), 1);
    assert_eq!(r.count(O::Completed), 1);
    assert_eq!(r.count(O::Rejected), 1);
    assert_eq!(r.changed, ["a"]);
    assert_eq!(
        r.summary(),
        "of 3 past Initiate Withdrawal requests, 1 would have completed after their approvals, 1 would never have reached N, 1 would have been rejected"
    );
    let none = replay(&history, W, None, T);
    assert_eq!(none.count(O::AtOnce), 3);
    assert_eq!(
        none.changed,
        ["c"],
        "a rejected request would have completed at once"
    );
}
