//! Signed private calls per second the sandbox sustains on this machine, with client-side p50 /
//! p99 latency. Target (issue 4): at least 5,000 `Balance` calls/s with p99 under 10 ms.
//!
//! The server runs in this process on loopback; eight tasks, one demo key each (nonces are per
//! key and must arrive in order), sign and send `Balance` calls over keep-alive connections for a
//! fixed time. The rate counter is switched off (an operator setting): the point is to measure
//! the server, not the limit. Every call goes through the whole gate — key, signature, nonce
//! (persisted per call), key settings, counter, permission — and reads the balances.
//! Run with `cargo xtask bench` (release build).

#![allow(
    clippy::unwrap_used,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use countersign_kraken::ApiSecret;
use countersign_sandbox::Sandbox;

const SECONDS: u64 = 8;
const TASKS: usize = 8;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::open(dir.path()).unwrap();
    sandbox.set_rate_limited(false);
    let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let creds = server.sandbox.demo_credentials(&server.base_url).unwrap();
    let keys: Vec<(String, ApiSecret)> = creds
        .members
        .iter()
        .map(|m| (m.api_key.clone(), m.api_secret.clone()))
        .chain(
            creds
                .service_users
                .iter()
                .map(|s| (s.api_key.clone(), s.api_secret.clone())),
        )
        .map(|(k, s)| (k, ApiSecret::from_base64(&s).unwrap()))
        .take(TASKS)
        .collect();
    let url = Arc::new(format!("{}/0/private/Balance", server.base_url));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (api_key, secret) in keys {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut latencies = Vec::new();
            let mut nonce: u64 = 1;
            while Instant::now() < deadline {
                nonce += 1;
                let n = nonce.to_string();
                let body = format!("nonce={n}");
                let t = Instant::now();
                let sign = countersign_kraken::sign(&secret, "/0/private/Balance", &n, &body);
                let text = http
                    .post(url.as_str())
                    .header("API-Key", &api_key)
                    .header("API-Sign", sign)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                latencies.push(t.elapsed());
                assert!(
                    text.starts_with(r#"{"error":[],"result":{"#) && text.contains("XXBT"),
                    "{text}"
                );
            }
            latencies
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 - 1.0) * p) as usize];
    println!(
        "sandbox Balance: {} signed calls in {elapsed:.1} s = {:.0} calls/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({TASKS} keys in parallel)",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().unwrap().as_secs_f64() * 1e3,
    );
    server.shutdown().await;
}
