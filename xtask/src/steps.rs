//! The steps behind each xtask command.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::command::{Result, cmd, describe, output, root, run};

/// What `setup` must provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Building and running the app.
    Run,
    /// Building, running and testing it (Xvfb, WebKitWebDriver, Secret Service, tauri-driver).
    Everything,
}

const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    // The tray icon: loaded at run time by the app (tauri's tray on Linux).
    "libayatana-appindicator3-1",
];
const TEST_PACKAGES: &[&str] = &[
    "dbus",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    // `python3 -m venv` for the conformance test's client library (tests/conformance/).
    "python3-venv",
];

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn apt_install(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !is_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !on_path("apt-get") {
        return Err(format!(
            "missing system packages {missing:?} and no apt-get here; see README \"Other platforms\""
        ));
    }
    let sudo = if is_root() { None } else { Some("sudo") };
    let apt = |args: &[&str]| {
        let mut c = match sudo {
            Some(s) => {
                let mut c = cmd(s);
                c.arg("apt-get");
                c
            }
            None => cmd("apt-get"),
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(install)
}

fn npm_ci() -> Result<()> {
    if !on_path("node") || !on_path("npm") {
        return Err(
            "Node.js 20+ and npm are needed (https://nodejs.org or your package manager)".into(),
        );
    }
    let lock = std::fs::read(root().join("package-lock.json"))
        .map_err(|e| format!("package-lock.json: {e}"))?;
    let stamp = root().join("node_modules/.countersign-lock");
    if std::fs::read(&stamp).is_ok_and(|s| s == lock) {
        return Ok(());
    }
    let mut c = cmd("npm");
    c.args(["ci", "--no-audit", "--no-fund"]);
    run(c)?;
    std::fs::write(&stamp, lock).map_err(|e| format!("{}: {e}", stamp.display()))
}

fn cargo_bin(name: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(name)
}

fn tauri_driver() -> Result<PathBuf> {
    let path = cargo_bin("tauri-driver");
    if !path.is_file() {
        // tauri-driver 3 is an alpha for Tauri 3; this app is on Tauri 2.
        let mut c = cmd("cargo");
        c.args(["install", "tauri-driver", "--locked", "--version", "^2"]);
        run(c)?;
    }
    Ok(path)
}

/// Installs what is missing.
pub fn setup(need: Need) -> Result<()> {
    let mut packages: Vec<&str> = BUILD_PACKAGES.to_vec();
    if need == Need::Everything {
        packages.extend_from_slice(TEST_PACKAGES);
    }
    apt_install(&packages)?;
    npm_ci()?;
    if need == Need::Everything {
        tauri_driver()?;
    }
    Ok(())
}

/// Opens the app on the embedded sandbox.
pub fn run_app() -> Result<()> {
    setup(Need::Run)?;
    let mut c = cmd("npx");
    c.args(["tauri", "dev"]);
    run(c)
}

struct Summary {
    passed: Vec<(String, f64)>,
}

impl Summary {
    fn step(&mut self, name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
        eprintln!("\n=== {name}");
        let start = Instant::now();
        f().map_err(|e| {
            eprintln!(
                "\nxtask: step '{name}' failed\n{} passed, 1 failed",
                self.passed.len()
            );
            format!("{name}: {e}")
        })?;
        self.passed
            .push((name.to_owned(), start.elapsed().as_secs_f64()));
        Ok(())
    }
}

/// The gates that read the sources and build nothing: formatting, the crate arrows of
/// `parts.toml`, module cycles and file sizes (the first steps of [`test`]).
fn static_gates(s: &mut Summary) -> Result<()> {
    s.step("cargo fmt --check", || {
        let mut c = cmd("cargo");
        c.args(["fmt", "--all", "--check"]);
        run(c)
    })?;
    s.step("crate arrows follow parts.toml", crate::parts::check)?;
    s.step("no module cycle", crate::source::check_module_cycles)?;
    s.step(
        &format!("no source file over {} lines", crate::source::MAX_LINES),
        crate::source::check_file_sizes,
    )
}

/// Only the static gates: the quick check before a commit.
pub fn check() -> Result<()> {
    let mut s = Summary { passed: Vec::new() };
    static_gates(&mut s)?;
    println!("xtask: {} passed, 0 failed", s.passed.len());
    Ok(())
}

/// Every gate and test.
pub fn test() -> Result<()> {
    let started = Instant::now();
    let mut s = Summary { passed: Vec::new() };
    s.step("setup", || setup(Need::Everything))?;
    static_gates(&mut s)?;
    s.step(
        "TypeScript bindings and UI recordings match the Rust side",
        check_bindings,
    )?;
    s.step("tsc --strict", || npm_ws(&["run", "typecheck", "-w", "ui"]))?;
    s.step("ESLint", || npm_ws(&["run", "lint", "-w", "ui"]))?;
    s.step("UI unit tests (vitest)", || {
        npm_ws(&["run", "test", "-w", "ui"])
    })?;
    s.step("UI build", || npm_ws(&["run", "build", "-w", "ui"]))?;
    s.step("clippy -D warnings", || {
        let mut c = cmd("cargo");
        c.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]);
        run(c)
    })?;
    // The owners' real exports are never in the repository; the tests against them run in
    // addition to the fixtures' when they are found, and this says which.
    let reference = reference_exports();
    eprintln!("\n{}", reference_line(reference.as_deref(), false));
    s.step("Rust tests (real Secret Service)", || {
        // Keychain tests are #[ignore]d for plain `cargo test`; here the Secret Service exists.
        let mut c = with_keyring(&["cargo", "test", "--workspace", "--", "--include-ignored"])?;
        // The folder found here, or empty (skip): the tests then agree with this line.
        c.env(REFERENCE_ENV, reference.as_deref().unwrap_or(Path::new("")));
        run(c)
    })?;
    s.step(
        "third-party client library against the sandbox",
        conformance,
    )?;
    s.step("desktop app build (UI embedded)", || {
        let mut c = cmd("npx");
        c.args(["tauri", "build", "--debug", "--no-bundle"]);
        run(c)
    })?;
    s.step(
        "end-to-end: the real app over WebDriver under Xvfb",
        end_to_end,
    )?;
    eprintln!();
    for (name, secs) in &s.passed {
        eprintln!("  ok  {secs:7.1}s  {name}");
    }
    eprintln!("{}", reference_line(reference.as_deref(), true));
    eprintln!("total {:.0}s", started.elapsed().as_secs_f64());
    println!("xtask: {} passed, 0 failed", s.passed.len());
    Ok(())
}

