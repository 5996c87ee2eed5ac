//! What an import leaves besides the ledger rows: its record in `imports` (name, SHA-256 of the
//! bytes, counts), the duplicates and conflicts it found (`findings`), and the trades rows
//! (`trades`, a trade known by its `txid`); and reading them back.

use std::collections::HashMap;
use std::sync::Arc;

use countersign_kraken::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::{FileOutcome, FileStatus, ImportRecord, StoreError, Workspace, to_i64, to_usize};
use crate::check::{Conflict, Duplicate, IntegrityReport, RowRef};
use crate::export::ExportKind;
use crate::import::{LedgersFile, TradesFile};
use crate::ledger::LedgerColumn;

impl Workspace {
    /// Every import, oldest first.
    pub fn imports(&self) -> Result<Vec<ImportRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, file, sha256, kind, imported_at, rows, added, present, duplicates,
                    conflicts
             FROM imports ORDER BY id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(3)?;
            out.push(ImportRecord {
                id: r.get(0)?,
                file: r.get(1)?,
                sha256: r.get(2)?,
                kind: ExportKind::from_report_name(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("import kind {kind:?}")))?,
                imported_at: Timestamp::from_unix_seconds(r.get(4)?)
                    .map_err(|_| StoreError::Corrupt("import time".to_owned()))?,
                rows: to_usize(r.get(5)?),
                added: to_usize(r.get(6)?),
                present: to_usize(r.get(7)?),
                duplicates: to_usize(r.get(8)?),
                conflicts: to_usize(r.get(9)?),
            });
        }
        Ok(out)
    }
}

/// The duplicates and conflicts every import found, in import order.
pub(super) fn findings(conn: &Connection) -> Result<(Vec<Duplicate>, Vec<Conflict>), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kind, file, line, txid, first_file, first_line, first_txid, identical, columns
         FROM findings ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let (mut duplicates, mut conflicts) = (Vec::new(), Vec::new());
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        let row = RowRef {
            file: Arc::from(r.get::<_, String>(1)?.as_str()),
            line: r.get(2)?,
            txid: r.get(3)?,
        };
        let first = RowRef {
            file: Arc::from(r.get::<_, String>(4)?.as_str()),
            line: r.get(5)?,
            txid: r.get(6)?,
        };
        if kind == "duplicate" {
            duplicates.push(Duplicate {
                row,
                first,
                identical: r.get(7)?,
            });
        } else {
            let columns: String = r.get(8)?;
            conflicts.push(Conflict {
                row,
                first,
                columns: columns
                    .split(',')
                    .filter_map(LedgerColumn::from_header)
                    .map(LedgerColumn::header)
                    .collect(),
            });
        }
    }
    Ok((duplicates, conflicts))
}

