//! The desk told at once: [`follow`] keeps the signed-in member's event stream open
//! (`countersign_client::OrgClient::events`), hands each event to a [`DeskSink`] (the desktop
//! forwards it to the webview, which reads the list again), and says where the desk stands
//! ([`SyncState`]): live, or reconnecting with backoff since a given moment, so the queue is
//! never shown as current when it may not be. While not live the webview polls.
//!
//! The stream follows the session: another member, another org or a session opened again
//! reconnects with the new one. It keeps running while the app is locked (the stream carries no
//! request's content, only that one changed).

use std::time::Duration;

use crate::core::AppCore;
pub use crate::ipc::{DeskEvent, SyncState};
use countersign_client::OrgEventKind;
use countersign_client::StreamItem;

/// The first wait before reconnecting, doubled after each failure up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// The longest wait between reconnections.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Where events and sync states go (the desktop: the webview, the tray, notifications).
pub trait DeskSink: Send + Sync {
    /// A request the member may view changed, or a stop was pulled.
    fn event(&self, event: &DeskEvent);
    /// The stream's state changed; `resync` when the list must be read again in full (the
    /// stream just (re)opened, or fell behind).
    fn sync(&self, state: &SyncState, resync: bool);
}

/// The next wait after `current` failed.
pub fn next_backoff(current: Duration) -> Duration {
    (current * 2).min(MAX_BACKOFF)
}

/// Follows the signed-in member's event stream for as long as the app runs: reconnecting with
/// backoff when it drops, and with the new session when the session changes.
pub async fn follow(core: &AppCore, sink: &impl DeskSink) {
    let mut changes = core.session_changes();
    let mut backoff = FIRST_BACKOFF;
    let mut last_in_sync: Option<i64> = None;
    loop {
        changes.mark_unchanged();
        let now_ms = || (core.env().clock)();
        let problem = match core.state().await {
            Err(e) => Some(e.message),
            Ok(state) => {
                let session = async {
                    match state.signed_in.client.events().await {
                        Err(e) => Some(crate::CommandError::from(e).message),
                        Ok(mut stream) => loop {
                            match stream.next().await {
                                Some(Ok(item)) => {
                                    backoff = FIRST_BACKOFF;
                                    let at = now_ms();
                                    match item {
                                        StreamItem::Ready(_) | StreamItem::Lagged => {
                                            last_in_sync = Some(at);
                                            report(core, sink, &live(at), true);
                                        }
                                        StreamItem::Event(e) => {
                                            last_in_sync = Some(at);
                                            sink.event(&DeskEvent {
                                                kind: kind_word(e.kind).to_owned(),
                                                request_id: e.request_id,
                                                status: e.status,
                                            });
                                        }
                                    }
                                }
                                Some(Err(e)) => break Some(crate::CommandError::from(e).message),
                                None => break Some("the Organization closed the stream".into()),
                            }
                        },
                    }
                };
                tokio::select! {
                    problem = session => problem,
                    // Another session: follow it at once.
                    _ = changes.changed() => {
                        backoff = FIRST_BACKOFF;
                        continue;
                    }
                }
            }
        };
        let retry_at = now_ms() + i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX);
        let state = SyncState {
            live: false,
            since_ms: last_in_sync,
            retry_at_ms: Some(retry_at),
            problem,
        };
        report(core, sink, &state, false);
        tokio::select! {
            () = tokio::time::sleep(backoff) => backoff = next_backoff(backoff),
            _ = changes.changed() => backoff = FIRST_BACKOFF,
        }
    }
}

/// Keeps `state` as the desk's latest (for a page opened later, [`AppCore::sync_state`]) and
/// hands it on.
fn report(core: &AppCore, sink: &impl DeskSink, state: &SyncState, resync: bool) {
    core.set_sync_state(state.clone());
    sink.sync(state, resync);
}

fn live(since_ms: i64) -> SyncState {
    SyncState {
        live: true,
        since_ms: Some(since_ms),
        retry_at_ms: None,
        problem: None,
    }
}

fn kind_word(kind: OrgEventKind) -> &'static str {
    match kind {
        OrgEventKind::Submitted => "submitted",
        OrgEventKind::Decided => "decided",
        OrgEventKind::Cancelled => "cancelled",
        OrgEventKind::Expired => "expired",
        OrgEventKind::Stopped => "stopped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let mut waits = vec![FIRST_BACKOFF];
        for _ in 0..7 {
            waits.push(next_backoff(*waits.last().unwrap_or(&FIRST_BACKOFF)));
        }
        let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
