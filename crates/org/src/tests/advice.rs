//! The least-privilege advice, case by case.

use crate::view::{AddressUse, KeyUsage, ScopeUse};
use crate::{ApiKeySpec, KeySettings, Scope, UNUSED_AFTER_SECONDS, advise};

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

fn key(ips: &[&str]) -> ApiKeySpec {
    ApiKeySpec {
        scopes: [Scope::FundsQuery, Scope::TradesModify, Scope::ExportData]
            .into_iter()
            .collect(),
        settings: KeySettings {
            ip_allowlist: ips.iter().map(|s| (*s).to_owned()).collect(),
            ..KeySettings::default()
        },
    }
}

fn usage(scopes: &[(Scope, Option<i64>)], addresses: &[&str]) -> KeyUsage {
    KeyUsage {
        service_user: "su-x".into(),
        endpoints: Vec::new(),
        refusals: Vec::new(),
        addresses: addresses
            .iter()
            .map(|a| AddressUse {
                address: (*a).to_owned(),
                calls: 1,
                last_at: NOW,
            })
            .collect(),
        scopes: scopes
            .iter()
            .map(|(scope, last_at)| ScopeUse {
                scope: *scope,
                last_at: *last_at,
            })
            .collect(),
        destinations: Vec::new(),
    }
}

#[test]
fn drops_scopes_unused_for_30_days_and_narrows_an_open_list_to_the_addresses_seen() {
    let used = usage(
        &[
            (Scope::FundsQuery, Some(NOW - DAY)),
            (Scope::TradesModify, None),
            (Scope::ExportData, Some(NOW - UNUSED_AFTER_SECONDS - 1)),
        ],
        &["203.0.113.7", "203.0.113.8"],
    );
    let advice = advise(&key(&[]), &used, NOW).expect("something to tighten");
    assert_eq!(
        advice.key.scopes.iter().copied().collect::<Vec<_>>(),
        [Scope::FundsQuery]
    );
    assert_eq!(
        advice
            .dropped
            .iter()
            .map(|d| (d.scope, d.last_at))
            .collect::<Vec<_>>(),
        [
            (Scope::TradesModify, None),
            (Scope::ExportData, Some(NOW - UNUSED_AFTER_SECONDS - 1))
        ]
    );
    assert_eq!(
        advice.key.settings.ip_allowlist,
        ["203.0.113.7", "203.0.113.8"]
    );
    assert_eq!(
        advice.summary(|t| format!("t{t}")),
        format!(
            "remove Create & modify orders (never used), Export data (last used t{}); narrow the IP list to 203.0.113.7, 203.0.113.8 (the addresses seen)",
            NOW - UNUSED_AFTER_SECONDS - 1
        )
    );
    // Exactly 30 days ago still counts as used.
    let edge = usage(
        &[
            (Scope::FundsQuery, Some(NOW - UNUSED_AFTER_SECONDS)),
            (Scope::TradesModify, Some(NOW)),
            (Scope::ExportData, Some(NOW)),
        ],
        &[],
    );
    assert_eq!(advise(&key(&["10.0.0.0/8"]), &edge, NOW), None);
}

#[test]
fn leaves_a_list_already_set_and_offers_nothing_for_a_key_used_fully_or_not_at_all() {
    let listed = advise(
        &key(&["10.0.0.0/8"]),
        &usage(
            &[
                (Scope::FundsQuery, Some(NOW)),
                (Scope::TradesModify, Some(NOW)),
                (Scope::ExportData, None),
            ],
            &["10.1.1.1"],
        ),
        NOW,
    )
    .expect("export_data unused");
    assert!(listed.narrowed_to.is_empty());
    assert_eq!(listed.key.settings.ip_allowlist, ["10.0.0.0/8"]);
    let all_used = usage(
        &[
            (Scope::FundsQuery, Some(NOW)),
            (Scope::TradesModify, Some(NOW)),
            (Scope::ExportData, Some(NOW)),
        ],
        &[],
    );
    assert_eq!(advise(&key(&["10.0.0.0/8"]), &all_used, NOW), None);
    let unused = usage(
        &[
            (Scope::FundsQuery, None),
            (Scope::TradesModify, None),
            (Scope::ExportData, None),
        ],
        &["10.1.1.1"],
    );
    assert_eq!(advise(&key(&[]), &unused, NOW), None);
}

#[test]
fn the_advised_change_only_tightens() {
    let org = super::fixture::org();
    let used = usage(
        &[(Scope::FundsQuery, Some(NOW)), (Scope::FundsWithdraw, None)],
        &["198.51.100.9"],
    );
    let bot = &org.service_users[&crate::ServiceUserId(super::fixture::BOT.into())];
    let advice = advise(&bot.key, &used, NOW).expect("withdraw unused");
    let lines = org.change_diff(&advice.payload(super::fixture::BOT));
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l.direction == Some(crate::Direction::Tightening)),
        "{lines:?}"
    );
}
