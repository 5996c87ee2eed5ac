//! Round trips against the official specification's own response examples (converted from its
//! YAML to JSON in `fixtures/`, named `<Endpoint>.<n>.json`), and request form encoding.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::*;
use crate::{Envelope, Timestamp};

/// Numbers and numeric strings compare by decimal value (results are written strictly as strings
/// where examples sometimes show numbers); an absent key equals `null` or `""`.
fn same(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    let decimal = |v: &Value| match v {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    };
    let blank = |v: Option<&Value>| match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<_> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let (l, r) = (x.get(k), y.get(k));
                if blank(l) && blank(r) && (l.is_none() || r.is_none()) {
                    continue;
                }
                match (l, r) {
                    (Some(l), Some(r)) => same(l, r, &format!("{path}.{k}"))?,
                    _ => return Err(format!("{path}.{k}: {l:?} vs {r:?}")),
                }
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                same(l, r, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(_), _) | (_, Value::Number(_)) => match (decimal(a), decimal(b)) {
            (Some(l), Some(r)) if l == r => Ok(()),
            _ => Err(format!("{path}: {a} vs {b}")),
        },
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}

/// Parses the example into `T`, writes it back, and checks nothing was lost or changed; then
/// checks the written JSON parses back to the same value.
fn roundtrip<T>(name: &str, json: &str) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let original: Value = serde_json::from_str(json).expect("fixture is JSON");
    let env: Envelope<T> =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: does not parse: {e}"));
    let result = env.into_result().unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_value(&result).expect("serialise");
    if let Err(diff) = same(&original["result"], &written, "result") {
        panic!("{name}: round trip changed {diff}");
    }
    let again: T = serde_json::from_value(written).expect("reparse");
    assert_eq!(again, result, "{name}: second parse differs");
    result
}

macro_rules! fixture {
    ($file:literal) => {
        ($file, include_str!(concat!("fixtures/", $file)))
    };
}

