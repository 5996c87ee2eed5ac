//! What the desk tells a member ([`DeskWatch`]), rule by rule, over successive readings of the
//! pending queue: a notice per request that newly needs them, only a count while locked or on a
//! session's first reading, notices taken down once they no longer hold, and the initiator told
//! how their own request ended and when it is about to expire.

use countersign_app::notices::{DeskWatch, EXPIRY_WARNING_MS, MAX_ONE_BY_ONE, Notice, NoticeTopic};
use countersign_org::view::{ActorKind, ActorRef, DecisionView, Eligibility, RequestView};
use countersign_org::{Decision, RequestPayload, RequestStatus, Workflow};
use rust_decimal_macros::dec;

const ME: &str = "m-ben";
const NOW_MS: i64 = 1_800_000_000_000;

fn actor(id: &str) -> ActorRef {
    ActorRef {
        kind: if id.starts_with("su-") {
            ActorKind::ServiceUser
        } else {
            ActorKind::Member
        },
        id: id.into(),
        name: id.trim_start_matches("m-").trim_start_matches("su-").into(),
    }
}

/// A pending withdrawal by `by`, which the viewer may decide or not.
fn pending(id: &str, by: &str, can_decide: bool) -> RequestView {
    RequestView {
        id: id.into(),
        workflow: Workflow::InitiateWithdrawal,
        status: RequestStatus::Pending,
        initiator: actor(by),
        initiator_key_holder: None,
        payload: RequestPayload::Withdrawal {
            asset: "USDT".into(),
            amount: dec!(1250),
            fee: dec!(1),
            key: "usdt-otc-desk".into(),
            address: "TXyz1".into(),
        },
        summary: format!(
            "{} wants to withdraw 1,250 USDT to usdt-otc-desk",
            actor(by).name
        ),
        required_approvals: 2,
        approvals: 0,
        decisions: Vec::new(),
        created_at: NOW_MS / 1000 - 60,
        updated_at: NOW_MS / 1000 - 60,
        viewer: Eligibility {
            can_decide,
            why_not: (!can_decide).then(|| "not yours to decide".into()),
            approve_blocked: None,
        },
        policy: None,
        expires_at: None,
        policy_changed: false,
        still_eligible: Vec::new(),
        changes: Vec::new(),
        key_to_reveal: false,
        risk: Vec::new(),
        reason: None,
        settlement: None,
        funds: None,
        destination: None,
    }
}

fn mine(id: &str, expires_in_ms: Option<i64>) -> RequestView {
    let mut r = pending(id, ME, false);
    r.expires_at = expires_in_ms.map(|ms| (NOW_MS + ms) / 1000);
    r
}

fn topics(notices: &[Notice]) -> Vec<NoticeTopic> {
    notices.iter().map(|n| n.topic.clone()).collect()
}

/// A watch that has read `queue` once (unlocked).
fn primed(queue: &[RequestView]) -> DeskWatch {
    let mut watch = DeskWatch::new();
    watch.observe(ME, queue, false, NOW_MS);
    watch
}

#[test]
fn the_first_reading_says_only_how_many_wait() {
    let queue = [
        pending("A", "su-payout-bot", true),
        pending("B", "m-eve", true),
    ];
    let reading = DeskWatch::new().observe(ME, &queue, false, NOW_MS);
    assert_eq!(reading.needs_me, 2);
    assert_eq!(topics(&reading.notices), [NoticeTopic::NeedYouCount]);
    assert_eq!(reading.notices[0].title, "2 requests need you");
    // Nothing waiting: nothing said.
    let reading = DeskWatch::new().observe(ME, &[pending("C", "m-eve", false)], false, NOW_MS);
    assert_eq!((reading.needs_me, reading.notices.len()), (0, 0));
}

#[test]
fn each_new_request_that_needs_me_is_told_once_with_its_summary() {
    let mut watch = primed(&[]);
    let queue = [
        pending("A", "su-payout-bot", true),
        pending("B", "m-eve", false),
        pending("C", "m-eve", true),
    ];
    let reading = watch.observe(ME, &queue, false, NOW_MS);
    assert_eq!(reading.needs_me, 2);
    assert_eq!(
        topics(&reading.notices),
        [
            NoticeTopic::NeedsYou("A".into()),
            NoticeTopic::NeedsYou("C".into())
        ]
    );
    assert_eq!(reading.notices[0].title, "A withdrawal needs your decision");
    assert_eq!(
        reading.notices[0].body,
        "payout-bot wants to withdraw 1,250 USDT to usdt-otc-desk"
    );
    // Read again, nothing new: nothing said.
    let again = watch.observe(ME, &queue, false, NOW_MS);
    assert!(again.notices.is_empty() && again.withdrawn.is_empty());
    assert_eq!(again.needs_me, 2);
}

