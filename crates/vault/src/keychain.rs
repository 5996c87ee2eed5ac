//! Member credentials in the OS keychain, and nowhere else.

use countersign_kraken::{ApiSecret, Credentials};
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

/// The keychain, under one service name (`countersign`, or another for isolated tests).
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    api_key: String,
    api_secret: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Self::new("countersign")
    }
}

impl Keychain {
    /// A keychain view under `service`.
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, profile: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, profile).map_err(|e| map_err(e, profile))
    }

    /// Stores (or replaces) the credentials for `profile` (the org API base URL).
    pub fn store(&self, profile: &str, creds: &Credentials) -> Result<(), KeychainError> {
        let stored = Stored {
            api_key: creds.api_key.clone(),
            api_secret: creds.api_secret.to_base64(),
        };
        let json = serde_json::to_string(&stored)
            .map_err(|_| KeychainError::Corrupt(profile.to_owned()))?;
        self.entry(profile)?
            .set_password(&json)
            .map_err(|e| map_err(e, profile))
    }

    /// Loads the credentials for `profile`.
    pub fn load(&self, profile: &str) -> Result<Credentials, KeychainError> {
        let json = self
            .entry(profile)?
            .get_password()
            .map_err(|e| map_err(e, profile))?;
        let stored: Stored =
            serde_json::from_str(&json).map_err(|_| KeychainError::Corrupt(profile.to_owned()))?;
        let api_secret = ApiSecret::from_base64(&stored.api_secret)
            .map_err(|_| KeychainError::Corrupt(profile.to_owned()))?;
        Ok(Credentials {
            api_key: stored.api_key,
            api_secret,
        })
    }

    /// This device's signing key for `profile`, created and stored on first use. The private
    /// half lives only here (and in memory while signing).
    pub fn device_key(&self, profile: &str) -> Result<crate::DeviceKey, KeychainError> {
        let account = format!("device:{profile}");
        let entry = self.entry(&account)?;
        match entry.get_password() {
            Ok(stored) => crate::DeviceKey::from_base64(&stored)
                .map_err(|_| KeychainError::Corrupt(account.clone())),
            Err(keyring::Error::NoEntry) => {
                let key = crate::DeviceKey::generate();
                entry
                    .set_password(&key.to_base64())
                    .map_err(|e| map_err(e, &account))?;
                Ok(key)
            }
            Err(e) => Err(map_err(e, &account)),
        }
    }

    /// Forgets this device's signing key for `profile` (a new one is made on next use, and must
    /// be registered again).
    pub fn delete_device_key(&self, profile: &str) -> Result<(), KeychainError> {
        let account = format!("device:{profile}");
        self.entry(&account)?
            .delete_credential()
            .map_err(|e| map_err(e, &account))
    }

    /// Deletes the credentials for `profile`.
    pub fn delete(&self, profile: &str) -> Result<(), KeychainError> {
        self.entry(profile)?
            .delete_credential()
            .map_err(|e| map_err(e, profile))
    }
}

fn map_err(e: keyring::Error, profile: &str) -> KeychainError {
    match e {
        keyring::Error::NoEntry => KeychainError::NotFound(profile.to_owned()),
        keyring::Error::NoStorageAccess(inner) => {
            if inner.to_string().to_lowercase().contains("lock") {
                KeychainError::Locked
            } else {
                KeychainError::Unavailable(inner.to_string())
            }
        }
        keyring::Error::BadEncoding(_) => KeychainError::Corrupt(profile.to_owned()),
        other => KeychainError::Unavailable(other.to_string()),
    }
}
