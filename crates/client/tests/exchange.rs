//! `ExchangeClient` against a minimal local exchange: a real HTTP server that verifies every
//! signature with `countersign_kraken::verify_signature`, enforces increasing nonces and the
//! decaying call counter, and can be scripted to fail.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use countersign_client::{
    ClientOptions, ExchangeClient, ExchangeError, KeyContext, NonceStore, Nonces, RateLimit,
    RetryPolicy, system_clock,
};
use countersign_kraken::rest::{self, Endpoint};
use countersign_kraken::{ApiError, ApiSecret, Credentials, HEADER_API_KEY, HEADER_API_SIGN};
use rust_decimal_macros::dec;
use tokio::io::AsyncReadExt;

const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
const KEY: &str = "test-public-key-0123456789abcdef0123456789abcdef01234567";

fn creds() -> Credentials {
    Credentials {
        api_key: KEY.into(),
        api_secret: ApiSecret::from_base64(SECRET).expect("secret"),
    }
}

/// A scripted answer, used before the normal one.
#[derive(Debug, Clone)]
enum Script {
    /// Answer with this error string.
    Error(&'static str),
    /// Answer normally, with this warning in `error`.
    Warning(&'static str),
    /// Never answer.
    Hang,
}

#[derive(Debug, Default)]
struct Seen {
    /// Every arrival, in order: endpoint name.
    calls: Vec<String>,
    /// Accepted nonces, in arrival order.
    nonces: Vec<u64>,
    highest: u64,
    /// Counter in millionths of a call, as of `at`.
    level: u64,
    at: Option<Instant>,
    rate_refusals: u32,
    nonce_refusals: u32,
    script: HashMap<String, VecDeque<Script>>,
}

struct Exchange {
    secret: ApiSecret,
    /// Counter maximum (calls) and decay (millionths of a call per ms).
    limit: (u64, u64),
    seen: Mutex<Seen>,
}

impl Exchange {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().expect("seen")
    }

    fn script(&self, endpoint: &str, steps: &[Script]) {
        self.seen()
            .script
            .entry(endpoint.to_owned())
            .or_default()
            .extend(steps.iter().cloned());
    }

    fn calls_to(&self, endpoint: &str) -> usize {
        self.seen().calls.iter().filter(|c| *c == endpoint).count()
    }
}

fn json(body: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn err(s: &str) -> Response {
    json(serde_json::json!({ "error": [s] }))
}

fn ok(result: serde_json::Value, warnings: &[&str]) -> Response {
    json(serde_json::json!({ "error": warnings, "result": result }))
}

async fn private(
    State(ex): State<Arc<Exchange>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = format!("/0/private/{name}");
    let Some(endpoint) = Endpoint::parse(&name) else {
        return err("EGeneral:Unknown method");
    };
    let fields: BTreeMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let nonce = fields.get("nonce").cloned().unwrap_or_default();
    let key = headers.get(HEADER_API_KEY).and_then(|v| v.to_str().ok());
    let sign = headers
        .get(HEADER_API_SIGN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if key != Some(KEY) {
        return err("EAPI:Invalid key");
    }
    if !countersign_kraken::verify_signature(&ex.secret, &path, &nonce, &body, sign) {
        return err("EAPI:Invalid signature");
    }
    let Ok(nonce) = nonce.parse::<u64>() else {
        return err("EAPI:Invalid nonce");
    };
    let step = {
        let mut s = ex.seen();
        s.calls.push(name.clone());
        // The exchange's counter: decays continuously, refuses a call that would exceed it.
        let now = Instant::now();
        let elapsed_us = s.at.map_or(0, |at| {
            u64::try_from(now.duration_since(at).as_micros()).unwrap_or(u64::MAX)
        });
        s.level = s
            .level
            .saturating_sub(elapsed_us.saturating_mul(ex.limit.1) / 1_000);
        s.at = Some(now);
        let cost = u64::from(endpoint.rate_cost()) * 1_000_000;
        if s.level + cost > ex.limit.0 * 1_000_000 {
            s.rate_refusals += 1;
            return err("EAPI:Rate limit exceeded");
        }
        s.level += cost;
        if nonce <= s.highest {
            s.nonce_refusals += 1;
            return err("EAPI:Invalid nonce");
        }
        s.highest = nonce;
        s.nonces.push(nonce);
        s.script.get_mut(&name).and_then(VecDeque::pop_front)
    };
    let mut warnings = Vec::new();
    match step {
        Some(Script::Error(e)) => return err(e),
        Some(Script::Hang) => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return err("EGeneral:Internal error");
        }
        Some(Script::Warning(w)) => warnings.push(w),
        None => {}
    }
    match endpoint {
        Endpoint::Balance => ok(
            serde_json::json!({"ZUSD": "171288.6158", "XXBT": "1011.1908877900"}),
            &warnings,
        ),
        Endpoint::Ledgers => ok(serde_json::json!({"ledger": {}, "count": 0}), &warnings),
        Endpoint::Withdraw => ok(
            serde_json::json!({"refid": "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"}),
            &warnings,
        ),
        Endpoint::RetrieveExport => {
            if fields.get("id").map(String::as_str) == Some("ok") {
                let zip: &[u8] = b"PK\x03\x04 a zip archive";
                ([(header::CONTENT_TYPE, "application/octet-stream")], zip).into_response()
            } else {
                err("EGeneral:Invalid arguments:id")
            }
        }
        _ => err("EGeneral:Unknown method"),
    }
}

async fn public_time() -> Response {
    ok(
        serde_json::json!({"unixtime": 1_688_669_448, "rfc1123": "Thu, 06 Jul 23 18:50:48 +0000"}),
        &[],
    )
}

/// Starts the exchange with a counter of `max` calls decaying `decay` millionths per ms.
async fn start(max: u64, decay: u64) -> (Arc<Exchange>, String) {
    let ex = Arc::new(Exchange {
        secret: ApiSecret::from_base64(SECRET).expect("secret"),
        limit: (max, decay),
        seen: Mutex::new(Seen::default()),
    });
    let app = Router::new()
        .route("/0/private/{*name}", post(private))
        .route("/0/public/Time", get(public_time))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(Arc::clone(&ex));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (ex, format!("http://{addr}"))
}

/// A server that reads each request and hangs up without answering; counts connections.
async fn start_dropping() -> (Arc<Mutex<u32>>, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accepted = Arc::new(Mutex::new(0u32));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            *count.lock().expect("count") += 1;
            let mut buf = [0u8; 4096];
            // The request arrives in full; then the connection drops without a byte back.
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    (accepted, format!("http://{addr}"))
}

fn fast_retries() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        },
    }
}

