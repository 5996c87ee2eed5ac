//! The desktop shell: Tauri commands that forward to [`countersign_app::AppCore`].
//!
//! On start-up the app opens its session: the remote org API configured with
//! `countersign remote add` (key from the OS keychain), or else the embedded sandbox on a random
//! loopback port with its data in the app's data directory. A start-up failure is kept in
//! [`Core`] and returned by every command, so the window opens and says what went wrong; asking
//! for the session again (`get_session`: the start error's "Try again", the offline review's
//! "Connect again") opens it again, so reconnecting needs no restart.
//!
//! Once the session is open, a [`SystemLockWatcher`] locks it when the OS reports sleep or a
//! screen lock, and tells the webview with the `app-locked` event (its [`LockReason`] as payload).
//!
//! The Ledgers area ([`Ledgers`], a [`LedgerReview`] in the app's data directory) does not need
//! the session: its commands work offline and when the session could not open, but are refused
//! while the app is locked. An import reports its progress with the `ledger-import-progress`
//! event (an [`ImportProgress`] as payload). The native open and save dialogs
//! (`tauri-plugin-dialog`) give the webview paths only: the import reads and the exports write the
//! files here, so exported rows never pass through the webview.

use std::path::PathBuf;

use countersign_app::ipc::{
    CommandError, DemoMember, DeviceStatus, Enrollment, ErrorCode, RequestFilter, Session,
    SubmitOutcome,
};
use countersign_app::ledgers::{
    ExportView, ImportProgress, ImportSummary, IntegrityView, LedgerFacets, LedgerFilter, PageView,
    RowRefView, SeriesBucket, SeriesPointView, TotalView, TradesPageView,
};
use countersign_app::{AppCore, LedgerReview, LockReason, RemoteConfig, SystemLockWatcher};
use countersign_org::view::OrgView;
use countersign_org::{Policy, PolicyDiff, Preview, RequestPayload, Workflow};

use countersign_org::view::RequestView;
use tauri::{AppHandle, Emitter as _, Manager as _, Runtime, State};
use tokio::sync::{RwLock, RwLockReadGuard};

/// The session opened at start-up, or why it could not be; opened again on request
/// (`Core::reopen`) while it could not.
#[derive(Debug)]
pub struct Core {
    opened: RwLock<Result<AppCore, CommandError>>,
    sandbox_dir: PathBuf,
    remote: Option<PathBuf>,
}

impl Core {
    /// Opens the core: the sandbox in `sandbox_dir`, or the remote configured at `remote`.
    async fn open(sandbox_dir: PathBuf, remote: Option<PathBuf>) -> Self {
        let opened = AppCore::open(&sandbox_dir, remote.as_deref()).await;
        if let Err(e) = &opened {
            tracing::error!(code = ?e.code, "session could not open: {}", e.message);
        }
        Self {
            opened: RwLock::new(opened),
            sandbox_dir,
            remote,
        }
    }

    /// The opened core, or why it could not open.
    async fn get(&self) -> Result<RwLockReadGuard<'_, AppCore>, CommandError> {
        let opened = self.opened.read().await;
        if let Err(e) = &*opened {
            return Err(e.clone());
        }
        RwLockReadGuard::try_map(opened, |o| o.as_ref().ok())
            .map_err(|_| CommandError::new(ErrorCode::Internal, "the core is not open"))
    }

    /// Opens the core again if it could not open before (the Organization was unreachable, its
    /// key missing); true when it is open now and was not.
    async fn reopen(&self) -> bool {
        if self.opened.read().await.is_ok() {
            return false;
        }
        let mut opened = self.opened.write().await;
        if opened.is_ok() {
            return false;
        }
        *opened = AppCore::open(&self.sandbox_dir, self.remote.as_deref()).await;
        opened.is_ok()
    }
}

/// The session; when the core could not open, it is opened again first (the start error's "Try
/// again"), and the system lock watcher starts once it is open.
#[tauri::command]
async fn get_session<R: Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
) -> Result<Session, CommandError> {
    if core.reopen().await {
        watch_system_lock(&app);
    }
    Ok(core.get().await?.session().await)
}

#[tauri::command]
async fn list_requests(
    core: State<'_, Core>,
    filter: RequestFilter,
) -> Result<Vec<RequestView>, CommandError> {
    core.get().await?.list_requests(filter).await
}

#[tauri::command]
async fn approve_request(
    core: State<'_, Core>,
    id: String,
    otp: String,
) -> Result<RequestView, CommandError> {
    core.get().await?.approve(&id, &otp).await
}

#[tauri::command]
async fn reject_request(
    core: State<'_, Core>,
    id: String,
    otp: String,
    reason: Option<String>,
) -> Result<RequestView, CommandError> {
    core.get().await?.reject(&id, &otp, reason.as_deref()).await
}

#[tauri::command]
async fn get_org(core: State<'_, Core>) -> Result<OrgView, CommandError> {
    core.get().await?.org().await
}

