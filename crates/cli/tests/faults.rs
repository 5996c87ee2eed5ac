//! Fault tests against the real server process (`countersign sandbox serve`): it is killed with
//! SIGKILL at a random point while eight clients load it — four bots sending signed `Withdraw`
//! calls to the exchange API, four members approving through the org API — and started again on
//! the same data. After each restart:
//! - every effect a client was told of (a withdrawal's refid, an approval) is there, and no
//!   request is half-decided (each member counts once, a completed request has its N);
//! - the database passes SQLite's integrity check and the journal verifies;
//! - no nonce is accepted twice: the acknowledged calls are sent again, byte for byte, and each
//!   is refused;
//! - no code is accepted twice: the code that opened a member's decision window is tried again.
//!
//! Each round gives the bots' key a nonce window of 0, 5,000 or the cap, in turn.
//!
//! `cargo xtask faults` runs the long form (`COUNTERSIGN_FAULTS=long`: 50 rounds); the plain test
//! run, and so `cargo xtask test`, runs 3. The figures are printed on one line, `faults kill-9:`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use countersign_client::{OrgClient, Proof, RequestFilter, StepUp};
use countersign_kraken::{ApiSecret, Credentials, sign};
use countersign_org::view::ActorKind;
use countersign_org::{MAX_NONCE_WINDOW, RequestStatus};
use countersign_sandbox::{DemoCredentials, Sandbox};
use countersign_vault::{DeviceKey, TotpSecret};

/// Whether the long form runs (`cargo xtask faults`).
fn long() -> bool {
    std::env::var("COUNTERSIGN_FAULTS").is_ok_and(|v| v == "long")
}

/// The bots' key: the one demo service user that may withdraw.
const BOT: &str = "su-payouts";
/// The members at their desks: three approve bots' withdrawals, the auditor only reads.
const APPROVERS: [&str; 4] = ["m-ada", "m-ben", "m-chloe", "m-dev"];

