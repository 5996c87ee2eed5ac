//! The Organization's state: members, service users, policies and the address book, and the
//! effects completed requests have on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::{Actor, ActorKind, ActorRef, Member, MemberId, ServiceUser, ServiceUserId};
use crate::permission::{Workflow, WorkflowPermission};
use crate::policy::Policy;
use crate::request::{Request, RequestId, RequestPayload};
use crate::settings::{MAX_DECISION_WINDOW_SECONDS, OrgSettings};
use crate::stop::{Stop, StopTarget, Stops};

/// An entry of the withdrawal address book, known by its `key` (name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddressEntry {
    /// The entry's name, as `Withdraw` takes it in `key`.
    pub key: String,
    /// Asset code.
    pub asset: String,
    /// Withdrawal method (e.g. `Bitcoin`, `SEPA`).
    pub method: String,
    /// The destination.
    pub address: String,
    /// Whether the exchange verified it.
    pub verified: bool,
}

/// The whole Organization, as the rules engine sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    /// Display name.
    pub name: String,
    /// Members by id (exactly one is the Owner).
    pub members: BTreeMap<MemberId, Member>,
    /// Service users by id.
    pub service_users: BTreeMap<ServiceUserId, ServiceUser>,
    /// Policies by workflow; a workflow absent here has no policy.
    pub policies: BTreeMap<Workflow, Policy>,
    /// The withdrawal address book by key.
    pub addresses: BTreeMap<String, AddressEntry>,
    /// The emergency stops in force (see [`crate::stop`]).
    #[serde(default)]
    pub stops: Stops,
    /// The Organization's settings (see [`crate::settings`]).
    #[serde(default)]
    pub settings: OrgSettings,
}

/// One change a completed request made, for the store to persist and the journal to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum OrgChange {
    /// A member joined.
    MemberAdded(Member),
    /// A member left.
    MemberRemoved(MemberId),
    /// A member's permissions changed.
    MemberUpdated(Member),
    /// A service user was created; the store issues its key and reveals the secret once.
    ServiceUserCreated(ServiceUser),
    /// A service user's key scopes or settings changed.
    ServiceUserUpdated(ServiceUser),
    /// A service user was removed (its key stops working).
    ServiceUserRemoved(ServiceUserId),
    /// A workflow's policy was set (`None`: removed).
    PolicySet {
        /// The workflow.
        workflow: Workflow,
        /// The new policy.
        policy: Option<Policy>,
    },
    /// An address-book entry was added or replaced.
    AddressSet(AddressEntry),
    /// An address-book entry was removed.
    AddressRemoved(String),
    /// An emergency stop was pulled (never by a request: see [`Org::emergency_stop`]).
    Stopped {
        /// What it switches off.
        target: StopTarget,
        /// Who, when, why.
        stop: Stop,
    },
    /// A stop was lifted by a completed request.
    Resumed(StopTarget),
    /// The Organization's settings changed (here: its decision window).
    SettingsChanged(OrgSettings),
    /// Funds left: the store debits `amount + fee` and posts the ledger entries.
    Withdrawn {
        /// Asset.
        asset: String,
        /// Amount sent.
        #[serde(with = "rust_decimal::serde::str")]
        amount: rust_decimal::Decimal,
        /// Fee.
        #[serde(with = "rust_decimal::serde::str")]
        fee: rust_decimal::Decimal,
        /// Destination.
        address: String,
    },
}

