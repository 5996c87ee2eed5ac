//! `countersign remote add|show|remove`: the org API the app and the CLI use. The base URL goes
//! to the config file; the key pair goes to the OS keychain only.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use countersign_app::RemoteConfig;
use countersign_keychain::Keychain;
use countersign_kraken::{ApiSecret, Credentials};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Store a member's key in the OS keychain and make this org API the default.
    /// The secret is read from standard input (never from an argument, which shells log).
    Add {
        /// The org API base URL.
        #[arg(long)]
        base_url: String,
        /// The member's public API key.
        #[arg(long)]
        api_key: String,
    },
    /// Show the configured remote.
    Show,
    /// Forget the remote and delete its key from the keychain (the app returns to the sandbox).
    Remove,
}

fn config_path() -> anyhow::Result<std::path::PathBuf> {
    RemoteConfig::default_path().context("no config directory on this system")
}

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let path = config_path()?;
    match command {
        Command::Add { base_url, api_key } => {
            if std::io::stdin().is_terminal() {
                eprint!("API secret (input is read from stdin): ");
            }
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let api_secret = ApiSecret::from_base64(line.trim()).context("the API secret")?;
            let creds = Credentials {
                api_key,
                api_secret,
            };
            // Check the key works before storing anything.
            let me = countersign_client::OrgClient::new(&base_url, creds.clone())?
                .me()
                .await
                .with_context(|| format!("signing in to {base_url}"))?;
            let profile = base_url.clone();
            tokio::task::spawn_blocking(move || Keychain::default().store(&profile, &creds))
                .await??;
            RemoteConfig {
                base_url: base_url.clone(),
            }
            .save(&path)?;
            println!(
                "Signed in to {} as {}; the key is in the OS keychain.",
                me.org_name, me.member.name
            );
        }
        Command::Show => match RemoteConfig::load(&path)? {
            Some(c) => println!("{}", c.base_url),
            None => println!("No remote configured: the app runs on its embedded sandbox."),
        },
        Command::Remove => {
            if let Some(c) = RemoteConfig::load(&path)? {
                let profile = c.base_url.clone();
                match tokio::task::spawn_blocking(move || Keychain::default().delete(&profile))
                    .await?
                {
                    Ok(()) | Err(countersign_keychain::KeychainError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            RemoteConfig::remove(&path)?;
            println!("Remote removed.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