/// The served sandbox: the process (killed and reaped when dropped), where it listens, and the
/// demo credentials it wrote.
struct Served {
    child: Child,
    base_url: String,
    creds: Option<DemoCredentials>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the server on `dir`'s data (seeded on the first start), and waits for it to answer.
fn start(dir: &Path, round: usize) -> Served {
    let creds_path = dir.join(format!("demo-{round}.json"));
    let _ = std::fs::remove_file(&creds_path);
    let stderr = std::fs::File::create(dir.join(format!("server-{round}.log"))).expect("log");
    let child = Command::new(common::BIN)
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.join("data"))
        .arg("--demo-credentials")
        .arg(&creds_path)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn the server");
    // Held from here, so a failed start still ends (and reaps) the process.
    let mut served = Served {
        child,
        base_url: String::new(),
        creds: None,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(&creds_path)
            && let Ok(creds) = serde_json::from_str::<DemoCredentials>(&text)
        {
            served.base_url.clone_from(&creds.base_url);
            served.creds = Some(creds);
            return served;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A small deterministic generator (xorshift), seeded and printed, so a failing run repeats.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// One signed exchange call as sent: its path, headers and body, kept to be sent again.
#[derive(Clone)]
struct SentCall {
    path: String,
    key: String,
    sign: String,
    body: String,
}

/// What the clients were told, across every round.
#[derive(Default)]
struct Acknowledged {
    /// Refids of the withdrawals the exchange API accepted.
    withdrawals: BTreeSet<String>,
    /// (request, member) of the approvals the org API accepted.
    approvals: BTreeSet<(String, String)>,
    /// The acknowledged calls of the round, to replay after the restart.
    calls: Vec<SentCall>,
}

/// The figures the run reports.
#[derive(Default, Debug)]
struct Figures {
    rounds: usize,
    killed_under_load: usize,
    withdrawals: usize,
    approvals: usize,
    lost: usize,
    half_applied: usize,
    replays_sent: usize,
    replays_accepted: usize,
    codes_replayed: usize,
    codes_accepted: usize,
    panics: usize,
}

/// Sends `call` as it was signed; the envelope the server answered.
async fn post(
    http: &reqwest::Client,
    base_url: &str,
    call: &SentCall,
) -> Result<serde_json::Value, reqwest::Error> {
    http.post(format!("{base_url}{}", call.path))
        .header("API-Key", &call.key)
        .header("API-Sign", &call.sign)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(call.body.clone())
        .send()
        .await?
        .json()
        .await
}

/// Sends a signed `Withdraw`; the refid when accepted.
async fn withdraw(
    http: &reqwest::Client,
    base_url: &str,
    call: &SentCall,
) -> Result<Option<String>, reqwest::Error> {
    let answer = post(http, base_url, call).await?;
    Ok(answer["result"]["refid"].as_str().map(str::to_owned))
}

/// Sends the call `sign` makes for each nonce until one is acknowledged (a refid), waiting
/// out the key's rate counter between tries; `None` if a try was refused otherwise.
async fn withdraw_patiently(
    http: &reqwest::Client,
    base_url: &str,
    mut sign: impl FnMut() -> SentCall,
) -> Option<String> {
    for _ in 0..60 {
        let answer = post(http, base_url, &sign()).await.expect("answered");
        if let Some(refid) = answer["result"]["refid"].as_str() {
            return Some(refid.to_owned());
        }
        if answer["error"] != serde_json::json!(["EAPI:Rate limit exceeded"]) {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    None
}

/// A private exchange call `endpoint` with `fields`, signed with `nonce`.
fn signed_call(
    key: &str,
    secret: &ApiSecret,
    endpoint: &str,
    nonce: u64,
    fields: &[(&str, &str)],
) -> SentCall {
    let nonce = nonce.to_string();
    let mut all = vec![("nonce", nonce.as_str())];
    all.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&all).expect("form");
    let path = format!("/0/private/{endpoint}");
    SentCall {
        key: key.to_owned(),
        sign: sign(secret, &path, &nonce, &body),
        path,
        body,
    }
}

/// A bot's `Withdraw` of 100 USDT, signed with `nonce`.
fn signed_withdrawal(key: &str, secret: &ApiSecret, nonce: u64) -> SentCall {
    signed_call(
        key,
        secret,
        "Withdraw",
        nonce,
        &[
            ("asset", "USDT"),
            ("key", "usdt-otc-desk"),
            ("amount", "100"),
        ],
    )
}

/// A member at their desk: their client, their registered device, their authenticator.
struct Desk {
    id: String,
    client: OrgClient,
    device: Arc<DeviceKey>,
    totp: TotpSecret,
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

impl Desk {
    /// Opens a decision window with a code not spent yet (this step's or the next, which the
    /// server accepts as skew); the window and the code that opened it.
    async fn open_window(&self) -> Option<(String, String)> {
        for ahead in [0, 30] {
            let code = self.totp.code_at(now_s() + ahead);
            if let Ok(Some(window)) = self.client.verify_code(&code).await {
                return Some((window.id, code));
            }
        }
        None
    }

    /// Approves, through `window`, bot withdrawals this member has not decided, until `stop`
    /// or the window closes; what was approved, and whether the window still stands.
    async fn approve_until(
        &self,
        window: &str,
        stop: &AtomicBool,
    ) -> (Vec<(String, String)>, bool) {
        let mut done = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let Ok(pending) = self
                .client
                .list_requests(RequestFilter {
                    status: Some(RequestStatus::Pending),
                    workflow: None,
                })
                .await
            else {
                break;
            };
            let Some(target) = pending.into_iter().find(|r| {
                r.initiator.kind == ActorKind::ServiceUser
                    && r.viewer.can_decide
                    && r.viewer.approve_blocked.is_none()
            }) else {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            };
            let step_up = StepUp {
                proof: Proof::Window(window),
                device: &self.device,
            };
            match self
                .client
                .approve(&target.id, step_up, None, Some(&target.payload))
                .await
            {
                Ok(_) => done.push((target.id, self.id.clone())),
                Err(e) if e.to_string().contains("window") => return (done, false),
                Err(_) => {}
            }
        }
        (done, true)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_nothing_acknowledged_and_accepts_no_replay() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let rounds = if long() { 50 } else { 3 };
    let seed = now_s() ^ 0x9e37_79b9_7f4a_7c15;
    eprintln!("faults kill-9: seed {seed}");
    let mut dice = Dice(seed | 1);

    let devices = seed_with_devices(&data);

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http");
    let nonce = Arc::new(AtomicU64::new(now_s() * 1_000_000));
    let mut acked = Acknowledged::default();
    let mut figures = Figures::default();
    let mut spent_codes: Vec<(String, String, u64)> = Vec::new();
    let mut windows: BTreeMap<String, String> = BTreeMap::new();

    for round in 0..rounds {
        // The bots' nonce window this round, set while the server is down.
        let window = [0, 5_000, MAX_NONCE_WINDOW][round % 3];
        set_nonce_window(&data, window);
        let served = start(dir.path(), round);
        let creds = served.creds.clone().expect("creds");
        let base_url = served.base_url.clone();
        let desks = desks(&creds, &base_url, &devices);

        // After a restart: what was acknowledged is there, and nothing is accepted twice.
        if round > 0 {
            check_after_restart(&desks[0], &acked, &mut figures).await;
            for call in std::mem::take(&mut acked.calls) {
                figures.replays_sent += 1;
                if let Ok(Some(_)) = withdraw(&http, &base_url, &call).await {
                    figures.replays_accepted += 1;
                }
            }
            for (member, code, at) in spent_codes.drain(..) {
                // A code is accepted for its step and the next: replay only while it would be.
                if now_s() < at + 55
                    && let Some(desk) = desks.iter().find(|d| d.id == member)
                {
                    figures.codes_replayed += 1;
                    if desk.client.verify_code(&code).await.is_ok() {
                        figures.codes_accepted += 1;
                    }
                }
            }
        }

        // Load: four bots and four members, until the kill.
        let stop = Arc::new(AtomicBool::new(false));
        let bot = creds
            .service_users
            .iter()
            .find(|s| s.id == BOT)
            .expect("the payouts bot");
        let secret = ApiSecret::from_base64(&bot.api_secret).expect("secret");
        let calls = Arc::new(Mutex::new(Vec::<(SentCall, String)>::new()));
        let mut bots = Vec::new();
        for _ in 0..4 {
            let (http, base_url, key, secret, nonce, stop, calls) = (
                http.clone(),
                base_url.clone(),
                bot.api_key.clone(),
                secret.clone(),
                Arc::clone(&nonce),
                Arc::clone(&stop),
                Arc::clone(&calls),
            );
            bots.push(tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let call =
                        signed_withdrawal(&key, &secret, nonce.fetch_add(1, Ordering::SeqCst));
                    match withdraw(&http, &base_url, &call).await {
                        Ok(Some(refid)) => calls.lock().expect("calls").push((call, refid)),
                        // Refused (the rate limit, a nonce overtaken by another bot's): pause.
                        Ok(None) => tokio::time::sleep(Duration::from_millis(25)).await,
                        Err(_) => break,
                    }
                }
            }));
        }
        // Each member's decision window outlives a kill (it is the server's); a new code opens
        // one only when the last closed.
        let mut members = Vec::new();
        for desk in desks {
            let window = match windows.get(&desk.id) {
                Some(open) => Some(open.clone()),
                None => desk.open_window().await.map(|(window, code)| {
                    spent_codes.push((desk.id.clone(), code, now_s()));
                    window
                }),
            };
            let Some(window) = window else { continue };
            let stop = Arc::clone(&stop);
            members.push(tokio::spawn(async move {
                let (done, open) = desk.approve_until(&window, &stop).await;
                (desk.id, window, done, open)
            }));
        }

        // Killed at a random point, under load.
        tokio::time::sleep(Duration::from_millis(200 + dice.below(1_300))).await;
        let busy = !bots.iter().all(tokio::task::JoinHandle::is_finished);
        let mut served = served;
        served.child.kill().expect("SIGKILL");
        served.child.wait().expect("reaped");
        figures.killed_under_load += usize::from(busy);
        stop.store(true, Ordering::SeqCst);
        for task in bots {
            task.await.expect("bot task");
        }
        for task in members {
            let (member, window, done, open) = task.await.expect("member task");
            figures.approvals += done.len();
            acked.approvals.extend(done);
            if open {
                windows.insert(member, window);
            } else {
                windows.remove(&member);
            }
        }
        for (call, refid) in std::mem::take(&mut *calls.lock().expect("calls")) {
            figures.withdrawals += 1;
            acked.withdrawals.insert(refid);
            acked.calls.push(call);
        }
        figures.panics += panics_in(&dir.path().join(format!("server-{round}.log")));
        figures.rounds += 1;
    }

    // The last round's kill is checked too.
    let served = start(dir.path(), rounds);
    let creds = served.creds.clone().expect("creds");
    let desks = desks(&creds, &served.base_url, &devices);
    check_after_restart(&desks[0], &acked, &mut figures).await;
    for call in std::mem::take(&mut acked.calls) {
        figures.replays_sent += 1;
        if let Ok(Some(_)) = withdraw(&http, &served.base_url, &call).await {
            figures.replays_accepted += 1;
        }
    }
    drop(served);
    figures.panics += panics_in(&dir.path().join(format!("server-{rounds}.log")));
    integrity_check(&data);

    eprintln!(
        "faults kill-9: rounds {} (killed under load {}), acknowledged withdrawals {} and approvals {}, \
         lost {}, half-applied {}, replays sent {} accepted {}, codes replayed {} accepted {}, panics {}",
        figures.rounds,
        figures.killed_under_load,
        figures.withdrawals,
        figures.approvals,
        figures.lost,
        figures.half_applied,
        figures.replays_sent,
        figures.replays_accepted,
        figures.codes_replayed,
        figures.codes_accepted,
        figures.panics
    );
    assert!(
        figures.withdrawals > 0,
        "the load was acknowledged at all: {figures:?}"
    );
    assert!(figures.replays_sent > 0, "replays were tried: {figures:?}");
    assert_eq!(
        (
            figures.lost,
            figures.half_applied,
            figures.replays_accepted,
            figures.codes_accepted,
            figures.panics
        ),
        (0, 0, 0, 0, 0),
        "{figures:?}"
    );
}

/// Seeds the data, and gives each member at a desk a registered device, as the operator would.
fn seed_with_devices(data: &Path) -> BTreeMap<&'static str, Arc<DeviceKey>> {
    let sandbox = Sandbox::open(data).expect("seed");
    APPROVERS
        .iter()
        .map(|m| {
            let device = DeviceKey::generate();
            sandbox
                .operator_register_device(m, &device.public().to_base64())
                .expect("device");
            (*m, Arc::new(device))
        })
        .collect()
}

/// The approvers' desks on the server at `base_url`.
fn desks(
    creds: &DemoCredentials,
    base_url: &str,
    devices: &BTreeMap<&str, Arc<DeviceKey>>,
) -> Vec<Desk> {
    APPROVERS
        .iter()
        .map(|id| {
            let m = creds
                .members
                .iter()
                .find(|m| m.id == *id)
                .unwrap_or_else(|| panic!("demo member {id}"));
            let client = OrgClient::new(
                base_url,
                Credentials {
                    api_key: m.api_key.clone(),
                    api_secret: ApiSecret::from_base64(&m.api_secret).expect("secret"),
                },
            )
            .expect("client");
            Desk {
                id: m.id.clone(),
                client,
                device: Arc::clone(&devices[id]),
                totp: TotpSecret::from_base32(&m.totp_secret).expect("totp"),
            }
        })
        .collect()
}

/// Every acknowledged effect is there; no request is half-decided; the journal verifies.
async fn check_after_restart(desk: &Desk, acked: &Acknowledged, figures: &mut Figures) {
    let all = desk
        .client
        .list_requests(RequestFilter::default())
        .await
        .expect("requests after the restart");
    let by_id: BTreeMap<&str, _> = all.iter().map(|r| (r.id.as_str(), r)).collect();
    figures.lost += acked
        .withdrawals
        .iter()
        .filter(|refid| !by_id.contains_key(refid.as_str()))
        .count();
    figures.lost += acked
        .approvals
        .iter()
        .filter(|(request, member)| {
            !by_id
                .get(request.as_str())
                .is_some_and(|r| r.decisions.iter().any(|d| d.member.id == *member))
        })
        .count();
    for r in &all {
        let deciders: BTreeSet<&str> = r.decisions.iter().map(|d| d.member.id.as_str()).collect();
        let counted = deciders.len() == r.decisions.len();
        let complete = r.status != RequestStatus::Completed
            || r.initiator.kind != ActorKind::ServiceUser
            || r.approvals >= r.required_approvals;
        if !(counted && complete) {
            eprintln!(
                "half-applied: {} {:?} {}/{}",
                r.id, r.status, r.approvals, r.required_approvals
            );
            figures.half_applied += 1;
        }
    }
    let journal = desk.client.export_journal().await.expect("journal");
    countersign_vault::journal::verify(&journal).expect("the journal verifies after a kill");
}

/// Gives the bots' key a nonce window of `window` ms, with the server down (as the exchange's
/// key page would: the Organization changes it only through Manage Access).
fn set_nonce_window(data: &Path, window: u64) {
    let conn = rusqlite::Connection::open(data.join(countersign_sandbox::DB_FILE)).expect("db");
    let changed = conn
        .execute(
            "UPDATE api_keys SET nonce_window = ?1, settings = json_set(settings, '$.nonce_window', ?1)
             WHERE owner_kind = 'service_user' AND owner_id = ?2",
            rusqlite::params![i64::try_from(window).expect("window"), BOT],
        )
        .expect("set the nonce window");
    assert_eq!(changed, 1, "the bot has one key");
    // The highest tier's call counter, so more of the load gets past the rate limit.
    conn.execute("UPDATE org SET rate_tier = 'pro'", [])
        .expect("rate tier");
}

/// SQLite's own check of the file, after the last kill.
fn integrity_check(data: &Path) {
    let conn = rusqlite::Connection::open(data.join(countersign_sandbox::DB_FILE)).expect("db");
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(verdict, "ok");
}

/// How many panics a server's log holds.
fn panics_in(log: &PathBuf) -> usize {
    std::fs::read_to_string(log)
        .map(|t| t.matches("panicked").count())
        .unwrap_or(0)
}

/// Two server processes on one database, as when a sandbox is restarted while the old process
/// still drains, or run twice by mistake:
/// - every bot call acknowledged by one is refused when sent again, byte for byte, to the other,
///   under the widest nonce window;
/// - approve, reject and the bot's cancel race on one request through both: it ends once, in
///   one state, with what that state needs;
/// - two withdrawals that the balance covers only one of are approved through both at once:
///   at most one completes, and the balance never goes below zero.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_accept_each_call_and_decision_once() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let devices = seed_with_devices(&data);
    set_nonce_window(&data, MAX_NONCE_WINDOW);
    let (one, two) = (start(dir.path(), 1), start(dir.path(), 2));
    let creds = one.creds.clone().expect("creds");
    let http = reqwest::Client::new();
    let bot = creds
        .service_users
        .iter()
        .find(|s| s.id == BOT)
        .expect("bot");
    let secret = ApiSecret::from_base64(&bot.api_secret).expect("secret");
    let nonce = AtomicU64::new(now_s() * 1_000_000);
    let next = || nonce.fetch_add(1, Ordering::SeqCst);

