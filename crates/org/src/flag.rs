//! A risk flag's data ([`RiskFlag`], [`FlagKind`]): what `risk` finds and a request view carries.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which risk a flag names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FlagKind {
    /// The first withdrawal to this address.
    FirstToDestination,
    /// The address-book entry was added or renamed lately, or after the request.
    NewDestination,
    /// Far above what this initiator usually withdraws of the asset.
    LargeAmount,
    /// Outside the hours the Organization's requests usually arrive.
    UnusualHour,
    /// The policy changed since submission.
    PolicyChanged,
    /// The initiating bot's key changed lately.
    KeyChanged,
}

/// One risk, with one line of why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RiskFlag {
    /// Which.
    pub kind: FlagKind,
    /// Why, with the figures.
    pub why: String,
}
