//! Revocation reaches what is pending: a request completes on the standing of its initiator and
//! of every approval counted, as the Organization is at completion, not at each decision.

use super::fixture::*;
use crate::{
    Decision, MemberId, Permissions, RequestStatus, RuleViolation, Scope, ServiceUserId, Transition,
};

/// The bot's pending withdrawal (Initiate Withdrawal requires 2).
fn bots_withdrawal(org: &crate::Org) -> crate::Request {
    queued(org, &su(BOT), withdraw())
}

#[test]
fn a_removed_or_descoped_bots_request_can_no_longer_be_approved_but_can_be_rejected() {
    let base = org();
    let removed = {
        let mut o = base.clone();
        o.service_users.remove(&ServiceUserId(BOT.into()));
        o
    };
    let descoped = {
        let mut o = base.clone();
        o.service_users
            .get_mut(&ServiceUserId(BOT.into()))
            .expect("bot")
            .key
            .scopes
            .remove(&Scope::FundsWithdraw);
        o
    };
    for (what, now) in [("removed", removed), ("de-scoped", descoped)] {
        let mut r = bots_withdrawal(&base);
        let err = now
            .decide(&mut r, &member(&now, OFFICER), Decision::Approve, None, T0)
            .expect_err(what);
        assert!(
            matches!(err, RuleViolation::InitiatorRevoked(_)),
            "{what}: {err}"
        );
        assert!(
            err.to_string().contains("treasury-bot") || err.to_string().contains(BOT),
            "{err}"
        );
        assert!(r.decisions.is_empty(), "{what}: nothing recorded");
        // The view says so before anything is spent.
        let view = crate::view::RequestView::new(&r, &member(&now, OFFICER), T0, &now, |a| {
            now.actor_ref(a)
        });
        assert!(view.viewer.approve_blocked.is_some(), "{what}");
        // Rejecting stays possible.
        let t = now
            .decide(
                &mut r,
                &member(&now, OFFICER),
                Decision::Reject,
                Some("revoked".into()),
                T0,
            )
            .expect("rejected");
        assert_eq!(t, Transition::Rejected, "{what}");
    }
}

#[test]
fn approvals_from_removed_members_or_members_who_lost_approve_do_not_count() {
    let base = org();
    let lost_approve = |o: &mut crate::Org| {
        o.members
            .get_mut(&MemberId(OFFICER.into()))
            .expect("officer")
            .permissions = Permissions::none();
    };
    let removed = |o: &mut crate::Org| {
        o.members.remove(&MemberId(OFFICER.into()));
    };
    for (what, revoke) in [
        ("lost Approve", &lost_approve as &dyn Fn(&mut crate::Org)),
        ("removed", &removed),
    ] {
        let mut now = base.clone();
        let mut r = bots_withdrawal(&now);
        now.decide(&mut r, &member(&now, OFFICER), Decision::Approve, None, T0)
            .expect("Tess approves");
        assert_eq!(now.standing_approvals(&r), 1);
        revoke(&mut now);
        assert_eq!(
            now.standing_approvals(&r),
            0,
            "{what}: Tess's approval no longer counts"
        );
        // Lena's approval would have been the second: it is the first that counts.
        let t = now
            .decide(&mut r, &member(&now, LEAD), Decision::Approve, None, T0)
            .expect("Lena approves");
        assert_eq!(
            t,
            Transition::Approved {
                approvals: 1,
                required: 2
            },
            "{what}"
        );
        assert_eq!(r.status, RequestStatus::Pending, "{what}");
        // The Owner's makes two that stand: it completes.
        let t = now
            .decide(&mut r, &member(&now, OWNER), Decision::Approve, None, T0)
            .expect("Owen approves");
        assert_eq!(t, Transition::Completed, "{what}");
        assert_eq!(r.status, RequestStatus::Completed);
    }
}
