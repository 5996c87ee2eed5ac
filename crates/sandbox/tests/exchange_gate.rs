//! What every private call passes before its handler: key, signature, nonce, lockout, the key's
//! settings, the rate counter and the endpoint's permission — each refusal with the exchange's
//! exact string.

// Tests panic on any surprise; `unwrap` is the point.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Harness, Key, err, ok};
use countersign_kraken::ApiSecret;
use countersign_kraken::rest::{Endpoint, Requirement};
use countersign_org::{ApiKeySpec, KeySettings, Scope};
use countersign_sandbox::gate::{LOCKOUT_AFTER, LOCKOUT_MS, RateTier};

fn spec(scopes: &[Scope], settings: KeySettings) -> ApiKeySpec {
    ApiKeySpec {
        scopes: scopes.iter().copied().collect(),
        settings,
    }
}

#[tokio::test]
async fn unknown_key_bad_signature_and_stale_nonce_are_refused_exactly() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    ok(&h.private(&bot, "Balance", &[]).await);

    let stranger = Key {
        api_key: "A".repeat(56),
        secret: bot.secret.clone(),
    };
    assert_eq!(
        err(&h.private(&stranger, "Balance", &[]).await),
        "EAPI:Invalid key"
    );

    let forged = Key {
        api_key: bot.api_key.clone(),
        secret: ApiSecret::from_bytes(vec![7; 64]),
    };
    assert_eq!(
        err(&h.private(&forged, "Balance", &[]).await),
        "EAPI:Invalid signature"
    );

    let n = h.next_nonce();
    ok(&h.private_with_nonce(&bot, "Balance", n, &[]).await);
    // The same nonce again, and an older one, are refused: a replayed call never acts twice.
    assert_eq!(
        err(&h.private_with_nonce(&bot, "Balance", n, &[]).await),
        "EAPI:Invalid nonce"
    );
    assert_eq!(
        err(&h.private_with_nonce(&bot, "Balance", n - 1, &[]).await),
        "EAPI:Invalid nonce"
    );
    assert_eq!(
        err(&h.private(&bot, "NoSuchCall", &[]).await),
        "EGeneral:Unknown method"
    );
}

#[tokio::test]
async fn repeated_bad_signatures_lock_the_key_out_for_fifteen_minutes() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    let forged = Key {
        api_key: bot.api_key.clone(),
        secret: ApiSecret::from_bytes(vec![7; 64]),
    };
    for _ in 0..LOCKOUT_AFTER {
        assert_eq!(
            err(&h.private(&forged, "Balance", &[]).await),
            "EAPI:Invalid signature"
        );
    }
    // Even a correctly signed call is refused while the lockout lasts.
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EGeneral:Temporary lockout"
    );
    // Other keys are unaffected.
    ok(&h.private(&h.bot("su-rebalancer"), "Balance", &[]).await);
    h.advance_ms(LOCKOUT_MS);
    ok(&h.private(&bot, "Balance", &[]).await);
}

#[tokio::test]
async fn repeated_bad_nonces_lock_out_and_a_good_call_resets_the_count() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    let n = h.next_nonce();
    ok(&h.private_with_nonce(&bot, "Balance", n, &[]).await);
    for _ in 0..LOCKOUT_AFTER - 1 {
        assert_eq!(
            err(&h.private_with_nonce(&bot, "Balance", n, &[]).await),
            "EAPI:Invalid nonce"
        );
    }
    ok(&h.private(&bot, "Balance", &[]).await);
    for _ in 0..LOCKOUT_AFTER - 1 {
        assert_eq!(
            err(&h.private_with_nonce(&bot, "Balance", n, &[]).await),
            "EAPI:Invalid nonce"
        );
    }
    ok(&h.private(&bot, "Balance", &[]).await);
    for _ in 0..LOCKOUT_AFTER {
        assert_eq!(
            err(&h.private_with_nonce(&bot, "Balance", n, &[]).await),
            "EAPI:Invalid nonce"
        );
    }
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EGeneral:Temporary lockout"
    );
}

#[tokio::test]
async fn guessing_keys_locks_the_calling_address_out() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    for i in 0..LOCKOUT_AFTER {
        let guess = Key {
            api_key: format!("{i:0>56}"),
            secret: bot.secret.clone(),
        };
        assert_eq!(
            err(&h.private(&guess, "Balance", &[]).await),
            "EAPI:Invalid key"
        );
    }
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EGeneral:Temporary lockout"
    );
}

