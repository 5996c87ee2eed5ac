//! A raw wire harness for the sandbox's exchange API: a real server on loopback with a movable
//! clock, and signed calls built by hand (form body, `API-Key`, `API-Sign`), so the tests check
//! the exact bytes a third-party client would see.

#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use countersign_kraken::ApiSecret;
use countersign_sandbox::{DemoCredentials, RunningSandbox, Sandbox};
use serde_json::Value;

/// 2026-11-22 12:00:00 UTC, in milliseconds.
pub const START_MS: i64 = 1_795_348_800_000;

/// A running sandbox, its clock and the demo credentials.
pub struct Harness {
    pub server: RunningSandbox,
    pub clock: Arc<AtomicI64>,
    pub creds: DemoCredentials,
    pub http: reqwest::Client,
    nonce: AtomicU64,
    /// Each demo member's device, registered to them.
    pub devices: std::collections::HashMap<String, countersign_vault::DeviceKey>,
    _dir: tempfile::TempDir,
}

/// One key, by its public and private halves.
#[derive(Clone)]
pub struct Key {
    pub api_key: String,
    pub secret: ApiSecret,
}

impl Harness {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(AtomicI64::new(START_MS));
        let c = clock.clone();
        let sandbox =
            Sandbox::open_with_clock(dir.path(), Arc::new(move || c.load(Ordering::SeqCst)))
                .unwrap();
        let server = sandbox.serve("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let creds = server.sandbox.demo_credentials(&server.base_url).unwrap();
        let devices = creds
            .members
            .iter()
            .map(|m| {
                let device = countersign_vault::DeviceKey::generate();
                server
                    .sandbox
                    .operator_register_device(&m.id, &device.public().to_base64())
                    .unwrap();
                (m.id.clone(), device)
            })
            .collect();
        Self {
            server,
            clock,
            creds,
            http: reqwest::Client::new(),
            nonce: AtomicU64::new(1),
            devices,
            _dir: dir,
        }
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.server.sandbox
    }