#[tauri::command]
async fn preview_request(
    core: State<'_, Core>,
    payload: RequestPayload,
    execute: bool,
) -> Result<Preview, CommandError> {
    core.get().await?.preview(&payload, execute).await
}

#[tauri::command]
async fn submit_request(
    core: State<'_, Core>,
    payload: RequestPayload,
    execute: bool,
    otp: Option<String>,
) -> Result<SubmitOutcome, CommandError> {
    core.get()
        .await?
        .submit(&payload, execute, otp.as_deref())
        .await
}

#[tauri::command]
async fn policy_diff(
    core: State<'_, Core>,
    workflow: Workflow,
    policy: Option<Policy>,
) -> Result<PolicyDiff, CommandError> {
    core.get().await?.policy_diff(workflow, policy).await
}

#[tauri::command]
async fn cancel_request(
    core: State<'_, Core>,
    id: String,
    otp: String,
) -> Result<RequestView, CommandError> {
    core.get().await?.cancel(&id, &otp).await
}

#[tauri::command]
async fn sandbox_members(core: State<'_, Core>) -> Result<Vec<DemoMember>, CommandError> {
    core.get().await?.sandbox_members().await
}

#[tauri::command]
async fn switch_member(core: State<'_, Core>, member_id: String) -> Result<Session, CommandError> {
    core.get().await?.switch_member(&member_id).await
}

#[tauri::command]
async fn living_sandbox(core: State<'_, Core>) -> Result<bool, CommandError> {
    core.get().await?.living_sandbox().await
}

#[tauri::command]
async fn set_living_sandbox(core: State<'_, Core>, on: bool) -> Result<bool, CommandError> {
    core.get().await?.set_living_sandbox(on).await
}

#[tauri::command]
async fn copy_revealed_secret(
    core: State<'_, Core>,
    request_id: String,
) -> Result<u64, CommandError> {
    core.get().await?.copy_revealed_secret(&request_id).await
}

#[tauri::command]
async fn store_revealed_key(
    core: State<'_, Core>,
    request_id: String,
) -> Result<String, CommandError> {
    core.get().await?.store_revealed_key(&request_id).await
}

#[tauri::command]
async fn forget_revealed_key(
    core: State<'_, Core>,
    request_id: String,
) -> Result<(), CommandError> {
    core.get().await?.forget_revealed_key(&request_id)
}

#[tauri::command]
async fn lock_app(core: State<'_, Core>) -> Result<(), CommandError> {
    core.get().await?.lock();
    Ok(())
}

#[tauri::command]
async fn unlock_app(core: State<'_, Core>, otp: String) -> Result<(), CommandError> {
    core.get().await?.unlock(&otp).await
}

#[tauri::command]
async fn app_locked(core: State<'_, Core>) -> Result<bool, CommandError> {
    Ok(core.get().await?.is_locked())
}

#[tauri::command]
async fn begin_enrollment(core: State<'_, Core>) -> Result<Enrollment, CommandError> {
    core.get().await?.begin_enrollment().await
}

#[tauri::command]
async fn confirm_enrollment(core: State<'_, Core>, otp: String) -> Result<Session, CommandError> {
    core.get().await?.confirm_enrollment(&otp).await
}

/// The API secret is read from the clipboard by the core; the page sends only the URL and key.
#[tauri::command]
async fn add_org(
    core: State<'_, Core>,
    base_url: String,
    api_key: String,
) -> Result<Session, CommandError> {
    core.get().await?.add_org(&base_url, &api_key).await
}

#[tauri::command]
async fn leave_org(core: State<'_, Core>) -> Result<Session, CommandError> {
    core.get().await?.leave_org().await
}

#[tauri::command]
async fn device_status(core: State<'_, Core>) -> Result<DeviceStatus, CommandError> {
    core.get().await?.device_status().await
}

#[tauri::command]
async fn register_device(core: State<'_, Core>, otp: String) -> Result<DeviceStatus, CommandError> {
    core.get().await?.register_device(&otp).await
}

/// The app's ledger review workspace (independent of the session).
#[derive(Debug)]
pub struct Ledgers(LedgerReview);

impl Ledgers {
    /// The workspace, unless the app is locked (a session that could not open has no lock).
    ///
    /// Never waits on a reopen of the core (which may wait on the network): while one runs,
    /// nothing is open, so nothing is locked.
    fn get(&self, core: &Core) -> Result<LedgerReview, CommandError> {
        if let Ok(opened) = core.opened.try_read()
            && let Ok(core) = &*opened
        {
            core.ensure_unlocked()?;
        }
        Ok(self.0.clone())
    }
}

/// The event carrying an import's progress to the webview (payload: an [`ImportProgress`]).
pub const LEDGER_IMPORT_PROGRESS_EVENT: &str = "ledger-import-progress";