#[tokio::test]
async fn a_nonce_window_admits_late_nonces_once_each() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    let settings = KeySettings {
        nonce_window: 1_000,
        ..KeySettings::default()
    };
    h.sandbox()
        .operator_set_key_spec(&bot.api_key, &spec(&[Scope::FundsQuery], settings))
        .unwrap();
    ok(&h.private_with_nonce(&bot, "Balance", 10_000, &[]).await);
    ok(&h.private_with_nonce(&bot, "Balance", 9_500, &[]).await);
    assert_eq!(
        err(&h.private_with_nonce(&bot, "Balance", 9_500, &[]).await),
        "EAPI:Invalid nonce"
    );
    assert_eq!(
        err(&h.private_with_nonce(&bot, "Balance", 10_000, &[]).await),
        "EAPI:Invalid nonce"
    );
    assert_eq!(
        err(&h.private_with_nonce(&bot, "Balance", 8_999, &[]).await),
        "EAPI:Invalid nonce"
    );
    ok(&h.private_with_nonce(&bot, "Balance", 9_000, &[]).await);
}

/// Signs and sends `Balance` with `nonce` as `key` to the sandbox at `base`.
async fn balance(base: &str, key: &Key, nonce: u64) -> serde_json::Value {
    let body = common::private_at(&reqwest::Client::new(), base, key, "Balance", nonce, &[]).await;
    serde_json::from_slice(&body).unwrap()
}

/// The reporting bot's key in a sandbox on `dir`, with its nonce window set to `window`.
fn reporting_key(dir: &std::path::Path, window: u64) -> Key {
    let sandbox = countersign_sandbox::Sandbox::open(dir).unwrap();
    let creds = sandbox.demo_credentials("http://unused").unwrap();
    let bot = creds
        .service_users
        .iter()
        .find(|s| s.id == "su-reporting")
        .unwrap();
    let settings = KeySettings {
        nonce_window: window,
        ..KeySettings::default()
    };
    sandbox
        .operator_set_key_spec(&bot.api_key, &spec(&[Scope::FundsQuery], settings))
        .unwrap();
    Key {
        api_key: bot.api_key.clone(),
        secret: ApiSecret::from_base64(&bot.api_secret).unwrap(),
    }
}

#[tokio::test]
async fn the_highest_nonce_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let key = reporting_key(dir.path(), 0);
    let open = || countersign_sandbox::Sandbox::open(dir.path()).unwrap();
    let first = open().serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    ok(&balance(&first.base_url, &key, 500).await);
    first.shutdown().await;
    let second = open().serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert_eq!(
        err(&balance(&second.base_url, &key, 500).await),
        "EAPI:Invalid nonce"
    );
    ok(&balance(&second.base_url, &key, 501).await);
}

/// A captured call inside a key's nonce window is refused after a restart, for windows of 5,000
/// and the cap: the nonces used are as durable as the highest one.
#[tokio::test]
async fn a_nonce_used_inside_the_window_is_refused_after_a_restart() {
    for window in [5_000, countersign_org::MAX_NONCE_WINDOW] {
        let dir = tempfile::tempdir().unwrap();
        let key = reporting_key(dir.path(), window);
        let open = || countersign_sandbox::Sandbox::open(dir.path()).unwrap();
        let first = open().serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let top = 1_000_000;
        let late = top - window / 2;
        ok(&balance(&first.base_url, &key, top).await);
        ok(&balance(&first.base_url, &key, late).await);
        first.shutdown().await;

        let second = open().serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        for replayed in [top, late] {
            assert_eq!(
                err(&balance(&second.base_url, &key, replayed).await),
                "EAPI:Invalid nonce",
                "window {window}: nonce {replayed} replayed after a restart"
            );
        }
        // The window still admits a late nonce that was never used, once.
        ok(&balance(&second.base_url, &key, late + 1).await);
        assert_eq!(
            err(&balance(&second.base_url, &key, late + 1).await),
            "EAPI:Invalid nonce"
        );
        second.shutdown().await;
    }
}

