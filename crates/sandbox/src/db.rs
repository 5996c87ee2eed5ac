//! The SQLite store: schema, and the reads and writes the handlers need. The database is the
//! source of truth; every mutation runs in one transaction.

use std::path::{Path, PathBuf};

use countersign_kraken::ApiSecret;
use countersign_org::view::{ActorKind, ActorRef};
use countersign_org::{
    Actor, AddressEntry, ApiKeySpec, Decision, DecisionRecord, KeySettings, Member, MemberId, Org,
    OrgChange, Permissions, Policy, Request, RequestId, RequestPayload, RequestStatus, ServiceUser,
    ServiceUserId, Workflow,
};
use countersign_vault::TotpSecret;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;

use crate::{DemoCredentials, DemoMember, DemoMemberCredentials, DemoServiceUserCredentials};

/// Why the store failed. These are the sandbox's own faults, reported as `EGeneral:Internal error`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("sandbox database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error("sandbox database holds a malformed {0}")]
    Corrupt(&'static str),
    /// The data directory could not be created.
    #[error("cannot create the sandbox data directory {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Schema migrations, in order; `PRAGMA user_version` counts how many have run.
const MIGRATIONS: &[&str] = &[
    SCHEMA,
    // 2: API key settings (spec §5); removed members and service users are kept (marked) so
    //    history still names them; and secrets of created service users awaiting their one-time
    //    reveal to the request's initiator.
    "ALTER TABLE api_keys ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
     ALTER TABLE api_keys ADD COLUMN last_used INTEGER;
     ALTER TABLE members ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE members ADD COLUMN account TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE service_users ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE reveals (
         request_id TEXT PRIMARY KEY REFERENCES requests(id),
         api_key TEXT NOT NULL,
         secret TEXT NOT NULL
     );",
    // 3: the exchange's private API. The account's rate tier; a key's optional 2FA password
    //    (server-side, like its secret); ledger entries gain aclass and wallet; members' keys
    //    may read the account (balances, ledgers, orders, exports) — they never withdraw through
    //    it, withdrawals by members go through the org API; exports, orders, trades and Earn.
    "ALTER TABLE org ADD COLUMN rate_tier TEXT NOT NULL DEFAULT 'intermediate';
     ALTER TABLE api_keys ADD COLUMN otp_password TEXT;
     ALTER TABLE ledger ADD COLUMN aclass TEXT NOT NULL DEFAULT 'currency';
     ALTER TABLE ledger ADD COLUMN wallet TEXT NOT NULL DEFAULT 'spot / main';
     CREATE INDEX ledger_by_time ON ledger(time);
     CREATE INDEX ledger_by_refid ON ledger(refid);
     UPDATE api_keys SET scopes = '[\"funds_query\",\"funds_add\",\"trades_query_open\",\"trades_query_closed\",\"ledger_query\",\"export_data\"]'
         WHERE owner_kind = 'member';
     CREATE TABLE exports (
         id TEXT PRIMARY KEY,
         report TEXT NOT NULL CHECK (report IN ('ledgers', 'trades')),
         description TEXT NOT NULL,
         format TEXT NOT NULL,
         fields TEXT NOT NULL,
         starttm INTEGER NOT NULL,
         endtm INTEGER NOT NULL,
         created INTEGER NOT NULL,
         status TEXT NOT NULL,
         data BLOB
     );
     CREATE TABLE orders (
         txid TEXT PRIMARY KEY,
         pair TEXT NOT NULL,
         side TEXT NOT NULL,
         ordertype TEXT NOT NULL,
         price TEXT NOT NULL,
         volume TEXT NOT NULL,
         vol_exec TEXT NOT NULL,
         cost TEXT NOT NULL,
         fee TEXT NOT NULL,
         status TEXT NOT NULL,
         userref INTEGER,
         opentm INTEGER NOT NULL,
         closetm INTEGER
     );
     CREATE INDEX orders_by_status ON orders(status, opentm);
     CREATE TABLE trades (
         txid TEXT PRIMARY KEY,
         ordertxid TEXT NOT NULL REFERENCES orders(txid),
         pair TEXT NOT NULL,
         time INTEGER NOT NULL,
         side TEXT NOT NULL,
         ordertype TEXT NOT NULL,
         price TEXT NOT NULL,
         cost TEXT NOT NULL,
         fee TEXT NOT NULL,
         vol TEXT NOT NULL,
         ledgers TEXT NOT NULL
     );
     CREATE TABLE earn_operations (
         refid TEXT PRIMARY KEY,
         kind TEXT NOT NULL CHECK (kind IN ('allocate', 'deallocate')),
         strategy_id TEXT NOT NULL,
         asset TEXT NOT NULL,
         amount TEXT NOT NULL,
         time INTEGER NOT NULL
     );",
    // 4: an order's client order id (`cl_ord_id`), unique among open orders as on the exchange.
    "ALTER TABLE orders ADD COLUMN cl_ord_id TEXT;
     CREATE UNIQUE INDEX open_orders_by_cl_ord_id ON orders(cl_ord_id)
         WHERE status = 'open' AND cl_ord_id IS NOT NULL;",
    // 5: the trust layer. Members' registered device keys; each decision's signature; and the
    //    audit journal, hash-chained (`countersign_vault::journal`), appended in the same
    //    transaction as what it records.
    "CREATE TABLE devices (
         member_id TEXT NOT NULL REFERENCES members(id),
         device_key TEXT NOT NULL,
         registered_at INTEGER NOT NULL,
         PRIMARY KEY (member_id, device_key)
     );
     ALTER TABLE decisions ADD COLUMN device_key TEXT;
     ALTER TABLE decisions ADD COLUMN signature TEXT;
     ALTER TABLE decisions ADD COLUMN digest TEXT;
     CREATE TABLE journal (
         seq INTEGER PRIMARY KEY,
         at INTEGER NOT NULL,
         record TEXT NOT NULL
     );",
    // 6: 2FA enrollment. An invited member joins without an authenticator (`totp_enrolled` 0;
    //    the `totp_secret` written at invitation is never revealed nor accepted) until they
    //    confirm the secret `EnrollTotp` last generated for them (`pending_totp`).
    "ALTER TABLE members ADD COLUMN totp_enrolled INTEGER NOT NULL DEFAULT 1;
     ALTER TABLE members ADD COLUMN pending_totp TEXT;",
];

