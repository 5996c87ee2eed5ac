//! Member credentials and this device's signing keys in the OS keychain, and nowhere else.
//!
//! - [`Keychain`]: the typed view the app and the CLI use: a member's API key pair by profile
//!   (the org API's base URL), and this device's Ed25519 signing key per profile, made on first
//!   use. Blocking: call it off async workers.
//! - [`SecretStore`]: where the secrets live. [`OsStore`] is the OS keychain (Secret Service on
//!   Linux, Keychain on macOS, Credential Manager on Windows) through `keyring`; there is no
//!   fallback, so without a usable keychain every call fails with a [`KeychainError`] that says
//!   what to install or unlock. [`MemoryStore`] keeps them in this process only, for tests and
//!   for flows run without a desktop session.
//!
//! This crate is the only one that links the OS keychain client: the sandbox server, which plays
//! the exchange and keeps its own keys server-side, never does (`parts.toml`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use countersign_kraken::{ApiSecret, Credentials};
use countersign_vault::DeviceKey;
use serde::{Deserialize, Serialize};

/// Why the keychain could not be used. Each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// No credentials are stored for this profile.
    #[error(
        "no credentials are stored in the OS keychain for {0}; add them with `countersign remote add`"
    )]
    NotFound(String),
    /// The keychain exists but is locked.
    #[error("the OS keychain is locked; unlock it (on Linux: your login keyring) and try again")]
    Locked,
    /// No keychain service is reachable.
    #[error(
        "no OS keychain is available ({0}); on Linux install and start a Secret Service provider \
         (gnome-keyring or KeePassXC) in a D-Bus session, on macOS and Windows the system keychain is used"
    )]
    Unavailable(String),
    /// The stored entry is not Countersign's format.
    #[error("the keychain entry for {0} is corrupt; remove it and add the credentials again")]
    Corrupt(String),
}

/// Where secrets are kept, by account name. Implementations are blocking.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// The secret stored for `account`, if any.
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError>;
    /// Stores (or replaces) the secret for `account`.
    fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError>;
    /// Deletes the secret for `account`; `false` when there was none.
    fn delete(&self, account: &str) -> Result<bool, KeychainError>;
}

/// The OS keychain, under one service name (`countersign`, or another for isolated tests).
#[derive(Debug, Clone)]
pub struct OsStore {
    service: String,
}

impl OsStore {
    /// The OS keychain's entries under `service`.
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, account).map_err(|e| map_err(e, account))
    }
}

impl SecretStore for OsStore {
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e, account)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| map_err(e, account))
    }

    fn delete(&self, account: &str) -> Result<bool, KeychainError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e, account)),
        }
    }
}

fn map_err(e: keyring::Error, account: &str) -> KeychainError {
    match e {
        keyring::Error::NoEntry => KeychainError::NotFound(account.to_owned()),
        keyring::Error::NoStorageAccess(inner) => {
            if inner.to_string().to_lowercase().contains("lock") {
                KeychainError::Locked
            } else {
                KeychainError::Unavailable(inner.to_string())
            }
        }
        keyring::Error::BadEncoding(_) => KeychainError::Corrupt(account.to_owned()),
        other => KeychainError::Unavailable(other.to_string()),
    }
}

/// Secrets kept in this process's memory only: for tests and flows run without a desktop
/// session. Clones share the same entries.
#[derive(Clone, Default)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, String>>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let accounts = self.entries.lock().map_or(0, |e| e.len());
        f.debug_struct("MemoryStore")
            .field("accounts", &accounts)
            .finish()
    }
}

