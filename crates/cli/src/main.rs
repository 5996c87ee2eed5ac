//! `countersign`: the sandbox server, approvals, remotes, key probes, signing and the offline
//! ledger review, without a window.
//!
//! Commands are defined by [`Cli`]; each runs on the same crates the desktop app uses.

/// mimalloc: large imports allocate and free hundreds of MiB in a few phases; the system
/// allocator hands each phase fresh pages from the kernel (a page fault apiece, a quarter of a
/// million-row import's time), where mimalloc reuses what the last phase freed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod approvals;
mod keys;
mod ledger;
mod org;
mod remote;
mod requests;
mod session;
mod trust;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use countersign_app::sandbox;
use countersign_kraken::ApiSecret;

/// Countersign: approve exchange Organization requests, run the sandbox, debug signatures.
#[derive(Debug, Parser)]
#[command(name = "countersign", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The sandbox Organization server.
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// Pending requests: list, approve, reject.
    Approvals(approvals::Args),
    /// Requests of every workflow: submit, cancel, reveal a created key.
    Requests {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
        base_url: Option<String>,
        #[command(subcommand)]
        command: requests::RequestsCommand,
    },
    /// What a request would do, and why, before submitting it.
    Preview {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
        base_url: Option<String>,
        #[command(subcommand)]
        kind: requests::Kind,
        /// Preview executing it at once.
        #[arg(long, global = true)]
        execute: bool,
        /// Preview as this member would submit it, or as this service user would send it (an
        /// id: `m-eve`, `su-payouts`).
        #[arg(long = "as", global = true)]
        as_member: Option<String>,
        /// Print JSON.
        #[arg(long, global = true)]
        json: bool,
    },
    /// The Organization: members, service users with their keys, policies, the address book.
    Org {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
        base_url: Option<String>,
        #[command(subcommand)]
        command: org::Command,
    },
    /// Policies: diff a change, check a lock.
    Policy {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
        base_url: Option<String>,
        #[command(subcommand)]
        command: requests::PolicyCommand,
    },
    /// API keys: probe which permissions a key actually has.
    Keys {
        #[command(subcommand)]
        command: keys::Command,
    },
    /// This device's signing key: show it, register it to the member.
    Device {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
        base_url: Option<String>,
        #[command(subcommand)]
        command: trust::DeviceCommand,
    },
    /// The audit journal: export it, verify one offline.
    Audit {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
        base_url: Option<String>,
        #[command(subcommand)]
        command: trust::AuditCommand,
    },
    /// Offline review of exported ledgers: import, check, totals, balances, export.
    Ledger(ledger::Args),
    /// The remote org API the app and the CLI use (credentials go to the OS keychain).
    Remote {
        #[command(subcommand)]
        command: remote::Command,
    },
    /// Print the API-Sign header for a private call (for debugging an integration).
    Sign {
        /// The API secret, base64.
        #[arg(long)]
        secret: String,
        /// The nonce, as sent.
        #[arg(long)]
        nonce: String,
        /// The URI path, from `/0/...`.
        #[arg(long)]
        path: String,
        /// The exact POST body, including `nonce=`.
        #[arg(long)]
        body: String,
    },
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Serve the sandbox (org API + exchange API subset) until interrupted.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8765")]
        addr: SocketAddr,
        /// Data directory (created and seeded on first start).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Write the demo members' and service users' keys and TOTP secrets to this JSON file
        /// (sandbox only; for test harnesses and scripts).
        #[arg(long)]
        demo_credentials: Option<PathBuf>,
        /// Keep the demo Organization moving: customer deposits arrive in the BTC hot wallet and
        /// rebalancer-bot sweeps the excess to cold storage through the exchange API (each sweep
        /// joins the approval queue).
        #[arg(long)]
        living: bool,
        /// Serve HTTPS with a certificate made now and signed by itself, for a sandbox shared
        /// across machines (clients refuse plain HTTP beyond loopback). Its SHA-256 is printed:
        /// pin it with `countersign remote add --pin-sha256`.
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        tls: bool,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    countersign_app::keep_files_private();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", explain(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, with a job's error in its own words and the lower layer's.
fn explain(e: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in e.chain() {
        match cause.downcast_ref::<countersign_app::CommandError>() {
            Some(job) => parts.push(job.explained()),
            None => parts.push(cause.to_string()),
        }
    }
    parts.join(": ")
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Sandbox {
            command:
                SandboxCommand::Serve {
                    addr,
                    data,
                    demo_credentials,
                    living,
                    tls,
                    tls_cert,
                    tls_key,
                },
        } => {
            let tls = match (tls, tls_cert, tls_key) {
                (_, Some(cert), Some(key)) => Some(sandbox::ServeTls::Files { cert, key }),
                (true, _, _) => Some(sandbox::ServeTls::SelfSigned),
                _ => None,
            };
            serve(addr, data, demo_credentials, living, tls).await
        }
        Command::Approvals(args) => approvals::run(args).await,
        Command::Requests { base_url, command } => {
            requests::requests(&session::connect(base_url).await?, command).await
        }
        Command::Preview {
            base_url,
            kind,
            execute,
            as_member,
            json,
        } => {
            requests::preview(
                &session::connect(base_url).await?,
                kind,
                execute,
                as_member,
                json,
            )
            .await
        }
        Command::Org { base_url, command } => {
            org::run(&session::connect(base_url).await?, command).await
        }
        Command::Policy { base_url, command } => {
            requests::policy(&session::connect(base_url).await?, command).await
        }
        Command::Keys { command } => keys::run(command).await,
        Command::Device { base_url, command } => trust::device(base_url, command).await,
        Command::Audit { base_url, command } => trust::audit(base_url, command).await,
        Command::Ledger(args) => ledger::run(args).await,
        Command::Remote { command } => remote::run(command).await,
        Command::Sign {
            secret,
            nonce,
            path,
            body,
        } => {
            let secret = ApiSecret::from_base64(&secret).context("--secret")?;
            println!(
                "{}",
                countersign_kraken::sign(&secret, &path, &nonce, &body)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(
    addr: SocketAddr,
    data: Option<PathBuf>,
    demo_credentials: Option<PathBuf>,
    living: bool,
    tls: Option<sandbox::ServeTls>,
) -> anyhow::Result<ExitCode> {
    let data = match data {
        Some(d) => d,
        None => dirs::data_dir()
            .context("no data directory on this system; pass --data DIR")?
            .join("countersign")
            .join("sandbox"),
    };
    let served = sandbox::serve(&session::environment(), &data, addr, living, tls).await?;
    if let Some(path) = demo_credentials {
        let creds = served.demo_credentials()?;
        write_private(&path, &serde_json::to_string_pretty(&creds)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "sandbox serving {} (data in {}){}; Ctrl-C to stop",
        served.running.base_url,
        data.display(),
        if served.living.is_some() {
            ", living: deposits arrive and rebalancer-bot sweeps"
        } else {
            ""
        }
    );
    if let Some(sha256) = &served.tls_sha256 {
        eprintln!(
            "TLS certificate SHA-256 {sha256}\n  pin it on each client: countersign remote add --base-url {} --api-key KEY --pin-sha256 {sha256}",
            served.running.base_url
        );
    }
    served
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    Ok(ExitCode::SUCCESS)
}

/// Writes a file readable by its owner only (it holds demo secrets).
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())
}
