//! Told when it needs me, through the OS: what [`countersign_app::notices::keep_watch`] learns
//! reaches the member as
//!
//! - a tray icon whose label and first menu entry carry how many requests need them (Linux's
//!   tray, StatusNotifierItem through libayatana-appindicator, shows no tooltip);
//! - the desktop's notifications (`org.freedesktop.Notifications` on Linux, through notify-rust),
//!   each with a default action: a click brings the window up on the request, or on the queue
//!   for a notice that names none (the locked count).
//!
//! A notice taken back by the watch (its request no longer needs the member) is closed, and a
//! count replaces the previous count rather than stacking.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use countersign_app::AppCore;
use countersign_app::notices::{Notice, NoticeSink, NoticeTopic, keep_watch};
use notify_rust::{Notification, NotificationHandle, NotificationResponse};
use serde::Serialize;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime};

/// The event asking the webview to show a request, or the queue (payload: an [`OpenRequest`]).
pub const OPEN_REQUEST_EVENT: &str = "open-request";

/// What a click on a notice or on the tray's count opens.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OpenRequest {
    /// The request (`null`: the queue of what needs the member).
    pub id: Option<String>,
    /// The request is the member's own (shown among their requests, decided or not), not one
    /// waiting for their decision.
    pub yours: bool,
}

const TRAY_ID: &str = "countersign";
const MENU_NEEDS: &str = "needs-me";
const MENU_OPEN: &str = "open";
const MENU_QUIT: &str = "quit";

/// The notices on screen, by topic, so one can be replaced or closed.
type Shown = Arc<Mutex<HashMap<NoticeTopic, Arc<NotificationHandle>>>>;

/// The tray and the notifications of one app.
pub(crate) struct Desktop<R: Runtime> {
    app: AppHandle<R>,
    tray: Option<(TrayIcon<R>, MenuItem<R>)>,
    shown: Shown,
}

/// "3 requests need you", or that none do.
fn needs_words(count: usize) -> String {
    match count {
        0 => "No requests need you".into(),
        1 => "1 request needs you".into(),
        n => format!("{n} requests need you"),
    }
}

/// Brings the main window up: shown, unminimised, focused.
pub(crate) fn raise<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Brings the main window up and asks the webview to show what `topic` is about (`None`: the
/// queue).
fn open<R: Runtime>(app: &AppHandle<R>, topic: Option<&NoticeTopic>) {
    let id = topic.and_then(NoticeTopic::request_id).map(str::to_owned);
    let yours = matches!(topic, Some(NoticeTopic::Yours(_)));
    raise(app);
    if let Err(e) = app.emit(OPEN_REQUEST_EVENT, OpenRequest { id, yours }) {
        tracing::debug!("open request not delivered: {e}");
    }
}

/// The tray icon with its menu: the count (a click opens the queue), open, quit. `None` when the
/// desktop has no tray library (libayatana-appindicator3): the app runs on without it.
fn tray<R: Runtime>(app: &AppHandle<R>) -> Option<(TrayIcon<R>, MenuItem<R>)> {
    let build = || -> tauri::Result<(TrayIcon<R>, MenuItem<R>)> {
        let needs = MenuItem::with_id(app, MENU_NEEDS, needs_words(0), true, None::<&str>)?;
        let menu = Menu::with_items(
            app,
            &[
                &needs,
                &PredefinedMenuItem::separator(app)?,
                &MenuItem::with_id(app, MENU_OPEN, "Open Countersign", true, None::<&str>)?,
                &MenuItem::with_id(app, MENU_QUIT, "Quit", true, None::<&str>)?,
            ],
        )?;
        let mut builder =
            TrayIconBuilder::with_id(TRAY_ID)
                .menu(&menu)
                .on_menu_event(|app, event| match event.id.as_ref() {
                    MENU_NEEDS => open(app, None),
                    MENU_OPEN => raise(app),
                    MENU_QUIT => app.exit(0),
                    _ => {}
                });
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        Ok((builder.build(app)?, needs))
    };
    // The tray library is loaded at run time, and its loader panics when it is missing.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(build)) {
        Ok(Ok(tray)) => Some(tray),
        Ok(Err(e)) => {
            tracing::warn!("no tray icon: {e}");
            None
        }
        Err(_) => {
            tracing::warn!(
                "no tray icon: the tray library is missing (libayatana-appindicator3-1)"
            );
            None
        }
    }
}

impl<R: Runtime> NoticeSink for Desktop<R> {
    fn needs_me(&self, count: usize) {
        let Some((icon, needs)) = &self.tray else {
            return;
        };
        let label = (count > 0).then(|| count.to_string());
        if let Err(e) = icon.set_title(label) {
            tracing::debug!("tray label not set: {e}");
        }
        if let Err(e) = needs.set_text(needs_words(count)) {
            tracing::debug!("tray menu not set: {e}");
        }
    }

    fn notify(&self, notice: &Notice) {
        let (app, shown, notice) = (self.app.clone(), Arc::clone(&self.shown), notice.clone());
        tauri::async_runtime::spawn(async move { show(app, shown, notice).await });
    }

    fn withdraw(&self, topic: &NoticeTopic) {
        let handle = self.shown.lock().ok().and_then(|mut s| s.remove(topic));
        if let Some(handle) = handle {
            tauri::async_runtime::spawn(async move { handle.close_async().await });
        }
    }
}

/// Shows `notice` (in place of the one on its topic, if any), and opens what it names when the
/// member clicks it.
async fn show<R: Runtime>(app: AppHandle<R>, shown: Shown, notice: Notice) {
    let replaces = shown
        .lock()
        .ok()
        .and_then(|s| s.get(&notice.topic).map(|h| h.id()));
    let mut n = Notification::new();
    n.appname("Countersign")
        .summary(&notice.title)
        .body(&notice.body)
        .action("default", "Open");
    if let Some(id) = replaces {
        n.id(id);
    }
    let handle = match n.show_async().await {
        Ok(handle) => Arc::new(handle),
        Err(e) => {
            tracing::debug!("notification not shown ({}): {e}", notice.title);
            return;
        }
    };
    let id = handle.id();
    if let Ok(mut s) = shown.lock() {
        s.insert(notice.topic.clone(), Arc::clone(&handle));
    }
    tracing::debug!(id, topic = ?notice.topic, "notification shown");
    handle
        .wait_for_action_async(|response| {
            if matches!(response, NotificationResponse::Default) {
                open(&app, Some(&notice.topic));
            }
        })
        .await;
    // Clicked or closed: it is no longer on screen (unless a newer one took its place).
    if let Ok(mut s) = shown.lock()
        && s.get(&notice.topic).is_some_and(|h| h.id() == id)
    {
        s.remove(&notice.topic);
    }
}

/// Puts up the tray and starts telling the member what needs them, for the app's lifetime;
/// returns what nudges the watch (the desk's event stream does, see [`crate::desk`]).
pub(crate) fn start<R: Runtime>(app: &AppHandle<R>) -> Arc<tokio::sync::Notify> {
    let nudges = Arc::new(tokio::sync::Notify::new());
    let desktop = Desktop {
        app: app.clone(),
        tray: tray(app),
        shown: Shown::default(),
    };
    let (app, watch_nudges) = (app.clone(), Arc::clone(&nudges));
    tauri::async_runtime::spawn(async move {
        let core = app.state::<AppCore>();
        keep_watch(core.inner(), watch_nudges, &desktop).await;
    });
    nudges
}