fn client(base: &str, limit: RateLimit, options: ClientOptions) -> ExchangeClient {
    let key = Arc::new(KeyContext::in_memory(creds(), limit));
    ExchangeClient::with_options(base, key, options).expect("client")
}

fn withdraw_request() -> rest::WithdrawRequest {
    rest::WithdrawRequest {
        asset: "XBT".into(),
        aclass: None,
        key: "cold-storage".into(),
        amount: dec!(0.725),
        address: None,
        max_fee: Some(dec!(0.001)),
    }
}

#[tokio::test]
async fn a_balance_is_retried_after_one_service_unavailable() {
    let (ex, base) = start(1_000, 1_000_000).await;
    ex.script("Balance", &[Script::Error("EService:Unavailable")]);
    let c = client(&base, RateLimit::unlimited(), fast_retries());
    let balance = c.balance().await.expect("balance after one retry");
    assert_eq!(balance.0["XXBT"], dec!(1011.1908877900));
    assert_eq!(ex.calls_to("Balance"), 2);
    let s = ex.seen();
    assert!(
        s.nonces.windows(2).all(|w| w[0] < w[1]),
        "fresh nonce per try"
    );
}

#[tokio::test]
async fn a_withdraw_is_never_sent_twice() {
    // Refused as unavailable: the exchange did nothing, and the client does not try again.
    let (ex, base) = start(1_000, 1_000_000).await;
    ex.script("Withdraw", &[Script::Error("EService:Unavailable")]);
    let c = client(&base, RateLimit::unlimited(), fast_retries());
    let e = c.withdraw(&withdraw_request()).await.expect_err("refused");
    assert!(
        matches!(e, ExchangeError::Api(ApiError::ServiceUnavailable)),
        "{e}"
    );
    assert_eq!(ex.calls_to("Withdraw"), 1);

    // An internal error leaves its fate unknown.
    ex.script("Withdraw", &[Script::Error("EGeneral:Internal error")]);
    let e = c.withdraw(&withdraw_request()).await.expect_err("unknown");
    assert!(
        matches!(
            e,
            ExchangeError::OutcomeUnknown {
                endpoint: Endpoint::Withdraw,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(ex.calls_to("Withdraw"), 2);

    // No answer in time: unknown, not repeated.
    ex.script("Withdraw", &[Script::Hang]);
    let impatient = ExchangeClient::with_options(
        &base,
        Arc::clone(c.key()),
        ClientOptions {
            timeout: Duration::from_millis(300),
            ..fast_retries()
        },
    )
    .expect("client");
    let e = impatient
        .withdraw(&withdraw_request())
        .await
        .expect_err("timed out");
    assert!(matches!(e, ExchangeError::OutcomeUnknown { .. }), "{e}");
    assert!(e.to_string().contains("not repeated"), "{e}");
    assert_eq!(ex.calls_to("Withdraw"), 3);

    // Answered normally, it returns the refid.
    let ok = c.withdraw(&withdraw_request()).await.expect("withdraw");
    assert_eq!(ok.refid, "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg");
}

#[tokio::test]
async fn a_dropped_connection_ends_a_withdraw_but_a_balance_is_retried() {
    let (accepted, base) = start_dropping().await;
    let c = client(&base, RateLimit::unlimited(), fast_retries());
    let e = c.withdraw(&withdraw_request()).await.expect_err("dropped");
    assert!(
        matches!(
            e,
            ExchangeError::OutcomeUnknown {
                endpoint: Endpoint::Withdraw,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(*accepted.lock().expect("count"), 1, "sent exactly once");

    let e = c.balance().await.expect_err("dropped every time");
    assert!(matches!(e, ExchangeError::Unreachable { .. }), "{e}");
    assert_eq!(
        *accepted.lock().expect("count"),
        1 + 3,
        "balance tried 3 times"
    );
}

#[tokio::test]
async fn pacing_keeps_calls_under_the_exchange_counter() {
    // Max 4, decaying 10 per second; ledger calls cost 2.
    let (ex, base) = start(4, 10_000).await;
    let c = client(&base, RateLimit::new(4, 10_000), fast_retries());
    let started = Instant::now();
    for _ in 0..8 {
        c.ledgers(&rest::LedgersRequest::default())
            .await
            .expect("ledgers");
    }
    let took = started.elapsed();
    let (refusals, calls) = {
        let s = ex.seen();
        (s.rate_refusals, s.calls.len())
    };
    assert_eq!(refusals, 0, "the client waited instead of being refused");
    assert_eq!(calls, 8);
    // 16 units through a counter of 4 decaying 10/s: at least 1.2 s of waiting.
    assert!(took >= Duration::from_millis(1_150), "{took:?}");

    // Without pacing the same burst runs into the counter.
    let (ex, base) = start(4, 10_000).await;
    let reckless = client(
        &base,
        RateLimit::unlimited(),
        ClientOptions {
            retry: RetryPolicy {
                attempts: 1,
                ..RetryPolicy::default()
            },
            ..fast_retries()
        },
    );
    let mut refused = 0;
    for _ in 0..8 {
        if let Err(ExchangeError::Api(ApiError::RateLimitExceeded)) =
            reckless.ledgers(&rest::LedgersRequest::default()).await
        {
            refused += 1;
        }
    }
    assert!(refused > 0);
    assert_eq!(ex.seen().rate_refusals, refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nonces_arrive_increasing_from_eight_concurrent_tasks() {
    let (ex, base) = start(100_000, 1_000_000).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let key =
        Arc::new(KeyContext::persistent(creds(), dir.path(), RateLimit::unlimited()).expect("key"));
    let c = ExchangeClient::with_options(&base, key, fast_retries()).expect("client");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    c.balance().await.expect("balance");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    let s = ex.seen();
    assert_eq!(s.nonce_refusals, 0);
    assert_eq!(s.nonces.len(), 80);
    assert!(s.nonces.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn two_processes_sharing_a_key_directory_are_both_accepted() {
    let (ex, base) = start(100_000, 1_000_000).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // Two stores on one directory: the app and the CLI.
    let open = || {
        let store = NonceStore::open(dir.path(), KEY).expect("store");
        let key = KeyContext::with_parts(
            creds(),
            Nonces::Stored(store),
            RateLimit::unlimited(),
            system_clock(),
        );
        ExchangeClient::with_options(&base, Arc::new(key), fast_retries()).expect("client")
    };
    let (app, cli) = (open(), open());
    for i in 0..20 {
        let c = if i % 4 == 0 { &cli } else { &app };
        c.balance().await.expect("balance");
    }
    let s = ex.seen();
    assert_eq!(s.nonce_refusals, 0);
    assert_eq!(s.nonces.len(), 20);
}

#[tokio::test]
async fn an_export_is_a_zip_or_the_exchange_error() {
    let (_ex, base) = start(1_000, 1_000_000).await;
    let c = client(&base, RateLimit::unlimited(), fast_retries());
    let zip = c.retrieve_export("ok").await.expect("zip");
    assert!(zip.starts_with(b"PK\x03\x04"));
    let e = c
        .retrieve_export("missing")
        .await
        .expect_err("no such export");
    assert!(
        matches!(e, ExchangeError::Api(ApiError::InvalidArguments(Some(ref f))) if f == "id"),
        "{e}"
    );
}

#[tokio::test]
async fn warnings_ride_along_with_a_result_and_public_calls_work() {
    let (ex, base) = start(1_000, 1_000_000).await;
    ex.script("Balance", &[Script::Warning("WGeneral:Deprecated")]);
    let c = client(&base, RateLimit::unlimited(), fast_retries());
    let answer = c
        .send(&rest::BalanceRequest::default(), None)
        .await
        .expect("balance");
    assert_eq!(answer.warnings.len(), 1);
    assert_eq!(answer.warnings[0].as_str(), "WGeneral:Deprecated");
    assert_eq!(answer.result.0["ZUSD"], dec!(171288.6158));
    let time = c.server_time().await.expect("time");
    assert_eq!(time.unixtime, 1_688_669_448);
    // An endpoint the exchange does not serve is refused, not retried.
    let e = c
        .earn_allocate_status("ESRFUO3-Q62XD-WIOIL7")
        .await
        .expect_err("not served here");
    assert!(
        matches!(e, ExchangeError::Api(ApiError::UnknownMethod)),
        "{e}"
    );
    assert_eq!(ex.calls_to("Earn/AllocateStatus"), 1);
}
