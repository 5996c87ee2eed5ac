//! What the jobs take from the machine, injected so that tests, fixtures and the CLI can each
//! supply their own: [`Environment`] holds the keychain, the clock, the clipboard and the
//! [`DataPaths`].
//!
//! The desktop app uses [`Environment::desktop`] (the OS keychain and clipboard, the system
//! clock, its data directory); app flows under plain `cargo test` use [`Environment::in_memory`]
//! (an in-memory keychain and clipboard, nothing touches the OS).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use countersign_keychain::Keychain;
use countersign_kraken::{ApiSecret, Credentials};
use countersign_vault::DeviceKey;

use crate::error::CommandError;

use crate::reveal::{Clipboard, MemoryClipboard, SystemClipboard};

/// Makes every file and folder this process creates from now on its user's alone (umask
/// `077`): the sandbox's database and its WAL, the ledger workspace, the decision mirror, the
/// nonce store, the config. None holds a secret, but each says what the Organization does and
/// who holds what. Called first thing by the desktop app and the CLI, before any thread starts.
pub fn keep_files_private() {
    #[cfg(target_os = "linux")]
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

/// Unix time in milliseconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock, in unix milliseconds.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    })
}

/// A clock stopped at `unix_ms` (fixtures, tests).
pub fn fixed_clock(unix_ms: i64) -> Clock {
    Arc::new(move || unix_ms)
}

/// The clipboard the jobs share: copying a revealed secret, reading a pasted one.
pub type SharedClipboard = Arc<Mutex<dyn Clipboard>>;

/// Where the app keeps what it keeps. Each part is optional: a job whose place is missing says
/// so (or, for the decision mirror, keeps no mirror).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataPaths {
    /// The embedded sandbox's data directory.
    pub sandbox: Option<PathBuf>,
    /// This device's decision mirrors (`countersign_vault::mirror`), one file per profile.
    pub decisions: Option<PathBuf>,
    /// The ledger review workspace (a SQLite file).
    pub ledgers: Option<PathBuf>,
    /// The remote config file, which adding or leaving an org writes.
    pub remote_config: Option<PathBuf>,
    /// Where exchange API keys' nonces persist across runs (the key probe's).
    pub nonces: Option<PathBuf>,
}

impl DataPaths {
    /// The desktop app's layout: `sandbox/`, `decisions/` and `ledgers/default.sqlite` in its
    /// data directory, and the remote config in the OS's config directory
    /// ([`crate::RemoteConfig::default_path`]).
    pub fn app(data_dir: &Path) -> Self {
        Self {
            sandbox: Some(data_dir.join("sandbox")),
            decisions: Some(data_dir.join("decisions")),
            ledgers: Some(data_dir.join("ledgers").join("default.sqlite")),
            remote_config: crate::RemoteConfig::default_path(),
            nonces: Some(data_dir.join("nonces")),
        }
    }
}

/// The keychain, clock, clipboard and paths the jobs use. Cheap to clone.
#[derive(Clone)]
pub struct Environment {
    /// Member keys and this device's signing keys.
    pub keychain: Keychain,
    /// Now, in unix milliseconds.
    pub clock: Clock,
    /// The clipboard.
    pub clipboard: SharedClipboard,
    /// Where things are kept.
    pub paths: DataPaths,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field("keychain", &self.keychain)
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Environment {
    /// The desktop app's: the OS keychain and clipboard, the system clock, and `data_dir`.
    pub fn desktop(data_dir: &Path) -> Self {
        Self {
            keychain: Keychain::default(),
            clock: system_clock(),
            clipboard: Arc::new(Mutex::new(SystemClipboard::default())),
            paths: DataPaths::app(data_dir),
        }
    }

    /// Nothing reaches the OS: an in-memory keychain and clipboard, the system clock, and the
    /// app's layout under `data_dir` with the remote config there too.
    pub fn in_memory(data_dir: &Path) -> Self {
        Self {
            keychain: Keychain::in_memory(),
            clock: system_clock(),
            clipboard: Arc::new(Mutex::new(MemoryClipboard::default())),
            paths: DataPaths {
                remote_config: Some(data_dir.join("remote.json")),
                ..DataPaths::app(data_dir)
            },
        }
    }

    /// This environment with another keychain.
    #[must_use]
    pub fn with_keychain(mut self, keychain: Keychain) -> Self {
        self.keychain = keychain;
        self
    }

    /// This environment with another clock.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Uses the member key `api_key` with `api_secret` (base64) for the org API at `base_url`,
    /// in front of the keychain: automation passing a key in its environment.
    pub fn preset_member_key(
        &self,
        base_url: &str,
        api_key: &str,
        api_secret: &str,
    ) -> Result<(), CommandError> {
        let api_secret = ApiSecret::from_base64(api_secret)
            .map_err(|e| CommandError::invalid(format!("the API secret: {e}")))?;
        let creds = Credentials {
            api_key: api_key.to_owned(),
            api_secret,
        };
        Ok(self.keychain.preset_credentials(base_url, &creds)?)
    }

    /// Uses the device signing key `seed` (base64) for the org API at `base_url`, in front of
    /// the keychain.
    pub fn preset_device_key(&self, base_url: &str, seed: &str) -> Result<(), CommandError> {
        let key = DeviceKey::from_base64(seed)
            .map_err(|e| CommandError::invalid(format!("the device key: {e}")))?;
        Ok(self.keychain.preset_device_key(base_url, &key)?)
    }

    /// Now, in unix seconds.
    pub fn now(&self) -> i64 {
        (self.clock)().div_euclid(1000)
    }
}