/// Two servers on one database (a restart overlapping the old process, or two processes) share
/// what was used: a call accepted by one is refused by the other.
#[tokio::test]
async fn two_servers_on_one_database_accept_a_nonce_once() {
    let dir = tempfile::tempdir().unwrap();
    let key = reporting_key(dir.path(), 5_000);
    let open = || countersign_sandbox::Sandbox::open(dir.path()).unwrap();
    let a = open().serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let b = open().serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    ok(&balance(&a.base_url, &key, 10_000).await);
    ok(&balance(&b.base_url, &key, 9_000).await);
    for (server, nonce) in [(&b, 10_000), (&a, 9_000)] {
        assert_eq!(
            err(&balance(&server.base_url, &key, nonce).await),
            "EAPI:Invalid nonce",
            "nonce {nonce} accepted twice"
        );
    }
}

#[tokio::test]
async fn the_rate_counter_refuses_over_the_tier_maximum_and_decays() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    h.sandbox().set_rate_tier(RateTier::Starter).unwrap();
    for _ in 0..15 {
        ok(&h.private(&bot, "Balance", &[]).await);
    }
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EAPI:Rate limit exceeded"
    );
    // Starter decays 0.33 per second: a call is free again after about 3 s.
    h.advance_ms(3_031);
    ok(&h.private(&bot, "Balance", &[]).await);
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EAPI:Rate limit exceeded"
    );
    // A ledger query costs 2.
    h.advance_ms(3_031);
    assert_eq!(
        err(&h.private(&bot, "Ledgers", &[]).await),
        "EAPI:Rate limit exceeded"
    );
    h.advance_ms(3_031);
    ok(&h.private(&bot, "Ledgers", &[]).await);
    // The counter is per key.
    ok(&h.private(&h.bot("su-rebalancer"), "Balance", &[]).await);
}

#[tokio::test]
async fn an_expired_key_is_disabled() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    let now = common::START_MS / 1000;
    let settings = KeySettings {
        valid_until: now + 60,
        ..KeySettings::default()
    };
    h.sandbox()
        .operator_set_key_spec(&bot.api_key, &spec(&[Scope::FundsQuery], settings))
        .unwrap();
    ok(&h.private(&bot, "Balance", &[]).await);
    h.advance_ms(60_000);
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EAPI:Invalid key"
    );
}

#[tokio::test]
async fn the_ip_allowlist_admits_only_listed_addresses_and_ranges() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    for (list, allowed) in [
        (vec!["127.0.0.1"], true),
        (vec!["127.0.0.0/8"], true),
        (vec!["10.0.0.0/8", "127.0.0.0/30"], true),
        (vec!["10.0.0.0/8"], false),
        (vec!["::1/128"], false),
        (vec!["2001:db8::/32", "192.168.0.0/16"], false),
    ] {
        let settings = KeySettings {
            ip_allowlist: list.iter().map(|s| (*s).to_owned()).collect(),
            ..KeySettings::default()
        };
        h.sandbox()
            .operator_set_key_spec(&bot.api_key, &spec(&[Scope::FundsQuery], settings))
            .unwrap();
        let answer = h.private(&bot, "Balance", &[]).await;
        if allowed {
            ok(&answer);
        } else {
            assert_eq!(err(&answer), "EGeneral:Permission denied", "{list:?}");
        }
    }
}

#[tokio::test]
async fn a_key_with_2fa_needs_its_otp_on_every_call() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    h.sandbox()
        .set_key_password(&bot.api_key, Some("correct horse"))
        .unwrap();
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EAPI:Invalid signature"
    );
    assert_eq!(
        err(&h.private(&bot, "Balance", &[("otp", "wrong")]).await),
        "EAPI:Invalid signature"
    );
    ok(&h
        .private(&bot, "Balance", &[("otp", "correct horse")])
        .await);
    h.sandbox().set_key_password(&bot.api_key, None).unwrap();
    ok(&h.private(&bot, "Balance", &[]).await);
}

#[tokio::test]
async fn websocket_tokens_need_the_websocket_setting() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    assert_eq!(
        err(&h.private(&bot, "GetWebSocketsToken", &[]).await),
        "EGeneral:Permission denied"
    );
    let settings = KeySettings {
        websocket: true,
        ..KeySettings::default()
    };
    h.sandbox()
        .operator_set_key_spec(&bot.api_key, &spec(&[], settings))
        .unwrap();
    let token = ok(&h.private(&bot, "GetWebSocketsToken", &[]).await).clone();
    assert_eq!(token["expires"], 900);
    assert!(token["token"].as_str().is_some_and(|t| t.len() >= 20));
}

