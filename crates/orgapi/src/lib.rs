//! The org API's calls: each call's name, its form parameters and its answer, defined once for
//! the client (`countersign-client`) and the server (`countersign-sandbox`). The contract, with
//! an example of each, is `docs/org-api.yaml`; `tests/spec_examples.rs` holds every example of
//! it to these types. Pure: no I/O, no clock.
//!
//! - [`Call`]: one call of the table, as a type: its [`CallName`], its [`Call::Params`] (the form
//!   fields after `nonce`) and its [`Call::Answer`] (the `result` of the `{error, result}`
//!   envelope). The types are in [`call`] (`call::Approve`, …); [`CallName::ALL`] lists every
//!   name, and [`visit_calls`] walks the table with each call's types.
//! - [`params`]: the parameters. Fields are form values; structured ones are JSON texts
//!   ([`JsonText`]), flags are `true`/`1`/`false`/`0` ([`flag`]). Each part has a `read` that
//!   checks its fields in the contract's order, naming the first bad one ([`InvalidArgument`]);
//!   a handler reads the parts the contract checks after the rules (a decision's
//!   [`DeviceSignature`], an executing submission's step-up) only at that point.
//! - [`answers`]: the answers defined here ([`MeResult`], [`ListResult`], [`SubmitResult`],
//!   [`RegisteredDevice`], [`TotpEnrollment`], [`CodeVerified`], [`JournalExport`]). Answers
//!   that are views of the Organization (`RequestView`, `OrgView`, `Preview`, `PolicyDiff`,
//!   `LockCheck`, `RevealedKey`) are `countersign_org`'s and are referenced, not copied.
//!
//! - [`events`]: the event stream (`/0/org/Events`, Server-Sent Events; [`events::OrgEvent`]),
//!   the one path that answers a stream rather than an envelope.
//!
//! Invariants: every name in [`CallName::ALL`] is a path `/0/org/<name>` of the contract and
//! every such path is a name here (tested); secrets in answers (`TotpEnrollment`'s URI,
//! `RevealedKey`'s secret) and step-up codes ([`Otp`]) never show in `Debug`.

pub mod answers;
pub mod events;
pub mod form;
pub mod params;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use answers::{
    CodeVerified, DecisionWindow, JournalExport, ListResult, MeResult, RegisteredDevice,
    SubmitResult, TotpEnrollment, WindowsClosed,
};
pub use form::{Fields, InvalidArgument, JsonText, Otp, StatementTime, flag};
pub use params::DeviceSignature;

/// One org API call: `POST /0/org/<NAME>` with [`Self::Params`] as form fields (after `nonce`),
/// answered with [`Self::Answer`] in the envelope's `result`.
pub trait Call {
    /// The call's name, the last segment of its path.
    const NAME: CallName;
    /// Its form fields.
    type Params: Serialize + DeserializeOwned + std::fmt::Debug;
    /// Its `result`.
    type Answer: Serialize + DeserializeOwned + std::fmt::Debug;
}

/// Something that wants each call of the table with its types (the contract tests, a router).
pub trait CallVisitor {
    /// Called once per call, in the order of [`CallName::ALL`].
    fn visit<C: Call>(&mut self);
}

