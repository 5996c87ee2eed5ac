//! `ExchangeClient` end to end against the real sandbox on a loopback port: balances, ledger
//! paging, a withdrawal waiting in the Organization's queue, an export's round trip, pacing under
//! the Pro counter, nonces that survive a restart with the clock gone back, and the key probe
//! (`probe_key`) against many scope sets.
//!
//! The sandbox's clock and the client's pacer read one clock: real time plus an offset the tests
//! move forward, so the rate counter decays between steps without waiting.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use countersign_client::probe::{Capability, Finding, Outcome, Purpose};
use countersign_client::{
    ClientOptions, Clock, ExchangeClient, ExchangeError, KeyContext, KeyProbe, NonceSource,
    NonceStore, Nonces, RateLimit, RateTier, RetryPolicy, probe_key,
};
use countersign_kraken::rest::{self, TransferStatus, TransferStatusProp};
use countersign_kraken::{ApiError, ApiSecret, Credentials};
use countersign_org::{ApiKeySpec, KeySettings, Scope};
use countersign_sandbox::{DemoCredentials, RunningSandbox, Sandbox, gate};
use rust_decimal::Decimal;

/// 2026-11-22 12:00:00 UTC.
const START_MS: i64 = 1_795_348_800_000;

struct Harness {
    running: RunningSandbox,
    creds: DemoCredentials,
    offset: Arc<AtomicI64>,
    t0: Instant,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let offset = Arc::new(AtomicI64::new(0));
        let t0 = Instant::now();
        let o = Arc::clone(&offset);
        let sandbox = Sandbox::open_with_clock(dir.path(), Arc::new(move || now_ms(&o, t0)))
            .expect("open sandbox");
        sandbox
            .set_rate_tier(gate::RateTier::Pro)
            .expect("pro tier");
        let running = sandbox
            .serve("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("serve");
        let creds = running
            .sandbox
            .demo_credentials(&running.base_url)
            .expect("demo credentials");
        Self {
            running,
            creds,
            offset,
            t0,
            _dir: dir,
        }
    }

    fn sandbox(&self) -> &Sandbox {
        &self.running.sandbox
    }

    /// The clock both sides read, for the client (unix ms).
    fn clock(&self) -> Clock {
        let o = Arc::clone(&self.offset);
        let t0 = self.t0;
        Arc::new(move || u64::try_from(now_ms(&o, t0)).expect("after 1970"))
    }

    /// Moves both clocks forward, so rate counters decay.
    fn advance(&self, ms: i64) {
        self.offset.fetch_add(ms, Ordering::SeqCst);
    }

    /// A demo member's (`m-ada`) or service user's (`su-reporting`) key.
    fn key(&self, id: &str) -> Credentials {
        let (api_key, secret) = self
            .creds
            .service_users
            .iter()
            .map(|s| (&s.id, &s.api_key, &s.api_secret))
            .chain(
                self.creds
                    .members
                    .iter()
                    .map(|m| (&m.id, &m.api_key, &m.api_secret)),
            )
            .find(|(i, _, _)| *i == id)
            .map(|(_, k, s)| (k.clone(), s.clone()))
            .unwrap_or_else(|| panic!("demo key {id}"));
        Credentials {
            api_key,
            api_secret: ApiSecret::from_base64(&secret).expect("secret"),
        }
    }

    /// A client on the shared clock with the Pro counter and in-memory nonces.
    fn client(&self, id: &str) -> ExchangeClient {
        self.client_with(id, ClientOptions::default())
    }

    fn client_with(&self, id: &str, options: ClientOptions) -> ExchangeClient {
        let key = KeyContext::with_parts(
            self.key(id),
            Nonces::Memory(NonceSource::new()),
            RateTier::Pro.limit(),
            self.clock(),
        );
        ExchangeClient::with_options(&self.running.base_url, Arc::new(key), options)
            .expect("client")
    }
}

fn now_ms(offset: &AtomicI64, t0: Instant) -> i64 {
    let real = i64::try_from(t0.elapsed().as_millis()).expect("ms");
    START_MS + offset.load(Ordering::SeqCst) + real
}

/// One attempt per call: a refusal comes back instead of being retried away.
fn no_retries() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    }
}

