//! Earn through the exchange's private API: the sandbox's strategies, allocations that move
//! spot funds with `earn` ledger entries, (de)allocations that complete at once, and refusals
//! with the exchange's strings.

// Tests panic on any surprise; `unwrap` is the point.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Harness, Key, err, ok};
use countersign_org::{ApiKeySpec, KeySettings, Scope};
use countersign_sandbox::gate::RateTier;
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string, got {v}"))
        .parse()
        .unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// A key holding every scope, on the Pro rate tier.
fn saver(h: &Harness) -> Key {
    let key = h.bot("su-rebalancer");
    h.sandbox().set_rate_tier(RateTier::Pro).unwrap();
    h.sandbox()
        .operator_set_key_spec(
            &key.api_key,
            &ApiKeySpec {
                scopes: Scope::ALL.into_iter().collect(),
                settings: KeySettings::default(),
            },
        )
        .unwrap();
    key
}

/// One call, after letting the rate counter decay.
async fn call(h: &Harness, key: &Key, name: &str, fields: &[(&str, &str)]) -> Value {
    h.advance_ms(2_500);
    h.private(key, name, fields).await
}

/// Strategy ids by asset.
async fn strategy_ids(h: &Harness, key: &Key) -> Vec<(String, String)> {
    let list = ok(&call(h, key, "Earn/Strategies", &[]).await).clone();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["asset"].as_str().unwrap().to_owned(),
                s["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn id_of<'a>(ids: &'a [(String, String)], asset: &str) -> &'a str {
    &ids.iter().find(|(a, _)| a == asset).unwrap().1
}

/// The allocation item of `strategy`, if listed.
fn item<'a>(allocations: &'a Value, strategy: &str) -> Option<&'a Value> {
    allocations["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["strategy_id"] == strategy)
}

#[tokio::test]
async fn strategies_are_fixed_flexible_and_filterable() {
    let h = Harness::start().await;
    let key = saver(&h);
    let list = ok(&call(&h, &key, "Earn/Strategies", &[]).await).clone();
    let items = list["items"].as_array().unwrap();
    let assets: Vec<&str> = items.iter().map(|s| s["asset"].as_str().unwrap()).collect();
    let mut sorted = assets.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["ETH", "SOL", "USDT"]);
    for s in items {
        let id = s["id"].as_str().unwrap();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [7, 5, 6], "{id}");
        assert_eq!(s["lock_type"]["type"], "instant");
        assert_eq!(s["lock_type"]["payout_frequency"], 604_800);
        assert!(dec(&s["apr_estimate"]["low"]) < dec(&s["apr_estimate"]["high"]));
        assert_eq!(s["allocation_fee"], "0.0000");
        assert_eq!(s["deallocation_fee"], "0.0000");
        assert_eq!(s["user_min_allocation"], "1");
        assert_eq!(s["can_allocate"], true);
        assert_eq!(s["can_deallocate"], true);
        assert_eq!(s["auto_compound"]["type"], "enabled");
        assert_eq!(s["allocation_restriction_info"], serde_json::json!([]));
    }
    assert!(list.get("next_cursor").is_none(), "one page holds all");

    // Descending by id unless asked otherwise.
    let ids: Vec<&str> = items.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let up = ok(&call(&h, &key, "Earn/Strategies", &[("ascending", "true")]).await).clone();
    let up_ids: Vec<&str> = up["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(up_ids, ids.iter().rev().copied().collect::<Vec<_>>());

    // By asset (any of its names) and by lock type.
    for name in ["SOL", "XETH"] {
        let one = ok(&call(&h, &key, "Earn/Strategies", &[("asset", name)]).await).clone();
        assert_eq!(one["items"].as_array().unwrap().len(), 1, "{name}");
    }
    let none = ok(&call(&h, &key, "Earn/Strategies", &[("asset", "DOGE")]).await).clone();
    assert!(none["items"].as_array().unwrap().is_empty());
    let bonded = ok(&call(&h, &key, "Earn/Strategies", &[("lock_type", "bonded")]).await).clone();
    assert!(bonded["items"].as_array().unwrap().is_empty());
    let instant = ok(&call(
        &h,
        &key,
        "Earn/Strategies",
        &[("lock_type", "bonded,instant")],
    )
    .await)
    .clone();
    assert_eq!(instant["items"].as_array().unwrap().len(), 3);

    // Ids derive from the asset alone: another sandbox, another database, the same ids.
    let other = Harness::start().await;
    let other_key = saver(&other);
    assert_eq!(
        strategy_ids(&other, &other_key).await,
        strategy_ids(&h, &key).await
    );
}

