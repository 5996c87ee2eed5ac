//! API keys: their records as authentication needs them, their use, and their scopes and
//! settings. A member's own key gets [`member_key`].

use countersign_kraken::ApiSecret;
use countersign_org::{Actor, ApiKeySpec, MAX_NONCE_WINDOW, Scope};
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
    /// An emergency stop is in force on the key: every call it signs is refused.
    pub stopped: bool,
}

pub(crate) fn key(conn: &Connection, api_key: &str) -> Result<Option<KeyRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT secret, owner_kind, owner_id, scopes, settings, otp_password, stop IS NOT NULL FROM api_keys WHERE api_key = ?1",
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
                r.get::<_, bool>(6)?,
            ))
        })
        .optional()?;
    let Some((secret, kind, id, scopes, settings, otp_password, stopped)) = row else {
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
        stopped,
    }))
}

/// Spends `nonce` for `key`: accepted once, under the key's nonce rule
/// ([`countersign_kraken::NonceWindow`], its window capped at [`MAX_NONCE_WINDOW`]), and never
/// at or below the key's floor. Every accepted nonce is stored (pruned once it falls more than
/// the cap below the highest, where no window reaches), so widening a window later readmits
/// nothing already used. The read, the check and the writes are one `BEGIN IMMEDIATE`
/// transaction: two processes on this database cannot both spend one nonce. Returns whether it
/// was accepted; records the key's highest nonce and last use if so.
pub(crate) fn spend_nonce(
    conn: &Connection,
    key: &KeyRecord,
    nonce: u64,
    now: i64,
) -> Result<bool, StoreError> {
    // SQLite integers are i64; no clock's nonce reaches beyond it, so such a nonce is refused.
    let Ok(n) = i64::try_from(nonce) else {
        return Ok(false);
    };
    let tx = Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let (highest, floor): (i64, i64) = tx
        .prepare_cached("SELECT highest_nonce, nonce_floor FROM api_keys WHERE api_key = ?1")?
        .query_row([&key.api_key], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let rule = countersign_kraken::NonceWindow {
        highest: u64::try_from(highest).unwrap_or(0),
        window: key.spec.settings.nonce_window.min(MAX_NONCE_WINDOW),
    };
    let countersign_kraken::NonceCheck::Accept {
        highest: new_highest,
    } = rule.check(nonce)
    else {
        return Ok(false);
    };
    if n <= floor {
        return Ok(false);
    }
    let fresh = tx
        .prepare_cached("INSERT OR IGNORE INTO used_nonces (api_key, nonce) VALUES (?1, ?2)")?
        .execute(params![key.api_key, n])?;
    if fresh == 0 {
        return Ok(false);
    }
    let new_highest = i64::try_from(new_highest).unwrap_or(i64::MAX);
    let reach = i64::try_from(MAX_NONCE_WINDOW).unwrap_or(i64::MAX);
    tx.prepare_cached("DELETE FROM used_nonces WHERE api_key = ?1 AND nonce < ?2")?
        .execute(params![key.api_key, new_highest.saturating_sub(reach)])?;
    tx.prepare_cached("UPDATE api_keys SET highest_nonce = ?2, last_used = ?3 WHERE api_key = ?1")?
        .execute(params![key.api_key, new_highest, now])?;
    tx.commit()?;
    Ok(true)
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