const SCHEMA: &str = r"
CREATE TABLE org (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE members (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,                 -- unique among current members (the engine checks)
    role TEXT NOT NULL,
    is_owner INTEGER NOT NULL,
    permissions TEXT NOT NULL,          -- JSON: {workflow: [permission]}
    totp_secret TEXT NOT NULL,          -- base32; the sandbox plays the exchange and keeps it
    last_otp_step INTEGER               -- newest TOTP step accepted: a code is accepted once
);
CREATE UNIQUE INDEX one_owner ON members(is_owner) WHERE is_owner = 1;
CREATE TABLE service_users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL                  -- unique among current service users (the engine checks)
);
CREATE TABLE api_keys (
    api_key TEXT PRIMARY KEY,
    secret TEXT NOT NULL,               -- base64; server-side, as the exchange keeps it
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('member', 'service_user')),
    owner_id TEXT NOT NULL,
    scopes TEXT NOT NULL,               -- JSON array of wire permission names
    nonce_window INTEGER NOT NULL DEFAULT 0,
    highest_nonce INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE policies (
    workflow TEXT PRIMARY KEY,
    always_require_approval INTEGER NOT NULL,
    required_approvals INTEGER NOT NULL CHECK (required_approvals >= 1),
    locked INTEGER NOT NULL,
    expires_after INTEGER
);
CREATE TABLE addresses (
    key TEXT PRIMARY KEY,
    asset TEXT NOT NULL,
    method TEXT NOT NULL,
    address TEXT NOT NULL,
    verified INTEGER NOT NULL
);
CREATE TABLE balances (
    asset TEXT PRIMARY KEY,
    amount TEXT NOT NULL                -- decimal string
);
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    initiator_kind TEXT NOT NULL,
    initiator_id TEXT NOT NULL,
    payload TEXT NOT NULL,              -- JSON RequestPayload
    status TEXT NOT NULL,
    policy TEXT,                        -- JSON Policy snapshot at submission
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX requests_by_status ON requests(status, created_at);
CREATE TABLE decisions (
    request_id TEXT NOT NULL REFERENCES requests(id),
    member_id TEXT NOT NULL REFERENCES members(id),
    decision TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT,
    seq INTEGER NOT NULL,
    PRIMARY KEY (request_id, member_id)
);
CREATE TABLE ledger (
    id TEXT PRIMARY KEY,
    refid TEXT NOT NULL,
    time INTEGER NOT NULL,
    type TEXT NOT NULL,
    subtype TEXT NOT NULL,
    asset TEXT NOT NULL,
    amount TEXT NOT NULL,
    fee TEXT NOT NULL,
    balance TEXT NOT NULL
);
";

/// Opens the database in WAL mode and creates the schema if absent.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let done = usize::try_from(version).map_err(|_| StoreError::Corrupt("schema version"))?;
    if done > MIGRATIONS.len() {
        return Err(StoreError::Corrupt("schema version newer than this build"));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(i + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(conn)
}

pub(crate) fn is_empty(conn: &Connection) -> Result<bool, StoreError> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM org", [], |r| r.get(0))?;
    Ok(n == 0)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| unreachable!("plain data serialises"))
}

// ---- writes used by the seed -------------------------------------------------------------

pub(crate) fn insert_org(tx: &Transaction<'_>, name: &str, now: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO org (id, name, created_at) VALUES (1, ?1, ?2)",
        params![name, now],
    )?;
    Ok(())
}

