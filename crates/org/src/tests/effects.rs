//! What `Org::apply` does with each completed payload (the `OrgChange`s and the new state), and
//! the `PayloadError` each invalid payload gets. A refused apply changes nothing.

use rust_decimal_macros::dec;

use super::fixture::*;
use crate::{
    AddressEntry, KeySettings, MemberId, Org, OrgChange, PayloadError, Permissions, Policy,
    RequestId, RequestPayload, Scope, ServiceUser, ServiceUserId, Workflow, WorkflowPermission,
};

fn rid(s: &str) -> RequestId {
    RequestId(s.into())
}

/// Applies to a copy of the fixture and checks the refusal left it untouched.
fn apply_err(org: &Org, payload: &RequestPayload) -> PayloadError {
    let mut copy = org.clone();
    let err = copy
        .apply(&rid("RX"), payload)
        .expect_err("should be refused");
    assert_eq!(&copy, org, "a refused apply changes nothing");
    assert_eq!(
        org.validate(payload),
        Err(err.clone()),
        "apply refuses what validate refuses"
    );
    err
}

fn invalid_field(e: &PayloadError) -> &'static str {
    match e {
        PayloadError::Invalid { field, .. } => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn invite_member_adds_a_member_with_the_invited_member_id() {
    let mut org = org();
    let perms = Permissions::none().with(Workflow::ManageAddresses, &[WorkflowPermission::View]);
    let id = rid("REQ-AbC1");
    let changes = org
        .apply(
            &id,
            &RequestPayload::InviteMember {
                name: "Nina".into(),
                permissions: perms,
                account: Default::default(),
            },
        )
        .expect("valid");
    let new_id = Org::invited_member_id(&id);
    assert_eq!(new_id, MemberId("m-req-abc1".into()));
    let nina = org.member(&new_id).expect("added").clone();
    assert_eq!(
        (nina.name.as_str(), nina.is_owner, &nina.permissions),
        ("Nina", false, &perms)
    );
    assert_eq!(changes, [OrgChange::MemberAdded(nina)]);
    assert_eq!(org.members.len(), 7);
}

#[test]
fn remove_member_removes_them_but_never_the_owner() {
    let mut org = org();
    let officer = MemberId(OFFICER.into());
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::RemoveMember {
                member: officer.clone(),
            },
        )
        .expect("valid");
    assert_eq!(changes, [OrgChange::MemberRemoved(officer.clone())]);
    assert!(org.member(&officer).is_none());
    assert_eq!(
        apply_err(
            &org,
            &RequestPayload::RemoveMember {
                member: MemberId(OWNER.into())
            }
        ),
        PayloadError::OwnerRemoval
    );
    assert_eq!(
        apply_err(&org, &RequestPayload::RemoveMember { member: officer }),
        PayloadError::UnknownMember(OFFICER.into())
    );
}

#[test]
fn change_member_permissions_replaces_them() {
    let mut org = org();
    let lead = MemberId(LEAD.into());
    let perms = Permissions::none().with(Workflow::InitiateWithdrawal, &[WorkflowPermission::View]);
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::ChangeMemberPermissions {
                member: lead.clone(),
                permissions: perms,
                account: Default::default(),
            },
        )
        .expect("valid");
    let after = org.member(&lead).expect("still there").clone();
    assert_eq!(after.permissions, perms, "replaced, not merged");
    assert_eq!(changes, [OrgChange::MemberUpdated(after)]);
    assert_eq!(
        apply_err(
            &org,
            &RequestPayload::ChangeMemberPermissions {
                member: MemberId("ghost".into()),
                permissions: perms,
                account: Default::default(),
            }
        ),
        PayloadError::UnknownMember("ghost".into())
    );
}

#[test]
fn create_service_user_gets_the_created_service_user_id() {
    let mut org = org();
    let id = rid("R42");
    let k = key(&[Scope::FundsWithdraw, Scope::LedgerQuery]);
    let changes = org
        .apply(
            &id,
            &RequestPayload::CreateServiceUser {
                name: "payroll-bot".into(),
                key: k.clone(),
            },
        )
        .expect("valid");
    let su_id = Org::created_service_user_id(&id);
    assert_eq!(su_id, ServiceUserId("su-r42".into()));
    let created = ServiceUser {
        id: su_id.clone(),
        name: "payroll-bot".into(),
        key: k,
        key_holder: None,
    };
    assert_eq!(org.service_users.get(&su_id), Some(&created));
    assert_eq!(changes, [OrgChange::ServiceUserCreated(created)]);
}