#[test]
fn a_request_that_starts_needing_me_later_is_told_then() {
    // Visible before, but not mine to decide (say, a stop refused it); then it is.
    let mut watch = primed(&[pending("A", "m-eve", false)]);
    let reading = watch.observe(ME, &[pending("A", "m-eve", true)], false, NOW_MS);
    assert_eq!(
        topics(&reading.notices),
        [NoticeTopic::NeedsYou("A".into())]
    );
}

#[test]
fn a_notice_is_taken_down_once_its_request_no_longer_needs_me() {
    let mut watch = primed(&[]);
    watch.observe(
        ME,
        &[pending("A", "m-eve", true), pending("B", "m-eve", true)],
        false,
        NOW_MS,
    );
    // A decided by me (no longer mine to decide), B gone from the queue.
    let reading = watch.observe(ME, &[pending("A", "m-eve", false)], false, NOW_MS);
    assert_eq!(reading.needs_me, 0);
    assert_eq!(
        reading.withdrawn,
        [
            NoticeTopic::NeedsYou("A".into()),
            NoticeTopic::NeedsYou("B".into()),
            NoticeTopic::NeedYouCount
        ]
    );
    assert!(reading.notices.is_empty());
}

#[test]
fn while_locked_a_notice_says_only_how_many_need_me() {
    let mut watch = primed(&[pending("A", "m-eve", true)]);
    let queue = [
        pending("A", "m-eve", true),
        pending("req-b", "su-payout-bot", true),
        pending("req-c", "su-payout-bot", true),
    ];
    let reading = watch.observe(ME, &queue, true, NOW_MS);
    assert_eq!(reading.needs_me, 3);
    assert_eq!(reading.notices.len(), 1);
    let notice = &reading.notices[0];
    assert_eq!(notice.topic, NoticeTopic::NeedYouCount);
    assert_eq!(notice.title, "3 requests need you");
    assert_eq!(
        notice.topic.request_id(),
        None,
        "a click opens the app, not an item"
    );
    for detail in [
        "payout-bot",
        "USDT",
        "1,250",
        "usdt-otc-desk",
        "req-b",
        "req-c",
    ] {
        let text = format!("{} {}", notice.title, notice.body);
        assert!(
            !text.contains(detail),
            "{detail:?} shown while locked: {text}"
        );
    }
    // Unlocked again, the requests told by count are not told one by one after all.
    let after = watch.observe(ME, &queue, false, NOW_MS);
    assert!(after.notices.is_empty());
}

#[test]
fn the_initiator_is_told_when_their_request_leaves_the_queue_and_how_it_ended() {
    let mut watch = primed(&[mine("R", None), pending("X", "m-eve", false)]);
    let reading = watch.observe(ME, &[pending("X", "m-eve", false)], false, NOW_MS);
    assert_eq!(reading.ended, ["R"]);
    // Someone else's request leaving the queue is not the member's news.
    let reading = watch.observe(ME, &[], false, NOW_MS);
    assert!(reading.ended.is_empty());

    let ended = |status: RequestStatus| {
        let mut r = mine("R", None);
        r.status = status;
        r
    };
    let rows = [
        (
            RequestStatus::Completed,
            "Your request was approved and completed",
        ),
        (RequestStatus::Rejected, "Your request was rejected"),
        (RequestStatus::Cancelled, "Your request was cancelled"),
        (RequestStatus::Expired, "Your request expired"),
    ];
    for (status, title) in rows {
        let notice = watch.ended(&ended(status), false).expect("told");
        assert_eq!(notice.topic, NoticeTopic::Yours("R".into()));
        assert_eq!(notice.title, title, "{status:?}");
    }
    assert_eq!(watch.ended(&ended(RequestStatus::Pending), false), None);

    // A rejection says why; locked, nothing but that something changed.
    let mut rejected = ended(RequestStatus::Rejected);
    rejected.decisions.push(DecisionView {
        member: actor("m-chloe"),
        decision: Decision::Reject,
        at: NOW_MS / 1000,
        reason: Some("Wrong destination".into()),
        digest: None,
    });
    let notice = watch.ended(&rejected, false).expect("told");
    assert!(
        notice.body.ends_with("Reason: Wrong destination"),
        "{}",
        notice.body
    );
    let locked = watch.ended(&rejected, true).expect("told");
    assert_eq!(locked.topic, NoticeTopic::YoursLocked);
    assert!(!locked.body.contains("Wrong destination") && !locked.body.contains("USDT"));
}

