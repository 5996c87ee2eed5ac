//! Push latency: how long after a bot creates a withdrawal a member's desk has it. Goal (issue 9):
//! p95 under 200 ms on loopback, over 1,000 requests.
//!
//! The sandbox runs in this process on loopback. Ben Ruiz's client holds the org API's event
//! stream open, as the app does; payout-bot then sends 1,000 `Withdraw` calls through the
//! exchange API, one after another. For each, three moments from just before the bot's call:
//! - `answered`: the bot has its answer (the request is committed);
//! - `event`: Ben's stream yields its `submitted` event;
//! - `listed`: Ben's `ListRequests` (pending), which the app reads on each event, holds it.
//!
//! The queue grows to 1,000 pending requests, so the last `listed` figures are the app's worst
//! case. Run with `cargo xtask bench` (release build).

#![allow(
    clippy::unwrap_used,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use countersign_client::{OrgClient, RequestFilter, StreamItem};
use countersign_kraken::{ApiSecret, Credentials};
use countersign_org::RequestStatus;
use countersign_sandbox::Sandbox;

const REQUESTS: usize = 1000;
const GOAL_P95: Duration = Duration::from_millis(200);

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

fn client(base: &str, api_key: &str, secret: &str) -> OrgClient {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let time = Arc::new(AtomicI64::new(i64::try_from(now).unwrap()));
    let key = countersign_client::KeyContext::with_parts(
        Credentials {
            api_key: api_key.to_owned(),
            api_secret: ApiSecret::from_base64(secret).unwrap(),
        },
        countersign_client::Nonces::Memory(countersign_client::NonceSource::new()),
        countersign_client::RateLimit::unlimited(),
        Arc::new(move || {
            u64::try_from(time.load(std::sync::atomic::Ordering::SeqCst) * 1000).unwrap()
        }),
    );
    OrgClient::with_key(base, Arc::new(key)).unwrap()
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::open(dir.path()).unwrap();
    sandbox.set_rate_limited(false);
    let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let creds = server.sandbox.demo_credentials(&server.base_url).unwrap();
    let ben = creds.members.iter().find(|m| m.id == "m-ben").unwrap();
    let ben = client(&server.base_url, &ben.api_key, &ben.api_secret);
    let bot = creds
        .service_users
        .iter()
        .find(|s| s.id == "su-payouts")
        .unwrap();
    let bot_secret = ApiSecret::from_base64(&bot.api_secret).unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/0/private/Withdraw", server.base_url);

    let mut stream = ben.events().await.unwrap();
    assert!(matches!(
        stream.next().await,
        Some(Ok(StreamItem::Ready(_)))
    ));

    let (mut answered, mut event, mut listed) = (Vec::new(), Vec::new(), Vec::new());
    let started = Instant::now();
    for i in 0..REQUESTS {
        let nonce = (i + 1).to_string();
        let body = format!("nonce={nonce}&asset=USDT&key=usdt-otc-desk&amount=100");
        let sign = countersign_kraken::sign(&bot_secret, "/0/private/Withdraw", &nonce, &body);
        let t0 = Instant::now();
        let answer: serde_json::Value = http
            .post(&url)
            .header("API-Key", &bot.api_key)
            .header("API-Sign", sign)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answered.push(t0.elapsed());
        let refid = answer["result"]["refid"]
            .as_str()
            .unwrap_or_else(|| panic!("{answer}"))
            .to_owned();
        loop {
            match stream.next().await {
                Some(Ok(StreamItem::Event(e))) if e.request_id.as_deref() == Some(&refid) => break,
                Some(Ok(_)) => {}
                other => panic!("the stream ended: {other:?}"),
            }
        }
        event.push(t0.elapsed());
        let list = ben
            .list_requests(RequestFilter {
                status: Some(RequestStatus::Pending),
                workflow: None,
            })
            .await
            .unwrap();
        assert!(list.iter().any(|r| r.id == refid));
        listed.push(t0.elapsed());
    }
    let total = started.elapsed();

    println!("push: {REQUESTS} withdrawals by a bot, one member's desk following (loopback)");
    for (name, mut times) in [("answered", answered), ("event", event), ("listed", listed)] {
        times.sort();
        let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "  {name:<9} p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
            ms(at(0.5)),
            ms(at(0.95)),
            ms(at(0.99)),
            ms(at(1.0)),
        );
        if name == "listed" {
            let p95 = at(0.95);
            println!(
                "  goal: creation to the desk's list p95 < {} ms: {}",
                GOAL_P95.as_millis(),
                if p95 < GOAL_P95 { "met" } else { "NOT MET" }
            );
        }
    }
    println!("  total {:.1} s", total.as_secs_f64());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
