//! One import ([`Workspace::import_with`], see the `store` module docs): the files are read, the
//! write lock taken, the files checked with the rows stored, and the new rows, the records and the
//! monthly sums written in one transaction, all or nothing.

use std::collections::HashMap;
use std::sync::Arc;

use countersign_kraken::Timestamp;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use super::records::{findings, imported_before, insert_findings, insert_import, insert_trades};
use super::table::LedgerTable;
use super::writer::{Inserted, RowWriter, add_monthly};
use super::{
    FileOutcome, FileStatus, ImportOutcome, ImportStage, SourceFile, StoreError, Workspace, to_i64,
};
use crate::check::{self, IntegrityReport, RowIndex, RowRef};
use crate::export::ExportKind;
use crate::import::{Export, LedgersFile, ReadOptions, TradesFile, read_export};

impl Workspace {
    /// Imports files with default [`ReadOptions`] and no progress display.
    pub fn import(&mut self, files: &[SourceFile<'_>]) -> Result<ImportOutcome, StoreError> {
        self.import_with(files, ReadOptions::default(), &mut |_| {})
    }

    /// Imports files (see the `store` module docs): all or nothing, idempotent.
    pub fn import_with(
        &mut self,
        files: &[SourceFile<'_>],
        options: ReadOptions,
        progress: &mut dyn FnMut(ImportStage),
    ) -> Result<ImportOutcome, StoreError> {
        let now = now();
        // Which files are new bytes.
        let mut outcomes = Vec::with_capacity(files.len());
        let mut fresh: Vec<(usize, &SourceFile<'_>)> = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        for (i, source) in files.iter().enumerate() {
            let sha256 = hex(&Sha256::digest(source.bytes));
            let status = match (imported_before(&self.conn, &sha256)?, seen.get(&sha256)) {
                (Some(status), _) => status,
                (None, Some(as_file)) => FileStatus::AlreadyImported {
                    as_file: as_file.clone(),
                    on: now,
                },
                (None, None) => {
                    seen.insert(sha256.clone(), source.name.to_owned());
                    fresh.push((i, source));
                    FileStatus::Imported
                }
            };
            outcomes.push(FileOutcome {
                file: source.name.to_owned(),
                sha256,
                kind: None,
                status,
                rows: 0,
                added: 0,
                present: 0,
                duplicates: 0,
                conflicts: 0,
                warnings: Vec::new(),
            });
        }
        if fresh.is_empty() {
            return Ok(ImportOutcome {
                files: outcomes,
                report: None,
            });
        }

        let empty = self.ledger_rows()? == 0;
        // Into an empty store, a rollback journal holds next to nothing (new pages are not
        // journaled), where the WAL would take every page once more before the checkpoint
        // copies it: same atomicity, half the writing. Back to WAL after the commit.
        let bulk = empty
            && self
                .conn
                .pragma_update_and_check(None, "journal_mode", "TRUNCATE", |r| {
                    r.get::<_, String>(0)
                })
                .is_ok_and(|mode| mode.eq_ignore_ascii_case("truncate"));
        let mut import = Import {
            fresh: &fresh,
            outcomes: &mut outcomes,
            options,
            now,
            progress,
        };
        // The decoded rows, if current, spare decoding them again for the check; the rows to
        // review are the stored ones after the import, decoded again when next asked for.
        let cached = self.table.take();
        let report = import.run(&mut self.conn, empty, cached);
        if bulk {
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        }
        let report = report?;
        Ok(ImportOutcome {
            files: outcomes,
            report,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The current time, whole seconds (the import record's date).
fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Timestamp::from_unix_seconds(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Rows per progress report while storing.
const PROGRESS_ROWS: usize = 1 << 16;

/// One import of new files (see [`Workspace::import_with`]).
struct Import<'a, 's> {
    /// The files to read, with their place in `outcomes`.
    fresh: &'a [(usize, &'a SourceFile<'s>)],
    outcomes: &'a mut [FileOutcome],
    options: ReadOptions,
    now: Timestamp,
    progress: &'a mut dyn FnMut(ImportStage),
}

impl Import<'_, '_> {
    /// Reads every new file, checks them with what is stored (stored first), then writes the
    /// rows the check counts as new, in one transaction. `empty`: nothing was stored when the
    /// import began.
    /// `cached`: the workspace's decoded rows and the `data_version` they were read at, used
    /// for the check if still current.
    fn run(
        &mut self,
        conn: &mut Connection,
        empty: bool,
        cached: Option<(i64, Arc<LedgerTable>)>,
    ) -> Result<Option<IntegrityReport>, StoreError> {
        let mut ledgers: Vec<(usize, LedgersFile)> = Vec::new();
        let mut trades: Vec<(usize, TradesFile)> = Vec::new();
        for (n, &(i, source)) in self.fresh.iter().enumerate() {
            (self.progress)(ImportStage::Reading {
                index: n,
                files: self.fresh.len(),
                name: source.name.to_owned(),
            });
            let export = read_export(source.name, source.bytes, self.options)?;
            let outcome = &mut self.outcomes[i];
            outcome.kind = Some(export.kind());
            outcome.warnings = export.warnings().to_vec();
            match export {
                Export::Ledgers(file) => {
                    outcome.rows = file.rows.len();
                    ledgers.push((i, file));
                }
                Export::Trades(file) => {
                    outcome.rows = file.rows.len();
                    trades.push((i, file));
                }
            }
        }
        // The write lock from here, so the rows checked against are the rows stored when the
        // new ones are written (another connection may import into the same workspace).
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored_rows: i64 = tx.query_row(
            "SELECT COALESCE(SUM(rows), 0) FROM ledger_blocks",
            [],
            |r| r.get(0),
        )?;
        let empty = empty && stored_rows == 0;
        // A file another connection imported since it was looked up is not imported again.
        for i in ledgers
            .iter()
            .map(|&(i, _)| i)
            .chain(trades.iter().map(|&(i, _)| i))
            .collect::<Vec<_>>()
        {
            if let Some(status) = imported_before(&tx, &self.outcomes[i].sha256)? {
                let outcome = &mut self.outcomes[i];
                outcome.status = status;
                outcome.kind = None;
                outcome.rows = 0;
                outcome.warnings.clear();
            }
        }
        let imported =
            |i: usize, outcomes: &[FileOutcome]| outcomes[i].status == FileStatus::Imported;
        ledgers.retain(|&(i, _)| imported(i, self.outcomes));
        trades.retain(|&(i, _)| imported(i, self.outcomes));
        // What earlier imports found, for the report of the whole workspace.
        let earlier_findings = findings(&tx)?;
        let mut all = if ledgers.is_empty() || empty {
            Vec::new()
        } else {
            let version: i64 = tx.pragma_query_value(None, "data_version", |r| r.get(0))?;
            match cached {
                Some((at, table)) if at == version => table.stored_files()?,
                _ => LedgerTable::load(&tx)?.stored_files()?,
            }
        };
        let stored = all.len();
        let new_files: Vec<usize> = ledgers.iter().map(|&(i, _)| i).collect();
        all.extend(ledgers.into_iter().map(|(_, f)| f));
        let mut checked = None;
        if !new_files.is_empty() {
            (self.progress)(ImportStage::Checking {
                rows: all.iter().map(|f| f.rows.len()).sum(),
            });
            let mut import_ids: HashMap<usize, i64> = HashMap::new();
            for (k, &i) in new_files.iter().enumerate() {
                let file = &all[stored + k];
                let id =
                    insert_import(&tx, &self.outcomes[i], ExportKind::Ledgers, self.now, file)?;
                import_ids.insert(stored + k, id);
            }
            let every_row = || {
                all.iter().enumerate().skip(stored).flat_map(|(f, file)| {
                    (0..file.rows.len()).map(move |r| RowIndex {
                        file: f as u32,
                        row: r as u32,
                    })
                })
            };
            // With nothing stored, every row is new unless the check finds it twice: the rows
            // are written while it runs, and written again (from a savepoint) if it did.
            let (report, speculative) = if empty {
                tx.execute_batch("SAVEPOINT speculative")?;
                let total = all[stored..].iter().map(|f| f.rows.len()).sum();
                let (report, written) = std::thread::scope(|scope| {
                    let checker = scope.spawn(|| check::check(&all));
                    let written = self.write_rows(&tx, &all, every_row(), total, &import_ids);
                    let report = checker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (report, written)
                });
                (report, Some(written?))
            } else {
                (check::check(&all), None)
            };
            let new_rows = count_outcomes(&all, stored, &new_files, &report, self.outcomes);
            let inserted = match speculative {
                Some(inserted) if inserted.rows == new_rows.len() => {
                    tx.execute_batch("RELEASE speculative")?;
                    inserted
                }
                other => {
                    if other.is_some() {
                        tx.execute_batch("ROLLBACK TO speculative; RELEASE speculative")?;
                    }
                    let total = new_rows.len();
                    self.write_rows(&tx, &all, new_rows.into_iter(), total, &import_ids)?
                }
            };
            add_monthly(&tx, inserted.monthly)?;
            record_counts(
                &tx,
                &all,
                stored,
                &new_files,
                &report,
                &import_ids,
                self.outcomes,
            )?;
            checked = Some(report);
        }
        self.store_trades(&tx, &trades)?;
        tx.commit()?;
        Ok(checked.map(|mut report| {
            report.duplicates.splice(0..0, earlier_findings.0);
            report.conflicts.splice(0..0, earlier_findings.1);
            report
        }))
    }

    /// Writes the rows `rows` names (`total` of them), with progress; each file's in file order.
    fn write_rows(
        &mut self,
        conn: &Connection,
        all: &[LedgersFile],
        rows: impl Iterator<Item = RowIndex>,
        total: usize,
        import_ids: &HashMap<usize, i64>,
    ) -> Result<Inserted, StoreError> {
        let mut writer = RowWriter::new(conn)?;
        for (n, at) in rows.enumerate() {
            if n % PROGRESS_ROWS == 0 {
                (self.progress)(ImportStage::Storing { done: n, total });
            }
            let file = &all[at.file as usize];
            let import_id = import_ids.get(&(at.file as usize)).copied().unwrap_or(0);
            writer.write(
                file,
                std::iter::once(&file.rows[at.row as usize]),
                import_id,
            )?;
        }
        let inserted = writer.finish()?;
        (self.progress)(ImportStage::Storing {
            done: inserted.rows,
            total,
        });
        Ok(inserted)
    }

    /// Stores the trades files read, each with its import record and counts.
    fn store_trades(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        trades: &[(usize, TradesFile)],
    ) -> Result<(), StoreError> {
        for (i, file) in trades {
            let (added, present, duplicates) =
                insert_trades(tx, file, &self.outcomes[*i], self.now)?;
            let outcome = &mut self.outcomes[*i];
            outcome.added = added;
            outcome.present = present;
            outcome.duplicates = duplicates;
        }
        Ok(())
    }
}

/// The counts of each new file from the check of `all` (the first `stored` files stored before):
/// rows already present, duplicates, conflicts, added. Returns the rows of the new files the
/// check counts, in file order: what is new.
fn count_outcomes(
    all: &[LedgersFile],
    stored: usize,
    new_files: &[usize],
    checked: &IntegrityReport,
    outcomes: &mut [FileOutcome],
) -> Vec<RowIndex> {
    // Counts per new file, attributed by the file's shared name.
    let file_of = |r: &RowRef| {
        all[stored..]
            .iter()
            .position(|f| Arc::ptr_eq(&f.file, &r.file))
    };
    for repeat in &checked.repeats {
        if let Some(k) = file_of(&repeat.row) {
            outcomes[new_files[k]].present += 1;
        }
    }
    for duplicate in &checked.duplicates {
        if let Some(k) = file_of(&duplicate.row) {
            outcomes[new_files[k]].duplicates += 1;
        }
    }
    for conflict in &checked.conflicts {
        if let Some(k) = file_of(&conflict.row) {
            outcomes[new_files[k]].conflicts += 1;
        }
    }
    let first_new = u32::try_from(stored).unwrap_or(u32::MAX);
    let new_rows: Vec<RowIndex> = checked
        .distinct
        .iter()
        .copied()
        .filter(|at| at.file >= first_new)
        .collect();
    for at in &new_rows {
        outcomes[new_files[(at.file - first_new) as usize]].added += 1;
    }
    new_rows
}

/// Sets each new file's import record to its counts, and stores the duplicates and conflicts
/// found in the new files.
fn record_counts(
    tx: &rusqlite::Transaction<'_>,
    all: &[LedgersFile],
    stored: usize,
    new_files: &[usize],
    checked: &IntegrityReport,
    import_ids: &HashMap<usize, i64>,
    outcomes: &[FileOutcome],
) -> Result<(), StoreError> {
    let mut counts = tx.prepare(
        "UPDATE imports SET rows = ?1, added = ?2, present = ?3, duplicates = ?4, conflicts = ?5
         WHERE id = ?6",
    )?;
    for (k, &i) in new_files.iter().enumerate() {
        let o = &outcomes[i];
        counts.execute(params![
            to_i64(o.rows),
            to_i64(o.added),
            to_i64(o.present),
            to_i64(o.duplicates),
            to_i64(o.conflicts),
            import_ids.get(&(stored + k)).copied().unwrap_or(0),
        ])?;
    }
    drop(counts);
    insert_findings(tx, checked, &all[stored..], import_ids)
}