#[test]
fn change_service_user_key_replaces_scopes_and_settings() {
    let mut org = org();
    let bot = ServiceUserId(BOT.into());
    let mut k = key(&[Scope::FundsQuery]);
    k.settings = KeySettings {
        websocket: true,
        nonce_window: 5000,
        ip_allowlist: vec!["10.0.0.0/8".into()],
        ..KeySettings::default()
    };
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::ChangeServiceUserKey {
                service_user: bot.clone(),
                key: k.clone(),
            },
        )
        .expect("valid");
    let after = org.service_users.get(&bot).expect("still there").clone();
    assert_eq!(after.key, k);
    assert_eq!(after.name, "treasury-bot");
    assert_eq!(changes, [OrgChange::ServiceUserUpdated(after)]);
}

#[test]
fn remove_service_user_removes_it() {
    let mut org = org();
    let reporter = ServiceUserId(REPORTER.into());
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::RemoveServiceUser {
                service_user: reporter.clone(),
            },
        )
        .expect("valid");
    assert_eq!(changes, [OrgChange::ServiceUserRemoved(reporter.clone())]);
    assert!(!org.service_users.contains_key(&reporter));
    assert_eq!(
        apply_err(
            &org,
            &RequestPayload::RemoveServiceUser {
                service_user: reporter
            }
        ),
        PayloadError::UnknownServiceUser(REPORTER.into())
    );
}

#[test]
fn change_policy_sets_or_removes_it() {
    let mut org = org();
    let w = Workflow::ManageAccess;
    let p = Policy {
        expires_after: Some(3600),
        ..Policy::requiring(2)
    };
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::ChangePolicy {
                workflow: w,
                policy: Some(p),
            },
        )
        .expect("valid");
    assert_eq!(
        changes,
        [OrgChange::PolicySet {
            workflow: w,
            policy: Some(p)
        }]
    );
    assert_eq!(org.policy(w), Some(p));
    let changes = org
        .apply(
            &rid("R2"),
            &RequestPayload::ChangePolicy {
                workflow: w,
                policy: None,
            },
        )
        .expect("valid");
    assert_eq!(
        changes,
        [OrgChange::PolicySet {
            workflow: w,
            policy: None
        }]
    );
    assert_eq!(org.policy(w), None);
}

#[test]
fn lock_policy_locks_it() {
    let mut org = org();
    let w = Workflow::InitiateWithdrawal;
    let changes = org
        .apply(&rid("R1"), &RequestPayload::LockPolicy { workflow: w })
        .expect("valid");
    let locked = Policy {
        locked: true,
        ..Policy::requiring(2)
    };
    assert_eq!(
        changes,
        [OrgChange::PolicySet {
            workflow: w,
            policy: Some(locked)
        }]
    );
    assert_eq!(org.policy(w), Some(locked));
    assert_eq!(
        invalid_field(&apply_err(
            &org,
            &RequestPayload::LockPolicy { workflow: w }
        )),
        "workflow"
    );
    // Nothing to lock.
    assert_eq!(
        invalid_field(&apply_err(
            &org,
            &RequestPayload::LockPolicy {
                workflow: Workflow::ManageAccess
            }
        )),
        "workflow"
    );
}

#[test]
fn add_address_adds_an_unverified_entry() {
    let mut org = org();
    let changes = org
        .apply(&rid("R1"), &add_address("eth-hot"))
        .expect("valid");
    let e = AddressEntry {
        key: "eth-hot".into(),
        asset: "ETH".into(),
        method: "Ether".into(),
        address: "0xeth-hot".into(),
        verified: false,
    };
    assert_eq!(changes, [OrgChange::AddressSet(e.clone())]);
    assert_eq!(org.addresses.get("eth-hot"), Some(&e));
}

