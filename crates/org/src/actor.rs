//! Members, service users and the workflow permissions members hold.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::Workflow;

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

/// What a member may do within one workflow.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS,
)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowPermission {
    /// See the workflow's requests.
    View,
    /// Create a request.
    Initiate,
    /// Review (approve or reject) others' requests.
    Approve,
    /// Complete a request at once when the policy allows it.
    Execute,
}

/// A member's workflow permissions. Additive: a new member holds none.
///
/// On the wire: `{"initiate_withdrawal": ["view", "approve"], ...}`.
/// (A newtype struct: serde and ts-rs both render it as the inner map.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Permissions(BTreeMap<Workflow, BTreeSet<WorkflowPermission>>);

impl Permissions {
    /// No permissions at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every permission on every workflow (the Owner's starting set).
    pub fn all() -> Self {
        let mut p = Self::none();
        for w in Workflow::ALL {
            for perm in [
                WorkflowPermission::View,
                WorkflowPermission::Initiate,
                WorkflowPermission::Approve,
                WorkflowPermission::Execute,
            ] {
                p.grant(w, perm);
            }
        }
        p
    }

    /// Adds one permission; returns `self` for chaining.
    pub fn with(mut self, workflow: Workflow, perms: &[WorkflowPermission]) -> Self {
        for perm in perms {
            self.grant(workflow, *perm);
        }
        self
    }

    /// Grants one permission.
    pub fn grant(&mut self, workflow: Workflow, perm: WorkflowPermission) {
        self.0.entry(workflow).or_default().insert(perm);
    }

    /// Whether the permission is held.
    pub fn has(&self, workflow: Workflow, perm: WorkflowPermission) -> bool {
        self.0.get(&workflow).is_some_and(|s| s.contains(&perm))
    }

    /// The permissions held on one workflow, in order.
    pub fn on(&self, workflow: Workflow) -> impl Iterator<Item = WorkflowPermission> + '_ {
        self.0.get(&workflow).into_iter().flatten().copied()
    }
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
}

/// An API-only operator; what it may do is its API key's scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUser {
    /// Stable id.
    pub id: ServiceUserId,
    /// Display name (e.g. `rebalancer-bot`).
    pub name: String,
    /// Its API key's scopes and settings.
    pub key: crate::ApiKeySpec,
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
