//! Push: the org API's event stream (`POST /0/org/Events`, see `countersign_orgapi::events`).
//!
//! The audit journal is the one source of events. Every change the sandbox makes to a request
//! (a bot's withdrawal, a decision, a cancellation, an expiry, a stop) journals itself in the
//! transaction that makes it, and every use of the database goes through [`Conn`], which on
//! release publishes the journal records written since the last release to the [`EventHub`]. So
//! no handler can change a request and forget to tell the members, and an event is sent only once
//! its change is committed (a rolled-back transaction leaves no journal record).
//!
//! A member's stream carries only events of requests in workflows they may View (checked per
//! event, so a permission taken away stops the events at once), and ends when they are removed
//! or the server shuts down.

use std::convert::Infallible;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use countersign_kraken::{ApiError, Envelope};
use countersign_org::{Actor, MemberId, RequestStatus};
use countersign_orgapi::events::{
    ORG_EVENT, OrgEvent, OrgEventKind, PING_EVENT, READY_EVENT, StreamReady,
};
use countersign_vault::{JournalEvent, JournalRecord};
use futures_util::StreamExt as _;
use rusqlite::{Connection, params};
use tokio::sync::{broadcast, watch};

use crate::Sandbox;
use crate::auth::authenticate;
use crate::db;

/// Events a slow stream may fall behind by before it is told to read the list again.
const BACKLOG: usize = 1024;

/// How often a stream sends a keep-alive `ping` event, and the sandbox sweeps expired requests
/// for a connected member (an expiry has no caller to trigger it). A named event, not an SSE
/// comment: clients' parsers swallow comments, so a comment would not tell the client's idle
/// watch that the stream is alive.
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Where committed journal records become events.
#[derive(Debug)]
pub(crate) struct EventHub {
    sender: broadcast::Sender<Arc<Published>>,
    /// The last journal record published.
    published: AtomicU64,
    /// Set when the server stops: every stream ends.
    closed: watch::Sender<bool>,
    /// The keep-alive interval, in milliseconds ([`KEEP_ALIVE`] unless a test shortens it).
    keep_alive_ms: AtomicU64,
}

