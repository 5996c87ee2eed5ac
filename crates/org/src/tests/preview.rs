//! `Org::preview` / `Org::submit`: the decision on each path, the trace, `missing`, and that
//! submitting does exactly what the preview said.

use rust_decimal_macros::dec;

use super::fixture::*;
use crate::{
    Actor, Context, MemberId, Org, Permissions, Policy, Preview, PreviewDecision, RequestId,
    RequestPayload, RequestStatus, Verdict, Workflow,
};

const W: Workflow = Workflow::InitiateWithdrawal;

fn preview(org: &Org, actor: &Actor, payload: &RequestPayload, execute: bool) -> Preview {
    org.preview(actor, payload, execute, T0, &Context::default())
}

fn rules(p: &Preview) -> Vec<&str> {
    p.trace.iter().map(|t| t.rule.as_str()).collect()
}

fn step<'p>(p: &'p Preview, rule: &str) -> &'p crate::TraceStep {
    p.trace
        .iter()
        .find(|t| t.rule == rule)
        .unwrap_or_else(|| panic!("no step {rule} in {:?}", rules(p)))
}

fn reason(p: &Preview) -> &str {
    match &p.decision {
        PreviewDecision::NotPermitted { reason } => reason,
        other => panic!("expected NotPermitted, got {other:?}"),
    }
}

#[test]
fn immediate_via_no_policy() {
    let mut org = org();
    org.policies.remove(&W);
    let p = preview(&org, &m(OFFICER), &withdraw(), false);
    assert_eq!(p.decision, PreviewDecision::CompletesImmediately);
    assert_eq!(
        rules(&p),
        ["initiator.permission", "payload.valid", "policy.none"]
    );
    assert_eq!(step(&p, "policy.none").verdict, Verdict::Decides);
}

#[test]
fn immediate_via_execute() {
    let mut org = org();
    org.policies.insert(W, execute_allowed(2));
    let p = preview(&org, &m(LEAD), &withdraw(), true);
    assert_eq!(p.decision, PreviewDecision::CompletesImmediately);
    assert_eq!(
        rules(&p),
        [
            "initiator.permission",
            "payload.valid",
            "policy.required_approvals",
            "execute"
        ]
    );
    assert_eq!(step(&p, "execute").verdict, Verdict::Decides);
    assert!(
        step(&p, "initiator.permission")
            .detail
            .contains("Initiate and Execute")
    );
}

#[test]
fn queued_lists_eligible_approvers_by_name_without_the_initiator() {
    let org = org();
    let p = preview(&org, &m(OFFICER), &withdraw(), false);
    assert_eq!(
        p.decision,
        PreviewDecision::Queued {
            required_approvals: 2,
            eligible_count: 2,
            eligible_approvers: vec![org.actor_ref(&m(LEAD)), org.actor_ref(&m(OWNER))],
            reachable: true,
        }
    );
    assert_eq!(
        eligible_names(&p.decision),
        ["Lena", "Owen"],
        "Tess initiated: not eligible"
    );
    assert_eq!(
        rules(&p),
        [
            "initiator.permission",
            "payload.valid",
            "policy.required_approvals",
            "queue",
            "invariant.no_self_approval",
            "approvers.eligible"
        ]
    );
    assert_eq!(step(&p, "queue").verdict, Verdict::Decides);
    assert_eq!(step(&p, "approvers.eligible").verdict, Verdict::Pass);
    assert!(step(&p, "approvers.eligible").detail.contains("Lena, Owen"));
    // A service user's request: every approver is eligible.
    let bot = preview(&org, &su(BOT), &withdraw(), false);
    assert_eq!(eligible_names(&bot.decision), ["Lena", "Owen", "Tess"]);
    assert_eq!(
        rules(&bot),
        [
            "service_user.scope",
            "payload.valid",
            "policy.required_approvals",
            "service_user.never_executes",
            "approvers.eligible"
        ]
    );
}

#[test]
fn queued_notes_when_the_initiator_could_execute_instead() {
    let mut org = org();
    org.policies.insert(W, execute_allowed(1));
    let p = preview(&org, &m(LEAD), &withdraw(), false);
    let r = rules(&p);
    let note = r
        .iter()
        .position(|x| *x == "execute.available")
        .expect("noted");
    let queue = r.iter().position(|x| *x == "queue").expect("decided");
    assert!(note < queue);
    assert_eq!(step(&p, "execute.available").verdict, Verdict::Note);
}

