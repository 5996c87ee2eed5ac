//! Where test exports are, shared by the ledger, app and CLI tests (std only, so any crate's
//! tests can include it with `#[path]`):
//!
//! - the project's own fixtures, `crates/ledger/tests/fixtures/exports/` (invented data, in the
//!   repository; every test that needs an export reads these);
//! - the owners' real exports in `shared/reference/kraken-exports/` beside the checkout (never in
//!   the repository: not ours to redistribute), which only the `reference_*` test targets read,
//!   in addition, and which they skip when the folder is absent.

#![allow(dead_code, unused_macros)]

use std::path::{Path, PathBuf};

/// The variable naming the owners' exports folder; set empty, the tests against them are skipped.
pub const REFERENCE_ENV: &str = "COUNTERSIGN_REFERENCE_DIR";

/// Where the owners' exports are looked for, relative to the checkout or any folder above it.
pub const REFERENCE_RELATIVE: &str = "shared/reference/kraken-exports";

/// The fixtures folder. Every crate including this file sits in `crates/`, beside `ledger`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ledger/tests/fixtures/exports")
}

/// The path of a fixture, which must exist.
pub fn fixture_path(name: &str) -> PathBuf {
    let path = fixtures_dir().join(name);
    assert!(path.is_file(), "fixture {} is missing", path.display());
    path
}

/// The owners' exports folder: `$COUNTERSIGN_REFERENCE_DIR` when set, else the nearest
/// `shared/reference/kraken-exports` in the crate's folder or any folder above it (a checkout, a
/// worktree or a CI clone sit at different depths). `Err` says why there is none.
pub fn find_reference_dir() -> Result<PathBuf, String> {
    match std::env::var_os(REFERENCE_ENV) {
        Some(dir) if dir.is_empty() => Err(format!("{REFERENCE_ENV} is set empty")),
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_dir() {
                Ok(dir)
            } else {
                Err(format!("{REFERENCE_ENV}={} is not a folder", dir.display()))
            }
        }
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|a| a.join(REFERENCE_RELATIVE))
            .find(|p| p.is_dir())
            .ok_or_else(|| {
                format!(
                    "no {REFERENCE_RELATIVE} beside this checkout and {REFERENCE_ENV} is not set"
                )
            }),
    }
}

/// The owners' exports folder for the test `test`, or `None` after one line on stderr saying
/// that the test was skipped and why.
pub fn reference_dir_or_skip(test: &str) -> Option<PathBuf> {
    match find_reference_dir() {
        Ok(dir) => Some(dir),
        Err(why) => {
            eprintln!("skipped {test}: the owners' exports are not here ({why})");
            None
        }
    }
}

/// The full path of the enclosing function (test), without the closure an async test adds.
macro_rules! test_name {
    () => {{
        fn here() {}
        let name = std::any::type_name_of_val(&here);
        let name = name.strip_suffix("::here").unwrap_or(name);
        name.strip_suffix("::{{closure}}").unwrap_or(name)
    }};
}

/// First line of a test against the owners' exports: their folder, or return (skipped, with
/// one line on stderr) when they are not beside the checkout. [`reference_dir_or_skip`] must be
/// in scope where it is used.
macro_rules! reference_or_skip {
    () => {
        match reference_dir_or_skip(test_name!()) {
            Some(dir) => dir,
            None => return,
        }
    };
}
