//! Spot trading through the exchange's private API under the sandbox's fill model: orders that
//! fill at once post two ledger legs with exact running balances, resting limit orders hold funds
//! until cancelled, refusals carry the exchange's strings, and the history calls page newest
//! first within the key's query window.

// Tests panic on any surprise; `unwrap` is the point.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

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

/// A key holding every scope (the scope checks themselves are `exchange_gate`'s), on the Pro
/// rate tier.
fn trader(h: &Harness, settings: KeySettings) -> Key {
    let key = h.bot("su-rebalancer");
    h.sandbox().set_rate_tier(RateTier::Pro).unwrap();
    h.sandbox()
        .operator_set_key_spec(
            &key.api_key,
            &ApiKeySpec {
                scopes: Scope::ALL.into_iter().collect(),
                settings,
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

async fn add(h: &Harness, key: &Key, fields: &[(&str, &str)]) -> Value {
    ok(&call(h, key, "AddOrder", fields).await).clone()
}

async fn balance(h: &Harness, key: &Key) -> Value {
    ok(&call(h, key, "Balance", &[]).await).clone()
}

/// Every ledger entry, oldest first.
async fn whole_ledger(h: &Harness, key: &Key) -> Vec<(String, Value)> {
    let mut all = Vec::new();
    loop {
        let ofs = all.len().to_string();
        let page = ok(&call(h, key, "Ledgers", &[("ofs", &ofs)]).await).clone();
        let entries = page["ledger"].as_object().unwrap();
        if entries.is_empty() {
            break;
        }
        all.extend(entries.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    all.reverse();
    all
}

#[tokio::test]
async fn a_market_buy_fills_at_the_reference_price_with_two_ledger_legs() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let before = balance(&h, &key).await;

    let placed = add(
        &h,
        &key,
        &[
            ("pair", "XBTUSD"),
            ("type", "buy"),
            ("ordertype", "market"),
            ("volume", "0.5"),
            ("userref", "7"),
        ],
    )
    .await;
    assert_eq!(placed["descr"]["order"], "buy 0.50000000 XBTUSD @ market");
    let txids = placed["txid"].as_array().unwrap();
    assert_eq!(txids.len(), 1);
    let order_id = txids[0].as_str().unwrap();
    assert!(
        order_id.starts_with('O') && order_id.len() == 19,
        "{order_id}"
    );

    // 0.5 × 91250.0 = 45625; fee 0.26 % = 118.625, in the quote asset.
    let (cost, fee) = (d("45625"), d("118.625"));
    let after = balance(&h, &key).await;
    assert_eq!(dec(&after["XXBT"]), dec(&before["XXBT"]) + d("0.5"));
    assert_eq!(dec(&after["ZUSD"]), dec(&before["ZUSD"]) - cost - fee);

    let closed = ok(&call(&h, &key, "ClosedOrders", &[("trades", "true")]).await).clone();
    let order = &closed["closed"][order_id];
    assert_eq!(order["status"], "closed");
    assert_eq!(order["userref"], 7);
    assert_eq!(order["vol"], "0.50000000");
    assert_eq!(order["vol_exec"], "0.50000000");
    assert_eq!(order["cost"], "45625.0000");
    assert_eq!(order["fee"], "118.6250");
    assert_eq!(order["price"], "91250.0");
    assert_eq!(order["opentm"], order["closetm"]);
    assert_eq!(order["descr"]["pair"], "XBTUSD");
    assert_eq!(order["descr"]["type"], "buy");
    assert_eq!(order["descr"]["ordertype"], "market");
    assert_eq!(order["descr"]["price"], "0");
    assert_eq!(order["descr"]["leverage"], "none");
    assert_eq!(order["descr"]["order"], "buy 0.50000000 XBTUSD @ market");
    let trade_id = order["trades"][0].as_str().unwrap().to_owned();

    let history = ok(&call(&h, &key, "TradesHistory", &[("ledgers", "true")]).await).clone();
    let (newest, trade) = history["trades"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(newest, &trade_id, "the newest trade comes first");
    assert_eq!(trade["ordertxid"], order_id);
    assert_eq!(trade["pair"], "XXBTZUSD");
    assert_eq!(trade["type"], "buy");
    assert_eq!(trade["ordertype"], "market");
    assert_eq!(trade["price"], "91250.0");
    assert_eq!(trade["vol"], "0.50000000");
    assert_eq!(trade["cost"], "45625.0000");
    assert_eq!(trade["fee"], "118.6250");
    assert_eq!(trade["time"], order["closetm"]);

    // Two legs under the trade's id, the fee on the quote leg, balances as `Balance` reports.
    let legs: Vec<&str> = trade["ledgers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(legs.len(), 2);
    let entries = ok(&call(&h, &key, "QueryLedgers", &[("id", &legs.join(","))]).await).clone();
    let base = &entries[legs[0]];
    let quote = &entries[legs[1]];
    for leg in [base, quote] {
        assert_eq!(leg["refid"], trade_id.as_str());
        assert_eq!(leg["type"], "trade");
        assert_eq!(leg["subtype"], "tradespot");
        assert_eq!(leg["time"], trade["time"]);
    }
    assert_eq!(base["asset"], "XXBT");
    assert_eq!(dec(&base["amount"]), d("0.5"));
    assert_eq!(dec(&base["fee"]), Decimal::ZERO);
    assert_eq!(dec(&base["balance"]), dec(&after["XXBT"]));
    assert_eq!(quote["asset"], "ZUSD");
    assert_eq!(dec(&quote["amount"]), -cost);
    assert_eq!(dec(&quote["fee"]), fee);
    assert_eq!(dec(&quote["balance"]), dec(&after["ZUSD"]));
}

#[tokio::test]
async fn a_crossing_limit_order_fills_at_the_reference_and_the_ledger_stays_consistent() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let before = balance(&h, &key).await;

    // A sell limited at or below the reference fills at the reference (142.35), not the limit.
    let sold = add(
        &h,
        &key,
        &[
            ("pair", "SOLUSD"),
            ("type", "sell"),
            ("ordertype", "limit"),
            ("price", "100"),
            ("volume", "10"),
        ],
    )
    .await;
    assert_eq!(
        sold["descr"]["order"],
        "sell 10.00000000 SOLUSD @ limit 100.00"
    );
    let closed = ok(&call(&h, &key, "ClosedOrders", &[]).await).clone();
    let order = &closed["closed"][sold["txid"][0].as_str().unwrap()];
    assert_eq!(order["status"], "closed");
    assert_eq!(order["price"], "142.35");
    assert_eq!(order["descr"]["price"], "100.00");
    assert_eq!(order["cost"], "1423.5000");
    assert_eq!(order["fee"], "3.7011");

    // A buy limited at or above the reference fills too; so do orders quoted in BTC.
    for fields in [
        [
            ("pair", "ETHUSD"),
            ("type", "buy"),
            ("ordertype", "limit"),
            ("price", "3100"),
            ("volume", "1.5"),
        ],
        [
            ("pair", "ETHXBT"),
            ("type", "sell"),
            ("ordertype", "market"),
            ("price", ""),
            ("volume", "3"),
        ],
        [
            ("pair", "XBT/EUR"),
            ("type", "sell"),
            ("ordertype", "limit"),
            ("price", "+0"),
            ("volume", "0.25"),
        ],
    ] {
        add(&h, &key, &fields).await;
    }
    let open = ok(&call(&h, &key, "OpenOrders", &[]).await).clone();
    assert!(
        open["open"].as_object().unwrap().is_empty(),
        "all filled: {open}"
    );
    let after = balance(&h, &key).await;
    assert_eq!(dec(&after["SOL"]), dec(&before["SOL"]) - d("10"));
    assert_eq!(
        dec(&after["XETH"]),
        dec(&before["XETH"]) + d("1.5") - d("3")
    );
    // ETHXBT: 3 × 0.03342 = 0.10026 BTC, less 0.26 % = 0.000260676.
    assert_eq!(
        dec(&after["XXBT"]),
        dec(&before["XXBT"]) + d("0.10026") - d("0.000260676") - d("0.25")
    );

    // previous + amount − fee = balance for every entry, and the last is the asset's balance.
    let all = whole_ledger(&h, &key).await;
    let mut running: BTreeMap<String, Decimal> = BTreeMap::new();
    for (id, e) in &all {
        let asset = e["asset"].as_str().unwrap().to_owned();
        let next =
            running.get(&asset).copied().unwrap_or_default() + dec(&e["amount"]) - dec(&e["fee"]);
        assert_eq!(next, dec(&e["balance"]), "{id}: {e}");
        running.insert(asset, next);
    }
    for (asset, amount) in running {
        assert_eq!(dec(&after[&asset]), amount, "{asset}");
    }
    let trades = all.iter().filter(|(_, e)| e["type"] == "trade").count();
    let history = ok(&call(&h, &key, "TradesHistory", &[]).await).clone();
    assert_eq!(trades as u64, 2 * history["count"].as_u64().unwrap());
}

#[tokio::test]
async fn a_resting_limit_order_holds_funds_until_cancelled() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let before = balance(&h, &key).await;

    // The official example: far below the reference (91250.0), so it rests.
    let placed = add(
        &h,
        &key,
        &[
            ("ordertype", "limit"),
            ("pair", "XBTUSD"),
            ("price", "37500"),
            ("type", "buy"),
            ("volume", "1.25"),
            ("userref", "42"),
        ],
    )
    .await;
    assert_eq!(
        placed["descr"]["order"],
        "buy 1.25000000 XBTUSD @ limit 37500.0"
    );
    let buy_id = placed["txid"][0].as_str().unwrap().to_owned();
    let sell = add(
        &h,
        &key,
        &[
            ("pair", "ETHUSD"),
            ("type", "sell"),
            ("ordertype", "limit"),
            ("price", "4000"),
            ("volume", "2"),
            ("userref", "42"),
        ],
    )
    .await;
    let sell_id = sell["txid"][0].as_str().unwrap().to_owned();

    // Nothing moved; BalanceEx holds cost + fee of the buy and the volume of the sell.
    assert_eq!(balance(&h, &key).await, before);
    let ex = ok(&call(&h, &key, "BalanceEx", &[]).await).clone();
    assert_eq!(ex["ZUSD"]["hold_trade"], "46996.8750"); // 1.25 × 37500 × 1.0026
    assert_eq!(ex["XETH"]["hold_trade"], "2.0000000000");
    assert_eq!(ex["XXBT"]["hold_trade"], "0.0000000000");

    let open = ok(&call(&h, &key, "OpenOrders", &[]).await).clone();
    let ids: Vec<&String> = open["open"].as_object().unwrap().keys().collect();
    assert_eq!(ids, [&sell_id, &buy_id], "newest first");
    let o = &open["open"][&buy_id];
    assert_eq!(o["status"], "open");
    assert_eq!(o["userref"], 42);
    assert_eq!(o["vol"], "1.25000000");
    assert_eq!(o["vol_exec"], "0.00000000");
    assert_eq!(o["cost"], "0.0000");
    assert_eq!(o["price"], "0.0");
    assert_eq!(o["descr"]["price"], "37500.0");
    assert_eq!(o["descr"]["ordertype"], "limit");
    assert!(o.get("closetm").is_none());

    // The hold is not spendable: a buy covered by the balance but not by balance − hold fails.
    // 37.7 × 91250 = 3440125, + 0.26 % = 3449069.325: above 3480250.55 − 46996.875.
    let big_buy = [
        ("pair", "XBTUSD"),
        ("type", "buy"),
        ("ordertype", "market"),
        ("volume", "37.7"),
    ];
    assert_eq!(
        err(&call(&h, &key, "AddOrder", &big_buy).await),
        "EOrder:Insufficient funds"
    );
    // Nor can the held ETH be sold twice: 612.5 − 2 remain.
    assert_eq!(
        err(&call(
            &h,
            &key,
            "AddOrder",
            &[
                ("pair", "ETHUSD"),
                ("type", "sell"),
                ("ordertype", "market"),
                ("volume", "611"),
            ],
        )
        .await),
        "EOrder:Insufficient funds"
    );

    // Cancelling releases the hold; the order moves to ClosedOrders as cancelled.
    let cancelled = ok(&call(&h, &key, "CancelOrder", &[("txid", &buy_id)]).await).clone();
    assert_eq!(cancelled, serde_json::json!({"count": 1}));
    let ex = ok(&call(&h, &key, "BalanceEx", &[]).await).clone();
    assert_eq!(ex["ZUSD"]["hold_trade"], "0.0000");
    let closed = ok(&call(&h, &key, "ClosedOrders", &[("userref", "42")]).await).clone();
    assert_eq!(closed["count"], 1);
    let c = &closed["closed"][&buy_id];
    assert_eq!(c["status"], "canceled");
    assert_eq!(c["reason"], "User requested");
    assert_eq!(c["vol_exec"], "0.00000000");
    assert!(c["closetm"].as_f64().unwrap() > c["opentm"].as_f64().unwrap());
    assert_eq!(
        err(&call(&h, &key, "CancelOrder", &[("txid", &buy_id)]).await),
        "EOrder:Unknown order"
    );
    assert_eq!(
        err(&call(&h, &key, "CancelOrder", &[("txid", "OAAAAA-BBBBB-CCCCCC")]).await),
        "EOrder:Unknown order"
    );

    // Now the big buy is covered.
    add(&h, &key, &big_buy).await;
    // A userref cancels every open order carrying it.
    let by_ref = ok(&call(&h, &key, "CancelOrder", &[("txid", "42")]).await).clone();
    assert_eq!(by_ref["count"], 1);
    let open = ok(&call(&h, &key, "OpenOrders", &[]).await).clone();
    assert!(open["open"].as_object().unwrap().is_empty());
    assert_eq!(
        err(&call(&h, &key, "CancelOrder", &[]).await),
        "EGeneral:Invalid arguments:txid"
    );
}

#[tokio::test]
async fn client_order_ids_identify_open_orders() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let resting = |cl: &'static str| {
        [
            ("pair", "SOLUSD"),
            ("type", "buy"),
            ("ordertype", "limit"),
            ("price", "100"),
            ("volume", "1"),
            ("cl_ord_id", cl),
        ]
    };
    let first = add(&h, &key, &resting("arb-20240509-00010")).await;
    let id = first["txid"][0].as_str().unwrap();
    add(&h, &key, &resting("6d1b345e-2821-40e2-ad83-4ecb18a06876")).await;
    let only = ok(&call(
        &h,
        &key,
        "OpenOrders",
        &[("cl_ord_id", "arb-20240509-00010")],
    )
    .await)
    .clone();
    let open = only["open"].as_object().unwrap();
    assert_eq!(open.keys().collect::<Vec<_>>(), [id]);
    assert_eq!(open[id]["cl_ord_id"], "arb-20240509-00010");

    // Unique among open orders; exclusive with userref; in the exchange's formats.
    for fields in [
        resting("arb-20240509-00010").to_vec(),
        [resting("other").to_vec(), vec![("userref", "1")]].concat(),
        resting("far-too-long-for-free-text").to_vec(),
    ] {
        assert_eq!(
            err(&call(&h, &key, "AddOrder", &fields).await),
            "EGeneral:Invalid arguments:cl_ord_id"
        );
    }
    let cancelled = ok(&call(
        &h,
        &key,
        "CancelOrder",
        &[("cl_ord_id", "arb-20240509-00010")],
    )
    .await)
    .clone();
    assert_eq!(cancelled["count"], 1);
    assert_eq!(
        err(&call(
            &h,
            &key,
            "CancelOrder",
            &[("cl_ord_id", "arb-20240509-00010")]
        )
        .await),
        "EOrder:Unknown order"
    );
    // Once the first is closed its id may be used again.
    add(&h, &key, &resting("arb-20240509-00010")).await;
}

#[tokio::test]
async fn add_order_refuses_with_the_exchanges_errors_and_validate_only_checks() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let before = balance(&h, &key).await;
    let order = |pair: &'static str,
                 side: &'static str,
                 ordertype: &'static str,
                 volume: &'static str,
                 price: &'static str| {
        vec![
            ("pair", pair),
            ("type", side),
            ("ordertype", ordertype),
            ("volume", volume),
            ("price", price),
        ]
    };
    let with = |mut fields: Vec<(&'static str, &'static str)>,
                extra: (&'static str, &'static str)| {
        fields.push(extra);
        fields
    };
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            order("DOGEUSD", "buy", "market", "1", ""),
            "EQuery:Unknown asset pair",
        ),
        (
            vec![("type", "buy"), ("ordertype", "market"), ("volume", "1")],
            "EGeneral:Invalid arguments:pair",
        ),
        (
            vec![("pair", "XBTUSD"), ("type", "buy"), ("ordertype", "market")],
            "EGeneral:Invalid arguments:volume",
        ),
        (
            order("XBTUSD", "buy", "market", "abc", ""),
            "EGeneral:Invalid arguments:volume",
        ),
        (
            order("XBTUSD", "buy", "market", "0", ""),
            "EGeneral:Invalid arguments:volume",
        ),
        (
            order("XBTUSD", "buy", "market", "-1", ""),
            "EGeneral:Invalid arguments:volume",
        ),
        (
            order("XBTUSD", "buy", "market", "0.000000001", ""),
            "EGeneral:Invalid arguments:volume",
        ),
        (
            order("XBTUSD", "hold", "market", "1", ""),
            "EGeneral:Invalid arguments:type",
        ),
        (
            order("XBTUSD", "buy", "stop-loss", "1", "80000"),
            "EGeneral:Invalid arguments:ordertype",
        ),
        (
            order("XBTUSD", "buy", "limit", "1", ""),
            "EGeneral:Invalid arguments:price",
        ),
        (
            order("XBTUSD", "buy", "limit", "1", "0"),
            "EOrder:Invalid price",
        ),
        (
            order("XBTUSD", "buy", "limit", "1", "abc"),
            "EOrder:Invalid price",
        ),
        (
            order("XBTUSD", "buy", "limit", "1", "90000.05"),
            "EOrder:Invalid price",
        ),
        (
            order("XBTUSD", "buy", "market", "0.00005", ""),
            "EOrder:Order minimum not met",
        ),
        (
            order("USDTUSD", "sell", "market", "4.9", ""),
            "EOrder:Order minimum not met",
        ),
        (
            order("XBTUSD", "buy", "market", "100", ""),
            "EOrder:Insufficient funds",
        ),
        (
            order("XBTUSD", "sell", "market", "48.3", ""),
            "EOrder:Insufficient funds",
        ),
        (
            order("XBTEUR", "buy", "limit", "12", "80000"),
            "EOrder:Insufficient funds",
        ),
        (
            with(
                order("XBTUSD", "buy", "market", "1", ""),
                ("leverage", "2:1"),
            ),
            "EOrder:Cannot open position",
        ),
        (
            with(
                order("XBTUSD", "buy", "limit", "1", "95000"),
                ("oflags", "post"),
            ),
            "EOrder:Post only order",
        ),
        (
            with(
                order("XBTUSD", "buy", "market", "1", ""),
                ("oflags", "viqc"),
            ),
            "EGeneral:Invalid arguments:oflags",
        ),
        (
            with(
                order("XBTUSD", "buy", "limit", "1", "80000"),
                ("timeinforce", "IOC"),
            ),
            "EGeneral:Invalid arguments:timeinforce",
        ),
        (
            with(order("XBTUSD", "buy", "market", "1", ""), ("userref", "x")),
            "EGeneral:Invalid arguments:userref",
        ),
    ];
    for (fields, expected) in cases {
        assert_eq!(
            err(&call(&h, &key, "AddOrder", &fields).await),
            expected,
            "{fields:?}"
        );
    }

    // `validate` checks and describes, places nothing.
    let checked = add(
        &h,
        &key,
        &with(
            order("XBTUSD", "buy", "limit", "1.25", "37500"),
            ("validate", "true"),
        ),
    )
    .await;
    assert_eq!(
        checked,
        serde_json::json!({"descr": {"order": "buy 1.25000000 XBTUSD @ limit 37500.0"}})
    );
    assert_eq!(
        err(&call(
            &h,
            &key,
            "AddOrder",
            &with(
                order("XBTUSD", "buy", "limit", "1", "0"),
                ("validate", "true")
            ),
        )
        .await),
        "EOrder:Invalid price"
    );
    let open = ok(&call(&h, &key, "OpenOrders", &[]).await).clone();
    assert!(open["open"].as_object().unwrap().is_empty());
    let history = ok(&call(&h, &key, "ClosedOrders", &[]).await).clone();
    assert_eq!(history["count"], 64, "only the seeded history");
    assert_eq!(balance(&h, &key).await, before);
}