/// Why a payload cannot be submitted or applied against the Organization as it is now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// A referenced member does not exist.
    #[error("no member {0}")]
    UnknownMember(String),
    /// A referenced service user does not exist.
    #[error("no service user {0}")]
    UnknownServiceUser(String),
    /// A referenced address-book entry does not exist.
    #[error("no address-book entry named {0:?}")]
    UnknownAddress(String),
    /// A name is already taken.
    #[error("{what} {name:?} already exists")]
    Duplicate {
        /// What kind of thing.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// The Owner cannot be removed.
    #[error("the Owner cannot be removed from the Organization")]
    OwnerRemoval,
    /// A field is invalid.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An emergency stop keeps the request from completing until it is lifted.
    #[error("{0}; it cannot complete until the stop is lifted")]
    Stopped(String),
    /// A locked policy cannot be unlocked or removed.
    #[error("the {} policy is locked; locking is irreversible", .0.label())]
    LockedPolicy(Workflow),
    /// **(extension)** A change to a locked policy may only tighten; this one loosens a field.
    #[error(
        "the {} policy is locked: a change may only tighten, and {field} from {from} to {to} loosens it",
        .workflow.label()
    )]
    LockedPolicyLoosened {
        /// The locked policy's workflow.
        workflow: Workflow,
        /// The field loosened.
        field: String,
        /// Its value now, in words.
        from: String,
        /// The value asked for, in words.
        to: String,
    },
}

/// The largest amount (and fee) a withdrawal may carry: 10^20 of any asset.
pub fn max_amount() -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_i128_with_scale(100_000_000_000_000_000_000, 0)
}

fn invalid(field: &'static str, message: impl Into<String>) -> PayloadError {
    PayloadError::Invalid {
        field,
        message: message.into(),
    }
}

/// The longest name of a member, service user or address-book entry, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Whether `name` could name a member, a service user or an address-book entry: what may be
/// recorded of a name a call gave, whatever the call's outcome.
pub fn is_valid_name(name: &str) -> bool {
    check_name("name", name).is_ok()
}

fn check_name(field: &'static str, name: &str) -> Result<(), PayloadError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(field, "must be at most 64 characters"));
    }
    if trimmed != name {
        return Err(invalid(field, "must not start or end with spaces"));
    }
    Ok(())
}