impl MemoryStore {
    fn entries(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>, KeychainError> {
        self.entries
            .lock()
            .map_err(|_| KeychainError::Unavailable("the in-memory store was poisoned".to_owned()))
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
        Ok(self.entries()?.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
        self.entries()?
            .insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<bool, KeychainError> {
        Ok(self.entries()?.remove(account).is_some())
    }
}

/// Member credentials (by profile: the org API's base URL) and this device's signing keys (by
/// profile too), in a [`SecretStore`]. Cheap to clone; clones share the store.
///
/// Entries can also be given up front ([`Keychain::preset_credentials`],
/// [`Keychain::preset_device_key`]: automation passing a key in its environment): reads find
/// them first; they are never written to the store.
#[derive(Debug, Clone)]
pub struct Keychain {
    store: Arc<dyn SecretStore>,
    preset: MemoryStore,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    api_key: String,
    api_secret: String,
}

impl Default for Keychain {
    /// The OS keychain under the service name `countersign`.
    fn default() -> Self {
        Self::new("countersign")
    }
}

impl Keychain {
    /// The OS keychain under `service`.
    pub fn new(service: &str) -> Self {
        Self::with_store(OsStore::new(service))
    }

    /// A keychain in this process's memory only (nothing reaches the OS).
    pub fn in_memory() -> Self {
        Self::with_store(MemoryStore::default())
    }

    /// A keychain over any store.
    pub fn with_store(store: impl SecretStore + 'static) -> Self {
        Self {
            store: Arc::new(store),
            preset: MemoryStore::default(),
        }
    }

    /// Answers [`Keychain::load`] for `profile` with `creds`, in front of the store.
    pub fn preset_credentials(
        &self,
        profile: &str,
        creds: &Credentials,
    ) -> Result<(), KeychainError> {
        self.preset.set(profile, &stored_json(profile, creds)?)
    }

    /// Answers [`Keychain::device_key`] for `profile` with `key`, in front of the store.
    pub fn preset_device_key(&self, profile: &str, key: &DeviceKey) -> Result<(), KeychainError> {
        self.preset.set(&device_account(profile), &key.to_base64())
    }

    /// The secret for `account`: a preset one, else the store's.
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
        match self.preset.get(account)? {
            Some(secret) => Ok(Some(secret)),
            None => self.store.get(account),
        }
    }

    /// Stores (or replaces) the credentials for `profile` (the org API base URL).
    pub fn store(&self, profile: &str, creds: &Credentials) -> Result<(), KeychainError> {
        self.store.set(profile, &stored_json(profile, creds)?)
    }

    /// Loads the credentials for `profile`.
    pub fn load(&self, profile: &str) -> Result<Credentials, KeychainError> {
        let json = self
            .get(profile)?
            .ok_or_else(|| KeychainError::NotFound(profile.to_owned()))?;
        let stored: Stored =
            serde_json::from_str(&json).map_err(|_| KeychainError::Corrupt(profile.to_owned()))?;
        let api_secret = ApiSecret::from_base64(&stored.api_secret)
            .map_err(|_| KeychainError::Corrupt(profile.to_owned()))?;
        Ok(Credentials {
            api_key: stored.api_key,
            api_secret,
        })
    }

    /// Deletes the credentials for `profile`.
    pub fn delete(&self, profile: &str) -> Result<(), KeychainError> {
        if self.store.delete(profile)? {
            Ok(())
        } else {
            Err(KeychainError::NotFound(profile.to_owned()))
        }
    }

    /// This device's signing key for `profile`, created and stored on first use. The private
    /// half lives only here (and in memory while signing).
    pub fn device_key(&self, profile: &str) -> Result<DeviceKey, KeychainError> {
        let account = device_account(profile);
        match self.get(&account)? {
            Some(stored) => {
                DeviceKey::from_base64(&stored).map_err(|_| KeychainError::Corrupt(account))
            }
            None => {
                let key = DeviceKey::generate();
                self.store.set(&account, &key.to_base64())?;
                Ok(key)
            }
        }
    }

    /// Forgets this device's signing key for `profile` (a new one is made on next use, and must
    /// be registered again).
    pub fn delete_device_key(&self, profile: &str) -> Result<(), KeychainError> {
        let account = device_account(profile);
        if self.store.delete(&account)? {
            Ok(())
        } else {
            Err(KeychainError::NotFound(account))
        }
    }
}

fn stored_json(profile: &str, creds: &Credentials) -> Result<String, KeychainError> {
    let stored = Stored {
        api_key: creds.api_key.clone(),
        api_secret: creds.api_secret.to_base64(),
    };
    serde_json::to_string(&stored).map_err(|_| KeychainError::Corrupt(profile.to_owned()))
}

fn device_account(profile: &str) -> String {
    format!("device:{profile}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(key: &str, secret_byte: u8) -> Credentials {
        Credentials {
            api_key: key.to_owned(),
            api_secret: ApiSecret::from_bytes(vec![secret_byte; 64]),
        }
    }

    #[test]
    fn the_memory_store_keeps_credentials_and_device_keys_like_the_os_one() {
        let keychain = Keychain::in_memory();
        assert!(matches!(
            keychain.load("http://a"),
            Err(KeychainError::NotFound(_))
        ));
        keychain
            .store("http://a", &creds("KEY-A", 1))
            .expect("store");
        assert_eq!(keychain.load("http://a").expect("load"), creds("KEY-A", 1));
        let clone = keychain.clone();
        let device = clone.device_key("http://a").expect("made");
        assert_eq!(
            keychain.device_key("http://a").expect("kept").public(),
            device.public(),
            "clones share one store"
        );
        keychain.delete("http://a").expect("delete");
        assert!(matches!(
            keychain.delete("http://a"),
            Err(KeychainError::NotFound(_))
        ));
        keychain.delete_device_key("http://a").expect("forget");
        assert_ne!(
            keychain.device_key("http://a").expect("new").public(),
            device.public()
        );
    }

    #[test]
    fn preset_entries_answer_first_and_never_reach_the_store() {
        let store = MemoryStore::default();
        let keychain = Keychain::with_store(store.clone());
        keychain
            .store("http://a", &creds("STORED", 1))
            .expect("store");
        keychain
            .preset_credentials("http://a", &creds("PRESET", 2))
            .expect("preset");
        let device = DeviceKey::generate();
        keychain
            .preset_device_key("http://a", &device)
            .expect("preset");
        assert_eq!(keychain.load("http://a").expect("load"), creds("PRESET", 2));
        assert_eq!(
            keychain.device_key("http://a").expect("device").public(),
            device.public()
        );
        assert!(store.get("device:http://a").expect("get").is_none());
        assert!(
            store
                .get("http://a")
                .expect("get")
                .is_some_and(|json| json.contains("STORED"))
        );
    }

    #[test]
    fn a_corrupt_entry_is_named() {
        let store = MemoryStore::default();
        store.set("http://a", "not json").expect("set");
        let keychain = Keychain::with_store(store);
        assert!(matches!(
            keychain.load("http://a"),
            Err(KeychainError::Corrupt(p)) if p == "http://a"
        ));
    }
}