#[tokio::test]
async fn the_seeded_history_pages_newest_first_and_renders_like_the_exchange() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let first = ok(&call(&h, &key, "ClosedOrders", &[]).await).clone();
    assert_eq!(first["count"], 64);
    let page1 = first["closed"].as_object().unwrap();
    assert_eq!(page1.len(), 50);
    let second = ok(&call(&h, &key, "ClosedOrders", &[("ofs", "50")]).await).clone();
    let page2 = second["closed"].as_object().unwrap();
    assert_eq!(page2.len(), 14);
    let ids: HashSet<&String> = page1.keys().chain(page2.keys()).collect();
    assert_eq!(ids.len(), 64, "pages neither overlap nor skip");
    let closetimes: Vec<f64> = page1
        .values()
        .chain(page2.values())
        .map(|o| o["closetm"].as_f64().unwrap())
        .collect();
    assert!(closetimes.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for (id, o) in page1.iter().chain(page2.iter()) {
        assert_eq!(o["status"], "closed", "{id}");
        assert_eq!(o["descr"]["ordertype"], "market");
        assert_eq!(o["descr"]["price"], "0");
        let text = o["descr"]["order"].as_str().unwrap();
        assert!(text.ends_with(" @ market"), "{text}");
        assert!(text.starts_with(o["descr"]["type"].as_str().unwrap()));
        assert_eq!(o["vol"], o["vol_exec"]);
        assert!(
            dec(&o["price"]) > Decimal::ZERO,
            "the average price of its fill"
        );
        assert!(dec(&o["cost"]) > Decimal::ZERO && dec(&o["fee"]) > Decimal::ZERO);
        assert!(o.get("trades").is_none(), "trades only when asked");
    }

    let trades = ok(&call(&h, &key, "TradesHistory", &[]).await).clone();
    assert_eq!(trades["count"], 64);
    let t1 = trades["trades"].as_object().unwrap();
    assert_eq!(t1.len(), 50);
    let t2 = ok(&call(&h, &key, "TradesHistory", &[("ofs", "50")]).await).clone();
    assert_eq!(t2["trades"].as_object().unwrap().len(), 14);
    let times: Vec<f64> = t1.values().map(|t| t["time"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for t in t1.values() {
        let order = page1
            .get(t["ordertxid"].as_str().unwrap())
            .or_else(|| page2.get(t["ordertxid"].as_str().unwrap()))
            .unwrap();
        assert_eq!(order["price"], t["price"]);
        assert_eq!(order["cost"], t["cost"]);
        assert!(t.get("ledgers").is_none(), "ledgers only when asked");
    }

    // `start` (exclusive) and `end` (inclusive), as times or ids.
    let (newest_id, newest) = t1.iter().next().unwrap();
    let mid = times[10] as i64;
    let after_mid =
        ok(&call(&h, &key, "TradesHistory", &[("start", &mid.to_string())]).await).clone();
    let expected = times.iter().filter(|t| **t as i64 > mid).count();
    assert_eq!(after_mid["count"], expected as u64);
    let up_to = ok(&call(&h, &key, "TradesHistory", &[("end", newest_id)]).await).clone();
    assert_eq!(up_to["count"], 64);
    let past = ok(&call(&h, &key, "TradesHistory", &[("start", newest_id)]).await).clone();
    assert_eq!(past["count"], 0, "nothing after the newest: {newest}");
    assert_eq!(
        err(&call(&h, &key, "TradesHistory", &[("start", "TNOPE")]).await),
        "EGeneral:Invalid arguments:start"
    );
    // Spot only: no trade belongs to a position.
    let positions = ok(&call(&h, &key, "TradesHistory", &[("type", "any position")]).await).clone();
    assert_eq!(positions["count"], 0);
    assert_eq!(
        err(&call(&h, &key, "TradesHistory", &[("type", "sideways")]).await),
        "EGeneral:Invalid arguments:type"
    );
    assert_eq!(
        err(&call(&h, &key, "ClosedOrders", &[("closetime", "sometime")]).await),
        "EGeneral:Invalid arguments:closetime"
    );
    assert_eq!(
        err(&call(&h, &key, "ClosedOrders", &[("ofs", "-1")]).await),
        "EGeneral:Invalid arguments:ofs"
    );
    let bare = ok(&call(&h, &key, "ClosedOrders", &[("without_count", "true")]).await).clone();
    assert!(bare.get("count").is_none());
}

#[tokio::test]
async fn the_history_calls_see_only_the_keys_query_window() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    let mut times = Vec::new();
    for ofs in ["0", "50"] {
        let page = ok(&call(&h, &key, "TradesHistory", &[("ofs", ofs)]).await).clone();
        times.extend(
            page["trades"]
                .as_object()
                .unwrap()
                .values()
                .map(|t| t["time"].as_f64().unwrap() as i64),
        );
    }
    times.sort_unstable();
    let (from, to) = (times[10], times[40]);
    let inside = times.iter().filter(|t| **t >= from && **t <= to).count() as u64;
    let key = trader(
        &h,
        KeySettings {
            query_from: from,
            query_to: to,
            ..KeySettings::default()
        },
    );
    let trades = ok(&call(&h, &key, "TradesHistory", &[]).await).clone();
    assert_eq!(trades["count"], inside);
    for t in trades["trades"].as_object().unwrap().values() {
        let time = t["time"].as_f64().unwrap() as i64;
        assert!(time >= from && time <= to, "{time} outside [{from}, {to}]");
    }
    // Seeded orders close when they fill, so the same orders are inside.
    let orders = ok(&call(&h, &key, "ClosedOrders", &[]).await).clone();
    assert_eq!(orders["count"], inside);
    // A trade id outside the window resolves as a bound, but lists nothing outside it.
    let everything = ok(&call(&h, &key, "TradesHistory", &[("start", "0")]).await).clone();
    assert_eq!(everything["count"], inside);
}

#[tokio::test]
async fn funds_held_by_a_resting_order_cannot_be_withdrawn() {
    let h = Harness::start().await;
    h.sandbox()
        .set_rate_tier(countersign_sandbox::gate::RateTier::Pro)
        .unwrap();
    let trader = h.bot("su-rebalancer");
    let spec = countersign_org::ApiKeySpec {
        scopes: [
            countersign_org::Scope::FundsQuery,
            countersign_org::Scope::FundsWithdraw,
            countersign_org::Scope::TradesModify,
        ]
        .into_iter()
        .collect(),
        ..countersign_org::ApiKeySpec::default()
    };
    h.sandbox()
        .operator_set_key_spec(&trader.api_key, &spec)
        .unwrap();
    // A limit sell far above the reference rests and holds 48 of the 48.275 BTC.
    ok(&h
        .private(
            &trader,
            "AddOrder",
            &[
                ("pair", "XBTUSD"),
                ("type", "sell"),
                ("ordertype", "limit"),
                ("price", "200000"),
                ("volume", "48"),
            ],
        )
        .await);
    h.advance_ms(2_000);
    assert_eq!(
        err(&h
            .private(
                &trader,
                "Withdraw",
                &[("asset", "XBT"), ("key", "cold-storage-1"), ("amount", "1")]
            )
            .await),
        "EFunding:Insufficient funds"
    );
    h.advance_ms(2_000);
    ok(&h
        .private(
            &trader,
            "Withdraw",
            &[
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "0.2"),
            ],
        )
        .await);
}

