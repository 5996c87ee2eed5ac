//! A draft policy tried on sample requests: each possible initiator's sample decided by the one
//! decision procedure under the policy in force and under the draft, row by row.

use super::fixture::*;
use crate::{Policy, SampleOutcome as S, Workflow};

fn allowing_execute(n: u32) -> Policy {
    Policy {
        always_require_approval: false,
        ..Policy::requiring(n)
    }
}

/// `(initiator, execute, now, now N, draft, draft N)` of each row.
fn rows(sim: &crate::Simulation) -> Vec<(String, bool, S, u32, S, u32)> {
    sim.samples
        .iter()
        .map(|r| {
            (
                r.initiator.name.clone(),
                r.execute,
                r.now,
                r.now_approvals,
                r.draft,
                r.draft_approvals,
            )
        })
        .collect()
}

#[test]
fn allowing_execute_lets_execute_holders_complete_at_once() {
    let org = org();
    let sim = org.simulate(Workflow::InitiateWithdrawal, Some(allowing_execute(1)), T0);
    let q = S::Queued;
    assert_eq!(
        rows(&sim),
        [
            ("Ezra".into(), false, q, 2, q, 1),
            ("Ezra".into(), true, q, 2, S::AtOnce, 0),
            ("Lena".into(), false, q, 2, q, 1),
            ("Lena".into(), true, q, 2, S::AtOnce, 0),
            ("Owen".into(), false, q, 2, q, 1),
            ("Owen".into(), true, q, 2, S::AtOnce, 0),
            ("Tess".into(), false, q, 2, q, 1),
            ("treasury-bot".into(), false, q, 2, q, 1),
        ]
    );
    // Each row is the preview's own decision: the sample a bot sends never executes.
    assert!(
        sim.samples
            .iter()
            .all(|r| r.request.starts_with("withdraw 1 BTC"))
    );
}

#[test]
fn raising_n_beyond_the_approvers_shows_who_could_never_complete() {
    let org = org();
    let sim = org.simulate(Workflow::InitiateWithdrawal, Some(Policy::requiring(3)), T0);
    // Owen, Tess and Lena hold Approve: a request one of them sends has only two others.
    let unreachable: Vec<String> = sim
        .samples
        .iter()
        .filter(|r| r.draft == S::Unreachable)
        .map(|r| r.initiator.name.clone())
        .collect();
    assert_eq!(unreachable, ["Lena", "Lena", "Owen", "Owen", "Tess"]);
    // Locked by Adam (who approves no withdrawal), N = 3 is reachable from the three, but no
    // approver can be away: bus factor 0.
    let lock = sim.lock.expect("a draft policy can be checked for locking");
    assert!(lock.reachable, "{}", lock.summary());
    assert_eq!((lock.required_approvals, lock.bus_factor), (3, Some(0)));
    let now = org.simulate(Workflow::InitiateWithdrawal, Some(Policy::requiring(2)), T0);
    assert_eq!(now.lock.and_then(|l| l.bus_factor), Some(1));
}

#[test]
fn removing_the_policy_completes_everything_at_once_and_has_nothing_to_lock() {
    let org = org();
    let sim = org.simulate(Workflow::InitiateWithdrawal, None, T0);
    assert!(
        sim.samples
            .iter()
            .all(|r| r.draft == S::AtOnce || r.initiator.name == "treasury-bot")
    );
    assert!(sim.lock.is_none());
    // Manage Addresses has no policy now; a draft of one queues Adam's and Owen's samples.
    let sim = org.simulate(Workflow::ManageAddresses, Some(Policy::requiring(1)), T0);
    assert!(sim.samples.iter().all(|r| r.now == S::AtOnce));
    assert!(
        sim.samples
            .iter()
            .filter(|r| !r.execute)
            .all(|r| r.draft == S::Queued)
    );
}

#[test]
fn the_org_view_carries_the_whole_organization() {
    // The app simulates on the view it reads from any org API: nothing may be lost on the way.
    let org = org();
    let view = crate::view::OrgView::new(&org, |_| None);
    assert_eq!(view.to_org(), org);
}

#[test]
fn each_kind_is_sampled_and_a_locked_policys_change_keeps_its_own_row() {
    let mut org = org();
    org.policies.insert(
        Workflow::InitiateWithdrawal,
        Policy {
            locked: true,
            ..Policy::requiring(2)
        },
    );
    org.policies
        .insert(Workflow::ManagePolicies, Policy::requiring(1));
    // Removing Manage Policies' policy: most changes would complete at once, but a change to
    // the locked withdrawal policy still needs its own N of approvals.
    let sim = org.simulate(Workflow::ManagePolicies, None, T0);
    let adam: Vec<(&str, S, S)> = sim
        .samples
        .iter()
        .filter(|r| r.initiator.name == "Adam")
        .map(|r| (r.request.as_str(), r.now, r.draft))
        .collect();
    assert_eq!(
        adam,
        [
            (
                "set the Manage Access policy to 2 approvals",
                S::Queued,
                S::AtOnce
            ),
            // A change to the locked withdrawal policy needs its own 2 approvals, whatever
            // Manage Policies asks, and only the Owner may approve Adam's: it could never complete.
            (
                "set the Initiate Withdrawal policy to 3 approvals",
                S::Unreachable,
                S::Unreachable
            ),
            // Without its policy, Manage Policies has nothing left to lock.
            (
                "lock the Manage Policies policy",
                S::Queued,
                S::NotPermitted
            ),
        ]
    );
    // Manage Access: every kind with something to act on, one row per initiator when they agree.
    let sim = org.simulate(Workflow::ManageAccess, Some(Policy::requiring(1)), T0);
    let adam = sim
        .samples
        .iter()
        .find(|r| r.initiator.name == "Adam")
        .expect("Adam initiates on Manage Access");
    for kind in [
        "invite Sample Member (simulation) as a member",
        "change Adam's permissions",
        "remove member Adam",
        "create service user sample-bot (simulation)",
        "change treasury-bot's API key",
        "remove service user treasury-bot",
    ] {
        assert!(
            adam.request.contains(kind),
            "{kind:?} in {:?}",
            adam.request
        );
    }
}
