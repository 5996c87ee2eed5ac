//! The rules of `shared/spec/organizations.md`, row by row, against the fixture Organization.
//! (The §4 lifecycle and the property tests live in `request/tests.rs`.)

pub(crate) mod fixture;

mod actors;
mod advice;
mod change_diff;
mod effects;
mod key_holder;
mod permissions;
mod policies;
mod policy_change;
pub(crate) mod preview;
mod replay;
mod revocation;
mod risk;
mod service_users;
mod simulate;
mod stops;
