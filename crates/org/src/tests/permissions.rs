//! §2 Member permissions: account permissions, the four workflow permissions, and the table of
//! which payloads belong to which workflow.

use super::fixture::*;
use crate::{
    AccountPermission, Decision, MemberId, Permissions, Policy, PreviewDecision, RequestId,
    RequestPayload, RuleViolation, Scope, ServiceUserId, Workflow, WorkflowPermission,
};

// "§2 Account permissions (act immediately, never queued): Trade, Earn Allocate, Earn
// Deallocate." They are not workflows, so no policy can ever be keyed by them.
#[test]
fn account_permissions_are_trade_earn_allocate_earn_deallocate() {
    let wire: Vec<String> = [
        AccountPermission::Trade,
        AccountPermission::EarnAllocate,
        AccountPermission::EarnDeallocate,
    ]
    .iter()
    .map(|p| serde_json::to_string(p).expect("serializes"))
    .collect();
    assert_eq!(
        wire,
        ["\"trade\"", "\"earn_allocate\"", "\"earn_deallocate\""]
    );
    for w in Workflow::ALL {
        assert!(!["trade", "earn_allocate", "earn_deallocate"].contains(&w.as_str()));
    }
}

// "§1/§2 Permissions are additive: a member starts with none" — and a member with none can do
// nothing: not initiate on any workflow, not approve, not reject.
#[test]
fn member_with_no_permissions_can_do_nothing() {
    let mut org = org();
    let invite = RequestPayload::InviteMember {
        name: "Nina".into(),
        permissions: Permissions::none(),
        account: Default::default(),
    };
    let id = RequestId("R7".into());
    org.apply(&id, &invite).expect("valid invite");
    let nina_id = crate::Org::invited_member_id(&id);
    let nina = org.member(&nina_id).expect("invited").clone();
    for payload in [
        RequestPayload::InviteMember {
            name: "Zed".into(),
            permissions: Permissions::none(),
            account: Default::default(),
        },
        RequestPayload::ChangePolicy {
            workflow: Workflow::ManageAccess,
            policy: None,
        },
        add_address("eth-hot"),
        withdraw(),
    ] {
        for execute in [false, true] {
            let r = refused(&org, &nina.actor(), payload.clone(), execute);
            assert_eq!(failing_rule(&r), "initiator.permission");
        }
    }
    let mut pending = queued(&org, &su(BOT), withdraw());
    for d in [Decision::Approve, Decision::Reject] {
        assert_eq!(
            pending.decide(&nina, d, None, T0 + 1),
            Err(RuleViolation::NotPermitted {
                workflow: Workflow::InitiateWithdrawal,
                permission: WorkflowPermission::Approve
            })
        );
    }
    assert!(pending.decisions.is_empty());
}

// "§2 View (see its requests)" — View grants seeing only: Aude (View everywhere) can neither
// initiate nor decide. (Which requests a member sees is filtered by the org API, not here.)
#[test]
fn view_permission_grants_nothing_but_seeing() {
    let org = org();
    let aude = member(&org, AUDITOR);
    for w in Workflow::ALL {
        assert!(aude.permissions.has(w, WorkflowPermission::View));
    }
    let r = refused(&org, &m(AUDITOR), withdraw(), true);
    assert!(
        r.reason.contains("neither Initiate nor Execute"),
        "{}",
        r.reason
    );
    let mut pending = queued(&org, &m(OFFICER), withdraw());
    assert!(matches!(
        pending.decide(&aude, Decision::Approve, None, T0),
        Err(RuleViolation::NotPermitted {
            permission: WorkflowPermission::Approve,
            ..
        })
    ));
}

// "§2 Initiate (create a request)" — and nothing more: Initiate does not execute.
#[test]
fn initiate_permission_creates_a_request() {
    let mut org = org();
    org.policies
        .insert(Workflow::InitiateWithdrawal, execute_allowed(1));
    let s = submit(&org, &m(OFFICER), withdraw(), true).expect("Tess holds Initiate");
    assert_eq!(s.request.status, crate::RequestStatus::Pending);
    let decides: Vec<&str> = s
        .preview
        .trace
        .iter()
        .filter(|t| t.verdict == crate::Verdict::Decides)
        .map(|t| t.rule.as_str())
        .collect();
    assert_eq!(decides, ["execute.permission"]);
}