/// Every endpoint × the scopes it needs: a key holding exactly what the spec's table requires
/// gets past the permission check, and a key missing one required scope (or, for an "any of"
/// rule, holding none of them) gets `EGeneral:Permission denied` — whatever else it holds.
#[tokio::test]
async fn every_endpoint_needs_exactly_its_scopes() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    h.sandbox().set_rate_tier(RateTier::Pro).unwrap();
    let denied = "EGeneral:Permission denied";
    for endpoint in Endpoint::ALL {
        let mut cases: Vec<(Vec<Scope>, bool, bool)> = Vec::new(); // (scopes, websocket, allowed)
        match endpoint.requirement() {
            Requirement::AllOf(needed) => {
                cases.push((needed.to_vec(), false, true));
                for missing in needed {
                    let others: Vec<Scope> =
                        Scope::ALL.into_iter().filter(|s| s != missing).collect();
                    cases.push((others, true, false));
                }
            }
            Requirement::AnyOf(alternatives) => {
                for one in alternatives {
                    cases.push((vec![*one], false, true));
                }
                let none: Vec<Scope> = Scope::ALL
                    .into_iter()
                    .filter(|s| !alternatives.contains(s))
                    .collect();
                cases.push((none, true, false));
            }
            Requirement::WebSocket => {
                cases.push((vec![], true, true));
                cases.push((Scope::ALL.to_vec(), false, false));
            }
        }
        for (scopes, websocket, allowed) in cases {
            let settings = KeySettings {
                websocket,
                ..KeySettings::default()
            };
            h.sandbox()
                .operator_set_key_spec(&bot.api_key, &spec(&scopes, settings))
                .unwrap();
            h.advance_ms(10_000);
            let answer = h.private(&bot, endpoint.name(), &[]).await;
            let refused = answer["error"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == denied);
            assert_eq!(
                refused,
                !allowed,
                "{} with {scopes:?} (websocket {websocket}): {answer}",
                endpoint.name()
            );
        }
    }
}

