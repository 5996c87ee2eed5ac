//! Risk flags, flag by flag, each at its boundary.

#![allow(clippy::unwrap_used)] // Tests panic on any surprise.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::fixture::*;
use crate::view::RequestView;
use crate::{
    Actor, FlagKind, Policy, Request, RequestId, RequestPayload, RequestStatus, ServiceUserId,
    risk_flags,
};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// A request made at 10:00 UTC.
const AT: i64 = 1_700_006_400 - 1_700_006_400 % DAY + 10 * HOUR;

/// A request's view as the fixture's Owner sees it.
fn view(
    id: &str,
    by: &Actor,
    payload: RequestPayload,
    status: RequestStatus,
    at: i64,
) -> RequestView {
    let org = org();
    let request = Request {
        id: RequestId(id.into()),
        initiator: by.clone(),
        policy: Some(Policy::requiring(2)),
        payload,
        status,
        decisions: Vec::new(),
        created_at: at,
        updated_at: at,
        reason: None,
    };
    RequestView::new(&request, &member(&org, OWNER), at, &org, |a| {
        org.actor_ref(a)
    })
}

fn sent(id: &str, by: &Actor, amount: Decimal, at: i64) -> RequestView {
    view(id, by, withdrawal(amount), RequestStatus::Completed, at)
}

fn kinds(request: &RequestView, history: &[RequestView]) -> Vec<FlagKind> {
    risk_flags(request, history)
        .iter()
        .map(|f| f.kind)
        .collect()
}

fn pending(by: &Actor, amount: Decimal) -> RequestView {
    view("P", by, withdrawal(amount), RequestStatus::Pending, AT)
}

#[test]
fn the_first_withdrawal_to_an_address_is_flagged_until_one_completed() {
    let now = pending(&m(OFFICER), dec!(1));
    assert_eq!(kinds(&now, &[]), [FlagKind::FirstToDestination]);
    // A rejected one, or a later one, does not count.
    let rejected = view(
        "R",
        &m(LEAD),
        withdrawal(dec!(1)),
        RequestStatus::Rejected,
        AT - DAY,
    );
    let later = sent("L", &m(LEAD), dec!(1), AT + 1);
    assert_eq!(
        kinds(&now, &[rejected, later]),
        [FlagKind::FirstToDestination]
    );
    let before = sent("B", &m(LEAD), dec!(1), AT - 1);
    assert_eq!(kinds(&now, &[before]), []);
    let f = &risk_flags(&now, &[])[0];
    assert_eq!(
        f.why,
        format!("no earlier withdrawal went to {COLD} ({COLD_ADDRESS})")
    );
}

#[test]
fn a_destination_added_or_renamed_within_24_hours_or_after_the_request_is_new() {
    let now = pending(&m(OFFICER), dec!(1));
    let history = |added_at: i64, payload: RequestPayload| {
        vec![
            sent("B", &m(LEAD), dec!(1), AT - 2 * DAY),
            view("A", &m(ADMIN), payload, RequestStatus::Completed, added_at),
        ]
    };
    let add = RequestPayload::AddAddress {
        key: COLD.into(),
        asset: "BTC".into(),
        method: "Bitcoin".into(),
        address: COLD_ADDRESS.into(),
    };
    let rename = RequestPayload::RelabelAddress {
        key: "old-cold".into(),
        new_key: COLD.into(),
    };
    // (when, payload, flagged)
    let rows = [
        (AT - DAY, add.clone(), false),    // exactly 24 h before: not new
        (AT - DAY + 1, add.clone(), true), // just inside 24 h
        (AT + HOUR, add.clone(), true),    // after the request was made
        (AT - 2 * HOUR, rename.clone(), true),
        (AT - 3 * DAY, rename, false),
    ];
    for (at, payload, flagged) in rows {
        let found = kinds(&now, &history(at, payload.clone())).contains(&FlagKind::NewDestination);
        assert_eq!(found, flagged, "{payload:?} at {}", at - AT);
    }
    let flags = risk_flags(&now, &history(AT - 2 * HOUR, add));
    assert_eq!(
        flags[0].why,
        format!("{COLD} was added 2 h before this request (A)")
    );
}

/// The destination's naming, for the detail: the latest completed request that added the
/// entry or renamed one to it, with who asked; none when the entry predates the history.
#[test]
fn the_destination_is_named_by_its_latest_completed_add_or_rename() {
    let add = RequestPayload::AddAddress {
        key: COLD.into(),
        asset: "BTC".into(),
        method: "Bitcoin".into(),
        address: COLD_ADDRESS.into(),
    };
    let rename = RequestPayload::RelabelAddress {
        key: "old-cold".into(),
        new_key: COLD.into(),
    };
    assert_eq!(
        crate::destination_named(COLD, &[]),
        None,
        "predates the history"
    );
    let history = vec![
        view(
            "A",
            &m(ADMIN),
            add.clone(),
            RequestStatus::Completed,
            AT - 3 * DAY,
        ),
        view("R", &m(OWNER), rename, RequestStatus::Completed, AT - DAY),
        // Pending or rejected requests name nothing.
        view(
            "P",
            &m(ADMIN),
            add.clone(),
            RequestStatus::Pending,
            AT - HOUR,
        ),
        view("X", &m(ADMIN), add, RequestStatus::Rejected, AT - HOUR),
    ];
    let named = crate::destination_named(COLD, &history).expect("named");
    assert_eq!(
        (named.verb.as_str(), named.at, named.request_id.as_str()),
        ("renamed", AT - DAY, "R")
    );
    assert_eq!(named.by.id, OWNER);
    assert_eq!(crate::destination_named("elsewhere", &history), None);
}

