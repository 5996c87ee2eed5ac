//! `countersign keys probe`: which permissions a key actually has, found with calls that change
//! nothing ([`countersign_app::keys::probe`]), and whether they are enough for a purpose.
//! `countersign keys diff`: what replacing a service user's key would loosen or tighten, from
//! the engine's preview. `countersign keys usage`: what a service user's key did at the
//! exchange API, from the org API's record; `countersign keys advise`: the least-privilege
//! change that record suggests ([`countersign_org::advise`]), previewed, and submitted on ask.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::LazyLock;

use anyhow::Context as _;
use clap::Subcommand;
use clap::builder::PossibleValue;
use countersign_app::keys::{self, Finding, KeyProbe, Outcome, Purpose, RateTier};
use countersign_app::sandbox::DemoCredentials;

use crate::org::utc;
use countersign_kraken::{ApiSecret, Credentials};

/// Exit code when the key lacks something the purpose needs.
pub const EXIT_NOT_MET: u8 = 3;
/// Exit code when nothing is missing but something the purpose needs could not be tested.
pub const EXIT_UNDETERMINED: u8 = 4;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find which permissions a key has, with one call per permission that cannot change
    /// anything (queries, an order that only validates, a cancel of an order that cannot
    /// exist), and say what a purpose lacks.
    ///
    /// Exit code: 0 when the purpose is met (or none was given), 3 when the key lacks something
    /// it needs, 4 when something it needs could not be tested, 1 when the probe could not run
    /// (invalid key, signature or nonce, lockout, rate limit, unreachable).
    Probe(ProbeArgs),
    /// What replacing a service user's key with the one given would loosen or tighten, line by
    /// line, and what the Manage Access request would do. Nothing is submitted.
    Diff(DiffArgs),
    /// What a service user's key did at the exchange API: each endpoint it called (how often,
    /// last when), each cause its calls were refused for, each address it called from.
    Usage {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL")]
        base_url: Option<String>,
        /// Service user id.
        #[arg(long)]
        service_user: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A least-privilege advice from the key's use: the scopes not used in 30 days removed, an
    /// open IP allow-list narrowed to the addresses it was called from. Shows the Manage Access
    /// request that carries it out, its change lines and what the rules would do; `--submit`
    /// submits it.
    ///
    /// Exit code: 0 with an advice (submitted or not), 5 when there is nothing to tighten.
    Advise {
        /// The org API base URL (default: the configured remote).
        #[arg(long, env = "COUNTERSIGN_BASE_URL")]
        base_url: Option<String>,
        /// Service user id.
        #[arg(long)]
        service_user: String,
        /// Submit the change request.
        #[arg(long)]
        submit: bool,
        /// Print JSON: the usage, the advice and the preview.
        #[arg(long)]
        json: bool,
    },
}

/// Exit code of `keys advise` when there is nothing to tighten.
const EXIT_NO_ADVICE: u8 = 5;

/// The service user and the key it would have.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The org API base URL (default: the configured remote).
    #[arg(long, env = "COUNTERSIGN_BASE_URL")]
    base_url: Option<String>,
    /// Service user id.
    #[arg(long)]
    service_user: String,
    #[command(flatten)]
    key: crate::requests::KeyArgs,
    /// Print the change lines as JSON.
    #[arg(long)]
    json: bool,
}

/// Which key, where, and for what.
#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// The exchange API base URL (default: the credentials file's, else the configured remote).
    #[arg(long, env = "COUNTERSIGN_BASE_URL")]
    base_url: Option<String>,
    /// A demo credentials file written by `countersign sandbox serve --demo-credentials FILE`;
    /// choose the key with --as. Without it, the key is COUNTERSIGN_API_KEY and
    /// COUNTERSIGN_API_SECRET, or the OS keychain entry of the base URL.
    #[arg(long, requires = "as_id")]
    credentials: Option<PathBuf>,
    /// Whose key in the credentials file: a member's or service user's id (`su-reporting`) or
    /// name.
    #[arg(long = "as", requires = "credentials")]
    as_id: Option<String>,
    /// What the key is for; the verdict names what it lacks and sets the exit code.
    #[arg(long = "for")]
    purpose: Option<PurposeArg>,
    /// The account's verification tier, which sets the rate counter the calls are paced by
    /// (the probe makes at most 11 calls, costing 12).
    #[arg(long, value_enum, default_value_t = Tier::Starter)]
    tier: Tier,
    /// Print JSON: each capability as has/lacks/unknown, the calls behind them, and the verdict.
    #[arg(long)]
    json: bool,
}

/// A [`Purpose`] on the command line, its help naming what it needs.
#[derive(Debug, Clone, Copy)]
struct PurposeArg(Purpose);

static PURPOSES: LazyLock<Vec<PurposeArg>> =
    LazyLock::new(|| Purpose::ALL.into_iter().map(PurposeArg).collect());