    // Replays across the two processes.
    let (mut acknowledged, mut replays_accepted) = (0, 0);
    for i in 0..20 {
        let call = signed_withdrawal(&bot.api_key, &secret, next());
        let (first, other) = if i % 2 == 0 {
            (&one, &two)
        } else {
            (&two, &one)
        };
        if withdraw(&http, &first.base_url, &call)
            .await
            .expect("answered")
            .is_some()
        {
            acknowledged += 1;
            if withdraw(&http, &other.base_url, &call)
                .await
                .expect("answered")
                .is_some()
            {
                replays_accepted += 1;
            }
        }
    }

    // Races on one request: Ada and Ben approve, Chloe rejects, the bot cancels, at once.
    let (desks_one, desks_two) = (
        desks(&creds, &one.base_url, &devices),
        desks(&creds, &two.base_url, &devices),
    );
    let mut windows = BTreeMap::new();
    for desk in &desks_one {
        if let Some((window, _)) = desk.open_window().await {
            windows.insert(desk.id.clone(), window);
        }
    }
    let rounds = if long() { 40 } else { 6 };
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut inconsistent = 0;
    for _ in 0..rounds {
        let Some(refid) = withdraw_patiently(&http, &one.base_url, || {
            signed_withdrawal(&bot.api_key, &secret, next())
        })
        .await
        else {
            continue;
        };
        let target = desks_two[3]
            .client
            .get_request(&refid)
            .await
            .expect("the request");
        let cancel = signed_call(
            &bot.api_key,
            &secret,
            "WithdrawCancel",
            next(),
            &[("asset", "USDT"), ("refid", &refid)],
        );
        let _ = tokio::join!(
            decide(&desks_one[0], &windows, &target, true),
            decide(&desks_two[1], &windows, &target, true),
            decide(&desks_one[2], &windows, &target, false),
            post(&http, &two.base_url, &cancel),
        );
        let after = desks_two[3]
            .client
            .get_request(&refid)
            .await
            .expect("the request after the race");
        let approvals = after
            .decisions
            .iter()
            .filter(|d| d.decision == countersign_org::Decision::Approve)
            .count();
        let rejections = after.decisions.len() - approvals;
        let consistent = match after.status {
            RequestStatus::Completed => approvals >= 2 && rejections == 0,
            RequestStatus::Rejected => rejections == 1,
            RequestStatus::Cancelled => approvals < 2 && rejections == 0,
            _ => false,
        };
        inconsistent += usize::from(!consistent);
        *outcomes.entry(format!("{:?}", after.status)).or_default() += 1;
    }

