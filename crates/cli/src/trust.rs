//! `countersign device` (this device's signing key and its registration) and `countersign audit`
//! (export the Organization's journal; verify a journal offline).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use countersign_vault::{DeviceKey, Keychain};

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