pub(crate) fn insert_member(
    tx: &Transaction<'_>,
    m: &Member,
    role: &str,
    totp: &TotpSecret,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO members (id, name, role, is_owner, permissions, totp_secret, account) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            m.id.0,
            m.name,
            role,
            m.is_owner,
            json(&m.permissions),
            totp.to_base32(),
            json(&m.account)
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_service_user(tx: &Transaction<'_>, s: &ServiceUser) -> Result<(), StoreError> {
    // The key's scopes and settings live with the key (`insert_key`).
    tx.execute(
        "INSERT INTO service_users (id, name) VALUES (?1, ?2)",
        params![s.id.0, s.name],
    )?;
    Ok(())
}

pub(crate) fn insert_key(
    tx: &Transaction<'_>,
    api_key: &str,
    secret: &ApiSecret,
    owner: &Actor,
    spec: &ApiKeySpec,
) -> Result<(), StoreError> {
    let (kind, id) = actor_parts(owner);
    tx.execute(
        "INSERT INTO api_keys (api_key, secret, owner_kind, owner_id, scopes, settings, nonce_window) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            api_key,
            secret.to_base64(),
            kind,
            id,
            json(&spec.scopes),
            json(&spec.settings),
            i64::try_from(spec.settings.nonce_window).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

pub(crate) fn insert_policy(
    tx: &Transaction<'_>,
    w: Workflow,
    p: &Policy,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO policies (workflow, always_require_approval, required_approvals, locked, expires_after) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![w.as_str(), p.always_require_approval, p.required_approvals, p.locked, p.expires_after.and_then(|s| i64::try_from(s).ok())],
    )?;
    Ok(())
}

pub(crate) fn insert_address(
    tx: &Transaction<'_>,
    key: &str,
    asset: &str,
    method: &str,
    address: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO addresses (key, asset, method, address, verified) VALUES (?1, ?2, ?3, ?4, 1)",
        params![key, asset, method, address],
    )?;
    Ok(())
}

pub(crate) fn set_balance(tx: &Connection, asset: &str, amount: Decimal) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO balances (asset, amount) VALUES (?1, ?2) ON CONFLICT(asset) DO UPDATE SET amount = excluded.amount",
    )?
    .execute(params![asset, amount.to_string()])?;
    Ok(())
}

/// Inserts a new request with its decisions.
pub(crate) fn insert_request(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    let (kind, id) = actor_parts(&r.initiator);
    tx.execute(
        "INSERT INTO requests (id, workflow, initiator_kind, initiator_id, payload, status, policy, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.id.0,
            r.workflow().as_str(),
            kind,
            id,
            json(&r.payload),
            r.status.as_str(),
            r.policy.as_ref().map(json),
            r.created_at,
            r.updated_at
        ],
    )?;
    for (seq, d) in r.decisions.iter().enumerate() {
        insert_decision(tx, &r.id, d, seq)?;
    }
    Ok(())
}

