//! Each key's use of the exchange API, as the Organization's least-privilege review reads it:
//! calls answered per endpoint, refusals per cause, addresses called from, and the
//! address-book entries its withdrawal calls named.

use countersign_org::view::{
    AddressUse, DestinationUse, EndpointUse, KeyUsage, RefusalCause, RefusalCount,
};
use rusqlite::Connection;

use super::StoreError;

/// Counts an answered call of `endpoint` by `api_key` from `address` at `now` (unix seconds).
pub(crate) fn record_call(
    conn: &Connection,
    api_key: &str,
    endpoint: &str,
    address: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_calls (api_key, endpoint, calls, last_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (api_key, endpoint) DO UPDATE SET calls = calls + 1, last_at = ?3",
        rusqlite::params![api_key, endpoint, now],
    )?;
    conn.execute(
        "INSERT INTO key_addresses (api_key, address, calls, last_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (api_key, address) DO UPDATE SET calls = calls + 1, last_at = ?3",
        rusqlite::params![api_key, address, now],
    )?;
    Ok(())
}

/// Counts a withdrawal call by `api_key` naming the address-book entry `entry` at `now`.
pub(crate) fn record_destination(
    conn: &Connection,
    api_key: &str,
    entry: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_destinations (api_key, entry, calls, last_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (api_key, entry) DO UPDATE SET calls = calls + 1, last_at = ?3",
        rusqlite::params![api_key, entry, now],
    )?;
    Ok(())
}

/// Counts a refusal of a call by `api_key` for `cause` at `now`.
pub(crate) fn record_refusal(
    conn: &Connection,
    api_key: &str,
    cause: RefusalCause,
    now: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_refusals (api_key, cause, refusals, last_at) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (api_key, cause) DO UPDATE SET refusals = refusals + 1, last_at = ?3",
        rusqlite::params![api_key, cause.as_str(), now],
    )?;
    Ok(())
}

/// The usage record of `api_key`, for `service_user`, whose key holds `granted`.
pub(crate) fn usage(
    conn: &Connection,
    api_key: &str,
    service_user: &str,
    granted: &std::collections::BTreeSet<countersign_org::Scope>,
) -> Result<KeyUsage, StoreError> {
    let count = |v: i64| u64::try_from(v).unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT endpoint, calls, last_at FROM key_calls WHERE api_key = ?1 ORDER BY endpoint",
    )?;
    let endpoints = stmt
        .query_map([api_key], |r| {
            Ok(EndpointUse {
                endpoint: r.get(0)?,
                calls: count(r.get(1)?),
                last_at: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT cause, refusals, last_at FROM key_refusals WHERE api_key = ?1 ORDER BY cause",
    )?;
    let refusals = stmt
        .query_map([api_key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|(cause, n, at)| {
            RefusalCause::parse(&cause).map(|cause| RefusalCount {
                cause,
                refusals: count(n),
                last_at: at,
            })
        })
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT address, calls, last_at FROM key_addresses WHERE api_key = ?1 ORDER BY address",
    )?;
    let addresses = stmt
        .query_map([api_key], |r| {
            Ok(AddressUse {
                address: r.get(0)?,
                calls: count(r.get(1)?),
                last_at: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT entry, calls, last_at FROM key_destinations WHERE api_key = ?1 ORDER BY entry",
    )?;
    let destinations = stmt
        .query_map([api_key], |r| {
            Ok(DestinationUse {
                key: r.get(0)?,
                calls: count(r.get(1)?),
                last_at: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(KeyUsage {
        service_user: service_user.to_owned(),
        scopes: KeyUsage::scope_use(granted, &endpoints),
        endpoints,
        refusals,
        addresses,
        destinations,
    })
}

/// The key of service user `id`, if it has one.
pub(crate) fn service_user_key(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT api_key FROM api_keys WHERE owner_kind = 'service_user' AND owner_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}
