//! The app's session and commands.

use std::path::{Path, PathBuf};

use countersign_bot::living::{Living, LivingConfig};
use std::sync::Arc;

use countersign_client::{OrgClient, StepUp};
use countersign_keychain::Keychain;
use countersign_kraken::Credentials;
use countersign_org::view::{OrgView, RequestView};
use countersign_org::{Policy, PolicyDiff, Preview, RequestPayload, Workflow};
use countersign_sandbox::{RunningSandbox, Sandbox};
use countersign_vault::{DecisionMirror, DeviceKey, TotpSecret};

use crate::reveal::{
    CLIPBOARD_SECONDS, Clipboard as _, Revealed, SystemClipboard, copy_then_clear,
};
use tokio::sync::RwLock;

use crate::RemoteConfig;
use crate::ipc::{
    CommandError, DemoMember, DeviceStatus, Enrollment, ErrorCode, RequestFilter, Session,
    SessionMode, SubmitOutcome,
};

/// One signed-in session. Commands take `&self`; switching member swaps the client inside.
#[derive(Debug)]
pub struct AppCore {
    /// Sandbox or remote; adding an org (or leaving it) swaps it with the session.
    mode: RwLock<Mode>,
    signed_in: RwLock<SignedIn>,
    /// Where the embedded sandbox keeps its data (to return to it after leaving a remote).
    sandbox_dir: Option<PathBuf>,
    /// The remote config file that adding or leaving an org writes.
    remote_config: Option<PathBuf>,
    /// Where this device's decision mirrors are kept (`countersign_vault::mirror`).
    mirror_dir: Option<PathBuf>,
    /// Where this device's signing keys live.
    keychain: Keychain,
    /// Locked (idle or by hand): every command but the session and unlocking is refused.
    locked: std::sync::atomic::AtomicBool,
    /// The newest revealed service-user key, until copied, stored or forgotten.
    revealed: std::sync::Mutex<Option<Revealed>>,
    clipboard: Arc<std::sync::Mutex<SystemClipboard>>,
}

#[derive(Debug)]
enum Mode {
    Sandbox {
        running: RunningSandbox,
        /// The living sandbox (deposits and the rebalancer bot), when switched on.
        living: Box<tokio::sync::Mutex<Option<Living>>>,
    },
    Remote,
}

#[derive(Debug, Clone)]
struct SignedIn {
    client: OrgClient,
    session: Session,
    /// This device's signing key for the member, loaded from the keychain on the first decision.
    device: Arc<tokio::sync::OnceCell<Arc<DeviceKey>>>,
}

