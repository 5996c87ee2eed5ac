//! The SQLite store: schema, and the reads and writes the handlers need. The database is the
//! source of truth; every mutation runs in one transaction.
//!
//! One module per kind of row: [`org`] (the Organization: members, service users, policies,
//! addresses; loading it for the rules engine and persisting what a request changed), [`keys`]
//! (API keys), [`holds`] (what open orders hold), [`members`] (members' authenticators and devices, display names, demo
//! credentials), [`requests`] (requests, decisions, held reveals), [`ledger`] (balances and
//! ledger lines), [`journal`] (the hash-chained audit journal) and [`schema`]. The rest of the
//! crate reads them through the re-exports here (`db::member`, `db::journal`, …). [`StoreError`]
//! is every store failure.

mod holds;
mod journal;
mod keys;
mod ledger;
mod members;
mod org;
mod requests;
mod schema;
mod usage;

pub(crate) use holds::*;
pub(crate) use journal::*;
pub(crate) use keys::*;
pub(crate) use ledger::*;
pub(crate) use members::*;
pub(crate) use org::*;
pub(crate) use requests::*;
pub(crate) use usage::*;

use schema::MIGRATIONS;

use std::path::{Path, PathBuf};

use countersign_org::{Actor, MemberId, ServiceUserId};
use rusqlite::Connection;

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
    /// A request's status was to move from pending, but it had already moved (another process
    /// decided it first): nothing is written, and the transaction rolls back.
    #[error("request {0} is no longer pending")]
    NoLongerPending(String),
}

/// Opens the database in WAL mode and creates the schema if absent.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // NORMAL, kept on purpose (docs/decisions.md, "synchronous"): a power loss may roll back
    // the last commits, but WAL keeps them in order, so a spent nonce or code is never lost
    // while the effect it allowed survives. FULL would cost two thirds of the throughput.
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
        if i + 1 == schema::JOURNAL_RECHAINED {
            journal::rechain_journal(&tx)?;
        }
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
