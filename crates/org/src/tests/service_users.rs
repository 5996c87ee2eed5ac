//! §5 Service users and API keys: governance of withdrawals, the scopes table and the key
//! settings table, row by row.

use super::fixture::*;
use crate::{
    Context, Decision, KeySettings, KeySpecError, Org, Policy, PreviewDecision, RequestId,
    RequestPayload, RequestStatus, Scope, ScopeGroup, ServiceUserId, Workflow, parse_cidr,
};

fn with_bot_settings(settings: KeySettings) -> Org {
    let mut org = org();
    org.service_users
        .get_mut(&ServiceUserId(BOT.into()))
        .expect("fixture bot")
        .key
        .settings = settings;
    org
}

// "§5 Only withdrawal operations are subject to Organization policies. Trading, Earn, queries and
// data exports by API key are immediate, constrained only by the key's scopes."
#[test]
fn only_withdrawals_are_governed_by_policies() {
    let governed: Vec<Scope> = Scope::ALL
        .into_iter()
        .filter(|s| s.governed_by_policy())
        .collect();
    assert_eq!(governed, [Scope::FundsWithdraw]);
}

// "§5 When a policy governs Initiate Withdrawal, a service user can only initiate a withdrawal;
// it enters the approval queue and takes effect only after members approve it."
#[test]
fn under_a_policy_a_service_user_withdrawal_waits_for_members() {
    let org = org();
    let mut r = queued(&org, &su(BOT), withdraw());
    assert_eq!(r.policy, Some(Policy::requiring(2)));
    r.decide(&member(&org, OFFICER), Decision::Approve, None, T0 + 1)
        .expect("eligible");
    assert_eq!(r.status, RequestStatus::Pending);
    r.decide(&member(&org, LEAD), Decision::Approve, None, T0 + 2)
        .expect("eligible");
    assert_eq!(r.status, RequestStatus::Completed);
}

// "§5 With no policy, the key's Withdraw permission applies directly."
#[test]
fn with_no_policy_the_keys_withdraw_applies_directly() {
    let mut org = org();
    org.policies.remove(&Workflow::InitiateWithdrawal);
    let r = immediate(&org, &su(BOT), withdraw(), false);
    assert_eq!(r.policy, None);
    refused(&org, &su(REPORTER), withdraw(), false);
}

// "§5 Creating a service user is a Manage Access request: if that policy requires approval, it
// queues; once approved (or completed via Execute), the service user is created"
#[test]
fn creating_a_service_user_is_a_governed_manage_access_request() {
    let mut org = org();
    org.policies
        .insert(Workflow::ManageAccess, Policy::requiring(1));
    let create = RequestPayload::CreateServiceUser {
        name: "payroll-bot".into(),
        key: key(&[Scope::FundsWithdraw]),
    };
    assert_eq!(create.workflow(), Workflow::ManageAccess);
    let mut r = queued(&org, &m(ADMIN), create.clone());
    assert_eq!(
        r.decide(&member(&org, OWNER), Decision::Approve, None, T0 + 1),
        Ok(crate::Transition::Completed)
    );
    let mut after = org.clone();
    after.apply(&r.id, &r.payload).expect("valid");
    assert!(
        after
            .service_users
            .contains_key(&Org::created_service_user_id(&r.id))
    );
    // Or via Execute where the policy allows it.
    org.policies
        .insert(Workflow::ManageAccess, execute_allowed(1));
    immediate(&org, &m(OWNER), create, true);
}

// "§5 Changing permissions or removing a service user is also a Manage Access request, under the
// same governance."
#[test]
fn changing_or_removing_a_service_user_is_governed_the_same_way() {
    let mut org = org();
    org.policies
        .insert(Workflow::ManageAccess, Policy::requiring(1));
    let bot = ServiceUserId(BOT.into());
    for p in [
        RequestPayload::ChangeServiceUserKey {
            service_user: bot.clone(),
            key: key(&[]),
        },
        RequestPayload::RemoveServiceUser {
            service_user: bot.clone(),
        },
    ] {
        assert_eq!(p.workflow(), Workflow::ManageAccess);
        let r = queued(&org, &m(OWNER), p);
        assert_eq!(r.required_approvals(), 1);
    }
}