/// Funds held by open orders cannot leave by an approved withdrawal either: the check is made
/// when the request completes, against the balance less what open orders hold, not the balance.
/// Here a sell order holds all but 0.275 of the 48.275 BTC; completing the seeded 0.75 BTC
/// sweep (Ada approved it) would leave the order short, so Ben's approval is refused and
/// nothing moves.
#[tokio::test]
async fn an_approval_cannot_complete_a_withdrawal_of_funds_open_orders_hold() {
    let h = Harness::start().await;
    let key = trader(&h, KeySettings::default());
    add(
        &h,
        &key,
        &[
            ("pair", "XBTUSD"),
            ("type", "sell"),
            ("ordertype", "limit"),
            ("price", "900000"),
            ("volume", "48"),
        ],
    )
    .await;
    let pending = ok(&h
        .org("m-ben", "ListRequests", &[("status", "pending")], false)
        .await)
    .clone();
    let sweep = pending["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["payload"]["asset"] == "BTC" && r["payload"]["amount"] == "0.75")
        .expect("the seeded 0.75 BTC sweep")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = ok(&call(&h, &key, "BalanceEx", &[]).await).clone();
    assert_eq!(
        err(&h.approve("m-ben", &sweep).await),
        "EFunding:Insufficient funds"
    );
    let after = ok(&call(&h, &key, "BalanceEx", &[]).await).clone();
    assert_eq!(before["XXBT"], after["XXBT"], "nothing moved");
    let request = h.org("m-ben", "GetRequest", &[("id", &sweep)], false).await;
    assert_eq!(ok(&request)["status"], "pending");
}
