//! `countersign device` (this device's signing key and its registration) and `countersign audit`
//! (export the Organization's journal; verify a journal offline).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use countersign_keychain::Keychain;
use countersign_vault::{DecisionMirror, DeviceKey};

/// `countersign device …`
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Print this device's public key (made and stored in the OS keychain on first use).
    Show,
    /// Register this device's key to the member with their current code; decisions are accepted
    /// only from registered devices.
    Register {
        /// The member's current 6-digit code.
        #[arg(long)]
        otp: String,
    },
    /// Set up the member's authenticator (an invited member has none): without `--otp`, print a
    /// new secret as a QR code and an `otpauth://` link; with the authenticator's first code,
    /// confirm it, which also registers this device.
    Enroll {
        /// The authenticator's first code, to confirm.
        #[arg(long)]
        otp: Option<String>,
    },
}

/// `countersign audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Save the Organization's audit journal (JSON Lines).
    Export {
        /// Where to write it (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Check a journal offline: every link of the hash chain and every decision's signature
    /// against a device registered to its member; names the first bad record (exit 3).
    Verify {
        /// The exported journal.
        file: PathBuf,
    },
    /// Check this device's own record of the decisions it signed against the Organization's
    /// journal: every one must be there, unchanged (exit 3 naming each one that is not).
    Mirror {
        /// Compare against this exported journal instead of fetching the Organization's.
        #[arg(long)]
        journal: Option<PathBuf>,
    },
}

/// Where the desktop app keeps this device's decision mirrors: the CLI writes to the same ones
/// (`COUNTERSIGN_MIRROR_DIR` overrides it).
fn mirror_dir() -> Option<PathBuf> {
    std::env::var_os("COUNTERSIGN_MIRROR_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("dev.countersign.desktop").join("decisions")))
}

/// This device's decision mirror for the org API at `base_url`.
pub fn mirror(base_url: &str) -> Option<DecisionMirror> {
    mirror_dir().map(|dir| DecisionMirror::in_dir(&dir, base_url))
}

/// This device's signing key for `base_url`: `COUNTERSIGN_DEVICE_KEY` (base64 seed, for
/// automation, like `COUNTERSIGN_API_SECRET`) or the OS keychain's, made on first use.
pub async fn device_key(base_url: &str) -> anyhow::Result<DeviceKey> {
    if let Ok(seed) = std::env::var("COUNTERSIGN_DEVICE_KEY") {
        return DeviceKey::from_base64(&seed).context("COUNTERSIGN_DEVICE_KEY");
    }
    let profile = base_url.to_owned();
    tokio::task::spawn_blocking(move || Keychain::default().device_key(&profile))
        .await?
        .context("this device's signing key")
}

pub async fn device(base_url: Option<String>, command: DeviceCommand) -> anyhow::Result<ExitCode> {
    let base = crate::approvals::base_url(base_url)?;
    let key = device_key(&base).await?;
    match command {
        DeviceCommand::Show => println!("{}", key.public().to_base64()),
        DeviceCommand::Enroll { otp: None } => {
            let client = crate::approvals::connect(Some(base)).await?;
            let enrollment = client.enroll_totp().await?;
            let qr = qrcode::QrCode::new(enrollment.otpauth_uri.as_bytes())
                .context("drawing the QR code")?
                .render::<qrcode::render::unicode::Dense1x2>()
                .quiet_zone(true)
                .build();
            println!("{qr}");
            println!(
                "Scan this with your authenticator app, or open: {}",
                enrollment.otpauth_uri
            );
            println!("Then confirm with its first code: countersign device enroll --otp CODE");
        }
        DeviceCommand::Enroll { otp: Some(otp) } => {
            let client = crate::approvals::connect(Some(base)).await?;
            let registered = client.confirm_totp(&otp, &key.public()).await?;
            println!(
                "authenticator set up; this device is registered ({})",
                registered.device_key
            );
        }
        DeviceCommand::Register { otp } => {
            let client = crate::approvals::connect(Some(base)).await?;
            let registered = client.register_device(&key.public(), &otp).await?;
            println!(
                "{} {}",
                if registered.new {
                    "registered"
                } else {
                    "already registered"
                },
                registered.device_key
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(base_url: Option<String>, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Mirror { journal } => {
            let base = crate::approvals::base_url(base_url.clone())?;
            let mirror = mirror(&base).context("no data directory on this system")?;
            let mine = match std::fs::read_to_string(mirror.path()) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => {
                    return Err(e).with_context(|| format!("reading {}", mirror.path().display()));
                }
            };
            let org = match journal {
                Some(path) => std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?,
                None => {
                    crate::approvals::connect(Some(base))
                        .await?
                        .export_journal()
                        .await?
                }
            };
            match countersign_vault::mirror::compare_mirror(&mine, &org) {
                Ok(report) if report.missing.is_empty() => {
                    println!(
                        "{}: all {} decisions this device signed are in the Organization's journal, unchanged",
                        mirror.path().display(),
                        report.decisions
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Ok(report) => {
                    for missing in &report.missing {
                        eprintln!("{missing}");
                    }
                    eprintln!(
                        "{} of {} decisions this device signed are missing from, or altered in, the Organization's journal",
                        report.missing.len(),
                        report.decisions
                    );
                    Ok(ExitCode::from(3))
                }
                Err(fault) => {
                    eprintln!("{fault}");
                    Ok(ExitCode::from(3))
                }
            }
        }
        AuditCommand::Export { output } => {
            let client = crate::approvals::connect(base_url).await?;
            let lines = client.export_journal().await?;
            match output {
                Some(path) => std::fs::write(&path, &lines)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{lines}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match countersign_vault::journal::verify(&text) {
                Ok(v) => {
                    println!(
                        "{}: intact — {} records, {} signed decisions; head {}",
                        file.display(),
                        v.records,
                        v.decisions,
                        v.head
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(fault) => {
                    eprintln!("{}: {fault}", file.display());
                    Ok(ExitCode::from(3))
                }
            }
        }
    }
}
