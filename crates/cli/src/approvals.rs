//! `countersign approvals list|approve|reject`.

use std::process::ExitCode;

use clap::Subcommand;
use countersign_app::approvals;
use countersign_app::ipc::RequestFilter;
use countersign_org::RequestPayload;
use countersign_org::RequestStatus;
use countersign_org::view::{ActorKind, RequestView};

/// Where and as whom.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The org API base URL (default: the configured remote, see `countersign remote add`).
    #[arg(long, env = "COUNTERSIGN_BASE_URL", global = true)]
    base_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List pending requests (all statuses with --all).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Include requests in every status.
        #[arg(long)]
        all: bool,
    },
    /// One request in full: what it asks, what it would change, who decided.
    Show {
        /// The request id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Approve a request with your current 2FA code.
    Approve {
        /// The request id.
        id: String,
        /// Your current TOTP code.
        #[arg(long)]
        otp: String,
    },
    /// Reject a request with your current 2FA code.
    Reject {
        /// The request id.
        id: String,
        /// Your current TOTP code.
        #[arg(long)]
        otp: String,
        /// Why (shown to the initiator and other approvers).
        #[arg(long)]
        reason: Option<String>,
    },
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let core = crate::session::connect(args.base_url).await?;
    let org = core.org().await?;
    match args.command {
        Command::List { json, all } => {
            let filter = RequestFilter {
                status: (!all).then_some(RequestStatus::Pending),
                workflow: None,
            };
            let requests = approvals::list(&org, filter).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&requests)?);
            } else {
                print_table(&requests, now());
            }
        }
        Command::Show { id, json } => {
            let r = approvals::get(&org, &id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", render_request(&r));
            }
        }
        Command::Approve { id, otp } => {
            let r = approvals::approve(&org, &id, &otp, None).await?;
            println!("{}", outcome(&r));
            print_digest(&r);
        }
        Command::Reject { id, otp, reason } => {
            let r = approvals::reject(&org, &id, &otp, reason.as_deref(), None).await?;
            println!("{}", outcome(&r));
            print_digest(&r);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A request in plain language: the outcome line, what it would change (while pending), each
/// decision, and whether the viewer may decide.
fn render_request(r: &RequestView) -> String {
    let mut out = format!("{}\n", outcome(r));
    out.push_str(&crate::requests::render_changes(&r.changes));
    for d in &r.decisions {
        out.push_str(&format!(
            "  {} {}{}\n",
            d.member.name,
            match d.decision {
                countersign_org::Decision::Approve => "approved",
                countersign_org::Decision::Reject => "rejected",
            },
            d.reason
                .as_deref()
                .map(|why| format!(": {why}"))
                .unwrap_or_default()
        ));
    }
    match (&r.viewer.can_decide, &r.viewer.why_not) {
        (true, _) => out.push_str("You may approve or reject it.\n"),
        (false, Some(why)) => out.push_str(&format!("You may not decide it: {why}\n")),
        (false, None) => {}
    }
    out
}

/// Prints the short digest of the decision just signed, for comparing out of band.
fn print_digest(r: &countersign_org::view::RequestView) {
    if let Some(digest) = r.decisions.last().and_then(|d| d.digest.as_deref()) {
        println!("signed by this device; statement digest {digest}");
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

fn outcome(r: &RequestView) -> String {
    format!(
        "{}: {} ({} / {} approvals) — {}",
        r.id,
        r.status.as_str(),
        r.approvals,
        r.required_approvals,
        r.summary
    )
}

/// Age in the largest whole unit: `45s`, `12m`, `3h`, `2d`.
fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn print_table(requests: &[RequestView], now: i64) {
    if requests.is_empty() {
        println!("No requests.");
        return;
    }
    println!(
        "{:<21}  {:<9}  {:<18}  {:>22}  {:<16}  {:>9}  {:>5}",
        "ID", "STATUS", "INITIATOR", "AMOUNT", "DESTINATION", "APPROVALS", "AGE"
    );
    for r in requests {
        let initiator = match r.initiator.kind {
            ActorKind::Member => r.initiator.name.clone(),
            ActorKind::ServiceUser => format!("{} (bot)", r.initiator.name),
        };
        let (amount, destination) = match &r.payload {
            RequestPayload::Withdrawal {
                asset, amount, key, ..
            } => (format!("{amount} {asset}"), key.clone()),
            // Not a withdrawal: the summary says what it does.
            _ => ("-".to_owned(), r.summary.clone()),
        };
        println!(
            "{:<21}  {:<9}  {:<18}  {:>22}  {:<16}  {:>9}  {:>5}",
            r.id,
            r.status.as_str(),
            initiator,
            amount,
            destination,
            format!("{} / {}", r.approvals, r.required_approvals),
            age(now - r.created_at)
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_read_naturally() {
        assert_eq!(super::age(-5), "0s");
        assert_eq!(super::age(59), "59s");
        assert_eq!(super::age(60 * 12), "12m");
        assert_eq!(super::age(3600 * 3 + 5), "3h");
        assert_eq!(super::age(86_400 * 2), "2d");
    }
}
