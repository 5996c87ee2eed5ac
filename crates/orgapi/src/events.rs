//! The org API's event stream **(extension)**: `POST /0/org/Events`, signed like every call
//! (`nonce` alone in the body), answered as Server-Sent Events (`text/event-stream`) for as long
//! as the member stays connected. A refused connection is answered in the usual `{error, result}`
//! envelope instead.
//!
//! Events name what changed, never what it is: a member's app reads the request itself with
//! `GetRequest` or `ListRequests`, under the same View rules. A member is sent only events of
//! requests in workflows they may View.
//!
//! - `ready` (first): [`StreamReady`], the journal position the stream starts after. Anything
//!   before it the app reads with `ListRequests`.
//! - `org`: an [`OrgEvent`]: a request submitted, decided (its status after: pending, completed
//!   or rejected), cancelled or expired, or an emergency stop pulled. `seq` is the audit
//!   journal's record number: increasing, so a gap or a repeat is visible.
//!
//! A `ping` event (data `{}`) keeps the connection alive every 15 seconds; a client that hears
//! nothing for 45 seconds counts the stream as dropped.

use countersign_org::{RequestStatus, Workflow};
use serde::{Deserialize, Serialize};

/// The stream's path.
pub const EVENTS_PATH: &str = "/0/org/Events";

/// The SSE event name of an [`OrgEvent`].
pub const ORG_EVENT: &str = "org";

/// The SSE event name of [`StreamReady`].
pub const READY_EVENT: &str = "ready";

/// The SSE event name of the keep-alive, every 15 seconds (data `{}`). A named event rather
/// than a comment, so a client's parser hands it on and the client knows the stream is alive.
pub const PING_EVENT: &str = "ping";

/// The first event: the stream is live from journal record `seq` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamReady {
    /// The last journal record before the stream began.
    pub seq: u64,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgEventKind {
    /// A request was submitted (by a member or a service user); `status` says whether it waits.
    Submitted,
    /// A member approved or rejected a request, or executed it; `status` is where it stands now.
    Decided,
    /// The initiator cancelled their pending request.
    Cancelled,
    /// A pending request passed its policy's expiry.
    Expired,
    /// An emergency stop was pulled (no request).
    Stopped,
}

/// One change to the Organization's requests, as the stream sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEvent {
    /// The audit journal's record number.
    pub seq: u64,
    /// When, unix seconds.
    pub at: i64,
    /// What happened.
    pub kind: OrgEventKind,
    /// The request it concerns (absent for a stop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// That request's workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// That request's status after the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RequestStatus>,
}