#[test]
fn queued_warns_when_n_is_unreachable() {
    let mut org = org();
    org.policies.insert(W, Policy::requiring(3));
    let p = preview(&org, &m(OFFICER), &withdraw(), false);
    assert!(matches!(
        p.decision,
        PreviewDecision::Queued {
            reachable: false,
            required_approvals: 3,
            ..
        }
    ));
    assert_eq!(step(&p, "approvers.eligible").verdict, Verdict::Warn);
    // From a service user, Tess counts too: 3 of 3.
    let p = preview(&org, &su(BOT), &withdraw(), false);
    assert!(matches!(
        p.decision,
        PreviewDecision::Queued {
            reachable: true,
            ..
        }
    ));
}

#[test]
fn queued_with_expiry_ends_with_the_expiry_note() {
    let mut org = org();
    org.policies.insert(
        W,
        Policy {
            expires_after: Some(3600),
            ..Policy::requiring(2)
        },
    );
    let p = preview(&org, &m(OFFICER), &withdraw(), false);
    let last = p.trace.last().expect("a trace");
    assert_eq!(
        (last.rule.as_str(), last.verdict),
        ("policy.expires_after", Verdict::Note)
    );
    assert!(last.detail.contains("3600"));
}

#[test]
fn not_permitted_names_the_missing_permission() {
    let org = org();
    let p = preview(&org, &m(AUDITOR), &withdraw(), true);
    let r = reason(&p);
    assert!(
        r.contains("Aude")
            && r.contains("Initiate")
            && r.contains("Execute")
            && r.contains("Initiate Withdrawal"),
        "{r}"
    );
    assert_eq!(rules(&p), ["initiator.permission"]);
}

#[test]
fn not_permitted_names_the_missing_scope() {
    let p = preview(&org(), &su(REPORTER), &withdraw(), false);
    assert!(
        reason(&p).contains("Withdraw permission (funds_withdraw)"),
        "{}",
        reason(&p)
    );
    assert_eq!(rules(&p), ["service_user.scope"]);
}

#[test]
fn not_permitted_names_the_setting() {
    let mut org = org();
    org.service_users
        .get_mut(&crate::ServiceUserId(BOT.into()))
        .expect("bot")
        .key
        .settings
        .valid_until = T0;
    let p = preview(&org, &su(BOT), &withdraw(), false);
    assert!(reason(&p).contains("valid_until"), "{}", reason(&p));
    assert_eq!(rules(&p), ["service_user.scope", "service_user.key_expiry"]);
}

#[test]
fn not_permitted_for_strangers_and_for_service_users_off_withdrawals() {
    let org = org();
    let ghost = Actor::Member(MemberId("ghost".into()));
    assert_eq!(
        rules(&preview(&org, &ghost, &withdraw(), false)),
        ["initiator.exists"]
    );
    let nobot = Actor::ServiceUser(crate::ServiceUserId("nobot".into()));
    assert_eq!(
        rules(&preview(&org, &nobot, &withdraw(), false)),
        ["initiator.exists"]
    );
    let p = preview(&org, &su(BOT), &add_address("x"), false);
    assert_eq!(rules(&p), ["service_user.workflow"]);
    assert!(reason(&p).contains("Manage Addresses"));
}

#[test]
fn not_permitted_for_an_invalid_payload_after_the_initiator_passes() {
    let p = preview(&org(), &m(OFFICER), &withdrawal(dec!(0)), false);
    assert_eq!(rules(&p), ["initiator.permission", "payload.valid"]);
    assert_eq!(p.trace[1].verdict, Verdict::Fail);
    assert!(reason(&p).contains("amount"));
}

#[test]
fn missing_names_the_balance_when_it_is_unknown() {
    let org = org();
    let p = preview(&org, &m(OFFICER), &withdraw(), false);
    assert!(!rules(&p).contains(&"funds.available"));
    assert_eq!(p.missing.len(), 1);
    assert!(
        p.missing[0].contains("available BTC balance"),
        "{:?}",
        p.missing
    );
    // Not for a payload that moves no funds.
    assert!(
        preview(&org, &m(ADMIN), &add_address("x"), false)
            .missing
            .is_empty()
    );
}

