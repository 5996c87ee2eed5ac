//! §1 Actors: the Member / Service User table, row by row, and the bullets under it.
//! (Authentication, UI login, KYC and the sign-in 2FA policy are not the rules engine's: they
//! live in the sandbox and the app.)

use super::fixture::*;
use crate::view::ActorKind;
use crate::{
    Decision, Member, MemberId, Permissions, PreviewDecision, RequestPayload, RuleViolation, Scope,
    Workflow, WorkflowPermission,
};

/// One valid payload per workflow, in the spec's order.
fn one_payload_per_workflow() -> [RequestPayload; 4] {
    [
        RequestPayload::InviteMember {
            name: "Nina".into(),
            permissions: Permissions::none(),
            account: Default::default(),
        },
        RequestPayload::ChangePolicy {
            workflow: Workflow::ManageAddresses,
            policy: Some(crate::Policy::requiring(1)),
        },
        add_address("eth-hot"),
        withdraw(),
    ]
}

// "§1 Member · Can initiate requests: yes"
#[test]
fn member_can_initiate_requests() {
    let org = org();
    let r = queued(&org, &m(OFFICER), withdraw());
    assert_eq!(r.initiator, m(OFFICER));
    assert_eq!(r.created_at, T0);
}

// "§1 Service User · Can initiate requests: yes, via API"
#[test]
fn service_user_can_initiate_requests_via_api() {
    let org = org();
    let r = queued(&org, &su(BOT), withdraw());
    assert_eq!(r.initiator, su(BOT));
    assert_eq!(r.required_approvals(), 2);
}

// "§1 Member · Can approve requests: yes, except their own requests"
#[test]
fn member_can_approve_requests_except_their_own() {
    let org = org();
    let mut by_officer = queued(&org, &m(OFFICER), withdraw());
    let officer = member(&org, OFFICER);
    assert_eq!(
        by_officer.decide(&officer, Decision::Approve, None, T0 + 1),
        Err(RuleViolation::OwnRequest)
    );
    assert!(by_officer.decisions.is_empty());
    let mut by_lead = queued(&org, &m(LEAD), withdraw());
    assert!(
        by_lead
            .decide(&officer, Decision::Approve, None, T0 + 1)
            .is_ok()
    );
    assert_eq!(by_lead.approvals(), 1);
}

// "§1 Service User · Can approve requests: no"
// `Request::decide` only takes a `Member`; what the engine offers for review never names a
// service user, not even one holding every scope.
#[test]
fn service_user_can_approve_requests_no() {
    let mut org = org();
    let bot = org
        .service_users
        .get_mut(&crate::ServiceUserId(BOT.into()))
        .expect("fixture bot");
    bot.key = key(&Scope::ALL);
    for actor in [m(OFFICER), su(BOT), su(REPORTER)] {
        let p = org.preview(&actor, &withdraw(), false, T0, &Default::default());
        if let PreviewDecision::Queued {
            eligible_approvers, ..
        } = p.decision
        {
            assert!(!eligible_approvers.is_empty());
            assert!(
                eligible_approvers
                    .iter()
                    .all(|a| a.kind == ActorKind::Member)
            );
        }
    }
    let check = org.lock_check(Workflow::InitiateWithdrawal, &m(OWNER));
    assert!(check.approvers.iter().all(|a| a.kind == ActorKind::Member));
    assert!(
        check
            .policy_approvers
            .iter()
            .all(|a| a.kind == ActorKind::Member)
    );
}

// "§1 Member · Can execute immediately: yes, when policy allows"
#[test]
fn member_can_execute_immediately_when_policy_allows() {
    let mut org = org();
    org.policies
        .insert(Workflow::InitiateWithdrawal, execute_allowed(2));
    immediate(&org, &m(EXECUTOR), withdraw(), true);
    // The policy does not allow it: the same request is queued.
    org.policies
        .insert(Workflow::InitiateWithdrawal, crate::Policy::requiring(2));
    queued(&org, &m(EXECUTOR), withdraw());
}

// "§1 Service User · Can execute immediately: no"
#[test]
fn service_user_can_execute_immediately_no() {
    let mut org = org();
    org.policies
        .insert(Workflow::InitiateWithdrawal, execute_allowed(1));
    let s = submit(&org, &su(BOT), withdraw(), true).expect("a bot may initiate");
    assert_eq!(s.request.status, crate::RequestStatus::Pending);
    assert!(
        s.preview
            .trace
            .iter()
            .any(|t| t.rule == "service_user.never_executes")
    );
}

// "§1 Member · Administrative access: yes, if granted"
#[test]
fn member_administrative_access_if_granted() {
    let org = org();
    let invite = RequestPayload::InviteMember {
        name: "Nina".into(),
        permissions: Permissions::none(),
        account: Default::default(),
    };
    // Adam holds Initiate on Manage Access (Manage Access has no policy: it completes).
    immediate(&org, &m(ADMIN), invite.clone(), false);
    // Tess holds nothing on Manage Access.
    let r = refused(&org, &m(OFFICER), invite, false);
    assert_eq!(failing_rule(&r), "initiator.permission");
}