#[tokio::test]
async fn allocating_and_deallocating_move_spot_funds_at_once() {
    let h = Harness::start().await;
    let key = saver(&h);
    let ids = strategy_ids(&h, &key).await;
    let sol = id_of(&ids, "SOL");
    let before = ok(&call(&h, &key, "Balance", &[]).await).clone();

    let done = call(
        &h,
        &key,
        "Earn/Allocate",
        &[("strategy_id", sol), ("amount", "100")],
    )
    .await;
    assert_eq!(ok(&done), &Value::Bool(true));
    for status in ["Earn/AllocateStatus", "Earn/DeallocateStatus"] {
        let s = ok(&call(&h, &key, status, &[("strategy_id", sol)]).await).clone();
        assert_eq!(s, serde_json::json!({"pending": false}), "{status}");
    }
    let balance = ok(&call(&h, &key, "Balance", &[]).await).clone();
    assert_eq!(dec(&balance["SOL"]), dec(&before["SOL"]) - d("100"));

    let listed = ok(&call(&h, &key, "Earn/Allocations", &[]).await).clone();
    assert_eq!(listed["converted_asset"], "USD");
    let sol_item = item(&listed, sol).unwrap();
    assert_eq!(sol_item["native_asset"], "SOL");
    assert_eq!(
        sol_item["amount_allocated"]["total"],
        serde_json::json!({"native": "100.0000000000", "converted": "14235.0000"})
    );
    assert!(sol_item["amount_allocated"].get("pending").is_none());
    assert!(dec(&listed["total_allocated"]) >= d("14235"));

    let back = call(
        &h,
        &key,
        "Earn/Deallocate",
        &[("strategy_id", sol), ("amount", "40")],
    )
    .await;
    assert_eq!(ok(&back), &Value::Bool(true));
    let balance = ok(&call(&h, &key, "Balance", &[]).await).clone();
    assert_eq!(dec(&balance["SOL"]), dec(&before["SOL"]) - d("60"));
    let listed =
        ok(&call(&h, &key, "Earn/Allocations", &[("converted_asset", "EUR")]).await).clone();
    assert_eq!(listed["converted_asset"], "EUR");
    assert_eq!(
        item(&listed, sol).unwrap()["amount_allocated"]["total"],
        serde_json::json!({"native": "60.0000000000", "converted": "8088.0000"}) // 60 × 134.80
    );

    // Two `earn` entries in the spot ledger, with running balances.
    let entries =
        ok(&call(&h, &key, "Ledgers", &[("type", "earn"), ("asset", "SOL")]).await).clone();
    let moves: Vec<&Value> = entries["ledger"]
        .as_object()
        .unwrap()
        .values()
        .filter(|e| e["subtype"] != "reward")
        .collect();
    assert_eq!(moves.len(), 2);
    let (dealloc, alloc) = (moves[0], moves[1]);
    assert_eq!(alloc["subtype"], "allocation");
    assert_eq!(dec(&alloc["amount"]), d("-100"));
    assert_eq!(dec(&alloc["balance"]), dec(&before["SOL"]) - d("100"));
    assert_eq!(dealloc["subtype"], "deallocation");
    assert_eq!(dec(&dealloc["amount"]), d("40"));
    assert_eq!(dec(&dealloc["balance"]), dec(&balance["SOL"]));
    assert_ne!(alloc["refid"], dealloc["refid"]);

    // Fully deallocated: listed with zero, unless zero allocations are hidden.
    call(
        &h,
        &key,
        "Earn/Deallocate",
        &[("strategy_id", sol), ("amount", "60")],
    )
    .await;
    let listed = ok(&call(&h, &key, "Earn/Allocations", &[]).await).clone();
    assert_eq!(
        item(&listed, sol).unwrap()["amount_allocated"]["total"]["native"],
        "0.0000000000"
    );
    let hidden = ok(&call(
        &h,
        &key,
        "Earn/Allocations",
        &[("hide_zero_allocations", "true")],
    )
    .await)
    .clone();
    assert!(item(&hidden, sol).is_none());
    let balance = ok(&call(&h, &key, "Balance", &[]).await).clone();
    assert_eq!(balance["SOL"], before["SOL"]);
}

