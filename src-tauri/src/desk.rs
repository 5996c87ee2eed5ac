//! The desk told at once: the member's event stream ([`countersign_app::push::follow`]) forwarded
//! to the webview as the `org-event` event (a [`DeskEvent`]: the queue reads itself again) and
//! the `org-sync` event (a [`SyncState`]: live, or since when it is not). It runs for the app's
//! lifetime, locked or not.

use countersign_app::AppCore;
use countersign_app::push::{DeskEvent, DeskSink, SyncState, follow};
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime};

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

/// Starts following the member's event stream for the app's lifetime.
pub(crate) fn follow_org_events<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let core = app.state::<AppCore>();
        follow(core.inner(), &Webview(app.clone())).await;
    });
}
