//! [`AppCore`]: the app's state, which every org job reaches through a door that checks the
//! lock: [`AppCore::org`] for the signed-in member's Organization ([`OrgAccess`]). The session
//! itself, locking and unlocking work while locked, and so does [`AppCore::ledgers`], the
//! offline ledger review, which holds nothing of the Organization.
//!
//! The desktop opens the core locked ([`AppCore::open_locked`]): the member's code, not the key
//! in the keychain, opens the Organization, at every start and after every lock.
//!
//! The session is opened from a [`Target`]. When it cannot open (the org API is unreachable, its
//! key is missing) the failure is kept and returned by every org job, so the window opens and
//! says what went wrong; [`AppCore::reopen`] tries again. The ledger review does not need the
//! session: it works offline.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use countersign_client::OrgClient;
use countersign_vault::{DecisionMirror, DeviceKey};
use tokio::sync::RwLock;

use crate::connect::{self, Mode, SignedIn, State, Target};
use crate::env::Environment;
use crate::error::{CommandError, ErrorCode, Otp, blocking};
use crate::ipc::{Session, SessionMode};
use crate::ledgers::LedgerReview;
use crate::lock::{AppLock, Unlocked};
use crate::reveal::Revealed;
use crate::window::HeldWindow;

/// The app's state: its environment, its lock, the Organization session (or why it could not
/// open) and the ledger review. Commands take `&self`.
#[derive(Debug)]
pub struct AppCore {
    env: Environment,
    lock: AppLock,
    /// Where the session goes when it is opened again.
    target: Target,
    state: RwLock<Result<State, CommandError>>,
    /// The ledger review workspace, when the environment has a place for it.
    ledgers: Option<LedgerReview>,
    /// The newest revealed service-user key, until copied, stored or forgotten.
    pub(crate) revealed: Mutex<Option<Revealed>>,
    /// The decision window the member's last code opened, until it closes or the app locks.
    pub(crate) window: HeldWindow,
    /// Whether a session locks when it opens (the desktop's), so that a restart never reopens
    /// an unlocked Organization.
    locks_when_opened: bool,
    /// Bumped whenever the session changes (opened again, another member, another org): the
    /// event stream follows it ([`crate::push`]).
    session_changes: tokio::sync::watch::Sender<u64>,
    /// Where the event stream stands, as last reported ([`crate::push::follow`]).
    sync: Mutex<Option<crate::ipc::SyncState>>,
}

impl AppCore {
    /// Opens the session `target` names; when it cannot open, the failure is kept (see
    /// [`AppCore::session`]) and the ledger review still works. Must run inside a tokio runtime.
    pub async fn open(env: Environment, target: Target) -> Self {
        let state = connect::open(&env, &target).await;
        if let Err(e) = &state {
            tracing::error!(code = ?e.code, "session could not open: {}", e.message);
        }
        let ledgers = env
            .paths
            .ledgers
            .clone()
            .map(|path| LedgerReview::with_clock(path, Arc::clone(&env.clock)));
        Self {
            env,
            lock: AppLock::default(),
            target,
            state: RwLock::new(state),
            ledgers,
            revealed: Mutex::default(),
            window: HeldWindow::default(),
            locks_when_opened: false,
            session_changes: tokio::sync::watch::channel(0).0,
            sync: Mutex::default(),
        }
    }

    /// Opens as [`AppCore::open`], locked: the desktop's start. The Organization stays locked
    /// until the member's code opens it, and so does a session that could not open at first,
    /// once [`AppCore::reopen`] opens it. A member who has not set up an authenticator yet has
    /// no code to give: their session opens on the enrollment, which sets one up.
    pub async fn open_locked(env: Environment, target: Target) -> Self {
        let mut core = Self::open(env, target).await;
        core.locks_when_opened = true;
        core.lock_opened(&*core.state.read().await);
        core
    }

    /// Locks on a session just opened (before anyone can reach it), if this core locks its
    /// sessions and the member can unlock it with a code.
    fn lock_opened(&self, state: &Result<State, CommandError>) {
        if self.locks_when_opened
            && let Ok(state) = state
            && state.signed_in.session.totp_enrolled
        {
            self.lock.lock();
        }
    }

    /// Opens the session `target` names, or fails: for the CLI and tests, which have nothing to
    /// show without it.
    pub async fn connect(env: Environment, target: Target) -> Result<Self, CommandError> {
        let core = Self::open(env, target).await;
        core.session().await?;
        Ok(core)
    }

    /// The environment the jobs use.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// The signed-in session, or why it could not open.
    pub async fn session(&self) -> Result<Session, CommandError> {
        Ok(self.state().await?.signed_in.session)
    }

    /// Opens the session again if it could not open before; true when it is open now and was
    /// not (the desktop then starts watching for the OS's lock).
    pub async fn reopen(&self) -> bool {
        if self.state.read().await.is_ok() {
            return false;
        }
        let mut state = self.state.write().await;
        if state.is_ok() {
            return false;
        }
        *state = connect::open(&self.env, &self.target).await;
        let opened = state.is_ok();
        self.lock_opened(&state);
        drop(state);
        self.session_changes.send_modify(|n| *n += 1);
        opened
    }