#[test]
fn relabel_address_moves_the_entry_and_keeps_its_address() {
    let mut org = org();
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::RelabelAddress {
                key: COLD.into(),
                new_key: "vault".into(),
            },
        )
        .expect("valid");
    let moved = org.addresses.get("vault").expect("renamed").clone();
    assert_eq!(
        (moved.key.as_str(), moved.address.as_str(), moved.verified),
        ("vault", COLD_ADDRESS, true)
    );
    assert!(!org.addresses.contains_key(COLD));
    assert_eq!(
        changes,
        [
            OrgChange::AddressRemoved(COLD.into()),
            OrgChange::AddressSet(moved)
        ]
    );
}

#[test]
fn remove_address_removes_the_entry() {
    let mut org = org();
    let changes = org
        .apply(
            &rid("R1"),
            &RequestPayload::RemoveAddress { key: COLD.into() },
        )
        .expect("valid");
    assert_eq!(changes, [OrgChange::AddressRemoved(COLD.into())]);
    assert!(org.addresses.is_empty());
}

#[test]
fn withdrawal_produces_withdrawn_and_changes_no_state() {
    let mut org = org();
    let before = org.clone();
    let changes = org
        .apply(&rid("R1"), &withdrawal(dec!(1.25)))
        .expect("valid");
    assert_eq!(
        changes,
        [OrgChange::Withdrawn {
            asset: "BTC".into(),
            amount: dec!(1.25),
            fee: dec!(0.0001),
            address: COLD_ADDRESS.into()
        }]
    );
    assert_eq!(
        org, before,
        "the store debits funds; the Organization itself is unchanged"
    );
}

#[test]
fn duplicate_names_are_refused() {
    let org = org();
    let dup = |what: &'static str, name: &str| PayloadError::Duplicate {
        what,
        name: name.into(),
    };
    assert_eq!(
        apply_err(
            &org,
            &RequestPayload::InviteMember {
                name: "Tess".into(),
                permissions: Permissions::none(),
                account: Default::default(),
            }
        ),
        dup("member", "Tess")
    );
    assert_eq!(
        apply_err(
            &org,
            &RequestPayload::CreateServiceUser {
                name: "treasury-bot".into(),
                key: key(&[])
            }
        ),
        dup("service user", "treasury-bot")
    );
    assert_eq!(
        apply_err(&org, &add_address(COLD)),
        dup("address-book entry", COLD)
    );
    let mut two = org.clone();
    two.apply(&rid("R1"), &add_address("eth-hot"))
        .expect("valid");
    assert_eq!(
        apply_err(
            &two,
            &RequestPayload::RelabelAddress {
                key: COLD.into(),
                new_key: "eth-hot".into()
            }
        ),
        dup("address-book entry", "eth-hot")
    );
}

#[test]
fn unknown_references_are_refused() {
    let org = org();
    let ghost = || MemberId("ghost".into());
    let nobot = || ServiceUserId("nobot".into());
    let cases = [
        (
            RequestPayload::RemoveMember { member: ghost() },
            PayloadError::UnknownMember("ghost".into()),
        ),
        (
            RequestPayload::ChangeMemberPermissions {
                member: ghost(),
                permissions: Permissions::none(),
                account: Default::default(),
            },
            PayloadError::UnknownMember("ghost".into()),
        ),
        (
            RequestPayload::ChangeServiceUserKey {
                service_user: nobot(),
                key: key(&[]),
            },
            PayloadError::UnknownServiceUser("nobot".into()),
        ),
        (
            RequestPayload::RemoveServiceUser {
                service_user: nobot(),
            },
            PayloadError::UnknownServiceUser("nobot".into()),
        ),
        (
            RequestPayload::RelabelAddress {
                key: "nowhere".into(),
                new_key: "x".into(),
            },
            PayloadError::UnknownAddress("nowhere".into()),
        ),
        (
            RequestPayload::RemoveAddress {
                key: "nowhere".into(),
            },
            PayloadError::UnknownAddress("nowhere".into()),
        ),
        (
            RequestPayload::Withdrawal {
                asset: "BTC".into(),
                amount: dec!(1),
                fee: dec!(0),
                key: "nowhere".into(),
                address: COLD_ADDRESS.into(),
            },
            PayloadError::UnknownAddress("nowhere".into()),
        ),
    ];
    for (payload, expected) in cases {
        assert_eq!(apply_err(&org, &payload), expected, "{payload:?}");
    }
}