/// How the file with this SHA-256 was imported before, if it was.
pub(super) fn imported_before(
    conn: &Connection,
    sha256: &str,
) -> Result<Option<FileStatus>, StoreError> {
    let earlier: Option<(String, i64)> = conn
        .query_row(
            "SELECT file, imported_at FROM imports WHERE sha256 = ?1 ORDER BY id LIMIT 1",
            [sha256],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(earlier.map(|(as_file, at)| FileStatus::AlreadyImported {
        as_file,
        on: Timestamp::from_unix_seconds(at).unwrap_or(Timestamp::UNIX_EPOCH),
    }))
}

pub(super) fn insert_import(
    tx: &rusqlite::Transaction<'_>,
    outcome: &FileOutcome,
    kind: ExportKind,
    now: Timestamp,
    file: &LedgersFile,
) -> Result<i64, StoreError> {
    insert_import_record(
        tx,
        outcome,
        kind,
        now,
        file.columns.bits(),
        &file.extra_columns,
    )
}

fn insert_import_record(
    tx: &rusqlite::Transaction<'_>,
    outcome: &FileOutcome,
    kind: ExportKind,
    now: Timestamp,
    columns: u16,
    extra_columns: &[String],
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO imports (file, sha256, kind, imported_at, columns, extra_columns, rows, added,
             present, duplicates, conflicts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            outcome.file,
            outcome.sha256,
            kind.report_name(),
            now.unix_seconds(),
            i64::from(columns),
            serde_json::to_string(extra_columns).unwrap_or_else(|_| "[]".to_owned()),
            to_i64(outcome.rows),
            to_i64(outcome.added),
            to_i64(outcome.present),
            to_i64(outcome.duplicates),
            to_i64(outcome.conflicts),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Stores the duplicates and conflicts found in the new files, with the import that found them.
pub(super) fn insert_findings(
    tx: &rusqlite::Transaction<'_>,
    report: &IntegrityReport,
    new: &[LedgersFile],
    import_ids: &HashMap<usize, i64>,
) -> Result<(), StoreError> {
    let stored = import_ids.keys().min().copied().unwrap_or(0);
    let import_of = |r: &RowRef| {
        new.iter()
            .position(|f| Arc::ptr_eq(&f.file, &r.file))
            .and_then(|k| import_ids.get(&(stored + k)).copied())
    };
    let mut stmt = tx.prepare(
        "INSERT INTO findings (import_id, kind, file, line, txid, first_file, first_line,
             first_txid, identical, columns)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let findings = report
        .duplicates
        .iter()
        .map(|d| ("duplicate", &d.row, &d.first, d.identical, String::new()))
        .chain(
            report
                .conflicts
                .iter()
                .map(|c| ("conflict", &c.row, &c.first, false, c.columns.join(","))),
        );
    for (kind, row, first, identical, columns) in findings {
        let Some(import_id) = import_of(row) else {
            continue;
        };
        stmt.execute(params![
            import_id,
            kind,
            &*row.file,
            row.line,
            row.txid,
            &*first.file,
            first.line,
            first.txid,
            identical,
            columns,
        ])?;
    }
    Ok(())
}

/// Text of an optional decimal, as printed (trades rows).
fn text(d: Option<Decimal>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// Stores a trades file's new rows; returns (added, already present, duplicates in the file).
pub(super) fn insert_trades(
    tx: &rusqlite::Transaction<'_>,
    file: &TradesFile,
    outcome: &FileOutcome,
    now: Timestamp,
) -> Result<(usize, usize, usize), StoreError> {
    let import_id =
        insert_import_record(tx, outcome, ExportKind::Trades, now, 0, &file.extra_columns)?;
    let mut exists = tx.prepare("SELECT import_id FROM trades WHERE txid = ?1")?;
    let mut stmt = tx.prepare(
        "INSERT INTO trades (import_id, line, txid, ordertxid, pair, aclass, subclass, time, type,
             ordertype, price, cost, fee, vol, margin, misc, ledgers, postxid, posstatus, cprice,
             ccost, cfee, cvol, cmargin, net, cost_usd, trades, extra)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
    )?;
    let (mut added, mut present, mut duplicates) = (0, 0, 0);
    for imported in &file.rows {
        let row = &imported.row;
        let earlier: Option<i64> = exists.query_row([&row.txid], |r| r.get(0)).optional()?;
        match earlier {
            Some(id) if id == import_id => {
                duplicates += 1;
                continue;
            }
            Some(_) => {
                present += 1;
                continue;
            }
            None => {}
        }
        let extra = if file.extra_columns.is_empty() {
            None
        } else {
            let object: serde_json::Map<String, serde_json::Value> = file
                .extra_columns
                .iter()
                .zip(&imported.extra)
                .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                .collect();
            Some(serde_json::Value::Object(object).to_string())
        };
        stmt.execute(params![
            import_id,
            imported.line,
            row.txid,
            row.ordertxid,
            row.pair,
            row.aclass,
            row.subclass,
            row.time.ticks(),
            row.r#type,
            row.ordertype,
            row.price.to_string(),
            row.cost.to_string(),
            row.fee.to_string(),
            row.vol.to_string(),
            row.margin.to_string(),
            row.misc,
            row.ledgers.join(","),
            row.postxid,
            row.posstatus,
            text(row.cprice),
            text(row.ccost),
            text(row.cfee),
            text(row.cvol),
            text(row.cmargin),
            text(row.net),
            text(row.cost_usd),
            row.trades.join(","),
            extra,
        ])?;
        added += 1;
    }
    tx.execute(
        "UPDATE imports SET added = ?1, present = ?2, duplicates = ?3 WHERE id = ?4",
        params![
            to_i64(added),
            to_i64(present),
            to_i64(duplicates),
            import_id
        ],
    )?;
    Ok((added, present, duplicates))
}