impl EventHub {
    /// A hub whose first event will follow journal record `seq`.
    pub(crate) fn after(seq: u64) -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            published: AtomicU64::new(seq),
            closed: watch::channel(false).0,
            keep_alive_ms: AtomicU64::new(
                u64::try_from(KEEP_ALIVE.as_millis()).unwrap_or(u64::MAX),
            ),
        }
    }

    /// Sets the keep-alive interval of streams opened from now on.
    pub(crate) fn set_keep_alive(&self, every: Duration) {
        self.keep_alive_ms.store(
            u64::try_from(every.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }

    fn keep_alive(&self) -> Duration {
        Duration::from_millis(self.keep_alive_ms.load(Ordering::SeqCst))
    }

    /// Ends every stream (the server is stopping; graceful shutdown waits for open streams).
    pub(crate) fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Publishes the journal records after the last published one.
    fn publish(&self, conn: &Connection) {
        let after = self.published.load(Ordering::SeqCst);
        let records = match new_records(conn, after) {
            Ok(records) => records,
            Err(e) => {
                tracing::error!(error = %e, "reading the journal for events");
                return;
            }
        };
        for record in records {
            self.published.store(record.0.seq, Ordering::SeqCst);
            // No receiver is no one listening: nothing to do.
            let _ = self.sender.send(Arc::new(record));
        }
    }
}

/// Journal records after `seq`, each with its request's id and workflow when it has one.
type Published = (JournalRecord, Option<(String, countersign_org::Workflow)>);

fn new_records(conn: &Connection, seq: u64) -> Result<Vec<Published>, db::StoreError> {
    let mut stmt = conn.prepare_cached("SELECT record FROM journal WHERE seq > ?1 ORDER BY seq")?;
    let texts = stmt
        .query_map(params![i64::try_from(seq).unwrap_or(i64::MAX)], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(texts.len());
    for text in texts {
        let record: JournalRecord =
            serde_json::from_str(&text).map_err(|_| db::StoreError::Corrupt("journal record"))?;
        let request = match request_of(&record.event) {
            Some(id) => db::request(conn, id)?.map(|r| (id.to_owned(), r.workflow())),
            None => None,
        };
        out.push((record, request));
    }
    Ok(out)
}

/// The request a journal event is about, for the events a member is sent.
fn request_of(event: &JournalEvent) -> Option<&str> {
    match event {
        JournalEvent::RequestSubmitted { request_id, .. }
        | JournalEvent::RequestExpired { request_id }
        | JournalEvent::RequestCancelled { request_id, .. } => Some(request_id),
        // An execution at submission signs an empty id: its `RequestSubmitted` says it all.
        JournalEvent::Decision { statement, .. } if !statement.request_id.is_empty() => {
            Some(&statement.request_id)
        }
        _ => None,
    }
}

/// The event a member is sent for a journal record, if any.
fn org_event(
    record: &JournalRecord,
    request: Option<&(String, countersign_org::Workflow)>,
) -> Option<OrgEvent> {
    let status = |s: &str| RequestStatus::parse(s);
    let (kind, status) = match &record.event {
        JournalEvent::RequestSubmitted { status: s, .. } => (OrgEventKind::Submitted, status(s)),
        JournalEvent::Decision {
            status: s,
            statement,
            ..
        } if !statement.request_id.is_empty() => {
            let kind = if s == RequestStatus::Cancelled.as_str() {
                OrgEventKind::Cancelled
            } else {
                OrgEventKind::Decided
            };
            (kind, status(s))
        }
        JournalEvent::RequestCancelled { .. } => {
            (OrgEventKind::Cancelled, Some(RequestStatus::Cancelled))
        }
        JournalEvent::RequestExpired { .. } => {
            (OrgEventKind::Expired, Some(RequestStatus::Expired))
        }
        JournalEvent::Stopped { .. } => (OrgEventKind::Stopped, None),
        _ => return None,
    };
    Some(OrgEvent {
        seq: record.seq,
        at: record.at,
        kind,
        request_id: request.map(|(id, _)| id.clone()),
        workflow: request.map(|(_, w)| *w),
        status,
    })
}

/// The sandbox's database, locked; on release, what it journaled is published. The only way to
/// the database ([`Sandbox::conn`]).
pub(crate) struct Conn<'a> {
    guard: MutexGuard<'a, Connection>,
    hub: &'a EventHub,
}

impl<'a> Conn<'a> {
    pub(crate) fn lock(db: &'a Mutex<Connection>, hub: &'a EventHub) -> Self {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back), so
        // a poisoned lock is still safe to use.
        Self {
            guard: db.lock().unwrap_or_else(PoisonError::into_inner),
            hub,
        }
    }
}

impl Deref for Conn<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.guard
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.guard
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        // Outside a transaction here: what the journal holds is committed.
        if self.guard.is_autocommit() {
            self.hub.publish(&self.guard);
        }
    }
}