fn assert_scope_row(scope: Scope, group: ScopeGroup, label: &str, wire: &str, allows: &str) {
    assert_eq!(scope.group(), group);
    assert_eq!(scope.label(), label);
    assert_eq!(scope.wire_name(), wire);
    assert_eq!(scope.allows(), allows);
    assert_eq!(Scope::parse(wire), Some(scope));
    assert_eq!(
        serde_json::to_value(scope).expect("serializes"),
        serde_json::json!(wire)
    );
    assert_eq!(scope.governed_by_policy(), wire == "funds_withdraw");
}

// "§5 | Funds | Query (`funds_query`) | view balances and funding status |"
#[test]
fn scope_row_funds_query() {
    assert_scope_row(
        Scope::FundsQuery,
        ScopeGroup::Funds,
        "Query",
        "funds_query",
        "view balances and funding status",
    );
}

// "§5 | Funds | Earn (`funds_earn`) | allocate and deallocate Earn (staking and yield) products |"
#[test]
fn scope_row_funds_earn() {
    assert_scope_row(
        Scope::FundsEarn,
        ScopeGroup::Funds,
        "Earn",
        "funds_earn",
        "allocate and deallocate Earn (staking and yield) products",
    );
}

// "§5 | Funds | Deposit (`funds_add`) | generate deposit addresses, view deposit history |"
#[test]
fn scope_row_funds_add() {
    assert_scope_row(
        Scope::FundsAdd,
        ScopeGroup::Funds,
        "Deposit",
        "funds_add",
        "generate deposit addresses, view deposit history",
    );
}

// "§5 | Funds | Withdraw (`funds_withdraw`) | submit withdrawal requests — queued for member
// approval when a policy governs Initiate Withdrawal |"
#[test]
fn scope_row_funds_withdraw() {
    assert_scope_row(
        Scope::FundsWithdraw,
        ScopeGroup::Funds,
        "Withdraw",
        "funds_withdraw",
        "submit withdrawal requests — queued for member approval when a policy governs Initiate Withdrawal",
    );
    // And it is what lets a service user submit a withdrawal.
    let org = org();
    queued(&org, &su(BOT), withdraw());
    let r = refused(&org, &su(REPORTER), withdraw(), false);
    assert!(r.reason.contains("funds_withdraw"), "{}", r.reason);
}

// "§5 | Orders & trades | Query open orders & trades (`trades_query_open`) | view open orders and
// active trades |"
#[test]
fn scope_row_trades_query_open() {
    assert_scope_row(
        Scope::TradesQueryOpen,
        ScopeGroup::OrdersAndTrades,
        "Query open orders & trades",
        "trades_query_open",
        "view open orders and active trades",
    );
}

// "§5 | Orders & trades | Query closed orders & trades (`trades_query_closed`) | view historical
// orders and completed trades |"
#[test]
fn scope_row_trades_query_closed() {
    assert_scope_row(
        Scope::TradesQueryClosed,
        ScopeGroup::OrdersAndTrades,
        "Query closed orders & trades",
        "trades_query_closed",
        "view historical orders and completed trades",
    );
}

// "§5 | Orders & trades | Create & modify orders (`trades_modify`) | place new orders, modify
// existing ones |"
#[test]
fn scope_row_trades_modify() {
    assert_scope_row(
        Scope::TradesModify,
        ScopeGroup::OrdersAndTrades,
        "Create & modify orders",
        "trades_modify",
        "place new orders, modify existing ones",
    );
}

// "§5 | Orders & trades | Cancel & close orders (`trades_close`) | cancel open orders, close
// positions |"
#[test]
fn scope_row_trades_close() {
    assert_scope_row(
        Scope::TradesClose,
        ScopeGroup::OrdersAndTrades,
        "Cancel & close orders",
        "trades_close",
        "cancel open orders, close positions",
    );
}

// "§5 | Data | Query ledger entries (`ledger_query`) | view transaction and ledger history |"
#[test]
fn scope_row_ledger_query() {
    assert_scope_row(
        Scope::LedgerQuery,
        ScopeGroup::Data,
        "Query ledger entries",
        "ledger_query",
        "view transaction and ledger history",
    );
}

