//! The Organization's rows: writing them (the seed, and what a completed request changed) and
//! loading the whole Organization as the rules engine sees it.

use countersign_org::{
    AddressEntry, ApiKeySpec, KeySettings, Member, MemberId, Org, OrgChange, Permissions, Policy,
    Request, ServiceUser, ServiceUserId, Stop, StopTarget, Workflow,
};
use countersign_vault::TotpSecret;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::keys::{NewKey, insert_key, member_key};
use super::ledger::post_movement;
use super::{StoreError, json};

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
        "INSERT INTO service_users (id, name, key_holder) VALUES (?1, ?2, ?3)",
        params![s.id.0, s.name, s.key_holder.as_ref().map(|m| &m.0)],
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

pub(crate) fn org_name(conn: &Connection) -> Result<String, StoreError> {
    Ok(conn.query_row("SELECT name FROM org WHERE id = 1", [], |r| r.get(0))?)
}

pub(crate) fn rate_tier(conn: &Connection) -> Result<crate::gate::RateTier, StoreError> {
    let tier: String = conn
        .prepare_cached("SELECT rate_tier FROM org")?
        .query_row([], |r| r.get(0))?;
    crate::gate::RateTier::parse(&tier).ok_or(StoreError::Corrupt("rate tier"))
}

/// The method of an address-book entry, if it still exists.
pub(crate) fn address_method(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT method FROM addresses WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

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
        "SELECT s.id, s.name, k.scopes, k.settings, k.stop, s.key_holder FROM service_users s
         JOIN api_keys k ON k.owner_kind = 'service_user' AND k.owner_id = s.id WHERE s.removed = 0",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<String>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    for row in rows {
        let (id, name, scopes, settings, stop, key_holder) = row?;
        if let Some(stop) = stop {
            org.stops
                .keys
                .insert(ServiceUserId(id.clone()), stop_from(&stop)?);
        }
        let key = ApiKeySpec {
            scopes: serde_json::from_str(&scopes).map_err(|_| StoreError::Corrupt("key scopes"))?,
            settings: serde_json::from_str::<KeySettings>(&settings)
                .map_err(|_| StoreError::Corrupt("key settings"))?,
        };
        let id = ServiceUserId(id);
        org.service_users.insert(
            id.clone(),
            ServiceUser {
                id,
                name,
                key,
                key_holder: key_holder.map(MemberId),
            },
        );
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
    let frozen: Option<String> = conn
        .prepare_cached("SELECT withdrawals_frozen FROM org WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    org.stops.withdrawals = frozen.as_deref().map(stop_from).transpose()?;
    let window: i64 = conn
        .prepare_cached("SELECT decision_window FROM org WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    org.settings.decision_window_seconds =
        u32::try_from(window).map_err(|_| StoreError::Corrupt("decision window"))?;
    Ok(org)
}

fn stop_from(text: &str) -> Result<Stop, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt("emergency stop"))
}

/// Records a stop pulled or lifted (`stop` `None`).
pub(crate) fn set_stop(
    tx: &Transaction<'_>,
    target: &StopTarget,
    stop: Option<&Stop>,
) -> Result<(), StoreError> {
    let stop = stop.map(json);
    match target {
        StopTarget::ServiceUser { service_user } => tx.execute(
            "UPDATE api_keys SET stop = ?2 WHERE owner_kind = 'service_user' AND owner_id = ?1",
            params![service_user.0, stop],
        )?,
        StopTarget::Withdrawals => tx.execute(
            "UPDATE org SET withdrawals_frozen = ?1 WHERE id = 1",
            params![stop],
        )?,
    };
    Ok(())
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
                    &member_key(),
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
            OrgChange::Stopped { target, stop } => set_stop(tx, target, Some(stop))?,
            OrgChange::Resumed(target) => set_stop(tx, target, None)?,
            OrgChange::SettingsChanged(settings) => {
                tx.execute(
                    "UPDATE org SET decision_window = ?1 WHERE id = 1",
                    [settings.decision_window_seconds],
                )?;
            }
            OrgChange::Withdrawn {
                asset, amount, fee, ..
            } => {
                // Checked at completion, not only at submission: open orders placed while the
                // request waited hold funds that no withdrawal may take.
                let spec = crate::market::asset(asset).ok_or(crate::ApplyError::UnknownAsset)?;
                if super::spendable(tx, spec)? < *amount + *fee {
                    return Err(crate::ApplyError::InsufficientFunds);
                }
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
