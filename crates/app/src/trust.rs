//! Device and trust: this device's signing key and its registration to the member, setting up
//! the member's authenticator, the Organization's audit journal and this device's own record of
//! what it signed.

use std::path::PathBuf;
use std::sync::Arc;

use countersign_org::view::OrgView;
use countersign_vault::journal::Verified;
use countersign_vault::{DecisionMirror, JournalFault};

use crate::core::OrgAccess;
use crate::env::Environment;
use crate::error::{CommandError, Otp, blocking};
use crate::ipc::{DeviceStatus, Enrollment, Session, SessionMode};

/// The Organization: members, service users with their keys, policies, the address book.
pub async fn org_view(org: &OrgAccess<'_>) -> Result<OrgView, CommandError> {
    Ok(org.client().org().await?)
}

/// This device's signing key (made on first use) and whether it is registered to the signed-in
/// member: decisions from an unregistered device are refused. In sandbox mode the sandbox
/// registers it as its operator, so it counts as registered.
pub async fn device_status(org: &OrgAccess<'_>) -> Result<DeviceStatus, CommandError> {
    let key = org.device().await?;
    let public_key = key.public().to_base64();
    let registered = match org.session().mode {
        SessionMode::Sandbox => true,
        SessionMode::Remote => org.client().me().await?.devices.contains(&public_key),
    };
    Ok(DeviceStatus {
        public_key,
        registered,
    })
}

/// This device's public key for the signed-in member (base64), made on first use, whether or
/// not it is registered.
pub async fn device_public_key(org: &OrgAccess<'_>) -> Result<String, CommandError> {
    Ok(org.device_key().await?.public().to_base64())
}

/// This device's public key for the remote org API at `base_url` (base64), made on first use;
/// needs no connection.
pub async fn device_public_key_for(
    env: &Environment,
    base_url: &str,
) -> Result<String, CommandError> {
    let (keychain, profile) = (env.keychain.clone(), base_url.to_owned());
    Ok(blocking(move || keychain.device_key(&profile))
        .await??
        .public()
        .to_base64())
}

/// Registers this device's signing key to the signed-in member with their current code.
pub async fn register_device(org: &OrgAccess<'_>, otp: &str) -> Result<Registered, CommandError> {
    let otp = Otp::parse(otp)?;
    let key = org.device().await?;
    let registered = org
        .client()
        .register_device(&key.public(), otp.as_str())
        .await?;
    Ok(Registered {
        status: DeviceStatus {
            public_key: registered.device_key,
            registered: true,
        },
        new: registered.new,
    })
}

/// A registration's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The key, now registered.
    pub status: DeviceStatus,
    /// Whether this call registered it (`false`: it already was).
    pub new: bool,
}

/// Starts setting up the signed-in member's authenticator: a new secret from the org API, as
/// the `otpauth://` URI and its QR code, to show once. Calling again replaces the secret (only
/// the newest QR code can be confirmed).
pub async fn begin_enrollment(org: &OrgAccess<'_>) -> Result<Enrollment, CommandError> {
    let enrollment = org.client().enroll_totp().await?;
    let qr_svg = qr_svg(&enrollment.otpauth_uri)?;
    Ok(Enrollment {
        otpauth_uri: enrollment.otpauth_uri,
        qr_svg,
    })
}

/// Finishes enrollment with the authenticator's first code, which also registers this device's
/// signing key to the member. Returns the session, now enrolled.
pub async fn confirm_enrollment(org: &OrgAccess<'_>, otp: &str) -> Result<Session, CommandError> {
    let otp = Otp::parse(otp)?;
    let key = Arc::new(org.device_key().await?);
    org.client()
        .confirm_totp(otp.as_str(), &key.public())
        .await?;
    // Registered by the call itself: the first decision need not register it again.
    org.set_device(key);
    org.core().mark_enrolled(&org.session().member.id).await
}

/// The Organization's audit journal as JSON Lines ([`verify_journal`] checks it).
pub async fn export_journal(org: &OrgAccess<'_>) -> Result<String, CommandError> {
    Ok(org.client().export_journal().await?)
}

/// Checks a journal offline: every link of its hash chain and every decision's signature against
/// a device registered to its member; the first bad record is the fault.
pub fn verify_journal(text: &str) -> Result<Verified, JournalFault> {
    countersign_vault::journal::verify(text)
}

/// This device's record of the decisions it signed for the signed-in member, against the
/// Organization's journal (`journal`, or the Organization's own, fetched): how many decisions
/// the device signed, and each one the journal lacks or holds altered.
pub async fn compare_mirror(
    org: &OrgAccess<'_>,
    journal: Option<String>,
) -> Result<MirrorComparison, CommandError> {
    let journal = match journal {
        Some(text) => text,
        None => export_journal(org).await?,
    };
    compare_mirror_with(org.decision_mirror(), journal).await
}

/// Where this device keeps its record of the decisions it signed for the remote org API at
/// `base_url`, if the environment keeps one.
pub fn mirror_for(env: &Environment, base_url: &str) -> Option<PathBuf> {
    let dir = env.paths.decisions.as_deref()?;
    Some(DecisionMirror::in_dir(dir, base_url).path().to_owned())
}

/// The decision mirror at `mirror` against an exported `journal`, offline.
pub async fn compare_mirror_with(
    mirror: Option<PathBuf>,
    journal: String,
) -> Result<MirrorComparison, CommandError> {
    let Some(path) = mirror else {
        return Ok(MirrorComparison::default());
    };
    let mine = {
        let path = path.clone();
        blocking(move || match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(CommandError::internal(format!("{}: {e}", path.display()))),
        })
        .await??
    };
    let (decisions, missing, fault) =
        match countersign_vault::mirror::compare_mirror(&mine, &journal) {
            Ok(found) => (
                found.decisions,
                found.missing.iter().map(ToString::to_string).collect(),
                None,
            ),
            Err(fault) => (0, Vec::new(), Some(fault.to_string())),
        };
    Ok(MirrorComparison {
        mirror: Some(path),
        decisions,
        missing,
        fault,
    })
}

/// What [`compare_mirror`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorComparison {
    /// The mirror compared (none: this app keeps none).
    pub mirror: Option<PathBuf>,
    /// How many decisions this device signed.
    pub decisions: usize,
    /// Each one the journal lacks or holds altered, in words.
    pub missing: Vec<String>,
    /// Why no comparison could be made: the mirror or the journal does not verify.
    pub fault: Option<String>,
}

impl MirrorComparison {
    /// Every decision this device signed is in the journal, unchanged.
    pub fn holds(&self) -> bool {
        self.fault.is_none() && self.missing.is_empty()
    }
}

/// `text` as a QR code: an SVG document, black on white with a quiet zone.
fn qr_svg(text: &str) -> Result<String, CommandError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| CommandError::internal(format!("cannot draw the QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build())
}
