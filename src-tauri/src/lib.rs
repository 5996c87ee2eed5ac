//! The desktop shell: Tauri commands, each a thin call of one job in [`countersign_app`] through
//! its door ([`AppCore::org`], which checks the lock, or [`AppCore::ledgers`]).
//!
//! On start-up the app opens its session locked ([`AppCore::open_locked`] with
//! [`Target::Configured`]), so the member's code opens the Organization after every restart: the
//! remote org API configured with `countersign remote add` (key from the OS keychain), or else
//! the embedded sandbox on a random loopback port with its data in the app's data directory. A
//! start-up failure is kept by the core and returned by every org command, so the window opens
//! and says what went wrong; asking for the session again (`get_session`: the start error's "Try
//! again", the offline review's "Connect again") opens it again, so reconnecting needs no
//! restart.
//!
//! Once the session is open, a [`SystemLockWatcher`] locks it when the OS reports sleep or a
//! screen lock, and the core's idle timer when nobody touched the keyboard or pointer for the
//! chosen time; each tells the webview with the `app-locked` event (its [`LockReason`] as
//! payload).
//!
//! The member's event stream is followed for the app's lifetime (`desk`): each change reaches the
//! webview as `org-event`, and where the desk stands (live, or since when not) as `org-sync`.
//! What needs the member reaches the tray's count and the desktop's notifications (`tell`); a
//! click on one asks the webview to show its request (`open-request`).
//!
//! One instance runs (`tauri-plugin-single-instance`: a second launch raises the first window),
//! and the window's size and place are remembered (`tauri-plugin-window-state`).
//!
//! The Ledgers area does not need the session: its commands work offline and when the session
//! could not open, and while the Organization is locked. An import reports its progress with
//! the `ledger-import-progress` event (an [`ImportProgress`] as payload). The native open and save
//! dialogs (`tauri-plugin-dialog`) give the webview paths only: the import reads and the exports
//! write the files here, so exported rows never pass through the webview.

pub mod commands;
mod desk;
mod tell;

pub use desk::{ORG_EVENT, ORG_SYNC_EVENT};
pub use tell::{OPEN_REQUEST_EVENT, OpenRequest};

use countersign_app::ledgers::{ImportProgress, ImportSummary};
use countersign_app::{
    AppCore, CommandError, Environment, LedgerReview, LockReason, SystemLockWatcher, Target,
};
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime};
use tauri_plugin_window_state::StateFlags;

/// The event carrying an import's progress to the webview (payload: an [`ImportProgress`]).
pub const LEDGER_IMPORT_PROGRESS_EVENT: &str = "ledger-import-progress";

/// Imports the files at `paths`, telling the webview how it goes.
async fn import_ledgers<R: Runtime>(
    ledgers: &LedgerReview,
    app: AppHandle<R>,
    paths: Vec<String>,
    accept_edited: Option<bool>,
) -> Result<ImportSummary, CommandError> {
    let on_progress = move |progress: ImportProgress| {
        if let Err(e) = app.emit(LEDGER_IMPORT_PROGRESS_EVENT, progress) {
            tracing::debug!("import progress not delivered: {e}");
        }
    };
    ledgers
        .import(
            paths.into_iter().map(Into::into).collect(),
            accept_edited.unwrap_or(false),
            on_progress,
        )
        .await
}

/// The event telling the webview that the core locked itself (payload: a [`LockReason`]).
pub const APP_LOCKED_EVENT: &str = "app-locked";

/// Starts watching for the system's sleep and screen lock, which lock the core; the watcher is
/// kept in the app's state for its lifetime (dropping it stops it).
pub(crate) fn watch_system_lock<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let on_lock = {
            let app = app.clone();
            move |reason| lock_for_system(&app, reason)
        };
        let watcher = SystemLockWatcher::start(on_lock).await;
        tracing::debug!(watching = ?watcher.watching(), "system lock watcher started");
        app.manage(watcher);
    });
}

/// How often the core's idle timer is asked whether it ran out: a few seconds late at most on a
/// wait of minutes, and too rare to cost anything while idle.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Locks the app when its idle time runs out, on a timer of the core's own: a hidden window, or
/// a page that is busy or throttled, cannot hold the lock off.
fn watch_idle<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut ticks = tokio::time::interval(IDLE_CHECK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            if app
                .try_state::<AppCore>()
                .is_some_and(|core| core.idle_due())
            {
                lock_for_system(&app, LockReason::Idle);
            }
        }
    });
}

/// Locks the session for `reason` (the OS's, or the idle timer's) and tells the webview, which
/// shows the lock screen.
fn lock_for_system<R: Runtime>(app: &AppHandle<R>, reason: LockReason) {
    let Some(core) = app.try_state::<AppCore>() else {
        return;
    };
    core.lock();
    if let Err(e) = app.emit(APP_LOCKED_EVENT, reason) {
        tracing::warn!("locked ({reason:?}), but the webview could not be told: {e}");
    }
}

/// Registers the commands, as the `countersign` plugin, on a builder (shared by the app and
/// the IPC tests).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.plugin(
        tauri::plugin::Builder::<R>::new(commands::PLUGIN)
            .invoke_handler(commands::handler())
            .build(),
    )
}

/// Runs the app.
pub fn run() {
    countersign_app::keep_files_private();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    // One instance: a second launch brings the first one's window up, and exits.
    let result = with_commands(tauri::Builder::default().plugin(
        tauri_plugin_single_instance::init(|app, _argv, _cwd| tell::raise(app)),
    ))
    .plugin(tauri_plugin_dialog::init())
    // The window's size and place are remembered, not whether it was shown.
    .plugin(
        tauri_plugin_window_state::Builder::default()
            .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
            .build(),
    )
    .setup(|app| {
        let data_dir = app.path().app_data_dir()?;
        // Locked from the start: the member's code, not the key in the keychain, opens the
        // Organization, after every restart too.
        let core = tauri::async_runtime::block_on(AppCore::open_locked(
            Environment::desktop(&data_dir),
            Target::Configured,
        ));
        let opened = core.is_open();
        app.manage(core);
        if opened {
            watch_system_lock(app.handle());
        }
        watch_idle(app.handle());
        // Told at once: follows the session (and waits for one that failed to open), in the
        // webview, the tray and the notifications.
        let nudges = tell::start(app.handle());
        desk::follow_org_events(app.handle(), nudges);
        Ok(())
    })
    .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: Countersign could not start: {e}");
        std::process::exit(1);
    }
}
