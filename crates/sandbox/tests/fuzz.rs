//! Fuzzed bodies and headers on every route of both APIs, over HTTP, on stable Rust (proptest).
//!
//! Each case is one call to one route — every org API call, every private exchange call, the
//! public ones — with form fields drawn from the names the APIs read and from random ones, and
//! values chosen to hurt (empty, huge, negative, beyond `Decimal`, unicode, JSON where text is
//! read, text where JSON is read), signed correctly (so the handler reads them) or with headers
//! fuzzed too. For every case:
//! - the answer is well-formed: a JSON envelope whose `error` is a list (an export's zip aside),
//!   never a 5xx;
//! - nothing panics (the server still answers);
//! - an answer with an error changed nothing: the tables that hold effects are as before.
//!
//! `COUNTERSIGN_FAULTS=long` (`cargo xtask faults`) runs 512 cases per route; the plain run 12.
//! The count is printed as `faults fuzz:`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Harness, Key};
use countersign_kraken::rest::Endpoint;
use countersign_org::{ApiKeySpec, KeySettings, Scope};
use countersign_orgapi::CallName;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn cases_per_route() -> u32 {
    if std::env::var("COUNTERSIGN_FAULTS").is_ok_and(|v| v == "long") {
        512
    } else {
        12
    }
}

/// The field names the two APIs read, so fuzzed values reach the handlers' parsing.
const FIELDS: &[&str] = &[
    "id",
    "payload",
    "otp",
    "reason",
    "seen",
    "content_hash",
    "device_key",
    "signature",
    "at",
    "window",
    "execute",
    "status",
    "workflow",
    "initiator",
    "service_user",
    "policy",
    "asset",
    "key",
    "amount",
    "address",
    "method",
    "refid",
    "pair",
    "type",
    "ordertype",
    "volume",
    "price",
    "price2",
    "leverage",
    "oflags",
    "txid",
    "userref",
    "start",
    "end",
    "ofs",
    "trades",
    "report",
    "format",
    "description",
    "fields",
    "aclass",
    "without_count",
    "new",
    "since",
    "count",
    "interval",
    "strategy_id",
    "after",
    "before",
    "limit",
    "cursor",
    "max_fee",
];

/// Values that have broken parsers before.
const NASTY: &[&str] = &[
    "",
    "0",
    "-1",
    "-0",
    "1e400",
    "NaN",
    "79228162514264337593543950336",
    "-79228162514264337593543950335.0000000000000000001",
    "0.000000000000000000000000000001",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "true",
    "null",
    "[]",
    "{}",
    "{\"kind\":\"withdraw\"}",
    "{\"kind\":\"add_address\",\"asset\":\"BTC\",\"key\":\"\",\"address\":\"\"}",
    "{\"kind\":\"set_policy\",\"workflow\":\"initiate_withdrawal\",\"policy\":{\"required_approvals\":4294967295}}",
    "%00",
    "\u{0}",
    "é漢字🙂",
    "R-NONE",
    "USDT",
    "XBTUSD",
    "usdt-otc-desk",
    "=+-@",
    "../../etc/passwd",
];

/// One fuzzed call.
#[derive(Debug, Clone)]
struct Case {
    route: Route,
    fields: Vec<(String, String)>,
    headers: Headers,
}

#[derive(Debug, Clone, Copy)]
enum Route {
    Org(CallName),
    Private(Endpoint),
    Public(&'static str),
}

/// How the call is signed.
#[derive(Debug, Clone)]
enum Headers {
    /// Signed correctly: the handler reads the fields.
    Signed,
    /// `API-Key` and `API-Sign` as given (random, missing, or another key's).
    Fuzzed(Option<String>, Option<String>),
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(NASTY).prop_map(str::to_owned),
        2 => "[ -~]{0,40}",
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => "[0-9]{1,40}\\.[0-9]{0,40}",
        1 => proptest::collection::vec(any::<char>(), 0..20).prop_map(|c| c.into_iter().collect()),
        1 => (1usize..200_000).prop_map(|n| "9".repeat(n)),
    ]
}

