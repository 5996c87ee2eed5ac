//! Which Organization the app and the CLI talk to: adding a remote org API (its member key into
//! the keychain, its URL into the remote config), leaving it for the embedded sandbox, and the
//! one configured.

use countersign_client::CertPin;
use countersign_keychain::KeychainError;
use countersign_kraken::{ApiSecret, Credentials};

use crate::RemoteConfig;
use crate::connect::{self, State};
use crate::core::AppCore;
use crate::env::Environment;
use crate::error::{CommandError, ErrorCode, blocking};
use crate::ipc::{Session, SessionMode};

/// The remote org API configured for the app and the CLI, if any.
pub fn configured(env: &Environment) -> Result<Option<String>, CommandError> {
    connect::configured_remote(env)
}

/// Signs in to `base_url` with the member's key pair and, only once that worked, keeps the key
/// in the keychain and makes the org the default (the remote config). A wrong key leaves no
/// trace. Returns the signed-in state.
async fn remember(
    env: &Environment,
    base_url: &str,
    api_key: &str,
    api_secret: ApiSecret,
    pin: Option<CertPin>,
) -> Result<State, CommandError> {
    let base_url = base_url.trim().trim_end_matches('/').to_owned();
    let api_key = api_key.trim();
    if api_key.is_empty() {
        return Err(CommandError::invalid(
            "the API key is empty: paste the key's public part",
        ));
    }
    let creds = Credentials {
        api_key: api_key.to_owned(),
        api_secret,
    };
    let state = connect::open(
        env,
        &connect::Target::RemoteWith {
            base_url: base_url.clone(),
            credentials: creds.clone(),
            pin: pin.clone(),
        },
    )
    .await?;
    let (keychain, profile) = (env.keychain.clone(), base_url.clone());
    blocking(move || keychain.store(&profile, &creds))
        .await?
        .map_err(CommandError::unavailable)?;
    if let Some(path) = &env.paths.remote_config {
        RemoteConfig {
            base_url,
            pin_sha256: pin.map(|p| p.to_string()),
        }
        .save(path)
        .map_err(CommandError::internal)?;
    }
    Ok(state)
}

/// Adds a remote Organization from the command line: checks the key by signing in, keeps it in
/// the keychain and makes the org the default. Returns who it signed in as.
pub async fn add(
    env: &Environment,
    base_url: &str,
    api_key: &str,
    api_secret: ApiSecret,
    pin: Option<&str>,
) -> Result<Session, CommandError> {
    let pin = pin
        .map(CertPin::parse)
        .transpose()
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    Ok(remember(env, base_url, api_key, api_secret, pin)
        .await?
        .signed_in
        .session)
}

/// Adds a remote Organization and switches the app to it: signs in to `base_url` as the member
/// whose API key is `api_key` and whose secret is on the clipboard — read here, never by the
/// page. The clipboard is cleared once read.
pub async fn add_from_clipboard(
    core: &AppCore,
    base_url: &str,
    api_key: &str,
) -> Result<Session, CommandError> {
    core.unlocked()?;
    let pasted = core
        .env()
        .clipboard
        .lock()
        .map_err(|_| CommandError::internal("the clipboard is unavailable"))?
        .text();
    let api_secret = pasted
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            CommandError::invalid(
                "the clipboard holds no text: copy the API secret, then press Paste secret",
            )
        })
        .and_then(|text| {
            ApiSecret::from_base64(text).map_err(|_| {
                CommandError::invalid(
                    "the clipboard does not hold an API secret (base64): copy the secret, not the key",
                )
            })
        })?;
    let session = add_and_switch(core, base_url, api_key, api_secret).await?;
    if let Ok(mut clipboard) = core.env().clipboard.lock() {
        let _ = clipboard.clear();
    }
    Ok(session)
}

/// [`add_from_clipboard`] with the secret already in hand (tests).
pub async fn add_and_switch(
    core: &AppCore,
    base_url: &str,
    api_key: &str,
    api_secret: ApiSecret,
) -> Result<Session, CommandError> {
    core.unlocked()?;
    let state = remember(core.env(), base_url, api_key, api_secret, None).await?;
    let session = state.signed_in.session.clone();
    core.replace(state).await;
    Ok(session)
}

/// Forgets the configured remote: deletes its member key from the keychain (none is fine) and
/// the remote config. Returns the base URL it was, if there was one.
pub async fn forget(env: &Environment) -> Result<Option<String>, CommandError> {
    let configured = configured(env)?;
    if let Some(base_url) = &configured {
        delete_key(env, base_url).await?;
    }
    if let Some(path) = &env.paths.remote_config {
        RemoteConfig::remove(path).map_err(CommandError::internal)?;
    }
    Ok(configured)
}

async fn delete_key(env: &Environment, base_url: &str) -> Result<(), CommandError> {
    let (keychain, profile) = (env.keychain.clone(), base_url.to_owned());
    match blocking(move || keychain.delete(&profile)).await? {
        Ok(()) | Err(KeychainError::NotFound(_)) => Ok(()),
        Err(e) => Err(CommandError::unavailable(e)),
    }
}

/// Leaves the remote Organization: deletes the member's key from the keychain, removes the
/// remote config and returns to the embedded sandbox. This device's signing key stays (it is
/// registered to the member; adding the org again reuses it).
pub async fn leave(core: &AppCore) -> Result<Session, CommandError> {
    core.unlocked()?;
    let current = core.state().await?;
    if current.signed_in.session.mode != SessionMode::Remote {
        return Err(CommandError::new(
            ErrorCode::Unavailable,
            "the app is on its sandbox: there is no remote Organization to leave",
        ));
    }
    if core.env().paths.sandbox.is_none() {
        return Err(CommandError::new(
            ErrorCode::Unavailable,
            "this app has no sandbox to return to",
        ));
    }
    delete_key(core.env(), &current.signed_in.session.base_url).await?;
    if let Some(path) = &core.env().paths.remote_config {
        RemoteConfig::remove(path).map_err(CommandError::internal)?;
    }
    let state = connect::sandbox(core.env()).await?;
    let session = state.signed_in.session.clone();
    core.replace(state).await;
    Ok(session)
}