impl Org {
    /// The member with this id.
    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.members.get(id)
    }

    /// The Owner.
    pub fn owner(&self) -> Option<&Member> {
        self.members.values().find(|m| m.is_owner)
    }

    /// The workflow's policy, if one is configured.
    pub fn policy(&self, workflow: Workflow) -> Option<Policy> {
        self.policies.get(&workflow).copied()
    }

    /// Members holding `permission` on `workflow`, in name order.
    pub fn holders(&self, workflow: Workflow, permission: WorkflowPermission) -> Vec<&Member> {
        let mut v: Vec<&Member> = self
            .members
            .values()
            .filter(|m| m.permissions.has(workflow, permission))
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// An actor's display form; an actor no longer in the Organization shows as removed.
    pub fn actor_ref(&self, actor: &Actor) -> ActorRef {
        match actor {
            Actor::Member(id) => ActorRef {
                kind: ActorKind::Member,
                id: id.0.clone(),
                name: self
                    .members
                    .get(id)
                    .map_or_else(|| format!("(removed {})", id.0), |m| m.name.clone()),
            },
            Actor::ServiceUser(id) => ActorRef {
                kind: ActorKind::ServiceUser,
                id: id.0.clone(),
                name: self
                    .service_users
                    .get(id)
                    .map_or_else(|| format!("(removed {})", id.0), |s| s.name.clone()),
            },
        }
    }

    /// The id a member invited by request `id` gets.
    pub fn invited_member_id(id: &RequestId) -> MemberId {
        MemberId(format!("m-{}", id.0.to_lowercase()))
    }

    /// The id a service user created by request `id` gets.
    pub fn created_service_user_id(id: &RequestId) -> ServiceUserId {
        ServiceUserId(format!("su-{}", id.0.to_lowercase()))
    }

    /// Checks `payload` against the Organization as it is now.
    pub fn validate(&self, payload: &RequestPayload) -> Result<(), PayloadError> {
        use RequestPayload as P;
        match payload {
            P::InviteMember { name, .. } => {
                check_name("name", name)?;
                if self.members.values().any(|m| m.name == *name) {
                    return Err(PayloadError::Duplicate {
                        what: "member",
                        name: name.clone(),
                    });
                }
            }
            P::RemoveMember { member } => {
                let m = self
                    .members
                    .get(member)
                    .ok_or_else(|| PayloadError::UnknownMember(member.0.clone()))?;
                if m.is_owner {
                    return Err(PayloadError::OwnerRemoval);
                }
            }
            P::ChangeMemberPermissions { member, .. } => {
                if !self.members.contains_key(member) {
                    return Err(PayloadError::UnknownMember(member.0.clone()));
                }
            }
            P::CreateServiceUser { name, key } => {
                check_name("name", name)?;
                if self.service_users.values().any(|s| s.name == *name) {
                    return Err(PayloadError::Duplicate {
                        what: "service user",
                        name: name.clone(),
                    });
                }
                key.settings
                    .validate()
                    .map_err(|e| invalid("key.settings", e.to_string()))?;
            }
            P::ChangeServiceUserKey { service_user, key } => {
                if !self.service_users.contains_key(service_user) {
                    return Err(PayloadError::UnknownServiceUser(service_user.0.clone()));
                }
                key.settings
                    .validate()
                    .map_err(|e| invalid("key.settings", e.to_string()))?;
            }
            P::RemoveServiceUser { service_user } => {
                if !self.service_users.contains_key(service_user) {
                    return Err(PayloadError::UnknownServiceUser(service_user.0.clone()));
                }
            }
            P::ResumeServiceUser { service_user } => {
                let s = self
                    .service_users
                    .get(service_user)
                    .ok_or_else(|| PayloadError::UnknownServiceUser(service_user.0.clone()))?;
                if !self.stops.keys.contains_key(service_user) {
                    return Err(invalid(
                        "service_user",
                        format!("{}'s key is not stopped", s.name),
                    ));
                }
            }
            P::ResumeWithdrawals => {
                if self.stops.withdrawals.is_none() {
                    return Err(invalid("withdrawals", "withdrawals are not frozen"));
                }
            }
            P::SetDecisionWindow { seconds } => {
                if *seconds > MAX_DECISION_WINDOW_SECONDS {
                    return Err(invalid(
                        "seconds",
                        format!("at most {MAX_DECISION_WINDOW_SECONDS} seconds (10 minutes)"),
                    ));
                }
                if *seconds == self.settings.decision_window_seconds {
                    return Err(invalid(
                        "seconds",
                        format!("the decision window is already {seconds} seconds"),
                    ));
                }
            }
            P::ChangePolicy { workflow, policy } => {
                if let Some(p) = policy {
                    if p.required_approvals == 0 {
                        return Err(invalid("required_approvals", "must be at least 1"));
                    }
                    if p.expires_after == Some(0) {
                        return Err(invalid(
                            "expires_after",
                            "must be at least 1 second, or absent",
                        ));
                    }
                }
                let was_locked = self.policy(*workflow).is_some_and(|p| p.locked);
                if was_locked && !policy.is_some_and(|p| p.locked) {
                    return Err(PayloadError::LockedPolicy(*workflow));
                }
                // The lock holds every field (extension): a change may only tighten.
                if was_locked
                    && let Some(loosened) = crate::policy::diff(self.policy(*workflow), *policy)
                        .into_iter()
                        .find(|c| c.direction == crate::policy::Direction::Loosening)
                {
                    return Err(PayloadError::LockedPolicyLoosened {
                        workflow: *workflow,
                        field: loosened.field,
                        from: loosened.from,
                        to: loosened.to,
                    });
                }
                // Locking goes through LockPolicy, whose checks (spec §3) a change must not skip.
                if !was_locked && policy.is_some_and(|p| p.locked) {
                    return Err(invalid(
                        "locked",
                        "lock a policy with a lock request, not by changing it",
                    ));
                }
            }
            P::LockPolicy { workflow } => match self.policy(*workflow) {
                None => {
                    return Err(invalid(
                        "workflow",
                        format!("{} has no policy to lock", workflow.label()),
                    ));
                }
                Some(p) if p.locked => {
                    return Err(invalid(
                        "workflow",
                        format!("the {} policy is already locked", workflow.label()),
                    ));
                }
                Some(_) => {}
            },
            P::AddAddress {
                key,
                asset,
                method,
                address,
            } => {
                check_name("key", key)?;
                if self.addresses.contains_key(key) {
                    return Err(PayloadError::Duplicate {
                        what: "address-book entry",
                        name: key.clone(),
                    });
                }
                for (field, v) in [("asset", asset), ("method", method), ("address", address)] {
                    if v.trim().is_empty() {
                        return Err(invalid(field, "must not be empty"));
                    }
                }
            }
            P::RelabelAddress { key, new_key } => {
                if !self.addresses.contains_key(key) {
                    return Err(PayloadError::UnknownAddress(key.clone()));
                }
                check_name("new_key", new_key)?;
                if self.addresses.contains_key(new_key) {
                    return Err(PayloadError::Duplicate {
                        what: "address-book entry",
                        name: new_key.clone(),
                    });
                }
            }
            P::RemoveAddress { key } => {
                if !self.addresses.contains_key(key) {
                    return Err(PayloadError::UnknownAddress(key.clone()));
                }
            }
            P::Withdrawal {
                asset,
                amount,
                fee,
                key,
                address,
            } => {
                let entry = self
                    .addresses
                    .get(key)
                    .ok_or_else(|| PayloadError::UnknownAddress(key.clone()))?;
                if entry.asset != *asset {
                    return Err(invalid(
                        "asset",
                        format!("{key:?} is an address for {}, not {asset}", entry.asset),
                    ));
                }
                if entry.address != *address {
                    return Err(invalid(
                        "address",
                        format!("{key:?} now points elsewhere; submit the withdrawal again"),
                    ));
                }
                if *amount <= rust_decimal::Decimal::ZERO {
                    return Err(invalid("amount", "must be greater than 0"));
                }
                if fee.is_sign_negative() {
                    return Err(invalid("fee", "must not be negative"));
                }
                // Far beyond any real amount, and far inside the decimal type: every sum and
                // product the rules and views take of amounts stays exact.
                for (field, value) in [("amount", amount), ("fee", fee)] {
                    if *value > max_amount() {
                        return Err(invalid(
                            field,
                            format!("must be at most {}", crate::request::grouped(max_amount())),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Applies a completed request, returning what changed: its payload ([`Org::apply`]), and
    /// for a service user's creation, who receives the key's secret (the initiator, at the
    /// one-time reveal), recorded as its `key_holder`.
    pub fn apply_completed(&mut self, request: &Request) -> Result<Vec<OrgChange>, PayloadError> {
        let mut changes = self.apply(&request.id, &request.payload)?;
        if let Actor::Member(holder) = &request.initiator {
            for change in &mut changes {
                if let OrgChange::ServiceUserCreated(created) = change {
                    created.key_holder = Some(holder.clone());
                    if let Some(s) = self.service_users.get_mut(&created.id) {
                        s.key_holder = Some(holder.clone());
                    }
                }
            }
        }
        Ok(changes)
    }

    /// Applies a completed request's payload, returning what changed. Re-validates first: the
    /// Organization may have changed while the request waited. It knows no initiator: a created
    /// service user has no key holder ([`Org::apply_completed`] records one).
    pub fn apply(
        &mut self,
        id: &RequestId,
        payload: &RequestPayload,
    ) -> Result<Vec<OrgChange>, PayloadError> {
        use RequestPayload as P;
        self.validate(payload)?;
        let change = match payload {
            P::InviteMember {
                name,
                permissions,
                account,
            } => {
                let m = Member {
                    id: Self::invited_member_id(id),
                    name: name.clone(),
                    is_owner: false,
                    permissions: *permissions,
                    account: account.clone(),
                };
                self.members.insert(m.id.clone(), m.clone());
                OrgChange::MemberAdded(m)
            }
            P::RemoveMember { member } => {
                self.members.remove(member);
                OrgChange::MemberRemoved(member.clone())
            }
            P::ChangeMemberPermissions {
                member,
                permissions,
                account,
            } => {
                let m = self
                    .members
                    .get_mut(member)
                    .ok_or_else(|| PayloadError::UnknownMember(member.0.clone()))?;
                m.permissions = *permissions;
                m.account = account.clone();
                OrgChange::MemberUpdated(m.clone())
            }
            P::CreateServiceUser { name, key } => {
                let s = ServiceUser {
                    id: Self::created_service_user_id(id),
                    name: name.clone(),
                    key: key.clone(),
                    key_holder: None,
                };
                self.service_users.insert(s.id.clone(), s.clone());
                OrgChange::ServiceUserCreated(s)
            }
            P::ChangeServiceUserKey { service_user, key } => {
                let s = self
                    .service_users
                    .get_mut(service_user)
                    .ok_or_else(|| PayloadError::UnknownServiceUser(service_user.0.clone()))?;
                s.key = key.clone();
                OrgChange::ServiceUserUpdated(s.clone())
            }
            P::RemoveServiceUser { service_user } => {
                self.service_users.remove(service_user);
                self.stops.keys.remove(service_user);
                OrgChange::ServiceUserRemoved(service_user.clone())
            }
            P::ResumeServiceUser { service_user } => {
                self.stops.keys.remove(service_user);
                OrgChange::Resumed(StopTarget::ServiceUser {
                    service_user: service_user.clone(),
                })
            }
            P::ResumeWithdrawals => {
                self.stops.withdrawals = None;
                OrgChange::Resumed(StopTarget::Withdrawals)
            }
            P::SetDecisionWindow { seconds } => {
                self.settings.decision_window_seconds = *seconds;
                OrgChange::SettingsChanged(self.settings)
            }
            P::ChangePolicy { workflow, policy } => {
                match policy {
                    Some(p) => self.policies.insert(*workflow, *p),
                    None => self.policies.remove(workflow),
                };
                OrgChange::PolicySet {
                    workflow: *workflow,
                    policy: *policy,
                }
            }
            P::LockPolicy { workflow } => {
                let p = self
                    .policies
                    .get_mut(workflow)
                    .ok_or_else(|| invalid("workflow", "no policy to lock"))?;
                p.locked = true;
                OrgChange::PolicySet {
                    workflow: *workflow,
                    policy: Some(*p),
                }
            }
            P::AddAddress {
                key,
                asset,
                method,
                address,
            } => {
                let e = AddressEntry {
                    key: key.clone(),
                    asset: asset.clone(),
                    method: method.clone(),
                    address: address.clone(),
                    verified: false,
                };
                self.addresses.insert(key.clone(), e.clone());
                OrgChange::AddressSet(e)
            }
            P::RelabelAddress { key, new_key } => {
                let mut e = self
                    .addresses
                    .remove(key)
                    .ok_or_else(|| PayloadError::UnknownAddress(key.clone()))?;
                e.key = new_key.clone();
                self.addresses.insert(new_key.clone(), e.clone());
                return Ok(vec![
                    OrgChange::AddressRemoved(key.clone()),
                    OrgChange::AddressSet(e),
                ]);
            }
            P::RemoveAddress { key } => {
                self.addresses.remove(key);
                OrgChange::AddressRemoved(key.clone())
            }
            P::Withdrawal {
                asset,
                amount,
                fee,
                address,
                ..
            } => OrgChange::Withdrawn {
                asset: asset.clone(),
                amount: *amount,
                fee: *fee,
                address: address.clone(),
            },
        };
        Ok(vec![change])
    }
}
