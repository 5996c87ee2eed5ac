//! Balances, the ledger and withdrawals through the exchange's private API, with withdrawals
//! governed by the Organization's policy.

// Tests panic on any surprise; `unwrap` is the point.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashSet};

use common::{Harness, err, ok};
use countersign_org::{ApiKeySpec, KeySettings, Scope};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string, got {v}"))
        .parse()
        .unwrap()
}

/// Every ledger entry, oldest first, by paging `Ledgers` with `ofs`.
async fn whole_ledger(h: &Harness, key: &common::Key) -> Vec<(String, Value)> {
    let mut all: Vec<(String, Value)> = Vec::new();
    let mut ofs = 0;
    loop {
        h.advance_ms(5_000);
        let page = ok(&h
            .private(key, "Ledgers", &[("ofs", &ofs.to_string())])
            .await)
        .clone();
        let entries = page["ledger"].as_object().unwrap();
        if entries.is_empty() {
            break;
        }
        assert!(entries.len() <= 50);
        all.extend(entries.iter().map(|(k, v)| (k.clone(), v.clone())));
        ofs += entries.len();
        assert!(page["count"].as_u64().unwrap() >= u64::try_from(ofs).unwrap());
    }
    all.reverse();
    all
}

#[tokio::test]
async fn balance_uses_the_exchange_names_and_decimals() {
    let h = Harness::start().await;
    let b = ok(&h.private(&h.bot("su-reporting"), "Balance", &[]).await).clone();
    assert_eq!(b["XXBT"], "48.2750000000");
    assert_eq!(b["ZUSD"], "3480250.5500");
    assert_eq!(b["XETH"], "612.5000000000");
    assert_eq!(b["USDT"], "1250000.00000000");
    let ex = ok(&h.private(&h.bot("su-reporting"), "BalanceEx", &[]).await).clone();
    assert_eq!(ex["XXBT"]["balance"], "48.2750000000");
    assert_eq!(ex["XXBT"]["hold_trade"], "0.0000000000");
}

#[tokio::test]
async fn ledger_pages_newest_first_and_every_running_balance_holds() {
    let h = Harness::start().await;
    let key = h.bot("su-reporting");
    let first = ok(&h.private(&key, "Ledgers", &[]).await).clone();
    let count = first["count"].as_u64().unwrap();
    assert!(count > 100, "the demo account has history: {count}");
    let times: Vec<f64> = first["ledger"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["time"].as_f64().unwrap())
        .collect();
    assert_eq!(times.len(), 50);
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );

    let all = whole_ledger(&h, &key).await;
    assert_eq!(all.len() as u64, count);
    let ids: HashSet<&String> = all.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), all.len(), "pages neither overlap nor skip");

    // previous + amount − fee = balance, per asset; the last balance is the asset's balance.
    let mut running: BTreeMap<String, Decimal> = BTreeMap::new();
    for (id, e) in &all {
        let asset = e["asset"].as_str().unwrap().to_owned();
        let before = running.get(&asset).copied().unwrap_or_default();
        let after = before + dec(&e["amount"]) - dec(&e["fee"]);
        assert_eq!(after, dec(&e["balance"]), "{id}: {e}");
        running.insert(asset, after);
    }
    h.advance_ms(5_000);
    let balance = ok(&h.private(&key, "Balance", &[]).await).clone();
    for (asset, amount) in running {
        assert_eq!(dec(&balance[&asset]), amount, "{asset}");
    }
}

