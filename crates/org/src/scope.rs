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
    /// The nonce window is above [`MAX_NONCE_WINDOW`].
    #[error("nonce_window {value} is above the limit of {MAX_NONCE_WINDOW} nonce units")]
    NonceWindowTooLarge {
        /// The value asked for.
        value: u64,
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

pub use countersign_kraken::MAX_NONCE_WINDOW;

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

/// Whether `ip` falls in the allowlist entry (an address or a CIDR range). An IPv4 caller
/// reaching an IPv6 socket (`::ffff:a.b.c.d`) is compared as IPv4.
pub fn in_range(ip: IpAddr, entry: &str) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    };
    let Some((net, prefix)) = parse_cidr(entry) else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

impl KeySettings {
    /// Whether a call from `ip` may use the key: its allowlist is empty (any address) or holds
    /// an entry `ip` falls in.
    pub fn admits(&self, ip: IpAddr) -> bool {
        self.ip_allowlist.is_empty() || self.ip_allowlist.iter().any(|e| in_range(ip, e))
    }

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
        if self.nonce_window > MAX_NONCE_WINDOW {
            return Err(KeySpecError::NonceWindowTooLarge {
                value: self.nonce_window,
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

/// An allow-list entry as an inclusive range of one address family (IPv4 addresses are kept
/// apart from IPv6 ones: `family` is 4 or 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct IpRange {
    family: u8,
    first: u128,
    last: u128,
}

fn range(entry: &str) -> Option<IpRange> {
    let (ip, prefix) = parse_cidr(entry)?;
    let (family, bits, value) = match ip {
        IpAddr::V4(v4) => (4, 32, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (6, 128, u128::from(v6)),
    };
    let host_bits = bits - u32::from(prefix);
    let mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some(IpRange {
        family,
        first: value & !mask,
        last: value | mask,
    })
}

/// The addresses an allow-list admits, as merged ranges; `None` when it admits any address
/// (an empty list). Entries that do not parse admit nothing (validation names them).
fn admitted(list: &[String]) -> Option<Vec<IpRange>> {
    if list.is_empty() {
        return None;
    }
    let mut ranges: Vec<IpRange> = list.iter().filter_map(|e| range(e)).collect();
    ranges.sort();
    let mut merged: Vec<IpRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(m) if m.family == r.family && r.first <= m.last.saturating_add(1) => {
                m.last = m.last.max(r.last);
            }
            _ => merged.push(r),
        }
    }
    Some(merged)
}

/// Whether `r` lies wholly inside the merged ranges `within` (`None`: any address).
fn covered(r: IpRange, within: Option<&[IpRange]>) -> bool {
    within.is_none_or(|ranges| {
        ranges
            .iter()
            .any(|m| m.family == r.family && m.first <= r.first && r.last <= m.last)
    })
}

/// The entries of `list` admitting some address that `other` does not admit, in `list`'s order.
/// An empty `list` (any address) against a non-empty `other` yields `["any address"]`.
pub fn allowlist_beyond(list: &[String], other: &[String]) -> Vec<String> {
    let within = admitted(other);
    if list.is_empty() {
        return if within.is_none() {
            Vec::new()
        } else {
            vec!["any address".to_owned()]
        };
    }
    list.iter()
        .filter(|e| range(e).is_some_and(|r| !covered(r, within.as_deref())))
        .cloned()
        .collect()
}

/// Allow-list entries wide enough to be worth a warning: every address of a family
/// (`0.0.0.0/0`, `::/0`), or a range wider than a /8 (IPv4) or a /32 (IPv6). Each with why.
pub fn wide_allowlist_entries(list: &[String]) -> Vec<(String, String)> {
    list.iter()
        .filter_map(|entry| {
            let (ip, prefix) = parse_cidr(entry)?;
            let (limit, family) = if ip.is_ipv4() {
                (8, "IPv4")
            } else {
                (32, "IPv6")
            };
            if prefix == 0 {
                Some((entry.clone(), format!("admits every {family} address")))
            } else if prefix < limit {
                Some((
                    entry.clone(),
                    format!("admits a range wider than a /{limit} ({family})"),
                ))
            } else {
                None
            }
        })
        .collect()
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
    fn allowlist_coverage_is_by_address_not_by_text() {
        let l = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        // Two halves cover the whole /8; the /8 covers each half.
        assert!(
            allowlist_beyond(&l(&["10.0.0.0/8"]), &l(&["10.0.0.0/9", "10.128.0.0/9"])).is_empty()
        );
        assert!(allowlist_beyond(&l(&["10.0.0.0/9"]), &l(&["10.0.0.0/8"])).is_empty());
        assert_eq!(
            allowlist_beyond(&l(&["10.0.0.0/7", "10.1.2.3"]), &l(&["10.0.0.0/8"])),
            ["10.0.0.0/7"]
        );
        // Families are apart: an IPv6 range never covers an IPv4 address.
        assert_eq!(
            allowlist_beyond(&l(&["10.0.0.1"]), &l(&["::/0"])),
            ["10.0.0.1"]
        );
        // Empty means any address.
        assert_eq!(
            allowlist_beyond(&l(&[]), &l(&["10.0.0.0/8"])),
            ["any address"]
        );
        assert!(allowlist_beyond(&l(&[]), &l(&[])).is_empty());
        assert!(allowlist_beyond(&l(&["0.0.0.0/0", "::/0"]), &l(&[])).is_empty());
        // Host bits in an entry do not matter: 10.1.2.3/8 is 10.0.0.0/8.
        assert!(allowlist_beyond(&l(&["10.1.2.3/8"]), &l(&["10.0.0.0/8"])).is_empty());
    }

    #[test]
    fn wide_entries_are_named_with_why() {
        let list: Vec<String> = [
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/7",
            "10.0.0.0/8",
            "2001:db8::/31",
            "2001:db8::/32",
            "192.0.2.1",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let wide: Vec<String> = wide_allowlist_entries(&list)
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        assert_eq!(wide, ["0.0.0.0/0", "::/0", "10.0.0.0/7", "2001:db8::/31"]);
    }

    #[test]
    fn nonce_window_is_capped() {
        let at_cap = KeySettings {
            nonce_window: MAX_NONCE_WINDOW,
            ..KeySettings::default()
        };
        assert_eq!(at_cap.validate(), Ok(()));
        let above = KeySettings {
            nonce_window: MAX_NONCE_WINDOW + 1,
            ..KeySettings::default()
        };
        assert_eq!(
            above.validate(),
            Err(KeySpecError::NonceWindowTooLarge {
                value: MAX_NONCE_WINDOW + 1
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

    #[test]
    fn allowlist_entries_match_addresses_and_ranges_of_both_families() {
        let v4 = "203.0.113.9".parse().expect("ip");
        let v6 = "2001:db8::42".parse().expect("ip");
        let mapped = "::ffff:203.0.113.9".parse().expect("ip");
        for (ip, entry, expected) in [
            (v4, "203.0.113.9", true),
            (v4, "203.0.113.0/24", true),
            (v4, "203.0.112.0/24", false),
            (v4, "0.0.0.0/0", true),
            (v4, "2001:db8::/32", false),
            (v6, "2001:db8::/32", true),
            (v6, "2001:db9::/32", false),
            (v6, "2001:db8::42", true),
            (v6, "::/0", true),
            (v6, "203.0.113.0/24", false),
            (mapped, "203.0.113.0/24", true),
            (v4, "not an address", false),
        ] {
            assert_eq!(in_range(ip, entry), expected, "{ip} in {entry}");
        }
    }
}