#[tauri::command]
async fn ledger_import<R: tauri::Runtime>(
    app: AppHandle<R>,
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    paths: Vec<String>,
    accept_edited: Option<bool>,
) -> Result<ImportSummary, CommandError> {
    let review = ledgers.get(&core)?;
    let on_progress = move |progress: ImportProgress| {
        if let Err(e) = app.emit(LEDGER_IMPORT_PROGRESS_EVENT, progress) {
            tracing::debug!("import progress not delivered: {e}");
        }
    };
    review
        .import(
            paths.into_iter().map(Into::into).collect(),
            accept_edited.unwrap_or(false),
            on_progress,
        )
        .await
}

#[tauri::command]
async fn ledger_report(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
) -> Result<IntegrityView, CommandError> {
    ledgers.get(&core)?.report().await
}

#[tauri::command]
async fn ledger_page(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    filter: LedgerFilter,
    offset: usize,
    limit: usize,
) -> Result<PageView, CommandError> {
    ledgers.get(&core)?.page(filter, offset, limit).await
}

#[tauri::command]
async fn ledger_locate(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    filter: LedgerFilter,
    row: RowRefView,
) -> Result<Option<usize>, CommandError> {
    ledgers.get(&core)?.locate(filter, row).await
}

#[tauri::command]
async fn ledger_totals(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    filter: LedgerFilter,
    by: Vec<String>,
) -> Result<Vec<TotalView>, CommandError> {
    ledgers.get(&core)?.totals(filter, by).await
}

#[tauri::command]
async fn ledger_series(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    asset: String,
    wallet: String,
    bucket: SeriesBucket,
) -> Result<Vec<SeriesPointView>, CommandError> {
    ledgers.get(&core)?.series(asset, wallet, bucket).await
}

#[tauri::command]
async fn ledger_facets(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
) -> Result<LedgerFacets, CommandError> {
    ledgers.get(&core)?.facets().await
}

#[tauri::command]
async fn ledger_trades(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    filter: LedgerFilter,
    offset: usize,
    limit: usize,
) -> Result<TradesPageView, CommandError> {
    ledgers.get(&core)?.trades(filter, offset, limit).await
}

/// Writes the filtered rows to `path` (chosen in the save dialog) in the exchange's layout.
#[tauri::command]
async fn ledger_export_rows(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    filter: LedgerFilter,
    path: String,
) -> Result<ExportView, CommandError> {
    ledgers.get(&core)?.export_rows(filter, path.into()).await
}

/// Writes month-end balance assertions for the filter's chains to `path`.
#[tauri::command]
async fn ledger_export_balances(
    core: State<'_, Core>,
    ledgers: State<'_, Ledgers>,
    filter: LedgerFilter,
    path: String,
) -> Result<ExportView, CommandError> {
    ledgers
        .get(&core)?
        .export_balances(filter, path.into())
        .await
}

/// The event telling the webview that the core locked itself (payload: a [`LockReason`]).
pub const APP_LOCKED_EVENT: &str = "app-locked";

/// Starts watching for the system's sleep and screen lock, which lock the core; the watcher is
/// kept in the app's state for its lifetime (dropping it stops it).
fn watch_system_lock<R: Runtime>(app: &AppHandle<R>) {
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

/// Locks the session for the OS's `reason` and tells the webview, which shows the lock screen.
fn lock_for_system<R: Runtime>(app: &AppHandle<R>, reason: LockReason) {
    let Some(core) = app.try_state::<Core>() else {
        return;
    };
    // A reopen holding the write lock has nothing to lock yet.
    let Ok(opened) = core.opened.try_read() else {
        return;
    };
    let Ok(core) = &*opened else { return };
    core.lock();
    if let Err(e) = app.emit(APP_LOCKED_EVENT, reason) {
        tracing::warn!("locked ({reason:?}), but the webview could not be told: {e}");
    }
}

/// Registers the commands on a builder (shared by the app and the IPC tests).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        get_session,
        list_requests,
        approve_request,
        reject_request,
        sandbox_members,
        switch_member,
        get_org,
        preview_request,
        submit_request,
        cancel_request,
        policy_diff,
        living_sandbox,
        set_living_sandbox,
        copy_revealed_secret,
        store_revealed_key,
        forget_revealed_key,
        lock_app,
        unlock_app,
        app_locked,
        begin_enrollment,
        confirm_enrollment,
        add_org,
        leave_org,
        device_status,
        register_device,
        ledger_import,
        ledger_report,
        ledger_page,
        ledger_locate,
        ledger_totals,
        ledger_series,
        ledger_facets,
        ledger_trades,
        ledger_export_rows,
        ledger_export_balances
    ])
}

/// Runs the app.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let result = with_commands(tauri::Builder::default())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let core = tauri::async_runtime::block_on(Core::open(
                data_dir.join("sandbox"),
                RemoteConfig::default_path(),
            ));
            let opened = core.opened.blocking_read().is_ok();
            app.manage(core);
            app.manage(Ledgers(LedgerReview::in_data_dir(&data_dir)));
            if opened {
                watch_system_lock(app.handle());
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error: Countersign could not start: {e}");
        std::process::exit(1);
    }
}