async fn sign_in(client: OrgClient, mode: SessionMode) -> Result<SignedIn, CommandError> {
    let me = client.me().await?;
    let session = Session {
        mode,
        org_name: me.org_name,
        base_url: client.base_url().to_owned(),
        member: me.member,
        totp_enrolled: me.totp_enrolled,
    };
    Ok(SignedIn {
        client,
        session,
        device: Arc::default(),
    })
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Starts the embedded sandbox from `data_dir` on a random loopback port, signed in as the
/// default demo member.
async fn sandbox_parts(data_dir: &Path) -> Result<(Mode, SignedIn), CommandError> {
    let sandbox = Sandbox::open(data_dir)
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
    let running = sandbox
        .serve(([127, 0, 0, 1], 0).into())
        .await
        .map_err(|e| {
            CommandError::new(
                ErrorCode::Unavailable,
                format!("cannot start the sandbox: {e}"),
            )
        })?;
    let members = running
        .sandbox
        .demo_members()
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
    let first = members
        .iter()
        .find(|m| m.id == countersign_sandbox::seed::DEFAULT_MEMBER)
        .or_else(|| members.first())
        .ok_or_else(|| CommandError::new(ErrorCode::Internal, "the sandbox has no members"))?;
    let client = demo_client(&running.base_url, first)?;
    let signed_in = sign_in(client, SessionMode::Sandbox).await?;
    let mode = Mode::Sandbox {
        running,
        living: Box::default(),
    };
    Ok((mode, signed_in))
}

/// Signs in to the remote org API in `config` with the member's key from the OS keychain.
async fn remote_parts(
    config: &RemoteConfig,
    keychain: &Keychain,
) -> Result<(Mode, SignedIn), CommandError> {
    // The keychain client blocks (and runs its own D-Bus runtime): keep it off the workers.
    let (store, profile) = (keychain.clone(), config.base_url.clone());
    let creds = tokio::task::spawn_blocking(move || store.load(&profile))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(|e| CommandError::new(ErrorCode::Auth, e.to_string()))?;
    let client = OrgClient::new(&config.base_url, creds)?;
    Ok((Mode::Remote, sign_in(client, SessionMode::Remote).await?))
}

impl AppCore {
    /// Opens the session the app starts with: the remote configured in the file at
    /// `remote_config` if there is one, else the embedded sandbox under `sandbox_dir`. Adding an
    /// org later writes that file; leaving it returns to the sandbox under `sandbox_dir`.
    pub async fn open(
        sandbox_dir: &Path,
        remote_config: Option<&Path>,
    ) -> Result<Self, CommandError> {
        let remote = match remote_config {
            Some(path) => RemoteConfig::load(path)
                .map_err(|e| CommandError::new(ErrorCode::InvalidInput, e.to_string()))?,
            None => None,
        };
        let keychain = Keychain::default();
        let (mode, signed_in) = match remote {
            Some(remote) => remote_parts(&remote, &keychain).await?,
            None => sandbox_parts(sandbox_dir).await?,
        };
        let mut core = Self::assemble(mode, signed_in, keychain);
        core.sandbox_dir = Some(sandbox_dir.to_owned());
        core.remote_config = remote_config.map(Path::to_owned);
        core.mirror_dir = sandbox_dir.parent().map(|data| data.join("decisions"));
        Ok(core)
    }

    /// Starts the embedded sandbox from `data_dir` on a random loopback port and signs in as the
    /// default demo member. Must run inside a tokio runtime.
    pub async fn start_sandbox(data_dir: &Path) -> Result<Self, CommandError> {
        let (mode, signed_in) = sandbox_parts(data_dir).await?;
        let mut core = Self::assemble(mode, signed_in, Keychain::default());
        core.sandbox_dir = Some(data_dir.to_owned());
        core.mirror_dir = Some(data_dir.join("decisions"));
        Ok(core)
    }

    /// Signs in to the remote org API in `config` with the member's key from the OS keychain.
    pub async fn connect_remote(
        config: &RemoteConfig,
        keychain: &Keychain,
    ) -> Result<Self, CommandError> {
        let (mode, signed_in) = remote_parts(config, keychain).await?;
        Ok(Self::assemble(mode, signed_in, keychain.clone()))
    }

    fn assemble(mode: Mode, signed_in: SignedIn, keychain: Keychain) -> Self {
        Self {
            mode: RwLock::new(mode),
            signed_in: RwLock::new(signed_in),
            sandbox_dir: None,
            remote_config: None,
            mirror_dir: None,
            keychain,
            locked: std::sync::atomic::AtomicBool::new(false),
            revealed: std::sync::Mutex::default(),
            clipboard: Arc::default(),
        }
    }

    /// The app's data directory (the sandbox's folder is `sandbox` in it), when the app has one:
    /// where the Ledgers workspace lives ([`crate::LedgerReview::in_data_dir`]).
    pub fn data_dir(&self) -> Option<&Path> {
        self.sandbox_dir.as_deref().and_then(Path::parent)
    }

    /// The signed-in session.
    pub async fn session(&self) -> Session {
        self.signed_in.read().await.session.clone()
    }

    async fn client(&self) -> OrgClient {
        self.signed_in.read().await.client.clone()
    }

    /// The client for decisions: it keeps each one this device signs in the device's mirror
    /// (`<data dir>/decisions/<device profile>.jsonl`), when the app has a data dir.
    async fn decider(&self) -> OrgClient {
        let signed_in = self.signed_in.read().await;
        let client = signed_in.client.clone();
        match &self.mirror_dir {
            Some(dir) => client.with_mirror(DecisionMirror::in_dir(
                dir,
                &Self::device_profile(&signed_in.session),
            )),
            None => client,
        }
    }

    /// Compares this device's decision mirror with the Organization's journal: how many
    /// decisions the device signed, and (in words) each one the journal lacks or holds altered.
    pub async fn compare_mirror(&self) -> Result<(usize, Vec<String>), CommandError> {
        self.ensure_unlocked()?;
        let Some(path) = self.decision_mirror().await else {
            return Ok((0, Vec::new()));
        };
        let mine = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(CommandError::new(
                    ErrorCode::Internal,
                    format!("{}: {e}", path.display()),
                ));
            }
        };
        let org = self.client().await.export_journal().await?;
        let report = countersign_vault::mirror::compare_mirror(&mine, &org)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        Ok((
            report.decisions,
            report.missing.iter().map(ToString::to_string).collect(),
        ))
    }

    /// Where this device's decision mirror for the signed-in member is kept, if anywhere.
    pub async fn decision_mirror(&self) -> Option<PathBuf> {
        let session = self.session().await;
        self.mirror_dir.as_ref().map(|dir| {
            DecisionMirror::in_dir(dir, &Self::device_profile(&session))
                .path()
                .to_owned()
        })
    }

    /// Locks the app: until unlocked with the member's code, every command but the session and
    /// unlocking is refused with `locked`, and the revealed key (if any) is forgotten.
    pub fn lock(&self) {
        self.locked.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut slot) = self.revealed.lock() {
            *slot = None;
        }
    }

    /// Whether the app is locked.
    pub fn is_locked(&self) -> bool {
        self.locked.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Unlocks with the signed-in member's current code, checked (and spent) by the org API.
    pub async fn unlock(&self, otp: &str) -> Result<(), CommandError> {
        check_otp_shape(otp)?;
        self.client().await.verify_code(otp).await?;
        self.locked
            .store(false, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Refuses with `locked` while the app is locked: the gate of every command but the session
    /// and unlocking (the shell's ledger commands, which live outside the session, pass it too).
    pub fn ensure_unlocked(&self) -> Result<(), CommandError> {
        if self.is_locked() {
            return Err(CommandError::new(
                ErrorCode::Locked,
                "Countersign is locked: enter your code to unlock it.",
            ));
        }
        Ok(())
    }

    /// The keychain profile of this device's signing key for the signed-in member: the remote's
    /// base URL, or `sandbox:<member>` (the sandbox's address changes with every start).
    fn device_profile(session: &Session) -> String {
        match session.mode {
            SessionMode::Sandbox => format!("sandbox:{}", session.member.id),
            SessionMode::Remote => session.base_url.clone(),
        }
    }

    /// This device's signing key, from the OS keychain (made on first use). In sandbox mode the
    /// sandbox registers it to the demo member as its operator would; a remote org needs it
    /// registered with the member's code ([`AppCore::register_device`]).
    async fn device(&self) -> Result<Arc<DeviceKey>, CommandError> {
        let signed_in = self.signed_in.read().await.clone();
        let session = &signed_in.session;
        // Loaded (and, in sandbox mode, registered) once per signed-in member.
        let key = signed_in
            .device
            .get_or_try_init(|| async move {
                let key = Arc::new(self.device_key_for(session).await?);
                if let Mode::Sandbox { running, .. } = &*self.mode.read().await {
                    running
                        .sandbox
                        .operator_register_device(&session.member.id, &key.public().to_base64())
                        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
                }
                Ok::<_, CommandError>(key)
            })
            .await?
            .clone();
        Ok(key)
    }

    /// Starts setting up the signed-in member's authenticator: a new secret from the org API,
    /// as the `otpauth://` URI and its QR code, to show once. Calling again replaces the secret
    /// (only the newest QR code can be confirmed).
    pub async fn begin_enrollment(&self) -> Result<Enrollment, CommandError> {
        self.ensure_unlocked()?;
        let enrollment = self.client().await.enroll_totp().await?;
        let qr_svg = qr_svg(&enrollment.otpauth_uri)?;
        Ok(Enrollment {
            otpauth_uri: enrollment.otpauth_uri,
            qr_svg,
        })
    }

    /// Finishes enrollment with the authenticator's first code, which also registers this
    /// device's signing key to the member. Returns the session, now enrolled.
    pub async fn confirm_enrollment(&self, otp: &str) -> Result<Session, CommandError> {
        self.ensure_unlocked()?;
        check_otp_shape(otp)?;
        let signed_in = self.signed_in.read().await.clone();
        let key = Arc::new(self.device_key_for(&signed_in.session).await?);
        signed_in.client.confirm_totp(otp, &key.public()).await?;
        // Registered by the call itself: the first decision need not register it again.
        let _ = signed_in.device.set(key);
        let mut current = self.signed_in.write().await;
        if current.session.member.id == signed_in.session.member.id {
            current.session.totp_enrolled = true;
        }
        Ok(current.session.clone())
    }

    /// Whether this device's signing key is registered to the signed-in member (decisions from
    /// an unregistered device are refused), and the key (loaded once per member, made on first
    /// use). In sandbox mode the sandbox registers it as its operator, so it counts as registered.
    pub async fn device_status(&self) -> Result<DeviceStatus, CommandError> {
        self.ensure_unlocked()?;
        let session = self.session().await;
        let key = self.device().await?;
        let public_key = key.public().to_base64();
        let registered = match session.mode {
            SessionMode::Sandbox => true,
            SessionMode::Remote => self
                .client()
                .await
                .me()
                .await?
                .devices
                .contains(&public_key),
        };
        Ok(DeviceStatus {
            public_key,
            registered,
        })
    }

    /// Registers this device's signing key to the signed-in member with their current code.
    pub async fn register_device(&self, otp: &str) -> Result<DeviceStatus, CommandError> {
        self.ensure_unlocked()?;
        check_otp_shape(otp)?;
        let key = self.device().await?;
        let registered = self
            .client()
            .await
            .register_device(&key.public(), otp)
            .await?;
        Ok(DeviceStatus {
            public_key: registered.device_key,
            registered: true,
        })
    }

    /// This device's signing key for `session`'s profile, from the keychain (made on first use).
    async fn device_key_for(&self, session: &Session) -> Result<DeviceKey, CommandError> {
        let (keychain, profile) = (self.keychain.clone(), Self::device_profile(session));
        tokio::task::spawn_blocking(move || keychain.device_key(&profile))
            .await
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| CommandError::new(ErrorCode::Unavailable, e.to_string()))
    }

    /// Adds a remote Organization: signs in to `base_url` as the member whose API key is
    /// `api_key` and whose secret is on the clipboard — read here, never by the page — then
    /// keeps the key in the OS keychain, makes the org the default (the remote config file) and
    /// switches this session to it. The clipboard is cleared once read.
    pub async fn add_org(&self, base_url: &str, api_key: &str) -> Result<Session, CommandError> {
        self.ensure_unlocked()?;
        let pasted = {
            let mut clipboard = self.clipboard.lock().map_err(|_| {
                CommandError::new(ErrorCode::Internal, "the clipboard is unavailable")
            })?;
            clipboard.text()
        };
        let api_secret = pasted
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::InvalidInput,
                    "the clipboard holds no text: copy the API secret, then press Paste secret",
                )
            })
            .and_then(|text| {
                countersign_kraken::ApiSecret::from_base64(text).map_err(|_| {
                    CommandError::new(
                        ErrorCode::InvalidInput,
                        "the clipboard does not hold an API secret (base64): copy the secret, not the key",
                    )
                })
            })?;
        let session = self
            .add_org_with_secret(base_url, api_key, api_secret)
            .await?;
        if let Ok(mut clipboard) = self.clipboard.lock() {
            let _ = clipboard.clear();
        }
        Ok(session)
    }

    /// [`AppCore::add_org`] with the secret already in hand (the CLI, tests).
    pub async fn add_org_with_secret(
        &self,
        base_url: &str,
        api_key: &str,
        api_secret: countersign_kraken::ApiSecret,
    ) -> Result<Session, CommandError> {
        self.ensure_unlocked()?;
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let api_key = api_key.trim();
        if api_key.is_empty() {
            return Err(CommandError::new(
                ErrorCode::InvalidInput,
                "the API key is empty: paste the key's public part",
            ));
        }
        let creds = Credentials {
            api_key: api_key.to_owned(),
            api_secret,
        };
        // Sign in before keeping anything: a wrong key leaves no trace.
        let signed_in = sign_in(
            OrgClient::new(&base_url, creds.clone())?,
            SessionMode::Remote,
        )
        .await?;
        let (keychain, profile) = (self.keychain.clone(), base_url.clone());
        tokio::task::spawn_blocking(move || keychain.store(&profile, &creds))
            .await
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| CommandError::new(ErrorCode::Unavailable, e.to_string()))?;
        if let Some(path) = &self.remote_config {
            RemoteConfig { base_url }
                .save(path)
                .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        }
        let session = signed_in.session.clone();
        self.replace(Mode::Remote, signed_in).await;
        Ok(session)
    }

    /// Leaves the remote Organization: deletes the member's key from the OS keychain, removes
    /// the remote config and returns to the embedded sandbox. This device's signing key stays
    /// (it is registered to the member; adding the org again reuses it).
    pub async fn leave_org(&self) -> Result<Session, CommandError> {
        self.ensure_unlocked()?;
        let session = self.session().await;
        if session.mode != SessionMode::Remote {
            return Err(CommandError::new(
                ErrorCode::Unavailable,
                "the app is on its sandbox: there is no remote Organization to leave",
            ));
        }
        let sandbox_dir = self.sandbox_dir.clone().ok_or_else(|| {
            CommandError::new(
                ErrorCode::Unavailable,
                "this app has no sandbox to return to",
            )
        })?;
        let (keychain, profile) = (self.keychain.clone(), session.base_url.clone());
        match tokio::task::spawn_blocking(move || keychain.delete(&profile))
            .await
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
        {
            Ok(()) | Err(countersign_keychain::KeychainError::NotFound(_)) => {}
            Err(e) => return Err(CommandError::new(ErrorCode::Unavailable, e.to_string())),
        }
        if let Some(path) = &self.remote_config {
            RemoteConfig::remove(path)
                .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        }
        let (mode, signed_in) = sandbox_parts(&sandbox_dir).await?;
        let session = signed_in.session.clone();
        self.replace(mode, signed_in).await;
        Ok(session)
    }

    /// Swaps the mode and the session (stopping a sandbox being left), forgetting any revealed
    /// key of the old session.
    async fn replace(&self, mode: Mode, signed_in: SignedIn) {
        let old = std::mem::replace(&mut *self.mode.write().await, mode);
        *self.signed_in.write().await = signed_in;
        if let Ok(mut slot) = self.revealed.lock() {
            *slot = None;
        }
        if let Mode::Sandbox { living, .. } = old
            && let Some(living) = living.lock().await.take()
        {
            living.stop().await;
        }
    }

    /// Requests visible to the member, newest first.
    pub async fn list_requests(
        &self,
        filter: RequestFilter,
    ) -> Result<Vec<RequestView>, CommandError> {
        self.ensure_unlocked()?;
        let filter = countersign_client::RequestFilter {
            status: filter.status,
            workflow: filter.workflow,
        };
        Ok(self.client().await.list_requests(filter).await?)
    }

    /// Approves with a TOTP code.
    pub async fn approve(&self, id: &str, otp: &str) -> Result<RequestView, CommandError> {
        self.ensure_unlocked()?;
        check_otp_shape(otp)?;
        let device = self.device().await?;
        let step_up = StepUp {
            otp,
            device: &device,
        };
        Ok(self.decider().await.approve(id, step_up).await?)
    }

    /// Rejects with a TOTP code and an optional reason.
    pub async fn reject(
        &self,
        id: &str,
        otp: &str,
        reason: Option<&str>,
    ) -> Result<RequestView, CommandError> {
        self.ensure_unlocked()?;
        check_otp_shape(otp)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let device = self.device().await?;
        let step_up = StepUp {
            otp,
            device: &device,
        };
        Ok(self.decider().await.reject(id, step_up, reason).await?)
    }

    /// The Organization: members, service users with their keys, policies, address book.
    pub async fn org(&self) -> Result<OrgView, CommandError> {
        self.ensure_unlocked()?;
        Ok(self.client().await.org().await?)
    }

    /// What submitting `payload` would do, and why.
    pub async fn preview(
        &self,
        payload: &RequestPayload,
        execute: bool,
    ) -> Result<Preview, CommandError> {
        self.ensure_unlocked()?;
        Ok(self.client().await.preview(payload, execute, None).await?)
    }

    /// Submits a request (executing needs the member's code). When it creates a service user at
    /// once, the outcome carries the key pair for its one-time reveal.
    pub async fn submit(
        &self,
        payload: &RequestPayload,
        execute: bool,
        otp: Option<&str>,
    ) -> Result<SubmitOutcome, CommandError> {
        self.ensure_unlocked()?;
        if let Some(code) = otp {
            check_otp_shape(code)?;
        } else if execute {
            return Err(CommandError::new(
                ErrorCode::InvalidInput,
                "executing is a decision: enter your 2FA code",
            ));
        }
        let device = match otp {
            Some(_) => Some(self.device().await?),
            None => None,
        };
        let step_up = otp
            .zip(device.as_deref())
            .map(|(otp, device)| StepUp { otp, device });
        let result = self
            .decider()
            .await
            .submit(payload, execute, step_up)
            .await?;
        // The reveal goes to the webview this once; Rust keeps it for copy and store.
        *self.revealed_slot()? = result.revealed.as_ref().map(|key| Revealed {
            request_id: result.request.id.clone(),
            name: match payload {
                RequestPayload::CreateServiceUser { name, .. } => name.clone(),
                _ => String::new(),
            },
            key: key.clone(),
        });
        Ok(SubmitOutcome {
            request: result.request,
            preview: result.preview,
            revealed: result.revealed,
        })
    }

    fn revealed_slot(&self) -> Result<std::sync::MutexGuard<'_, Option<Revealed>>, CommandError> {
        self.revealed
            .lock()
            .map_err(|_| CommandError::new(ErrorCode::Internal, "the revealed key is unavailable"))
    }

    /// The revealed key of `request_id`, while it is kept.
    fn revealed_key(&self, request_id: &str) -> Result<Revealed, CommandError> {
        self.revealed_slot()?
            .as_ref()
            .filter(|r| r.request_id == request_id)
            .cloned()
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::NotFound,
                    "that key is no longer kept: a secret is shown once, and this one was forgotten",
                )
            })
    }

    /// Copies the revealed secret of `request_id` to the OS clipboard, marked secret for
    /// clipboard managers where the OS has a hint for it, and clears it after 30 s unless
    /// something else was copied meanwhile. Returns the seconds until it is cleared.
    pub async fn copy_revealed_secret(&self, request_id: &str) -> Result<u64, CommandError> {
        self.ensure_unlocked()?;
        let revealed = self.revealed_key(request_id)?;
        copy_then_clear(
            Arc::clone(&self.clipboard),
            revealed.key.api_secret,
            std::time::Duration::from_secs(CLIPBOARD_SECONDS),
        )
        .map_err(|e| {
            CommandError::new(
                ErrorCode::Unavailable,
                format!("cannot use the clipboard: {e}"),
            )
        })?;
        Ok(CLIPBOARD_SECONDS)
    }

    /// Stores the revealed key pair of `request_id` in the OS keychain (under
    /// `service-user:<org>:<name>`) and forgets it here. Returns the keychain entry's name.
    pub async fn store_revealed_key(&self, request_id: &str) -> Result<String, CommandError> {
        self.ensure_unlocked()?;
        let revealed = self.revealed_key(request_id)?;
        let profile = format!(
            "service-user:{}:{}",
            self.session().await.base_url,
            revealed.name
        );
        let creds = Credentials {
            api_key: revealed.key.api_key.clone(),
            api_secret: countersign_kraken::ApiSecret::from_base64(&revealed.key.api_secret)
                .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?,
        };
        let (keychain, entry) = (self.keychain.clone(), profile.clone());
        tokio::task::spawn_blocking(move || keychain.store(&entry, &creds))
            .await
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| CommandError::new(ErrorCode::Unavailable, e.to_string()))?;
        self.forget_revealed_key(request_id)?;
        Ok(profile)
    }

    /// Forgets the revealed key of `request_id` (leaving the page does this).
    pub fn forget_revealed_key(&self, request_id: &str) -> Result<(), CommandError> {
        let mut slot = self.revealed_slot()?;
        if slot.as_ref().is_some_and(|r| r.request_id == request_id) {
            *slot = None;
        }
        Ok(())
    }

    /// What replacing `workflow`'s policy with `policy` would loosen or tighten, and the pending
    /// requests it would leave on an older snapshot.
    pub async fn policy_diff(
        &self,
        workflow: Workflow,
        policy: Option<Policy>,
    ) -> Result<PolicyDiff, CommandError> {
        self.ensure_unlocked()?;
        Ok(self.client().await.policy_diff(workflow, policy).await?)
    }

    /// Cancels the member's own pending request.
    pub async fn cancel(&self, id: &str, otp: &str) -> Result<RequestView, CommandError> {
        self.ensure_unlocked()?;
        check_otp_shape(otp)?;
        let device = self.device().await?;
        let step_up = StepUp {
            otp,
            device: &device,
        };
        Ok(self.decider().await.cancel(id, step_up).await?)
    }

    /// The sandbox's demo members with their current codes (sandbox mode only).
    pub async fn sandbox_members(&self) -> Result<Vec<DemoMember>, CommandError> {
        self.ensure_unlocked()?;
        let Mode::Sandbox { running, .. } = &*self.mode.read().await else {
            return Err(not_sandbox());
        };
        // Read afresh: invitations add members, and enrolling changes their authenticator.
        let members = running
            .sandbox
            .demo_members()
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        let current = self.session().await.member.id;
        let now = unix_now();
        Ok(members
            .iter()
            .map(|m| DemoMember {
                id: m.id.clone(),
                name: m.name.clone(),
                role: m.role.clone(),
                code: m.totp_enrolled.then(|| m.totp.code_at(now)),
                seconds_remaining: TotpSecret::seconds_remaining(now),
                current: m.id == current,
            })
            .collect())
    }

    /// Whether the living sandbox runs (sandbox mode only).
    pub async fn living_sandbox(&self) -> Result<bool, CommandError> {
        let Mode::Sandbox { living, .. } = &*self.mode.read().await else {
            return Err(not_sandbox());
        };
        Ok(living.lock().await.is_some())
    }

    /// Switches the living sandbox on or off: customer deposits arrive in the BTC hot wallet and
    /// the `rebalancer-bot` service user sweeps the excess to cold storage through the exchange
    /// API, so its withdrawals keep joining the approval queue (sandbox mode only).
    pub async fn set_living_sandbox(&self, on: bool) -> Result<bool, CommandError> {
        self.ensure_unlocked()?;
        let Mode::Sandbox {
            running, living, ..
        } = &*self.mode.read().await
        else {
            return Err(not_sandbox());
        };
        let mut living = living.lock().await;
        match (on, living.take()) {
            (true, Some(already)) => *living = Some(already),
            (true, None) => {
                *living = Some(
                    Living::start(running, LivingConfig::default())
                        .map_err(|e| CommandError::new(ErrorCode::Unavailable, e.to_string()))?,
                );
            }
            (false, Some(running)) => running.stop().await,
            (false, None) => {}
        }
        Ok(living.is_some())
    }

    /// Signs in as another demo member (sandbox mode only).
    pub async fn switch_member(&self, member_id: &str) -> Result<Session, CommandError> {
        self.ensure_unlocked()?;
        let Mode::Sandbox { running, .. } = &*self.mode.read().await else {
            return Err(not_sandbox());
        };
        let members = running
            .sandbox
            .demo_members()
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        let m = members.iter().find(|m| m.id == member_id).ok_or_else(|| {
            CommandError::new(ErrorCode::NotFound, format!("no demo member {member_id}"))
        })?;
        let signed_in = sign_in(demo_client(&running.base_url, m)?, SessionMode::Sandbox).await?;
        let session = signed_in.session.clone();
        *self.signed_in.write().await = signed_in;
        Ok(session)
    }
}

fn demo_client(
    base_url: &str,
    m: &countersign_sandbox::DemoMember,
) -> Result<OrgClient, CommandError> {
    Ok(OrgClient::new(
        base_url,
        Credentials {
            api_key: m.api_key.clone(),
            api_secret: m.api_secret.clone(),
        },
    )?)
}

fn not_sandbox() -> CommandError {
    CommandError::new(
        ErrorCode::Unavailable,
        "demo members exist only in sandbox mode",
    )
}

/// `text` as a QR code: an SVG document, black on white with a quiet zone.
fn qr_svg(text: &str) -> Result<String, CommandError> {
    let code =
        qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).map_err(|e| {
            CommandError::new(ErrorCode::Internal, format!("cannot draw the QR code: {e}"))
        })?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build())
}

fn check_otp_shape(otp: &str) -> Result<(), CommandError> {
    if otp.len() == 6 && otp.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CommandError::new(
            ErrorCode::InvalidInput,
            "the 2FA code is 6 digits",
        ))
    }
}
