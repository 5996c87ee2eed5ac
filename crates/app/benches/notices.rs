//! Notice latency: how long after a bot creates a withdrawal the app has the notice that tells
//! an officer it needs them (issue 9; the end-to-end test shows the notifications, this measures
//! them). Goal: p95 under 1 s, the bound the issue sets for the list, over 200 requests.
//!
//! The sandbox is served in this process on loopback; the app core connects to it as Ben Ruiz
//! (`Target::RemoteWith`, as against any remote org API), follows his event stream and keeps the
//! notices' watch, wired as the desktop wires them ([`Nudging`]). payout-bot then sends
//! `Withdraw` calls through the exchange API, one after another, each waiting for its notice.
//! The moment measured is the [`NoticeSink::notify`] call; what the desktop adds after it is one
//! D-Bus call to the notification service.
//!
//! Run with `cargo xtask bench` (release build).

#![allow(
    clippy::unwrap_used,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_app::notices::{Notice, NoticeSink, NoticeTopic, Nudging, keep_watch};
use countersign_app::push::{DeskEvent, DeskSink, SyncState, follow};
use countersign_app::{AppCore, Environment, Target};
use countersign_client::{ExchangeClient, KeyContext, RateLimit};
use countersign_kraken::rest::WithdrawRequest;
use countersign_kraken::{ApiSecret, Credentials};
use countersign_sandbox::Sandbox;
use rust_decimal::Decimal;

const REQUESTS: usize = 200;
const GOAL_P95: Duration = Duration::from_secs(1);

/// When each request's notice came, by request id.
#[derive(Default)]
struct Clock(Mutex<HashMap<String, Instant>>, tokio::sync::Notify);

impl NoticeSink for Clock {
    fn needs_me(&self, _: usize) {}
    fn notify(&self, notice: &Notice) {
        if let NoticeTopic::NeedsYou(id) = &notice.topic {
            self.0.lock().unwrap().insert(id.clone(), Instant::now());
            self.1.notify_one();
        }
    }
    fn withdraw(&self, _: &NoticeTopic) {}
}

/// The webview's part: nothing here.
struct Nowhere;

impl DeskSink for Nowhere {
    fn event(&self, _: &DeskEvent) {}
    fn sync(&self, _: &SyncState, _: bool) {}
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

fn credentials(api_key: &str, secret: &str) -> Credentials {
    Credentials {
        api_key: api_key.to_owned(),
        api_secret: ApiSecret::from_base64(secret).unwrap(),
    }
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::open(&dir.path().join("sandbox")).unwrap();
    sandbox.set_rate_limited(false);
    let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let creds = server.sandbox.demo_credentials(&server.base_url).unwrap();
    let ben = creds.members.iter().find(|m| m.id == "m-ben").unwrap();
    let app = Arc::new(
        AppCore::connect(
            Environment::in_memory(&dir.path().join("app")),
            Target::RemoteWith {
                base_url: server.base_url.clone(),
                credentials: credentials(&ben.api_key, &ben.api_secret),
                pin: None,
            },
        )
        .await
        .unwrap(),
    );
    let bot = creds
        .service_users
        .iter()
        .find(|s| s.id == "su-payouts")
        .unwrap();
    let bot = ExchangeClient::new(
        &server.base_url,
        KeyContext::in_memory(
            credentials(&bot.api_key, &bot.api_secret),
            RateLimit::unlimited(),
        )
        .into(),
    )
    .unwrap();

    let clock = Arc::new(Clock::default());
    let nudges = Arc::new(tokio::sync::Notify::new());
    {
        let (app, nudges) = (Arc::clone(&app), Arc::clone(&nudges));
        tokio::spawn(async move {
            let sink = Nudging {
                sink: Nowhere,
                nudges,
            };
            follow(&app, &sink).await;
        });
    }
    {
        let (app, clock) = (Arc::clone(&app), Arc::clone(&clock));
        tokio::spawn(async move { keep_watch(&app, nudges, clock.as_ref()).await });
    }
    // Let the stream open and the first reading (what already waits) pass.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut times = Vec::with_capacity(REQUESTS);
    let started = Instant::now();
    for _ in 0..REQUESTS {
        let t0 = Instant::now();
        let refid = bot
            .withdraw(&WithdrawRequest {
                asset: "USDT".into(),
                aclass: None,
                key: "usdt-otc-desk".into(),
                amount: Decimal::from(100),
                address: None,
                max_fee: None,
            })
            .await
            .unwrap()
            .refid;
        let heard = loop {
            if let Some(at) = clock.0.lock().unwrap().get(&refid) {
                break *at;
            }
            tokio::time::timeout(Duration::from_secs(10), clock.1.notified())
                .await
                .unwrap_or_else(|_| panic!("no notice for {refid}"));
        };
        times.push(heard.duration_since(t0));
    }
    let total = started.elapsed();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("notices: {REQUESTS} withdrawals by a bot, one officer's app telling them (loopback)");
    println!(
        "  notice    p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(0.99)),
        ms(at(1.0)),
    );
    println!(
        "  goal: creation to the notice p95 < {} ms: {}",
        GOAL_P95.as_millis(),
        if at(0.95) < GOAL_P95 {
            "met"
        } else {
            "NOT MET"
        }
    );
    println!("  total {:.1} s", total.as_secs_f64());
}
