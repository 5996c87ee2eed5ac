//! A workflow's approval policy.

use serde::{Deserialize, Serialize};

/// The rule a workflow's requests follow. A workflow with no policy completes requests at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// When on, even a member holding Execute goes through the queue.
    pub always_require_approval: bool,
    /// Independent approvals needed to complete a queued request (N ≥ 1).
    pub required_approvals: u32,
    /// A locked policy cannot be changed unilaterally.
    pub locked: bool,
    /// **(extension)** Seconds after submission at which a pending request expires; `None` = never.
    pub expires_after: Option<u64>,
}

impl Policy {
    /// A policy requiring `n` approvals, unlocked, never expiring.
    pub fn requiring(n: u32) -> Self {
        Self {
            always_require_approval: true,
            required_approvals: n.max(1),
            locked: false,
            expires_after: None,
        }
    }
}
