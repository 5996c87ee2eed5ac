//! The remote org API the app and the CLI talk to. Only the base URL, and the certificate pin
//! when there is one, are written to disk.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A configured remote. Absent: the app runs on its embedded sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteConfig {
    /// The org API base URL (also the keychain profile name of the member's credentials).
    pub base_url: String,
    /// The SHA-256 of the one server certificate accepted, whoever signed it (a sandbox shared
    /// across machines makes its own, and prints this); none: the usual authorities decide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_sha256: Option<String>,
}

/// Why the config could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{path} is not a valid remote config ({message}); fix or delete it")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl RemoteConfig {
    /// The default location: `<config dir>/countersign/remote.json` (the OS's config dir).
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("countersign").join("remote.json"))
    }

    /// Reads the config at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ConfigError::Invalid {
                    path: path.to_owned(),
                    message: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes the config to `path`, creating its directory.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let io = |source| ConfigError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text =
            serde_json::to_string_pretty(self).unwrap_or_else(|_| unreachable!("plain data"));
        std::fs::write(path, text).map_err(io)
    }

    /// Removes the config at `path` (the app returns to the sandbox). Absent is fine.
    pub fn remove(path: &Path) -> Result<(), ConfigError> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ConfigError::Io {
                path: path.to_owned(),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrips_and_absent_is_none() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/remote.json");
        assert_eq!(RemoteConfig::load(&path).expect("load"), None);
        let c = RemoteConfig {
            base_url: "https://org.example".into(),
            pin_sha256: None,
        };
        c.save(&path).expect("save");
        assert_eq!(RemoteConfig::load(&path).expect("load"), Some(c));
        // A config written before pins existed reads as unpinned; a pin round-trips.
        std::fs::write(&path, r#"{"base_url":"https://org.example"}"#).expect("write");
        assert_eq!(
            RemoteConfig::load(&path)
                .expect("load")
                .map(|c| c.pin_sha256),
            Some(None)
        );
        let pinned = RemoteConfig {
            base_url: "https://10.0.0.5:8765".into(),
            pin_sha256: Some("ab".repeat(32)),
        };
        pinned.save(&path).expect("save");
        assert_eq!(RemoteConfig::load(&path).expect("load"), Some(pinned));
        RemoteConfig::remove(&path).expect("remove");
        RemoteConfig::remove(&path).expect("remove twice");
        std::fs::write(&path, "{").ok();
    }

    #[test]
    fn an_invalid_file_names_itself() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("remote.json");
        std::fs::write(&path, "{\"base\":1}").expect("write");
        let err = RemoteConfig::load(&path).expect_err("invalid");
        assert!(err.to_string().contains("remote.json"), "{err}");
    }
}