// "§1 Service User · Administrative access: no"
#[test]
fn service_user_administrative_access_no() {
    let mut org = org();
    org.service_users
        .get_mut(&crate::ServiceUserId(BOT.into()))
        .expect("fixture bot")
        .key = key(&Scope::ALL);
    let invite = RequestPayload::InviteMember {
        name: "Nina".into(),
        permissions: Permissions::all(),
        account: Default::default(),
    };
    let r = refused(&org, &su(BOT), invite, true);
    assert_eq!(failing_rule(&r), "service_user.workflow");
}

// "§1 Member · Available workflows: Manage Access, Manage Policies, Manage Addresses,
// Initiate Withdrawal"
#[test]
fn member_available_workflows_all_four() {
    let org = org();
    for payload in one_payload_per_workflow() {
        let w = payload.workflow();
        let p = org.preview(&m(OWNER), &payload, false, T0, &Default::default());
        assert!(
            !matches!(p.decision, PreviewDecision::NotPermitted { .. }),
            "the Owner on {w:?}: {:?}",
            p.decision
        );
    }
    let covered: Vec<Workflow> = one_payload_per_workflow()
        .iter()
        .map(RequestPayload::workflow)
        .collect();
    assert_eq!(covered, Workflow::ALL);
}

// "§1 Service User · Available workflows: withdrawals via API, constrained by API key scopes"
#[test]
fn service_user_available_workflows_withdrawals_only_with_the_withdraw_scope() {
    let org = org();
    for payload in one_payload_per_workflow() {
        let r = org.preview(&su(BOT), &payload, false, T0, &Default::default());
        let permitted = !matches!(r.decision, PreviewDecision::NotPermitted { .. });
        assert_eq!(
            permitted,
            payload.workflow() == Workflow::InitiateWithdrawal,
            "{payload:?}"
        );
    }
    // Without funds_withdraw, not even withdrawals.
    let r = refused(&org, &su(REPORTER), withdraw(), false);
    assert_eq!(failing_rule(&r), "service_user.scope");
}

// "§1 Member · Authorization model: workflow permissions: View, Initiate, Approve, Execute"
// Permissions are per workflow: Initiate on withdrawals does not reach Manage Addresses.
#[test]
fn member_authorization_model_is_workflow_permissions() {
    let mut org = org();
    let r = refused(&org, &m(OFFICER), add_address("eth-hot"), false);
    assert_eq!(failing_rule(&r), "initiator.permission");
    org.members
        .get_mut(&MemberId(OFFICER.into()))
        .expect("fixture officer")
        .permissions
        .grant(Workflow::ManageAddresses, WorkflowPermission::Initiate);
    immediate(&org, &m(OFFICER), add_address("eth-hot"), false);
}

// "§1 Service User · Authorization model: API key permissions"
// The key decides, not any workflow permission: granting funds_withdraw is what lets it in.
#[test]
fn service_user_authorization_model_is_api_key_permissions() {
    let mut org = org();
    refused(&org, &su(REPORTER), withdraw(), false);
    org.service_users
        .get_mut(&crate::ServiceUserId(REPORTER.into()))
        .expect("fixture reporter")
        .key
        .scopes
        .insert(Scope::FundsWithdraw);
    queued(&org, &su(REPORTER), withdraw());
}

// "§1 The Owner is the member who created the Organization; starts with full administrative
// permissions; there is exactly one."
#[test]
fn owner_is_exactly_one_member_with_every_permission_and_cannot_be_removed() {
    let mut org = org();
    let owners: Vec<&Member> = org.members.values().filter(|m| m.is_owner).collect();
    assert_eq!(owners.len(), 1);
    let owner = org.owner().expect("an Owner").clone();
    assert_eq!(owner.id, MemberId(OWNER.into()));
    assert_eq!(owner.permissions, Permissions::all());
    for w in Workflow::ALL {
        assert_eq!(owner.permissions.on(w).count(), 4, "{w:?}");
    }
    // Nobody removes the Owner, and an invited member never becomes one.
    let remove = RequestPayload::RemoveMember {
        member: owner.id.clone(),
    };
    assert_eq!(
        org.validate(&remove),
        Err(crate::PayloadError::OwnerRemoval)
    );
    let invite = RequestPayload::InviteMember {
        name: "Nina".into(),
        permissions: Permissions::all(),
        account: Default::default(),
    };
    org.apply(&crate::RequestId("R9".into()), &invite)
        .expect("valid invite");
    assert_eq!(org.members.values().filter(|m| m.is_owner).count(), 1);
}

// "§1 Permissions are additive: a member starts with none."
#[test]
fn permissions_are_additive_a_member_starts_with_none() {
    assert_eq!(Permissions::default(), Permissions::none());
    for w in Workflow::ALL {
        assert_eq!(Permissions::none().on(w).count(), 0);
    }
    let p = Permissions::none()
        .with(Workflow::ManageAccess, &[WorkflowPermission::View])
        .with(Workflow::ManageAccess, &[WorkflowPermission::Approve]);
    assert!(p.has(Workflow::ManageAccess, WorkflowPermission::View));
    assert!(p.has(Workflow::ManageAccess, WorkflowPermission::Approve));
    assert!(!p.has(Workflow::ManageAccess, WorkflowPermission::Initiate));
    assert!(!p.has(Workflow::ManagePolicies, WorkflowPermission::View));
}
