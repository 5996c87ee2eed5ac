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

/// Every journal record, oldest first.
pub(crate) fn journal_records(
    conn: &Connection,
) -> Result<Vec<countersign_vault::JournalRecord>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT record FROM journal ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|row| serde_json::from_str(&row?).map_err(|_| StoreError::Corrupt("journal record")))
        .collect()
}

/// Re-chains the whole journal under the current hash ([`countersign_vault::JournalRecord`]):
/// each record keeps its number, time and event, and gets its `prev` and `hash` anew. Run once,
/// by the migration that changed what a hash commits to (a request's content hash rather than
/// its payload, so that a member's export can withhold the payload and still verify).
pub(crate) fn rechain_journal(conn: &Connection) -> Result<(), StoreError> {
    let mut chain = countersign_vault::Chain::default();
    for old in journal_records(conn)? {
        let record = chain.append(old.at, old.event);
        if record.seq != old.seq {
            return Err(StoreError::Corrupt("journal sequence"));
        }
        conn.prepare_cached("UPDATE journal SET record = ?2 WHERE seq = ?1")?
            .execute(params![
                i64::try_from(record.seq).unwrap_or(i64::MAX),
                record.to_line()
            ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use countersign_org::RequestPayload;
    use countersign_vault::{JournalEvent, JournalRecord, journal::GENESIS};
    use rusqlite::params;
    use sha2::{Digest as _, Sha256};

    /// A record's hash as it was before migration 14: over the whole event, payload included.
    fn hashed_before_14(prev: &str, seq: u64, at: i64, event: &JournalEvent) -> String {
        let body = serde_json::json!({ "seq": seq, "at": at, "event": event }).to_string();
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(body.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn migration_14_rechains_a_journal_written_under_the_old_hash() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sandbox.sqlite3");
        drop(super::super::open(&path).expect("fresh"));
        let payload = RequestPayload::RemoveAddress { key: "old".into() };
        let events = [
            JournalEvent::RequestSubmitted {
                request_id: "R1".into(),
                initiator: "member:m-eve".into(),
                content_hash: countersign_org::content_hash(&payload),
                payload: serde_json::to_value(&payload).expect("json"),
                status: "completed".into(),
            },
            JournalEvent::Applied {
                request_id: "R1".into(),
                change: "remove address-book entry old".into(),
                change_digest: None,
            },
        ];
        {
            let conn = rusqlite::Connection::open(&path).expect("open");
            let mut prev = GENESIS.to_owned();
            for (i, event) in events.into_iter().enumerate() {
                let seq = u64::try_from(i + 1).expect("seq");
                let hash = hashed_before_14(&prev, seq, 100, &event);
                let record = JournalRecord {
                    seq,
                    at: 100,
                    event,
                    prev: prev.clone(),
                    hash: hash.clone(),
                };
                conn.execute(
                    "INSERT INTO journal (seq, at, record) VALUES (?1, 100, ?2)",
                    params![i64::try_from(seq).expect("seq"), record.to_line()],
                )
                .expect("insert");
                prev = hash;
            }
            conn.pragma_update(None, "user_version", 13)
                .expect("version");
        }
        let lines = |conn: &rusqlite::Connection| -> String {
            super::journal_records(conn)
                .expect("records")
                .iter()
                .map(|r| r.to_line() + "\n")
                .collect()
        };
        let before = lines(&rusqlite::Connection::open(&path).expect("open"));
        assert!(
            countersign_vault::journal::verify(&before).is_err(),
            "the old hash does not verify under the new one"
        );
        let conn = super::super::open(&path).expect("migrated");
        let after = countersign_vault::journal::verify(&lines(&conn)).expect("rechained");
        assert_eq!(after.records, 2);
    }
}