    // Two withdrawals the balance covers only one of, approved through both processes at once,
    // through windows opened afresh (the races may have outlasted the first ones).
    for desk in &desks_one {
        if let Some((window, _)) = desk.open_window().await {
            windows.insert(desk.id.clone(), window);
        }
    }
    let balance = usdt_balance(&data);
    let half_and_more = (balance / rust_decimal::Decimal::TWO).ceil() + rust_decimal::Decimal::ONE;
    let amount = half_and_more.to_string();
    let mut competing = Vec::new();
    for _ in 0..2 {
        let refid = withdraw_patiently(&http, &one.base_url, || {
            signed_call(
                &bot.api_key,
                &secret,
                "Withdraw",
                next(),
                &[
                    ("asset", "USDT"),
                    ("key", "usdt-otc-desk"),
                    ("amount", &amount),
                ],
            )
        })
        .await
        .expect("a pending withdrawal");
        competing.push(refid);
    }
    let mut views = Vec::new();
    for id in &competing {
        views.push(desks_two[3].client.get_request(id).await.expect("request"));
    }
    let _ = tokio::join!(
        // Ada through one process, Ben through the other: one client per member key, as the
        // app keeps, so neither refuses the other's nonces.
        decide(&desks_one[0], &windows, &views[0], true),
        decide(&desks_two[1], &windows, &views[1], true),
        decide(&desks_two[1], &windows, &views[0], true),
        decide(&desks_one[0], &windows, &views[1], true),
    );
    let mut completed = 0;
    for id in &competing {
        let view = desks_two[3].client.get_request(id).await.expect("request");
        completed += usize::from(view.status == RequestStatus::Completed);
    }
    let left = usdt_balance(&data);
    drop((one, two));
    integrity_check(&data);