/// The variable the ledger, app and CLI tests read for the owners' exports folder.
const REFERENCE_ENV: &str = "COUNTERSIGN_REFERENCE_DIR";

/// The owners' real exports (`shared/reference/kraken-exports/`, not ours to redistribute, so
/// never in the repository): `$COUNTERSIGN_REFERENCE_DIR` when set (empty: none), else the folder
/// beside the checkout or beside a folder above it, as the tests look for it
/// (`crates/ledger/tests/support/locate.rs`).
fn reference_exports() -> Option<PathBuf> {
    match std::env::var_os(REFERENCE_ENV) {
        Some(dir) if dir.is_empty() => None,
        Some(dir) => Some(PathBuf::from(dir)).filter(|d| d.is_dir()),
        None => root()
            .ancestors()
            .map(|a| a.join("shared/reference/kraken-exports"))
            .find(|d| d.is_dir()),
    }
}

/// Whether the tests against the owners' exports run (or ran, once the tests passed).
fn reference_line(found: Option<&Path>, done: bool) -> String {
    match (found, done) {
        (Some(dir), false) => format!(
            "reference exports: found at {}, the tests against them run too",
            dir.display()
        ),
        (Some(dir), true) => format!(
            "reference exports: found at {}, the tests against them ran",
            dir.display()
        ),
        (None, false) => "reference exports: not beside this checkout, the tests against the owners' exports are skipped".to_owned(),
        (None, true) => "reference exports: not beside this checkout, the tests against the owners' exports were skipped".to_owned(),
    }
}

fn npm_ws(args: &[&str]) -> Result<()> {
    let mut c = cmd("npm");
    c.args(args);
    run(c)
}

