//! A workflow's approval [`Policy`], as data, and the field-by-field [`diff`] between two
//! policies, each change marked loosening or tightening.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The rule a workflow's requests follow. A workflow with no policy completes requests at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Policy {
    /// When on, even a member holding Execute goes through the queue.
    pub always_require_approval: bool,
    /// Independent approvals needed to complete a queued request (N ≥ 1).
    pub required_approvals: u32,
    /// A locked policy cannot be changed unilaterally, and locking is irreversible.
    pub locked: bool,
    /// **(extension)** Seconds after submission at which a pending request expires; `None` = never.
    #[ts(type = "number | null")]
    pub expires_after: Option<u64>,
}

impl Policy {
    /// A policy requiring `n` approvals, always, unlocked, never expiring.
    pub fn requiring(n: u32) -> Self {
        Self {
            always_require_approval: true,
            required_approvals: n.max(1),
            locked: false,
            expires_after: None,
        }
    }
}

/// Whether a change makes approval easier or harder to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Direction {
    /// Easier: fewer approvals, Execute allowed, no expiry, no policy.
    Loosening,
    /// Harder.
    Tightening,
}

/// One field's change between two policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PolicyFieldChange {
    /// The field (`required_approvals`, `always_require_approval`, `locked`, `expires_after`,
    /// or `policy` when one is added or removed).
    pub field: String,
    /// Before, in words.
    pub from: String,
    /// After, in words.
    pub to: String,
    /// Loosening or tightening.
    pub direction: Direction,
}

/// Seconds in the largest whole unit: `3 d`, `12 h`, `30 min`, `45 s`.
pub fn duration(seconds: u64) -> String {
    match seconds {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn words(p: Option<Policy>) -> String {
    match p {
        None => "no policy: requests complete at once".into(),
        Some(p) => format!(
            "{} approval{}{}",
            p.required_approvals,
            if p.required_approvals == 1 { "" } else { "s" },
            if p.always_require_approval {
                ", always"
            } else {
                " unless executed"
            }
        ),
    }
}

/// The field-by-field diff from `old` to `new`, each marked loosening or tightening.
pub fn diff(old: Option<Policy>, new: Option<Policy>) -> Vec<PolicyFieldChange> {
    let change = |field: &str, from: String, to: String, direction| PolicyFieldChange {
        field: field.into(),
        from,
        to,
        direction,
    };
    match (old, new) {
        (None, None) => Vec::new(),
        (None, Some(_)) => vec![change(
            "policy",
            words(old),
            words(new),
            Direction::Tightening,
        )],
        (Some(_), None) => vec![change(
            "policy",
            words(old),
            words(new),
            Direction::Loosening,
        )],
        (Some(a), Some(b)) => {
            let mut out = Vec::new();
            if a.required_approvals != b.required_approvals {
                out.push(change(
                    "required_approvals",
                    a.required_approvals.to_string(),
                    b.required_approvals.to_string(),
                    if b.required_approvals < a.required_approvals {
                        Direction::Loosening
                    } else {
                        Direction::Tightening
                    },
                ));
            }
            let yes_no = |v: bool| if v { "yes" } else { "no" }.to_owned();
            let always = |v: bool| if v { "yes" } else { "no (Execute allowed)" }.to_owned();
            if a.always_require_approval != b.always_require_approval {
                out.push(change(
                    "always_require_approval",
                    always(a.always_require_approval),
                    always(b.always_require_approval),
                    if b.always_require_approval {
                        Direction::Tightening
                    } else {
                        Direction::Loosening
                    },
                ));
            }
            if a.locked != b.locked {
                out.push(change(
                    "locked",
                    yes_no(a.locked),
                    yes_no(b.locked),
                    if b.locked {
                        Direction::Tightening
                    } else {
                        Direction::Loosening
                    },
                ));
            }
            if a.expires_after != b.expires_after {
                let w = |e: Option<u64>| {
                    e.map_or_else(|| "never".to_owned(), |s| format!("after {}", duration(s)))
                };
                // A shorter life (or any life after none) gives approvers less time: tightening.
                let tightening = match (a.expires_after, b.expires_after) {
                    (None, Some(_)) => true,
                    (Some(x), Some(y)) => y < x,
                    _ => false,
                };
                out.push(change(
                    "expires_after",
                    w(a.expires_after),
                    w(b.expires_after),
                    if tightening {
                        Direction::Tightening
                    } else {
                        Direction::Loosening
                    },
                ));
            }
            out
        }
    }
}