#[test]
fn withdrawal_asset_must_match_the_entry() {
    let org = org();
    let mut w = withdraw();
    if let RequestPayload::Withdrawal { asset, .. } = &mut w {
        *asset = "ETH".into();
    }
    assert_eq!(invalid_field(&apply_err(&org, &w)), "asset");
}

#[test]
fn withdrawal_is_refused_when_the_address_changed_since_submission() {
    let mut org = org();
    let request = queued(&org, &m(OFFICER), withdraw());
    // While it waits, the entry is removed and re-added under the same name elsewhere.
    org.apply(
        &rid("R2"),
        &RequestPayload::RemoveAddress { key: COLD.into() },
    )
    .expect("valid");
    org.apply(
        &rid("R3"),
        &RequestPayload::AddAddress {
            key: COLD.into(),
            asset: "BTC".into(),
            method: "Bitcoin".into(),
            address: "bc1qattacker".into(),
        },
    )
    .expect("valid");
    let err = apply_err(&org, &request.payload);
    assert_eq!(invalid_field(&err), "address");
    // A relabel alone keeps the address, but the old name is gone.
    let mut relabelled = self::org();
    relabelled
        .apply(
            &rid("R4"),
            &RequestPayload::RelabelAddress {
                key: COLD.into(),
                new_key: "vault".into(),
            },
        )
        .expect("valid");
    assert_eq!(
        apply_err(&relabelled, &request.payload),
        PayloadError::UnknownAddress(COLD.into())
    );
}

#[test]
fn withdrawal_amount_must_be_positive_and_fee_not_negative() {
    let org = org();
    for amount in [dec!(0), dec!(-1), dec!(-0.00000001)] {
        assert_eq!(
            invalid_field(&apply_err(&org, &withdrawal(amount))),
            "amount",
            "{amount}"
        );
    }
    let mut w = withdraw();
    if let RequestPayload::Withdrawal { fee, .. } = &mut w {
        *fee = dec!(-0.1);
    }
    assert_eq!(invalid_field(&apply_err(&org, &w)), "fee");
    let mut free = withdraw();
    if let RequestPayload::Withdrawal { fee, .. } = &mut free {
        *fee = dec!(0);
    }
    assert_eq!(org.validate(&free), Ok(()));
}

#[test]
fn policy_with_zero_approvals_or_zero_expiry_is_refused() {
    let org = org();
    let set = |p: Policy| RequestPayload::ChangePolicy {
        workflow: Workflow::ManageAccess,
        policy: Some(p),
    };
    assert_eq!(
        invalid_field(&apply_err(
            &org,
            &set(Policy {
                required_approvals: 0,
                ..Policy::requiring(1)
            })
        )),
        "required_approvals"
    );
    assert_eq!(
        invalid_field(&apply_err(
            &org,
            &set(Policy {
                expires_after: Some(0),
                ..Policy::requiring(1)
            })
        )),
        "expires_after"
    );
}

#[test]
fn names_must_be_non_empty_trimmed_and_at_most_64_characters() {
    let org = org();
    for bad in ["", "   ", " Nina", "Nina ", &"x".repeat(65)] {
        let e = apply_err(
            &org,
            &RequestPayload::InviteMember {
                name: bad.into(),
                permissions: Permissions::none(),
                account: Default::default(),
            },
        );
        assert_eq!(invalid_field(&e), "name", "{bad:?}");
        let e = apply_err(
            &org,
            &RequestPayload::CreateServiceUser {
                name: bad.into(),
                key: key(&[]),
            },
        );
        assert_eq!(invalid_field(&e), "name", "{bad:?}");
        let e = apply_err(&org, &add_address(bad));
        assert_eq!(invalid_field(&e), "key", "{bad:?}");
        let e = apply_err(
            &org,
            &RequestPayload::RelabelAddress {
                key: COLD.into(),
                new_key: bad.into(),
            },
        );
        assert_eq!(invalid_field(&e), "new_key", "{bad:?}");
    }
    let ok = "é".repeat(64);
    assert_eq!(
        org.validate(&RequestPayload::InviteMember {
            name: ok,
            permissions: Permissions::none(),
            account: Default::default(),
        }),
        Ok(())
    );
}

