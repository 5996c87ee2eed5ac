//! A least-privilege advice from a key's usage record ([`KeyAdvice`], from [`advise`]): the
//! scopes not used for [`UNUSED_AFTER_SECONDS`] dropped, and an open IP allow-list narrowed to
//! the addresses the key was called from. Offered as the Manage Access request it is
//! ([`KeyAdvice::payload`]); the preview then says what it tightens, like any key change. The
//! app and the CLI (`countersign keys advise`) both read it from here.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::ServiceUserId;
use crate::request::RequestPayload;
use crate::scope::{ApiKeySpec, Scope};
use crate::view::KeyUsage;

/// How long a scope may go unused before the advice drops it: 30 days.
pub const UNUSED_AFTER_SECONDS: i64 = 30 * 86_400;

/// A scope the advice drops, and when it was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DroppedScope {
    /// The scope.
    pub scope: Scope,
    /// Its last use, unix seconds (`null`: never).
    #[ts(type = "number | null")]
    pub last_at: Option<i64>,
}

/// What a key could lose without losing anything it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KeyAdvice {
    /// The key the advice proposes: the same settings, fewer scopes, a narrower allow-list.
    pub key: ApiKeySpec,
    /// The scopes dropped, in the key's order.
    pub dropped: Vec<DroppedScope>,
    /// The addresses the allow-list is narrowed to (empty: left as it is).
    pub narrowed_to: Vec<String>,
}

impl KeyAdvice {
    /// The Manage Access request that carries the advice out.
    pub fn payload(&self, service_user: &str) -> RequestPayload {
        RequestPayload::ChangeServiceUserKey {
            service_user: ServiceUserId(service_user.to_owned()),
            key: self.key.clone(),
        }
    }

    /// "remove Create & modify orders (never used), Export data (last used 2026-10-01); narrow the IP
    /// list to 203.0.113.7 (the addresses seen)", naming last uses through `when`.
    pub fn summary(&self, when: impl Fn(i64) -> String) -> String {
        let mut parts = Vec::new();
        if !self.dropped.is_empty() {
            let dropped: Vec<String> = self
                .dropped
                .iter()
                .map(|d| {
                    let last = d.last_at.map_or_else(
                        || "never used".to_owned(),
                        |t| format!("last used {}", when(t)),
                    );
                    format!("{} ({last})", d.scope.label())
                })
                .collect();
            parts.push(format!("remove {}", dropped.join(", ")));
        }
        if !self.narrowed_to.is_empty() {
            parts.push(format!(
                "narrow the IP list to {} (the addresses seen)",
                self.narrowed_to.join(", ")
            ));
        }
        parts.join("; ")
    }
}

/// The advice for `key` from its `usage` at `now` (unix seconds), or `None` when there is
/// nothing to tighten. A key not used at all says nothing about which scope it needs: it gets
/// no advice (removing the service user is the question then).
pub fn advise(key: &ApiKeySpec, usage: &KeyUsage, now: i64) -> Option<KeyAdvice> {
    let recent = |at: Option<i64>| at.is_some_and(|t| now - t <= UNUSED_AFTER_SECONDS);
    let used: Vec<Scope> = usage
        .scopes
        .iter()
        .filter(|s| recent(s.last_at))
        .map(|s| s.scope)
        .collect();
    if used.is_empty() {
        return None;
    }
    let dropped: Vec<DroppedScope> = usage
        .scopes
        .iter()
        .filter(|s| key.scopes.contains(&s.scope) && !recent(s.last_at))
        .map(|s| DroppedScope {
            scope: s.scope,
            last_at: s.last_at,
        })
        .collect();
    let narrowed_to: Vec<String> = if key.settings.ip_allowlist.is_empty() {
        usage.addresses.iter().map(|a| a.address.clone()).collect()
    } else {
        Vec::new()
    };
    if dropped.is_empty() && narrowed_to.is_empty() {
        return None;
    }
    let mut advised = key.clone();
    advised
        .scopes
        .retain(|s| !dropped.iter().any(|d| d.scope == *s));
    if !narrowed_to.is_empty() {
        advised.settings.ip_allowlist.clone_from(&narrowed_to);
    }
    Some(KeyAdvice {
        key: advised,
        dropped,
        narrowed_to,
    })
}
