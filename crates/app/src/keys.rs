//! Service users' API keys: a key's scopes and settings as a person sets them ([`KeyDraft`]),
//! and the one-time reveal of a created key, kept in the core after it was shown so the page
//! never sends the secret back — copied to the clipboard ([`copy_revealed_secret`]), stored in
//! the keychain ([`store_revealed_key`]) or forgotten ([`forget_revealed_key`]).

use std::collections::BTreeSet;
use std::time::Duration;

use countersign_kraken::{ApiSecret, Credentials};
use countersign_org::{ApiKeySpec, KeySettings, Scope};

use crate::core::{AppCore, OrgAccess};
use crate::error::{CommandError, ErrorCode, blocking};
use crate::reveal::{CLIPBOARD_SECONDS, Revealed, copy_then_clear};

/// A key's scopes and settings as a person sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyDraft {
    /// The scopes granted.
    pub scopes: Vec<Scope>,
    /// Key expiry, unix seconds (0 = never).
    pub valid_until: i64,
    /// Query window start, unix seconds (0 = none).
    pub query_from: i64,
    /// Query window end, unix seconds (0 = none).
    pub query_to: i64,
    /// Whether the key may obtain WebSocket tokens.
    pub websocket: bool,
    /// Nonce window, in nonce units.
    pub nonce_window: u64,
    /// Allowed addresses or CIDR ranges (none: any).
    pub ip_allowlist: Vec<String>,
}

impl KeyDraft {
    /// The key spec a request carries.
    pub fn spec(&self) -> ApiKeySpec {
        ApiKeySpec {
            scopes: self.scopes.iter().copied().collect::<BTreeSet<_>>(),
            settings: KeySettings {
                valid_until: self.valid_until,
                query_from: self.query_from,
                query_to: self.query_to,
                websocket: self.websocket,
                nonce_window: self.nonce_window,
                ip_allowlist: self.ip_allowlist.clone(),
            },
        }
    }
}

/// The revealed key of `request_id`, while the core keeps it.
fn revealed(core: &AppCore, request_id: &str) -> Result<Revealed, CommandError> {
    core.revealed
        .lock()
        .map_err(CommandError::internal)?
        .as_ref()
        .filter(|r| r.request_id == request_id)
        .cloned()
        .ok_or_else(|| {
            CommandError::new(
                ErrorCode::NotFound,
                "that key is no longer kept: a secret is shown once, and this one was forgotten",
            )
        })
}

/// Copies the revealed secret of `request_id` to the clipboard, marked secret for clipboard
/// managers where the OS has a hint for it, and clears it after 30 s unless something else was
/// copied meanwhile. Returns the seconds until it is cleared.
pub async fn copy_revealed_secret(
    org: &OrgAccess<'_>,
    request_id: &str,
) -> Result<u32, CommandError> {
    let key = revealed(org.core(), request_id)?.key;
    copy_then_clear(
        std::sync::Arc::clone(&org.env().clipboard),
        key.api_secret,
        Duration::from_secs(u64::from(CLIPBOARD_SECONDS)),
    )
    .map_err(|e| {
        CommandError::new(
            ErrorCode::Unavailable,
            format!("cannot use the clipboard: {e}"),
        )
    })?;
    Ok(CLIPBOARD_SECONDS)
}

/// Stores the revealed key pair of `request_id` in the keychain (under
/// `service-user:<org>:<name>`) and forgets it here. Returns the keychain entry's name.
pub async fn store_revealed_key(
    org: &OrgAccess<'_>,
    request_id: &str,
) -> Result<String, CommandError> {
    let revealed = revealed(org.core(), request_id)?;
    let profile = format!("service-user:{}:{}", org.session().base_url, revealed.name);
    let creds = Credentials {
        api_key: revealed.key.api_key.clone(),
        api_secret: ApiSecret::from_base64(&revealed.key.api_secret)
            .map_err(CommandError::internal)?,
    };
    let (keychain, entry) = (org.env().keychain.clone(), profile.clone());
    blocking(move || keychain.store(&entry, &creds))
        .await?
        .map_err(CommandError::unavailable)?;
    forget_revealed_key(org.core(), request_id)?;
    Ok(profile)
}

/// Forgets the revealed key of `request_id` (leaving the page does this). It only removes
/// something, so it works while locked too.
pub fn forget_revealed_key(core: &AppCore, request_id: &str) -> Result<(), CommandError> {
    let mut slot = core.revealed.lock().map_err(CommandError::internal)?;
    if slot.as_ref().is_some_and(|r| r.request_id == request_id) {
        *slot = None;
    }
    Ok(())
}

/// What service user `service_user`'s key did at the exchange API (the org API's `KeyUsage`,
/// an extension), and the least-privilege advice drawn from it now
/// ([`countersign_org::advise`]): the scopes unused for 30 days, an open IP list narrowed to the
/// addresses seen.
pub async fn review(
    org: &OrgAccess<'_>,
    service_user: &str,
) -> Result<crate::ipc::KeyReview, CommandError> {
    let client = org.client();
    let (usage, view) = tokio::try_join!(client.key_usage(service_user), client.org())?;
    let key = view
        .service_users
        .iter()
        .find(|s| s.id == service_user)
        .map(|s| s.key.clone())
        .ok_or_else(|| {
            CommandError::new(
                ErrorCode::NotFound,
                format!("no service user {service_user}"),
            )
        })?;
    let advice = countersign_org::advise(&key, &usage, (org.env().clock)() / 1000);
    Ok(crate::ipc::KeyReview { usage, advice })
}

pub use countersign_client::RateTier;
pub use countersign_client::probe::{Capability, Finding, KeyProbe, Outcome, Probed, Purpose};

/// Which permissions the key `creds` has at the exchange API `base_url`, found with one call per
/// permission that cannot change anything (queries, an order that only validates, a cancel of an
/// order that cannot exist), paced by the account's `tier`. The key's nonces persist in the
/// environment's nonce folder when it has one, so they keep increasing across runs and beside
/// other processes using the key.
pub async fn probe(
    env: &crate::Environment,
    base_url: &str,
    creds: Credentials,
    tier: RateTier,
) -> Result<KeyProbe, CommandError> {
    use countersign_client::{ExchangeClient, KeyContext};
    let limit = tier.limit();
    let key = match &env.paths.nonces {
        Some(dir) => match KeyContext::persistent(creds.clone(), dir, limit) {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, "nonces stay in memory for this run");
                KeyContext::in_memory(creds, limit)
            }
        },
        None => KeyContext::in_memory(creds, limit),
    };
    let client = ExchangeClient::new(base_url, std::sync::Arc::new(key))
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    countersign_client::probe_key(&client).await.map_err(|e| {
        CommandError::new(
            ErrorCode::Unavailable,
            format!("the probe could not run: {}", with_sources(&e)),
        )
    })
}

/// An error and its sources, one after another.
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The member key kept for the org API at `base_url` (a preset one first), to use elsewhere:
/// the key probe, against the exchange.
pub async fn member_key(
    env: &crate::Environment,
    base_url: &str,
) -> Result<Credentials, CommandError> {
    let (keychain, profile) = (env.keychain.clone(), base_url.to_owned());
    Ok(blocking(move || keychain.load(&profile)).await??)
}