#[test]
fn insufficient_funds_is_not_permitted_when_the_balance_is_known() {
    let org = org();
    // 0.5 BTC + 0.0001 fee = 0.5001 needed.
    let short = Context {
        available: Some(dec!(0.5)),
    };
    let p = org.preview(&m(OFFICER), &withdraw(), false, T0, &short);
    assert_eq!(
        rules(&p),
        ["initiator.permission", "payload.valid", "funds.available"]
    );
    assert!(
        reason(&p).contains("0.5 BTC is available") && reason(&p).contains("0.5001"),
        "{}",
        reason(&p)
    );
    assert!(p.missing.is_empty());
    let r = org
        .submit(
            RequestId("R1".into()),
            &m(OFFICER),
            withdraw(),
            false,
            T0,
            &short,
        )
        .expect_err("refused");
    assert_eq!(*r.preview, p);
    let exact = Context {
        available: Some(dec!(0.5001)),
    };
    let p = org.preview(&m(OFFICER), &withdraw(), false, T0, &exact);
    assert_eq!(step(&p, "funds.available").verdict, Verdict::Pass);
    assert!(matches!(p.decision, PreviewDecision::Queued { .. }));
    assert!(p.missing.is_empty());
}

#[test]
fn lock_preview_runs_the_lock_check_before_the_policy() {
    let p = preview(
        &org(),
        &m(ADMIN),
        &RequestPayload::LockPolicy { workflow: W },
        false,
    );
    assert_eq!(
        rules(&p),
        [
            "initiator.permission",
            "payload.valid",
            "lock.check",
            "policy.none"
        ]
    );
}

/// Every rule the trace may name, in the order the procedure consults them.
const ORDER: [&str; 21] = [
    "initiator.exists",
    "initiator.permission",
    "service_user.workflow",
    "service_user.scope",
    "service_user.key_expiry",
    "payload.valid",
    "policy.locked",
    "funds.available",
    "lock.precondition",
    "lock.reachable",
    "lock.check",
    "change.warning",
    "policy.none",
    "policy.required_approvals",
    "service_user.never_executes",
    "execute",
    "execute.permission",
    "policy.always_require_approval",
    "execute.available",
    "queue",
    "invariant.no_self_approval",
];

/// Checks the trace's shape: rules in the procedure's order, one Fail (last) when refused, a
/// Decides step otherwise. Shared with the property tests.
pub(crate) fn assert_trace_shape(p: &Preview) {
    let pos = |rule: &str| {
        let extra = ["approvers.eligible", "policy.expires_after"];
        ORDER
            .iter()
            .chain(extra.iter())
            .position(|r| *r == rule)
            .unwrap_or_else(|| panic!("unknown rule {rule}"))
    };
    let fails = p
        .trace
        .iter()
        .filter(|t| t.verdict == Verdict::Fail)
        .count();
    match &p.decision {
        PreviewDecision::NotPermitted { reason } => {
            assert_eq!(fails, 1, "{:?}", rules(p));
            let last = p.trace.last().expect("a failing step");
            assert_eq!((last.verdict, &last.detail), (Verdict::Fail, reason));
        }
        _ => {
            assert_eq!(fails, 0, "{:?}", rules(p));
            assert!(
                p.trace.iter().any(|t| t.verdict == Verdict::Decides),
                "{:?}",
                rules(p)
            );
        }
    }
    // policy.locked may appear as the refusal (after payload.valid's position) or as the deciding
    // step of a locked change; change.warning repeats, once per warning; everything else
    // follows ORDER.
    let mut ordered: Vec<usize> = p
        .trace
        .iter()
        .filter(|t| t.rule != "policy.locked")
        .map(|t| pos(&t.rule))
        .collect();
    let warning = pos("change.warning");
    ordered.dedup_by(|a, b| a == b && *a == warning);
    assert!(
        ordered.windows(2).all(|w| w[0] < w[1]),
        "out of order: {:?}",
        rules(p)
    );
}

