//! The CLI's environment and its connection to an org API: the OS keychain (with the
//! automation variables in front of it), the system clock, and the same decision mirrors and
//! remote config as the desktop app.
//!
//! - `COUNTERSIGN_API_KEY` + `COUNTERSIGN_API_SECRET`: the member's key, instead of the keychain
//!   entry of the base URL (both or neither);
//! - `COUNTERSIGN_DEVICE_KEY`: this device's signing key (base64 seed), instead of the keychain's;
//! - `COUNTERSIGN_MIRROR_DIR`: where this device's decision mirrors are kept (default: the
//!   desktop app's, so both keep one record).

use std::path::PathBuf;

use anyhow::Context as _;
use countersign_app::{AppCore, DataPaths, Environment, Target, orgs};

/// The desktop app's data directory (shared for the decision mirrors).
fn app_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("dev.countersign.desktop"))
}

/// The environment every CLI command runs in.
pub fn environment() -> Environment {
    let mut env = Environment::desktop(&app_data_dir().unwrap_or_default());
    env.paths = DataPaths {
        // The CLI's org commands never start a sandbox: `sandbox serve` names its own folder.
        sandbox: None,
        decisions: std::env::var_os("COUNTERSIGN_MIRROR_DIR")
            .map(PathBuf::from)
            .or_else(|| app_data_dir().map(|d| d.join("decisions"))),
        ledgers: None,
        remote_config: countersign_app::RemoteConfig::default_path(),
        nonces: dirs::data_dir().map(|d| d.join("countersign").join("nonces")),
    };
    env
}

/// The explicit base URL, or the configured remote.
pub fn base_url(env: &Environment, explicit: Option<String>) -> anyhow::Result<String> {
    if let Some(url) = explicit {
        return Ok(url);
    }
    orgs::configured(env)?.context(
        "no org API given: pass --base-url URL (or set COUNTERSIGN_BASE_URL), or configure one with `countersign remote add`",
    )
}

/// The environment with the automation variables' member key and device key in front of the
/// keychain, for `base_url`.
pub fn with_automation_keys(env: Environment, base_url: &str) -> anyhow::Result<Environment> {
    match (
        std::env::var("COUNTERSIGN_API_KEY").ok(),
        std::env::var("COUNTERSIGN_API_SECRET").ok(),
    ) {
        (Some(api_key), Some(secret)) => env
            .preset_member_key(base_url, &api_key, &secret)
            .context("COUNTERSIGN_API_SECRET")?,
        (None, None) => {}
        _ => anyhow::bail!("set both COUNTERSIGN_API_KEY and COUNTERSIGN_API_SECRET, or neither"),
    }
    if let Ok(seed) = std::env::var("COUNTERSIGN_DEVICE_KEY") {
        env.preset_device_key(base_url, &seed)
            .context("COUNTERSIGN_DEVICE_KEY")?;
    }
    Ok(env)
}

/// Signed in to the explicit base URL or the configured remote, with the member's key.
pub async fn connect(explicit: Option<String>) -> anyhow::Result<AppCore> {
    let env = environment();
    let base_url = base_url(&env, explicit)?;
    let env = with_automation_keys(env, &base_url)?;
    Ok(AppCore::connect(env, Target::Remote { base_url }).await?)
}
