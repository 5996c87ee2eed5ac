//! The fixtures the UI's unit tests read, written by driving the real app: every answer in them
//! is what the webview gets from the core through Tauri's IPC, for a script of calls against a
//! fresh sandbox with a fixed clock and seeded ids, so they are the same on every run.
//!
//! `cargo test -p countersign-desktop --test ui_fixtures` writes them to `ui/src/fixtures/`
//! (`COUNTERSIGN_FIXTURES_DIR` elsewhere); `cargo xtask test` writes them to a scratch folder and
//! fails when the committed ones differ.
//!
//! A recording is a set of named states. In each, the calls recorded there and what they
//! answered; a call that changes the Organization names the state it leads to. The UI tests
//! replay it (`ui/src/test/replayHost.ts`): a call nobody recorded fails the test, so the UI
//! never meets an answer the core could not give.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use countersign_app::{AppCore, Environment, Target};
use serde_json::{Value, json};
use support::Desktop;

/// 2026-01-15 09:30:00 UTC: when every recording starts.
const START_MS: i64 = 1_768_469_400_000;

/// The seed of the sandbox's ids, keys and secrets.
const SEED: u64 = 7;

/// A remote org API's base URL as the recordings spell it.
const REMOTE_URL: &str = "http://127.0.0.1:9876";

/// The sandbox's ids come from one seeded generator per process: one recording at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The embedded sandbox's base URL as the recordings spell it (the real one has a random port).
const SANDBOX_URL: &str = "http://127.0.0.1:8765";

/// One call and what it answered.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    command: String,
    args: Value,
    ok: Option<Value>,
    error: Option<Value>,
    /// The state this call leads to, when it changed something.
    next: Option<String>,
    /// The events the core sent while it ran (an import's progress).
    events: Vec<Value>,
    /// The files it wrote (exports), by path, with what they hold.
    files: BTreeMap<String, String>,
}

/// The calls recorded in one state, and the time there.
#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    clock_ms: i64,
    calls: Vec<Call>,
}

/// A named set of states, and where a test starts.
#[derive(Debug)]
struct Recording {
    about: String,
    start: String,
    states: BTreeMap<String, State>,
    name: String,
    /// What every state records on entry.
    snapshot: Vec<(&'static str, Value)>,
}

impl Recording {
    fn new(name: &str, about: &str, snapshot: Vec<(&'static str, Value)>) -> Self {
        Self {
            about: about.to_owned(),
            start: "start".to_owned(),
            states: BTreeMap::new(),
            name: name.to_owned(),
            snapshot,
        }
    }

    /// A fresh app at the start, recording into this recording.
    fn session(&mut self) -> Session<'_> {
        self.session_on(Target::Sandbox, |_| {}, Vec::new(), "start")
    }

    /// A fresh app whose session goes to `target`, its environment first prepared by `prepare`
    /// (a key put in the keychain), starting in state `start`.
    fn session_on(
        &mut self,
        target: Target,
        prepare: impl FnOnce(&Environment),
        spelled: Vec<(String, &'static str)>,
        start: &str,
    ) -> Session<'_> {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        countersign_sandbox::deterministic(SEED);
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(AtomicI64::new(START_MS));
        let now = Arc::clone(&clock);
        let env = Environment::in_memory(dir.path())
            .with_clock(Arc::new(move || now.load(Ordering::SeqCst)));
        // This device's signing key for each demo member, the same on every run.
        for (i, member) in ["m-ada", "m-ben", "m-chloe", "m-dev", "m-eve"]
            .iter()
            .enumerate()
        {
            let seed = base64_seed(u8::try_from(i).unwrap_or(0) + 1);
            env.preset_device_key(&format!("sandbox:{member}"), &seed)
                .expect("device key");
        }
        prepare(&env);
        let clipboard = Arc::clone(&env.clipboard);
        let keychain = env.keychain.clone();
        let desktop = Desktop::new(tauri::async_runtime::block_on(AppCore::open(env, target)));
        let mut spelled = spelled;
        if let Ok(session) = desktop.call("get_session", json!({}))
            && session["mode"] == "sandbox"
        {
            let url = session["base_url"].as_str().unwrap_or_default().to_owned();
            spelled.push((url, SANDBOX_URL));
        }
        let mut session = Session {
            recording: self,
            desktop,
            clock,
            spelled,
            clipboard,
            keychain,
            state: String::new(),
            _dir: dir,
            _turn: turn,
        };
        session.enter(start);
        session
    }

    /// The recording as written: each distinct answer once, in `answers`, and each call naming
    /// its answer by index (most states answer most calls as the state before them did).
    fn written(&self) -> Value {
        let mut answers: Vec<Value> = Vec::new();
        let mut index = |value: &Value| -> usize {
            match answers.iter().position(|a| a == value) {
                Some(i) => i,
                None => {
                    answers.push(value.clone());
                    answers.len() - 1
                }
            }
        };
        let states: serde_json::Map<String, Value> = self
            .states
            .iter()
            .map(|(name, state)| {
                let calls: Vec<Value> = state
                    .calls
                    .iter()
                    .map(|call| {
                        let mut out = json!({ "command": call.command, "args": call.args });
                        if let Some(ok) = &call.ok {
                            out["ok"] = json!(index(ok));
                        }
                        if let Some(error) = &call.error {
                            out["error"] = json!(index(error));
                        }
                        if let Some(next) = &call.next {
                            out["next"] = json!(next);
                        }
                        if !call.events.is_empty() {
                            out["events"] =
                                json!(call.events.iter().map(&mut index).collect::<Vec<_>>());
                        }
                        if !call.files.is_empty() {
                            out["files"] = json!(call.files);
                        }
                        out
                    })
                    .collect();
                (
                    name.clone(),
                    json!({ "clock_ms": state.clock_ms, "calls": calls }),
                )
            })
            .collect();
        json!({ "about": self.about, "start": self.start, "states": states, "answers": answers })
    }

