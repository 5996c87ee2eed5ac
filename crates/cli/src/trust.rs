//! `countersign device` (this device's signing key and its registration) and `countersign audit`
//! (export the Organization's journal; verify a journal offline).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use countersign_app::trust;

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

pub async fn device(base_url: Option<String>, command: DeviceCommand) -> anyhow::Result<ExitCode> {
    match command {
        DeviceCommand::Show => {
            let env = crate::session::environment();
            let base = crate::session::base_url(&env, base_url.clone())?;
            // No connection: the key is this device's, whether or not the org is reachable.
            let env = crate::session::with_automation_keys(env, &base)?;
            println!("{}", trust::device_public_key_for(&env, &base).await?);
        }
        DeviceCommand::Enroll { otp: None } => {
            let core = crate::session::connect(base_url).await?;
            let enrollment = trust::begin_enrollment(&core.org().await?).await?;
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
            let core = crate::session::connect(base_url).await?;
            let org = core.org().await?;
            trust::confirm_enrollment(&org, &otp).await?;
            println!(
                "authenticator set up; this device is registered ({})",
                trust::device_public_key(&org).await?
            );
        }
        DeviceCommand::Register { otp } => {
            let core = crate::session::connect(base_url).await?;
            let registered = trust::register_device(&core.org().await?, &otp).await?;
            println!(
                "{} {}",
                if registered.new {
                    "registered"
                } else {
                    "already registered"
                },
                registered.status.public_key
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(base_url: Option<String>, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Mirror { journal } => {
            let journal = journal
                .map(|path| -> anyhow::Result<String> {
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))
                })
                .transpose()?;
            let found = match journal {
                // Offline: this device's mirror against the journal given.
                Some(journal) => {
                    let env = crate::session::environment();
                    let base = crate::session::base_url(&env, base_url)?;
                    trust::compare_mirror_with(trust::mirror_for(&env, &base), journal).await?
                }
                None => {
                    let core = crate::session::connect(base_url).await?;
                    trust::compare_mirror(&core.org().await?, None).await?
                }
            };
            let mirror = found
                .mirror
                .as_deref()
                .context("no data directory on this system")?
                .display()
                .to_string();
            if let Some(fault) = &found.fault {
                eprintln!("{fault}");
                return Ok(ExitCode::from(3));
            }
            if found.missing.is_empty() {
                println!(
                    "{mirror}: all {} decisions this device signed are in the Organization's journal, unchanged",
                    found.decisions
                );
                return Ok(ExitCode::SUCCESS);
            }
            for missing in &found.missing {
                eprintln!("{missing}");
            }
            eprintln!(
                "{} of {} decisions this device signed are missing from, or altered in, the Organization's journal",
                found.missing.len(),
                found.decisions
            );
            Ok(ExitCode::from(3))
        }
        AuditCommand::Export { output } => {
            let core = crate::session::connect(base_url).await?;
            let lines = trust::export_journal(&core.org().await?).await?;
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
            match trust::verify_journal(&text) {
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