    /// Whether the session is open (it may have failed at start).
    pub fn is_open(&self) -> bool {
        // A reopen holding the write lock has nothing open yet.
        self.state.try_read().is_ok_and(|s| s.is_ok())
    }

    /// Where the event stream stands (`None`: nothing follows it, as in the CLI).
    pub fn sync_state(&self) -> Option<crate::ipc::SyncState> {
        self.sync.lock().ok().and_then(|s| s.clone())
    }

    pub(crate) fn set_sync_state(&self, state: crate::ipc::SyncState) {
        if let Ok(mut slot) = self.sync.lock() {
            *slot = Some(state);
        }
    }

    /// Tells when the session changes (see [`crate::push`]).
    pub fn session_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.session_changes.subscribe()
    }

    pub(crate) async fn state(&self) -> Result<State, CommandError> {
        self.state.read().await.clone()
    }

    /// Locks the app: until the member's code unlocks it, every org job is refused with
    /// `locked`, and the revealed key and the decision window (if any) are forgotten.
    pub fn lock(&self) {
        self.lock.lock();
        self.forget_revealed();
        // The window closes at the Organization too, not only here: a locked app leaves no
        // step-up behind.
        if self.window.forget()
            && let Ok(state) = self.state.try_read()
            && let Ok(state) = &*state
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let client = state.signed_in.client.clone();
            runtime.spawn(async move {
                if let Err(e) = client.close_windows().await {
                    tracing::warn!("locked, but the decision window could not be closed at the Organization: {e}");
                }
            });
        }
    }

    /// Whether the app is locked.
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// Unlocks with the signed-in member's current code, checked (and spent) by the org API.
    pub async fn unlock(&self, otp: &str) -> Result<(), CommandError> {
        let otp = Otp::parse(otp)?;
        let signed_in = self.state().await?.signed_in;
        let window = signed_in.client.verify_code(otp.as_str()).await?;
        // The code that unlocks also opens a decision window: the first decision after
        // unlocking needs no other code.
        self.window.hold(&signed_in.session.member.id, window);
        self.lock.open((self.env.clock)());
        Ok(())
    }

    /// The person at the keyboard did something: the idle lock waits its full time again.
    pub fn note_input(&self) {
        self.lock.note_input((self.env.clock)());
    }

    /// Sets how many minutes without input lock the app (one of [`crate::IDLE_CHOICES`]).
    pub fn set_idle_minutes(&self, minutes: u32) -> Result<(), CommandError> {
        self.lock.set_idle_minutes(minutes)
    }

    /// How many minutes without input lock the app.
    pub fn idle_minutes(&self) -> u32 {
        self.lock.idle_minutes()
    }

    /// Whether the app is unlocked and has had no input for its idle time: the desktop asks on
    /// its own timer, and locks. Never for a member with no authenticator yet, who would have
    /// no code to unlock with: their idle time counts from their enrollment.
    pub fn idle_due(&self) -> bool {
        let enrolled = self
            .state
            .try_read()
            .is_ok_and(|s| s.as_ref().is_ok_and(|s| s.signed_in.session.totp_enrolled));
        if !enrolled {
            self.lock.note_input((self.env.clock)());
            return false;
        }
        self.lock.idle_due((self.env.clock)())
    }

    /// The proof that the app is unlocked, for jobs that change the session itself (adding or
    /// leaving an org) rather than act in it.
    pub(crate) fn unlocked(&self) -> Result<Unlocked<'_>, CommandError> {
        self.lock.unlocked()
    }

    /// The signed-in member's Organization, while the app is unlocked: the door of every org
    /// job.
    pub async fn org(&self) -> Result<OrgAccess<'_>, CommandError> {
        let unlocked = self.lock.unlocked()?;
        let State { mode, signed_in } = self.state().await?;
        Ok(OrgAccess {
            core: self,
            mode,
            signed_in,
            _unlocked: unlocked,
        })
    }

    /// The ledger review, locked or not: it needs no session and holds nothing of the
    /// Organization, only the files this person imported on this device.
    pub fn ledgers(&self) -> Result<&LedgerReview, CommandError> {
        self.ledgers.as_ref().ok_or_else(|| {
            CommandError::new(
                ErrorCode::Unavailable,
                "this app has no place for its ledger workspace",
            )
        })
    }

    /// Swaps the session (stopping the living sandbox of a sandbox being left), forgetting any
    /// revealed key of the old one.
    pub(crate) async fn replace(&self, new: State) {
        let old = std::mem::replace(&mut *self.state.write().await, Ok(new));
        self.forget_revealed();
        self.window.forget();
        self.session_changes.send_modify(|n| *n += 1);
        if let Ok(State { mode, .. }) = old
            && let Mode::Sandbox { living, .. } = &*mode
            && let Some(living) = living.lock().await.take()
        {
            living.stop().await;
        }
    }

    /// Signs in as someone else in the same mode (a demo member, an enrolled member).
    pub(crate) async fn replace_signed_in(&self, signed_in: SignedIn) -> Result<(), CommandError> {
        let mut state = self.state.write().await;
        let current = state.as_mut().map_err(|e| e.clone())?;
        current.signed_in = signed_in;
        drop(state);
        self.forget_revealed();
        self.window.forget();
        self.session_changes.send_modify(|n| *n += 1);
        Ok(())
    }

    /// Records that `member` has set up their authenticator, if they are still the one signed
    /// in. Returns the session as it is now.
    pub(crate) async fn mark_enrolled(&self, member: &str) -> Result<Session, CommandError> {
        let mut state = self.state.write().await;
        let current = state.as_mut().map_err(|e| e.clone())?;
        if current.signed_in.session.member.id == member {
            current.signed_in.session.totp_enrolled = true;
        }
        Ok(current.signed_in.session.clone())
    }

    fn forget_revealed(&self) {
        if let Ok(mut slot) = self.revealed.lock() {
            *slot = None;
        }
    }
}

