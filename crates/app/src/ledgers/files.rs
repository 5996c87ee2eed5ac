//! The files the Ledgers area reads and writes: an import's exports (all read before anything
//! is stored) and the exports it writes to the path the person chose — beside the final name
//! first and renamed into place, never into the workspace's own folder.

use std::path::{Path, PathBuf};

use countersign_ledger::{FileStatus, ReadOptions, SourceFile, StoreError, Workspace};

use super::store_error;
use super::views::{
    FileImportStatus, FileImportView, ImportCheck, ImportFailure, ImportProgress, ImportSummary,
};
use crate::error::{CommandError, ErrorCode};

/// Reads the files at `paths` (nothing is stored if one cannot be read).
pub(super) fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, ImportFailure> {
    paths
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            std::fs::read(path)
                .map(|bytes| (name.clone(), bytes))
                .map_err(|e| ImportFailure {
                    message: format!("{name}: cannot be read: {e}"),
                    file: name,
                    line: None,
                    column: None,
                    edited: false,
                })
        })
        .collect()
}

pub(super) fn import_blocking(
    ws: &mut Workspace,
    paths: &[PathBuf],
    accept_edited: bool,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportSummary, CommandError> {
    let failed = |failure: ImportFailure, ws: &Workspace| -> Result<ImportSummary, CommandError> {
        Ok(ImportSummary {
            files: Vec::new(),
            added: 0,
            total_rows: ws.ledger_rows().map_err(store_error)?,
            failure: Some(failure),
            check: None,
        })
    };
    let contents = match read_files(paths) {
        Ok(contents) => contents,
        Err(failure) => return failed(failure, ws),
    };
    let sources: Vec<SourceFile<'_>> = contents
        .iter()
        .map(|(name, bytes)| SourceFile { name, bytes })
        .collect();
    let outcome = ws.import_with(&sources, ReadOptions { accept_edited }, &mut |stage| {
        progress(stage.into());
    });
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(StoreError::Import(e)) => {
            let edited = e.problem.is_edited();
            let mut message = e.to_string();
            if edited {
                message.push_str(
                    ". If you re-saved it on purpose, import it again with “Accept edited files” \
                     on: it is read as it is, and each of these findings is listed as a warning.",
                );
            }
            let failure = ImportFailure {
                message,
                file: e.file,
                line: e.line,
                column: e.column,
                edited,
            };
            return failed(failure, ws);
        }
        Err(e) => return Err(store_error(e)),
    };
    let files = outcome
        .files
        .iter()
        .map(|f| {
            let (status, already_as) = match &f.status {
                FileStatus::Imported => (FileImportStatus::Imported, None),
                FileStatus::AlreadyImported { as_file, .. } => {
                    (FileImportStatus::AlreadyImported, Some(as_file.clone()))
                }
            };
            FileImportView {
                file: f.file.clone(),
                status,
                kind: f.kind.map(|k| k.report_name().to_owned()),
                already_as,
                rows: f.rows,
                added: f.added,
                present: f.present,
                duplicates: f.duplicates,
                conflicts: f.conflicts,
                warnings: f.warnings.iter().map(ToString::to_string).collect(),
                message: f.to_string(),
            }
        })
        .collect();
    Ok(ImportSummary {
        files,
        added: outcome.added(),
        total_rows: ws.ledger_rows().map_err(store_error)?,
        failure: None,
        check: outcome.report.as_ref().map(|r| ImportCheck {
            holds: r.holds(),
            breaks: r.breaks.len(),
            duplicates: r.duplicates.len(),
            conflicts: r.conflicts.len(),
        }),
    })
}

/// An export's destination: an absolute path (as the save dialog gives) that is not the
/// workspace's database or one of its side files (`-wal`, `-shm`, `-journal`). When the
/// workspace's folder is private to it (the app's, the CLI's default), nothing in that folder is
/// written. The folder is resolved first (`..`, symlinks), so no other spelling of a path gets
/// through; the file returned is in the resolved folder.
pub(super) fn export_target(
    path: &Path,
    workspace: &Path,
    private_folder: bool,
) -> Result<PathBuf, CommandError> {
    let (Some(name), Some(parent)) = (path.file_name(), path.parent()) else {
        return Err(not_a_file(path));
    };
    if !path.is_absolute() {
        return Err(not_a_file(path));
    }
    let folder = std::fs::canonicalize(parent).map_err(|e| {
        CommandError::new(
            ErrorCode::InvalidInput,
            format!("{} cannot be written: {e}", path.display()),
        )
    })?;
    let own = workspace
        .parent()
        .and_then(|p| std::fs::canonicalize(p).ok());
    if private_folder && own.as_ref().is_some_and(|own| folder.starts_with(own)) {
        return Err(CommandError::new(
            ErrorCode::InvalidInput,
            "That is in the review workspace's own folder (its database is there): choose a \
             file elsewhere to export to.",
        ));
    }
    // Compared without case: some file systems do not tell `DB.sqlite` from `db.sqlite`.
    let written = name.to_string_lossy().to_lowercase();
    let database = workspace
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let side_file = ["", "-wal", "-shm", "-journal"]
        .iter()
        .any(|suffix| written == format!("{database}{suffix}"));
    if own.is_some_and(|own| folder == own) && side_file {
        return Err(CommandError::new(
            ErrorCode::InvalidInput,
            "That is the review workspace's own database: choose another file to export to.",
        ));
    }
    Ok(folder.join(name))
}

pub(super) fn not_a_file(path: &Path) -> CommandError {
    CommandError::new(
        ErrorCode::InvalidInput,
        format!(
            "{} is not a file path to export to: choose a file in the save dialog",
            path.display()
        ),
    )
}

/// Writes a file through `write`, beside `path` first and then renamed over it, so a failure
/// leaves no half-written file (and an existing file untouched).
pub(super) fn write_file<T>(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<T, StoreError>,
) -> Result<T, CommandError> {
    let cannot = |e: &dyn std::fmt::Display| {
        CommandError::new(
            ErrorCode::InvalidInput,
            format!("{} cannot be written: {e}", path.display()),
        )
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let result = (|| {
        let file = std::fs::File::create(&partial).map_err(|e| cannot(&e))?;
        let mut out = std::io::BufWriter::new(file);
        let value = write(&mut out).map_err(|e| match e {
            StoreError::Write(e) => cannot(&e),
            other => store_error(other),
        })?;
        let file = out.into_inner().map_err(|e| cannot(&e.into_error()))?;
        file.sync_all().map_err(|e| cannot(&e))?;
        std::fs::rename(&partial, path).map_err(|e| cannot(&e))?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", n, if n == 1 { one } else { many })
}
