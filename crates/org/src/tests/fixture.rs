//! The Organization every test starts from, and small helpers to submit against it.
//!
//! | id          | name  | holds                                                        |
//! |-------------|-------|--------------------------------------------------------------|
//! | `owner`     | Owen  | everything (the Owner)                                       |
//! | `officer`   | Tess  | View, Initiate, Approve on Initiate Withdrawal               |
//! | `lead`      | Lena  | View, Initiate, Approve, Execute on Initiate Withdrawal      |
//! | `executor`  | Ezra  | Execute on Initiate Withdrawal                               |
//! | `auditor`   | Aude  | View on every workflow                                       |
//! | `admin`     | Adam  | View, Initiate, Approve on Manage Access/Policies/Addresses  |
//!
//! Service users: `bot` (treasury-bot: `funds_query`, `funds_withdraw`) and `reporter`
//! (reporting-bot: `funds_query`, `ledger_query`, `export_data`, no Withdraw).
//! Address book: `cold-storage`, a BTC address. Policies: Initiate Withdrawal requires 2
//! approvals, always; no other workflow has a policy.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::{
    Actor, AddressEntry, ApiKeySpec, Context, KeySettings, Member, MemberId, Org, Permissions,
    Policy, PreviewDecision, Refused, Request, RequestId, RequestPayload, RequestStatus, Scope,
    ServiceUser, ServiceUserId, Submission, Workflow, WorkflowPermission,
};

/// The time every test submits at (unix seconds).
pub(crate) const T0: i64 = 1_700_000_000;

pub(crate) const OWNER: &str = "owner";
pub(crate) const OFFICER: &str = "officer";
pub(crate) const LEAD: &str = "lead";
pub(crate) const EXECUTOR: &str = "executor";
pub(crate) const AUDITOR: &str = "auditor";
pub(crate) const ADMIN: &str = "admin";
/// The service user holding `funds_withdraw`.
pub(crate) const BOT: &str = "bot";
/// The service user without `funds_withdraw`.
pub(crate) const REPORTER: &str = "reporter";

/// The address-book entry every withdrawal goes to.
pub(crate) const COLD: &str = "cold-storage";
pub(crate) const COLD_ADDRESS: &str = "bc1qcoldstorage000000000000000000000000";

use WorkflowPermission::{Approve, Execute, Initiate, View};
const W: Workflow = Workflow::InitiateWithdrawal;

fn person(id: &str, name: &str, permissions: Permissions) -> Member {
    Member {
        id: MemberId(id.into()),
        name: name.into(),
        is_owner: id == OWNER,
        permissions,
        account: Default::default(),
    }
}

/// A key with these scopes and default settings.
pub(crate) fn key(scopes: &[Scope]) -> ApiKeySpec {
    ApiKeySpec {
        scopes: scopes.iter().copied().collect(),
        settings: KeySettings::default(),
    }
}

/// The fixture Organization (see the module docs).
pub(crate) fn org() -> Org {
    let admin_perms = [
        Workflow::ManageAccess,
        Workflow::ManagePolicies,
        Workflow::ManageAddresses,
    ]
    .into_iter()
    .fold(Permissions::none(), |p, w| {
        p.with(w, &[View, Initiate, Approve])
    });
    let auditor_perms = Workflow::ALL
        .into_iter()
        .fold(Permissions::none(), |p, w| p.with(w, &[View]));
    let members = [
        person(OWNER, "Owen", Permissions::all()),
        person(
            OFFICER,
            "Tess",
            Permissions::none().with(W, &[View, Initiate, Approve]),
        ),
        person(
            LEAD,
            "Lena",
            Permissions::none().with(W, &[View, Initiate, Approve, Execute]),
        ),
        person(EXECUTOR, "Ezra", Permissions::none().with(W, &[Execute])),
        person(AUDITOR, "Aude", auditor_perms),
        person(ADMIN, "Adam", admin_perms),
    ];
    let service_users = [
        ServiceUser {
            id: ServiceUserId(BOT.into()),
            name: "treasury-bot".into(),
            key: key(&[Scope::FundsQuery, Scope::FundsWithdraw]),
            key_holder: None,
        },
        ServiceUser {
            id: ServiceUserId(REPORTER.into()),
            name: "reporting-bot".into(),
            key: key(&[Scope::FundsQuery, Scope::LedgerQuery, Scope::ExportData]),
            key_holder: None,
        },
    ];
    let cold = AddressEntry {
        key: COLD.into(),
        asset: "BTC".into(),
        method: "Bitcoin".into(),
        address: COLD_ADDRESS.into(),
        verified: true,
    };
    Org {
        name: "Acme Treasury".into(),
        members: members.into_iter().map(|m| (m.id.clone(), m)).collect(),
        service_users: service_users
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect(),
        policies: [(W, Policy::requiring(2))].into_iter().collect(),
        addresses: [(cold.key.clone(), cold)].into_iter().collect(),
        stops: Default::default(),
        settings: Default::default(),
    }
}

