//! Signing in: where a session goes ([`Target`]) and how it gets there — the embedded sandbox on
//! a random loopback port as a demo member, or a remote org API with the member's key from the
//! keychain or given by the caller.

use std::path::Path;
use std::sync::Arc;

use countersign_bot::living::Living;
use countersign_client::{CertPin, KeyContext, Nonces, OrgClient, RateLimit};
use countersign_kraken::Credentials;
use countersign_sandbox::tls::TlsIdentity;
use countersign_sandbox::{RunningSandbox, Sandbox};
use countersign_vault::DeviceKey;

use crate::RemoteConfig;
use crate::env::Environment;
use crate::error::{CommandError, ErrorCode, blocking};
use crate::ipc::{Session, SessionMode};

/// Where a session goes.
#[derive(Debug, Clone)]
pub enum Target {
    /// The remote in the environment's remote config if there is one, else the embedded
    /// sandbox: how the desktop app starts.
    Configured,
    /// The embedded sandbox in the environment's sandbox directory.
    Sandbox,
    /// A remote org API, signing with the member's key from the keychain (profile: the URL).
    Remote {
        /// The org API base URL.
        base_url: String,
    },
    /// A remote org API, signing with the key given (automation: the CLI's environment).
    RemoteWith {
        /// The org API base URL.
        base_url: String,
        /// The member's key pair.
        credentials: Credentials,
        /// The server certificate to accept, whoever signed it (a shared sandbox's); none:
        /// the one the remote config pins for this URL, if any.
        pin: Option<CertPin>,
    },
}

/// Sandbox or remote, with what each needs kept alive.
#[derive(Debug)]
pub(crate) enum Mode {
    Sandbox {
        running: RunningSandbox,
        /// The living sandbox (deposits and the rebalancer bot), when switched on.
        living: Box<tokio::sync::Mutex<Option<Living>>>,
    },
    Remote,
}

/// One signed-in member: the client, what the session says, and this device's key for them.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub client: OrgClient,
    pub session: Session,
    /// This device's signing key for the member, loaded from the keychain on the first decision.
    pub device: Arc<tokio::sync::OnceCell<Arc<DeviceKey>>>,
}

/// The open session: its mode and who is signed in.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub mode: Arc<Mode>,
    pub signed_in: SignedIn,
}

/// A client for `base_url` signing with `creds`, on the environment's clock (which dates the
/// statements decisions sign), accepting the server certificate the remote config pins for
/// that URL, if it pins one.
pub(crate) fn client(
    env: &Environment,
    base_url: &str,
    creds: Credentials,
) -> Result<OrgClient, CommandError> {
    let pin = configured_pin(env, base_url)?;
    client_pinned(env, base_url, creds, pin.as_ref())
}

/// The certificate pin the remote config holds for `base_url`, if any.
fn configured_pin(env: &Environment, base_url: &str) -> Result<Option<CertPin>, CommandError> {
    let Some(config) = configured_remote_config(env)? else {
        return Ok(None);
    };
    match config.pin_sha256 {
        Some(pin) if config.base_url == base_url => CertPin::parse(&pin)
            .map(Some)
            .map_err(|e| CommandError::invalid(format!("the remote config's pin: {e}"))),
        _ => Ok(None),
    }
}

/// [`client`] accepting only the certificate `pin` names, when given.
pub(crate) fn client_pinned(
    env: &Environment,
    base_url: &str,
    creds: Credentials,
    pin: Option<&CertPin>,
) -> Result<OrgClient, CommandError> {
    let clock = Arc::clone(&env.clock);
    let key = KeyContext::with_parts(
        creds,
        Nonces::Memory(countersign_client::NonceSource::new()),
        // The org API has no call counter of its own to mirror.
        RateLimit::unlimited(),
        Arc::new(move || u64::try_from(clock()).unwrap_or(0)),
    );
    let client = OrgClient::with_key(base_url, Arc::new(key))?;
    Ok(match pin {
        Some(pin) => client.pinned(pin)?,
        None => client,
    })
}