#[tokio::test]
async fn balances_and_ledger_pages_by_ofs_hold_together() {
    let h = Harness::start().await;
    let c = h.client("su-reporting");
    let balance = c.balance().await.expect("balance").0;
    assert_eq!(balance["XXBT"], Decimal::new(48_275, 3));
    assert_eq!(balance["ZUSD"], Decimal::new(34_802_505_500, 4));

    // Every page by `ofs`, newest first; the whole ledger oldest first.
    let first = c
        .ledgers(&rest::LedgersRequest::default())
        .await
        .expect("ledgers");
    let count = first.count.expect("count");
    assert!(count > 100, "the demo account has history: {count}");
    let mut all: Vec<(String, rest::LedgerEntry)> = Vec::new();
    loop {
        h.advance(5_000);
        let page = c
            .ledgers(&rest::LedgersRequest {
                ofs: Some(i64::try_from(all.len()).expect("ofs")),
                ..rest::LedgersRequest::default()
            })
            .await
            .expect("page");
        if page.ledger.is_empty() {
            break;
        }
        assert!(page.ledger.len() <= 50);
        let times: Vec<_> = page.ledger.values().map(|e| e.time).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        all.extend(page.ledger);
    }
    assert_eq!(all.len() as u64, count);
    let ids: HashSet<&String> = all.iter().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), all.len(), "pages neither overlap nor skip");

    all.reverse();
    let mut running: BTreeMap<String, Decimal> = BTreeMap::new();
    for (id, e) in &all {
        let before = running.get(&e.asset).copied().unwrap_or_default();
        let after = before + e.amount - e.fee;
        assert_eq!(after, e.balance, "{id}: {e:?}");
        running.insert(e.asset.clone(), after);
    }
    h.advance(5_000);
    let balance = c.balance().await.expect("balance").0;
    for (asset, amount) in running {
        assert_eq!(balance.get(&asset), Some(&amount), "{asset}");
    }
}

#[tokio::test]
async fn a_bot_withdrawal_returns_a_refid_and_waits_on_hold() {
    let h = Harness::start().await;
    let c = h.client("su-rebalancer");
    let info = c
        .withdraw_info(&rest::WithdrawInfoRequest {
            asset: "XBT".into(),
            key: "cold-storage-1".into(),
            amount: Decimal::new(1, 1),
        })
        .await
        .expect("withdraw info");
    assert_eq!(info.method, "Bitcoin");
    let refid = c
        .withdraw(&rest::WithdrawRequest {
            asset: "XBT".into(),
            aclass: None,
            key: "cold-storage-1".into(),
            amount: Decimal::new(1, 1),
            address: None,
            max_fee: None,
        })
        .await
        .expect("withdraw")
        .refid;
    let status = c
        .withdraw_status(&rest::WithdrawStatusRequest {
            asset: Some("XBT".into()),
            ..rest::WithdrawStatusRequest::default()
        })
        .await
        .expect("status");
    let w = status
        .entries()
        .iter()
        .find(|w| w.refid == refid)
        .expect("the withdrawal is listed");
    assert_eq!(w.status, TransferStatus::Initial);
    assert_eq!(w.status_prop, Some(TransferStatusProp::OnHold));
    assert_eq!(w.amount, Decimal::new(1, 1));
}

#[tokio::test]
async fn an_export_is_added_listed_retrieved_as_a_zip_and_removed() {
    let h = Harness::start().await;
    let c = h.client("su-reporting");
    let id = c
        .add_export(&rest::AddExportRequest {
            report: rest::ExportReport::Ledgers,
            format: None,
            description: "month end".into(),
            fields: None,
            starttm: None,
            endtm: None,
        })
        .await
        .expect("add export")
        .id;
    let listed = c
        .export_status(&rest::ExportStatusRequest {
            report: rest::ExportReport::Ledgers,
        })
        .await
        .expect("status");
    let e = listed.iter().find(|e| e.id == id).expect("listed");
    assert_eq!(e.status, rest::ExportState::Processed);
    assert_eq!(e.descr, "month end");

    let zip = c.retrieve_export(&id).await.expect("zip");
    assert!(zip.starts_with(b"PK\x03\x04"), "a zip archive");
    assert!(
        zip.windows(b"ledgers.csv".len())
            .any(|w| w == b"ledgers.csv"),
        "holding ledgers.csv"
    );

    let removed = c
        .remove_export(&rest::RemoveExportRequest {
            id: id.clone(),
            r#type: rest::RemoveExportType::Delete,
        })
        .await
        .expect("remove");
    assert_eq!(removed.delete, Some(true));
    let listed = c
        .export_status(&rest::ExportStatusRequest {
            report: rest::ExportReport::Ledgers,
        })
        .await
        .expect("status");
    assert!(listed.iter().all(|e| e.id != id), "gone from the list");
    assert!(
        c.retrieve_export(&id).await.is_err(),
        "a removed export is not retrievable"
    );
}

