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

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod contracts;
mod desk;
mod joining;
mod ledgers;
mod new_request;
mod officer;
mod stops;

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
        let args = self.with_seen(command, args);
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

    /// A decision carries the payload the page showed (`seen`): the request as the member sees
    /// it now, fetched here (unrecorded) unless the call already says.
    fn with_seen(&self, command: &str, mut args: Value) -> Value {
        let decides = matches!(
            command,
            "approve_request" | "reject_request" | "cancel_request"
        );
        // The desk sends every argument, a reason too (none unless the script says).
        if matches!(
            command,
            "approve_request" | "reject_request" | "submit_request"
        ) && args.get("reason").is_none()
        {
            args["reason"] = Value::Null;
        }
        if decides && args.get("seen").is_none() {
            let shown = self
                .desktop
                .call("list_requests", all())
                .ok()
                .and_then(|list| {
                    list.as_array()?
                        .iter()
                        .find(|r| r["id"] == args["id"])
                        .map(|r| r["payload"].clone())
                });
            args["seen"] = shown.unwrap_or(Value::Null);
        }
        args
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
        // The page gives the core its idle time, and reports input, in every state.
        ("set_idle_minutes", json!({ "minutes": 5 })),
        ("note_input", json!({})),
        ("sandbox_unlock_code", json!({})),
        ("list_requests", pending()),
        ("list_requests", all()),
        ("get_org", json!({})),
        ("sandbox_members", json!({})),
        ("living_sandbox", json!({})),
        ("device_status", json!({})),
        ("decision_window", json!({})),
        ("sync_state", json!({})),
    ]
}

/// A filter of the Requests area.
fn filter(status: Option<&str>, workflow: Option<&str>) -> Value {
    json!({ "filter": { "status": status, "workflow": workflow } })
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
    json!({ "payload": payload, "execute": false, "otp": otp, "reason": null })
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
