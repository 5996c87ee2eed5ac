//! `countersign org show`: the Organization as the admin workbench shows it — members and their
//! permissions, service users with their keys' scopes and settings, policies with their
//! approvers and bus factor, and the address book — from the same org view the app reads; and
//! the emergency stops, `countersign org stop-key` and `countersign org freeze-withdrawals`.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Subcommand;
use countersign_app::{AppCore, stops, trust};
use countersign_org::view::{OrgView, StopView};
use countersign_org::{AccountPermission, KeySettings, Workflow, WorkflowPermission};

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Members, service users with scopes and settings, policies, the address book.
    Show {
        /// Print the org view as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Switch a service user's key off now: every call it signs is refused. Needs Approve on
    /// Manage Access; no approval is waited for. Switching it back on is a request
    /// (`requests new resume-key`).
    StopKey {
        /// Service user id.
        service_user: String,
        /// Why, shown to every member.
        #[arg(long)]
        reason: String,
        /// Your current 2FA code.
        #[arg(long)]
        otp: String,
    },
    /// Freeze every withdrawal of the Organization now: none is submitted or completes. Needs
    /// Approve on Manage Access or on Initiate Withdrawal. Lifting it is a request
    /// (`requests new resume-withdrawals`).
    FreezeWithdrawals {
        /// Why, shown to every member.
        #[arg(long)]
        reason: String,
        /// Your current 2FA code.
        #[arg(long)]
        otp: String,
    },
}

pub async fn run(core: &AppCore, command: Command) -> anyhow::Result<ExitCode> {
    let org = core.org().await?;
    match command {
        Command::Show { json } => {
            let view = trust::org_view(&org).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&view)?);
            } else {
                print!("{}", render(&view));
            }
        }
        Command::StopKey {
            service_user,
            reason,
            otp,
        } => {
            let stop = stops::stop_key(&org, &service_user, &reason, &otp).await?;
            println!("{service_user}'s key is stopped {}", stop_words(&stop));
        }
        Command::FreezeWithdrawals { reason, otp } => {
            let stop = stops::freeze_withdrawals(&org, &reason, &otp).await?;
            println!("Withdrawals are frozen {}", stop_words(&stop));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn permission_word(p: WorkflowPermission) -> &'static str {
    match p {
        WorkflowPermission::View => "View",
        WorkflowPermission::Initiate => "Initiate",
        WorkflowPermission::Approve => "Approve",
        WorkflowPermission::Execute => "Execute",
    }
}

fn account_word(p: AccountPermission) -> &'static str {
    match p {
        AccountPermission::Trade => "Trade",
        AccountPermission::EarnAllocate => "Earn Allocate",
        AccountPermission::EarnDeallocate => "Earn Deallocate",
    }
}

/// A unix time as `2027-01-31 00:00 UTC`, as every command prints one.
pub(crate) fn utc(seconds: i64) -> String {
    countersign_kraken::Timestamp::from_unix_seconds(seconds).map_or_else(
        |_| format!("unix {seconds}"),
        |t| t.utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn settings_words(s: &KeySettings) -> Vec<String> {
    vec![
        format!(
            "expires: {}",
            if s.valid_until == 0 {
                "never".to_owned()
            } else {
                utc(s.valid_until)
            }
        ),
        format!(
            "query window: {}",
            match (s.query_from, s.query_to) {
                (0, 0) => "none".to_owned(),
                (from, 0) => format!("from {}", utc(from)),
                (0, to) => format!("before {}", utc(to)),
                (from, to) => format!("from {} before {}", utc(from), utc(to)),
            }
        ),
        format!(
            "WebSocket: {}",
            if s.websocket {
                "allowed"
            } else {
                "not allowed"
            }
        ),
        format!("nonce window: {} nonce units", s.nonce_window),
        format!(
            "IP allow-list: {}",
            if s.ip_allowlist.is_empty() {
                "any address".to_owned()
            } else {
                s.ip_allowlist.join(", ")
            }
        ),
    ]
}

/// "by Ada Okafor at 2026-12-07 11:45 UTC: leaked in a log".
fn stop_words(stop: &StopView) -> String {
    format!("by {} at {}: {}", stop.by.name, utc(stop.at), stop.reason)
}

/// The Organization in plain text, a section per part.
fn render(view: &OrgView) -> String {
    let mut out = format!("{}\n\n", view.name);
    if let Some(stop) = &view.withdrawals_frozen {
        let _ = writeln!(out, "WITHDRAWALS FROZEN {}\n", stop_words(stop));
    }
    let _ = writeln!(out, "Members ({}):", view.members.len());
    for m in &view.members {
        let _ = writeln!(
            out,
            "  {} ({}){}",
            m.name,
            m.id,
            if m.is_owner { ", Owner" } else { "" }
        );
        for w in Workflow::ALL {
            let held: Vec<&str> = m.permissions.on(w).map(permission_word).collect();
            if !held.is_empty() {
                let _ = writeln!(out, "    {}: {}", w.label(), held.join(", "));
            }
        }
        if !m.account.is_empty() {
            let account: Vec<&str> = m.account.iter().copied().map(account_word).collect();
            let _ = writeln!(out, "    Account: {}", account.join(", "));
        }
    }
    let _ = writeln!(out, "\nService users ({}):", view.service_users.len());
    for s in &view.service_users {
        let scopes: Vec<&str> = s.key.scopes.iter().map(|sc| sc.wire_name()).collect();
        let _ = writeln!(
            out,
            "  {} ({}): {}",
            s.name,
            s.id,
            if scopes.is_empty() {
                "no scopes".to_owned()
            } else {
                scopes.join(", ")
            }
        );
        if let Some(stop) = &s.stopped {
            let _ = writeln!(out, "    KEY STOPPED {}", stop_words(stop));
        }
        let _ = writeln!(out, "    {}", settings_words(&s.key.settings).join("; "));
        let _ = writeln!(
            out,
            "    last used: {}",
            s.last_used.map_or_else(|| "never".to_owned(), utc)
        );
    }
    out.push_str("\nPolicies:\n");
    for p in &view.policies {
        let rule = match p.policy {
            None => "no policy: requests complete at once".to_owned(),
            Some(policy) => format!(
                "{} approval{}, {}{}{}",
                policy.required_approvals,
                if policy.required_approvals == 1 {
                    ""
                } else {
                    "s"
                },
                if policy.always_require_approval {
                    "always"
                } else {
                    "unless executed"
                },
                if policy.locked { ", locked" } else { "" },
                policy
                    .expires_after
                    .map(|s| format!(", pending requests expire after {s} s"))
                    .unwrap_or_default()
            ),
        };
        let approvers: Vec<&str> = p.approvers.iter().map(|a| a.name.as_str()).collect();
        let _ = writeln!(out, "  {}: {rule}", p.workflow.label());
        let _ = writeln!(
            out,
            "    approvers: {}{}",
            if approvers.is_empty() {
                "none".to_owned()
            } else {
                approvers.join(", ")
            },
            p.bus_factor
                .map(|b| format!("; bus factor {b}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(out, "\nAddress book ({}):", view.addresses.len());
    for a in &view.addresses {
        let _ = writeln!(
            out,
            "  {}: {} via {} to {}{}",
            a.key,
            a.asset,
            a.method,
            a.address,
            if a.verified { "" } else { " (unverified)" }
        );
    }
    out
}