#[tokio::test]
async fn ledger_filters_and_query_ledgers() {
    let h = Harness::start().await;
    let key = h.bot("su-reporting");
    let btc = ok(&h
        .private(&key, "Ledgers", &[("asset", "XBT"), ("type", "trade")])
        .await)
    .clone();
    let entries = btc["ledger"].as_object().unwrap();
    assert!(!entries.is_empty());
    for e in entries.values() {
        assert_eq!(e["asset"], "XXBT");
        assert_eq!(e["type"], "trade");
    }
    let ids: Vec<&String> = entries.keys().take(3).collect();
    let joined = ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
    h.advance_ms(5_000);
    let q = ok(&h.private(&key, "QueryLedgers", &[("id", &joined)]).await).clone();
    assert_eq!(q.as_object().unwrap().len(), 3);
    for id in &ids {
        assert_eq!(q[id.as_str()], entries[id.as_str()]);
    }
    let too_many = vec![ids[0].as_str(); 21].join(",");
    h.advance_ms(5_000);
    assert_eq!(
        err(&h.private(&key, "QueryLedgers", &[("id", &too_many)]).await),
        "EGeneral:Invalid arguments:id"
    );
    h.advance_ms(5_000);
    assert_eq!(
        err(&h.private(&key, "Ledgers", &[("asset", "NOPE")]).await),
        "EGeneral:Invalid arguments:asset"
    );
}

#[tokio::test]
async fn a_keys_query_window_limits_what_it_sees() {
    let h = Harness::start().await;
    let key = h.bot("su-reporting");
    let all = whole_ledger(&h, &key).await;
    let times: Vec<i64> = all
        .iter()
        .map(|(_, e)| e["time"].as_f64().unwrap() as i64)
        .collect();
    let from = times[times.len() / 3];
    let to = times[2 * times.len() / 3];
    let inside = times.iter().filter(|t| **t >= from && **t <= to).count();
    let spec = ApiKeySpec {
        scopes: [Scope::LedgerQuery, Scope::FundsQuery]
            .into_iter()
            .collect(),
        settings: KeySettings {
            query_from: from,
            query_to: to,
            ..KeySettings::default()
        },
    };
    h.sandbox()
        .operator_set_key_spec(&key.api_key, &spec)
        .unwrap();
    let windowed = whole_ledger(&h, &key).await;
    assert_eq!(windowed.len(), inside);
    for (_, e) in &windowed {
        let t = e["time"].as_f64().unwrap() as i64;
        assert!(t >= from && t <= to, "{t} outside [{from}, {to}]");
    }
    // An entry outside the window cannot be fetched by id either.
    let outside = &all[0].0;
    h.advance_ms(5_000);
    assert_eq!(
        err(&h.private(&key, "QueryLedgers", &[("id", outside)]).await),
        "EGeneral:Invalid arguments:id"
    );
}

fn status_of<'a>(list: &'a Value, refid: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|w| w["refid"] == refid)
        .unwrap_or_else(|| panic!("{refid} not in {list}"))
}

#[tokio::test]
async fn a_bot_withdrawal_under_policy_waits_for_two_approvals_then_settles() {
    let h = Harness::start().await;
    let bot = h.bot("su-rebalancer");
    let before = dec(&ok(&h.private(&bot, "Balance", &[]).await)["XXBT"]);
    let info = ok(&h
        .private(
            &bot,
            "WithdrawInfo",
            &[
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "0.1"),
            ],
        )
        .await)
    .clone();
    assert_eq!(info["fee"], "0.0001500000");
    assert_eq!(info["method"], "Bitcoin");

    let refid = ok(&h
        .private(
            &bot,
            "Withdraw",
            &[
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "0.1"),
            ],
        )
        .await)["refid"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = ok(&h.private(&bot, "WithdrawStatus", &[("asset", "XBT")]).await).clone();
    let w = status_of(&status, &refid);
    assert_eq!(w["status"], "Initial");
    assert_eq!(w["status-prop"], "onhold");
    assert_eq!(w["amount"], "0.1000000000");
    assert_eq!(
        dec(&ok(&h.private(&bot, "Balance", &[]).await)["XXBT"]),
        before,
        "nothing moves while it waits"
    );

    // It is in the Organization's queue, as a request from the bot.
    let queued = h.org("m-ada", "GetRequest", &[("id", &refid)], false).await;
    assert_eq!(ok(&queued)["status"], "pending");
    ok(&h.approve("m-ada", &refid).await);
    h.advance_ms(1_000);
    assert_eq!(
        status_of(ok(&h.private(&bot, "WithdrawStatus", &[]).await), &refid)["status"],
        "Initial"
    );
    ok(&h.approve("m-chloe", &refid).await);

    h.advance_ms(1_000);
    let w = status_of(ok(&h.private(&bot, "WithdrawStatus", &[]).await), &refid).clone();
    assert_eq!(w["status"], "Success");
    assert!(w.get("status-prop").is_none_or(Value::is_null));
    let after = dec(&ok(&h.private(&bot, "Balance", &[]).await)["XXBT"]);
    assert_eq!(after, before - Decimal::new(1, 1) - Decimal::new(15, 5));
    // The withdrawal and its fee are on the ledger under the refid, with the new balance.
    let ledger = ok(&h
        .private(&bot, "Ledgers", &[("type", "withdrawal"), ("asset", "XBT")])
        .await)
    .clone();
    let entry = ledger["ledger"]
        .as_object()
        .unwrap()
        .values()
        .find(|e| e["refid"] == refid.as_str())
        .unwrap()
        .clone();
    assert_eq!(entry["amount"], "-0.1000000000");
    assert_eq!(entry["fee"], "0.0001500000");
    assert_eq!(dec(&entry["balance"]), after);
}