impl clap::ValueEnum for PurposeArg {
    fn value_variants<'a>() -> &'a [Self] {
        &PURPOSES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let needs: Vec<String> = self.0.needs().iter().map(|c| c.describe()).collect();
        Some(PossibleValue::new(self.0.name()).help(format!("needs {}", needs.join(", "))))
    }
}

/// The exchange's verification tiers.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Tier {
    /// Counter max 15, decaying 0.33/s (the slowest, so the safest guess).
    Starter,
    /// Max 20, 0.5/s.
    Intermediate,
    /// Max 20, 1/s.
    Pro,
}

impl From<Tier> for RateTier {
    fn from(t: Tier) -> Self {
        match t {
            Tier::Starter => Self::Starter,
            Tier::Intermediate => Self::Intermediate,
            Tier::Pro => Self::Pro,
        }
    }
}

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Probe(args) => probe(args).await,
        Command::Diff(args) => diff(args).await,
        Command::Usage {
            base_url,
            service_user,
            json,
        } => usage(base_url, &service_user, json).await,
        Command::Advise {
            base_url,
            service_user,
            submit,
            json,
        } => advise(base_url, &service_user, submit, json).await,
    }
}

async fn advise(
    base_url: Option<String>,
    service_user: &str,
    submit: bool,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use countersign_app::requests;
    let core = crate::session::connect(base_url).await?;
    let org = core.org().await?;
    let review = keys::review(&org, service_user).await?;
    let Some(advice) = &review.advice else {
        if json {
            println!("{}", serde_json::to_string_pretty(&review)?);
        } else if review.usage.scopes.iter().all(|s| s.last_at.is_none()) {
            println!(
                "{service_user}'s key has not been used: nothing says which scope it needs. If the bot is no longer needed, remove it."
            );
        } else {
            println!(
                "Nothing to tighten: every scope of {service_user}'s key was used in the last 30 days."
            );
        }
        return Ok(ExitCode::from(EXIT_NO_ADVICE));
    };
    let payload = advice.payload(service_user);
    let preview = requests::preview(&org, &payload, false, None).await?;
    let submitted = if submit {
        Some(
            requests::submit(&org, &payload, false, None, None)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.explained()))?,
        )
    } else {
        None
    };
    if json {
        let out = serde_json::json!({
            "usage": review.usage,
            "advice": advice,
            "preview": preview,
            "request": submitted.as_ref().map(|s| &s.request),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("Least privilege: {}.", advice.summary(utc));
    print!("{}", crate::requests::render_preview(&preview));
    match submitted {
        Some(s) => println!(
            "{}: {} — {}",
            s.request.id,
            s.request.status.as_str(),
            s.request.summary
        ),
        None => println!("Nothing submitted: run again with --submit to ask for it."),
    }
    Ok(ExitCode::SUCCESS)
}

async fn usage(
    base_url: Option<String>,
    service_user: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let core = crate::session::connect(base_url).await?;
    let org = core.org().await?;
    let used = keys::review(&org, service_user).await?.usage;
    if json {
        println!("{}", serde_json::to_string_pretty(&used)?);
        return Ok(ExitCode::SUCCESS);
    }
    if used.endpoints.is_empty() && used.refusals.is_empty() {
        println!("{service_user}'s key has not been used.");
    }
    for e in &used.endpoints {
        println!(
            "{:<24} {:>8} calls, last {}",
            e.endpoint,
            e.calls,
            utc(e.last_at)
        );
    }
    for r in &used.refusals {
        println!(
            "refused ({}){:>width$} times, last {}",
            r.cause.as_str(),
            r.refusals,
            utc(r.last_at),
            width = 14usize.saturating_sub(r.cause.as_str().len())
        );
    }
    for a in &used.addresses {
        println!(
            "from {:<19} {:>8} calls, last {}",
            a.address,
            a.calls,
            utc(a.last_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    use countersign_app::requests::{self, Draft};
    let core = crate::session::connect(args.base_url).await?;
    let org = core.org().await?;
    let view = countersign_app::trust::org_view(&org).await?;
    let payload = Draft::ChangeServiceUser {
        service_user: args.service_user,
        key: args.key.draft(),
    }
    .payload(&view)?;
    let preview = requests::preview(&org, &payload, false, None).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&preview.changes)?);
    } else if let countersign_org::PreviewDecision::NotPermitted { reason } = &preview.decision {
        println!("Not permitted: {reason}");
    } else if preview.changes.is_empty() {
        println!("No change: the key already has these scopes and settings.");
    } else {
        print!("{}", crate::requests::render_changes(&preview.changes));
    }
    Ok(ExitCode::SUCCESS)
}

async fn probe(args: ProbeArgs) -> anyhow::Result<ExitCode> {
    let (base_url, creds) = key_source(&args).await?;
    let found = keys::probe(
        &crate::session::environment(),
        &base_url,
        creds,
        args.tier.into(),
    )
    .await?;
    let verdict = args.purpose.map(|p| found.verdict(p.0));
    if args.json {
        let capabilities: serde_json::Map<String, serde_json::Value> = found
            .capabilities
            .iter()
            .map(|p| {
                (
                    p.capability.wire_name().to_owned(),
                    p.finding.as_str().into(),
                )
            })
            .collect();
        let out = serde_json::json!({
            "base_url": base_url,
            "capabilities": capabilities,
            "probes": found.capabilities,
            "notes": found.notes,
            "purpose": verdict,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print!("{}", report(&base_url, &found));
        if let Some(v) = &verdict {
            println!("{}", v.message);
        }
    }
    Ok(match verdict.map(|v| v.outcome) {
        None | Some(Outcome::Met) => ExitCode::SUCCESS,
        Some(Outcome::NotMet) => ExitCode::from(EXIT_NOT_MET),
        Some(Outcome::Undetermined) => ExitCode::from(EXIT_UNDETERMINED),
    })
}

/// The findings as a table, then any notes.
fn report(base_url: &str, found: &KeyProbe) -> String {
    let mut out = format!("Permissions of this key at {base_url}:\n");
    for p in &found.capabilities {
        let why = match p.endpoint {
            Some(e) => format!("{e}: {}", p.evidence),
            None => p.evidence.clone(),
        };
        let finding = match p.finding {
            Finding::Has => "has",
            Finding::Lacks => "LACKS",
            Finding::Unknown => "unknown",
        };
        out.push_str(&format!(
            "  {:<52} {finding:<8} {why}\n",
            p.capability.describe()
        ));
    }
    for n in &found.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// The base URL and the key: a demo credentials file with `--as`, else the environment or the
/// OS keychain, as the other commands do.
async fn key_source(args: &ProbeArgs) -> anyhow::Result<(String, Credentials)> {
    if let (Some(path), Some(who)) = (&args.credentials, &args.as_id) {
        let file = read_demo(path)?;
        let creds = demo_key(&file, who).with_context(|| {
            format!("{} has no member or service user {who:?}", path.display())
        })??;
        let base_url = args.base_url.clone().unwrap_or(file.base_url);
        return Ok((base_url, creds));
    }
    let env = crate::session::environment();
    let base_url = crate::session::base_url(&env, args.base_url.clone())?;
    let env = crate::session::with_automation_keys(env, &base_url)?;
    Ok((base_url.clone(), keys::member_key(&env, &base_url).await?))
}

fn read_demo(path: &Path) -> anyhow::Result<DemoCredentials> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a demo credentials file", path.display()))
}

/// The key of the member or service user with id or name `who`.
fn demo_key(file: &DemoCredentials, who: &str) -> Option<anyhow::Result<Credentials>> {
    let (api_key, secret) = file
        .service_users
        .iter()
        .map(|s| (&s.id, &s.name, &s.api_key, &s.api_secret))
        .chain(
            file.members
                .iter()
                .map(|m| (&m.id, &m.name, &m.api_key, &m.api_secret)),
        )
        .find(|(id, name, _, _)| *id == who || *name == who)
        .map(|(_, _, k, s)| (k, s))?;
    Some(
        ApiSecret::from_base64(secret)
            .map(|api_secret| Credentials {
                api_key: api_key.clone(),
                api_secret,
            })
            .with_context(|| format!("the secret of {who:?}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_app::keys::{Capability, Probed};
    use countersign_kraken::Scope;
    use countersign_kraken::rest::Endpoint;

    #[test]
    fn the_report_shows_each_finding_and_what_it_rests_on() {
        let found = KeyProbe {
            capabilities: vec![
                Probed {
                    capability: Capability::Scope(Scope::ExportData),
                    finding: Finding::Lacks,
                    endpoint: Some(Endpoint::ExportStatus),
                    evidence: "EGeneral:Permission denied".into(),
                },
                Probed {
                    capability: Capability::Scope(Scope::FundsAdd),
                    finding: Finding::Unknown,
                    endpoint: None,
                    evidence: "needs Query to test".into(),
                },
            ],
            notes: vec!["a caveat".into()],
        };
        let text = report("http://x", &found);
        assert!(
            text.contains("Export data (export_data)")
                && text.contains("LACKS")
                && text.contains("ExportStatus: EGeneral:Permission denied"),
            "{text}"
        );
        assert!(text.contains("unknown  needs Query to test"), "{text}");
        assert!(text.ends_with("note: a caveat\n"), "{text}");
    }

    #[test]
    fn purposes_on_the_command_line_are_the_probe_purposes() {
        use clap::ValueEnum as _;
        let names: Vec<String> = PurposeArg::value_variants()
            .iter()
            .filter_map(|p| p.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(
            names,
            [
                "read-balances",
                "reconcile",
                "export-ledgers",
                "withdraw",
                "trade",
                "earn",
                "websocket"
            ]
        );
    }
}
