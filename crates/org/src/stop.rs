//! Emergency stops, as data: what a stop switches off ([`StopTarget`]), who pulled it, when and
//! why ([`Stop`]), and the stops in force ([`Stops`]). The rules are in `emergency`.
//!
//! A member may disable a service user's key, or freeze every withdrawal of
//! the Organization, at once and alone. A stop only tightens, so it waits for no approval; it is
//! journaled and shown to every member. Lifting it loosens, so it goes through the normal
//! policy as a request (`ResumeServiceUser` under Manage Access, `ResumeWithdrawals` under
//! Manage Policies).
//!
//! Who may pull a stop:
//! - a service user's key: a member holding Approve on Manage Access (whoever could refuse a
//!   key change may switch the key off);
//! - every withdrawal: a member holding Approve on Manage Access or on Initiate Withdrawal
//!   (whoever could refuse a withdrawal one by one may refuse them all).
//!
//! While a stop is in force (`Org::stop_in_force`), the affected requests are refused at
//! submission and cannot complete: a stopped key's pending withdrawals, or every pending
//! withdrawal while frozen, wait until the stop is lifted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::actor::{MemberId, ServiceUserId};

/// The longest reason a stop may give, in characters.
pub const MAX_STOP_REASON: usize = 500;

/// A stop in force: who pulled it, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stop {
    /// The member who pulled it.
    pub by: MemberId,
    /// When, unix seconds.
    pub at: i64,
    /// Why, as they wrote it (required).
    pub reason: String,
}

/// What a stop switches off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum StopTarget {
    /// One service user's API key: every call it signs is refused.
    ServiceUser {
        /// The service user.
        #[ts(type = "string")]
        service_user: ServiceUserId,
    },
    /// Every withdrawal of the Organization, by members and service users alike.
    Withdrawals,
}

/// The stops in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stops {
    /// Service users whose key is switched off.
    pub keys: BTreeMap<ServiceUserId, Stop>,
    /// Every withdrawal is frozen.
    pub withdrawals: Option<Stop>,
}

/// Why a stop cannot be pulled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StopRefused {
    /// The member may not pull this stop.
    #[error("{0}")]
    NotPermitted(String),
    /// No such service user.
    #[error("no service user {0}")]
    UnknownServiceUser(String),
    /// The stop is already in force.
    #[error("{0} is already stopped")]
    AlreadyStopped(String),
    /// The reason is missing or too long.
    #[error("reason: {0}")]
    Reason(String),
}
