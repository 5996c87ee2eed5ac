//! The sandbox: a real server playing the exchange and its Organization, on SQLite.
//!
//! - [`Sandbox`]: the store (one SQLite file in WAL mode under a data directory), seeded with a
//!   demo Organization on first start ([`seed`]), persistent across restarts.
//! - [`Sandbox::router`]: the HTTP surface (axum). Every private call is authenticated exactly as
//!   the exchange does it (`API-Key`, `API-Sign`, a per-key nonce; see [`auth`]); the org API lives
//!   under `/0/org/*` ([`org_api`], contract in `docs/org-api.yaml`).
//! - [`RunningSandbox`]: a bound server with its base URL, for the app, the CLI and tests; over
//!   HTTPS ([`Sandbox::serve_tls`], [`tls::TlsIdentity`]) when shared across machines.
//! - [`DemoCredentials`]: the demo members' and service users' keys and TOTP secrets, handed out
//!   only on explicit opt-in (`--demo-credentials FILE`) or in-process to the app's sandbox panel.
//!
//! Modules use one another downward only (no cycle): the HTTP surfaces [`org_api`] and
//! [`exchange`] sit on `lifecycle` (a request's life beyond one call: journal, complete, expire),
//! [`auth`] and `db` (the store, one module per kind of row); [`seed`] writes the demo
//! Organization and `history` its past, both through `db`; [`market`] (assets and pairs), [`gate`]
//! (lockouts and the rate counter) and `ids` use nothing of the crate.

pub mod auth;
mod db;
mod events;
pub mod exchange;
pub mod gate;
mod history;
mod ids;
mod lifecycle;
pub mod market;
pub mod org_api;
pub mod seed;
pub mod tls;

use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use countersign_vault::TotpSecret;
use serde::{Deserialize, Serialize};

pub use db::StoreError;
pub use ids::deterministic;

/// Why a completed request could not be carried out; the whole decision is then rolled back.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The withdrawal's asset balance does not cover amount + fee.
    #[error("EFunding:Insufficient funds")]
    InsufficientFunds,
    /// The Organization changed while the request waited (e.g. its address was removed).
    #[error("EOrg:Cannot complete: {0}")]
    Payload(#[from] countersign_org::PayloadError),
    /// The asset is not one the sandbox holds.
    #[error("EQuery:Unknown asset")]
    UnknownAsset,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ApplyError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.into())
    }
}

/// The current time in unix **milliseconds**. Injected so tests can move time (rate counters
/// decay by the millisecond; everything else the Organization records is in seconds).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// The sandbox's store and clock. Cheap to clone; clones share one connection.
#[derive(Clone)]
pub struct Sandbox {
    db: Arc<Mutex<rusqlite::Connection>>,
    /// Where committed journal records become the org API's events.
    events: Arc<events::EventHub>,
    gate: Arc<gate::Gate>,
    clock: Clock,
    path: PathBuf,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// How long a created key's secret is held for its one-time reveal after the request completes:
/// a day. After that it is forgotten; a key nobody collected is rotated.
pub const REVEAL_HOLD_SECONDS: i64 = 24 * 60 * 60;

/// File name of the sandbox database inside its data directory.
pub const DB_FILE: &str = "sandbox.sqlite3";

impl Sandbox {
    /// Opens (creating and seeding on first start) the sandbox under `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        Self::open_with_clock(data_dir, system_clock())
    }

