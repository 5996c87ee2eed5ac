//! The desk told at once: the member's event stream ([`countersign_app::push::follow`]) forwarded
//! to the webview as the `org-event` event (a [`DeskEvent`]: the queue reads itself again) and
//! the `org-sync` event (a [`SyncState`]: live, or since when it is not). It runs for the app's
//! lifetime, locked or not, and nudges the tray and the notifications on each change.

use std::sync::Arc;

use countersign_app::AppCore;
use countersign_app::notices::Nudging;
use countersign_app::push::{DeskEvent, DeskSink, SyncState, follow};
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime};
use tokio::sync::Notify;

/// A request the member may view changed (payload: a [`DeskEvent`]).
pub const ORG_EVENT: &str = "org-event";

/// Where the desk stands with the Organization (payload: a [`SyncState`]).
pub const ORG_SYNC_EVENT: &str = "org-sync";

struct Webview<R: Runtime>(AppHandle<R>);

impl<R: Runtime> DeskSink for Webview<R> {
    fn event(&self, event: &DeskEvent) {
        if let Err(e) = self.0.emit(ORG_EVENT, event) {
            tracing::debug!("org event not delivered: {e}");
        }
    }

    fn sync(&self, state: &SyncState, _resync: bool) {
        // The webview reads the list again on every sync state (a reconnection may have missed
        // changes), so `resync` needs no field of its own.
        if let Err(e) = self.0.emit(ORG_SYNC_EVENT, state) {
            tracing::debug!("sync state not delivered: {e}");
        }
    }
}

/// Starts following the member's event stream for the app's lifetime; each change and sync state
/// also nudges the tray and the notifications (`nudges`, see [`crate::tell`]).
pub(crate) fn follow_org_events<R: Runtime>(app: &AppHandle<R>, nudges: Arc<Notify>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = app.state::<AppCore>();
        let sink = Nudging {
            sink: Webview(app.clone()),
            nudges,
        };
        follow(core.inner(), &sink).await;
    });
}
