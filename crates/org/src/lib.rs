//! The Organization model and its rules, with no I/O and no clock (time is passed in as unix
//! seconds).
//!
//! - [`Org`]: the Organization — [`Member`]s holding [`Permissions`] per [`Workflow`],
//!   [`ServiceUser`]s whose [`ApiKeySpec`] ([`Scope`]s, [`KeySettings`]) decides what they may
//!   do, a [`Policy`] per workflow or none, and the address book ([`AddressEntry`]).
//! - [`Org::preview`] and [`Org::submit`]: one decision procedure — completes immediately,
//!   queued (who may approve), or not permitted — with a [`Preview`] trace of every rule
//!   consulted. [`Org::apply`] carries out a completed [`RequestPayload`] as [`OrgChange`]s.
//! - [`Request`]: moves through [`RequestStatus`] by [`Request::decide`] and
//!   [`Request::cancel`], which enforce the invariants of `shared/spec/organizations.md` §4 and
//!   refuse with a [`RuleViolation`].
//! - [`Org::policy_diff`], [`Org::lock_check`], [`Org::bus_factor`]: what a policy change or lock
//!   would do.
//! - [`Org::change_diff`]: what a request would change, line by line, each line loosening or
//!   tightening ([`ChangeLine`]; a key's lines from [`key_diff`]).
//! - [`replay`]: a workflow's request history replayed under a draft policy ([`Replay`]);
//!   [`Org::simulate`]: a draft tried on sample requests by each possible initiator
//!   ([`Simulation`]), with its lock readiness and bus factor.
//! - [`Org::emergency_stop`]: a member switches a service user's key off, or freezes every
//!   withdrawal, at once ([`Stop`], [`StopTarget`]); lifting it is a request under the policy.
//! - [`DecisionStatement`]: what a member signs when deciding (request id, content hash,
//!   decision, member, time), reduced to one digest.
//! - [`advise`]: a least-privilege advice from a key's usage record ([`KeyAdvice`]).
//! - [`risk_flags`]: a pending withdrawal's risks, read from the request history
//!   ([`RiskFlag`]: first to a destination, a new destination, a large amount, an unusual hour,
//!   a changed policy or bot key).
//! - [`view`]: the shapes the org API and the desktop app exchange (exported to TypeScript).
//!
//! # Layers
//!
//! A module uses only modules below it. Plain data at the bottom: `permission` (workflows and
//! the permissions held on them), `scope` (what an API key may do), `policy` (a policy and the
//! diff of two), `actor` (members, service users, who did something), `stop` (emergency stops
//! in force), `flag` (a risk flag). Then the rules over them: `request` (a request's
//! lifecycle), `org` (the Organization and what completed requests do to it), and above both
//! `emergency` (the stops' rules), `change` (the change diff), `policy_change`, `preview` (the
//! decision procedure) and `statement`; `view` (what the org API shows) on top, and above it
//! `replay` (over requests and their views), `advice` (a least-privilege advice from a key's
//! usage record) and `risk` (a withdrawal's risk flags from the history).

mod actor;
mod advice;
mod change;
mod emergency;
mod flag;
mod funds;
mod org;
pub(crate) mod permission;
mod policy;
mod policy_change;
mod preview;
mod replay;
mod request;
mod risk;
mod scope;
mod settings;
mod settlement;
mod simulate;
mod standing;
mod statement;
mod stop;
#[cfg(test)]
mod tests;
pub mod view;

pub use actor::{Actor, Member, MemberId, ServiceUser, ServiceUserId};
pub use advice::{DroppedScope, KeyAdvice, UNUSED_AFTER_SECONDS, advise};
pub use change::{ChangeLine, key_diff};
pub use flag::{FlagKind, RiskFlag};
pub use funds::{FiatValue, FundsView};
pub use org::{
    AddressEntry, MAX_NAME_CHARS, Org, OrgChange, PayloadError, is_valid_name, max_amount,
};
pub use permission::{
    AccountPermission, Grant, Permissions, Workflow, WorkflowPermission, permission_diff,
};
pub use policy::{Direction, Policy, PolicyFieldChange, diff as policy_field_diff};
pub use policy_change::{LockCheck, PolicyDiff};
pub use preview::{
    Context, NAMED_APPROVERS, Preview, PreviewDecision, Refused, Submission, TraceStep, Verdict,
};
pub use replay::{PastRequest, Replay, ReplayOutcome, replay, replay_one};
pub use request::{
    Decision, DecisionRecord, Request, RequestId, RequestPayload, RequestStatus, RuleViolation,
    Transition, grouped,
};
pub use risk::{destination_named, risk_flags};
pub use scope::{
    ApiKeySpec, KeySettings, KeySpecError, MAX_NONCE_WINDOW, Scope, ScopeGroup, allowlist_beyond,
    parse_cidr, scope_diff, wide_allowlist_entries,
};
pub use settings::{
    DEFAULT_DECISION_WINDOW_SECONDS, MAX_DECISION_WINDOW_SECONDS, OrgSettings, window_words,
};
pub use settlement::{SettledEntry, Settlement, SettlementState};
pub use simulate::{SampleOutcome, SampleRow, Simulation};
pub use statement::{DecisionKind, DecisionStatement, content_hash};
pub use stop::{MAX_STOP_REASON, Stop, StopRefused, StopTarget, Stops};