fn insert_decision(
    tx: &Transaction<'_>,
    id: &RequestId,
    d: &DecisionRecord,
    seq: usize,
) -> Result<(), StoreError> {
    let decision = match d.decision {
        Decision::Approve => "approve",
        Decision::Reject => "reject",
    };
    tx.execute(
        "INSERT INTO decisions (request_id, member_id, decision, at, reason, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.0, d.member.0, decision, d.at, d.reason, i64::try_from(seq).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// Persists a decided request: its status and its newest decision.
pub(crate) fn record_decision(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    let last = r
        .decisions
        .last()
        .ok_or(StoreError::Corrupt("decision list"))?;
    insert_decision(tx, &r.id, last, r.decisions.len() - 1)?;
    tx.execute(
        "UPDATE requests SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![r.id.0, r.status.as_str(), r.updated_at],
    )?;
    Ok(())
}

pub(crate) fn balance(conn: &Connection, asset: &str) -> Result<Decimal, StoreError> {
    let s: Option<String> = conn
        .prepare_cached("SELECT amount FROM balances WHERE asset = ?1")?
        .query_row([asset], |r| r.get(0))
        .optional()?;
    s.map_or(Ok(Decimal::ZERO), |s| {
        s.parse().map_err(|_| StoreError::Corrupt("balance"))
    })
}

/// Every asset's spot balance, in one read.
pub(crate) fn balances(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, Decimal>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT asset, amount FROM balances")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = std::collections::HashMap::new();
    for row in rows {
        let (asset, amount) = row?;
        out.insert(
            asset,
            amount.parse().map_err(|_| StoreError::Corrupt("balance"))?,
        );
    }
    Ok(out)
}

/// One ledger line as the exchange reports it: `balance = previous + amount - fee`, per asset and
/// wallet.
#[derive(Debug)]
pub(crate) struct LedgerEntry<'a> {
    pub refid: &'a str,
    pub time: i64,
    pub kind: &'a str,
    pub subtype: &'a str,
    pub asset: &'a str,
    pub wallet: &'a str,
    pub amount: Decimal,
    pub fee: Decimal,
    pub balance: Decimal,
}

/// The spot wallet, where balances live unless allocated to Earn.
pub(crate) const SPOT_WALLET: &str = "spot / main";

/// Posts a ledger entry and returns its ledger id.
pub(crate) fn post_ledger(tx: &Connection, e: &LedgerEntry<'_>) -> Result<String, StoreError> {
    let id = crate::ids::ledger_id();
    tx.prepare_cached(
        "INSERT INTO ledger (id, refid, time, type, subtype, asset, amount, fee, balance, aclass, wallet) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'currency', ?10)",
    )?
    .execute(params![
        id,
        e.refid,
        e.time,
        e.kind,
        e.subtype,
        e.asset,
        e.amount.to_string(),
        e.fee.to_string(),
        e.balance.to_string(),
        e.wallet
    ])?;
    Ok(id)
}

/// Moves `asset`'s spot balance by `amount - fee` and posts the entry; refuses to go negative.
pub(crate) fn post_movement(
    tx: &Connection,
    refid: &str,
    time: i64,
    (kind, subtype): (&str, &str),
    asset: &str,
    amount: Decimal,
    fee: Decimal,
) -> Result<String, crate::ApplyError> {
    let after = balance(tx, asset)? + amount - fee;
    if after.is_sign_negative() {
        return Err(crate::ApplyError::InsufficientFunds);
    }
    set_balance(tx, asset, after)?;
    Ok(post_ledger(
        tx,
        &LedgerEntry {
            refid,
            time,
            kind,
            subtype,
            asset,
            wallet: SPOT_WALLET,
            amount,
            fee,
            balance: after,
        },
    )?)
}

// ---- reads -------------------------------------------------------------------------------

fn actor_parts(a: &Actor) -> (&'static str, &str) {
    match a {
        Actor::Member(id) => ("member", id.0.as_str()),
        Actor::ServiceUser(id) => ("service_user", id.0.as_str()),
    }
}

fn actor_from(kind: &str, id: String) -> Result<Actor, StoreError> {
    match kind {
        "member" => Ok(Actor::Member(MemberId(id))),
        "service_user" => Ok(Actor::ServiceUser(ServiceUserId(id))),
        _ => Err(StoreError::Corrupt("actor kind")),
    }
}

/// A key's record as authentication and the permission checks need it.
#[derive(Debug, Clone)]
pub(crate) struct KeyRecord {
    pub api_key: String,
    pub secret: ApiSecret,
    pub owner: Actor,
    pub spec: ApiKeySpec,
    /// The key's 2FA password, when it has one (the `otp` field must then match).
    pub otp_password: Option<String>,
    pub highest_nonce: u64,
}

impl KeyRecord {
    /// The key's nonce rule as of now.
    pub(crate) fn nonce_window(&self) -> countersign_kraken::NonceWindow {
        countersign_kraken::NonceWindow {
            highest: self.highest_nonce,
            window: self.spec.settings.nonce_window,
        }
    }
}

pub(crate) fn key(conn: &Connection, api_key: &str) -> Result<Option<KeyRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT secret, owner_kind, owner_id, scopes, settings, otp_password, highest_nonce FROM api_keys WHERE api_key = ?1",
    )?;
    let row = stmt
        .query_row([api_key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .optional()?;
    let Some((secret, kind, id, scopes, settings, otp_password, highest)) = row else {
        return Ok(None);
    };
    Ok(Some(KeyRecord {
        api_key: api_key.to_owned(),
        secret: ApiSecret::from_base64(&secret).map_err(|_| StoreError::Corrupt("api secret"))?,
        owner: actor_from(&kind, id)?,
        spec: ApiKeySpec {
            scopes: serde_json::from_str(&scopes).map_err(|_| StoreError::Corrupt("key scopes"))?,
            settings: serde_json::from_str(&settings)
                .map_err(|_| StoreError::Corrupt("key settings"))?,
        },
        otp_password,
        highest_nonce: u64::try_from(highest).unwrap_or(0),
    }))
}

/// Records an accepted call: the key's highest nonce and when it was last used.
pub(crate) fn record_use(
    conn: &Connection,
    api_key: &str,
    nonce: u64,
    now: i64,
) -> Result<(), StoreError> {
    // SQLite integers are i64; nonces beyond i64::MAX are stored saturated (never reached by
    // millisecond or microsecond clocks).
    let n = i64::try_from(nonce).unwrap_or(i64::MAX);
    conn.prepare_cached(
        "UPDATE api_keys SET highest_nonce = ?2, last_used = ?3 WHERE api_key = ?1",
    )?
    .execute(params![api_key, n, now])?;
    Ok(())
}

/// When each service user's key last signed a call.
pub(crate) fn last_used(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT owner_id, last_used FROM api_keys WHERE owner_kind = 'service_user' AND last_used IS NOT NULL",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn set_key_spec(
    conn: &Connection,
    api_key: &str,
    spec: &ApiKeySpec,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE api_keys SET scopes = ?2, settings = ?3, nonce_window = ?4 WHERE api_key = ?1",
        params![
            api_key,
            json(&spec.scopes),
            json(&spec.settings),
            i64::try_from(spec.settings.nonce_window).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

/// Appends `event` to the audit journal, chained to its last record.
pub(crate) fn journal(
    conn: &Connection,
    at: i64,
    event: countersign_vault::JournalEvent,
) -> Result<(), StoreError> {
    let last: Option<String> = conn
        .prepare_cached("SELECT record FROM journal ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    let last = last
        .map(|text| serde_json::from_str(&text).map_err(|_| StoreError::Corrupt("journal record")))
        .transpose()?;
    let record = countersign_vault::Chain::after(last).append(at, event);
    conn.prepare_cached("INSERT INTO journal (seq, at, record) VALUES (?1, ?2, ?3)")?
        .execute(params![
            i64::try_from(record.seq).unwrap_or(i64::MAX),
            record.at,
            record.to_line()
        ])?;
    Ok(())
}

/// The whole journal as JSON Lines, oldest first.
pub(crate) fn journal_lines(conn: &Connection) -> Result<String, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT record FROM journal ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = String::new();
    for row in rows {
        out.push_str(&row?);
        out.push('\n');
    }
    Ok(out)
}

/// Whether `device_key` is registered to `member`.
pub(crate) fn device_registered(
    conn: &Connection,
    member: &MemberId,
    device_key: &str,
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM devices WHERE member_id = ?1 AND device_key = ?2")?
        .query_row([&member.0, device_key], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Registers `device_key` to `member`.
pub(crate) fn register_device(
    conn: &Connection,
    member: &MemberId,
    device_key: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO devices (member_id, device_key, registered_at) VALUES (?1, ?2, ?3)",
        params![member.0, device_key, now],
    )?;
    Ok(())
}

/// Stores the device signature of a member's decision on a request, with the statement's short
/// digest that officers compare out of band.
pub(crate) fn sign_decision(
    conn: &Connection,
    request: &RequestId,
    member: &MemberId,
    device_key: &str,
    signature: &str,
    digest: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE decisions SET device_key = ?3, signature = ?4, digest = ?5 WHERE request_id = ?1 AND member_id = ?2",
        params![request.0, member.0, device_key, signature, digest],
    )?;
    Ok(())
}

/// The short digests of a request's signed decisions, by member id.
pub(crate) fn decision_digests(
    conn: &Connection,
    request: &RequestId,
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT member_id, digest FROM decisions WHERE request_id = ?1 AND digest IS NOT NULL",
    )?;
    let rows = stmt.query_map([&request.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The device keys registered to `member`, oldest first.
pub(crate) fn devices(conn: &Connection, member: &MemberId) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_key FROM devices WHERE member_id = ?1 ORDER BY registered_at, rowid",
    )?;
    let rows = stmt.query_map([&member.0], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The method of an address-book entry, if it still exists.
pub(crate) fn address_method(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT method FROM addresses WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn rate_tier(conn: &Connection) -> Result<crate::gate::RateTier, StoreError> {
    let tier: String = conn
        .prepare_cached("SELECT rate_tier FROM org")?
        .query_row([], |r| r.get(0))?;
    crate::gate::RateTier::parse(&tier).ok_or(StoreError::Corrupt("rate tier"))
}

pub(crate) fn org_name(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn.query_row("SELECT name FROM org WHERE id = 1", [], |r| r.get(0))?)
}

/// A member with the server-side 2FA state.
pub(crate) struct MemberRecord {
    pub member: Member,
    pub totp: TotpSecret,
    pub last_otp_step: Option<u64>,
    /// Whether the member has confirmed an authenticator; until then no code is accepted.
    pub totp_enrolled: bool,
    /// The secret `EnrollTotp` last generated, awaiting `ConfirmTotp`.
    pub pending_totp: Option<TotpSecret>,
}

pub(crate) fn member(conn: &Connection, id: &MemberId) -> Result<Option<MemberRecord>, StoreError> {
    let row = conn
        .query_row(
            "SELECT name, is_owner, permissions, totp_secret, last_otp_step, account,
                    totp_enrolled, pending_totp FROM members WHERE id = ?1",
            [&id.0],
            |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, bool>(1)?),
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                    (r.get::<_, bool>(6)?, r.get::<_, Option<String>>(7)?),
                ))
            },
        )
        .optional()?;
    let Some(((name, is_owner), perms, totp, last, account, (totp_enrolled, pending))) = row else {
        return Ok(None);
    };
    let permissions: Permissions =
        serde_json::from_str(&perms).map_err(|_| StoreError::Corrupt("permissions"))?;
    Ok(Some(MemberRecord {
        member: Member {
            id: id.clone(),
            name,
            is_owner,
            permissions,
            account: serde_json::from_str(&account)
                .map_err(|_| StoreError::Corrupt("account permissions"))?,
        },
        totp: TotpSecret::from_base32(&totp).ok_or(StoreError::Corrupt("totp secret"))?,
        last_otp_step: last.and_then(|s| u64::try_from(s).ok()),
        totp_enrolled,
        pending_totp: pending
            .map(|p| TotpSecret::from_base32(&p).ok_or(StoreError::Corrupt("pending totp secret")))
            .transpose()?,
    }))
}

/// Keeps `secret` as the member's pending authenticator secret (replacing an earlier one).
pub(crate) fn set_pending_totp(
    conn: &Connection,
    id: &MemberId,
    secret: &TotpSecret,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE members SET pending_totp = ?2 WHERE id = ?1",
        params![id.0, secret.to_base32()],
    )?;
    Ok(())
}

