//! Members as the server keeps them ([`MemberRecord`]: their authenticator state), actors'
//! display names, members' registered devices, and the demo credentials.

use countersign_kraken::ApiSecret;
use countersign_org::view::{ActorKind, ActorRef};
use countersign_org::{Actor, Member, MemberId, Permissions};
use countersign_vault::TotpSecret;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::{DemoCredentials, DemoMember, DemoMemberCredentials, DemoServiceUserCredentials};

use super::StoreError;

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

/// The device keys registered to `member`, oldest first.
pub(crate) fn devices(conn: &Connection, member: &MemberId) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT device_key FROM devices WHERE member_id = ?1 ORDER BY registered_at, rowid",
    )?;
    let rows = stmt.query_map([&member.0], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
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
        tls_sha256: None,
        members,
        service_users,
    })
}

/// Whether member `id` was removed (`None`: no such member).
pub(crate) fn member_removed(conn: &Connection, id: &MemberId) -> Result<Option<bool>, StoreError> {
    Ok(conn
        .query_row("SELECT removed FROM members WHERE id = ?1", [&id.0], |r| {
            r.get::<_, bool>(0)
        })
        .optional()?)
}

/// Spends a device-signed statement (by its signature) dated `at`, forgetting those dated before
/// `stale_before` (too old to be accepted anyway). False when it was spent already.
pub(crate) fn spend_statement(
    tx: &Transaction<'_>,
    signature: &str,
    at: i64,
    stale_before: i64,
) -> Result<bool, StoreError> {
    tx.execute(
        "DELETE FROM spent_statements WHERE at < ?1",
        params![stale_before],
    )?;
    let fresh = tx.execute(
        "INSERT OR IGNORE INTO spent_statements (signature, at) VALUES (?1, ?2)",
        params![signature, at],
    )?;
    Ok(fresh == 1)
}

/// Records a decision window `id` that `member`'s code opened at `opened_at`, good until
/// `closes_at`.
pub(crate) fn open_window(
    tx: &Transaction<'_>,
    id: &str,
    member: &MemberId,
    opened_at: i64,
    closes_at: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO decision_windows (id, member_id, opened_at, closes_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, member.0, opened_at, closes_at],
    )?;
    Ok(())
}

/// Closes every window of `member` still open at `now`; how many were.
pub(crate) fn close_windows(
    conn: &Connection,
    member: &MemberId,
    now: i64,
) -> Result<u32, StoreError> {
    let closed = conn.execute(
        "UPDATE decision_windows SET closes_at = ?2 WHERE member_id = ?1 AND closes_at > ?2",
        params![member.0, now],
    )?;
    Ok(u32::try_from(closed).unwrap_or(u32::MAX))
}

/// When `member`'s decision window `id` closes (`None`: no such window of theirs).
pub(crate) fn window_closes(
    conn: &Connection,
    id: &str,
    member: &MemberId,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT closes_at FROM decision_windows WHERE id = ?1 AND member_id = ?2",
            params![id, member.0],
            |r| r.get(0),
        )
        .optional()?)
}