    /// Writes the recording to the fixtures folder.
    fn write(&self) {
        let dir = std::env::var_os("COUNTERSIGN_FIXTURES_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/fixtures")
            });
        std::fs::create_dir_all(&dir).expect("fixtures folder");
        let mut text = serde_json::to_string_pretty(&self.written()).expect("JSON");
        text.push('\n');
        std::fs::write(dir.join(format!("{}.json", self.name)), text).expect("write");
    }
}

/// This device's signing key for a remote org: 32 bytes of `byte` as its seed.
fn device_key(byte: u8) -> countersign_vault::DeviceKey {
    countersign_vault::DeviceKey::from_base64(&base64_seed(byte)).expect("a seed")
}

/// A device key's seed in base64 (the keychain's form): 32 bytes of `byte`.
fn base64_seed(byte: u8) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

/// One run of the app through a path of states.
struct Session<'r> {
    recording: &'r mut Recording,
    desktop: Desktop,
    clock: Arc<AtomicI64>,
    /// Strings of this run recorded as fixed ones: the sandbox's URL as [`SANDBOX_URL`], a
    /// remote's as [`REMOTE_URL`].
    spelled: Vec<(String, &'static str)>,
    /// The app's clipboard (a test puts a secret there to be pasted).
    clipboard: countersign_app::SharedClipboard,
    /// The app's keychain (this device's key for a remote is put there before it is made).
    keychain: countersign_keychain::Keychain,
    state: String,
    _dir: tempfile::TempDir,
    /// Held while the session runs: nothing else draws ids meanwhile.
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Session<'_> {
    /// Calls `command` as the webview does. The embedded sandbox listens on a random loopback
    /// port, so its base URL is written as [`SANDBOX_URL`] wherever it appears in an answer.
    fn call(&self, command: &str, args: Value) -> Result<Value, Value> {
        self.desktop
            .call(command, args)
            .map(|v| self.spell(v))
            .map_err(|v| self.spell(v))
    }

    /// `value` with this run's URLs spelled as the recordings spell them.
    fn spell(&self, value: Value) -> Value {
        let mut text = value.to_string();
        for (real, fixed) in &self.spelled {
            text = text.replace(real.as_str(), fixed);
        }
        serde_json::from_str(&text).expect("JSON")
    }

    /// Records `command` with `args` in the current state, and returns what it answered.
    fn query(&mut self, command: &str, args: Value) -> Result<Value, Value> {
        self.record(command, args, None)
    }

    /// Makes a call that changes the Organization, leading to state `next` (recorded on entry
    /// the first time, checked against the recording after).
    fn act(&mut self, command: &str, args: Value, next: &str) -> Result<Value, Value> {
        let outcome = self.record(command, args, Some(next.to_owned()));
        self.enter(next);
        outcome
    }

    /// Like [`Session::act`], recording only `queries` on entering `next` (where the rest would
    /// not hold still: the living sandbox moves by itself).
    fn act_quiet(
        &mut self,
        command: &str,
        args: Value,
        next: &str,
        queries: &[(&'static str, Value)],
    ) -> Result<Value, Value> {
        let outcome = self.record(command, args, Some(next.to_owned()));
        let snapshot = std::mem::replace(&mut self.recording.snapshot, queries.to_vec());
        self.enter(next);
        self.recording.snapshot = snapshot;
        outcome
    }

    /// Enters state `name`, reached by something outside the app (the org API starting to
    /// answer), recording only `queries` there.
    fn enter_quiet(&mut self, name: &str, queries: &[(&'static str, Value)]) {
        let snapshot = std::mem::replace(&mut self.recording.snapshot, queries.to_vec());
        self.enter(name);
        self.recording.snapshot = snapshot;
    }

    /// Moves the clock on (a member's code is accepted once per 30-second step).
    fn tick(&mut self, seconds: i64) {
        self.clock.fetch_add(seconds * 1000, Ordering::SeqCst);
    }

    fn record(&mut self, command: &str, args: Value, next: Option<String>) -> Result<Value, Value> {
        let raw = self.desktop.call(command, args.clone());
        // Back on the sandbox (leaving a remote org starts it again, on another port).
        if let Ok(session) = &raw
            && session["mode"] == "sandbox"
            && let Some(url) = session["base_url"].as_str()
            && !self.spelled.iter().any(|(real, _)| real == url)
        {
            self.spelled.push((url.to_owned(), SANDBOX_URL));
        }
        let outcome = raw.map(|v| self.spell(v)).map_err(|v| self.spell(v));
        let events = self
            .desktop
            .events()
            .into_iter()
            .map(|e| self.spell(e))
            .collect();
        // What an export wrote: the file at the path it was given.
        let files = match (command, args["path"].as_str(), &outcome) {
            (c, Some(path), Ok(_)) if c.starts_with("ledger_export") => {
                let text = std::fs::read_to_string(path).expect("the exported file");
                let spelled = self.spell(json!(path)).as_str().unwrap_or(path).to_owned();
                BTreeMap::from([(spelled, text)])
            }
            _ => BTreeMap::new(),
        };
        let call = Call {
            command: command.to_owned(),
            args: self.spell(args),
            ok: outcome.as_ref().ok().cloned(),
            error: outcome.as_ref().err().cloned(),
            next,
            events,
            files,
        };
        let state = self
            .recording
            .states
            .get_mut(&self.state)
            .expect("in a state");
        match state
            .calls
            .iter()
            .find(|c| c.command == call.command && c.args == call.args)
        {
            Some(earlier) => assert_eq!(
                earlier, &call,
                "{} in state {} answered differently on another run: the recording is not \
                 deterministic",
                call.command, self.state
            ),
            None => state.calls.push(call),
        }
        outcome
    }

    /// Enters state `name`: records the snapshot the first time, and checks it otherwise.
    fn enter(&mut self, name: &str) {
        let clock_ms = self.clock.load(Ordering::SeqCst);
        let mut queries = self.recording.snapshot.clone();
        queries.extend(self.follow_ups(&queries));
        let snapshot: Vec<Call> = queries
            .into_iter()
            .map(|(command, args)| {
                let outcome = self.call(command, args.clone());
                Call {
                    command: command.to_owned(),
                    args,
                    ok: outcome.as_ref().ok().cloned(),
                    error: outcome.err(),
                    next: None,
                    events: Vec::new(),
                    files: BTreeMap::new(),
                }
            })
            .collect();
        self.state = name.to_owned();
        match self.recording.states.get(name) {
            Some(known) => {
                assert_eq!(known.clock_ms, clock_ms, "state {name} at another time");
                for call in &snapshot {
                    assert!(
                        known.calls.contains(call),
                        "state {name}: {} answered differently on another path",
                        call.command
                    );
                }
            }
            None => {
                self.recording.states.insert(
                    name.to_owned(),
                    State {
                        clock_ms,
                        calls: snapshot,
                    },
                );
            }
        }
    }

    /// What the app asks for what the snapshot shows: each listed policy change's diff; the
    /// ledger table's first page, totals and each chain's balances.
    fn follow_ups(&self, queries: &[(&'static str, Value)]) -> Vec<(&'static str, Value)> {
        let mut more = Vec::new();
        if queries.iter().any(|(c, _)| *c == "ledger_report") {
            more.extend(ledger_views(&no_filter()));
            let report = self.call("ledger_report", json!({})).unwrap_or_default();
            for chain in report["chains"].as_array().into_iter().flatten() {
                more.push((
                    "ledger_series",
                    json!({ "asset": chain["asset"], "wallet": chain["wallet"], "bucket": "month" }),
                ));
            }
        }
        if !queries.contains(&("list_requests", all())) {
            return more;
        }
        let listed = self.call("list_requests", all()).unwrap_or_default();
        listed
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["payload"]["kind"] == "change_policy")
            .map(|r| {
                let payload = &r["payload"];
                (
                    "policy_diff",
                    json!({ "workflow": payload["workflow"], "policy": payload["policy"] }),
                )
            })
            .fold(more, |mut unique, query| {
                if !unique.contains(&query) {
                    unique.push(query);
                }
                unique
            })
    }

    /// A demo member's code as the sandbox panel showed it in state `state` at the same time
    /// (while locked the panel is hidden; the member reads it from their authenticator).
    fn code_shown_in(&self, state: &str, member: &str) -> String {
        let recorded = &self.recording.states[state];
        assert_eq!(
            recorded.clock_ms,
            self.clock.load(Ordering::SeqCst),
            "same time"
        );
        recorded
            .calls
            .iter()
            .find(|c| c.command == "sandbox_members")
            .and_then(|c| {
                c.ok.as_ref()?
                    .as_array()?
                    .iter()
                    .find(|m| m["id"] == member)
            })
            .and_then(|m| m["code"].as_str())
            .unwrap_or_else(|| panic!("{member}'s code in state {state}"))
            .to_owned()
    }

    /// A demo member's current code, as the sandbox panel shows it.
    fn code_of(&mut self, member: &str) -> String {
        let members = self
            .call("sandbox_members", json!({}))
            .expect("demo members");
        members
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["id"] == member))
            .and_then(|m| m["code"].as_str())
            .unwrap_or_else(|| panic!("{member} has a code"))
            .to_owned()
    }

    /// The pending requests as the signed-in member sees them.
    fn pending(&self) -> Vec<Value> {
        self.call("list_requests", pending())
            .expect("list")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

fn pending() -> Value {
    json!({ "filter": { "status": "pending", "workflow": null } })
}

fn all() -> Value {
    json!({ "filter": { "status": null, "workflow": null } })
}

/// What the app asks for whenever it shows the Organization.
fn org_snapshot() -> Vec<(&'static str, Value)> {
    vec![
        ("get_session", json!({})),
        ("app_locked", json!({})),
        ("list_requests", pending()),
        ("list_requests", all()),
        ("get_org", json!({})),
        ("sandbox_members", json!({})),
        ("living_sandbox", json!({})),
        ("device_status", json!({})),
    ]
}

/// The officer's queue at the start: the requests by who asked.
struct Queue {
    /// rebalancer-bot, 2.5 BTC, no approval yet.
    bot: String,
    /// payout-bot, 48,000 USDT, one approval of two.
    payout: String,
    /// Ada Okafor, 250,000 USD.
    usd: String,
    /// Ben Ruiz's own, 86,500 EUR.
    own: String,
}

impl Queue {
    fn of(s: &Session<'_>) -> Self {
        let pending = s.pending();
        let find = |initiator: &str, amount: &str| -> String {
            pending
                .iter()
                .find(|r| r["initiator"]["name"] == initiator && r["payload"]["amount"] == amount)
                .and_then(|r| r["id"].as_str())
                .unwrap_or_else(|| panic!("a request by {initiator} for {amount}"))
                .to_owned()
        };
        Self {
            bot: find("rebalancer-bot", "2.5"),
            payout: find("payout-bot", "48000"),
            usd: find("Ada Okafor", "250000"),
            own: find("Ben Ruiz", "86500"),
        }
    }
}

/// A filter of the Requests area.
fn filter(status: Option<&str>, workflow: Option<&str>) -> Value {
    json!({ "filter": { "status": status, "workflow": workflow } })
}

/// The reason the officer gives for rejecting Ada's withdrawal.
const REASON: &str = "Address not in the plan";

#[test]
fn officer() {
    let mut rec = Recording::new(
        "officer",
        "Ben Ruiz, a treasury officer, on the demo sandbox: the approval queue, his decisions \
         and their refusals, the Requests area's history, switching member, locking.",
        org_snapshot(),
    );
    {
        // Refusals leave everything as it was; the right code approves.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = s.query("approve_request", json!({ "id": q.own, "otp": code }));
        assert_eq!(refused.expect_err("self approval")["code"], "self_approval");
        let refused = s.query("approve_request", json!({ "id": q.bot, "otp": wrong }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        let approved = s.act(
            "approve_request",
            json!({ "id": q.bot, "otp": code }),
            "ben-approved-bot",
        );
        assert_eq!(approved.expect("approved")["approvals"], 1);
    }
    {
        // The second approval completes the payout.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        let done = s.act(
            "approve_request",
            json!({ "id": q.payout, "otp": code }),
            "ben-approved-payout",
        );
        assert_eq!(done.expect("completed")["status"], "completed");
    }
    {
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        s.act(
            "reject_request",
            json!({ "id": q.usd, "otp": code, "reason": REASON }),
            "ben-rejected-usd",
        )
        .expect("rejected");
    }
    {
        // Ben cancels his own request: a wrong code is refused, the right one cancels it.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = s.query("cancel_request", json!({ "id": q.own, "otp": wrong }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        s.act(
            "cancel_request",
            json!({ "id": q.own, "otp": code }),
            "ben-cancelled-own",
        )
        .expect("cancelled");
    }
    {
        // The auditor sees the queue and may decide nothing.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-dev" }), "dev")
            .expect("Dev");
    }
    {
        // A history: one request completed, one rejected, one cancelled.
        let mut s = rec.session();
        let q = Queue::of(&s);
        let code = s.code_of("m-ben");
        s.act(
            "approve_request",
            json!({ "id": q.payout, "otp": code }),
            "ben-approved-payout",
        )
        .expect("completed");
        s.tick(30);
        let code = s.code_of("m-ben");
        s.act(
            "reject_request",
            json!({ "id": q.usd, "otp": code, "reason": REASON }),
            "history-rejected",
        )
        .expect("rejected");
        s.tick(30);
        let code = s.code_of("m-ben");
        s.act(
            "cancel_request",
            json!({ "id": q.own, "otp": code }),
            "history",
        )
        .expect("cancelled");
        for status in ["pending", "completed", "rejected", "cancelled", "expired"] {
            s.query("list_requests", filter(Some(status), None))
                .expect("listed");
        }
        s.query(
            "list_requests",
            filter(Some("rejected"), Some("manage_access")),
        )
        .expect("listed");
    }
    {
        // The living sandbox on and off (it moves by itself while on: only its switch is
        // recorded there).
        let mut s = rec.session();
        let living = [("living_sandbox", json!({}))];
        s.act_quiet(
            "set_living_sandbox",
            json!({ "on": true }),
            "living",
            &living,
        )
        .expect("on");
        s.act_quiet(
            "set_living_sandbox",
            json!({ "on": false }),
            "living-off",
            &living,
        )
        .expect("off");
    }
    {
        // Locked: only the session, locking and unlocking answer; the member's code opens it.
        let mut s = rec.session();
        s.act("lock_app", json!({}), "locked").expect("locked");
        let code = s.code_shown_in("start", "m-ben");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = s.query("unlock_app", json!({ "otp": wrong }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        s.act("unlock_app", json!({ "otp": code }), "unlocked")
            .expect("unlocked");
    }
    rec.write();
}

/// A key spec as a request carries it.
fn key(scopes: &[&str], websocket: bool, ip_allowlist: &[&str]) -> Value {
    json!({
        "scopes": scopes,
        "settings": {
            "valid_until": 0, "query_from": 0, "query_to": 0,
            "websocket": websocket, "nonce_window": 0, "ip_allowlist": ip_allowlist,
        }
    })
}

/// A policy as a request carries it.
fn policy(approvals: u32, always: bool) -> Value {
    json!({
        "always_require_approval": always,
        "required_approvals": approvals,
        "locked": false,
        "expires_after": null,
    })
}

fn submit(payload: &Value, otp: Option<&str>) -> Value {
    json!({ "payload": payload, "execute": false, "otp": otp })
}

#[test]
fn admin() {
    let mut rec = Recording::new(
        "admin",
        "Eve Santos, the administrator, asks for a request of every workflow; Ada Okafor, the \
         Owner, reviews them: a service user's creation, a key change, an address, policy \
         changes (one of which changes the policy a pending request was submitted under).",
        org_snapshot(),
    );
    {
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let hedge = json!({
            "kind": "create_service_user",
            "name": "hedge-bot",
            "key": key(
                &["funds_query", "trades_query_open", "trades_modify", "trades_close"],
                true,
                &["198.51.100.7"],
            ),
        });
        s.query(
            "preview_request",
            json!({ "payload": hedge, "execute": false }),
        )
        .expect("preview");

        s.act("submit_request", submit(&hedge, None), "eve-1")
            .expect("queued");
        let payout_key = json!({
            "kind": "change_service_user_key",
            "service_user": "su-payouts",
            "key": key(&["funds_query", "funds_withdraw", "trades_modify"], false, &["2001:db8::/48"]),
        });
        s.act("submit_request", submit(&payout_key, None), "eve-2")
            .expect("queued");
        // Manage Addresses has no policy: the entry is added at once, stepped up with her code.
        let code = s.code_of("m-eve");
        let address = json!({
            "kind": "add_address",
            "key": "eur-savings",
            "asset": "EUR",
            "method": "SEPA",
            "address": "DE02120300000000202051",
        });
        s.act("submit_request", submit(&address, Some(&code)), "eve-3")
            .expect("added");
        s.tick(30);
        let tighten = json!({
            "kind": "change_policy",
            "workflow": "initiate_withdrawal",
            "policy": policy(3, true),
        });
        s.act("submit_request", submit(&tighten, None), "eve-4")
            .expect("queued");
        let loosen = json!({
            "kind": "change_policy",
            "workflow": "manage_access",
            "policy": policy(1, false),
        });
        s.act("submit_request", submit(&loosen, None), "eve-5")
            .expect("queued");
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-review",
        )
        .expect("Ada");
        // Ada approves the Manage Access policy change: the pending creation was submitted under
        // the policy before, and says so.
        let pending = s.pending();
        let id = pending
            .iter()
            .find(|r| {
                r["payload"]["kind"] == "change_policy"
                    && r["payload"]["workflow"] == "manage_access"
            })
            .and_then(|r| r["id"].as_str())
            .expect("the Manage Access change")
            .to_owned();
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "access-policy-changed",
        )
        .expect("approved");
        for workflow in [
            "manage_access",
            "manage_policies",
            "manage_addresses",
            "initiate_withdrawal",
        ] {
            s.query("list_requests", filter(None, Some(workflow)))
                .expect("listed");
        }
        // Eve, who asked, may cancel what she asked for.
        s.act(
            "switch_member",
            json!({ "memberId": "m-eve" }),
            "eve-review",
        )
        .expect("Eve");
    }
    {
        // A service user created at once (Manage Access left without a policy): its key is
        // revealed once, copied, stored in the keychain and then no longer kept.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let unguard =
            json!({ "kind": "change_policy", "workflow": "manage_access", "policy": null });
        let asked = s
            .act(
                "submit_request",
                submit(&unguard, None),
                "eve-asked-no-access-policy",
            )
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-no-access-policy",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "no-access-policy",
        )
        .expect("approved");
        let bot = json!({
            "kind": "create_service_user",
            "name": "hedge-bot",
            "key": key(&["funds_query"], false, &[]),
        });
        let created = s
            .act("submit_request", submit(&bot, None), "ada-created-bot")
            .expect("created");
        assert!(created["revealed"].is_object(), "{created}");
        let id = created["request"]["id"].as_str().expect("id").to_owned();
        s.query("copy_revealed_secret", json!({ "requestId": id }))
            .expect("copied");
        s.act(
            "store_revealed_key",
            json!({ "requestId": id }),
            "bot-key-stored",
        )
        .expect("stored");
        let refused = s.query("copy_revealed_secret", json!({ "requestId": id }));
        assert_eq!(refused.expect_err("forgotten")["code"], "not_found");
        s.query("forget_revealed_key", json!({ "requestId": id }))
            .expect("forgotten");
    }
    {
        // The reporting bot's key, previewed and submitted from its page: Withdraw in, Export
        // data out.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let reporting = json!({
            "kind": "change_service_user_key",
            "service_user": "su-reporting",
            "key": key(&["funds_query", "funds_withdraw", "trades_query_closed", "ledger_query"], false, &[]),
        });
        s.query(
            "preview_request",
            json!({ "payload": reporting, "execute": false }),
        )
        .expect("preview");
        s.act(
            "submit_request",
            submit(&reporting, None),
            "eve-asked-reporting-key",
        )
        .expect("queued");
    }
    {
        // Without a policy on Initiate Withdrawal, a bot's withdrawal completes at once: Eve asks
        // to remove it, Ada approves.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let remove =
            json!({ "kind": "change_policy", "workflow": "initiate_withdrawal", "policy": null });
        let asked = s
            .act(
                "submit_request",
                submit(&remove, None),
                "eve-asked-no-withdrawal-policy",
            )
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-no-withdrawal-policy",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "no-withdrawal-policy",
        )
        .expect("approved");
    }
    rec.write();
}

#[test]
fn joining() {
    let mut rec = Recording::new(
        "joining",
        "Joining an Organization: an invited member sets up their authenticator; a remote org \
         is added with a member's key pasted from the clipboard, this device is registered to \
         the member, and the org is left for the sandbox again.",
        org_snapshot(),
    );
    {
        // Eve invites Frank Li, Ada approves, and Frank signs in with no authenticator yet.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let invite = json!({
            "kind": "invite_member",
            "name": "Frank Li",
            "permissions": {},
            "account": [],
        });
        let asked = s
            .act("submit_request", submit(&invite, None), "eve-invited-frank")
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-invitation",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "frank-invited",
        )
        .expect("approved");
        let members = s.call("sandbox_members", json!({})).expect("members");
        let frank = members
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["name"] == "Frank Li"))
            .and_then(|m| m["id"].as_str())
            .expect("Frank")
            .to_owned();
        s.keychain
            .preset_device_key(&format!("sandbox:{frank}"), &device_key(6))
            .expect("device key");
        s.act("switch_member", json!({ "memberId": frank }), "frank")
            .expect("Frank");
        let enrollment = s.query("begin_enrollment", json!({})).expect("a secret");
        let uri = enrollment["otpauth_uri"].as_str().expect("uri").to_owned();
        let refused = s.query("confirm_enrollment", json!({ "otp": "000000" }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        let secret = uri
            .split_once("secret=")
            .and_then(|(_, rest)| rest.split('&').next())
            .and_then(countersign_vault::TotpSecret::from_base32)
            .expect("the secret in the URI");
        let now = u64::try_from(s.clock.load(Ordering::SeqCst) / 1000).unwrap_or(0);
        s.act(
            "confirm_enrollment",
            json!({ "otp": secret.code_at(now) }),
            "frank-enrolled",
        )
        .expect("enrolled");
    }
    {
        // A remote org: another sandbox served on its own, where Chloe Park is a member.
        let mut s = rec.session();
        let remote_dir = tempfile::tempdir().expect("tempdir");
        let now = Arc::clone(&s.clock);
        let remote = tauri::async_runtime::block_on(async {
            countersign_sandbox::Sandbox::open_with_clock(
                remote_dir.path(),
                Arc::new(move || now.load(Ordering::SeqCst)),
            )
            .expect("remote sandbox")
            .serve("127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("serve")
        });
        s.spelled.push((remote.base_url.clone(), REMOTE_URL));
        s.keychain
            .preset_device_key(&remote.base_url, &device_key(9))
            .expect("device key");
        let chloe = remote
            .sandbox
            .demo_members()
            .expect("members")
            .into_iter()
            .find(|m| m.id == "m-chloe")
            .expect("Chloe");
        s.clipboard
            .lock()
            .expect("clipboard")
            .set_secret(&chloe.api_secret.to_base64())
            .expect("copied");
        let refused = s.query(
            "add_org",
            json!({ "baseUrl": "ftp://nowhere", "apiKey": chloe.api_key }),
        );
        assert_eq!(refused.expect_err("not a URL")["code"], "invalid_input");
        let url = format!("{}/", remote.base_url);
        s.act(
            "add_org",
            json!({ "baseUrl": url, "apiKey": chloe.api_key }),
            "remote",
        )
        .expect("added");
        let refused = s.query("register_device", json!({ "otp": "000000" }));
        assert_eq!(refused.expect_err("wrong code")["code"], "invalid_otp");
        let now = u64::try_from(s.clock.load(Ordering::SeqCst) / 1000).unwrap_or(0);
        s.act(
            "register_device",
            json!({ "otp": chloe.totp.code_at(now) }),
            "remote-registered",
        )
        .expect("registered");
        s.act("leave_org", json!({}), "left").expect("left");
        drop(remote);
    }
    rec.write();
}

#[test]
fn new_request() {
    let mut rec = Recording::new(
        "new-request",
        "The New request form: a withdrawal by Ben Ruiz, a service user's creation and a policy \
         change by Eve Santos (Manage Access locked first), an address added at once by Ada \
         Okafor, and a submission the rules refuse, by Dev Malik.",
        org_snapshot(),
    );
    let withdrawal = json!({
        "kind": "withdrawal",
        "asset": "ETH",
        "amount": "12.345678901234567891",
        "fee": "2.50",
        "key": "eth-treasury",
        "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    });
    {
        let mut s = rec.session();
        s.query(
            "preview_request",
            json!({ "payload": withdrawal, "execute": false }),
        )
        .expect("preview");
        s.act("submit_request", submit(&withdrawal, None), "ben-asked")
            .expect("queued");
    }
    {
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let hedge = json!({
            "kind": "create_service_user",
            "name": "hedge-bot-2",
            "key": {
                "scopes": ["funds_query", "trades_modify"],
                "settings": {
                    "valid_until": 0, "query_from": 0, "query_to": 0, "websocket": true,
                    "nonce_window": 5000, "ip_allowlist": ["10.0.0.0/8", "2001:db8::1"],
                },
            },
        });
        s.act("submit_request", submit(&hedge, None), "eve-asked-hedge")
            .expect("queued");
    }
    {
        // Manage Access locked (Eve asks, Ada approves), then Eve's policy changes.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-eve" }), "eve")
            .expect("Eve");
        let lock = json!({ "kind": "lock_policy", "workflow": "manage_access" });
        let asked = s
            .act("submit_request", submit(&lock, None), "eve-asked-lock")
            .expect("queued");
        let id = asked["request"]["id"].as_str().expect("id").to_owned();
        s.act(
            "switch_member",
            json!({ "memberId": "m-ada" }),
            "ada-sees-lock",
        )
        .expect("Ada");
        let code = s.code_of("m-ada");
        s.act(
            "approve_request",
            json!({ "id": id, "otp": code }),
            "access-locked",
        )
        .expect("locked");
        s.act(
            "switch_member",
            json!({ "memberId": "m-eve" }),
            "eve-access-locked",
        )
        .expect("Eve");
        let tighten = json!({
            "kind": "change_policy",
            "workflow": "initiate_withdrawal",
            "policy": {
                "always_require_approval": true, "required_approvals": 3,
                "locked": false, "expires_after": 259200,
            },
        });
        // What the form asks as the policy is typed: the diff after each change.
        for (approvals, expires) in [(2, None), (3, None), (3, Some(25_200)), (3, Some(259_200))] {
            let policy = json!({
                "always_require_approval": true, "required_approvals": approvals,
                "locked": false, "expires_after": expires,
            });
            s.query(
                "policy_diff",
                json!({ "workflow": "initiate_withdrawal", "policy": policy }),
            )
            .expect("diff");
        }
        s.query(
            "preview_request",
            json!({ "payload": tighten, "execute": false }),
        )
        .expect("preview");
        for always in [true, false] {
            let policy = json!({
                "always_require_approval": always, "required_approvals": 1,
                "locked": true, "expires_after": null,
            });
            s.query(
                "policy_diff",
                json!({ "workflow": "manage_access", "policy": policy }),
            )
            .expect("diff");
        }
        let loosen_locked = json!({
            "kind": "change_policy",
            "workflow": "manage_access",
            "policy": {
                "always_require_approval": false, "required_approvals": 1,
                "locked": true, "expires_after": null,
            },
        });
        s.query(
            "preview_request",
            json!({ "payload": loosen_locked, "execute": false }),
        )
        .expect("preview");
    }
    {
        // Ada adds an address at once (no policy on Manage Addresses; executing needs her code).
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-ada" }), "ada")
            .expect("Ada");
        let code = s.code_of("m-ada");
        let address = json!({
            "kind": "add_address",
            "key": "cold-storage-3",
            "asset": "BTC",
            "method": "Bitcoin",
            "address": "bc1qexample",
        });
        s.act(
            "submit_request",
            json!({ "payload": address, "execute": true, "otp": code }),
            "ada-added-address",
        )
        .expect("added");
    }
    {
        // The auditor may initiate nothing: refused, with the preview saying which rule.
        let mut s = rec.session();
        s.act("switch_member", json!({ "memberId": "m-dev" }), "dev")
            .expect("Dev");
        let one = json!({
            "kind": "withdrawal", "asset": "BTC", "amount": "1", "fee": "0",
            "key": "cold-storage-1", "address": "bc1q9h6yzs4r7vqmf8a3l5n0k2d6c4x8e7w2t5y9u3",
        });
        let refused = s.query("submit_request", submit(&one, None));
        assert_eq!(refused.expect_err("refused")["code"], "not_permitted");
        s.query(
            "preview_request",
            json!({ "payload": one, "execute": false }),
        )
        .expect("preview");
    }
    rec.write();
}

/// The export fixtures the ledger crate's tests use (invented data in every layout).
fn export_fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/ledger/tests/fixtures/exports")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files a person has to import, in a folder recorded as `/home/me`: `ledgers.csv` (one
/// account's EUR and USDC, with the EUR row of line 5 deleted, so its chain breaks there),
/// `trades.zip` (that account's trades export as the exchange zips it), `bad-ledgers.csv` (a
/// letter O for a zero at line 2), `resaved-ledgers.csv` (the ledgers re-saved with a byte-order
/// mark).
fn ledger_files(dir: &std::path::Path) {
    let ledgers = String::from_utf8(export_fixture("ledgers-12-2024-2025.csv")).expect("UTF-8");
    let lines: Vec<&str> = ledgers.split_inclusive('\n').collect();
    let eur_row = lines
        .iter()
        .enumerate()
        .skip(2)
        .find(|(_, l)| l.contains("\"EUR\""))
        .map(|(i, _)| i)
        .expect("an EUR row");
    let broken: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != eur_row)
        .map(|(_, l)| *l)
        .collect();
    std::fs::write(dir.join("ledgers.csv"), &broken).expect("write");
    let trades = export_fixture("trades-24-2024-2025.csv");
    let created = countersign_ledger::Timestamp::from_unix_seconds(START_MS / 1000).expect("time");
    let zip =
        countersign_ledger::export_zip(countersign_ledger::ExportKind::Trades, &trades, created)
            .expect("zip");
    std::fs::write(dir.join("trades.zip"), zip).expect("write");
    let mut bad_lines = lines.clone();
    let second = bad_lines[1].replacen(".0", "O.0", 1);
    bad_lines[1] = &second;
    std::fs::write(dir.join("bad-ledgers.csv"), bad_lines.concat()).expect("write");
    let mut resaved = vec![0xEF, 0xBB, 0xBF];
    resaved.extend(broken.as_bytes());
    std::fs::write(dir.join("resaved-ledgers.csv"), resaved).expect("write");
}

/// What the Ledgers area asks for whenever it opens, besides the Organization's snapshot.
fn ledger_snapshot() -> Vec<(&'static str, Value)> {
    let mut queries = org_snapshot();
    queries.extend([("ledger_report", json!({})), ("ledger_facets", json!({}))]);
    queries
}

/// What the Ledgers area shows for `filter`: the table's first page and the totals.
fn ledger_views(filter: &Value) -> Vec<(&'static str, Value)> {
    vec![
        (
            "ledger_page",
            json!({ "filter": filter, "offset": 0, "limit": 200 }),
        ),
        (
            "ledger_totals",
            json!({ "filter": filter, "by": ["asset", "type"] }),
        ),
    ]
}

/// A filter on these assets and wallets.
fn chain_filter(assets: &[&str], wallets: &[&str]) -> Value {
    json!({
        "date": null, "assets": assets, "types": [], "subtypes": [], "wallets": wallets,
        "refid": null, "text": null,
    })
}

/// No filter: every row.
fn no_filter() -> Value {
    json!({
        "date": null, "assets": [], "types": [], "subtypes": [], "wallets": [],
        "refid": null, "text": null,
    })
}

#[test]
fn ledgers() {
    let mut rec = Recording::new(
        "ledgers",
        "The Ledgers area on one account's exports (invented data, in the exchange's current \
         layout): an EUR chain broken by a deleted row, the trades export as the exchange zips it, \
         a file with a bad amount, a re-saved file; imports, the integrity report, filters, \
         totals, trades with their legs, exports.",
        ledger_snapshot(),
    );
    let files = tempfile::tempdir().expect("tempdir");
    ledger_files(files.path());
    let at = |name: &str| files.path().join(name).display().to_string();
    {
        let mut s = rec.session();
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        let failed = s
            .query(
                "ledger_import",
                json!({ "paths": [at("bad-ledgers.csv")], "acceptEdited": false }),
            )
            .expect("answered");
        assert!(failed["failure"].is_object(), "{failed}");
        let refused = s
            .query(
                "ledger_import",
                json!({ "paths": [at("resaved-ledgers.csv")], "acceptEdited": false }),
            )
            .expect("answered");
        assert_eq!(refused["failure"]["edited"], true, "{refused}");
        s.act(
            "ledger_import",
            json!({ "paths": [at("ledgers.csv"), at("trades.zip")], "acceptEdited": false }),
            "imported",
        )
        .expect("imported");
        // The break's jump: where its row is among the broken chain's rows, and that chain.
        let report = s.call("ledger_report", json!({})).expect("report");
        let broken = &report["breaks"][0];
        let eur = chain_filter(&["EUR"], &["spot / main"]);
        let row = json!({
            "file": broken["row"]["file"], "line": broken["row"]["line"], "txid": broken["row"]["txid"],
        });
        s.query("ledger_locate", json!({ "filter": eur, "row": row }))
            .expect("located");
        for (command, args) in ledger_views(&eur)
            .into_iter()
            .chain(ledger_views(&chain_filter(&["USDC"], &[])))
        {
            s.query(command, args).expect("answered");
        }
        // Trades with their legs: all, USDC's legs, and none (deposits are not trades).
        let mut deposits = chain_filter(&["USDC"], &[]);
        deposits["types"] = json!(["deposit"]);
        for (command, args) in ledger_views(&deposits) {
            s.query(command, args).expect("answered");
        }
        for filter in [no_filter(), chain_filter(&["USDC"], &[]), deposits] {
            s.query(
                "ledger_trades",
                json!({ "filter": filter, "offset": 0, "limit": 50 }),
            )
            .expect("trades");
        }
        // The filter after a jump to the EUR break, with the asset changed to USDC.
        for (command, args) in ledger_views(&chain_filter(&["USDC"], &["spot / main"])) {
            s.query(command, args).expect("answered");
        }
        // USDC's rows and month-end balances exported; a path the save dialog never gives.
        let usdc = chain_filter(&["USDC"], &[]);
        s.query(
            "ledger_export_rows",
            json!({ "filter": usdc, "path": at("usdc.csv") }),
        )
        .expect("exported");
        s.query(
            "ledger_export_balances",
            json!({ "filter": usdc, "path": at("balances.csv") }),
        )
        .expect("exported");
        let refused = s.query(
            "ledger_export_rows",
            json!({ "filter": usdc, "path": "relative.csv" }),
        );
        assert_eq!(refused.expect_err("relative")["code"], "invalid_input");
        let mut fortnight = chain_filter(&["USDC"], &[]);
        fortnight["date"] = json!("last fortnight");
        for (command, args) in ledger_views(&fortnight) {
            let refused = s.query(command, args);
            assert_eq!(refused.expect_err("no such date")["code"], "invalid_input");
        }
    }
    {
        let mut s = rec.session();
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        s.act(
            "ledger_import",
            json!({ "paths": [at("ledgers.csv")], "acceptEdited": false }),
            "ledgers-only",
        )
        .expect("imported");
        s.query(
            "ledger_trades",
            json!({ "filter": no_filter(), "offset": 0, "limit": 50 }),
        )
        .expect("trades");
    }
    {
        let mut s = rec.session();
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        s.act(
            "ledger_import",
            json!({ "paths": [at("resaved-ledgers.csv")], "acceptEdited": true }),
            "resaved-accepted",
        )
        .expect("imported");
    }
    {
        // The org API cannot be reached at start: the ledgers work offline. Then it answers,
        // and asking for the session again opens the whole app.
        let remote_dir = tempfile::tempdir().expect("tempdir");
        // A free port, not listened on until the org API comes up.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let target = Target::Remote {
            base_url: url.clone(),
        };
        let mut remote = None;
        let mut s = rec.session_on(
            target,
            |env| {
                // Made under the session's turn, so its ids are the seeded ones too.
                let org = countersign_sandbox::Sandbox::open_with_clock(
                    remote_dir.path(),
                    Arc::clone(&env.clock),
                )
                .expect("remote sandbox");
                let chloe = org
                    .demo_members()
                    .expect("members")
                    .into_iter()
                    .find(|m| m.id == "m-chloe")
                    .expect("Chloe");
                env.preset_member_key(&url, &chloe.api_key, &chloe.api_secret.to_base64())
                    .expect("Chloe's key");
                env.keychain
                    .preset_device_key(&url, &device_key(9))
                    .expect("device key");
                remote = Some(org);
            },
            vec![(url.clone(), REMOTE_URL)],
            "offline-start",
        );
        let remote = remote.expect("the remote sandbox");
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        s.act(
            "ledger_import",
            json!({ "paths": [at("ledgers.csv")], "acceptEdited": false }),
            "offline",
        )
        .expect("imported");
        let running = tauri::async_runtime::block_on(
            remote.serve(format!("127.0.0.1:{port}").parse().expect("addr")),
        )
        .expect("the org API answers");
        s.enter_quiet("offline-reachable", &[("app_locked", json!({}))]);
        s.act("get_session", json!({}), "online").expect("opened");
        drop(running);
    }
    rec.write();
}