/// `POST /0/org/Events`: authenticates like every org call, then streams the member's events
/// until they are removed, the connection closes, or the server stops.
pub(crate) async fn stream(
    State(sandbox): State<Sandbox>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let checked = {
        let sandbox = sandbox.clone();
        tokio::task::spawn_blocking(move || {
            let caller = authenticate(&sandbox, &headers, uri.path(), &body, Some(peer.ip()))?;
            let Actor::Member(member) = caller.actor else {
                return Err(ApiError::Org(countersign_kraken::OrgRefusal::MembersOnly));
            };
            // Subscribed while the database is held: every record after `seq` reaches this
            // stream, and none at or before it.
            let conn = sandbox.conn();
            let receiver = sandbox.events().sender.subscribe();
            let seq = db::journal_seq(&conn).map_err(crate::auth::internal)?;
            Ok((member, seq, receiver))
        })
        .await
    };
    let (member, seq, receiver) = match checked {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => return Json(Envelope::<()>::err(&e)).into_response(),
        Err(_) => return Json(Envelope::<()>::err(&ApiError::InternalError)).into_response(),
    };
    let hub = sandbox.events();
    let keep_alive = hub.keep_alive();
    let mut closed = hub.closed.subscribe();
    let ready = Event::default()
        .event(READY_EVENT)
        .json_data(StreamReady { seq })
        .unwrap_or_default();
    let events = {
        let sandbox = sandbox.clone();
        receiver_stream(receiver)
            .then(move |item| {
                let sandbox = sandbox.clone();
                let member = member.clone();
                async move { visible_event(&sandbox, &member, item).await }
            })
            .chain(futures_util::stream::once(std::future::ready(
                Visible::Gone,
            )))
    };
    // An expiry has no caller to trigger it: while a member listens, the sandbox sweeps for
    // them (what expires journals itself, and so reaches every stream).
    let sweeps = futures_util::stream::unfold(
        (
            sandbox,
            tokio::time::interval_at(tokio::time::Instant::now() + keep_alive, keep_alive),
        ),
        |(sandbox, mut every)| async move {
            every.tick().await;
            let swept = sandbox.clone();
            let _ = tokio::task::spawn_blocking(move || {
                let now = swept.now();
                crate::lifecycle::sweep_expired(&mut swept.conn(), now)
            })
            .await;
            Some((Visible::Hidden, (sandbox, every)))
        },
    );
    let until_closed = async move {
        let _ = closed.wait_for(|c| *c).await;
    };
    // The member gone ends the whole stream, sweeps included.
    let stream = futures_util::stream::select(events, sweeps)
        .take_while(|v| std::future::ready(!matches!(v, Visible::Gone)))
        .filter_map(|v| {
            std::future::ready(match v {
                Visible::Event(event) => Some(event),
                Visible::Hidden | Visible::Gone => None,
            })
        });
    let stream = futures_util::stream::once(std::future::ready(ready))
        .chain(stream)
        .take_until(until_closed)
        .map(Ok::<_, Infallible>);
    let ping = Event::default().event(PING_EVENT).data("{}");
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(keep_alive).event(ping))
        .into_response()
}

enum Visible {
    Event(Event),
    Hidden,
    /// The member is gone: the stream ends.
    Gone,
}

/// What `member` is sent for a published record: the event if they may View its workflow;
/// `lagged` (read the list again) if the stream fell behind.
async fn visible_event(
    sandbox: &Sandbox,
    member: &MemberId,
    item: Result<Arc<Published>, broadcast::error::RecvError>,
) -> Visible {
    let published = match item {
        Ok(p) => p,
        Err(broadcast::error::RecvError::Lagged(_)) => {
            return Visible::Event(Event::default().event("lagged").data("{}"));
        }
        Err(broadcast::error::RecvError::Closed) => return Visible::Gone,
    };
    let (record, request) = &*published;
    let Some(event) = org_event(record, request.as_ref()) else {
        return Visible::Hidden;
    };
    let (sandbox, id) = (sandbox.clone(), member.clone());
    let member = tokio::task::spawn_blocking(move || {
        let conn = sandbox.conn();
        match db::member_removed(&conn, &id)? {
            Some(false) => db::member(&conn, &id),
            // Removed, or never there: nothing more for this stream.
            _ => Ok(None),
        }
    })
    .await;
    let member = match member {
        Ok(Ok(Some(member))) => member,
        Ok(Ok(None)) => return Visible::Gone,
        // A passing failure hides this event; the next one checks again.
        _ => return Visible::Hidden,
    };
    if let Some(w) = event.workflow
        && !member.member.permissions.sees_requests(w)
    {
        return Visible::Hidden;
    }
    Visible::Event(
        Event::default()
            .event(ORG_EVENT)
            .json_data(event)
            .unwrap_or_default(),
    )
}

/// A broadcast receiver as a stream (`Lagged` as an item, so the member is told).
fn receiver_stream<T: Clone + Send + 'static>(
    receiver: broadcast::Receiver<T>,
) -> impl futures_util::Stream<Item = Result<T, broadcast::error::RecvError>> {
    futures_util::stream::unfold(receiver, |mut rx| async move {
        match rx.recv().await {
            Err(broadcast::error::RecvError::Closed) => None,
            item => Some((item, rx)),
        }
    })
}
