//! What only the embedded sandbox has: its demo members with their current codes, signing in as
//! one of them, and the living sandbox (deposits arrive, `rebalancer-bot` sweeps them). Also
//! serving a sandbox on its own, for the command line and scripts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use countersign_bot::living::{Living, LivingConfig};
pub use countersign_sandbox::DemoCredentials;
use countersign_sandbox::RunningSandbox;
use countersign_sandbox::tls::TlsIdentity;
use countersign_vault::TotpSecret;

use crate::connect::{self, Mode};
use crate::core::{AppCore, OrgAccess};
use crate::env::Environment;
use crate::error::CommandError;
use crate::ipc::{DemoMember, Session, SessionMode};

/// The demo members with their current codes.
pub async fn members(org: &OrgAccess<'_>) -> Result<Vec<DemoMember>, CommandError> {
    let running = org.sandbox()?;
    // Read afresh: invitations add members, and enrolling changes their authenticator.
    let members = running
        .sandbox
        .demo_members()
        .map_err(CommandError::internal)?;
    let current = &org.session().member.id;
    let now = u64::try_from(org.env().now()).unwrap_or(0);
    Ok(members
        .iter()
        .map(|m| demo_member(m, current, now))
        .collect())
}

/// A demo member as the app shows them at `now` (unix seconds), with `current` signed in.
fn demo_member(m: &countersign_sandbox::DemoMember, current: &str, now: u64) -> DemoMember {
    DemoMember {
        id: m.id.clone(),
        name: m.name.clone(),
        role: m.role.clone(),
        code: m.totp_enrolled.then(|| m.totp.code_at(now)),
        seconds_remaining: TotpSecret::seconds_remaining(now),
        current: m.id == current,
    }
}

/// The signed-in demo member with their current code, for the lock screen, locked or not; `None`
/// against a remote org API. Demo codes are no secret: the sandbox shows them all in its panel.
pub async fn own_code(core: &AppCore) -> Result<Option<DemoMember>, CommandError> {
    let state = core.state().await?;
    let Mode::Sandbox { running, .. } = &*state.mode else {
        return Ok(None);
    };
    let me = &state.signed_in.session.member.id;
    let now = u64::try_from(core.env().now()).unwrap_or(0);
    let members = running
        .sandbox
        .demo_members()
        .map_err(CommandError::internal)?;
    Ok(members
        .iter()
        .find(|m| m.id == *me)
        .map(|m| demo_member(m, me, now)))
}

/// Signs in as another demo member.
pub async fn switch_member(org: &OrgAccess<'_>, member_id: &str) -> Result<Session, CommandError> {
    let running = org.sandbox()?;
    let members = running
        .sandbox
        .demo_members()
        .map_err(CommandError::internal)?;
    let m = members.iter().find(|m| m.id == member_id).ok_or_else(|| {
        CommandError::new(
            crate::ErrorCode::NotFound,
            format!("no demo member {member_id}"),
        )
    })?;
    let client = connect::demo_client(org.env(), &running.base_url, m)?;
    let signed_in = connect::sign_in(client, SessionMode::Sandbox).await?;
    let session = signed_in.session.clone();
    org.core().replace_signed_in(signed_in).await?;
    Ok(session)
}

/// Whether the living sandbox runs.
pub async fn living(org: &OrgAccess<'_>) -> Result<bool, CommandError> {
    org.sandbox()?;
    match org.mode() {
        Mode::Sandbox { living, .. } => Ok(living.lock().await.is_some()),
        Mode::Remote => Ok(false),
    }
}

/// Switches the living sandbox on or off: customer deposits arrive in the BTC hot wallet and the
/// `rebalancer-bot` service user sweeps the excess to cold storage through the exchange API, so
/// its withdrawals keep joining the approval queue. Returns whether it runs now.
pub async fn set_living(org: &OrgAccess<'_>, on: bool) -> Result<bool, CommandError> {
    let Mode::Sandbox { running, living } = org.mode() else {
        org.sandbox()?;
        return Ok(false);
    };
    let mut living = living.lock().await;
    match (on, living.take()) {
        (true, Some(already)) => *living = Some(already),
        (true, None) => {
            *living = Some(
                Living::start(running, LivingConfig::default())
                    .map_err(CommandError::unavailable)?,
            );
        }
        (false, Some(running)) => running.stop().await,
        (false, None) => {}
    }
    Ok(living.is_some())
}

/// A sandbox served on its own (`countersign sandbox serve`): the server, and the living
/// sandbox when asked for.
#[derive(Debug)]
pub struct Served {
    /// The server.
    pub running: RunningSandbox,
    /// The living sandbox, when switched on.
    pub living: Option<Living>,
    /// Over HTTPS: the SHA-256 of the certificate presented, which clients pin.
    pub tls_sha256: Option<String>,
}

/// How a sandbox served on its own is reached: plain HTTP (on loopback: clients refuse it
/// beyond), or HTTPS for a sandbox shared across machines.
#[derive(Debug, Clone)]
pub enum ServeTls {
    /// The operator's certificate chain and private key (PEM files).
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// Its private key.
        key: PathBuf,
    },
    /// A certificate made at start and signed by itself; clients pin its fingerprint.
    SelfSigned,
}

/// Opens (creating and seeding on first start) the sandbox stored in `dir` and serves it on
/// `addr`, living if asked, over HTTPS when `tls` says how.
pub async fn serve(
    env: &Environment,
    dir: &Path,
    addr: SocketAddr,
    living: bool,
    tls: Option<ServeTls>,
) -> Result<Served, CommandError> {
    let identity = tls
        .map(|tls| match tls {
            ServeTls::Files { cert, key } => TlsIdentity::from_pem_files(&cert, &key),
            ServeTls::SelfSigned => {
                TlsIdentity::self_signed(&["localhost".to_owned(), addr.ip().to_string()])
            }
        })
        .transpose()
        .map_err(|e| CommandError::invalid(e.to_string()))?;
    let running = connect::serve_sandbox(env, dir, addr, identity.as_ref()).await?;
    let living = living
        .then(|| Living::start(&running, LivingConfig::default()))
        .transpose()
        .map_err(|e| CommandError::unavailable(format!("starting the living sandbox: {e}")))?;
    Ok(Served {
        running,
        living,
        tls_sha256: identity.map(|i| i.fingerprint().to_owned()),
    })
}

impl Served {
    /// The demo members' and service users' keys and TOTP secrets, for scripts and test
    /// harnesses (written only where the operator asks), with the certificate's fingerprint
    /// over HTTPS.
    pub fn demo_credentials(&self) -> Result<DemoCredentials, CommandError> {
        let mut creds = self
            .running
            .sandbox
            .demo_credentials(&self.running.base_url)
            .map_err(CommandError::internal)?;
        creds.tls_sha256.clone_from(&self.tls_sha256);
        Ok(creds)
    }

    /// Serves until the server stops or `stop` resolves, then stops the living sandbox.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        let Self {
            running, living, ..
        } = self;
        tokio::select! {
            () = running.wait() => {}
            () = stop => {}
        }
        if let Some(living) = living {
            living.stop().await;
        }
    }
}
