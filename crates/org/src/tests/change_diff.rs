//! The change diff (`key_diff`, `Org::change_diff`), row by row: each key setting's direction,
//! IP allow-lists that widen and narrow at once, scopes with their consequence, and the
//! consequences of member and policy changes on the Organization as a whole.

use super::fixture::*;
use crate::{
    Actor, ApiKeySpec, ChangeLine, Context, Direction, KeySettings, MemberId, Permissions, Policy,
    RequestPayload, Scope, ServiceUserId, Verdict, Workflow, WorkflowPermission, key_diff,
};

const L: Option<Direction> = Some(Direction::Loosening);
const T: Option<Direction> = Some(Direction::Tightening);

/// 2027-01-31 00:00 UTC and 2026-01-01 00:00 UTC.
const JAN_31_2027: i64 = 1_801_353_600;
const JAN_1_2026: i64 = 1_767_225_600;

fn spec(settings: KeySettings) -> ApiKeySpec {
    ApiKeySpec {
        scopes: [Scope::FundsQuery].into_iter().collect(),
        settings,
    }
}

fn ips(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A line's `(field, direction)`.
type Shape<'a> = (&'a str, Option<Direction>);

/// `(field, direction)` of each line.
fn shape(lines: &[ChangeLine]) -> Vec<Shape<'_>> {
    lines
        .iter()
        .map(|l| (l.field.as_str(), l.direction))
        .collect()
}

#[test]
fn each_setting_change_has_its_direction() {
    let d = KeySettings::default;
    #[rustfmt::skip]
    let rows: Vec<(&str, KeySettings, KeySettings, Vec<Shape>)> = vec![
        ("expiry set", d(), KeySettings { valid_until: JAN_31_2027, ..d() }, vec![("valid_until", T)]),
        ("expiry removed", KeySettings { valid_until: JAN_31_2027, ..d() }, d(), vec![("valid_until", L)]),
        ("expiry later", KeySettings { valid_until: JAN_1_2026, ..d() }, KeySettings { valid_until: JAN_31_2027, ..d() }, vec![("valid_until", L)]),
        ("expiry earlier", KeySettings { valid_until: JAN_31_2027, ..d() }, KeySettings { valid_until: JAN_1_2026, ..d() }, vec![("valid_until", T)]),
        ("window start set", d(), KeySettings { query_from: JAN_1_2026, ..d() }, vec![("query_from", T)]),
        ("window start later", KeySettings { query_from: JAN_1_2026, ..d() }, KeySettings { query_from: JAN_31_2027, ..d() }, vec![("query_from", T)]),
        ("window start removed", KeySettings { query_from: JAN_1_2026, ..d() }, d(), vec![("query_from", L)]),
        ("window end set", d(), KeySettings { query_to: JAN_31_2027, ..d() }, vec![("query_to", T)]),
        ("window end later", KeySettings { query_to: JAN_1_2026, ..d() }, KeySettings { query_to: JAN_31_2027, ..d() }, vec![("query_to", L)]),
        ("window end removed", KeySettings { query_to: JAN_1_2026, ..d() }, d(), vec![("query_to", L)]),
        ("websocket on", d(), KeySettings { websocket: true, ..d() }, vec![("websocket", L)]),
        ("websocket off", KeySettings { websocket: true, ..d() }, d(), vec![("websocket", T)]),
        ("nonce window wider", d(), KeySettings { nonce_window: 5000, ..d() }, vec![("nonce_window", L)]),
        ("nonce window narrower", KeySettings { nonce_window: 5000, ..d() }, KeySettings { nonce_window: 100, ..d() }, vec![("nonce_window", T)]),
        ("allow-list set", d(), KeySettings { ip_allowlist: ips(&["10.0.0.0/8"]), ..d() }, vec![("ip_allowlist", T)]),
        ("allow-list cleared", KeySettings { ip_allowlist: ips(&["10.0.0.0/8"]), ..d() }, d(), vec![("ip_allowlist", L)]),
        ("allow-list widened", KeySettings { ip_allowlist: ips(&["10.1.0.0/16"]), ..d() }, KeySettings { ip_allowlist: ips(&["10.0.0.0/8"]), ..d() }, vec![("ip_allowlist", L)]),
        ("allow-list narrowed", KeySettings { ip_allowlist: ips(&["10.0.0.0/8"]), ..d() }, KeySettings { ip_allowlist: ips(&["10.1.0.0/16"]), ..d() }, vec![("ip_allowlist", T)]),
        ("allow-list both", KeySettings { ip_allowlist: ips(&["10.0.0.0/8"]), ..d() }, KeySettings { ip_allowlist: ips(&["10.1.0.0/16", "192.0.2.7"]), ..d() }, vec![("ip_allowlist", L), ("ip_allowlist", T)]),
        ("allow-list same addresses", KeySettings { ip_allowlist: ips(&["10.0.0.0/8"]), ..d() }, KeySettings { ip_allowlist: ips(&["10.0.0.0/9", "10.128.0.0/9"]), ..d() }, vec![("ip_allowlist", None)]),
        ("allow-list reordered", KeySettings { ip_allowlist: ips(&["10.0.0.1", "10.0.0.2"]), ..d() }, KeySettings { ip_allowlist: ips(&["10.0.0.2", "10.0.0.1"]), ..d() }, vec![("ip_allowlist", None)]),
        ("nothing", KeySettings { websocket: true, ..d() }, KeySettings { websocket: true, ..d() }, vec![]),
    ];
    for (name, before, after, expected) in rows {
        let lines = key_diff(Some(&spec(before)), Some(&spec(after)), None);
        assert_eq!(shape(&lines), expected, "{name}: {lines:#?}");
    }
}