    /// Like [`Sandbox::open`] with an injected clock.
    pub fn open_with_clock(data_dir: &Path, clock: Clock) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Io(data_dir.to_owned(), e))?;
        let path = data_dir.join(DB_FILE);
        let mut conn = db::open(&path)?;
        if db::is_empty(&conn)? {
            seed::seed(&mut conn, clock().div_euclid(1000))?;
        }
        let gate = gate::Gate::default();
        gate.set_tier(db::rate_tier(&conn)?);
        let events = events::EventHub::after(db::journal_seq(&conn)?);
        Ok(Self {
            db: Arc::new(Mutex::new(conn)),
            events: Arc::new(events),
            gate: Arc::new(gate),
            clock,
            path,
        })
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.path
    }

    /// Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        (self.clock)().div_euclid(1000)
    }

    /// Unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// The database, locked; what it journals is published as events on release.
    pub(crate) fn conn(&self) -> events::Conn<'_> {
        events::Conn::lock(&self.db, &self.events)
    }

    pub(crate) fn events(&self) -> &events::EventHub {
        &self.events
    }

    /// How often event streams opened from now on send their keep-alive (15 s unless changed):
    /// an operator setting, for tests of a stream that stays quiet.
    pub fn set_event_keep_alive(&self, every: std::time::Duration) {
        self.events.set_keep_alive(every);
    }

    pub(crate) fn gate(&self) -> &gate::Gate {
        &self.gate
    }

    /// The HTTP surface: the exchange's public and private calls and the org API. Serve it with
    /// connect info (`into_make_service_with_connect_info::<SocketAddr>`), as [`Sandbox::serve`]
    /// does: keys' IP allowlists need the caller's address.
    pub fn router(&self) -> Router {
        org_api::router(self.clone()).merge(exchange::router(self.clone()))
    }

    /// Sets the account's verification tier, which decides the rate counter's maximum and decay.
    pub fn set_rate_tier(&self, tier: gate::RateTier) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE org SET rate_tier = ?1", [tier.as_str()])?;
        self.gate.set_tier(tier);
        Ok(())
    }

    /// Switches the rate counter's refusals off (`false`) or back on: an operator setting for
    /// load tests, which must measure the server rather than the limit. Not persisted.
    pub fn set_rate_limited(&self, limited: bool) {
        self.gate.set_metered(limited);
    }

    /// The account's verification tier.
    pub fn rate_tier(&self) -> gate::RateTier {
        self.gate.tier()
    }

    /// Replaces a key's scopes and settings as the exchange's operator would, outside the
    /// Organization's governance (which changes a service user's key only through an approved
    /// Manage Access request). For tests and demos of how the exchange enforces a key.
    pub fn operator_set_key_spec(
        &self,
        api_key: &str,
        spec: &countersign_org::ApiKeySpec,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        db::set_key_spec(&conn, api_key, spec)
    }

    /// Credits a deposit of `amount` of `asset` (the Organization's code, `BTC`) to the spot
    /// wallet, as when funds arrive from outside: the balance rises and a `deposit` entry is
    /// posted. Returns its refid. The living demo uses this for customer inflows.
    pub fn simulate_deposit(
        &self,
        asset: &str,
        amount: rust_decimal::Decimal,
    ) -> Result<String, ApplyError> {
        let spec = market::asset(asset).ok_or(ApplyError::UnknownAsset)?;
        let refid = ids::refid();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        db::post_movement(
            &tx,
            &refid,
            self.now(),
            ("deposit", ""),
            spec.code,
            spec.scale(amount),
            rust_decimal::Decimal::ZERO,
        )?;
        tx.commit()?;
        Ok(refid)
    }

    /// Registers a device key to a member as the exchange's operator would, without a code: the
    /// app's sandbox mode registers its demo members' devices this way (their codes are for their
    /// decisions). Journaled like any registration.
    pub fn operator_register_device(
        &self,
        member: &str,
        device_key: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let id = countersign_org::MemberId(member.to_owned());
        if !db::device_registered(&tx, &id, device_key)? {
            db::register_device(&tx, &id, device_key, now)?;
            db::journal(
                &tx,
                now,
                countersign_vault::JournalEvent::DeviceRegistered {
                    member: member.to_owned(),
                    device_key: device_key.to_owned(),
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Gives a key 2FA with a password (`None` removes it): every call with that key must then
    /// carry `otp`. The exchange's key page does this; the sandbox keeps the password server-side.
    pub fn set_key_password(
        &self,
        api_key: &str,
        password: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE api_keys SET otp_password = ?2 WHERE api_key = ?1",
            rusqlite::params![api_key, password],
        )?;
        Ok(())
    }

    /// Binds `addr` (port 0 for a random port) and serves until the returned handle is shut down
    /// or dropped.
    pub async fn serve(self, addr: SocketAddr) -> std::io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        Ok(
            self.spawn(format!("http://{local}"), local, move |shutdown| {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .into_future()
            }),
        )
    }

    /// Serves over HTTPS on `addr`, presenting `identity`: for a sandbox shared across
    /// machines, whose clients refuse plain HTTP beyond loopback.
    pub async fn serve_tls(
        self,
        addr: SocketAddr,
        identity: &tls::TlsIdentity,
    ) -> std::io::Result<RunningSandbox> {
        let tcp = tokio::net::TcpListener::bind(addr).await?;
        let local = tcp.local_addr()?;
        let listener = tls::TlsListener::new(tcp, identity)?;
        let app = self
            .router()
            .layer(axum::middleware::map_request(tls::peer_as_connect_info))
            .into_make_service_with_connect_info::<tls::Peer>();
        Ok(
            self.spawn(format!("https://{local}"), local, move |shutdown| {
                axum::serve(listener, app)
                    .with_graceful_shutdown(shutdown)
                    .into_future()
            }),
        )
    }

    /// Runs `serve` (given the shutdown signal) as the server's task.
    fn spawn<F, Fut>(self, base_url: String, local: SocketAddr, serve: F) -> RunningSandbox
    where
        F: FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) -> Fut,
        Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = serve(Box::pin(async {
            let _ = rx.await;
        }));
        let task = tokio::spawn(async move {
            if let Err(e) = served.await {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        RunningSandbox {
            base_url,
            addr: local,
            sandbox: self,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// Every demo member and service user with their credentials (sandbox only).
    pub fn demo_credentials(&self, base_url: &str) -> Result<DemoCredentials, StoreError> {
        let conn = self.conn();
        db::demo_credentials(&conn, base_url)
    }

    /// The demo members with their TOTP secrets, for the app's in-process sandbox panel.
    pub fn demo_members(&self) -> Result<Vec<DemoMember>, StoreError> {
        let conn = self.conn();
        db::demo_members(&conn)
    }
}

/// A demo member as the app's sandbox panel needs it. The secret stays in Rust.
#[derive(Debug, Clone)]
pub struct DemoMember {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// A one-line description of what the member may do.
    pub role: String,
    /// Their API key.
    pub api_key: String,
    /// Their API secret.
    pub api_secret: countersign_kraken::ApiSecret,
    /// Their authenticator secret (meaningless until `totp_enrolled`).
    pub totp: TotpSecret,
    /// Whether they have set up their authenticator. Invited members have not, until they
    /// enroll (`EnrollTotp`, `ConfirmTotp`).
    pub totp_enrolled: bool,
}

/// The `--demo-credentials` file: `{base_url, members, service_users}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCredentials {
    /// Where the sandbox listens.
    pub base_url: String,
    /// Over HTTPS: the SHA-256 of the certificate it presents, which clients pin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_sha256: Option<String>,
    /// Demo members.
    pub members: Vec<DemoMemberCredentials>,
    /// Demo service users.
    pub service_users: Vec<DemoServiceUserCredentials>,
}

/// One member's credentials in the `--demo-credentials` file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoMemberCredentials {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// API key.
    pub api_key: String,
    /// API secret, base64.
    pub api_secret: String,
    /// TOTP secret, base32 (not accepted until `totp_enrolled`).
    pub totp_secret: String,
    /// Whether the member has enrolled their authenticator.
    #[serde(default = "enrolled_by_default")]
    pub totp_enrolled: bool,
}

fn enrolled_by_default() -> bool {
    true
}

/// One service user's credentials in the `--demo-credentials` file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoServiceUserCredentials {
    /// Service user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// API key.
    pub api_key: String,
    /// API secret, base64.
    pub api_secret: String,
}

/// A sandbox serving on a loopback port. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The store it serves.
    pub sandbox: Sandbox,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSandbox {
    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        // Open event streams would keep a graceful shutdown waiting: end them first.
        self.sandbox.events().close();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server ends (for `countersign sandbox serve`).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            self.sandbox.events().close();
            let _ = tx.send(());
        }
    }
}
