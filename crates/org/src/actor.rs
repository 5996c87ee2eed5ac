//! Who acts: [`Member`]s (holding [`Permissions`]) and [`ServiceUser`]s (acting through their
//! API key), their ids, an [`Actor`] of either kind, and an [`ActorRef`] naming one for display.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::permission::{AccountPermission, Permissions};
use crate::scope::ApiKeySpec;

/// A member's id (stable; names can change).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MemberId(pub String);

/// A service user's id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServiceUserId(pub String);

/// Who initiated or decided something.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Actor {
    /// A person with 2FA and workflow permissions.
    Member(MemberId),
    /// An API-only bot; it can initiate withdrawals but never approve or execute.
    ServiceUser(ServiceUserId),
}

/// Whether an actor is a person or a bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ActorKind {
    /// A member.
    Member,
    /// A service user.
    ServiceUser,
}

/// Who did something: a member or a service user, by id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ActorRef {
    /// Member or service user.
    pub kind: ActorKind,
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A person in the Organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Stable id.
    pub id: MemberId,
    /// Display name.
    pub name: String,
    /// Whether this member created the Organization (exactly one is).
    pub is_owner: bool,
    /// Workflow permissions.
    pub permissions: Permissions,
    /// Account permissions (Trade, Earn): they act at once and are never queued (spec §2).
    #[serde(default)]
    pub account: BTreeSet<AccountPermission>,
}

/// An API-only operator; what it may do is its API key's scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUser {
    /// Stable id.
    pub id: ServiceUserId,
    /// Display name (e.g. `rebalancer-bot`).
    pub name: String,
    /// Its API key's scopes and settings.
    pub key: ApiKeySpec,
    /// The member who received the key's secret at its one-time reveal: the initiator of the
    /// request that created it (`None`: issued outside the Organization's requests, as the
    /// sandbox's seeded bots are). For the self-approval rule they count as the initiator of every
    /// request the bot makes ([`crate::Org::counts_as_initiator`]).
    #[serde(default)]
    pub key_holder: Option<MemberId>,
}

impl Member {
    /// This member as an [`Actor`].
    pub fn actor(&self) -> Actor {
        Actor::Member(self.id.clone())
    }
}

impl ServiceUser {
    /// This service user as an [`Actor`].
    pub fn actor(&self) -> Actor {
        Actor::ServiceUser(self.id.clone())
    }
}