    eprintln!(
        "faults two servers: {acknowledged} calls acknowledged, {replays_accepted} replays accepted by the other; \
         {rounds} races ended {outcomes:?}, {inconsistent} inconsistent; competing withdrawals completed {completed} of 2, \
         USDT {balance} -> {left}"
    );
    assert!(acknowledged > 0, "calls were acknowledged");
    assert_eq!(
        replays_accepted, 0,
        "a call acknowledged by one process is refused by the other"
    );
    assert_eq!(inconsistent, 0, "{outcomes:?}");
    assert_eq!(
        completed, 1,
        "the balance covered one, {completed} completed"
    );
    assert!(
        left >= rust_decimal::Decimal::ZERO,
        "USDT went below zero: {left}"
    );
}

/// `desk` approves (or rejects) `view` through its open decision window; whether it was taken.
async fn decide(
    desk: &Desk,
    windows: &BTreeMap<String, String>,
    view: &countersign_org::view::RequestView,
    approve: bool,
) -> bool {
    let step_up = StepUp {
        proof: Proof::Window(&windows[&desk.id]),
        device: &desk.device,
    };
    if approve {
        desk.client
            .approve(&view.id, step_up, None, Some(&view.payload))
            .await
            .is_ok()
    } else {
        desk.client
            .reject(&view.id, step_up, Some("race"), Some(&view.payload))
            .await
            .is_ok()
    }
}

/// The USDT balance in the store.
fn usdt_balance(data: &Path) -> rust_decimal::Decimal {
    let conn = rusqlite::Connection::open(data.join(countersign_sandbox::DB_FILE)).expect("db");
    let text: String = conn
        .query_row(
            "SELECT amount FROM balances WHERE asset = 'USDT'",
            [],
            |r| r.get(0),
        )
        .expect("balance");
    text.parse().expect("decimal")
}
