//! `countersign requests new|cancel|reveal`, `countersign preview`, `countersign policy
//! diff|lock-check`: every workflow's requests from the command line, with the engine's preview.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use countersign_app::keys::KeyDraft;
use countersign_app::policies::{self, PolicyDraft};
use countersign_app::requests::{self, Draft};
use countersign_app::{AppCore, OrgAccess, trust};
use countersign_org::{
    AccountPermission, ChangeLine, Direction, Preview, PreviewDecision, RequestPayload, Scope,
    Verdict, Workflow, WorkflowPermission,
};
use rust_decimal::Decimal;

/// A request kind and its fields.
#[derive(Debug, Subcommand)]
pub enum Kind {
    /// Initiate Withdrawal: withdraw to an address-book entry.
    Withdrawal {
        /// Asset code (e.g. BTC).
        #[arg(long)]
        asset: String,
        /// Amount, decimal.
        #[arg(long)]
        amount: Decimal,
        /// Fee charged on top, decimal.
        #[arg(long, default_value = "0")]
        fee: Decimal,
        /// The address-book entry's name.
        #[arg(long)]
        to: String,
    },
    /// Manage Access: invite a member.
    InviteMember {
        /// Display name.
        #[arg(long)]
        name: String,
        /// Permissions as workflow:permission (e.g. initiate_withdrawal:approve), repeatable.
        #[arg(long = "grant", value_parser = parse_grant)]
        grants: Vec<(Workflow, WorkflowPermission)>,
        /// Account permissions, comma-separated: trade, earn_allocate, earn_deallocate.
        #[arg(long, value_delimiter = ',', value_parser = parse_account)]
        account: Vec<AccountPermission>,
    },
    /// Manage Access: remove a member.
    RemoveMember {
        /// Member id.
        #[arg(long)]
        member: String,
    },
    /// Manage Access: replace a member's permissions.
    ChangeMember {
        /// Member id.
        #[arg(long)]
        member: String,
        /// The new permissions as workflow:permission, repeatable (none: remove all).
        #[arg(long = "grant", value_parser = parse_grant)]
        grants: Vec<(Workflow, WorkflowPermission)>,
        /// Account permissions, comma-separated: trade, earn_allocate, earn_deallocate.
        #[arg(long, value_delimiter = ',', value_parser = parse_account)]
        account: Vec<AccountPermission>,
    },
    /// Manage Access: create a service user and its API key.
    CreateServiceUser {
        /// Display name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Manage Access: replace a service user's key scopes and settings.
    ChangeServiceUser {
        /// Service user id.
        #[arg(long)]
        service_user: String,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Manage Access: remove a service user.
    RemoveServiceUser {
        /// Service user id.
        #[arg(long)]
        service_user: String,
    },
    /// Manage Access: switch a stopped service user's key back on (lifts its emergency stop).
    ResumeKey {
        /// Service user id.
        #[arg(long)]
        service_user: String,
    },
    /// Manage Policies: lift the withdrawal freeze (an emergency stop).
    ResumeWithdrawals,
    /// Manage Policies: set a workflow's policy.
    ChangePolicy {
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Manage Policies: remove a workflow's policy.
    RemovePolicy {
        /// The workflow.
        #[arg(long, value_parser = parse_workflow)]
        workflow: Workflow,
    },
    /// Manage Policies: lock a workflow's policy (irreversible).
    LockPolicy {
        /// The workflow.
        #[arg(long, value_parser = parse_workflow)]
        workflow: Workflow,
    },
    /// Manage Addresses: add an entry.
    AddAddress {
        /// Its name.
        #[arg(long)]
        key: String,
        /// Asset code.
        #[arg(long)]
        asset: String,
        /// Withdrawal method.
        #[arg(long)]
        method: String,
        /// The destination.
        #[arg(long)]
        address: String,
    },
    /// Manage Addresses: rename an entry.
    RelabelAddress {
        /// Current name.
        #[arg(long)]
        key: String,
        /// New name.
        #[arg(long)]
        new_key: String,
    },
    /// Manage Addresses: remove an entry.
    RemoveAddress {
        /// Its name.
        #[arg(long)]
        key: String,
    },
}

/// A key's scopes and settings.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// Scopes by wire name, comma-separated (e.g. funds_query,funds_withdraw).
    #[arg(long, value_delimiter = ',', value_parser = parse_scope)]
    scopes: Vec<Scope>,
    /// Key expiry, unix seconds (0 = never).
    #[arg(long, default_value_t = 0)]
    valid_until: i64,
    /// Query window start, unix seconds (0 = none).
    #[arg(long, default_value_t = 0)]
    query_from: i64,
    /// Query window end, unix seconds (0 = none).
    #[arg(long, default_value_t = 0)]
    query_to: i64,
    /// Allow WebSocket tokens.
    #[arg(long)]
    websocket: bool,
    /// Nonce window in nonce units (with millisecond nonces, 5000 = 5 s).
    #[arg(long, default_value_t = 0)]
    nonce_window: u64,
    /// Allowed IPs or CIDR ranges, comma-separated (none: any).
    #[arg(long = "ip", value_delimiter = ',')]
    ip_allowlist: Vec<String>,
}

/// A policy's fields.
#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// The workflow.
    #[arg(long, value_parser = parse_workflow)]
    workflow: Workflow,
    /// Approvals required (N ≥ 1).
    #[arg(long)]
    approvals: u32,
    /// Let members holding Execute complete requests at once (always_require_approval off).
    #[arg(long)]
    allow_execute: bool,
    /// Expire pending requests after this many seconds (extension).
    #[arg(long)]
    expires_after: Option<u64>,
}

fn parse_workflow(s: &str) -> Result<Workflow, String> {
    Workflow::parse(s).ok_or_else(|| {
        format!(
            "unknown workflow {s:?}; one of {}",
            Workflow::ALL.map(Workflow::as_str).join(", ")
        )
    })
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    Scope::parse(s).ok_or_else(|| {
        format!(
            "unknown scope {s:?}; one of {}",
            Scope::ALL.map(Scope::wire_name).join(", ")
        )
    })
}

fn parse_account(s: &str) -> Result<AccountPermission, String> {
    match s {
        "trade" => Ok(AccountPermission::Trade),
        "earn_allocate" => Ok(AccountPermission::EarnAllocate),
        "earn_deallocate" => Ok(AccountPermission::EarnDeallocate),
        _ => Err(format!(
            "unknown account permission {s:?}; one of trade, earn_allocate, earn_deallocate"
        )),
    }
}

fn parse_grant(s: &str) -> Result<(Workflow, WorkflowPermission), String> {
    let (w, p) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not workflow:permission"))?;
    let perm = match p {
        "view" => WorkflowPermission::View,
        "initiate" => WorkflowPermission::Initiate,
        "approve" => WorkflowPermission::Approve,
        "execute" => WorkflowPermission::Execute,
        _ => {
            return Err(format!(
                "unknown permission {p:?}; one of view, initiate, approve, execute"
            ));
        }
    };
    Ok((parse_workflow(w)?, perm))
}

impl KeyArgs {
    /// The key as the arguments set it.
    pub(crate) fn draft(&self) -> KeyDraft {
        KeyDraft {
            scopes: self.scopes.clone(),
            valid_until: self.valid_until,
            query_from: self.query_from,
            query_to: self.query_to,
            websocket: self.websocket,
            nonce_window: self.nonce_window,
            ip_allowlist: self.ip_allowlist.clone(),
        }
    }
}

impl PolicyArgs {
    fn draft(&self) -> PolicyDraft {
        PolicyDraft {
            workflow: self.workflow,
            approvals: self.approvals,
            allow_execute: self.allow_execute,
            expires_after: self.expires_after,
        }
    }
}

impl Kind {
    /// The request as the arguments describe it.
    fn draft(&self) -> Draft {
        match self {
            Self::Withdrawal {
                asset,
                amount,
                fee,
                to,
            } => Draft::Withdrawal {
                asset: asset.clone(),
                amount: *amount,
                fee: *fee,
                to: to.clone(),
            },
            Self::InviteMember {
                name,
                grants,
                account,
            } => Draft::InviteMember {
                name: name.clone(),
                grants: grants.clone(),
                account: account.clone(),
            },
            Self::RemoveMember { member } => Draft::RemoveMember {
                member: member.clone(),
            },
            Self::ChangeMember {
                member,
                grants,
                account,
            } => Draft::ChangeMember {
                member: member.clone(),
                grants: grants.clone(),
                account: account.clone(),
            },
            Self::CreateServiceUser { name, key } => Draft::CreateServiceUser {
                name: name.clone(),
                key: key.draft(),
            },
            Self::ChangeServiceUser { service_user, key } => Draft::ChangeServiceUser {
                service_user: service_user.clone(),
                key: key.draft(),
            },
            Self::RemoveServiceUser { service_user } => Draft::RemoveServiceUser {
                service_user: service_user.clone(),
            },
            Self::ResumeKey { service_user } => Draft::ResumeServiceUser {
                service_user: service_user.clone(),
            },
            Self::ResumeWithdrawals => Draft::ResumeWithdrawals,
            Self::ChangePolicy { policy } => Draft::ChangePolicy(policy.draft()),
            Self::RemovePolicy { workflow } => Draft::RemovePolicy {
                workflow: *workflow,
            },
            Self::LockPolicy { workflow } => Draft::LockPolicy {
                workflow: *workflow,
            },
            Self::AddAddress {
                key,
                asset,
                method,
                address,
            } => Draft::AddAddress {
                key: key.clone(),
                asset: asset.clone(),
                method: method.clone(),
                address: address.clone(),
            },
            Self::RelabelAddress { key, new_key } => Draft::RelabelAddress {
                key: key.clone(),
                new_key: new_key.clone(),
            },
            Self::RemoveAddress { key } => Draft::RemoveAddress { key: key.clone() },
        }
    }
}

/// The payload the arguments describe, filled in from the Organization as it is now.
async fn payload(org: &OrgAccess<'_>, kind: &Kind) -> anyhow::Result<RequestPayload> {
    let view = trust::org_view(org).await?;
    Ok(kind.draft().payload(&view)?)
}

/// `text` with its first letter upper-case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A change diff, a line each: `+` loosening, `-` tightening, `~` neither; `!` marks a warning.
/// Empty when nothing changes.
pub fn render_changes(changes: &[ChangeLine]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut out = String::from("Changes:\n");
    for c in changes {
        let mark = match c.direction {
            Some(Direction::Loosening) => "+ looser ",
            Some(Direction::Tightening) => "- tighter",
            None => "~        ",
        };
        out.push_str(&format!(
            "  {mark} {}{}\n",
            c.text,
            if c.warning { "  (WARNING)" } else { "" }
        ));
    }
    out
}

/// The preview in plain language: the decision, what it changes, then each rule consulted.
pub fn render_preview(p: &Preview) -> String {
    let mut out = String::new();
    match &p.decision {
        PreviewDecision::CompletesImmediately => out.push_str("Decision: completes immediately\n"),
        PreviewDecision::Queued {
            required_approvals,
            eligible_count,
            eligible_approvers,
            reachable,
        } => {
            let mut names = eligible_approvers
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let unnamed = (*eligible_count as usize).saturating_sub(eligible_approvers.len());
            if unnamed > 0 {
                names.push_str(&format!(" and {unnamed} more"));
            }
            out.push_str(&format!(
                "Decision: queued for {required_approvals} approval{} from {names}; any one of them can reject{}\n",
                if *required_approvals == 1 { "" } else { "s" },
                if *reachable { "" } else { " (WARNING: not enough eligible approvers: it can never complete)" }
            ));
        }
        PreviewDecision::NotPermitted { reason } => {
            out.push_str(&format!("Decision: not permitted: {reason}\n"))
        }
    }
    out.push_str(&render_changes(&p.changes));
    out.push_str("Why:\n");
    for (i, step) in p.trace.iter().enumerate() {
        let mark = match step.verdict {
            Verdict::Pass => "ok",
            Verdict::Fail => "FAIL",
            Verdict::Decides => "=>",
            Verdict::Note => "note",
            Verdict::Warn => "WARN",
        };
        out.push_str(&format!(
            "  {:>2}. [{mark}] {} ({})\n",
            i + 1,
            step.detail,
            step.rule
        ));
    }
    if !p.missing.is_empty() {
        out.push_str("Not known to this preview:\n");
        for m in &p.missing {
            out.push_str(&format!("  - {m}\n"));
        }
    }
    out
}

/// `countersign requests ...`.
#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// Submit a new request (of any workflow).
    New {
        #[command(subcommand)]
        kind: Kind,
        /// Complete it at once if you hold Execute and the policy allows (needs --otp).
        #[arg(long, global = true)]
        execute: bool,
        /// Your current TOTP code: needed with --execute, and whenever the request completes at
        /// once (its workflow has no policy that queues it).
        #[arg(long, global = true)]
        otp: Option<String>,
        /// Why you ask, shown with the request to every approver.
        #[arg(long, global = true)]
        reason: Option<String>,
        /// Only show what it would do and change (as `countersign preview`); submit nothing.
        #[arg(long, global = true, conflicts_with = "otp")]
        preview: bool,
        /// Print JSON.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Cancel your own pending request.
    Cancel {
        /// Request id.
        id: String,
        /// Your current TOTP code.
        #[arg(long)]
        otp: String,
    },
    /// Reveal, once, the key of a service user your request created.
    Reveal {
        /// Request id.
        id: String,
        /// Your current TOTP code.
        #[arg(long)]
        otp: String,
    },
}

/// `countersign policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// What changing a workflow's policy would loosen or tighten, and the pending requests it affects.
    Diff {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The workflow's whole request history replayed under the policy given: how many past
    /// requests would have completed at once, after their approvals, never reached N, ...
    Replay {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The policy given tried on a sample request by each member or service user who could
    /// send one, decided now and under it, with its lock readiness and bus factor.
    Simulate {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Whether a workflow's policy can be locked, and its bus factor.
    LockCheck {
        /// The workflow.
        #[arg(long, value_parser = parse_workflow)]
        workflow: Workflow,
        /// As this member (id) instead of yourself.
        #[arg(long = "as")]
        as_member: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn requests(core: &AppCore, command: RequestsCommand) -> anyhow::Result<ExitCode> {
    let org = core.org().await?;
    match command {
        RequestsCommand::New {
            kind,
            execute,
            otp,
            reason,
            preview,
            json,
        } => {
            let payload = payload(&org, &kind).await?;
            if preview {
                let p = requests::preview(&org, &payload, execute, None).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&p)?);
                } else {
                    print!("{}", render_preview(&p));
                    print!("{}", entry_callers(&org, &payload).await?);
                }
                return Ok(ExitCode::SUCCESS);
            }
            if execute && otp.is_none() {
                bail!("--execute is a decision: pass your current code with --otp");
            }
            let result =
                requests::submit(&org, &payload, execute, otp.as_deref(), reason.as_deref())
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{} (run `countersign preview` with the same arguments to see why)",
                            e.explained()
                        )
                    })?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "request": result.request,
                        "preview": result.preview,
                    }))?
                );
            } else {
                println!(
                    "{}: {} — {}",
                    result.request.id,
                    result.request.status.as_str(),
                    result.request.summary
                );
                print!("{}", render_preview(&result.preview));
            }
            if let Some(key) = result.revealed {
                eprintln!("New service user key (shown once; store it now):");
                println!("api_key={}\napi_secret={}", key.api_key, key.api_secret);
            }
        }
        RequestsCommand::Cancel { id, otp } => {
            let r = requests::cancel(&org, &id, Some(&otp), None).await?;
            println!("{}: {}", r.id, r.status.as_str());
        }
        RequestsCommand::Reveal { id, otp } => {
            let key = requests::reveal(&org, &id, &otp).await?;
            eprintln!("Shown once; store it now:");
            println!("api_key={}\napi_secret={}", key.api_key, key.api_secret);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn preview(
    core: &AppCore,
    kind: Kind,
    execute: bool,
    as_member: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let org = core.org().await?;
    let payload = payload(&org, &kind).await?;
    let p = requests::preview(&org, &payload, execute, as_member.as_deref()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        print!("{}", render_preview(&p));
        print!("{}", entry_callers(&org, &payload).await?);
    }
    Ok(ExitCode::SUCCESS)
}

/// For a rename or removal of an address-book entry: the bots whose withdrawal calls named it
/// (they are refused once it changes); empty for any other request.
async fn entry_callers(
    org: &countersign_app::OrgAccess<'_>,
    payload: &countersign_org::RequestPayload,
) -> anyhow::Result<String> {
    use countersign_org::RequestPayload as P;
    let (P::RelabelAddress { key, .. } | P::RemoveAddress { key }) = payload else {
        return Ok(String::new());
    };
    let callers = countersign_app::addresses::callers(org, key).await?;
    if callers.is_empty() {
        return Ok(format!("Bots: no bot's withdrawal call has named {key}.\n"));
    }
    let mut out =
        format!("Bots whose calls name {key} (refused once it changes, until each is updated):\n");
    for c in &callers {
        out.push_str(&format!(
            "  {} ({}): {} call{}, last {}\n",
            c.service_user.name,
            c.service_user.id,
            c.calls,
            if c.calls == 1 { "" } else { "s" },
            crate::org::utc(c.last_at)
        ));
    }
    Ok(out)
}

pub async fn policy(core: &AppCore, command: PolicyCommand) -> anyhow::Result<ExitCode> {
    let org = core.org().await?;
    match command {
        PolicyCommand::Simulate { policy, json } => {
            let view = trust::org_view(&org).await?;
            let draft = policy.draft();
            let sim = policies::simulate(&org, draft.workflow, Some(draft.policy(&view))).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&sim)?);
                return Ok(ExitCode::SUCCESS);
            }
            let words = |o: countersign_org::SampleOutcome, n: u32| match o {
                countersign_org::SampleOutcome::AtOnce => "completes at once".to_owned(),
                countersign_org::SampleOutcome::Queued => format!("queued for {n}"),
                countersign_org::SampleOutcome::Unreachable => {
                    format!("queued for {n}, unreachable")
                }
                countersign_org::SampleOutcome::NotPermitted => "not permitted".to_owned(),
            };
            for r in &sim.samples {
                println!(
                    "{:<24} {:<26} now: {:<28} draft: {}",
                    r.initiator.name,
                    if r.execute { "(asking to execute)" } else { "" },
                    words(r.now, r.now_approvals),
                    words(r.draft, r.draft_approvals)
                );
                println!("    {}", r.request);
            }
            if let Some(lock) = &sim.lock {
                println!("{}", capitalise(&lock.summary()));
            }
        }
        PolicyCommand::Replay { policy, json } => {
            let view = trust::org_view(&org).await?;
            let draft = policy.draft();
            let replayed =
                policies::replay(&org, draft.workflow, Some(draft.policy(&view))).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&replayed)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!("{}", capitalise(&replayed.summary()));
            for (outcome, ids) in &replayed.outcomes {
                println!("  {outcome:?}: {}", ids.join(", "));
            }
            if !replayed.changed.is_empty() {
                println!(
                    "{} would have come out otherwise than they did: {}",
                    replayed.changed.len(),
                    replayed.changed.join(", ")
                );
            }
        }
        PolicyCommand::Diff { policy, json } => {
            let view = trust::org_view(&org).await?;
            let draft = policy.draft();
            let diff = policies::diff(&org, draft.workflow, Some(draft.policy(&view))).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&diff)?);
                return Ok(ExitCode::SUCCESS);
            }
            if diff.changes.is_empty() {
                println!("No change to the {} policy.", diff.workflow.label());
            }
            for c in &diff.changes {
                println!(
                    "{:<24} {} -> {}  ({:?})",
                    c.field, c.from, c.to, c.direction
                );
            }
            if !diff.affected_pending.is_empty() {
                println!(
                    "{} pending request{} keep their snapshot and will be flagged: {}",
                    diff.affected_pending.len(),
                    if diff.affected_pending.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    diff.affected_pending.join(", ")
                );
            }
        }
        PolicyCommand::LockCheck {
            workflow,
            as_member,
            json,
        } => {
            let check = policies::lock_check(&org, workflow, as_member.as_deref()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&check)?);
            } else {
                println!("{}", check.summary());
            }
            if !(check.precondition_holds && check.reachable) {
                return Ok(ExitCode::from(3));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