#[tokio::test]
async fn a_rejected_or_cancelled_withdrawal_fails_and_moves_nothing() {
    let h = Harness::start().await;
    let bot = h.bot("su-payouts");
    let w = |amount: &'static str| {
        [
            ("asset", "USDT"),
            ("key", "usdt-otc-desk"),
            ("amount", amount),
        ]
    };
    let first = ok(&h.private(&bot, "Withdraw", &w("100")).await)["refid"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = ok(&h.private(&bot, "Withdraw", &w("200")).await)["refid"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&h
        .decide("m-ada", "Reject", &first, &[("reason", "not scheduled")])
        .await);

    // Only the initiator cancels, and only while it waits.
    assert_eq!(
        err(&h
            .private(
                &h.bot("su-rebalancer"),
                "WithdrawCancel",
                &[("asset", "USDT"), ("refid", &second)]
            )
            .await),
        "EGeneral:Permission denied"
    );
    assert_eq!(
        ok(&h
            .private(
                &bot,
                "WithdrawCancel",
                &[("asset", "USDT"), ("refid", &second)]
            )
            .await),
        &Value::Bool(true)
    );
    assert_eq!(
        ok(&h
            .private(
                &bot,
                "WithdrawCancel",
                &[("asset", "USDT"), ("refid", &second)]
            )
            .await),
        &Value::Bool(false)
    );
    assert_eq!(
        err(&h
            .private(
                &bot,
                "WithdrawCancel",
                &[("asset", "USDT"), ("refid", "NOPE")]
            )
            .await),
        "EFunding:Unknown reference id"
    );

    let list = ok(&h.private(&bot, "WithdrawStatus", &[]).await).clone();
    for refid in [&first, &second] {
        assert_eq!(status_of(&list, refid)["status"], "Failure");
        assert_eq!(status_of(&list, refid)["status-prop"], "canceled");
    }
    assert_eq!(
        ok(&h.private(&bot, "Balance", &[]).await)["USDT"],
        "1250000.00000000"
    );
}

#[tokio::test]
async fn with_no_policy_a_bot_withdrawal_executes_at_once() {
    let h = Harness::start().await;
    // Remove the withdrawal policy the governed way: Ada asks, Eve (Manage Policies) approves.
    let payload = r#"{"kind":"change_policy","workflow":"initiate_withdrawal","policy":null}"#;
    let submitted = h
        .org("m-ada", "Submit", &[("payload", payload)], false)
        .await;
    let id = ok(&submitted)["request"]["id"].as_str().unwrap().to_owned();
    ok(&h.approve("m-eve", &id).await);

    let bot = h.bot("su-rebalancer");
    let refid = ok(&h
        .private(
            &bot,
            "Withdraw",
            &[
                ("asset", "XBT"),
                ("key", "cold-storage-2"),
                ("amount", "1.5"),
            ],
        )
        .await)["refid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        status_of(ok(&h.private(&bot, "WithdrawStatus", &[]).await), &refid)["status"],
        "Success"
    );
    assert_eq!(
        ok(&h.private(&bot, "Balance", &[]).await)["XXBT"],
        "46.7748500000"
    );
}