/// A member as an actor.
pub(crate) fn m(id: &str) -> Actor {
    Actor::Member(MemberId(id.into()))
}

/// A service user as an actor.
pub(crate) fn su(id: &str) -> Actor {
    Actor::ServiceUser(ServiceUserId(id.into()))
}

/// A fixture member (cloned, so the org can be changed afterwards).
pub(crate) fn member(org: &Org, id: &str) -> Member {
    org.member(&MemberId(id.into()))
        .unwrap_or_else(|| panic!("no member {id} in the fixture"))
        .clone()
}

/// A policy with Execute allowed (`always_require_approval` off).
pub(crate) fn execute_allowed(n: u32) -> Policy {
    Policy {
        always_require_approval: false,
        ..Policy::requiring(n)
    }
}

/// Withdraw `amount` BTC (fee 0.0001) to the cold-storage entry.
pub(crate) fn withdrawal(amount: Decimal) -> RequestPayload {
    RequestPayload::Withdrawal {
        asset: "BTC".into(),
        amount,
        fee: dec!(0.0001),
        key: COLD.into(),
        address: COLD_ADDRESS.into(),
    }
}

/// The usual withdrawal: 0.5 BTC to cold storage.
pub(crate) fn withdraw() -> RequestPayload {
    withdrawal(dec!(0.5))
}

/// A valid Manage Addresses payload.
pub(crate) fn add_address(key: &str) -> RequestPayload {
    RequestPayload::AddAddress {
        key: key.into(),
        asset: "ETH".into(),
        method: "Ether".into(),
        address: format!("0x{key}"),
    }
}

/// Submits as `actor` at [`T0`] with request id `R1` and no balance known.
pub(crate) fn submit(
    org: &Org,
    actor: &Actor,
    payload: RequestPayload,
    execute: bool,
) -> Result<Submission, Refused> {
    org.submit(
        RequestId("R1".into()),
        actor,
        payload,
        execute,
        T0,
        &Context::default(),
    )
}

/// Submits and expects the request to be queued.
pub(crate) fn queued(org: &Org, actor: &Actor, payload: RequestPayload) -> Request {
    let s = submit(org, actor, payload, false)
        .unwrap_or_else(|e| panic!("expected a queued request, refused: {}", e.reason));
    assert_eq!(s.request.status, RequestStatus::Pending, "{:?}", s.preview);
    assert!(matches!(s.preview.decision, PreviewDecision::Queued { .. }));
    s.request
}

/// Submits and expects the request to complete at once.
pub(crate) fn immediate(
    org: &Org,
    actor: &Actor,
    payload: RequestPayload,
    execute: bool,
) -> Request {
    let s = submit(org, actor, payload, execute)
        .unwrap_or_else(|e| panic!("expected an immediate completion, refused: {}", e.reason));
    assert_eq!(
        s.request.status,
        RequestStatus::Completed,
        "{:?}",
        s.preview
    );
    assert_eq!(s.preview.decision, PreviewDecision::CompletesImmediately);
    s.request
}

/// Submits and expects a refusal; returns it.
pub(crate) fn refused(org: &Org, actor: &Actor, payload: RequestPayload, execute: bool) -> Refused {
    match submit(org, actor, payload, execute) {
        Ok(s) => panic!("expected a refusal, got {:?}", s.preview.decision),
        Err(r) => {
            assert!(matches!(
                r.preview.decision,
                PreviewDecision::NotPermitted { .. }
            ));
            r
        }
    }
}

/// The rule id of the step that failed in a refusal (always the last step).
pub(crate) fn failing_rule(r: &Refused) -> &str {
    let last = r.preview.trace.last().expect("a refusal has a trace");
    assert_eq!(
        last.verdict,
        crate::Verdict::Fail,
        "the last step of a refusal fails"
    );
    &last.rule
}

/// The names of the eligible approvers of a queued preview.
pub(crate) fn eligible_names(decision: &PreviewDecision) -> Vec<String> {
    match decision {
        PreviewDecision::Queued {
            eligible_approvers, ..
        } => eligible_approvers.iter().map(|a| a.name.clone()).collect(),
        other => panic!("expected Queued, got {other:?}"),
    }
}