#[test]
fn lines_say_what_changes_in_words() {
    let never = spec(KeySettings::default());
    let texts = |before: &ApiKeySpec, after: &ApiKeySpec| -> Vec<String> {
        key_diff(Some(before), Some(after), None)
            .into_iter()
            .map(|l| l.text)
            .collect()
    };
    let expiring = spec(KeySettings {
        valid_until: JAN_31_2027,
        ..KeySettings::default()
    });
    assert_eq!(
        texts(&never, &expiring),
        ["expires 2027-01-31 instead of never"]
    );
    let at_noon = spec(KeySettings {
        valid_until: JAN_31_2027 + 12 * 3600,
        ..KeySettings::default()
    });
    assert_eq!(
        texts(&expiring, &at_noon),
        ["expires 2027-01-31 12:00 UTC instead of 2027-01-31"]
    );
    let window = spec(KeySettings {
        query_from: JAN_1_2026,
        query_to: JAN_31_2027,
        ..KeySettings::default()
    });
    assert_eq!(
        texts(&never, &window),
        [
            "queries see entries from 2026-01-01 instead of from the beginning",
            "queries see entries before 2027-01-31 instead of up to now"
        ]
    );
    let office = spec(KeySettings {
        ip_allowlist: ips(&["10.0.0.0/8"]),
        ..KeySettings::default()
    });
    assert_eq!(
        texts(&office, &never),
        ["IP allow-list widened from 10.0.0.0/8 to any address"]
    );
    let both = spec(KeySettings {
        ip_allowlist: ips(&["10.1.0.0/16", "192.0.2.7"]),
        ..KeySettings::default()
    });
    assert_eq!(
        texts(&office, &both),
        [
            "IP allow-list widened: now admits 192.0.2.7",
            "IP allow-list narrowed: no longer admits all of 10.0.0.0/8"
        ]
    );
}

#[test]
fn wide_allow_list_entries_are_warned_about_once() {
    let d = KeySettings::default;
    let before = spec(KeySettings {
        ip_allowlist: ips(&["192.0.2.0/24"]),
        ..d()
    });
    let after = spec(KeySettings {
        ip_allowlist: ips(&["192.0.2.0/24", "0.0.0.0/0", "::/0", "2001:db8::/16"]),
        ..d()
    });
    let lines = key_diff(Some(&before), Some(&after), None);
    let warned: Vec<&str> = lines
        .iter()
        .filter(|l| l.warning)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        warned,
        [
            "IP allow-list entry 0.0.0.0/0 admits every IPv4 address",
            "IP allow-list entry ::/0 admits every IPv6 address",
            "IP allow-list entry 2001:db8::/16 admits a range wider than a /32 (IPv6)",
        ]
    );
    // Keeping a wide entry that was already there warns no more.
    assert!(
        key_diff(Some(&after), Some(&after), None).is_empty(),
        "no change, no line"
    );
}

#[test]
fn withdraw_names_what_each_withdrawal_will_go_through() {
    let before = spec(KeySettings::default());
    let mut after = before.clone();
    after.scopes.insert(Scope::FundsWithdraw);
    let under = |policy| key_diff(Some(&before), Some(&after), policy);
    let queued = under(Some(Policy::requiring(2)));
    assert_eq!(
        queued[0].text,
        "gains Withdraw (funds_withdraw) — each withdrawal queued for 2 approvals under the current policy"
    );
    assert_eq!((queued[0].direction, queued[0].warning), (L, false));
    let open = under(None);
    assert!(
        open[0]
            .text
            .ends_with("completes at once: Initiate Withdrawal has no policy")
    );
    assert!(
        open[0].warning,
        "a bot withdrawing with no policy is a warning"
    );
    let lost = key_diff(Some(&after), Some(&before), None);
    assert_eq!(shape(&lost), [("funds_withdraw", T)]);
}

