//! Self-approval through a bot: the member who received a service user's secret counts as the
//! initiator of every request the bot makes. They may reject it, never approve it; the preview,
//! the view and the count of who may still approve all leave them out.

use super::fixture::*;
use crate::view::RequestView;
use crate::{
    Decision, MemberId, Org, OrgChange, Request, RequestPayload, RuleViolation, Scope,
    ServiceUserId, Transition,
};

/// The fixture after Owen (the Owner, who approves withdrawals) created `payroll-bot`, holding
/// Withdraw, through a request that completed at once: Owen received its secret.
fn owen_holds_a_bot() -> (Org, crate::Actor) {
    let mut org = org();
    let create = immediate(
        &org,
        &m(OWNER),
        RequestPayload::CreateServiceUser {
            name: "payroll-bot".into(),
            key: key(&[Scope::FundsQuery, Scope::FundsWithdraw]),
        },
        false,
    );
    let changes = org.apply_completed(&create).expect("valid");
    let id = Org::created_service_user_id(&create.id);
    assert!(
        matches!(&changes[..], [OrgChange::ServiceUserCreated(s)] if s.key_holder == Some(MemberId(OWNER.into()))),
        "the change the store persists names the holder: {changes:?}"
    );
    (org, crate::Actor::ServiceUser(id))
}

fn bots_withdrawal(org: &Org, bot: &crate::Actor) -> Request {
    queued(org, bot, withdraw())
}

#[test]
fn the_member_who_received_the_secret_is_its_key_holder() {
    let (org, bot) = owen_holds_a_bot();
    assert_eq!(org.key_holder_of(&bot), Some(&MemberId(OWNER.into())));
    assert!(org.counts_as_initiator(&bot, &MemberId(OWNER.into())));
    assert!(!org.counts_as_initiator(&bot, &MemberId(OFFICER.into())));
    // A plain apply knows no initiator, and the fixture's bots were issued outside any request.
    assert_eq!(org.key_holder_of(&su(BOT)), None);
    // A member's own request: they are its initiator, and nobody holds anything.
    assert!(org.counts_as_initiator(&m(OFFICER), &MemberId(OFFICER.into())));
    assert_eq!(org.key_holder_of(&m(OFFICER)), None);
}

#[test]
fn the_key_holder_can_never_approve_the_bots_request() {
    let (org, bot) = owen_holds_a_bot();
    let mut r = bots_withdrawal(&org, &bot);
    let owen = member(&org, OWNER);
    // The request's own rules would let Owen approve: he is not its initiator.
    assert_eq!(r.check_can_decide(&owen, T0), Ok(()));
    let err = org
        .decide(&mut r, &owen, Decision::Approve, None, T0)
        .expect_err("the holder approving their bot's request");
    assert_eq!(err, RuleViolation::HoldsInitiatorKey("payroll-bot".into()));
    assert!(err.to_string().contains("payroll-bot"), "{err}");
    assert!(r.decisions.is_empty(), "nothing recorded");
    // Two others complete it.
    for who in [OFFICER, LEAD] {
        org.decide(&mut r, &member(&org, who), Decision::Approve, None, T0)
            .expect("another approver");
    }
    assert_eq!(r.status, crate::RequestStatus::Completed);
}

#[test]
fn the_key_holder_can_still_reject_the_bots_request() {
    let (org, bot) = owen_holds_a_bot();
    let mut r = bots_withdrawal(&org, &bot);
    let t = org
        .decide(
            &mut r,
            &member(&org, OWNER),
            Decision::Reject,
            Some("not mine to send".into()),
            T0,
        )
        .expect("rejecting is a stop, not an approval");
    assert_eq!(t, Transition::Rejected);
}

#[test]
fn the_preview_leaves_the_holder_out_of_the_approvers_and_says_why() {
    let (org, bot) = owen_holds_a_bot();
    let s = submit(&org, &bot, withdraw(), false).expect("queued");
    let names = eligible_names(&s.preview.decision);
    assert!(!names.contains(&"Owen".to_owned()), "{names:?}");
    assert_eq!(names, ["Lena", "Tess"]);
    let note = s
        .preview
        .trace
        .iter()
        .find(|step| step.rule == "initiator.key_holder")
        .expect("the trace names the holder");
    assert!(
        note.detail.contains("Owen") && note.detail.contains("payroll-bot"),
        "{}",
        note.detail
    );
    // The fixture's own bot has no holder: Owen may approve its requests.
    let s = submit(&org, &su(BOT), withdraw(), false).expect("queued");
    assert!(eligible_names(&s.preview.decision).contains(&"Owen".to_owned()));
}

#[test]
fn the_view_names_the_holder_and_refuses_them_approving_before_anything_is_spent() {
    let (org, bot) = owen_holds_a_bot();
    let r = bots_withdrawal(&org, &bot);
    let name = |a: &crate::Actor| org.actor_ref(a);
    let owens = RequestView::new(&r, &member(&org, OWNER), T0, &org, name);
    assert_eq!(
        owens.initiator_key_holder.as_ref().map(|a| a.name.as_str()),
        Some("Owen")
    );
    let blocked = owens.viewer.approve_blocked.expect("approving is blocked");
    assert!(blocked.contains("payroll-bot"), "{blocked}");
    assert!(owens.viewer.can_decide, "rejecting stays open");
    assert!(
        !owens.still_eligible.iter().any(|a| a.name == "Owen"),
        "{:?}",
        owens.still_eligible
    );
    let tess = RequestView::new(&r, &member(&org, OFFICER), T0, &org, name);
    assert_eq!(tess.viewer.approve_blocked, None);
    // The Organization's view carries the holder, and the app's copy of the Organization
    // rebuilt from it keeps the rule.
    let view = crate::view::OrgView::new(&org, |_| None);
    let payroll = view
        .service_users
        .iter()
        .find(|s| s.name == "payroll-bot")
        .expect("listed");
    assert_eq!(
        payroll.key_holder.as_ref().map(|a| a.name.as_str()),
        Some("Owen")
    );
    let rebuilt = view.to_org();
    let crate::Actor::ServiceUser(id) = &bot else {
        unreachable!()
    };
    assert_eq!(
        rebuilt.service_users[&ServiceUserId(id.0.clone())].key_holder,
        Some(MemberId(OWNER.into()))
    );
}