macro_rules! calls {
    ($($(#[doc = $doc:literal])* $name:ident($params:ty) -> $answer:ty;)+) => {
        /// The name of an org API call.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CallName {
            $($(#[doc = $doc])* $name,)+
        }

        impl CallName {
            /// Every call, in the contract's order.
            pub const ALL: &'static [CallName] = &[$(CallName::$name),+];

            /// The name as in the path (`Approve`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(CallName::$name => stringify!($name),)+
                }
            }

            /// The call named `name` (exactly, as in the path), if there is one.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == name)
            }

            /// The call's path, `/0/org/<name>`.
            pub fn path(self) -> String {
                format!("/0/org/{}", self.as_str())
            }
        }

        /// The calls as types, for [`Call`].
        pub mod call {
            $(
                $(#[doc = $doc])*
                #[derive(Debug, Clone, Copy)]
                pub struct $name;

                impl super::Call for $name {
                    const NAME: super::CallName = super::CallName::$name;
                    type Params = $params;
                    type Answer = $answer;
                }
            )+
        }

        /// Calls `visitor` with every call of the table, in the order of [`CallName::ALL`].
        pub fn visit_calls(visitor: &mut impl CallVisitor) {
            $(visitor.visit::<call::$name>();)+
        }
    };
}

calls! {
    /// Who the key belongs to.
    Me(crate::params::NoParams) -> crate::answers::MeResult;
    /// The Organization as its areas show it.
    Org(crate::params::NoParams) -> countersign_org::view::OrgView;
    /// The requests the member may view, newest first.
    ListRequests(crate::params::ListRequestsParams) -> crate::answers::ListResult;
    /// One request.
    GetRequest(crate::params::GetRequestParams) -> countersign_org::view::RequestView;
    /// What submitting a request would do, and why.
    Preview(crate::params::PreviewParams) -> countersign_org::Preview;
    /// Submits a request (a step-up when executing under a policy).
    Submit(crate::params::SubmitParams) -> crate::answers::SubmitResult;
    /// Approves a request (step-up and device signature).
    Approve(crate::params::ApproveParams) -> countersign_org::view::RequestView;
    /// Rejects a request (step-up and device signature).
    Reject(crate::params::RejectParams) -> countersign_org::view::RequestView;
    /// Cancels one's own pending request (step-up and device signature).
    Cancel(crate::params::CancelParams) -> countersign_org::view::RequestView;
    /// Collects, once, the key of a service user one's request created (step-up).
    Reveal(crate::params::RevealParams) -> countersign_org::view::RevealedKey;
    /// What replacing a workflow's policy would change.
    PolicyDiff(crate::params::PolicyDiffParams) -> countersign_org::PolicyDiff;
    /// Whether a workflow's policy could be locked, and its bus factor.
    LockCheck(crate::params::LockCheckParams) -> countersign_org::LockCheck;
    /// What a service user's key did at the exchange API (extension).
    KeyUsage(crate::params::KeyUsageParams) -> countersign_org::view::KeyUsage;
    /// Switches a service user's key off at once: an emergency stop (step-up; extension).
    StopKey(crate::params::StopKeyParams) -> countersign_org::view::StopView;
    /// Freezes every withdrawal of the Organization at once: an emergency stop (step-up;
    /// extension).
    FreezeWithdrawals(crate::params::FreezeWithdrawalsParams) -> countersign_org::view::StopView;
    /// Registers a device's signing key to the member (step-up).
    RegisterDevice(crate::params::RegisterDeviceParams) -> crate::answers::RegisteredDevice;
    /// Starts setting up the member's authenticator.
    EnrollTotp(crate::params::NoParams) -> crate::answers::TotpEnrollment;
    /// Finishes enrollment with the authenticator's first code, registering the device.
    ConfirmTotp(crate::params::ConfirmTotpParams) -> crate::answers::RegisteredDevice;
    /// Checks (and spends) the member's current code, opening a decision window (extension).
    VerifyCode(crate::params::VerifyCodeParams) -> crate::answers::CodeVerified;
    /// Closes every open decision window of the member at once (locking the app; extension).
    CloseWindows(crate::params::NoParams) -> crate::answers::WindowsClosed;
    /// The Organization's audit journal.
    ExportJournal(crate::params::NoParams) -> crate::answers::JournalExport;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_paths_are_the_contracts() {
        for name in CallName::ALL {
            assert_eq!(CallName::parse(name.as_str()), Some(*name));
        }
        assert_eq!(CallName::Approve.path(), "/0/org/Approve");
        assert_eq!(CallName::parse("approve"), None);
        assert_eq!(CallName::parse("Time"), None);
    }

    #[test]
    fn the_visitor_sees_every_call_once_in_order() {
        struct Names(Vec<CallName>);
        impl CallVisitor for Names {
            fn visit<C: Call>(&mut self) {
                self.0.push(C::NAME);
            }
        }
        let mut names = Names(Vec::new());
        visit_calls(&mut names);
        assert_eq!(names.0, CallName::ALL);
    }
}