/// Makes the pending secret the member's authenticator, with `step` already spent.
pub(crate) fn confirm_totp(
    tx: &Transaction<'_>,
    id: &MemberId,
    secret: &TotpSecret,
    step: u64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE members SET totp_secret = ?2, pending_totp = NULL, totp_enrolled = 1,
                last_otp_step = ?3 WHERE id = ?1",
        params![
            id.0,
            secret.to_base32(),
            i64::try_from(step).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

pub(crate) fn set_last_otp_step(
    tx: &Transaction<'_>,
    id: &MemberId,
    step: u64,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE members SET last_otp_step = ?2 WHERE id = ?1",
        params![id.0, i64::try_from(step).unwrap_or(i64::MAX)],
    )?;
    Ok(())
}

/// Resolves an actor to its display form.
pub(crate) fn actor_ref(conn: &Connection, a: &Actor) -> Result<ActorRef, StoreError> {
    let (kind, table, id) = match a {
        Actor::Member(id) => (ActorKind::Member, "members", &id.0),
        Actor::ServiceUser(id) => (ActorKind::ServiceUser, "service_users", &id.0),
    };
    let name: Option<String> = conn
        .query_row(
            &format!("SELECT name FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(ActorRef {
        kind,
        id: id.clone(),
        name: name.unwrap_or_else(|| format!("(removed {id})")),
    })
}

type RequestRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

fn request_from_row(conn: &Connection, row: RequestRow) -> Result<Request, StoreError> {
    let (id, kind, initiator_id, payload, status, policy, created_at, updated_at) = row;
    let payload: RequestPayload =
        serde_json::from_str(&payload).map_err(|_| StoreError::Corrupt("request payload"))?;
    let policy: Option<Policy> = policy
        .map(|p| serde_json::from_str(&p))
        .transpose()
        .map_err(|_| StoreError::Corrupt("policy snapshot"))?;
    let mut stmt = conn.prepare_cached(
        "SELECT member_id, decision, at, reason FROM decisions WHERE request_id = ?1 ORDER BY seq",
    )?;
    let decisions = stmt
        .query_map([&id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .map(|row| {
            let (member, decision, at, reason) = row?;
            let decision = match decision.as_str() {
                "approve" => Decision::Approve,
                "reject" => Decision::Reject,
                _ => return Err(StoreError::Corrupt("decision")),
            };
            Ok(DecisionRecord {
                member: MemberId(member),
                decision,
                at,
                reason,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Request {
        id: RequestId(id),
        initiator: actor_from(&kind, initiator_id)?,
        payload,
        status: RequestStatus::parse(&status).ok_or(StoreError::Corrupt("request status"))?,
        policy,
        decisions,
        created_at,
        updated_at,
    })
}

const REQUEST_COLUMNS: &str =
    "id, initiator_kind, initiator_id, payload, status, policy, created_at, updated_at";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

pub(crate) fn request(conn: &Connection, id: &str) -> Result<Option<Request>, StoreError> {
    let row = conn
        .query_row(
            &format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = ?1"),
            [id],
            read_row,
        )
        .optional()?;
    row.map(|row| request_from_row(conn, row)).transpose()
}

/// Requests in the given workflows, optionally of one status, newest first.
pub(crate) fn requests(
    conn: &Connection,
    workflows: &[Workflow],
    status: Option<RequestStatus>,
) -> Result<Vec<Request>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE (?1 IS NULL OR status = ?1) ORDER BY created_at DESC, id"
    ))?;
    let rows = stmt
        .query_map([status.map(RequestStatus::as_str)], read_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let r = request_from_row(conn, row)?;
        if workflows.contains(&r.workflow()) {
            out.push(r);
        }
    }
    Ok(out)
}

pub(crate) fn demo_members(conn: &Connection) -> Result<Vec<DemoMember>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT m.id, m.name, m.role, m.totp_secret, k.api_key, k.secret, m.totp_enrolled
         FROM members m JOIN api_keys k ON k.owner_kind = 'member' AND k.owner_id = m.id
         ORDER BY m.is_owner DESC, m.name",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                (r.get::<_, String>(5)?, r.get::<_, bool>(6)?),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, name, role, totp, api_key, (secret, totp_enrolled))| {
            Ok(DemoMember {
                id,
                name,
                role,
                api_key,
                totp_enrolled,
                api_secret: ApiSecret::from_base64(&secret)
                    .map_err(|_| StoreError::Corrupt("api secret"))?,
                totp: TotpSecret::from_base32(&totp).ok_or(StoreError::Corrupt("totp secret"))?,
            })
        })
        .collect()
}