#[test]
fn official_account_examples_roundtrip() {
    for (n, j) in [fixture!("Balance.0.json"), fixture!("Balance.1.json")] {
        let b: BalanceResult = roundtrip(n, j);
        assert!(b.0.contains_key("XXBT"));
    }
    let b: BalanceResult = roundtrip(fixture!("Balance.0.json").0, fixture!("Balance.0.json").1);
    assert_eq!(b.0["XXBT"], dec!(1011.1908877900));
    assert_eq!(b.0["XXBT"].to_string(), "1011.1908877900");

    let (n, j) = fixture!("BalanceEx.0.json");
    let ex: BalanceExResult = roundtrip(n, j);
    assert_eq!(ex.0["ZUSD"].hold_trade, dec!(8249.76));
    // Numbers in the example are written back as decimal strings.
    let written = serde_json::to_value(&ex).expect("write");
    assert_eq!(written["ZUSD"]["balance"], "25435.21");

    for (n, j) in [fixture!("Ledgers.0.json"), fixture!("Ledgers.1.json")] {
        let l: LedgersResult = roundtrip(n, j);
        assert!(!l.ledger.is_empty());
    }
    let (n, j) = fixture!("Ledgers.0.json");
    let l: LedgersResult = roundtrip(n, j);
    let e = &l.ledger["L4UESK-KG3EQ-UFO4T5"];
    assert_eq!(
        e.time,
        Timestamp::from_ticks(16_884_644_841_787).expect("time")
    );
    assert_eq!(e.r#type, LedgerType::Trade);
    assert_eq!(e.amount, dec!(-24.5000));
    assert_eq!(e.subtype.as_deref(), Some(""));
    assert_eq!(l.count, Some(2));

    for (n, j) in [
        fixture!("QueryLedgers.0.json"),
        fixture!("QueryLedgers.1.json"),
    ] {
        let _: QueryLedgersResult = roundtrip(n, j);
    }
    let (n, j) = fixture!("AddExport.0.json");
    assert_eq!(roundtrip::<AddExportResult>(n, j).id, "TCJA");
    let (n, j) = fixture!("ExportStatus.0.json");
    let s: Vec<ExportStatusEntry> = roundtrip(n, j);
    assert_eq!(s[0].status, ExportState::Processed);
    assert_eq!(
        s[0].createdtm,
        Timestamp::from_unix_seconds(1_688_669_085).expect("time")
    );
    let (n, j) = fixture!("RemoveExport.0.json");
    assert_eq!(roundtrip::<RemoveExportResult>(n, j).delete, Some(true));
    let (n, j) = fixture!("GetWebSocketsToken.0.json");
    assert_eq!(roundtrip::<WebSocketsToken>(n, j).expires, 900);
}

#[test]
fn official_funding_examples_roundtrip() {
    let (n, j) = fixture!("DepositMethods.0.json");
    let m: Vec<DepositMethod> = roundtrip(n, j);
    assert_eq!(m[0].limit, Limit::Unlimited);
    assert_eq!(m[0].gen_address, Some(true));
    let (n, j) = fixture!("DepositAddresses.0.json");
    let a: Vec<DepositAddress> = roundtrip(n, j);
    assert_eq!(a[3].tag.as_deref(), Some("1361101127"));
    assert_eq!(a[4].memo.as_deref(), Some("4150096490"));
    let (n, j) = fixture!("DepositStatus.0.json");
    let d: DepositStatusResult = roundtrip(n, j);
    assert_eq!(d.entries()[1].status, TransferStatus::Settled);
    assert_eq!(d.entries()[1].status_prop, Some(TransferStatusProp::OnHold));
    let (n, j) = fixture!("WithdrawMethods.0.json");
    let _: Vec<WithdrawMethod> = roundtrip(n, j);
    let (n, j) = fixture!("WithdrawAddresses.0.json");
    let a: Vec<WithdrawAddress> = roundtrip(n, j);
    assert!(a[0].verified);
    assert_eq!(a[0].key, "btc-wallet-1");
    let (n, j) = fixture!("WithdrawInfo.0.json");
    assert_eq!(roundtrip::<WithdrawInfo>(n, j).fee, dec!(0.00020000));
    let (n, j) = fixture!("Withdraw.0.json");
    assert_eq!(
        roundtrip::<WithdrawResult>(n, j).refid,
        "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"
    );
    let (n, j) = fixture!("WithdrawStatus.0.json");
    let w: WithdrawStatusResult = roundtrip(n, j);
    assert_eq!(w.entries()[1].status, TransferStatus::Failure);
    assert_eq!(
        w.entries()[1].status_prop,
        Some(TransferStatusProp::Canceled)
    );
    assert_eq!(
        w.entries()[0].time,
        Timestamp::from_unix_seconds(1_688_014_586).expect("time")
    );
    let (n, j) = fixture!("WithdrawCancel.0.json");
    assert!(roundtrip::<bool>(n, j));
}

#[test]
fn official_earn_examples_roundtrip() {
    let (n, j) = fixture!("Earn_Strategies.0.json");
    let s: EarnStrategies = roundtrip(n, j);
    assert_eq!(s.items[0].lock_type.r#type, LockKind::Instant);
    assert_eq!(s.items[0].lock_type.payout_frequency, Some(604_800));
    let (n, j) = fixture!("Earn_Allocations.0.json");
    let a: EarnAllocations = roundtrip(n, j);
    let bonding = a.items[0]
        .amount_allocated
        .bonding
        .as_ref()
        .expect("bonding");
    assert_eq!(bonding.allocation_count, 2);
    assert_eq!(bonding.native, dec!(0.0210000000));
    for (n, j) in [
        fixture!("Earn_Allocate.0.json"),
        fixture!("Earn_Deallocate.0.json"),
    ] {
        assert!(roundtrip::<bool>(n, j));
    }
    for (n, j) in [
        fixture!("Earn_AllocateStatus.0.json"),
        fixture!("Earn_DeallocateStatus.0.json"),
    ] {
        assert!(!roundtrip::<EarnOperationStatus>(n, j).pending);
    }
}

#[test]
fn official_trading_examples_roundtrip() {
    for (n, j) in [fixture!("AddOrder.0.json"), fixture!("AddOrder.1.json")] {
        let r: AddOrderResult = roundtrip(n, j);
        assert_eq!(r.txid.len(), 1);
    }
    for (n, j) in [
        fixture!("CancelOrder.0.json"),
        fixture!("CancelOrder.1.json"),
    ] {
        assert_eq!(roundtrip::<CancelOrderResult>(n, j).count, 1);
    }
    for (n, j) in [fixture!("OpenOrders.0.json"), fixture!("OpenOrders.1.json")] {
        let _: OpenOrdersResult = roundtrip(n, j);
    }
    let (n, j) = fixture!("OpenOrders.0.json");
    let o: OpenOrdersResult = roundtrip(n, j);
    let order = &o.open["OB5VMB-B4U2U-DK2WRW"];
    assert_eq!(order.userref, Some(45_326));
    assert_eq!(order.refid, None);
    assert_eq!(order.descr.ordertype, Some(OrderType::Limit));
    assert_eq!(order.opentm.to_string(), "1688665899.5699");
    for (n, j) in [
        fixture!("ClosedOrders.0.json"),
        fixture!("ClosedOrders.1.json"),
    ] {
        let c: ClosedOrdersResult = roundtrip(n, j);
        assert!(c.count.is_some());
    }
    for (n, j) in [
        fixture!("TradesHistory.0.json"),
        fixture!("TradesHistory.1.json"),
    ] {
        let t: TradesHistoryResult = roundtrip(n, j);
        assert_eq!(t.count.unwrap_or(2), 2);
    }
    let (n, j) = fixture!("TradesHistory.1.json");
    let t: TradesHistoryResult = roundtrip(n, j);
    assert_eq!(t.trades["TBGB6I-IMYKU-WWA2SK"].net, Some(dec!(-0.0070)));
}

#[test]
fn official_public_examples_roundtrip() {
    for (n, j) in [fixture!("Time.0.json"), fixture!("Time.1.json")] {
        let _: TimeResult = roundtrip(n, j);
    }
    for (n, j) in [fixture!("Assets.0.json"), fixture!("Assets.1.json")] {
        let _: BTreeMap<String, AssetInfo> = roundtrip(n, j);
    }
    let (n, j) = fixture!("Assets.1.json");
    let a: BTreeMap<String, AssetInfo> = roundtrip(n, j);
    assert_eq!(a["ADA"].collateral_value, Some(dec!(0.9)));
    let (n, j) = fixture!("AssetPairs.0.json");
    let p: BTreeMap<String, AssetPairInfo> = roundtrip(n, j);
    let xbt = &p["XXBTZUSD"];
    assert_eq!(xbt.fees[1].volume, dec!(50000));
    assert_eq!(xbt.fees[1].percent_fee, dec!(0.24));
    assert_eq!(xbt.ordermin, Some(dec!(0.0001)));
    assert_eq!(xbt.tick_size, Some(dec!(0.1)));
}

#[test]
fn requests_write_the_official_form_body() {
    let mut order = AddOrderRequest::new("XBTUSD", OrderSide::Buy, OrderType::Limit, dec!(1.25));
    order.price = Some("37500".into());
    // The official signing example's body, field for field (the signature covers this text).
    let body = form_body(1_616_492_376_594, None, &order).expect("form");
    let parsed: BTreeMap<String, String> = serde_urlencoded::from_str(&body).expect("parse");
    let want: BTreeMap<String, String> = serde_urlencoded::from_str(
        "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
    )
    .expect("parse");
    assert_eq!(parsed, want);
    assert!(body.starts_with("nonce=1616492376594&"));

    let body = form_body(7, Some("123456"), &BalanceRequest::default()).expect("form");
    assert_eq!(body, "nonce=7&otp=123456");

    let w = WithdrawRequest {
        asset: "XBT".into(),
        aclass: None,
        key: "btc_2709".into(),
        amount: dec!(0.725),
        address: Some("bc1kar0ssrr7xf3vy5l6d3lydnwkre5og2zz3f5ldq".into()),
        max_fee: Some(dec!(0.0005)),
    };
    let body = form_body(1, None, &w).expect("form");
    assert_eq!(
        body,
        "nonce=1&asset=XBT&key=btc_2709&amount=0.725\
         &address=bc1kar0ssrr7xf3vy5l6d3lydnwkre5og2zz3f5ldq&max_fee=0.0005"
    );
    // The sandbox parses the same body (extra `nonce` is ignored by the request type).
    let back: WithdrawRequest = serde_urlencoded::from_str(&body).expect("parse");
    assert_eq!(back, w);
}

#[test]
fn requests_parse_from_form_and_json_bodies() {
    let from_form: AddOrderRequest = serde_urlencoded::from_str(
        "nonce=1&pair=XBTUSD&type=sell&ordertype=stop-loss-limit&volume=2&price=%2B5\
         &price2=%235%25&close%5Bordertype%5D=limit&close%5Bprice%5D=100&validate=True&userref=7",
    )
    .expect("form");
    let from_json: AddOrderRequest = serde_json::from_str(
        r##"{"nonce":1,"pair":"XBTUSD","type":"sell","ordertype":"stop-loss-limit","volume":"2",
            "price":"+5","price2":"#5%","close[ordertype]":"limit","close[price]":"100",
            "validate":true,"userref":7}"##,
    )
    .expect("json");
    assert_eq!(from_form, from_json);
    assert_eq!(from_form.price.as_deref(), Some("+5"));
    assert_eq!(from_form.close_ordertype, Some(OrderType::Limit));
    assert_eq!(from_form.validate, Some(true));

    let q: QueryLedgersRequest =
        serde_urlencoded::from_str("id=LUI2RA-CJFLB-EN5I4P%2C+L2QE42-IGSZ3-WEVTLK").expect("ids");
    assert_eq!(q.id, ["LUI2RA-CJFLB-EN5I4P", "L2QE42-IGSZ3-WEVTLK"]);

    let c: CancelOrderRequest = serde_json::from_str(r#"{"txid": 45326}"#).expect("userref");
    assert_eq!(c.txid.as_deref(), Some("45326"));

    let s: WithdrawStatusRequest =
        serde_urlencoded::from_str("asset=XBT&cursor=true&limit=10").expect("status");
    assert_eq!(s.cursor, Some(PageCursor::Enabled(true)));
    assert_eq!(s.limit, Some(10));
    let s: WithdrawStatusRequest = serde_urlencoded::from_str("cursor=abc").expect("status");
    assert_eq!(s.cursor, Some(PageCursor::Next("abc".into())));

    let e: EarnStrategiesRequest =
        serde_json::from_str(r#"{"lock_type":["bonded","instant"]}"#).expect("earn");
    assert_eq!(
        serde_urlencoded::to_string(&e).expect("form"),
        "lock_type=bonded%2Cinstant"
    );
    // Unknown enum values are kept, for the sandbox to refuse by name.
    let bad: AddOrderRequest =
        serde_urlencoded::from_str("pair=X&type=short&ordertype=limit&volume=1").expect("parse");
    assert_eq!(bad.r#type, OrderSide::Other("short".into()));
}

#[test]
fn every_endpoint_but_retrieve_export_has_a_request_type() {
    fn e<T: PrivateRequest>() -> Endpoint {
        T::ENDPOINT
    }
    let mut covered = vec![
        e::<BalanceRequest>(),
        e::<BalanceExRequest>(),
        e::<LedgersRequest>(),
        e::<QueryLedgersRequest>(),
        e::<DepositMethodsRequest>(),
        e::<DepositAddressesRequest>(),
        e::<DepositStatusRequest>(),
        e::<WithdrawMethodsRequest>(),
        e::<WithdrawAddressesRequest>(),
        e::<WithdrawInfoRequest>(),
        e::<WithdrawRequest>(),
        e::<WithdrawStatusRequest>(),
        e::<WithdrawCancelRequest>(),
        e::<AddExportRequest>(),
        e::<ExportStatusRequest>(),
        e::<RemoveExportRequest>(),
        e::<WebSocketsTokenRequest>(),
        e::<EarnStrategiesRequest>(),
        e::<EarnAllocationsRequest>(),
        e::<EarnAllocateRequest>(),
        e::<EarnDeallocateRequest>(),
        e::<EarnAllocateStatusRequest>(),
        e::<EarnDeallocateStatusRequest>(),
        e::<AddOrderRequest>(),
        e::<CancelOrderRequest>(),
        e::<OpenOrdersRequest>(),
        e::<ClosedOrdersRequest>(),
        e::<TradesHistoryRequest>(),
        Endpoint::RetrieveExport,
    ];
    covered.sort_unstable();
    let mut all = Endpoint::ALL.to_vec();
    all.sort_unstable();
    assert_eq!(covered, all);
}

#[test]
fn a_withdrawal_on_hold_in_the_approval_queue_reads_back() {
    // The sandbox's extension: a queued withdrawal is `Initial` + `onhold`, with no txid yet.
    let entry = WithdrawStatusEntry {
        method: "Bitcoin".into(),
        network: None,
        aclass: "currency".into(),
        asset: "XXBT".into(),
        refid: "FTQcuak-1".into(),
        txid: None,
        info: Some("bc1q".into()),
        amount: dec!(0.5),
        fee: Some(dec!(0.0001)),
        time: Timestamp::from_unix_seconds(1_700_000_000).expect("time"),
        status: TransferStatus::Initial,
        status_prop: Some(TransferStatusProp::OnHold),
        key: Some("cold".into()),
    };
    let json = serde_json::to_string(&Envelope::ok(WithdrawStatusResult::List(vec![
        entry.clone(),
    ])))
    .expect("write");
    assert!(json.contains(r#""status-prop":"onhold""#), "{json}");
    assert!(json.contains(r#""amount":"0.5""#), "{json}");
    let back: Envelope<WithdrawStatusResult> = serde_json::from_str(&json).expect("parse");
    assert_eq!(back.into_result().expect("ok").entries(), [entry]);
}