#[test]
fn a_created_key_lists_what_it_may_do_and_a_removed_one_stops() {
    let new = ApiKeySpec {
        scopes: [Scope::LedgerQuery].into_iter().collect(),
        settings: KeySettings {
            ip_allowlist: ips(&["192.0.2.7"]),
            query_from: JAN_1_2026,
            ..KeySettings::default()
        },
    };
    let created = key_diff(None, Some(&new), None);
    assert_eq!(
        created.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        [
            "gains Query ledger entries (ledger_query)",
            "queries see entries from 2026-01-01 on",
            "works only from 192.0.2.7",
        ]
    );
    let removed = key_diff(Some(&new), None, None);
    assert_eq!(shape(&removed), [("service_user", T)]);
}

#[test]
fn the_preview_carries_the_diff_and_warns_in_its_trace() {
    let org = org();
    let mut key = org.service_users[&ServiceUserId(REPORTER.into())]
        .key
        .clone();
    key.scopes.insert(Scope::FundsWithdraw);
    key.settings.ip_allowlist = ips(&["0.0.0.0/0"]);
    let payload = RequestPayload::ChangeServiceUserKey {
        service_user: ServiceUserId(REPORTER.into()),
        key,
    };
    let preview = org.preview(
        &Actor::Member(MemberId(ADMIN.into())),
        &payload,
        false,
        T0,
        &Context::default(),
    );
    assert_eq!(preview.changes, org.change_diff(&payload));
    assert!(
        preview.changes[0].text.starts_with(
            "gains Withdraw (funds_withdraw) — each withdrawal queued for 2 approvals"
        )
    );
    let warned: Vec<&str> = preview
        .trace
        .iter()
        .filter(|s| s.verdict == Verdict::Warn && s.rule == "change.warning")
        .map(|s| s.detail.as_str())
        .collect();
    assert_eq!(
        warned,
        ["IP allow-list entry 0.0.0.0/0 admits every IPv4 address"]
    );
}

#[test]
fn a_member_change_warns_of_approvers_falling_short_and_of_solo_completion() {
    let org = org();
    // Initiate Withdrawal needs 2; Owen, Tess and Lena hold Approve on it. Tess losing Approve
    // leaves 2: a request Owen or Lena initiates could then never complete.
    let tess_without_approve = Permissions::none().with(
        Workflow::InitiateWithdrawal,
        &[WorkflowPermission::View, WorkflowPermission::Initiate],
    );
    let lines = org.change_diff(&RequestPayload::ChangeMemberPermissions {
        member: MemberId(OFFICER.into()),
        permissions: tess_without_approve,
        account: Default::default(),
    });
    assert_eq!(
        shape(&lines),
        [("permissions", T), ("approvers", T)],
        "{lines:#?}"
    );
    assert_eq!(
        lines[1].text,
        "Initiate Withdrawal would have 2 members holding Approve for 2 required approvals: a request one of them initiates could never complete"
    );
    assert!(lines[1].warning);

    // Manage Addresses has no policy: granting Initiate lets Tess complete it alone.
    let tess_adds = org.member(&MemberId(OFFICER.into())).map(|m| {
        m.permissions
            .with(Workflow::ManageAddresses, &[WorkflowPermission::Initiate])
    });
    let lines = org.change_diff(&RequestPayload::ChangeMemberPermissions {
        member: MemberId(OFFICER.into()),
        permissions: tess_adds.expect("Tess"),
        account: Default::default(),
    });
    assert_eq!(
        lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        [
            "gains Initiate on Manage Addresses",
            "Tess could complete Manage Addresses requests alone"
        ]
    );

    // A policy allowing Execute lets Lena and Owen (who hold it) complete withdrawals alone.
    let lines = org.change_diff(&RequestPayload::ChangePolicy {
        workflow: Workflow::InitiateWithdrawal,
        policy: Some(Policy {
            always_require_approval: false,
            ..Policy::requiring(2)
        }),
    });
    let solo: Vec<&str> = lines
        .iter()
        .filter(|l| l.field == "solo")
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        solo,
        [
            "Ezra could complete Initiate Withdrawal requests alone",
            "Lena could complete Initiate Withdrawal requests alone",
            "Owen could complete Initiate Withdrawal requests alone",
        ]
    );
    // Raising N to 3 with three approvers: their own requests could never complete.
    let lines = org.change_diff(&RequestPayload::ChangePolicy {
        workflow: Workflow::InitiateWithdrawal,
        policy: Some(Policy::requiring(3)),
    });
    assert_eq!(
        shape(&lines),
        [("policy.required_approvals", T), ("approvers", T)]
    );
}

#[test]
fn withdrawals_and_invalid_payloads_change_nothing_listed() {
    let org = org();
    let withdrawal = RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: rust_decimal_macros::dec!(1),
        fee: rust_decimal_macros::dec!(0),
        key: COLD.into(),
        address: COLD_ADDRESS.into(),
    };
    assert!(org.change_diff(&withdrawal).is_empty());
    let unknown = RequestPayload::RemoveServiceUser {
        service_user: ServiceUserId("nobody".into()),
    };
    assert!(org.change_diff(&unknown).is_empty());
}