/// Asks the org API who the key belongs to.
pub(crate) async fn sign_in(
    client: OrgClient,
    mode: SessionMode,
) -> Result<SignedIn, CommandError> {
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

/// Opens the session `target` names.
pub(crate) async fn open(env: &Environment, target: &Target) -> Result<State, CommandError> {
    match target {
        Target::Configured => match configured_remote(env)? {
            Some(base_url) => remote(env, &base_url).await,
            None => sandbox(env).await,
        },
        Target::Sandbox => sandbox(env).await,
        Target::Remote { base_url } => remote(env, base_url).await,
        Target::RemoteWith {
            base_url,
            credentials,
            pin,
        } => {
            let client = match pin {
                Some(pin) => client_pinned(env, base_url, credentials.clone(), Some(pin))?,
                None => client(env, base_url, credentials.clone())?,
            };
            Ok(State {
                mode: Arc::new(Mode::Remote),
                signed_in: sign_in(client, SessionMode::Remote).await?,
            })
        }
    }
}

/// The remote configured in the environment's remote config file, if any.
pub(crate) fn configured_remote(env: &Environment) -> Result<Option<String>, CommandError> {
    Ok(configured_remote_config(env)?.map(|c| c.base_url))
}

/// The environment's remote config, if any.
fn configured_remote_config(env: &Environment) -> Result<Option<RemoteConfig>, CommandError> {
    let Some(path) = &env.paths.remote_config else {
        return Ok(None);
    };
    RemoteConfig::load(path).map_err(|e| CommandError::invalid(e.to_string()))
}

/// Starts the embedded sandbox on a random loopback port, signed in as the default demo member.
pub(crate) async fn sandbox(env: &Environment) -> Result<State, CommandError> {
    let dir = env.paths.sandbox.as_deref().ok_or_else(no_sandbox)?;
    let running = serve_sandbox(env, dir, ([127, 0, 0, 1], 0).into(), None).await?;
    let members = running
        .sandbox
        .demo_members()
        .map_err(CommandError::internal)?;
    let first = members
        .iter()
        .find(|m| m.id == countersign_sandbox::seed::DEFAULT_MEMBER)
        .or_else(|| members.first())
        .ok_or_else(|| CommandError::internal("the sandbox has no members"))?;
    let signed_in = sign_in(
        demo_client(env, &running.base_url, first)?,
        SessionMode::Sandbox,
    )
    .await?;
    Ok(State {
        mode: Arc::new(Mode::Sandbox {
            running,
            living: Box::default(),
        }),
        signed_in,
    })
}

/// Opens the sandbox stored in `dir` (seeding it on first start) and serves it on `addr`, over
/// HTTPS when given a TLS identity.
pub(crate) async fn serve_sandbox(
    env: &Environment,
    dir: &Path,
    addr: std::net::SocketAddr,
    tls: Option<&TlsIdentity>,
) -> Result<RunningSandbox, CommandError> {
    let sandbox = Sandbox::open_with_clock(dir, Arc::clone(&env.clock)).map_err(|e| {
        CommandError::internal(format!("opening the sandbox in {}: {e}", dir.display()))
    })?;
    let served = match tls {
        Some(identity) => sandbox.serve_tls(addr, identity).await,
        None => sandbox.serve(addr).await,
    };
    served.map_err(|e| {
        CommandError::new(
            ErrorCode::Unavailable,
            format!("cannot start the sandbox on {addr}: {e}"),
        )
    })
}

/// Signs in to the remote org API at `base_url` with the member's key from the keychain.
pub(crate) async fn remote(env: &Environment, base_url: &str) -> Result<State, CommandError> {
    let (keychain, profile) = (env.keychain.clone(), base_url.to_owned());
    let creds = blocking(move || keychain.load(&profile))
        .await?
        // Whatever stops the key from loading, the session cannot authenticate.
        .map_err(|e| CommandError::new(ErrorCode::Auth, e.to_string()))?;
    Ok(State {
        mode: Arc::new(Mode::Remote),
        signed_in: sign_in(client(env, base_url, creds)?, SessionMode::Remote).await?,
    })
}

/// A client signing as a sandbox demo member.
pub(crate) fn demo_client(
    env: &Environment,
    base_url: &str,
    m: &countersign_sandbox::DemoMember,
) -> Result<OrgClient, CommandError> {
    client(
        env,
        base_url,
        Credentials {
            api_key: m.api_key.clone(),
            api_secret: m.api_secret.clone(),
        },
    )
}

fn no_sandbox() -> CommandError {
    CommandError::new(
        ErrorCode::Unavailable,
        "this app has no place for its sandbox's data",
    )
}
