//! Emergency stops: who may pull one, what it refuses while in force, and lifting it through
//! the normal policy.

#![allow(clippy::unwrap_used)] // Tests panic on any surprise.

use super::fixture::*;
use crate::view::{OrgView, RequestView};
use crate::{
    Direction, MemberId, Org, OrgChange, PayloadError, RequestId, RequestPayload, ServiceUserId,
    StopRefused, StopTarget, Workflow,
};

fn bot_key() -> StopTarget {
    StopTarget::ServiceUser {
        service_user: ServiceUserId(BOT.into()),
    }
}

fn pull(org: &mut Org, who: &str, target: &StopTarget) -> Result<OrgChange, StopRefused> {
    org.emergency_stop(
        &MemberId(who.into()),
        target,
        "key seen in a public log",
        T0,
    )
}

#[test]
fn who_may_pull_each_stop_row_by_row() {
    // (member, may stop a key, may freeze withdrawals)
    let rows = [
        (OWNER, true, true),    // Approve everywhere
        (ADMIN, true, true),    // Approve on Manage Access
        (OFFICER, false, true), // Approve on Initiate Withdrawal only
        (LEAD, false, true),    // Approve (and Execute) on Initiate Withdrawal
        (EXECUTOR, false, false),
        (AUDITOR, false, false),
    ];
    for (who, key, freeze) in rows {
        let org = org();
        let id = MemberId(who.into());
        assert_eq!(
            org.may_stop(&id, &bot_key()).is_ok(),
            key,
            "{who} stops a key"
        );
        assert_eq!(
            org.may_stop(&id, &StopTarget::Withdrawals).is_ok(),
            freeze,
            "{who} freezes withdrawals"
        );
    }
    let refusal = org()
        .may_stop(&MemberId(AUDITOR.into()), &bot_key())
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "stopping a key needs Approve on Manage Access, which Aude does not hold"
    );
}

#[test]
fn a_stop_needs_a_reason_and_is_pulled_once() {
    let mut org = org();
    let blank = org.emergency_stop(&MemberId(ADMIN.into()), &bot_key(), "   ", T0);
    assert!(matches!(blank, Err(StopRefused::Reason(_))), "{blank:?}");
    let long = "x".repeat(crate::MAX_STOP_REASON + 1);
    let long = org.emergency_stop(&MemberId(ADMIN.into()), &bot_key(), &long, T0);
    assert!(matches!(long, Err(StopRefused::Reason(_))), "{long:?}");
    assert!(org.stops.keys.is_empty(), "a refused stop changes nothing");

    let change = pull(&mut org, ADMIN, &bot_key()).expect("the admin may stop the bot's key");
    let OrgChange::Stopped { target, stop } = change else {
        panic!("a stop reports Stopped, got {change:?}");
    };
    assert_eq!(target, bot_key());
    assert_eq!((stop.by.0.as_str(), stop.at), (ADMIN, T0));
    assert_eq!(stop.reason, "key seen in a public log");
    // Pulled again by someone else: refused, and the first stop keeps its author.
    assert!(matches!(
        pull(&mut org, OWNER, &bot_key()),
        Err(StopRefused::AlreadyStopped(_))
    ));
    assert_eq!(org.stops.keys[&ServiceUserId(BOT.into())].by.0, ADMIN);
    assert!(matches!(
        pull(
            &mut org,
            ADMIN,
            &StopTarget::ServiceUser {
                service_user: ServiceUserId("ghost".into())
            }
        ),
        Err(StopRefused::UnknownServiceUser(_))
    ));
}

#[test]
fn a_stopped_key_refuses_the_bots_withdrawals_and_nothing_else() {
    let mut org = org();
    let pending = queued(&org, &su(BOT), withdraw());
    let members = queued(&org, &m(OFFICER), withdraw());
    pull(&mut org, ADMIN, &bot_key()).unwrap();

    let r = refused(&org, &su(BOT), withdraw(), false);
    assert_eq!(failing_rule(&r), "stop.in_force");
    assert_eq!(
        r.reason,
        "treasury-bot's key is stopped (by Adam: key seen in a public log)"
    );
    // The bot's pending withdrawal cannot complete; a member's still can.
    let err = org.complete(&pending).unwrap_err();
    assert!(matches!(err, PayloadError::Stopped(_)), "{err:?}");
    assert!(org.complete(&members).is_ok());
    // Its key may still be changed, and the change does not lift the stop.
    let change = immediate(
        &org,
        &m(ADMIN),
        RequestPayload::ChangeServiceUserKey {
            service_user: ServiceUserId(BOT.into()),
            key: key(&[crate::Scope::FundsQuery, crate::Scope::FundsWithdraw]),
        },
        false,
    );
    org.complete(&change).unwrap();
    assert!(org.stops.keys.contains_key(&ServiceUserId(BOT.into())));
}

