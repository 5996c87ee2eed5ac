//! API key settings and the key specification (scopes + settings), as in
//! `shared/spec/organizations.md` §5, and what a change of key grants and takes away
//! ([`scope_diff`]). The scopes themselves are wire names: [`Scope`] lives in
//! `countersign-kraken` and is re-exported here.

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use countersign_kraken::{Scope, ScopeGroup};

/// A key's settings (spec §5, "API key settings"). Times are unix seconds; 0 means unset, and
/// an omitted field takes its default (0, off, empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct KeySettings {
    /// After this the key is disabled (0 = never).
    #[ts(type = "number")]
    pub valid_until: i64,
    /// Queries return only entries after this (0 = none).
    #[ts(type = "number")]
    pub query_from: i64,
    /// Queries return only entries before this (0 = none).
    #[ts(type = "number")]
    pub query_to: i64,
    /// Whether the key may obtain a WebSocket token.
    pub websocket: bool,
    /// How far below the highest nonce seen a nonce is still accepted, in nonce units.
    #[ts(type = "number")]
    pub nonce_window: u64,
    /// IPv4/IPv6 addresses or CIDR ranges; empty = any.
    pub ip_allowlist: Vec<String>,
}

/// Why a key specification is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeySpecError {
    /// An allowlist entry is not an address or a CIDR range.
    #[error("ip_allowlist entry {index} ({entry:?}) is not an IPv4/IPv6 address or CIDR range")]
    BadAllowlistEntry {
        /// Position in the list (0-based).
        index: usize,
        /// The entry.
        entry: String,
    },
    /// The query window ends before it starts.
    #[error("query_to ({to}) is before query_from ({from})")]
    QueryWindowInverted {
        /// `query_from`.
        from: i64,
        /// `query_to`.
        to: i64,
    },
    /// A time is negative.
    #[error("{field} must be 0 (unset) or a unix time, not {value}")]
    NegativeTime {
        /// The field.
        field: &'static str,
        /// The value.
        value: i64,
    },
}

/// Parses `addr` or `addr/prefix` (IPv4 prefix ≤ 32, IPv6 ≤ 128).
pub fn parse_cidr(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, prefix) = match entry.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (entry.trim(), None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        None => max,
        Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
    };
    Some((ip, prefix))
}

impl KeySettings {
    /// Checks every field; the first problem is reported with the field named.
    pub fn validate(&self) -> Result<(), KeySpecError> {
        for (field, value) in [
            ("valid_until", self.valid_until),
            ("query_from", self.query_from),
            ("query_to", self.query_to),
        ] {
            if value < 0 {
                return Err(KeySpecError::NegativeTime { field, value });
            }
        }
        if self.query_from > 0 && self.query_to > 0 && self.query_to < self.query_from {
            return Err(KeySpecError::QueryWindowInverted {
                from: self.query_from,
                to: self.query_to,
            });
        }
        for (index, entry) in self.ip_allowlist.iter().enumerate() {
            if parse_cidr(entry).is_none() {
                return Err(KeySpecError::BadAllowlistEntry {
                    index,
                    entry: entry.clone(),
                });
            }
        }
        Ok(())
    }
}

/// A service user's API key: what it may do and under which settings. The secret is not here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ApiKeySpec {
    /// Granted scopes.
    pub scopes: BTreeSet<Scope>,
    /// Settings.
    pub settings: KeySettings,
}

/// Scopes a key gains and loses in a change, for the admin's diff.
pub fn scope_diff(before: &ApiKeySpec, after: &ApiKeySpec) -> (BTreeSet<Scope>, BTreeSet<Scope>) {
    let gained = after.scopes.difference(&before.scopes).copied().collect();
    let lost = before.scopes.difference(&after.scopes).copied().collect();
    (gained, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_entries_are_addresses_or_cidr_ranges() {
        for ok in [
            "10.0.0.1",
            "10.0.0.0/8",
            "2001:db8::/32",
            "::1",
            "0.0.0.0/0",
        ] {
            assert!(parse_cidr(ok).is_some(), "{ok}");
        }
        for bad in [
            "10.0.0.0/33",
            "2001:db8::/129",
            "example.com",
            "10.0.0/8",
            "",
        ] {
            assert!(parse_cidr(bad).is_none(), "{bad}");
        }
        let s = KeySettings {
            ip_allowlist: vec!["10.0.0.0/8".into(), "nope".into()],
            ..KeySettings::default()
        };
        assert_eq!(
            s.validate(),
            Err(KeySpecError::BadAllowlistEntry {
                index: 1,
                entry: "nope".into()
            })
        );
    }

    #[test]
    fn query_window_and_times_are_checked() {
        let inverted = KeySettings {
            query_from: 200,
            query_to: 100,
            ..KeySettings::default()
        };
        assert!(matches!(
            inverted.validate(),
            Err(KeySpecError::QueryWindowInverted { .. })
        ));
        let negative = KeySettings {
            valid_until: -1,
            ..KeySettings::default()
        };
        assert!(matches!(
            negative.validate(),
            Err(KeySpecError::NegativeTime {
                field: "valid_until",
                ..
            })
        ));
        assert_eq!(KeySettings::default().validate(), Ok(()));
    }
}
