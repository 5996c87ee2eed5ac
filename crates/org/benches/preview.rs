//! The rules engine at Organization scale: 1,000 members, 100 service users, 1,000 pending
//! requests. Targets: a preview under 50 µs; the change diff and the preview of a key change
//! under 1 ms, and of a member change (which also finds approver shortfalls and solo completers
//! on a copy of the Organization) under 1 ms; a replay of 10,000 past requests under a draft
//! policy under 50 ms. Run with `cargo xtask bench`.

use std::hint::black_box;

use countersign_org::{
    Actor, AddressEntry, ApiKeySpec, Context, Member, MemberId, Org, Permissions, Policy, Request,
    RequestId, RequestPayload, Scope, ServiceUser, ServiceUserId, Workflow,
    WorkflowPermission as P,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const NOW: i64 = 1_800_000_000;

fn org() -> Org {
    let mut org = Org {
        name: "bench".into(),
        ..Org::default()
    };
    for i in 0..1000 {
        // A realistic spread: a few admins, many officers, the rest viewers.
        let permissions = match i % 10 {
            0 => Permissions::all(),
            1..=4 => Permissions::none().with(
                Workflow::InitiateWithdrawal,
                &[P::View, P::Initiate, P::Approve],
            ),
            5 => Permissions::none()
                .with(Workflow::ManageAccess, &[P::View, P::Initiate, P::Approve]),
            _ => Permissions::none().with(Workflow::InitiateWithdrawal, &[P::View]),
        };
        let id = MemberId(format!("m-{i:04}"));
        org.members.insert(
            id.clone(),
            Member {
                id,
                name: format!("Member {i:04}"),
                is_owner: i == 0,
                permissions,
                account: Default::default(),
            },
        );
    }
    for i in 0..100 {
        let id = ServiceUserId(format!("su-{i:03}"));
        let scopes = if i % 2 == 0 {
            vec![Scope::FundsQuery, Scope::FundsWithdraw]
        } else {
            vec![Scope::LedgerQuery]
        };
        org.service_users.insert(
            id.clone(),
            ServiceUser {
                id,
                name: format!("bot-{i:03}"),
                key: ApiKeySpec {
                    scopes: scopes.into_iter().collect(),
                    ..ApiKeySpec::default()
                },
                key_holder: None,
            },
        );
    }
    for i in 0..50 {
        let key = format!("addr-{i:02}");
        org.addresses.insert(
            key.clone(),
            AddressEntry {
                key,
                asset: "BTC".into(),
                method: "Bitcoin".into(),
                address: format!("bc1q{i:040}"),
                verified: true,
            },
        );
    }
    org.policies
        .insert(Workflow::InitiateWithdrawal, Policy::requiring(3));
    org.policies
        .insert(Workflow::ManageAccess, Policy::requiring(2));
    org
}

fn withdrawal(i: usize) -> RequestPayload {
    RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount: Decimal::new(125, 2),
        fee: Decimal::new(2, 4),
        key: format!("addr-{:02}", i % 50),
        address: format!("bc1q{:040}", i % 50),
    }
}

