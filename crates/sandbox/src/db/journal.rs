//! The audit journal: records appended hash-chained to the last one, read back as JSON Lines.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;

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

/// The last journal record's number (0: empty).
pub(crate) fn journal_seq(conn: &Connection) -> Result<u64, StoreError> {
    let seq: Option<i64> = conn
        .prepare_cached("SELECT MAX(seq) FROM journal")?
        .query_row([], |r| r.get(0))?;
    Ok(seq.and_then(|s| u64::try_from(s).ok()).unwrap_or(0))
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