/// An endpoint, its fields and the error expected.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn earn_refuses_with_the_exchanges_errors() {
    let h = Harness::start().await;
    let key = saver(&h);
    let ids = strategy_ids(&h, &key).await;
    let (sol, eth) = (id_of(&ids, "SOL"), id_of(&ids, "ETH"));
    let before = ok(&call(&h, &key, "Balance", &[]).await).clone();
    let insufficient =
        "EEarnings:Insufficient funds:Insufficient funds to complete the (de)allocation request";
    let cases: Vec<Case<'_>> = vec![
        (
            "Earn/Allocate",
            vec![("strategy_id", "ESRFUO3-Q62XD-WIOIL7"), ("amount", "1")],
            "EGeneral:Invalid arguments:Invalid strategy ID",
        ),
        (
            "Earn/Deallocate",
            vec![("strategy_id", "nope"), ("amount", "1")],
            "EGeneral:Invalid arguments:Invalid strategy ID",
        ),
        (
            "Earn/AllocateStatus",
            vec![("strategy_id", "nope")],
            "EGeneral:Invalid arguments:Invalid strategy ID",
        ),
        (
            "Earn/DeallocateStatus",
            vec![],
            "EGeneral:Invalid arguments:strategy_id",
        ),
        (
            "Earn/Allocate",
            vec![("amount", "1")],
            "EGeneral:Invalid arguments:strategy_id",
        ),
        (
            "Earn/Allocate",
            vec![("strategy_id", sol)],
            "EGeneral:Invalid arguments:amount",
        ),
        (
            "Earn/Allocate",
            vec![("strategy_id", sol), ("amount", "lots")],
            "EGeneral:Invalid arguments:amount",
        ),
        (
            "Earn/Allocate",
            vec![("strategy_id", sol), ("amount", "-5")],
            "EGeneral:Invalid arguments:amount",
        ),
        (
            "Earn/Allocate",
            vec![("strategy_id", sol), ("amount", "0.00000000001")],
            "EGeneral:Invalid arguments:amount",
        ),
        // 0.005 SOL is worth 0.71 USD, under the 1 USD minimum.
        (
            "Earn/Allocate",
            vec![("strategy_id", sol), ("amount", "0.005")],
            "EEarnings:Below min:(De)allocation operation amount less than minimum",
        ),
        (
            "Earn/Allocate",
            vec![("strategy_id", sol), ("amount", "18250.0000000001")],
            insufficient,
        ),
        (
            "Earn/Deallocate",
            vec![("strategy_id", eth), ("amount", "1")],
            insufficient,
        ),
        (
            "Earn/Allocations",
            vec![("converted_asset", "DOGE")],
            "EGeneral:Invalid arguments:converted_asset",
        ),
    ];
    for (endpoint, fields, expected) in cases {
        assert_eq!(
            err(&call(&h, &key, endpoint, &fields).await),
            expected,
            "{endpoint} {fields:?}"
        );
    }
    // Deallocating more than is allocated.
    call(
        &h,
        &key,
        "Earn/Allocate",
        &[("strategy_id", eth), ("amount", "2")],
    )
    .await;
    assert_eq!(
        err(&call(
            &h,
            &key,
            "Earn/Deallocate",
            &[("strategy_id", eth), ("amount", "2.0000000001")],
        )
        .await),
        insufficient
    );
    let after = ok(&call(&h, &key, "Balance", &[]).await).clone();
    assert_eq!(dec(&after["XETH"]), dec(&before["XETH"]) - d("2"));
    assert_eq!(after["SOL"], before["SOL"], "refusals move nothing");
}

#[tokio::test]
async fn funds_held_by_open_orders_cannot_be_allocated() {
    let h = Harness::start().await;
    let key = saver(&h);
    let ids = strategy_ids(&h, &key).await;
    let sol = id_of(&ids, "SOL");
    // A resting sell holds 250 of the 18250 SOL.
    let placed = call(
        &h,
        &key,
        "AddOrder",
        &[
            ("pair", "SOLUSD"),
            ("type", "sell"),
            ("ordertype", "limit"),
            ("price", "200"),
            ("volume", "250"),
        ],
    )
    .await;
    ok(&placed);
    assert_eq!(
        err(&call(
            &h,
            &key,
            "Earn/Allocate",
            &[("strategy_id", sol), ("amount", "18000.5")],
        )
        .await),
        "EEarnings:Insufficient funds:Insufficient funds to complete the (de)allocation request"
    );
    let all_free = call(
        &h,
        &key,
        "Earn/Allocate",
        &[("strategy_id", sol), ("amount", "18000")],
    )
    .await;
    assert_eq!(ok(&all_free), &Value::Bool(true));
    let ex = ok(&call(&h, &key, "BalanceEx", &[]).await).clone();
    assert_eq!(ex["SOL"]["balance"], "250.0000000000");
    assert_eq!(ex["SOL"]["hold_trade"], "250.0000000000");
}
