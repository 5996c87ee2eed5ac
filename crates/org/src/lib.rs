//! The Organization model and its rules, with no I/O and no clock (time is passed in as unix
//! seconds).
//!
//! - [`Member`], [`ServiceUser`], [`Actor`]: who acts. Members hold [`Permissions`] per
//!   [`Workflow`]; service users act only through their API key.
//! - [`Policy`]: a workflow's approval rule; [`Request`] snapshots the one in force when submitted.
//! - [`Request`]: a typed [`RequestPayload`] moving through [`RequestStatus`] by
//!   [`Request::submit`] and [`Request::decide`], which enforce the invariants of
//!   `shared/spec/organizations.md` §4 and refuse with a [`RuleViolation`].
//! - [`view`]: the shapes the org API and the desktop app exchange (exported to TypeScript).

mod actor;
mod policy;
mod request;
pub mod view;

pub use actor::{
    Actor, Member, MemberId, Permissions, ServiceUser, ServiceUserId, WorkflowPermission,
};
pub use policy::Policy;
pub use request::{
    Decision, DecisionRecord, Request, RequestId, RequestPayload, RequestStatus, RuleViolation,
    Submitted, Submitter, Transition,
};
pub use view::Workflow;
