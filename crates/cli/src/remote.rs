//! `countersign remote add|show|remove`: the org API the app and the CLI use. The base URL goes
//! to the config file; the key pair goes to the OS keychain only.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use countersign_app::orgs;
use countersign_kraken::ApiSecret;

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
        /// Accept only the server certificate with this SHA-256 (64 hex digits), whoever signed
        /// it: what `countersign sandbox serve --tls` prints for a sandbox shared across
        /// machines.
        #[arg(long, value_name = "SHA256")]
        pin_sha256: Option<String>,
    },
    /// Show the configured remote.
    Show,
    /// Forget the remote and delete its key from the keychain (the app returns to the sandbox).
    Remove,
}

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    let env = crate::session::environment();
    match command {
        Command::Add {
            base_url,
            api_key,
            pin_sha256,
        } => {
            if std::io::stdin().is_terminal() {
                eprint!("API secret (input is read from stdin): ");
            }
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            let api_secret = ApiSecret::from_base64(line.trim()).context("the API secret")?;
            let session = orgs::add(&env, &base_url, &api_key, api_secret, pin_sha256.as_deref())
                .await
                .with_context(|| format!("signing in to {base_url}"))?;
            println!(
                "Signed in to {} as {}; the key is in the OS keychain.",
                session.org_name, session.member.name
            );
        }
        Command::Show => match orgs::configured(&env)? {
            Some(base_url) => println!("{base_url}"),
            None => println!("No remote configured: the app runs on its embedded sandbox."),
        },
        Command::Remove => {
            orgs::forget(&env).await?;
            println!("Remote removed.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