// "§5 | Data | Export data (`export_data`) | export account data for reporting and
// reconciliation |"
#[test]
fn scope_row_export_data() {
    assert_scope_row(
        Scope::ExportData,
        ScopeGroup::Data,
        "Export data",
        "export_data",
        "export account data for reporting and reconciliation",
    );
}

// The table has exactly these ten rows, in this order.
#[test]
fn scope_table_has_ten_rows_in_order() {
    let wire: Vec<&str> = Scope::ALL.iter().map(|s| s.wire_name()).collect();
    assert_eq!(
        wire,
        [
            "funds_query",
            "funds_earn",
            "funds_add",
            "funds_withdraw",
            "trades_query_open",
            "trades_query_closed",
            "trades_modify",
            "trades_close",
            "ledger_query",
            "export_data"
        ]
    );
    assert_eq!(Scope::parse("funds_withdrawal"), None);
}

// "§5 | Key expiration (`valid_until`, 0 = never) | after it, the key is disabled |"
#[test]
fn setting_row_valid_until_disables_the_key_after_it() {
    let until = T0 + 100;
    let org = with_bot_settings(KeySettings {
        valid_until: until,
        ..KeySettings::default()
    });
    let ctx = Context::default();
    let at = |now| {
        org.preview(&su(BOT), &withdraw(), false, now, &ctx)
            .decision
    };
    assert!(matches!(at(until - 1), PreviewDecision::Queued { .. }));
    for now in [until, until + 1] {
        let p = org.preview(&su(BOT), &withdraw(), false, now, &ctx);
        let PreviewDecision::NotPermitted { reason } = &p.decision else {
            panic!("{:?}", p.decision)
        };
        assert!(reason.contains("valid_until"), "{reason}");
        assert_eq!(
            p.trace.last().map(|t| t.rule.as_str()),
            Some("service_user.key_expiry")
        );
        let refused = org.submit(
            RequestId("R1".into()),
            &su(BOT),
            withdraw(),
            false,
            now,
            &ctx,
        );
        assert!(refused.is_err());
    }
    // 0 = never.
    let never = with_bot_settings(KeySettings::default());
    assert!(matches!(
        never
            .preview(&su(BOT), &withdraw(), false, i64::MAX, &ctx)
            .decision,
        PreviewDecision::Queued { .. }
    ));
    // Negative is neither.
    let negative = KeySettings {
        valid_until: -5,
        ..KeySettings::default()
    };
    assert_eq!(
        negative.validate(),
        Err(KeySpecError::NegativeTime {
            field: "valid_until",
            value: -5
        })
    );
}

// "§5 | Query start date (`query_from`, 0 = none) | queries return only entries after this date |"
#[test]
fn setting_row_query_from() {
    for from in [0, 1, T0] {
        assert_eq!(
            KeySettings {
                query_from: from,
                ..KeySettings::default()
            }
            .validate(),
            Ok(())
        );
    }
    assert_eq!(
        KeySettings {
            query_from: -1,
            ..KeySettings::default()
        }
        .validate(),
        Err(KeySpecError::NegativeTime {
            field: "query_from",
            value: -1
        })
    );
}

// "§5 | Query end date (`query_to`, 0 = none) | queries return only entries before this date |"
// The window must not end before it starts; either end may be unset.
#[test]
fn setting_row_query_to_and_the_query_window() {
    let window = |from, to| {
        KeySettings {
            query_from: from,
            query_to: to,
            ..KeySettings::default()
        }
        .validate()
    };
    assert_eq!(window(T0, T0 + 1), Ok(()));
    assert_eq!(window(T0, T0), Ok(()));
    assert_eq!(window(T0, 0), Ok(()), "no end");
    assert_eq!(window(0, T0), Ok(()), "no start");
    assert_eq!(
        window(T0 + 1, T0),
        Err(KeySpecError::QueryWindowInverted {
            from: T0 + 1,
            to: T0
        })
    );
    assert_eq!(
        window(0, -1),
        Err(KeySpecError::NegativeTime {
            field: "query_to",
            value: -1
        })
    );
    // And a key change carrying an inverted window is refused as a request.
    let mut k = key(&[Scope::LedgerQuery]);
    k.settings.query_from = 200;
    k.settings.query_to = 100;
    let r = refused(
        &org(),
        &m(ADMIN),
        RequestPayload::ChangeServiceUserKey {
            service_user: ServiceUserId(REPORTER.into()),
            key: k,
        },
        false,
    );
    assert!(r.reason.contains("query_to"), "{}", r.reason);
}