#[tokio::test]
async fn withdrawals_are_refused_with_the_funding_errors() {
    let h = Harness::start().await;
    let bot = h.bot("su-rebalancer");
    for (fields, expected) in [
        (
            vec![
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "49"),
            ],
            "EFunding:Insufficient funds",
        ),
        (
            vec![
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "1"),
                ("max_fee", "0.0001"),
            ],
            "EFunding:Max fee exceeded",
        ),
        (
            vec![("asset", "XBT"), ("key", "eth-treasury"), ("amount", "1")],
            "EFunding:Unknown withdraw key",
        ),
        (
            vec![("asset", "XBT"), ("key", "nowhere"), ("amount", "1")],
            "EFunding:Unknown withdraw key",
        ),
        (
            vec![
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "1"),
                ("address", "bc1qsomeoneelse"),
            ],
            "EFunding:Invalid withdrawal address",
        ),
        (
            vec![
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "0.0001"),
            ],
            "EFunding:Invalid amount",
        ),
        (
            vec![
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "-1"),
            ],
            "EGeneral:Invalid arguments:amount",
        ),
        (
            vec![
                ("asset", "XBT"),
                ("key", "cold-storage-1"),
                ("amount", "lots"),
            ],
            "EGeneral:Invalid arguments:amount",
        ),
        (
            vec![
                ("asset", "DOGE"),
                ("key", "cold-storage-1"),
                ("amount", "1"),
            ],
            "EGeneral:Invalid arguments:asset",
        ),
        (
            vec![("key", "cold-storage-1"), ("amount", "1")],
            "EGeneral:Invalid arguments:asset",
        ),
    ] {
        h.advance_ms(3_000);
        assert_eq!(
            err(&h.private(&bot, "Withdraw", &fields).await),
            expected,
            "{fields:?}"
        );
    }
    // A member's key reads the account but does not withdraw through it.
    assert_eq!(
        err(&h
            .private(
                &h.member("m-ada"),
                "Withdraw",
                &[("asset", "XBT"), ("key", "cold-storage-1"), ("amount", "1")]
            )
            .await),
        "EGeneral:Permission denied"
    );
}

#[tokio::test]
async fn a_replayed_withdraw_never_acts_twice() {
    let h = Harness::start().await;
    let bot = h.bot("su-rebalancer");
    let fields = [
        ("asset", "XBT"),
        ("key", "cold-storage-1"),
        ("amount", "0.2"),
    ];
    let nonce = h.next_nonce();
    ok(&h.private_with_nonce(&bot, "Withdraw", nonce, &fields).await);
    assert_eq!(
        err(&h.private_with_nonce(&bot, "Withdraw", nonce, &fields).await),
        "EAPI:Invalid nonce"
    );
    let list = ok(&h.private(&bot, "WithdrawStatus", &[]).await).clone();
    let amounts: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["amount"] == "0.2000000000")
        .map(|w| &w["refid"])
        .collect();
    assert_eq!(amounts.len(), 1);
}

#[tokio::test]
async fn deposit_and_withdraw_lookups() {
    let h = Harness::start().await;
    let member = h.member("m-ben");
    let methods = ok(&h
        .private(&member, "DepositMethods", &[("asset", "XBT")])
        .await)
    .clone();
    assert_eq!(methods[0]["method"], "Bitcoin");
    let addresses = ok(&h
        .private(
            &member,
            "DepositAddresses",
            &[("asset", "XBT"), ("method", "Bitcoin")],
        )
        .await)
    .clone();
    assert!(
        addresses[0]["address"]
            .as_str()
            .unwrap()
            .starts_with("bc1q")
    );
    let deposits = ok(&h
        .private(&member, "DepositStatus", &[("asset", "XBT")])
        .await)
    .clone();
    assert!(
        deposits
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["asset"] == "XXBT" && d["status"] == "Success")
    );
    let bot = h.bot("su-rebalancer");
    let book = ok(&h
        .private(&bot, "WithdrawAddresses", &[("asset", "XBT")])
        .await)
    .clone();
    let keys: Vec<&str> = book
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["cold-storage-1", "cold-storage-2"]);
    assert_eq!(book[0]["verified"], true);
    let methods = ok(&h
        .private(&bot, "WithdrawMethods", &[("asset", "ETH")])
        .await)
    .clone();
    assert_eq!(methods.as_array().unwrap().len(), 1);
    assert_eq!(methods[0]["asset"], "XETH");
}