#[tokio::test]
async fn a_burst_of_25_balance_calls_is_paced_under_the_pro_counter() {
    let h = Harness::start().await;
    // Unpaced, the same burst is refused once the counter passes 20: the limit is real.
    let unpaced = {
        let key = KeyContext::with_parts(
            h.key("su-payouts"),
            Nonces::Memory(NonceSource::new()),
            RateLimit::unlimited(),
            h.clock(),
        );
        ExchangeClient::with_options(&h.running.base_url, Arc::new(key), no_retries())
            .expect("client")
    };
    let mut refused = 0;
    for _ in 0..25 {
        if let Err(ExchangeError::Api(ApiError::RateLimitExceeded)) = unpaced.balance().await {
            refused += 1;
        }
    }
    assert!(refused > 0, "25 unpaced calls overrun the Pro counter");

    // Paced, with no retries, every one is answered: none was refused by the exchange.
    let paced = h.client_with("su-reporting", no_retries());
    let started = Instant::now();
    for i in 0..25 {
        match paced.balance().await {
            Ok(b) => assert!(b.0.contains_key("XXBT")),
            Err(e) => panic!("call {i} refused: {e}"),
        }
    }
    // 25 calls against a counter of 20 decaying 1/s: about 5 s of waiting.
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "the pacer waited: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn persisted_nonces_are_accepted_after_a_restart_with_the_clock_gone_back() {
    let h = Harness::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let nonce_time = Arc::new(AtomicI64::new(0));
    let t = Arc::clone(&nonce_time);
    let system = countersign_client::system_clock();
    // The nonces' clock: the system clock plus a settable shift.
    let nonce_clock: Clock = Arc::new(move || {
        let shifted = i64::try_from(system()).expect("ms") + t.load(Ordering::SeqCst);
        u64::try_from(shifted).expect("after 1970")
    });
    let context = |dir: &std::path::Path| {
        let store = NonceStore::open_with(
            dir,
            &h.key("su-reporting").api_key,
            Arc::clone(&nonce_clock),
            countersign_client::DEFAULT_RESERVATION,
        )
        .expect("store");
        Arc::new(KeyContext::with_parts(
            h.key("su-reporting"),
            Nonces::Stored(store),
            RateTier::Pro.limit(),
            h.clock(),
        ))
    };

    let first =
        ExchangeClient::with_options(&h.running.base_url, context(dir.path()), no_retries())
            .expect("client");
    for _ in 0..3 {
        first.balance().await.expect("first run");
    }
    drop(first);

    // The "process" restarts an hour in the past; the store continues above its mark.
    nonce_time.store(-3_600_000, Ordering::SeqCst);
    let second =
        ExchangeClient::with_options(&h.running.base_url, context(dir.path()), no_retries())
            .expect("client");
    for _ in 0..3 {
        second.balance().await.expect("after the restart");
    }

    // Without the stored mark, the same clock gives nonces the exchange has already passed.
    let empty = tempfile::tempdir().expect("tempdir");
    let forgetful =
        ExchangeClient::with_options(&h.running.base_url, context(empty.path()), no_retries())
            .expect("client");
    assert!(matches!(
        forgetful.balance().await,
        Err(ExchangeError::Api(ApiError::InvalidNonce))
    ));
}

/// What the probe must find for a key with `scopes` and the WebSocket setting: exactly the
/// scopes, except where one safe call cannot isolate a scope.
fn expected(scopes: &BTreeSet<Scope>, websocket: bool) -> BTreeMap<Capability, Finding> {
    let has = |s: Scope| scopes.contains(&s);
    let yes = |b: bool| if b { Finding::Has } else { Finding::Lacks };
    Capability::ALL
        .iter()
        .map(|c| {
            let f = match *c {
                Capability::Scope(Scope::FundsAdd | Scope::FundsWithdraw)
                    if !has(Scope::FundsQuery) =>
                {
                    Finding::Unknown
                }
                Capability::Scope(Scope::TradesClose) if has(Scope::TradesModify) => {
                    Finding::Unknown
                }
                Capability::Scope(s) => yes(has(s)),
                Capability::WebSocket => yes(websocket),
            };
            (*c, f)
        })
        .collect()
}

fn found(p: &KeyProbe) -> BTreeMap<Capability, Finding> {
    p.capabilities
        .iter()
        .map(|c| (c.capability, c.finding))
        .collect()
}

#[tokio::test]
async fn the_probe_finds_each_demo_keys_own_scopes() {
    let h = Harness::start().await;
    use Scope::*;
    let demo: &[(&str, &[Scope])] = &[
        ("su-rebalancer", &[FundsQuery, FundsWithdraw, LedgerQuery]),
        ("su-payouts", &[FundsQuery, FundsWithdraw]),
        (
            "su-reporting",
            &[FundsQuery, LedgerQuery, ExportData, TradesQueryClosed],
        ),
        (
            "m-ada",
            &[
                FundsQuery,
                FundsAdd,
                TradesQueryOpen,
                TradesQueryClosed,
                LedgerQuery,
                ExportData,
            ],
        ),
    ];
    for (id, scopes) in demo {
        let probe = probe_key(&h.client(id)).await.expect("probe");
        let scopes: BTreeSet<Scope> = scopes.iter().copied().collect();
        assert_eq!(found(&probe), expected(&scopes, false), "{id}");
        // Every finding rests on a call, except the untestable ones, which say why.
        for p in &probe.capabilities {
            assert_eq!(p.endpoint.is_none(), p.finding == Finding::Unknown, "{p:?}");
            assert!(!p.evidence.is_empty());
        }
    }
}