#[test]
fn add_address_fields_must_not_be_empty() {
    let org = org();
    for field in ["asset", "method", "address"] {
        let mut p = add_address("eth-hot");
        if let RequestPayload::AddAddress {
            asset,
            method,
            address,
            ..
        } = &mut p
        {
            match field {
                "asset" => *asset = " ".into(),
                "method" => *method = String::new(),
                _ => *address = String::new(),
            }
        }
        assert_eq!(invalid_field(&apply_err(&org, &p)), field);
    }
}

#[test]
fn invalid_key_settings_are_refused_on_create_and_change() {
    let org = org();
    let mut k = key(&[Scope::FundsWithdraw]);
    k.settings.ip_allowlist = vec!["not-an-ip".into()];
    let e = apply_err(
        &org,
        &RequestPayload::CreateServiceUser {
            name: "payroll-bot".into(),
            key: k.clone(),
        },
    );
    assert_eq!(invalid_field(&e), "key.settings");
    assert!(e.to_string().contains("not-an-ip"), "{e}");
    let e = apply_err(
        &org,
        &RequestPayload::ChangeServiceUserKey {
            service_user: ServiceUserId(BOT.into()),
            key: k,
        },
    );
    assert_eq!(invalid_field(&e), "key.settings");
}

// §2 Account permissions act immediately and are never queued; a Manage Access change replaces
// them together with the workflow permissions.
#[test]
fn changing_a_member_replaces_account_permissions_too() {
    let mut org = org();
    let officer = MemberId(OFFICER.into());
    let changes = org
        .apply(
            &crate::RequestId("R-ACCOUNT".into()),
            &RequestPayload::ChangeMemberPermissions {
                member: officer.clone(),
                permissions: Permissions::none(),
                account: [crate::AccountPermission::Trade].into_iter().collect(),
            },
        )
        .expect("applies");
    let m = org.member(&officer).expect("member");
    assert_eq!(
        m.account.iter().copied().collect::<Vec<_>>(),
        [crate::AccountPermission::Trade]
    );
    assert!(matches!(&changes[..], [crate::OrgChange::MemberUpdated(u)] if u.account == m.account));
    let wire = serde_json::to_value(crate::AccountPermission::EarnDeallocate).expect("serialise");
    assert_eq!(wire, serde_json::json!("earn_deallocate"));
}

/// The decision window (an Organization setting under Manage Policies), row by row: within
/// 0..=600 s and different from now is applied; its change line loosens when it lengthens.
#[test]
fn set_decision_window_bounds_and_direction() {
    use crate::{DEFAULT_DECISION_WINDOW_SECONDS, Direction, MAX_DECISION_WINDOW_SECONDS};
    let org = org();
    assert_eq!(
        org.settings.decision_window_seconds,
        DEFAULT_DECISION_WINDOW_SECONDS
    );
    let set = |seconds| RequestPayload::SetDecisionWindow { seconds };
    assert_eq!(set(30).workflow(), Workflow::ManagePolicies);
    for (seconds, field) in [
        (MAX_DECISION_WINDOW_SECONDS + 1, "seconds"),
        (DEFAULT_DECISION_WINDOW_SECONDS, "seconds"),
    ] {
        assert!(
            matches!(apply_err(&org, &set(seconds)), PayloadError::Invalid { field: f, .. } if f == field),
            "{seconds} s is refused"
        );
    }
    for (seconds, direction) in [
        (0, Direction::Tightening),
        (60, Direction::Tightening),
        (MAX_DECISION_WINDOW_SECONDS, Direction::Loosening),
    ] {
        let lines = org.change_diff(&set(seconds));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].direction, Some(direction), "{seconds} s");
        let mut after = org.clone();
        let changes = after.apply(&rid("R1"), &set(seconds)).expect("valid");
        assert_eq!(after.settings.decision_window_seconds, seconds);
        assert_eq!(changes, [OrgChange::SettingsChanged(after.settings)]);
    }
}