/// A command run inside a private D-Bus session with an unlocked gnome-keyring (Secret Service)
/// and a fresh keyring directory, so keychain tests use the real service and leave nothing behind.
fn with_keyring(argv: &[&str]) -> Result<Command> {
    let keyring_home =
        std::env::temp_dir().join(format!("countersign-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&keyring_home).map_err(|e| e.to_string())?;
    let mut c = cmd("dbus-run-session");
    c.args([
        "--",
        "sh",
        "-c",
        "echo -n countersign | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$@\"",
        "sh",
    ]);
    c.args(argv);
    c.env("XDG_DATA_HOME", &keyring_home);
    Ok(c)
}

/// The files in `dir`, by name, with their bytes, sorted.
fn files_in(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let bytes = std::fs::read(entry.path()).map_err(|e| e.to_string())?;
        files.push((entry.file_name().to_string_lossy().into_owned(), bytes));
    }
    files.sort();
    Ok(files)
}

/// Runs `regenerate` into a scratch folder (through the environment variable `var`) and fails
/// when what it wrote differs from the committed folder `committed`, naming the files and how to
/// bring them up to date.
fn check_generated(committed: &str, var: &str, mut regenerate: Command, how: &str) -> Result<()> {
    let fresh = std::env::temp_dir().join(format!(
        "countersign-{}-{}",
        committed.replace('/', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&fresh);
    regenerate.env(var, &fresh).stdout(Stdio::null());
    run(regenerate)?;
    let (want, have) = (files_in(&fresh)?, files_in(&root().join(committed))?);
    let _ = std::fs::remove_dir_all(&fresh);
    if want == have {
        return Ok(());
    }
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<BTreeSet<_>>();
    let differ: Vec<String> = want
        .iter()
        .filter(|(n, b)| have.iter().any(|(hn, hb)| hn == n && hb != b))
        .map(|(n, _)| n.clone())
        .collect();
    Err(format!(
        "{committed} is stale: missing {:?}, extra {:?}, changed {differ:?}; run `{how}` and commit",
        names(&want).difference(&names(&have)).collect::<Vec<_>>(),
        names(&have).difference(&names(&want)).collect::<Vec<_>>(),
    ))
}

/// The TypeScript bindings (ts-rs types and the commands' client) and the UI tests' recordings
/// of the real app are what the Rust side writes today.
fn check_bindings() -> Result<()> {
    let mut bindings = cmd("cargo");
    bindings.args([
        "test",
        "--quiet",
        "-p",
        "countersign-kraken",
        "-p",
        "countersign-org",
        "-p",
        "countersign-app",
        "-p",
        "countersign-desktop",
        "export_bindings",
    ]);
    check_generated(
        "ui/src/bindings",
        "TS_RS_EXPORT_DIR",
        bindings,
        "cargo test -p countersign-kraken -p countersign-org -p countersign-app -p countersign-desktop export_bindings",
    )?;
    let mut fixtures = cmd("cargo");
    fixtures.args([
        "test",
        "--quiet",
        "-p",
        "countersign-desktop",
        "--test",
        "ui_fixtures",
    ]);
    check_generated(
        "ui/src/fixtures",
        "COUNTERSIGN_FIXTURES_DIR",
        fixtures,
        "cargo test -p countersign-desktop --test ui_fixtures",
    )
}

/// Only the desktop build and the end-to-end tests (after `cargo xtask setup`): the quick loop
/// while working on the app; `cargo xtask test` runs them with everything else.
pub fn e2e() -> Result<()> {
    let mut c = cmd("npx");
    c.args(["tauri", "build", "--debug", "--no-bundle"]);
    run(c)?;
    end_to_end()
}

/// `cargo xtask screens`: builds the app and takes every area's screenshot at 1360×860 and
/// 1024×640, light and dark, into `target/screens/` (`tests/e2e/screens.mjs`), to be looked at.
pub fn screens() -> Result<()> {
    let mut c = cmd("npx");
    c.args(["tauri", "build", "--debug", "--no-bundle"]);
    run(c)?;
    let out = target_dir().join("screens");
    with_app(
        &["node", "tests/e2e/screens.mjs"],
        &[("COUNTERSIGN_SCREENS", &out)],
    )?;
    eprintln!("screens: {}", out.display());
    Ok(())
}

/// Every end-to-end file, or only `tests/e2e/<name>.test.mjs` with `COUNTERSIGN_E2E_ONLY=<name>`
/// (the quick loop on one flow; `cargo xtask test` always runs them all).
fn end_to_end() -> Result<()> {
    let only = std::env::var("COUNTERSIGN_E2E_ONLY")
        .ok()
        .map(|name| format!("tests/e2e/{name}.test.mjs"));
    let target = only.as_deref().unwrap_or("tests/e2e/");
    with_app(&["node", "--test", "--test-concurrency=1", target], &[])
}

/// Runs `command` (a node script driving the built app over WebDriver) under Xvfb, in a private
/// D-Bus session with a keyring and a hermetic home, with `env` added.
fn with_app(command: &[&str], env: &[(&str, &Path)]) -> Result<()> {
    // Where `tauri build` put it: cargo's target dir, which CARGO_TARGET_DIR may move.
    let app = target_dir().join("debug").join("countersign-desktop");
    if !app.is_file() {
        return Err(format!("{} was not built", app.display()));
    }
    // The CLI serves a real org API for the test that reconnects from offline review.
    let mut build = cmd("cargo");
    build.args(["build", "--quiet", "-p", "countersign-cli"]);
    run(build)?;
    let cli = target_dir().join("debug").join("countersign");
    let driver = tauri_driver()?;
    let webkit_driver = Path::new("/usr/bin/WebKitWebDriver");
    if !webkit_driver.is_file() {
        return Err("WebKitWebDriver is missing (apt package webkit2gtk-driver)".into());
    }
    // A hermetic home: the app's data dir, config and caches live and die with this run.
    let home = std::env::temp_dir().join(format!("countersign-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let artifacts = root().join("target/e2e");
    std::fs::create_dir_all(&artifacts).map_err(|e| e.to_string())?;
    // xvfb-run -a picks a free display and stops the server with the command.
    let keyring = with_keyring(command)?;
    let mut c = cmd("xvfb-run");
    c.args(["-a", "-s", "-screen 0 1440x900x24 -nolisten tcp"])
        .arg(keyring.get_program())
        .args(keyring.get_args());
    for (k, v) in keyring.get_envs() {
        if let Some(v) = v {
            c.env(k, v);
        }
    }
    c.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("COUNTERSIGN_APP", &app)
        .env("COUNTERSIGN_CLI", &cli)
        .env("TAURI_DRIVER", &driver)
        .env("COUNTERSIGN_E2E_ARTIFACTS", &artifacts);
    for (k, v) in env {
        c.env(k, v);
    }
    let result = run(c);
    let _ = std::fs::remove_dir_all(&home);
    result
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` (relative to the workspace) or `target/`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| root().join("target"), |d| root().join(d))
}

/// The conformance test (`tests/conformance/`): a widely used third-party client library for the
/// exchange, installed from PyPI at pinned versions and used unchanged, against a fresh sandbox
/// served by the CLI on a free loopback port. Fails if any of its checks fails.
fn conformance() -> Result<()> {
    let python = conformance_venv()?;
    let mut build = cmd("cargo");
    build.args(["build", "--quiet", "-p", "countersign-cli"]);
    run(build)?;
    let cli = target_dir().join("debug").join("countersign");
    let scratch =
        std::env::temp_dir().join(format!("countersign-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let credentials = scratch.join("demo-credentials.json");
    let mut serve = Command::new(&cli);
    serve
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(scratch.join("data"))
        .arg("--demo-credentials")
        .arg(&credentials)
        .stdin(Stdio::null());
    let what = describe(&serve);
    eprintln!("+ {what} &");
    let child = serve
        .spawn()
        .map_err(|e| format!("cannot run `{what}`: {e}"))?;
    // Dropped on every path out of here: stops the server and removes its data.
    let mut server = Background { child, scratch };
    let base_url = server.wait_until_serving(&credentials, Duration::from_secs(60))?;
    eprintln!("sandbox answers at {base_url}");
    let mut test = Command::new(&python);
    test.current_dir(root())
        .arg("tests/conformance/test_python_sdk.py")
        .arg(&credentials)
        .env("PYTHONDONTWRITEBYTECODE", "1");
    run(test)
}

/// `target/conformance-venv` with `tests/conformance/requirements.txt` installed. Returns the
/// venv's python.
fn conformance_venv() -> Result<PathBuf> {
    python_venv(
        "conformance-venv",
        &root().join("tests/conformance/requirements.txt"),
    )
}

/// `target/<name>` with `requirements` installed from PyPI; pip runs only when the requirements
/// changed since the last install. Returns the venv's python.
fn python_venv(name: &str, requirements: &Path) -> Result<PathBuf> {
    let venv = target_dir().join(name);
    let python = venv.join("bin").join("python");
    let pip = venv.join("bin").join("pip");
    let wanted =
        std::fs::read(requirements).map_err(|e| format!("{}: {e}", requirements.display()))?;
    let stamp = venv.join(".countersign-requirements");
    let usable = python.is_file() && pip.is_file();
    if usable && std::fs::read(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    if !usable {
        // A venv left without pip (no ensurepip at the time) is made anew.
        let _ = std::fs::remove_dir_all(&venv);
        let mut c = cmd("python3");
        c.args(["-m", "venv"]).arg(&venv);
        run(c).map_err(|e| format!("{e} (on Debian/Ubuntu: apt-get install python3-venv)"))?;
    }
    let mut c = Command::new(&python);
    c.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "-r",
    ])
    .arg(requirements);
    run(c)?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(python)
}

/// A server process started by a step, stopped (and its scratch directory removed) on drop.
#[derive(Debug)]
struct Background {
    child: Child,
    scratch: PathBuf,
}

impl Background {
    /// Waits until the sandbox has written its demo credentials and `GET /0/public/Time`
    /// answers; returns its base URL.
    fn wait_until_serving(&mut self, credentials: &Path, limit: Duration) -> Result<String> {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the sandbox exited ({status}) before serving"));
            }
            let base_url = std::fs::read_to_string(credentials)
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|v| v["base_url"].as_str().map(str::to_owned));
            if let Some(url) = base_url
                && answers_time(&url)
            {
                return Ok(url);
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the sandbox did not answer /0/public/Time within {}s",
                    limit.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// Whether `GET {base_url}/0/public/Time` answers 200 with a time (plain HTTP on loopback).
fn answers_time(base_url: &str) -> bool {
    use std::io::{Read as _, Write as _};
    let Some(host) = base_url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
    else {
        return false;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET /0/public/Time HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    let mut reply = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut reply).is_ok()
        && reply.starts_with("HTTP/1.1 200")
        && reply.contains("\"unixtime\"")
}

/// The fault and abuse tests, long forms: the same tests `test` runs short, with
/// `COUNTERSIGN_FAULTS=long`, printing their figures.
pub fn faults() -> Result<()> {
    for (package, test) in [
        ("countersign-cli", "faults"),
        ("countersign-sandbox", "fuzz"),
        ("countersign-app", "hostile_imports"),
    ] {
        let mut c = cmd("cargo");
        c.args(["test", "-p", package, "--test", test, "--", "--nocapture"])
            .env("COUNTERSIGN_FAULTS", "long");
        run(c)?;
    }
    Ok(())
}

/// The benchmarks. Targets are stated in each bench's doc comment; numbers go in the notes.
///
/// The ledger review bench (`crates/ledger/benches/review.rs`) leaves its generated 1,000,000-row
/// export and its figures in `target/ledger-bench/`; polars (from PyPI, pinned in
/// `xtask/bench/requirements.txt`, in `target/bench-venv`) then reads the same file and totals it
/// by asset, and the ratio of the two is printed.
pub fn bench() -> Result<()> {
    for (package, bench) in [
        ("countersign-org", "preview"),
        ("countersign-kraken", "sign"),
        ("countersign-sandbox", "throughput"),
        ("countersign-client", "push"),
        ("countersign-app", "notices"),
        ("countersign-ledger", "import"),
    ] {
        let mut c = cmd("cargo");
        c.args(["bench", "-p", package, "--bench", bench]);
        run(c)?;
    }
    ledger_review_bench()
}

/// The ledger review bench, then polars on the same file, and the comparison.
fn ledger_review_bench() -> Result<()> {
    let dir = target_dir().join("ledger-bench");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut c = cmd("cargo");
    c.args(["bench", "-p", "countersign-ledger", "--bench", "review"])
        .env("COUNTERSIGN_BENCH_DIR", &dir);
    run(c)?;
    let figures = dir.join("review.json");
    let ours: serde_json::Value = std::fs::read_to_string(&figures)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or_else(|| format!("{}: no figures from the review bench", figures.display()))?;
    let python = python_venv("bench-venv", &root().join("xtask/bench/requirements.txt"))?;
    let mut c = Command::new(&python);
    c.current_dir(root())
        .arg("xtask/bench/polars_totals.py")
        .arg(dir.join("ledgers.csv"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let theirs: serde_json::Value = serde_json::from_str(output(c)?.trim())
        .map_err(|e| format!("polars_totals.py printed no JSON: {e}"))?;
    let import = ours["import_seconds"].as_f64().unwrap_or_default();
    let polars = theirs["seconds"].as_f64().unwrap_or_default();
    println!(
        "ledger review, 1,000,000 rows: import {import:.3} s (target < 2 s), page of 200 {:.2} ms \
         (target < 20 ms), totals by asset {:.2} ms (target < 100 ms), peak RSS {} MiB; open + \
         first page (rows decoded) {:.0} ms",
        ours["page_ms"].as_f64().unwrap_or_default(),
        ours["totals_ms"].as_f64().unwrap_or_default(),
        ours["peak_rss_mib"],
        ours["open_ms"].as_f64().unwrap_or_default(),
    );
    // A ratio of two measured durations, for display only (no money involved).
    #[allow(clippy::float_arithmetic)]
    let ratio = if polars > 0.0 { import / polars } else { 0.0 };
    println!(
        "countersign import {import:.3} s vs polars {} read+groupby {polars:.3} s (ratio {ratio:.1})",
        theirs["polars"].as_str().unwrap_or("?"),
    );
    Ok(())
}
