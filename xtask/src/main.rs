//! `cargo xtask <setup|run|check|test|bench|faults|e2e|screens>`: the developer workflow and CI in one place.
//!
//! - `setup`: installs what is missing on a Debian/Ubuntu machine (system packages for building
//!   and testing the desktop app, npm packages from the lock file, `tauri-driver`).
//! - `run`: setup, then opens the desktop app on the embedded sandbox (`tauri dev`).
//! - `check`: the static gates alone, in seconds (they build nothing of the workspace) —
//!   formatting, the crate arrows of `parts.toml`, no module cycle within a crate, no source file
//!   over 800 lines outside its tests (`source.rs`). Worth running before every commit.
//! - `test`: setup, then every gate and test in order — the static gates of `check`,
//!   drift of the TypeScript bindings and of the UI tests' recordings of the app, tsc, ESLint,
//!   the UI unit tests, clippy, every Rust test (with the real Secret Service), the conformance test (a third-party client library for the exchange,
//!   from PyPI at pinned versions in `target/conformance-venv`, unchanged, against a fresh sandbox
//!   served by the CLI; `tests/conformance/`), and the end-to-end test of the real app under Xvfb
//!   over WebDriver.
//!   It stops at the first failure and ends with a summary line.
//! - `bench`: the benchmarks with their targets (criterion; optimised builds).
//! - `faults`: the long forms of the fault and abuse tests (`COUNTERSIGN_FAULTS=long`): the
//!   server killed with SIGKILL under load for 50 rounds, every route fuzzed 512 times, a
//!   gigabyte field among the hostile imports. `test` runs the short forms of the same code.
//!   Each prints its figures on a `faults …:` line.
//! - `e2e`: rebuilds the app and runs only the end-to-end tests.
//! - `screens`: rebuilds the app and screenshots every area at 1360×860 and 1024×640, light and
//!   dark, into `target/screens/`, to look at after a change.

mod command;
mod parts;
mod source;
mod steps;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => steps::setup(steps::Need::Everything),
        Some("run") => steps::run_app(),
        Some("check") => steps::check(),
        Some("test") => steps::test(),
        Some("bench") => steps::bench(),
        Some("faults") => steps::faults(),
        Some("e2e") => steps::e2e(),
        Some("screens") => steps::screens(),
        _ => {
            eprintln!("usage: cargo xtask <setup|run|check|test|bench|faults|e2e|screens>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