#[test]
fn a_freeze_refuses_every_withdrawal_by_anyone() {
    let mut org = org();
    org.policies.remove(&Workflow::InitiateWithdrawal);
    let pending_member = immediate(&org, &m(LEAD), withdraw(), true);
    pull(&mut org, OFFICER, &StopTarget::Withdrawals).expect("an officer may freeze");
    for actor in [m(LEAD), m(OWNER), su(BOT)] {
        let r = refused(&org, &actor, withdraw(), true);
        assert_eq!(failing_rule(&r), "stop.in_force", "{actor:?}");
        assert_eq!(
            r.reason,
            "withdrawals are frozen (by Tess: key seen in a public log)"
        );
    }
    assert!(matches!(
        org.complete(&pending_member),
        Err(PayloadError::Stopped(_))
    ));
    // Other workflows go on.
    immediate(&org, &m(ADMIN), add_address("hot-2"), false);
}

#[test]
fn lifting_a_stop_is_a_request_under_its_workflows_policy() {
    let mut org = org();
    let resume_key = RequestPayload::ResumeServiceUser {
        service_user: ServiceUserId(BOT.into()),
    };
    assert_eq!(resume_key.workflow(), Workflow::ManageAccess);
    assert_eq!(
        RequestPayload::ResumeWithdrawals.workflow(),
        Workflow::ManagePolicies
    );
    // Nothing to lift: refused, naming the field.
    let r = refused(&org, &m(ADMIN), resume_key.clone(), false);
    assert_eq!(r.reason, "service_user: treasury-bot's key is not stopped");
    let r = refused(&org, &m(ADMIN), RequestPayload::ResumeWithdrawals, false);
    assert_eq!(r.reason, "withdrawals: withdrawals are not frozen");

    pull(&mut org, ADMIN, &bot_key()).unwrap();
    pull(&mut org, ADMIN, &StopTarget::Withdrawals).unwrap();
    // Under a policy of 1 on Manage Access, the lift waits for an approval.
    org.policies
        .insert(Workflow::ManageAccess, crate::Policy::requiring(1));
    let request = queued(&org, &m(ADMIN), resume_key.clone());
    let view = RequestView::new(&request, &member(&org, OWNER), T0, &org, |a| {
        org.actor_ref(a)
    });
    assert_eq!(view.changes.len(), 1);
    assert_eq!(view.changes[0].direction, Some(Direction::Loosening));
    assert_eq!(
        view.changes[0].text,
        "treasury-bot's API key works again, with its scopes and settings unchanged (stopped by Adam: key seen in a public log)"
    );
    let changes = org.complete(&request).unwrap();
    assert_eq!(changes, vec![OrgChange::Resumed(bot_key())]);
    assert!(org.stops.keys.is_empty());
    // Manage Policies has no policy: the freeze lifts at once, and withdrawals flow again.
    let lift = immediate(&org, &m(ADMIN), RequestPayload::ResumeWithdrawals, false);
    org.complete(&lift).unwrap();
    assert_eq!(org.stops.withdrawals, None);
    queued(&org, &su(BOT), withdraw());
}

#[test]
fn a_pending_request_under_a_stop_shows_approve_blocked_but_may_be_rejected() {
    let mut org = org();
    let pending = queued(&org, &su(BOT), withdraw());
    let officer = member(&org, OFFICER);
    let before = RequestView::new(&pending, &officer, T0, &org, |a| org.actor_ref(a));
    assert_eq!(before.viewer.approve_blocked, None);
    pull(&mut org, OWNER, &StopTarget::Withdrawals).unwrap();
    let after = RequestView::new(&pending, &officer, T0, &org, |a| org.actor_ref(a));
    assert!(after.viewer.can_decide, "rejecting stays possible");
    assert_eq!(
        after.viewer.approve_blocked.as_deref(),
        Some(
            "Approving is refused while withdrawals are frozen (by Owen: key seen in a public log)"
        )
    );
}

#[test]
fn the_view_shows_every_stop_and_carries_it_back() {
    let mut org = org();
    pull(&mut org, ADMIN, &bot_key()).unwrap();
    pull(&mut org, OFFICER, &StopTarget::Withdrawals).unwrap();
    let view = OrgView::new(&org, |_| None);
    let bot = view.service_users.iter().find(|s| s.id == BOT).unwrap();
    let stopped = bot.stopped.as_ref().expect("the bot shows its stop");
    assert_eq!((stopped.by.name.as_str(), stopped.at), ("Adam", T0));
    let reporter = view
        .service_users
        .iter()
        .find(|s| s.id == REPORTER)
        .unwrap();
    assert_eq!(reporter.stopped, None);
    assert_eq!(view.withdrawals_frozen.as_ref().unwrap().by.name, "Tess");
    assert_eq!(view.to_org(), org);
    // Removing a stopped service user takes its stop along.
    let gone = immediate(
        &org,
        &m(OWNER),
        RequestPayload::RemoveServiceUser {
            service_user: ServiceUserId(BOT.into()),
        },
        true,
    );
    org.apply(&RequestId("R9".into()), &gone.payload).unwrap();
    assert!(org.stops.keys.is_empty());
}