#[tokio::test]
async fn the_probe_follows_a_key_through_many_scope_sets() {
    let h = Harness::start().await;
    let c = h.client("su-payouts");
    let api_key = h.key("su-payouts").api_key;
    let mut sets: Vec<(BTreeSet<Scope>, bool)> = vec![
        (BTreeSet::new(), false),
        (BTreeSet::new(), true),
        (Scope::ALL.into_iter().collect(), true),
        (Scope::ALL.into_iter().collect(), false),
        (
            [Scope::FundsQuery, Scope::FundsAdd, Scope::FundsWithdraw].into(),
            false,
        ),
        ([Scope::TradesClose, Scope::TradesModify].into(), false),
        ([Scope::TradesClose, Scope::TradesQueryOpen].into(), true),
    ];
    sets.extend(Scope::ALL.into_iter().map(|s| ([s].into(), false)));
    for (scopes, websocket) in sets {
        let spec = ApiKeySpec {
            scopes: scopes.clone(),
            settings: KeySettings {
                websocket,
                ..KeySettings::default()
            },
        };
        h.sandbox()
            .operator_set_key_spec(&api_key, &spec)
            .expect("set spec");
        // A probe costs at most 12 on the counter; let it decay in between.
        h.advance(30_000);
        let probe = probe_key(&c).await.expect("probe");
        let want = expected(&scopes, websocket);
        assert_eq!(found(&probe), want, "{scopes:?} websocket={websocket}");
        // No call got through (e.g. Deposit alone, untestable without Query): the probe says
        // an IP allowlist could be why.
        let refused_everything = want.values().all(|f| *f != Finding::Has);
        assert_eq!(
            probe.notes.iter().any(|n| n.contains("IP allowlist")),
            refused_everything,
            "{:?}",
            probe.notes
        );
    }
}

#[tokio::test]
async fn a_verdict_names_what_the_purpose_is_missing() {
    let h = Harness::start().await;
    let api_key = h.key("su-reporting").api_key;
    h.sandbox()
        .operator_set_key_spec(
            &api_key,
            &ApiKeySpec {
                scopes: [Scope::FundsQuery, Scope::LedgerQuery].into(),
                settings: KeySettings::default(),
            },
        )
        .expect("set spec");
    let probe = probe_key(&h.client("su-reporting")).await.expect("probe");
    let v = probe.verdict(Purpose::ExportLedgers);
    assert_eq!(v.outcome, Outcome::NotMet);
    assert_eq!(v.missing, [Capability::Scope(Scope::ExportData)]);
    assert_eq!(
        v.message,
        "this key cannot export ledgers: it lacks Export data (export_data)"
    );
    assert_eq!(probe.verdict(Purpose::Reconcile).outcome, Outcome::Met);
    let v = probe.verdict(Purpose::Withdraw);
    assert_eq!(v.outcome, Outcome::NotMet);
    assert!(
        v.message.contains("it lacks Withdraw (funds_withdraw)"),
        "{}",
        v.message
    );

    let payouts = probe_key(&h.client("su-payouts")).await.expect("probe");
    assert_eq!(payouts.verdict(Purpose::Withdraw).outcome, Outcome::Met);
    let v = payouts.verdict(Purpose::WebSocket);
    assert_eq!(v.outcome, Outcome::NotMet);
    assert!(
        v.message.contains("Allow WebSocket connections"),
        "{}",
        v.message
    );
}

#[tokio::test]
async fn the_probe_stops_on_an_answer_about_the_key_not_its_permissions() {
    let h = Harness::start().await;
    let mut creds = h.key("su-reporting");
    creds.api_secret =
        ApiSecret::from_base64(&h.creds.service_users[0].api_secret).expect("another key's secret");
    if h.creds.service_users[0].api_key == creds.api_key {
        creds.api_secret =
            ApiSecret::from_base64(&h.creds.service_users[1].api_secret).expect("secret");
    }
    let key = KeyContext::with_parts(
        creds,
        Nonces::Memory(NonceSource::new()),
        RateTier::Pro.limit(),
        h.clock(),
    );
    let c = ExchangeClient::new(&h.running.base_url, Arc::new(key)).expect("client");
    let e = probe_key(&c)
        .await
        .expect_err("a wrong secret stops the probe");
    assert_eq!(e.capability, Capability::Scope(Scope::FundsQuery));
    assert!(
        matches!(e.source, ExchangeError::Api(ApiError::InvalidSignature)),
        "{e}"
    );
    assert!(e.to_string().contains("EAPI:Invalid signature"), "{e}");
}