#[test]
fn an_amount_above_five_times_the_initiators_median_is_large_once_there_are_five() {
    let bot = su(BOT);
    let history = |amounts: &[Decimal]| -> Vec<RequestView> {
        amounts
            .iter()
            .enumerate()
            .map(|(i, a)| sent(&format!("H{i}"), &bot, *a, AT - DAY * (i as i64 + 1)))
            .collect()
    };
    let four = history(&[dec!(1); 4]);
    assert!(!kinds(&pending(&bot, dec!(100)), &four).contains(&FlagKind::LargeAmount));
    let five = history(&[dec!(1), dec!(1), dec!(2), dec!(3), dec!(1)]);
    // The median is 1: 5 is not above 5×, 5.00000001 is.
    assert!(!kinds(&pending(&bot, dec!(5)), &five).contains(&FlagKind::LargeAmount));
    let large = pending(&bot, dec!(5.00000001));
    assert!(kinds(&large, &five).contains(&FlagKind::LargeAmount));
    let why = risk_flags(&large, &five)
        .into_iter()
        .find(|f| f.kind == FlagKind::LargeAmount)
        .unwrap()
        .why;
    assert_eq!(
        why,
        "5.00000001 BTC is above 5× the median (1 BTC) of treasury-bot's last 5 withdrawals of BTC"
    );
    // Another initiator's history says nothing about this one.
    assert!(!kinds(&pending(&m(OFFICER), dec!(100)), &five).contains(&FlagKind::LargeAmount));
    // Only the last 50 count: 60 old large ones, then 50 small ones.
    let mut many: Vec<Decimal> = vec![dec!(1); 50];
    many.extend(vec![dec!(1000); 60]);
    assert!(kinds(&pending(&bot, dec!(10)), &history(&many)).contains(&FlagKind::LargeAmount));
}

#[test]
fn a_request_outside_the_usual_hours_is_flagged_once_there_are_twenty_to_learn_from() {
    // Requests at 09:00, 10:00 and 11:00 UTC on earlier days.
    let history = |n: usize| -> Vec<RequestView> {
        (0..n)
            .map(|i| {
                let day = AT - AT % DAY - DAY * (i as i64 + 1);
                sent(
                    &format!("H{i}"),
                    &m(LEAD),
                    dec!(1),
                    day + (9 + (i as i64 % 3)) * HOUR,
                )
            })
            .collect()
    };
    let at = |hour: i64| {
        view(
            "P",
            &m(OFFICER),
            withdrawal(dec!(1)),
            RequestStatus::Pending,
            AT - AT % DAY + hour * HOUR,
        )
    };
    assert!(!kinds(&at(3), &history(19)).contains(&FlagKind::UnusualHour));
    let twenty = history(20);
    assert!(kinds(&at(3), &twenty).contains(&FlagKind::UnusualHour));
    assert!(!kinds(&at(10), &twenty).contains(&FlagKind::UnusualHour));
    let why = risk_flags(&at(3), &twenty)
        .into_iter()
        .find(|f| f.kind == FlagKind::UnusualHour)
        .unwrap()
        .why;
    assert_eq!(
        why,
        "made at 03:00–04:00 UTC; 90% of the Organization's 20 earlier requests arrived 09:00–12:00 UTC"
    );
}

#[test]
fn a_changed_policy_and_a_bots_key_changed_within_a_week_are_flagged() {
    let bot = su(BOT);
    let mut now = pending(&bot, dec!(1));
    let history = vec![sent("B", &m(LEAD), dec!(1), AT - DAY)];
    assert_eq!(kinds(&now, &history), []);
    now.policy_changed = true;
    assert_eq!(kinds(&now, &history), [FlagKind::PolicyChanged]);
    now.policy_changed = false;
    let change = |at: i64| {
        view(
            "K",
            &m(ADMIN),
            RequestPayload::ChangeServiceUserKey {
                service_user: ServiceUserId(BOT.into()),
                key: key(&[crate::Scope::FundsWithdraw]),
            },
            RequestStatus::Completed,
            at,
        )
    };
    for (at, flagged) in [
        (AT - 7 * DAY, false),
        (AT - 7 * DAY + 1, true),
        (AT + 1, true),
    ] {
        let mut h = history.clone();
        h.push(change(at));
        assert_eq!(
            kinds(&now, &h).contains(&FlagKind::KeyChanged),
            flagged,
            "{}",
            at - AT
        );
    }
    // A member's withdrawal has no key to have changed.
    let mut h = history;
    h.push(change(AT - HOUR));
    assert!(!kinds(&pending(&m(OFFICER), dec!(1)), &h).contains(&FlagKind::KeyChanged));
}