/// The signed-in member's Organization, reachable only while the app is unlocked
/// ([`AppCore::org`]). Each org job takes one; it holds the session as it was when the job began.
#[derive(Debug)]
pub struct OrgAccess<'a> {
    core: &'a AppCore,
    mode: Arc<Mode>,
    signed_in: SignedIn,
    _unlocked: Unlocked<'a>,
}

impl<'a> OrgAccess<'a> {
    /// The signed-in session.
    pub fn session(&self) -> &Session {
        &self.signed_in.session
    }

    pub(crate) fn core(&self) -> &'a AppCore {
        self.core
    }

    pub(crate) fn env(&self) -> &'a Environment {
        &self.core.env
    }

    /// Now, unix seconds, by the environment's clock.
    pub(crate) fn now(&self) -> i64 {
        (self.core.env.clock)() / 1000
    }

    pub(crate) fn mode(&self) -> &Mode {
        &self.mode
    }

    pub(crate) fn client(&self) -> &OrgClient {
        &self.signed_in.client
    }

    /// Sets this device's key for the signed-in member once an org call registered it (so the
    /// first decision does not register it again).
    pub(crate) fn set_device(&self, key: Arc<DeviceKey>) {
        let _ = self.signed_in.device.set(key);
    }

    /// The running sandbox, or `unavailable` on a remote org.
    pub(crate) fn sandbox(&self) -> Result<&countersign_sandbox::RunningSandbox, CommandError> {
        match &*self.mode {
            Mode::Sandbox { running, .. } => Ok(running),
            Mode::Remote => Err(CommandError::new(
                ErrorCode::Unavailable,
                "demo members exist only in sandbox mode",
            )),
        }
    }

    /// The keychain profile of this device's signing key for the signed-in member: the remote's
    /// base URL, or `sandbox:<member>` (the sandbox's address changes with every start).
    pub(crate) fn device_profile(&self) -> String {
        let session = self.session();
        match session.mode {
            SessionMode::Sandbox => format!("sandbox:{}", session.member.id),
            SessionMode::Remote => session.base_url.clone(),
        }
    }

    /// Where this device's decision mirror for the signed-in member is kept, if anywhere.
    pub fn decision_mirror(&self) -> Option<PathBuf> {
        self.mirror().map(|m| m.path().to_owned())
    }

    fn mirror(&self) -> Option<DecisionMirror> {
        let dir = self.env().paths.decisions.as_deref()?;
        Some(DecisionMirror::in_dir(dir, &self.device_profile()))
    }

    /// The client for decisions: it keeps each one this device signs in the device's mirror,
    /// when the app has a place for it.
    pub(crate) fn decider(&self) -> OrgClient {
        let client = self.signed_in.client.clone();
        match self.mirror() {
            Some(mirror) => client.with_mirror(mirror),
            None => client,
        }
    }

    /// This device's signing key for the signed-in member, from the keychain (made on first
    /// use). In sandbox mode the sandbox registers it to the demo member as its operator would;
    /// a remote org needs it registered with the member's code (`trust::register_device`).
    pub(crate) async fn device(&self) -> Result<Arc<DeviceKey>, CommandError> {
        // Loaded (and, in sandbox mode, registered) once per signed-in member.
        let key = self
            .signed_in
            .device
            .get_or_try_init(|| async {
                let key = Arc::new(self.device_key().await?);
                if let Mode::Sandbox { running, .. } = &*self.mode {
                    running
                        .sandbox
                        .operator_register_device(
                            &self.session().member.id,
                            &key.public().to_base64(),
                        )
                        .map_err(CommandError::internal)?;
                }
                Ok::<_, CommandError>(key)
            })
            .await?
            .clone();
        Ok(key)
    }

    /// This device's signing key for the member's profile, from the keychain (made on first
    /// use), without registering it anywhere.
    pub(crate) async fn device_key(&self) -> Result<DeviceKey, CommandError> {
        let (keychain, profile) = (self.env().keychain.clone(), self.device_profile());
        Ok(blocking(move || keychain.device_key(&profile)).await??)
    }
}
