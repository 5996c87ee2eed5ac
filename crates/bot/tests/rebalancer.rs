//! The rebalancer against a real sandbox over loopback, with the demo's `su-rebalancer` key.

use std::sync::Arc;
use std::time::Duration;

use countersign_bot::living::{Living, LivingConfig, REBALANCER_ID};
use countersign_bot::{Rebalancer, RebalancerConfig, Tick};
use countersign_client::{ExchangeClient, KeyContext, RateTier};
use countersign_kraken::rest::WithdrawCancelRequest;
use countersign_kraken::{ApiSecret, Credentials};
use countersign_sandbox::{RunningSandbox, Sandbox};
use rust_decimal::Decimal;

async fn start(dir: &std::path::Path) -> RunningSandbox {
    Sandbox::open(dir)
        .expect("sandbox")
        .serve("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve")
}

fn client(server: &RunningSandbox) -> ExchangeClient {
    let creds = server
        .sandbox
        .demo_credentials(&server.base_url)
        .expect("creds");
    let bot = creds
        .service_users
        .iter()
        .find(|s| s.id == REBALANCER_ID)
        .expect("bot");
    let key = KeyContext::in_memory(
        Credentials {
            api_key: bot.api_key.clone(),
            api_secret: ApiSecret::from_base64(&bot.api_secret).expect("secret"),
        },
        RateTier::Intermediate.limit(),
    );
    ExchangeClient::new(&server.base_url, Arc::new(key)).expect("client")
}

/// The demo seeds two sweeps of the rebalancer's still waiting for approval; as their
/// initiator, the bot may cancel them.
async fn cancel_held_sweeps(client: &ExchangeClient) -> usize {
    let held: Vec<String> = client
        .withdraw_status(&Default::default())
        .await
        .expect("status")
        .entries()
        .iter()
        .filter(|w| w.asset == "XXBT" && w.status_prop.is_some())
        .map(|w| w.refid.clone())
        .collect();
    for refid in &held {
        let cancelled = client
            .withdraw_cancel(&WithdrawCancelRequest {
                asset: "XBT".into(),
                refid: refid.clone(),
            })
            .await
            .expect("cancel");
        assert!(cancelled, "{refid}");
    }
    held.len()
}

#[tokio::test]
async fn sweeps_the_excess_counting_held_withdrawals_as_gone() {
    let dir = tempfile::tempdir().expect("dir");
    let server = start(dir.path()).await;
    let bot = Rebalancer::new(client(&server), RebalancerConfig::demo());
    let dec = |s: &str| s.parse::<Decimal>().expect("dec");
    // 48.275 BTC, of which 2.50015 + 0.75015 are on hold in the demo's queue: 45.0247 is above
    // 45, so it sweeps down to 40, net of the 0.00015 fee.
    let Tick::Swept {
        amount, completed, ..
    } = bot.tick().await.expect("tick")
    else {
        panic!("expected a sweep");
    };
    assert_eq!(amount, dec("5.02455"));
    assert!(!completed, "the demo's withdrawal policy queues it");
    // Its own sweep now counts as gone: nothing more until deposits lift the hot wallet again.
    assert_eq!(
        bot.tick().await.expect("tick"),
        Tick::Idle {
            balance: dec("48.2750000000"),
            projected: dec("40"),
        }
    );
    server
        .sandbox
        .simulate_deposit("BTC", Decimal::from(3))
        .expect("deposit");
    assert!(matches!(bot.tick().await.expect("tick"), Tick::Idle { .. }));
    server
        .sandbox
        .simulate_deposit("BTC", Decimal::from(3))
        .expect("deposit");
    let Tick::Swept { amount, .. } = bot.tick().await.expect("tick") else {
        panic!("expected a second sweep");
    };
    assert_eq!(amount, dec("5.99985"));
    // A bot restarted from scratch (a new client, no memory) reaches the same conclusion.
    let again = Rebalancer::new(client(&server), RebalancerConfig::demo());
    assert!(matches!(
        again.tick().await.expect("tick"),
        Tick::Idle { .. }
    ));
}

#[tokio::test]
async fn below_the_threshold_it_stays_idle() {
    let dir = tempfile::tempdir().expect("dir");
    let server = start(dir.path()).await;
    let config = RebalancerConfig {
        threshold: Decimal::from(100),
        ..RebalancerConfig::demo()
    };
    let bot = Rebalancer::new(client(&server), config);
    assert_eq!(cancel_held_sweeps(&client(&server)).await, 2);
    assert_eq!(
        bot.tick().await.expect("tick"),
        Tick::Idle {
            balance: "48.2750000000".parse().expect("dec"),
            projected: "48.2750000000".parse().expect("dec"),
        }
    );
}

#[tokio::test]
async fn the_living_sandbox_fills_the_queue_and_stops_cleanly() {
    let dir = tempfile::tempdir().expect("dir");
    let server = start(dir.path()).await;
    let before = server.sandbox.demo_members().expect("members").len();
    let living = Living::start(
        &server,
        LivingConfig {
            deposit_every: Duration::from_millis(50),
            rebalancer: RebalancerConfig {
                interval: Duration::from_millis(50),
                ..RebalancerConfig::demo()
            },
        },
    )
    .expect("start");
    // The rebalancer's first tick sweeps; a check through the exchange API sees it on hold.
    let probe = client(&server);
    let mut held = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let s = probe
            .withdraw_status(&Default::default())
            .await
            .expect("status");
        if s.entries().iter().any(|w| {
            w.key.as_deref() == Some("cold-storage-1")
                && w.status_prop.is_some()
                && w.amount == "5.02455".parse::<Decimal>().expect("dec")
        }) {
            held = true;
            break;
        }
    }
    assert!(held, "the living sandbox put a sweep in the approval queue");
    living.stop().await;
    assert_eq!(
        server.sandbox.demo_members().expect("members").len(),
        before
    );
}