// "§2 Approve (review others' requests in the queue)" — on that workflow only.
#[test]
fn approve_permission_reviews_others_requests_on_that_workflow() {
    let org = org();
    let mut r = queued(&org, &su(BOT), withdraw());
    // Adam holds Approve on three workflows, not on Initiate Withdrawal.
    assert_eq!(
        r.decide(&member(&org, ADMIN), Decision::Approve, None, T0),
        Err(RuleViolation::NotPermitted {
            workflow: Workflow::InitiateWithdrawal,
            permission: WorkflowPermission::Approve
        })
    );
    assert!(
        r.decide(&member(&org, OFFICER), Decision::Approve, None, T0)
            .is_ok()
    );
    let mut r2 = queued(&org, &su(BOT), withdraw());
    assert!(
        r2.decide(&member(&org, OFFICER), Decision::Reject, None, T0)
            .is_ok()
    );
    assert_eq!(r2.status, crate::RequestStatus::Rejected);
}

// "§2 Execute (complete a request at once when the workflow's policy allows it)"
#[test]
fn execute_permission_completes_at_once_when_the_policy_allows_it() {
    let mut org = org();
    org.policies
        .insert(Workflow::InitiateWithdrawal, execute_allowed(2));
    let s = submit(&org, &m(EXECUTOR), withdraw(), true).expect("Ezra holds Execute");
    assert_eq!(s.request.status, crate::RequestStatus::Completed);
    assert!(
        s.preview
            .trace
            .iter()
            .any(|t| t.rule == "execute" && t.verdict == crate::Verdict::Decides)
    );
    // Without asking to execute, the same member queues.
    queued(&org, &m(EXECUTOR), withdraw());
}

fn assert_row(workflow: Workflow, payloads: &[RequestPayload], initiator: &str, outsider: &str) {
    let org = org();
    for p in payloads {
        assert_eq!(p.workflow(), workflow, "{p:?}");
        let ok = org.preview(&m(initiator), p, false, T0, &Default::default());
        assert!(
            !matches!(ok.decision, PreviewDecision::NotPermitted { .. }),
            "{p:?}: {:?}",
            ok.decision
        );
        let no = refused(&org, &m(outsider), p.clone(), false);
        assert_eq!(failing_rule(&no), "initiator.permission");
        assert!(no.reason.contains(workflow.label()), "{}", no.reason);
    }
}

// "§2 Manage Access | invite/remove a member; change a member's permissions; create a service
// user (and its API key); change a service user's key permissions or settings; remove a service
// user"
#[test]
fn workflow_row_manage_access() {
    let officer = MemberId(OFFICER.into());
    let bot = ServiceUserId(BOT.into());
    assert_row(
        Workflow::ManageAccess,
        &[
            RequestPayload::InviteMember {
                name: "Nina".into(),
                permissions: Permissions::none(),
                account: Default::default(),
            },
            RequestPayload::RemoveMember {
                member: officer.clone(),
            },
            RequestPayload::ChangeMemberPermissions {
                member: officer,
                permissions: Permissions::none(),
                account: Default::default(),
            },
            RequestPayload::CreateServiceUser {
                name: "payroll-bot".into(),
                key: key(&[Scope::FundsWithdraw]),
            },
            RequestPayload::ChangeServiceUserKey {
                service_user: bot.clone(),
                key: key(&[]),
            },
            RequestPayload::RemoveServiceUser { service_user: bot },
        ],
        ADMIN,
        OFFICER,
    );
}

// "§2 Manage Policies | change a workflow's policy; lock a policy"
#[test]
fn workflow_row_manage_policies() {
    assert_row(
        Workflow::ManagePolicies,
        &[
            RequestPayload::ChangePolicy {
                workflow: Workflow::InitiateWithdrawal,
                policy: Some(Policy::requiring(3)),
            },
            RequestPayload::LockPolicy {
                workflow: Workflow::InitiateWithdrawal,
            },
        ],
        ADMIN,
        LEAD,
    );
}

// "§2 Manage Addresses | add, relabel or remove an entry of the withdrawal address book"
#[test]
fn workflow_row_manage_addresses() {
    assert_row(
        Workflow::ManageAddresses,
        &[
            add_address("eth-hot"),
            RequestPayload::RelabelAddress {
                key: COLD.into(),
                new_key: "cold-2".into(),
            },
            RequestPayload::RemoveAddress { key: COLD.into() },
        ],
        ADMIN,
        OFFICER,
    );
}

// "§2 Initiate Withdrawal | withdraw an amount of an asset to an address-book entry (by its key
// name)"
#[test]
fn workflow_row_initiate_withdrawal() {
    assert_row(Workflow::InitiateWithdrawal, &[withdraw()], OFFICER, ADMIN);
    // By key name: an unknown name is refused.
    let mut w = withdraw();
    if let RequestPayload::Withdrawal { key, .. } = &mut w {
        *key = "nowhere".into();
    }
    let r = refused(&org(), &m(OFFICER), w, false);
    assert_eq!(failing_rule(&r), "payload.valid");
}