#[test]
fn the_first_reading_does_not_report_requests_that_ended_before_it() {
    let reading = DeskWatch::new().observe(ME, &[], false, NOW_MS);
    assert!(reading.ended.is_empty());
}

#[test]
fn the_initiator_is_warned_once_when_their_request_is_about_to_expire() {
    // Row by row: time left at the reading → warned?
    let rows = [
        (EXPIRY_WARNING_MS + 1_000, false),
        (EXPIRY_WARNING_MS, true),
        (60_000, true),
        (0, false),       // already expired: the ending says so
        (-60_000, false), // past its expiry, not yet swept
    ];
    for (left, warned) in rows {
        let mut watch = primed(&[]);
        let reading = watch.observe(ME, &[mine("R", Some(left))], false, NOW_MS);
        let said: Vec<&Notice> = reading
            .notices
            .iter()
            .filter(|n| n.topic == NoticeTopic::Yours("R".into()))
            .collect();
        assert_eq!(said.len(), usize::from(warned), "{left} ms left");
        // Inside the warning time, it is never due again (no reading in a loop).
        if left <= EXPIRY_WARNING_MS {
            assert_eq!(watch.next_due_ms(), None, "{left} ms left");
        }
        if warned {
            assert!(
                said[0].title.starts_with("Your request expires in "),
                "{}",
                said[0].title
            );
            assert!(
                said[0].body.ends_with("0 of 2 approvals so far"),
                "{}",
                said[0].body
            );
            // Once only.
            let again = watch.observe(ME, &[mine("R", Some(left))], false, NOW_MS);
            assert!(again.notices.is_empty(), "{left} ms left, read again");
        }
    }
    let mut watch = primed(&[]);
    let reading = watch.observe(ME, &[mine("R", Some(10 * 60_000))], false, NOW_MS);
    assert_eq!(
        reading.notices[0].title,
        "Your request expires in 10 minutes"
    );
}

#[test]
fn the_next_reading_is_due_when_an_own_request_reaches_its_warning() {
    let mut watch = primed(&[]);
    assert_eq!(watch.next_due_ms(), None);
    let in_2h = 2 * 3_600_000;
    watch.observe(
        ME,
        &[mine("R", Some(in_2h)), mine("S", None)],
        false,
        NOW_MS,
    );
    assert_eq!(
        watch.next_due_ms(),
        Some(NOW_MS + in_2h - EXPIRY_WARNING_MS)
    );
    // Warned: no longer due.
    watch.observe(
        ME,
        &[mine("R", Some(in_2h))],
        false,
        NOW_MS + in_2h - EXPIRY_WARNING_MS,
    );
    assert_eq!(watch.next_due_ms(), None);
}

#[test]
fn a_warning_while_locked_has_no_detail() {
    let mut watch = primed(&[]);
    let reading = watch.observe(ME, &[mine("R", Some(60_000))], true, NOW_MS);
    assert_eq!(topics(&reading.notices), [NoticeTopic::YoursLocked]);
}

#[test]
fn a_burst_beyond_the_one_by_one_limit_is_told_as_a_count() {
    let mut watch = primed(&[]);
    let burst: Vec<RequestView> = (0..MAX_ONE_BY_ONE + 3)
        .map(|i| pending(&format!("req-{i:02}"), "su-payout-bot", true))
        .collect();
    let reading = watch.observe(ME, &burst, false, NOW_MS);
    let one_by_one = reading
        .notices
        .iter()
        .filter(|n| matches!(n.topic, NoticeTopic::NeedsYou(_)))
        .count();
    assert_eq!(one_by_one, MAX_ONE_BY_ONE);
    let count = reading.notices.last().expect("a count");
    assert_eq!(count.topic, NoticeTopic::NeedYouCount);
    assert_eq!(
        count.title,
        format!("{} requests need you", MAX_ONE_BY_ONE + 3)
    );
    // Once some are decided, the next arrivals are told one by one again.
    let mut rest: Vec<RequestView> = burst[4..].to_vec();
    rest.push(pending("req-new", "m-eve", true));
    let reading = watch.observe(ME, &rest, false, NOW_MS);
    assert_eq!(
        topics(&reading.notices),
        [NoticeTopic::NeedsYou("req-new".into())]
    );
}