fn field() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        6 => proptest::sample::select(FIELDS).prop_map(str::to_owned),
        1 => "[a-z_]{1,12}",
    ];
    (name, value())
}

fn headers() -> impl Strategy<Value = Headers> {
    prop_oneof![
        6 => Just(Headers::Signed),
        1 => (
            proptest::option::of("[ -~]{0,60}"),
            proptest::option::of("[A-Za-z0-9+/=]{0,120}")
        )
            .prop_map(|(k, s)| Headers::Fuzzed(k, s)),
    ]
}

fn case(route: Route) -> impl Strategy<Value = Case> {
    (proptest::collection::vec(field(), 0..8), headers()).prop_map(move |(fields, headers)| Case {
        route,
        fields,
        headers,
    })
}

/// What holds the effects of calls: each table's row count and last row, and the balances and
/// requests' states. What a refusal may move by design is not an effect: the nonce high-water
/// mark, failed codes toward a lockout, and each key's use log (its calls, refusals, addresses
/// and the entries its withdrawal calls named, whatever their outcome), which
/// [`use_log_is_bounded`] checks instead.
fn effects(h: &Harness) -> Vec<String> {
    let conn = rusqlite::Connection::open(h.sandbox().db_path()).expect("db");
    let mut out = Vec::new();
    for table in [
        "addresses",
        "balances",
        "decisions",
        "devices",
        "earn_operations",
        "exports",
        "journal",
        "ledger",
        "members",
        "orders",
        "policies",
        "requests",
        "reveals",
        "service_users",
        "trades",
    ] {
        let row: String = conn
            .query_row(
                &format!("SELECT count(*) || '/' || ifnull(max(rowid), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )
            .expect("count");
        out.push(format!("{table}:{row}"));
    }
    for sql in [
        "SELECT group_concat(asset || '=' || amount, ';') FROM balances",
        "SELECT group_concat(id || '=' || status, ';') FROM requests",
        "SELECT group_concat(txid || '=' || status, ';') FROM orders",
    ] {
        let row: Option<String> = conn.query_row(sql, [], |r| r.get(0)).expect("state");
        out.push(row.unwrap_or_default());
    }
    out
}

/// Lets the refusals of the case before leave no mark on this one: the clock moves past any
/// lockout (bad keys, signatures and codes lock a key, an address or a member out for 15
/// minutes), and a read lets the server carry out what that time brings (expiries) before the
/// state is taken.
fn settle(rt: &tokio::runtime::Runtime, h: &Harness) {
    h.advance_ms(countersign_sandbox::gate::LOCKOUT_MS + 1);
    let listed = rt.block_on(h.org("m-ada", "ListRequests", &[], false));
    assert!(
        listed["error"].as_array().is_some_and(Vec::is_empty),
        "the server reads after a lockout: {listed}"
    );
}

/// The keys' use log holds only what a caller could legitimately name: entry names of at most
/// [`countersign_org::MAX_NAME_CHARS`], one row per key and entry.
fn use_log_is_bounded(h: &Harness) {
    let conn = rusqlite::Connection::open(h.sandbox().db_path()).expect("db");
    let longest: i64 = conn
        .query_row(
            "SELECT ifnull(max(length(entry)), 0) FROM key_destinations",
            [],
            |r| r.get(0),
        )
        .expect("longest");
    assert!(
        usize::try_from(longest).expect("length") <= countersign_org::MAX_NAME_CHARS,
        "a key's use log kept a {longest}-character entry name"
    );
}

/// Sends `case`; the status, content type and body.
async fn send(h: &Harness, org_key: &Key, bot_key: &Key, case: &Case) -> (u16, String, Vec<u8>) {
    let nonce = h.next_nonce().to_string();
    let mut fields = vec![("nonce".to_owned(), nonce.clone())];
    fields.extend(case.fields.iter().cloned());
    let body = serde_urlencoded::to_string(&fields).expect("form");
    let (path, key) = match case.route {
        Route::Org(call) => (call.path(), Some(org_key)),
        Route::Private(e) => (e.path(), Some(bot_key)),
        Route::Public(call) => (format!("/0/public/{call}"), None),
    };
    let mut request = h
        .http
        .post(format!("{}{path}", h.server.base_url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.clone());
    match (&case.headers, key) {
        (Headers::Signed, Some(key)) => {
            request = request.header("API-Key", &key.api_key).header(
                "API-Sign",
                countersign_kraken::sign(&key.secret, &path, &nonce, &body),
            );
        }
        (Headers::Fuzzed(k, s), _) => {
            if let Some(k) = k {
                request = request.header("API-Key", k);
            }
            if let Some(s) = s {
                request = request.header("API-Sign", s);
            }
        }
        (Headers::Signed, None) => {}
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.bytes().await.expect("body").to_vec())
}

#[test]
fn every_route_answers_fuzzed_calls_well_formed_and_an_error_changes_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let h = rt.block_on(Harness::start());
    // The exchange calls go out under a key that may do everything, so each handler is reached.
    let bot_key = h.bot("su-payouts");
    h.sandbox()
        .operator_set_key_spec(
            &bot_key.api_key,
            &ApiKeySpec {
                scopes: Scope::ALL.into_iter().collect(),
                settings: KeySettings::default(),
            },
        )
        .expect("every scope");
    h.sandbox().set_rate_limited(false);
    let org_key = h.member("m-ada");

    let mut routes: Vec<Route> = CallName::ALL.iter().map(|c| Route::Org(*c)).collect();
    routes.extend(Endpoint::ALL.into_iter().map(Route::Private));
    routes.extend(["Time", "Assets", "AssetPairs", "NoSuchCall"].map(Route::Public));

    let cases = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let kinds = std::sync::Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    for route in routes {
        let mut runner = TestRunner::new(Config {
            cases: cases_per_route(),
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&case(route), |case| {
            settle(&rt, &h);
            let before = effects(&h);
            let (status, kind, body) = rt.block_on(send(&h, &org_key, &bot_key, &case));
            cases.fetch_add(1, Ordering::SeqCst);
            prop_assert!(status < 500, "{route:?} answered {status}");
            if !kind.starts_with("application/json") {
                // Only an export's zip is not JSON.
                prop_assert!(
                    matches!(route, Route::Private(Endpoint::RetrieveExport)),
                    "{route:?} answered {kind}"
                );
                return Ok(());
            }
            let envelope: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|e| TestCaseError::fail(format!("{route:?}: not JSON ({e})")))?;
            let refused = envelope["error"].as_array().ok_or_else(|| {
                TestCaseError::fail(format!("{route:?}: no error list: {envelope}"))
            })?;
            if !refused.is_empty() {
                errors.fetch_add(1, Ordering::SeqCst);
                if let Some(first) = refused.first().and_then(|e| e.as_str()) {
                    *kinds
                        .lock()
                        .expect("kinds")
                        .entry(first.to_owned())
                        .or_insert(0usize) += 1;
                }
                prop_assert_eq!(
                    before,
                    effects(&h),
                    "{:?} refused with {} but changed state",
                    route,
                    envelope["error"]
                );
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
    use_log_is_bounded(&h);
    // The server is still there: nothing panicked it away.
    let time = rt.block_on(h.public("Time", ""));
    assert!(
        time["error"].as_array().is_some_and(Vec::is_empty),
        "{time}"
    );
    // The refusals name what the handlers read, not only the gate's checks: the cases reach
    // the parsing they are meant to hurt.
    let kinds = kinds.lock().expect("kinds");
    let reached = kinds
        .keys()
        .filter(|k| k.starts_with("EGeneral:Invalid arguments:"))
        .count();
    assert!(
        reached >= 5,
        "few refusals came from the handlers: {kinds:?}"
    );
    eprintln!(
        "faults fuzz: {} cases on {} routes, {} refused ({} distinct refusals, {} naming a field), \
         0 malformed answers, 0 panics, 0 state changes on an error",
        cases.load(Ordering::SeqCst),
        CallName::ALL.len() + Endpoint::ALL.len() + 4,
        errors.load(Ordering::SeqCst),
        kinds.len(),
        reached
    );
}