#[tokio::test]
async fn public_calls_answer_like_the_exchange() {
    let h = Harness::start().await;
    let t = h.public("Time", "").await;
    assert_eq!(ok(&t)["unixtime"], common::START_MS / 1000);
    assert!(ok(&t)["rfc1123"].as_str().unwrap().ends_with("+0000"));
    let assets = h.public("Assets", "asset=XBT,ETH").await;
    assert_eq!(ok(&assets)["XXBT"]["altname"], "XBT");
    assert_eq!(ok(&assets)["XETH"]["decimals"], 10);
    assert_eq!(
        err(&h.public("Assets", "asset=NOPE").await),
        "EQuery:Unknown asset"
    );
    let pairs = h.public("AssetPairs", "pair=XBTUSD").await;
    assert_eq!(ok(&pairs)["XXBTZUSD"]["wsname"], "XBT/USD");
    assert_eq!(ok(&pairs)["XXBTZUSD"]["fees"][0][1], 0.26);
    assert_eq!(
        err(&h.public("AssetPairs", "pair=NOPEUSD").await),
        "EQuery:Unknown asset pair"
    );
}

/// Asks for a `report` export as `key` (`AddExport`) and returns its id.
async fn add_export(h: &Harness, key: &common::Key, report: &str, description: &str) -> String {
    ok(&h
        .private(
            key,
            "AddExport",
            &[("report", report), ("description", description)],
        )
        .await)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Narrows `key`'s query window to the first seconds of 1970, before every ledger entry (its
/// scopes: Export data and Query ledger).
fn narrow_to_the_first_seconds(h: &Harness, key: &common::Key) {
    let spec = ApiKeySpec {
        scopes: [Scope::ExportData, Scope::LedgerQuery]
            .into_iter()
            .collect(),
        settings: KeySettings {
            query_from: 1,
            query_to: 2,
            ..KeySettings::default()
        },
    };
    h.sandbox()
        .operator_set_key_spec(&key.api_key, &spec)
        .unwrap();
}

#[tokio::test]
async fn an_export_is_a_zip_of_the_ledger_in_the_current_layout_within_the_key_window() {
    let h = Harness::start().await;
    let key = h.bot("su-reporting");
    let id = add_export(&h, &key, "ledgers", "month end").await;
    let status = ok(&h
        .private(&key, "ExportStatus", &[("report", "ledgers")])
        .await)
    .clone();
    assert_eq!(status[0]["id"], id.as_str());
    assert_eq!(status[0]["status"], "Processed");
    assert_eq!(status[0]["descr"], "month end");

    let bytes = h
        .private_raw(&key, "RetrieveExport", h.next_nonce(), &[("id", &id)])
        .await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(zip.len(), 1);
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("ledgers.csv").unwrap(), &mut csv).unwrap();
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        r#""txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance""#
    );
    assert!(!csv.contains("\r\n\n") && csv.ends_with("\r\n") && !csv.starts_with('\u{feff}'));
    let ledger_count = ok(&h.private(&key, "Ledgers", &[]).await)["count"]
        .as_u64()
        .unwrap();
    assert_eq!(lines.len() as u64 - 1, ledger_count);
    assert!(
        lines[1].contains(r#","currency","#) && lines[1].contains(r#""spot / main""#),
        "{}",
        lines[1]
    );

    // Trades too, and a key's query window narrows what an export holds.
    h.advance_ms(5_000);
    let trades = add_export(&h, &key, "trades", "t").await;
    let bytes = h
        .private_raw(&key, "RetrieveExport", h.next_nonce(), &[("id", &trades)])
        .await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert!(zip.by_name("trades.csv").is_ok());

    narrow_to_the_first_seconds(&h, &key);
    h.advance_ms(5_000);
    let empty = add_export(&h, &key, "ledgers", "none").await;
    let bytes = h
        .private_raw(&key, "RetrieveExport", h.next_nonce(), &[("id", &empty)])
        .await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("ledgers.csv").unwrap(), &mut csv).unwrap();
    assert_eq!(
        csv.split_terminator("\r\n").count(),
        1,
        "header only: {csv}"
    );

    h.advance_ms(5_000);
    assert_eq!(
        ok(&h
            .private(&key, "RemoveExport", &[("id", &id), ("type", "delete")])
            .await)["delete"],
        true
    );
    let gone = h
        .private_raw(&key, "RetrieveExport", h.next_nonce(), &[("id", &id)])
        .await;
    let v: Value = serde_json::from_slice(&gone).unwrap();
    assert_eq!(err(&v), "EQuery:Unknown export");
}

