//! API keys: their records as authentication needs them, their use, and their scopes and
//! settings. A member's own key gets [`member_key`].

use countersign_kraken::ApiSecret;
use countersign_org::{Actor, ApiKeySpec, Scope};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{StoreError, actor_from, actor_parts, json};

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
    /// An emergency stop is in force on the key: every call it signs is refused.
    pub stopped: bool,
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
        "SELECT secret, owner_kind, owner_id, scopes, settings, otp_password, highest_nonce, stop IS NOT NULL FROM api_keys WHERE api_key = ?1",
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
                r.get::<_, bool>(7)?,
            ))
        })
        .optional()?;
    let Some((secret, kind, id, scopes, settings, otp_password, highest, stopped)) = row else {
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
        stopped,
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

/// The scopes of a member's own API key (used by the app and the CLI to call the org API).
pub(crate) fn member_key() -> ApiKeySpec {
    ApiKeySpec {
        scopes: [
            Scope::FundsQuery,
            Scope::FundsAdd,
            Scope::TradesQueryOpen,
            Scope::TradesQueryClosed,
            Scope::LedgerQuery,
            Scope::ExportData,
        ]
        .into_iter()
        .collect(),
        ..ApiKeySpec::default()
    }
}

/// A new service user's key, to be revealed once to the request's initiator.
#[derive(Debug)]
pub(crate) struct NewKey {
    pub api_key: String,
    pub secret: ApiSecret,
}
