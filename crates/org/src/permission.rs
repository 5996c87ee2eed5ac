//! What may be done, as plain data: the four [`Workflow`]s, the [`WorkflowPermission`]s a member
//! holds on each ([`Permissions`], a bitset), the [`AccountPermission`]s that act at once, and
//! what a change of permissions grants and takes away ([`permission_diff`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The four Organization workflows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Workflow {
    /// Members, permissions and service users.
    ManageAccess,
    /// Workflow policies.
    ManagePolicies,
    /// The withdrawal address book.
    ManageAddresses,
    /// Withdrawals.
    InitiateWithdrawal,
}

impl Workflow {
    /// Every workflow, in the spec's order.
    pub const ALL: [Workflow; 4] = [
        Self::ManageAccess,
        Self::ManagePolicies,
        Self::ManageAddresses,
        Self::InitiateWithdrawal,
    ];

    /// The wire name (`initiate_withdrawal`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ManageAccess => "manage_access",
            Self::ManagePolicies => "manage_policies",
            Self::ManageAddresses => "manage_addresses",
            Self::InitiateWithdrawal => "initiate_withdrawal",
        }
    }

    /// The name people read (`Initiate Withdrawal`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Self::ManageAccess => "Manage Access",
            Self::ManagePolicies => "Manage Policies",
            Self::ManageAddresses => "Manage Addresses",
            Self::InitiateWithdrawal => "Initiate Withdrawal",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

/// What a member may do within one workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
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
/// A bitset (one byte per workflow, one bit per permission): checking a permission is the hot
/// path of every preview over a large Organization. On the wire it is a map of workflow to the
/// permissions held on it: `{"initiate_withdrawal": ["view", "approve"], ...}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions([u8; 4]);

/// The wire (and TypeScript) shape of [`Permissions`].
#[doc(hidden)]
#[derive(Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "Permissions")]
pub struct PermissionsWire(BTreeMap<Workflow, Vec<WorkflowPermission>>);

const PERMISSIONS: [WorkflowPermission; 4] = [
    WorkflowPermission::View,
    WorkflowPermission::Initiate,
    WorkflowPermission::Approve,
    WorkflowPermission::Execute,
];

fn slot(w: Workflow) -> usize {
    match w {
        Workflow::ManageAccess => 0,
        Workflow::ManagePolicies => 1,
        Workflow::ManageAddresses => 2,
        Workflow::InitiateWithdrawal => 3,
    }
}

fn bit(p: WorkflowPermission) -> u8 {
    match p {
        WorkflowPermission::View => 1,
        WorkflowPermission::Initiate => 2,
        WorkflowPermission::Approve => 4,
        WorkflowPermission::Execute => 8,
    }
}

impl Permissions {
    /// No permissions at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Every permission on every workflow (the Owner's starting set).
    pub fn all() -> Self {
        Self([0b1111; 4])
    }

    /// Adds permissions on one workflow; returns `self` for chaining.
    pub fn with(mut self, workflow: Workflow, perms: &[WorkflowPermission]) -> Self {
        for perm in perms {
            self.grant(workflow, *perm);
        }
        self
    }

    /// Grants one permission.
    pub fn grant(&mut self, workflow: Workflow, perm: WorkflowPermission) {
        self.0[slot(workflow)] |= bit(perm);
    }

    /// Whether the permission is held.
    pub fn has(&self, workflow: Workflow, perm: WorkflowPermission) -> bool {
        self.0[slot(workflow)] & bit(perm) != 0
    }

    /// Whether the workflow's requests are shown to the holder: View ("see its requests"), or
    /// Approve, whose holder reviews others' requests in the queue (§2, §4) and must see them to.
    pub fn sees_requests(&self, workflow: Workflow) -> bool {
        self.has(workflow, WorkflowPermission::View)
            || self.has(workflow, WorkflowPermission::Approve)
    }

    /// The permissions held on one workflow, in order.
    pub fn on(&self, workflow: Workflow) -> impl Iterator<Item = WorkflowPermission> + '_ {
        PERMISSIONS
            .into_iter()
            .filter(move |p| self.has(workflow, *p))
    }

    fn to_wire(self) -> PermissionsWire {
        PermissionsWire(
            Workflow::ALL
                .into_iter()
                .map(|w| (w, self.on(w).collect::<Vec<_>>()))
                .filter(|(_, ps)| !ps.is_empty())
                .collect(),
        )
    }
}

impl Serialize for Permissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = PermissionsWire::deserialize(d)?;
        let mut p = Self::none();
        for (w, perms) in wire.0 {
            for perm in perms {
                p.grant(w, perm);
            }
        }
        Ok(p)
    }
}

/// Account permissions: they act immediately and are never queued (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AccountPermission {
    /// Trade.
    Trade,
    /// Allocate to Earn products.
    EarnAllocate,
    /// Deallocate from Earn products.
    EarnDeallocate,
}

/// One workflow permission, as a pair.
pub type Grant = (Workflow, WorkflowPermission);

/// Permissions a member gains and loses in a change: `(gained, lost)`.
pub fn permission_diff(before: &Permissions, after: &Permissions) -> (Vec<Grant>, Vec<Grant>) {
    let pairs = |p: &Permissions| -> BTreeSet<(Workflow, WorkflowPermission)> {
        Workflow::ALL
            .into_iter()
            .flat_map(|w| p.on(w).map(move |x| (w, x)))
            .collect()
    };
    let (b, a) = (pairs(before), pairs(after));
    (
        a.difference(&b).copied().collect(),
        b.difference(&a).copied().collect(),
    )
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn permissions_keep_their_wire_shape() {
        let p = Permissions::none().with(
            Workflow::InitiateWithdrawal,
            &[WorkflowPermission::Approve, WorkflowPermission::View],
        );
        let json = serde_json::to_value(p).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"initiate_withdrawal": ["view", "approve"]})
        );
        let back: Permissions = serde_json::from_value(json).expect("parse");
        assert_eq!(back, p);
        assert_eq!(
            serde_json::to_value(Permissions::none()).expect("serialise"),
            serde_json::json!({})
        );
        let all: Permissions =
            serde_json::from_value(serde_json::to_value(Permissions::all()).expect("s"))
                .expect("p");
        assert_eq!(all, Permissions::all());
    }
}