/// An export is its key's: another key, even one holding Export data, neither lists, retrieves
/// nor removes it; its id cannot be guessed; and narrowing the key's query window after the
/// export was made keeps its rows out of reach.
#[tokio::test]
async fn an_export_is_bound_to_the_key_that_made_it_and_to_its_window() {
    let h = Harness::start().await;
    let bot = h.bot("su-reporting");
    let other = h.member("m-dev");
    let id = add_export(&h, &bot, "ledgers", "month end").await;
    assert!(
        id.len() >= 16 && id.chars().all(|c| c.is_ascii_uppercase()),
        "an id that cannot be guessed: {id}"
    );

    let listed = ok(&h
        .private(&other, "ExportStatus", &[("report", "ledgers")])
        .await)
    .clone();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["id"] != id.as_str()),
        "listed to another key: {listed}"
    );
    let taken = h
        .private_raw(&other, "RetrieveExport", h.next_nonce(), &[("id", &id)])
        .await;
    let v: Value = serde_json::from_slice(&taken).expect("an error, not the zip");
    assert_eq!(err(&v), "EQuery:Unknown export");
    assert_eq!(
        err(&h
            .private(&other, "RemoveExport", &[("id", &id), ("type", "delete")])
            .await),
        "EQuery:Unknown export"
    );

    // The bot's window narrows to before the export's rows: the export is out of its reach.
    narrow_to_the_first_seconds(&h, &bot);
    let narrowed = h
        .private_raw(&bot, "RetrieveExport", h.next_nonce(), &[("id", &id)])
        .await;
    let v: Value = serde_json::from_slice(&narrowed).expect("an error, not the zip");
    assert_eq!(err(&v), "EQuery:Unknown export");
    let listed = ok(&h
        .private(&bot, "ExportStatus", &[("report", "ledgers")])
        .await)
    .clone();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["id"] != id.as_str()),
        "listed beyond the key's window: {listed}"
    );
}

/// Amounts at the edge of the decimal type get the exchange's clear refusal, never a crash: a
/// withdrawal whose amount plus fee would overflow, through the exchange API and the org API.
#[tokio::test]
async fn an_amount_at_the_decimal_limit_is_refused_not_a_crash() {
    let h = Harness::start().await;
    let max = "79228162514264337593543950335";
    let answer = h
        .private(
            &h.bot("su-payouts"),
            "Withdraw",
            &[("asset", "USDT"), ("key", "usdt-otc-desk"), ("amount", max)],
        )
        .await;
    assert_eq!(err(&answer), "EFunding:Insufficient funds");
    let payload = format!(
        r#"{{"kind":"withdrawal","asset":"USDT","amount":"{max}","fee":"1","key":"usdt-otc-desk","address":"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"}}"#
    );
    let preview = h
        .org("m-ben", "Preview", &[("payload", payload.as_str())], false)
        .await;
    let reason = ok(&preview)["decision"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("must be at most 100,000,000,000,000,000,000"),
        "{preview}"
    );
    let submitted = h
        .org("m-ben", "Submit", &[("payload", payload.as_str())], false)
        .await;
    assert_ne!(err(&submitted), "EGeneral:Internal error", "{submitted}");
}