// "§5 | Allow WebSocket connections | whether the key may obtain a WebSocket token |"
// Off unless granted; carried through a key change.
#[test]
fn setting_row_websocket() {
    assert!(!KeySettings::default().websocket);
    let mut org = org();
    let mut k = key(&[Scope::FundsQuery]);
    k.settings.websocket = true;
    let id = ServiceUserId(REPORTER.into());
    org.apply(
        &RequestId("R1".into()),
        &RequestPayload::ChangeServiceUserKey {
            service_user: id.clone(),
            key: k,
        },
    )
    .expect("valid");
    assert!(
        org.service_users
            .get(&id)
            .expect("reporter")
            .key
            .settings
            .websocket
    );
}

// "§5 | Custom nonce window (`nonce_window`, default 0) | how far below the highest nonce seen a
// nonce is still accepted, in nonce units |"
#[test]
fn setting_row_nonce_window_defaults_to_0() {
    assert_eq!(KeySettings::default().nonce_window, 0);
    assert_eq!(crate::ApiKeySpec::default().settings.nonce_window, 0);
    let s = KeySettings {
        nonce_window: 5000,
        ..KeySettings::default()
    };
    assert_eq!(s.validate(), Ok(()));
    let json = serde_json::to_value(&s).expect("serializes");
    assert_eq!(json["nonce_window"], serde_json::json!(5000));
}

// "§5 | Restrict IP addresses or ranges (`ip_allowlist`) | IPv4/IPv6 addresses or CIDR ranges;
// empty = any |"
#[test]
fn setting_row_ip_allowlist_reports_the_bad_entry_index() {
    let list = |entries: &[&str]| {
        KeySettings {
            ip_allowlist: entries.iter().map(|e| (*e).to_owned()).collect(),
            ..KeySettings::default()
        }
        .validate()
    };
    assert_eq!(list(&[]), Ok(()), "empty = any");
    assert_eq!(
        list(&["203.0.113.7", "10.0.0.0/8", "2001:db8::/32", "::1"]),
        Ok(())
    );
    assert_eq!(
        list(&["10.0.0.0/8", "2001:db8::/32", "10.0.0.0/33"]),
        Err(KeySpecError::BadAllowlistEntry {
            index: 2,
            entry: "10.0.0.0/33".into()
        })
    );
    // The first bad entry is the one reported.
    assert_eq!(
        list(&["example.com", "nope"]),
        Err(KeySpecError::BadAllowlistEntry {
            index: 0,
            entry: "example.com".into()
        })
    );
    assert_eq!(
        parse_cidr("10.1.2.3"),
        Some(("10.1.2.3".parse().expect("ip"), 32))
    );
    assert_eq!(
        parse_cidr("2001:db8::1"),
        Some(("2001:db8::1".parse().expect("ip"), 128))
    );
    assert_eq!(parse_cidr("2001:db8::/129"), None);
    assert_eq!(parse_cidr("10.0.0.0/-1"), None);
    assert_eq!(parse_cidr("10.0.0.0/"), None);
}

// "ip_allowlist ... empty = any": the preview cannot know the caller's address, so a restricted
// key is listed in `missing`; an unrestricted one is not.
#[test]
fn setting_row_ip_allowlist_restricted_key_is_named_in_missing() {
    let ctx = Context {
        available: Some(rust_decimal_macros::dec!(10)),
    };
    let open = org().preview(&su(BOT), &withdraw(), false, T0, &ctx);
    assert!(open.missing.is_empty(), "{:?}", open.missing);
    let restricted = with_bot_settings(KeySettings {
        ip_allowlist: vec!["198.51.100.0/24".into()],
        ..KeySettings::default()
    });
    let p = restricted.preview(&su(BOT), &withdraw(), false, T0, &ctx);
    assert_eq!(p.missing.len(), 1);
    assert!(p.missing[0].contains("198.51.100.0/24"), "{:?}", p.missing);
}