pub(crate) fn demo_credentials(
    conn: &Connection,
    base_url: &str,
) -> Result<DemoCredentials, StoreError> {
    let members = demo_members(conn)?
        .into_iter()
        .map(|m| DemoMemberCredentials {
            id: m.id,
            name: m.name,
            api_key: m.api_key,
            api_secret: m.api_secret.to_base64(),
            totp_secret: m.totp.to_base32(),
            totp_enrolled: m.totp_enrolled,
        })
        .collect();
    let mut stmt = conn.prepare(
        "SELECT s.id, s.name, k.api_key, k.secret FROM service_users s
         JOIN api_keys k ON k.owner_kind = 'service_user' AND k.owner_id = s.id ORDER BY s.name",
    )?;
    let service_users = stmt
        .query_map([], |r| {
            Ok(DemoServiceUserCredentials {
                id: r.get(0)?,
                name: r.get(1)?,
                api_key: r.get(2)?,
                api_secret: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DemoCredentials {
        base_url: base_url.to_owned(),
        members,
        service_users,
    })
}

// ---- the Organization as the rules engine sees it ----------------------------------------

/// Loads the whole Organization: current members, service users with their keys' scopes and
/// settings, policies and the address book.
pub(crate) fn load_org(conn: &Connection) -> Result<Org, StoreError> {
    let mut org = Org {
        name: org_name(conn)?,
        ..Org::default()
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, is_owner, permissions, account FROM members WHERE removed = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, bool>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (id, name, is_owner, perms, account) = row?;
        let permissions: Permissions =
            serde_json::from_str(&perms).map_err(|_| StoreError::Corrupt("permissions"))?;
        let account = serde_json::from_str(&account)
            .map_err(|_| StoreError::Corrupt("account permissions"))?;
        let id = MemberId(id);
        org.members.insert(
            id.clone(),
            Member {
                id,
                name,
                is_owner,
                permissions,
                account,
            },
        );
    }
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.name, k.scopes, k.settings FROM service_users s
         JOIN api_keys k ON k.owner_kind = 'service_user' AND k.owner_id = s.id WHERE s.removed = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (id, name, scopes, settings) = row?;
        let key = ApiKeySpec {
            scopes: serde_json::from_str(&scopes).map_err(|_| StoreError::Corrupt("key scopes"))?,
            settings: serde_json::from_str::<KeySettings>(&settings)
                .map_err(|_| StoreError::Corrupt("key settings"))?,
        };
        let id = ServiceUserId(id);
        org.service_users
            .insert(id.clone(), ServiceUser { id, name, key });
    }
    let mut stmt = conn.prepare_cached(
        "SELECT workflow, always_require_approval, required_approvals, locked, expires_after FROM policies",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    for row in rows {
        let (w, always, n, locked, expires) = row?;
        let w = Workflow::parse(&w).ok_or(StoreError::Corrupt("policy workflow"))?;
        org.policies.insert(
            w,
            Policy {
                always_require_approval: always,
                required_approvals: n,
                locked,
                expires_after: expires.and_then(|e| u64::try_from(e).ok()),
            },
        );
    }
    let mut stmt =
        conn.prepare_cached("SELECT key, asset, method, address, verified FROM addresses")?;
    let rows = stmt.query_map([], |r| {
        Ok(AddressEntry {
            key: r.get(0)?,
            asset: r.get(1)?,
            method: r.get(2)?,
            address: r.get(3)?,
            verified: r.get(4)?,
        })
    })?;
    for row in rows {
        let e = row?;
        org.addresses.insert(e.key.clone(), e);
    }
    Ok(org)
}

/// A new service user's key, to be revealed once to the request's initiator.
#[derive(Debug)]
pub(crate) struct NewKey {
    pub api_key: String,
    pub secret: ApiSecret,
}

/// Persists what a completed request changed. Returns the key of a service user it created.
pub(crate) fn persist_changes(
    tx: &Transaction<'_>,
    request: &Request,
    changes: &[OrgChange],
    now: i64,
) -> Result<Option<NewKey>, crate::ApplyError> {
    let mut new_key = None;
    for change in changes {
        match change {
            OrgChange::MemberAdded(m) => {
                // Joins without an authenticator: they enroll their own (`EnrollTotp`).
                insert_member(tx, m, "Invited member", &crate::ids::totp_secret())?;
                tx.execute(
                    "UPDATE members SET totp_enrolled = 0 WHERE id = ?1",
                    [&m.id.0],
                )?;
                insert_key(
                    tx,
                    &crate::ids::api_key(),
                    &crate::ids::api_secret(),
                    &m.actor(),
                    &crate::seed::member_key(),
                )?;
            }
            OrgChange::MemberRemoved(id) => {
                tx.execute("UPDATE members SET removed = 1 WHERE id = ?1", [&id.0])?;
                tx.execute(
                    "DELETE FROM api_keys WHERE owner_kind = 'member' AND owner_id = ?1",
                    [&id.0],
                )?;
            }
            OrgChange::MemberUpdated(m) => {
                tx.execute(
                    "UPDATE members SET permissions = ?2, account = ?3 WHERE id = ?1",
                    params![m.id.0, json(&m.permissions), json(&m.account)],
                )?;
            }
            OrgChange::ServiceUserCreated(su) => {
                insert_service_user(tx, su)?;
                let key = NewKey {
                    api_key: crate::ids::api_key(),
                    secret: crate::ids::api_secret(),
                };
                insert_key(tx, &key.api_key, &key.secret, &su.actor(), &su.key)?;
                new_key = Some(key);
            }
            OrgChange::ServiceUserUpdated(su) => {
                tx.execute(
                    "UPDATE api_keys SET scopes = ?2, settings = ?3, nonce_window = ?4 WHERE owner_kind = 'service_user' AND owner_id = ?1",
                    params![su.id.0, json(&su.key.scopes), json(&su.key.settings), i64::try_from(su.key.settings.nonce_window).unwrap_or(i64::MAX)],
                )?;
            }
            OrgChange::ServiceUserRemoved(id) => {
                tx.execute(
                    "UPDATE service_users SET removed = 1 WHERE id = ?1",
                    [&id.0],
                )?;
                tx.execute(
                    "DELETE FROM api_keys WHERE owner_kind = 'service_user' AND owner_id = ?1",
                    [&id.0],
                )?;
            }
            OrgChange::PolicySet {
                workflow,
                policy: None,
            } => {
                tx.execute(
                    "DELETE FROM policies WHERE workflow = ?1",
                    [workflow.as_str()],
                )?;
            }
            OrgChange::PolicySet {
                workflow,
                policy: Some(p),
            } => {
                tx.execute(
                    "DELETE FROM policies WHERE workflow = ?1",
                    [workflow.as_str()],
                )?;
                insert_policy(tx, *workflow, p)?;
            }
            OrgChange::AddressSet(e) => {
                tx.execute(
                    "INSERT INTO addresses (key, asset, method, address, verified) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(key) DO UPDATE SET asset = excluded.asset, method = excluded.method, address = excluded.address, verified = excluded.verified",
                    params![e.key, e.asset, e.method, e.address, e.verified],
                )?;
            }
            OrgChange::AddressRemoved(key) => {
                tx.execute("DELETE FROM addresses WHERE key = ?1", [key])?;
            }
            OrgChange::Withdrawn {
                asset, amount, fee, ..
            } => {
                post_movement(
                    tx,
                    &request.id.0,
                    now,
                    ("withdrawal", ""),
                    asset,
                    -*amount,
                    *fee,
                )?;
            }
        }
    }
    Ok(new_key)
}

/// Persists a status change that carries no new decision (cancel, expiry).
pub(crate) fn update_status(tx: &Transaction<'_>, r: &Request) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE requests SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![r.id.0, r.status.as_str(), r.updated_at],
    )?;
    Ok(())
}

/// Keeps a created service user's key for its initiator's one-time reveal.
pub(crate) fn store_reveal(
    tx: &Transaction<'_>,
    request: &RequestId,
    key: &NewKey,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO reveals (request_id, api_key, secret) VALUES (?1, ?2, ?3)",
        params![request.0, key.api_key, key.secret.to_base64()],
    )?;
    Ok(())
}

/// Takes (and forgets) a pending reveal: it can be read once.
pub(crate) fn take_reveal(
    tx: &Transaction<'_>,
    request: &RequestId,
) -> Result<Option<NewKey>, StoreError> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT api_key, secret FROM reveals WHERE request_id = ?1",
            [&request.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((api_key, secret)) = row else {
        return Ok(None);
    };
    tx.execute("DELETE FROM reveals WHERE request_id = ?1", [&request.0])?;
    Ok(Some(NewKey {
        api_key,
        secret: ApiSecret::from_base64(&secret).map_err(|_| StoreError::Corrupt("reveal"))?,
    }))
}