#[tokio::test]
async fn each_keys_use_is_recorded_and_served_to_members_who_view_manage_access() {
    let h = Harness::start().await;
    // payout-bot holds funds_query and funds_withdraw.
    let bot = h.bot("su-payouts");
    ok(&h.private(&bot, "Balance", &[]).await);
    ok(&h.private(&bot, "Balance", &[]).await);
    assert_eq!(
        err(&h.private(&bot, "Ledgers", &[]).await),
        "EGeneral:Permission denied"
    );
    let reused = h.next_nonce();
    ok(&h.private_with_nonce(&bot, "BalanceEx", reused, &[]).await);
    assert_eq!(
        err(&h.private_with_nonce(&bot, "BalanceEx", reused, &[]).await),
        "EAPI:Invalid nonce"
    );
    let settings = KeySettings {
        ip_allowlist: vec!["10.0.0.0/8".into()],
        ..KeySettings::default()
    };
    h.sandbox()
        .operator_set_key_spec(
            &bot.api_key,
            &spec(&[Scope::FundsQuery, Scope::FundsWithdraw], settings),
        )
        .unwrap();
    assert_eq!(
        err(&h.private(&bot, "Balance", &[]).await),
        "EGeneral:Permission denied"
    );

    // Eve views Manage Access: she gets the record.
    let usage = h
        .org(
            "m-eve",
            "KeyUsage",
            &[("service_user", "su-payouts")],
            false,
        )
        .await;
    let usage = ok(&usage);
    let calls: Vec<(String, u64)> = usage["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["endpoint"].as_str().unwrap().to_owned(),
                e["calls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [("Balance".to_owned(), 2), ("BalanceEx".to_owned(), 1)]
    );
    let refusals: Vec<(String, u64)> = usage["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["cause"].as_str().unwrap().to_owned(),
                r["refusals"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refusals,
        [
            ("ip".to_owned(), 1),
            ("nonce".to_owned(), 1),
            ("scope".to_owned(), 1)
        ]
    );
    // Each scope the key holds, by the endpoints it unlocks: Balance needs funds_query; nothing
    // called needed funds_withdraw.
    let scopes: Vec<(String, bool)> = usage["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scope"].as_str().unwrap().to_owned(),
                !s["last_at"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        scopes,
        [
            ("funds_query".to_owned(), true),
            ("funds_withdraw".to_owned(), false)
        ]
    );
    assert_eq!(usage["addresses"][0]["address"], "127.0.0.1");
    assert_eq!(usage["addresses"][0]["calls"], 3);

    // Ben does not view Manage Access; an unknown service user is named.
    assert_eq!(
        err(&h
            .org(
                "m-ben",
                "KeyUsage",
                &[("service_user", "su-payouts")],
                false
            )
            .await),
        "EOrg:Not permitted"
    );
    assert_eq!(
        err(&h
            .org("m-eve", "KeyUsage", &[("service_user", "su-nobody")], false)
            .await),
        "EGeneral:Invalid arguments:service_user"
    );
}

#[tokio::test]
async fn the_entries_a_keys_withdrawal_calls_name_are_recorded_whatever_the_outcome() {
    let h = Harness::start().await;
    let bot = h.bot("su-payouts");
    let info = [
        ("asset", "USDT"),
        ("key", "usdt-otc-desk"),
        ("amount", "100"),
    ];
    ok(&h.private(&bot, "WithdrawInfo", &info).await);
    ok(&h.private(&bot, "WithdrawInfo", &info).await);
    // A name the address book no longer has: refused, and still recorded.
    let gone = [("asset", "XBT"), ("key", "cold-storage-9"), ("amount", "1")];
    assert_eq!(
        err(&h.private(&bot, "Withdraw", &gone).await),
        "EFunding:Unknown withdraw key"
    );
    ok(&h
        .private(&bot, "Balance", &[("key", "not-a-withdrawal")])
        .await);
    let usage = h
        .org(
            "m-eve",
            "KeyUsage",
            &[("service_user", "su-payouts")],
            false,
        )
        .await;
    let named: Vec<(String, u64)> = ok(&usage)["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                d["calls"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("cold-storage-9".to_owned(), 1),
            ("usdt-otc-desk".to_owned(), 2)
        ]
    );
}

/// Nobody outside a key's IP list can lock it out or spend its nonces: from outside, a call is
/// refused before its signature or nonce is looked at. Here the bot's list holds 127.0.0.2; the
/// outsider calls from 127.0.0.1 with bad signatures, then with a good one and a nonce far
/// ahead, and the bot, from its own address, is still served with its next nonce.
#[tokio::test]
async fn a_caller_outside_the_ip_list_cannot_lock_the_key_out_or_spend_its_nonces() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    let settings = KeySettings {
        ip_allowlist: vec!["127.0.0.2".to_owned()],
        ..KeySettings::default()
    };
    h.sandbox()
        .operator_set_key_spec(&bot.api_key, &spec(&[Scope::FundsQuery], settings))
        .unwrap();
    let forged = common::Key {
        api_key: bot.api_key.clone(),
        secret: countersign_kraken::ApiSecret::from_base64(&base64_of(&[7u8; 64])).unwrap(),
    };
    // The secret itself, from outside, with a nonce far ahead: refused, and not spent.
    let far = h.next_nonce() + 1_000_000;
    let stolen = h.private_with_nonce(&bot, "Balance", far, &[]).await;
    assert_eq!(err(&stolen), "EGeneral:Permission denied");
    // Bad signatures from outside lock out the outsider's address, not the key.
    for _ in 1..countersign_sandbox::gate::LOCKOUT_AFTER {
        let outsider = h.private(&forged, "Balance", &[]).await;
        assert_eq!(err(&outsider), "EGeneral:Permission denied", "{outsider}");
    }
    for _ in 0..2 {
        let outsider = h.private(&forged, "Balance", &[]).await;
        assert_eq!(err(&outsider), "EGeneral:Temporary lockout", "{outsider}");
    }

    let inside = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let served = common::private_at(
        &inside,
        &h.server.base_url,
        &bot,
        "Balance",
        h.next_nonce(),
        &[],
    )
    .await;
    let served: serde_json::Value = serde_json::from_slice(&served).unwrap();
    ok(&served);
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
