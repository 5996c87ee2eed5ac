//! `countersign approvals list|approve|reject`.

use std::process::ExitCode;

use clap::Subcommand;
use countersign_app::approvals;
use countersign_app::ipc::RequestFilter;
use countersign_org::RequestStatus;
use countersign_org::view::{ActorKind, RequestView};
use countersign_org::{Decision, RequestPayload, grouped};

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
    /// Approve one or more requests with one 2FA code: the code opens the Organization's
    /// decision window, and each request is signed and decided on its own. Prints one line per
    /// request; exits 4 when any failed.
    Approve {
        /// The request ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Your current TOTP code.
        #[arg(long)]
        otp: String,
        /// Why, shown with each approval (optional).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reject one or more requests with one 2FA code and a reason. Prints one line per
    /// request; exits 4 when any failed.
    Reject {
        /// The request ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Your current TOTP code.
        #[arg(long)]
        otp: String,
        /// Why (required; shown to the initiator and other approvers).
        #[arg(long)]
        reason: String,
    },
}

/// `approvals approve|reject` exits with this when one request or more was not decided.
const SOME_FAILED: u8 = 4;

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
        Command::Approve { ids, otp, reason } => {
            return decide(&org, &ids, Decision::Approve, &otp, reason.as_deref()).await;
        }
        Command::Reject { ids, otp, reason } => {
            return decide(&org, &ids, Decision::Reject, &otp, Some(&reason)).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Decides `ids` with one code: each is fetched and signed as it stands, then decided on its
/// own; one line per request, and [`SOME_FAILED`] when any was not decided.
async fn decide(
    org: &countersign_app::OrgAccess<'_>,
    ids: &[String],
    decision: Decision,
    otp: &str,
    reason: Option<&str>,
) -> anyhow::Result<ExitCode> {
    // What the member is shown here is the request as it stands: sign that.
    let mut shown = Vec::with_capacity(ids.len());
    let mut failed = 0usize;
    for id in ids {
        match approvals::get(org, id).await {
            Ok(r) => shown.push(approvals::Shown {
                id: id.clone(),
                seen: r.payload,
            }),
            Err(e) => {
                println!("{id}: not decided: {}", e.explained());
                failed += 1;
            }
        }
    }
    for o in approvals::decide(org, &shown, decision, Some(otp), reason).await? {
        match (o.request, o.error) {
            (Some(r), _) => {
                println!("{}", outcome(&r));
                print_digest(&r);
            }
            (None, e) => {
                failed += 1;
                let why = e.map(|e| e.explained()).unwrap_or_default();
                println!("{}: not decided: {why}", o.id);
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(SOME_FAILED)
    })
}

/// A request in plain language: the outcome line, what it would change (while pending), each
/// decision, and whether the viewer may decide.
fn render_request(r: &RequestView) -> String {
    let mut out = format!("{}\n", outcome(r));
    if let Some(why) = &r.reason {
        out.push_str(&format!("  why: {why}\n"));
    }
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
    if let Some(s) = &r.settlement {
        out.push_str(&render_settlement(s));
    }
    match (&r.viewer.can_decide, &r.viewer.why_not) {
        (true, _) => out.push_str("You may approve or reject it.\n"),
        (false, Some(why)) => out.push_str(&format!("You may not decide it: {why}\n")),
        (false, None) => {}
    }
    out
}

/// A completed withdrawal at the exchange: its state, references, ledger entry, and whether
/// what left is what was approved.
fn render_settlement(s: &countersign_org::Settlement) -> String {
    use countersign_org::SettlementState;
    let mut out = format!(
        "  settlement: {} (refid {}{})\n",
        match s.state {
            SettlementState::Settled => "sent",
            SettlementState::Unsettled => "approved, not sent yet",
            SettlementState::Failed => "failed at the exchange",
        },
        s.refid,
        s.txid
            .as_deref()
            .map(|t| format!(", txid {t}"))
            .unwrap_or_default()
    );
    if let Some(e) = &s.entry {
        out.push_str(&format!(
            "  ledger entry {}: amount {}, fee {}, balance after {}\n",
            e.id,
            grouped(e.amount),
            grouped(e.fee),
            grouped(e.balance)
        ));
    }
    match s.matches {
        Some(true) => out.push_str("  what left is what was approved\n"),
        Some(false) => out.push_str("  WHAT LEFT DIFFERS FROM WHAT WAS APPROVED\n"),
        None => {}
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
            } => (format!("{} {asset}", grouped(*amount)), key.clone()),
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