    /// Moves the sandbox's clock forward.
    pub fn advance_ms(&self, ms: i64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    /// A service user's key by id (`su-rebalancer`, ...).
    pub fn bot(&self, id: &str) -> Key {
        let s = self
            .creds
            .service_users
            .iter()
            .find(|s| s.id == id)
            .unwrap();
        Key {
            api_key: s.api_key.clone(),
            secret: ApiSecret::from_base64(&s.api_secret).unwrap(),
        }
    }

    /// A member's key by id (`m-ada`, ...).
    pub fn member(&self, id: &str) -> Key {
        let m = self.creds.members.iter().find(|m| m.id == id).unwrap();
        Key {
            api_key: m.api_key.clone(),
            secret: ApiSecret::from_base64(&m.api_secret).unwrap(),
        }
    }

    /// A fresh nonce, increasing across the harness.
    pub fn next_nonce(&self) -> u64 {
        self.nonce.fetch_add(1, Ordering::SeqCst)
    }

    /// Posts `fields` (after `nonce`) to `/0/private/<call>`, signed with `key`; returns the
    /// parsed envelope.
    pub async fn private(&self, key: &Key, call: &str, fields: &[(&str, &str)]) -> Value {
        let nonce = self.next_nonce();
        self.private_with_nonce(key, call, nonce, fields).await
    }

    pub async fn private_with_nonce(
        &self,
        key: &Key,
        call: &str,
        nonce: u64,
        fields: &[(&str, &str)],
    ) -> Value {
        let bytes = self.private_raw(key, call, nonce, fields).await;
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Like [`Harness::private`], returning the raw body (zip files).
    pub async fn private_raw(
        &self,
        key: &Key,
        call: &str,
        nonce: u64,
        fields: &[(&str, &str)],
    ) -> Vec<u8> {
        private_at(&self.http, &self.server.base_url, key, call, nonce, fields).await
    }

    /// Calls the org API as a member (`Submit`, `Approve`, ...). `otp` fields are filled with
    /// the member's current code when `with_otp` is set.
    pub async fn org(
        &self,
        member: &str,
        call: &str,
        fields: &[(&str, &str)],
        with_otp: bool,
    ) -> Value {
        let m = self.creds.members.iter().find(|m| m.id == member).unwrap();
        let key = self.member(member);
        let code = countersign_vault::TotpSecret::from_base32(&m.totp_secret)
            .unwrap()
            .code_at(u64::try_from(self.clock.load(Ordering::SeqCst) / 1000).unwrap());
        let nonce = self.next_nonce().to_string();
        let mut all = vec![("nonce", nonce.as_str())];
        all.extend_from_slice(fields);
        if with_otp {
            all.push(("otp", code.as_str()));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        let path = format!("/0/org/{call}");
        let sign = countersign_kraken::sign(&key.secret, &path, &nonce, &body);
        self.http
            .post(format!("{}{path}", self.server.base_url))
            .header("API-Key", &key.api_key)
            .header("API-Sign", sign)
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A signed decision (`Approve`, `Reject`, `Cancel`) on request `id` as `member`, with their
    /// current code and their device's signature of the statement, stepping the clock past the
    /// previous TOTP step first (a code is accepted once).
    pub async fn decide(
        &self,
        member: &str,
        call: &str,
        id: &str,
        extra: &[(&str, &str)],
    ) -> Value {
        self.advance_ms(30_000);
        let request = self.org(member, "GetRequest", &[("id", id)], false).await;
        let payload: countersign_org::RequestPayload =
            serde_json::from_value(ok(&request)["payload"].clone()).unwrap();
        let kind = match call {
            "Approve" => countersign_org::DecisionKind::Approve,
            "Reject" => countersign_org::DecisionKind::Reject,
            _ => countersign_org::DecisionKind::Cancel,
        };
        let [key, signature, at, content_hash] = self.signed_now(member, id, &payload, kind);
        let mut fields = vec![
            ("id", id),
            ("device_key", key.as_str()),
            ("signature", signature.as_str()),
            ("at", at.as_str()),
        ];
        // What was signed: the request as fetched, unless `extra` says it was shown otherwise.
        if !extra.iter().any(|(k, _)| *k == "content_hash") {
            fields.push(("content_hash", content_hash.as_str()));
        }
        fields.extend_from_slice(extra);
        // An explicit `otp` in `extra` (a wrong code, say) replaces the member's current one.
        let with_otp = !extra.iter().any(|(k, _)| *k == "otp");
        self.org(member, call, &fields, with_otp).await
    }

    /// Submits `payload` (JSON) as `member` for a completion at once: Execute, stepped up with
    /// their current code and signed by their device over the content with an empty request id
    /// (it has none yet), stepping the clock past the previous TOTP step first.
    pub async fn submit_at_once(&self, member: &str, payload: &str, execute: bool) -> Value {
        self.advance_ms(30_000);
        let parsed: countersign_org::RequestPayload = serde_json::from_str(payload).unwrap();
        let [key, signature, at, content_hash] =
            self.signed_now(member, "", &parsed, countersign_org::DecisionKind::Execute);
        let mut fields = vec![
            ("payload", payload),
            ("device_key", key.as_str()),
            ("signature", signature.as_str()),
            ("at", at.as_str()),
            ("content_hash", content_hash.as_str()),
        ];
        if execute {
            fields.push(("execute", "true"));
        }
        self.org(member, "Submit", &fields, true).await
    }

    /// The fields of `member`'s device signing an Execute of `payload` at submission, dated now
    /// (`device_key`, `signature`, `at`, `content_hash`), to send, or to send again.
    pub fn execute_signed(&self, member: &str, payload: &str) -> [String; 4] {
        let parsed: countersign_org::RequestPayload = serde_json::from_str(payload).unwrap();
        self.signed_now(member, "", &parsed, countersign_org::DecisionKind::Execute)
    }

    /// `member`'s device signing `kind` on request `id` (empty at submission) with `payload`,
    /// dated now: the `device_key`, `signature`, `at` and `content_hash` fields.
    fn signed_now(
        &self,
        member: &str,
        id: &str,
        payload: &countersign_org::RequestPayload,
        kind: countersign_org::DecisionKind,
    ) -> [String; 4] {
        let at = self.clock.load(Ordering::SeqCst) / 1000;
        let statement = countersign_org::DecisionStatement::new(
            id,
            payload,
            kind,
            &countersign_org::MemberId(member.to_owned()),
            at,
        );
        let device = &self.devices[member];
        [
            device.public().to_base64(),
            device.sign(&statement.digest()),
            at.to_string(),
            statement.content_hash,
        ]
    }

    /// Approves request `id` as `member` (see [`Harness::decide`]).
    pub async fn approve(&self, member: &str, id: &str) -> Value {
        self.decide(member, "Approve", id, &[]).await
    }

    /// `GET /0/public/<call>?query`.
    pub async fn public(&self, call: &str, query: &str) -> Value {
        self.http
            .get(format!("{}/0/public/{call}?{query}", self.server.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// The `result` of a successful envelope; panics with the errors otherwise.
pub fn ok(v: &Value) -> &Value {
    let errors = v["error"].as_array().unwrap();
    assert!(errors.is_empty(), "expected success, got {errors:?}");
    &v["result"]
}

/// The single error string of a failed envelope.
pub fn err(v: &Value) -> String {
    let errors = v["error"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "expected one error, got {v}");
    assert!(
        v.get("result").is_none_or(Value::is_null),
        "a failure carries no result: {v}"
    );
    errors[0].as_str().unwrap().to_owned()
}

/// Posts `fields` (after `nonce`) to `<base_url>/0/private/<call>`, signed with `key`, and returns
/// the raw body: a private call to any sandbox (one restarted, or a second on the same data).
pub async fn private_at(
    http: &reqwest::Client,
    base_url: &str,
    key: &Key,
    call: &str,
    nonce: u64,
    fields: &[(&str, &str)],
) -> Vec<u8> {
    let nonce = nonce.to_string();
    let mut all = vec![("nonce", nonce.as_str())];
    all.extend_from_slice(fields);
    let body = serde_urlencoded::to_string(&all).unwrap();
    let path = format!("/0/private/{call}");
    let sign = countersign_kraken::sign(&key.secret, &path, &nonce, &body);
    let response = http
        .post(format!("{base_url}{path}"))
        .header("API-Key", &key.api_key)
        .header("API-Sign", sign)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .header("User-Agent", "countersign-tests")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "the exchange answers every call with HTTP 200"
    );
    response.bytes().await.unwrap().to_vec()
}