fn bench(c: &mut Criterion) {
    let org = org();
    let bot = Actor::ServiceUser(ServiceUserId("su-000".into()));
    let officer = Actor::Member(MemberId("m-0001".into()));
    let pending: Vec<Request> = (0..1000)
        .map(|i| {
            org.submit(
                RequestId(format!("R{i:04}")),
                &bot,
                withdrawal(i),
                false,
                NOW,
                &Context::default(),
            )
            .expect("permitted")
            .request
        })
        .collect();
    let payload = withdrawal(7);
    let ctx = Context {
        available: Some(Decimal::new(1_000_000, 0)),
    };

    c.bench_function("preview: bot withdrawal (1,000 members)", |b| {
        b.iter(|| org.preview(black_box(&bot), black_box(&payload), false, NOW, &ctx));
    });
    c.bench_function("preview: member withdrawal, execute asked", |b| {
        b.iter(|| org.preview(black_box(&officer), black_box(&payload), true, NOW, &ctx));
    });
    let create = RequestPayload::CreateServiceUser {
        name: "new-bot".into(),
        key: ApiKeySpec {
            scopes: [Scope::FundsWithdraw].into_iter().collect(),
            ..ApiKeySpec::default()
        },
    };
    let admin = Actor::Member(MemberId("m-0005".into()));
    c.bench_function(
        "preview: create service user (duplicate-name scan of 100)",
        |b| {
            b.iter(|| org.preview(black_box(&admin), black_box(&create), false, NOW, &ctx));
        },
    );
    let approver = org
        .member(&MemberId("m-0002".into()))
        .expect("member")
        .clone();
    c.bench_function("decide: approve one of 1,000 pending", |b| {
        b.iter_batched(
            || pending[500].clone(),
            |mut r| r.decide(&approver, countersign_org::Decision::Approve, None, NOW),
            criterion::BatchSize::SmallInput,
        );
    });
    c.bench_function("policy diff: 3 → 2 over 1,000 pending", |b| {
        b.iter(|| {
            org.policy_diff(
                Workflow::InitiateWithdrawal,
                Some(Policy::requiring(2)),
                black_box(&pending),
            )
        });
    });
    // A key change touching scopes and every setting, and a member change whose consequences
    // are found by applying it to a copy of the 1,000-member Organization.
    let key_change = RequestPayload::ChangeServiceUserKey {
        service_user: ServiceUserId("su-001".into()),
        key: ApiKeySpec {
            scopes: [Scope::FundsQuery, Scope::FundsWithdraw, Scope::ExportData]
                .into_iter()
                .collect(),
            settings: countersign_org::KeySettings {
                valid_until: NOW + 86_400 * 90,
                query_from: NOW - 86_400 * 365,
                query_to: 0,
                websocket: true,
                nonce_window: 5000,
                ip_allowlist: vec![
                    "10.0.0.0/8".into(),
                    "0.0.0.0/0".into(),
                    "2001:db8::/48".into(),
                ],
            },
        },
    };
    c.bench_function("change diff: key change (scopes and every setting)", |b| {
        b.iter(|| org.change_diff(black_box(&key_change)));
    });
    c.bench_function("preview with diff: key change (1,000 members)", |b| {
        b.iter(|| org.preview(black_box(&admin), black_box(&key_change), false, NOW, &ctx));
    });
    let member_change = RequestPayload::ChangeMemberPermissions {
        member: MemberId("m-0001".into()),
        permissions: Permissions::none().with(Workflow::InitiateWithdrawal, &[P::View]),
        account: Default::default(),
    };
    c.bench_function("preview with diff: member change (1,000 members)", |b| {
        b.iter(|| {
            org.preview(
                black_box(&admin),
                black_box(&member_change),
                false,
                NOW,
                &ctx,
            )
        });
    });
    // 10,000 past withdrawals: decided, rejected, executed, pending, in a realistic mix.
    let history: Vec<countersign_org::PastRequest> = (0..10_000)
        .map(|i| {
            use countersign_org::Decision::{Approve, Reject};
            let decisions = match i % 7 {
                0 => vec![],
                1 => vec![(Approve, NOW + 10), (Reject, NOW + 20)],
                2 => vec![(Approve, NOW + 10)],
                _ => vec![
                    (Approve, NOW + 10),
                    (Approve, NOW + 20),
                    (Approve, NOW + 30),
                ],
            };
            let status = match i % 7 {
                0 => countersign_org::RequestStatus::Completed,
                1 => countersign_org::RequestStatus::Rejected,
                2 => countersign_org::RequestStatus::Pending,
                _ => countersign_org::RequestStatus::Completed,
            };
            countersign_org::PastRequest {
                id: format!("R{i:05}"),
                workflow: Workflow::InitiateWithdrawal,
                by_service_user: i % 3 == 0,
                executed: i % 7 == 0,
                decisions,
                created_at: NOW - 86_400,
                status,
            }
        })
        .collect();
    let draft = Some(Policy {
        expires_after: Some(3600),
        ..Policy::requiring(2)
    });
    c.bench_function("replay: 10,000 past requests under a draft", |b| {
        b.iter(|| {
            countersign_org::replay(
                black_box(&history),
                Workflow::InitiateWithdrawal,
                draft,
                NOW,
            )
        });
    });
    // The policy editor runs the simulator on every draft change: goal under 50 ms.
    c.bench_function("simulator: Manage Access draft (1,000 members)", |b| {
        b.iter(|| {
            org.simulate(
                black_box(Workflow::ManageAccess),
                Some(Policy::requiring(3)),
                NOW,
            )
        });
    });
    c.bench_function(
        "simulator: Initiate Withdrawal draft (1,000 members)",
        |b| {
            b.iter(|| {
                org.simulate(
                    black_box(Workflow::InitiateWithdrawal),
                    Some(Policy::requiring(1)),
                    NOW,
                )
            });
        },
    );
    c.bench_function("lock check + bus factor", |b| {
        b.iter(|| org.lock_check(black_box(Workflow::InitiateWithdrawal), &officer));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