#[test]
fn submit_does_what_preview_decides() {
    let mut org = org();
    org.policies
        .insert(Workflow::ManageAddresses, execute_allowed(1));
    let ctx = Context::default();
    let actors = [
        m(OWNER),
        m(OFFICER),
        m(LEAD),
        m(EXECUTOR),
        m(AUDITOR),
        m(ADMIN),
        su(BOT),
        su(REPORTER),
    ];
    let payloads = [
        withdraw(),
        withdrawal(dec!(-1)),
        add_address("eth-hot"),
        RequestPayload::InviteMember {
            name: "Nina".into(),
            permissions: Permissions::none(),
            account: Default::default(),
        },
        RequestPayload::LockPolicy { workflow: W },
        RequestPayload::ChangePolicy {
            workflow: W,
            policy: None,
        },
    ];
    let mut seen = std::collections::BTreeSet::new();
    for actor in &actors {
        for payload in &payloads {
            for execute in [false, true] {
                let p = org.preview(actor, payload, execute, T0, &ctx);
                assert_trace_shape(&p);
                let id = RequestId("R5".into());
                match org.submit(id.clone(), actor, payload.clone(), execute, T0, &ctx) {
                    Ok(s) => {
                        assert_eq!(s.preview, p);
                        let expected = match p.decision {
                            PreviewDecision::CompletesImmediately => RequestStatus::Completed,
                            PreviewDecision::Queued { .. } => RequestStatus::Pending,
                            PreviewDecision::NotPermitted { .. } => {
                                panic!("submitted what preview refused")
                            }
                        };
                        let r = s.request;
                        assert_eq!(r.status, expected);
                        assert_eq!((&r.id, &r.initiator, &r.payload), (&id, actor, payload));
                        assert_eq!(r.policy, org.governing_policy(payload));
                        assert_eq!((r.created_at, r.updated_at), (T0, T0));
                        assert!(r.decisions.is_empty());
                        seen.insert(expected.as_str());
                    }
                    Err(refused) => {
                        assert_eq!(*refused.preview, p);
                        assert_eq!(
                            p.decision,
                            PreviewDecision::NotPermitted {
                                reason: refused.reason.clone()
                            }
                        );
                        seen.insert("refused");
                    }
                }
            }
        }
    }
    assert_eq!(seen.len(), 3, "the table covers every outcome: {seen:?}");
}

// In a large Organization the preview counts every eligible approver but names only the first
// NAMED_APPROVERS by name, and says how many more there are.
#[test]
fn a_large_queue_is_counted_in_full_and_named_in_part() {
    let mut org = org();
    for i in 0..40 {
        let id = MemberId(format!("extra-{i:02}"));
        org.members.insert(
            id.clone(),
            crate::Member {
                id,
                name: format!("Zed {i:02}"),
                is_owner: false,
                permissions: Permissions::none().with(W, &[crate::WorkflowPermission::Approve]),
                account: Default::default(),
            },
        );
    }
    let p = preview(&org, &m(OFFICER), &withdraw(), false);
    let PreviewDecision::Queued {
        eligible_count,
        eligible_approvers,
        ..
    } = &p.decision
    else {
        panic!("queued: {p:?}");
    };
    assert_eq!(*eligible_count, 42, "Lena, Owen and 40 more; Tess excluded");
    assert_eq!(eligible_approvers.len(), crate::NAMED_APPROVERS);
    let names: Vec<&str> = eligible_approvers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        &names[..3],
        ["Lena", "Owen", "Zed 00"],
        "first in name order"
    );
    let step = p
        .trace
        .iter()
        .find(|s| s.rule == "approvers.eligible")
        .expect("step");
    assert!(
        step.detail.starts_with("42 eligible approvers"),
        "{}",
        step.detail
    );
    assert!(step.detail.contains("and 22 more"), "{}", step.detail);
}

// A withdrawal's amount and fee stay far inside the decimal type, so every sum the rules and
// views take of them is exact: row by row, the limit and either side of it.
#[test]
fn a_withdrawals_amount_and_fee_are_bounded() {
    let org = org();
    let max = crate::max_amount();
    let with = |amount: rust_decimal::Decimal, fee: rust_decimal::Decimal| {
        let mut p = withdrawal(amount);
        if let crate::RequestPayload::Withdrawal { fee: f, .. } = &mut p {
            *f = fee;
        }
        p
    };
    let one = rust_decimal::Decimal::ONE;
    for (amount, fee, ok) in [
        (max, rust_decimal::Decimal::ZERO, true),
        (max, max, true),
        (max + one, rust_decimal::Decimal::ZERO, false),
        (one, max + one, false),
        (rust_decimal::Decimal::MAX, one, false),
    ] {
        let valid = org.validate(&with(amount, fee));
        assert_eq!(valid.is_ok(), ok, "{amount} + {fee}: {valid:?}");
        if !ok {
            let p = org.preview(
                &m(OFFICER),
                &with(amount, fee),
                false,
                T0,
                &crate::Context {
                    available: Some(one),
                },
            );
            assert!(matches!(
                p.decision,
                crate::PreviewDecision::NotPermitted { .. }
            ));
        }
    }
}
