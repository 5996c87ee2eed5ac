//! `countersign ledger …`: offline review of the exchange's ledgers and trades exports in a local
//! workspace (one SQLite database, `countersign_ledger::Workspace`).
//!
//! Every command is a job of [`LedgerReview`], the one the desktop app's Ledgers area runs; this
//! module parses and prints. The workspace is `<data dir>/countersign/ledgers/<NAME>.sqlite`
//! (`default` unless `--workspace NAME`), or the file `--db PATH`. Dates (`--from`, `--to`,
//! `--at`) take every form of `countersign_ledger::DateRange::parse`, read against the system
//! clock: `--from` starts where its date starts, `--to` and `--at` end where theirs ends (`--to
//! 2025-01` includes January). Decimals are printed exactly as stored.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args as ClapArgs, Subcommand};
use countersign_app::LedgerReview;
use countersign_app::ledgers::{ImportProgress, LedgerFilter};
use countersign_ledger::Timestamp;
use serde_json::{Value, json};

/// Which workspace, and what to do in it.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The workspace database file (default: `<data dir>/countersign/ledgers/default.sqlite`).
    #[arg(long, global = true, conflicts_with = "workspace")]
    db: Option<PathBuf>,
    /// A named workspace in the data dir (`<data dir>/countersign/ledgers/NAME.sqlite`).
    #[arg(long, global = true)]
    workspace: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import ledgers and trades exports (.csv or the exchange's .zip): all files or nothing;
    /// rows already stored (same txid) and files already imported (same bytes) add nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Read files another program re-saved (BOM, mixed line ends), with a warning.
        #[arg(long)]
        accept_edited: bool,
    },
    /// The integrity check of everything stored: balance chains, the rows where they break,
    /// duplicates, conflicts (exit 3 if any).
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Totals (count, amount, fee, net) grouped by asset, type, subtype, wallet and/or month.
    Summary {
        /// Comma-separated: asset, type, subtype, wallet, month.
        #[arg(long, value_delimiter = ',', default_value = "asset")]
        by: Vec<String>,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long)]
        json: bool,
    },
    /// The balance of every asset and wallet at the end of a date (default: now).
    Balance {
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the rows the filters select in the exchange's current ledgers CSV layout, or with
    /// `--assertions` the balances at each month end of the range as `date,asset,wallet,balance`.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// The output file.
        #[arg(short, long)]
        output: PathBuf,
        /// Write period-end balance assertions instead of rows.
        #[arg(long)]
        assertions: bool,
    },
}

/// Which rows: every option given must hold.
#[derive(Debug, ClapArgs)]
struct FilterArgs {
    /// From the start of this date (`2025-01-31`, `2025-01`, `last month`, `q1 2025`, …).
    #[arg(long)]
    from: Option<String>,
    /// To the end of this date.
    #[arg(long)]
    to: Option<String>,
    /// Assets, any spelling (`XXBT`, `BTC`); comma-separated or repeated.
    #[arg(long = "asset", value_delimiter = ',')]
    assets: Vec<String>,
    #[arg(long = "type", value_delimiter = ',')]
    types: Vec<String>,
    #[arg(long = "subtype", value_delimiter = ',')]
    subtypes: Vec<String>,
    #[arg(long = "wallet", value_delimiter = ',')]
    wallets: Vec<String>,
    #[arg(long)]
    refid: Option<String>,
    /// Free text in txid, refid, type, subtype, asset, wallet or an extra column.
    #[arg(long)]
    text: Option<String>,
}

impl FilterArgs {
    /// The filter the options describe (dates are read by the job, against its clock).
    fn filter(&self) -> LedgerFilter {
        LedgerFilter {
            date: None,
            from: self.from.clone(),
            to: self.to.clone(),
            assets: self.assets.clone(),
            types: self.types.clone(),
            subtypes: self.subtypes.clone(),
            wallets: self.wallets.clone(),
            refid: self.refid.clone(),
            text: self.text.clone(),
        }
    }
}

fn db_path(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(db) = &args.db {
        return Ok(db.clone());
    }
    let name = args.workspace.as_deref().unwrap_or("default");
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        bail!("--workspace {name:?}: a workspace name is a plain file name");
    }
    Ok(dirs::data_dir()
        .context("no data directory on this system; pass --db PATH")?
        .join("countersign")
        .join("ledgers")
        .join(format!("{name}.sqlite")))
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = db_path(&args)?;
    let review = match args.db {
        // A database the person placed: exports may go beside it (never onto it).
        Some(_) => LedgerReview::new(&path).in_shared_folder(),
        None => LedgerReview::new(&path),
    };
    match args.command {
        Command::Import {
            files,
            accept_edited,
        } => import(&review, files, accept_edited).await,
        Command::Check { json } => check(&review, json).await,
        Command::Summary { by, filter, json } => summary(&review, by, &filter, json).await,
        Command::Balance { at, json } => balance(&review, at, json).await,
        Command::Export {
            filter,
            output,
            assertions,
        } => {
            // The job writes only to an absolute path (the save dialog's kind).
            let output =
                std::path::absolute(&output).with_context(|| format!("{}", output.display()))?;
            let written = if assertions {
                review.export_balances(filter.filter(), output).await?
            } else {
                review.export_rows(filter.filter(), output).await?
            };
            println!("{}", written.message);
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(
    review: &LedgerReview,
    paths: Vec<PathBuf>,
    accept_edited: bool,
) -> anyhow::Result<ExitCode> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {wide_bar} {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let shown = bar.clone();
    let progress = move |stage: ImportProgress| {
        let Some(bar) = &shown else { return };
        match stage {
            ImportProgress::Reading { index, files, name } => {
                bar.set_length(files as u64);
                bar.set_position(index as u64);
                bar.set_message(format!("reading {name}"));
            }
            ImportProgress::Checking { rows } => {
                bar.set_message(format!("checking {rows} rows"));
            }
            ImportProgress::Storing { done, total } => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message("storing");
            }
        }
        bar.tick();
    };
    let summary = review.import(paths, accept_edited, progress).await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = summary?;
    if let Some(failure) = summary.failure {
        bail!("{}", failure.message);
    }
    for file in &summary.files {
        println!("{}", file.message);
        for warning in &file.warnings {
            println!("  warning: {warning}");
        }
    }
    println!(
        "{} rows added; the workspace holds {} ledger rows ({})",
        summary.added,
        summary.total_rows,
        review.path().display()
    );
    if let Some(check) = &summary.check {
        if check.holds {
            println!("integrity: every chain holds");
        } else {
            println!(
                "integrity: {} breaks, {} duplicates, {} conflicts (see `countersign ledger check`)",
                check.breaks, check.duplicates, check.conflicts
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A numeric cell as the app shows it: grouped, the export's trailing zeros dropped (`grouped`);
/// anything that is not a decimal, unchanged.
fn figure(cell: &str) -> String {
    cell.parse::<rust_decimal::Decimal>()
        .map_or_else(|_| cell.to_owned(), countersign_org::grouped)
}

/// Prints rows as a table: columns padded to their widest cell, numbers right-aligned and shown
/// as the app shows them ([`figure`]).
fn table(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(numeric.iter().chain(std::iter::repeat(&false)))
                .map(|(cell, &n)| if n { figure(cell) } else { cell.clone() })
                .collect()
        })
        .collect();
    let rows = rows.as_slice();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let text: Vec<String> = cells
            .zip(&widths)
            .zip(numeric)
            .map(|((c, &w), &n)| {
                if n {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        println!("{}", text.join("  ").trim_end());
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}

/// Unix seconds as the exports spell a time (UTC).
fn csv_time(unix_seconds: i64) -> String {
    Timestamp::from_unix_seconds(unix_seconds)
        .map(Timestamp::to_csv_seconds)
        .unwrap_or_else(|_| unix_seconds.to_string())
}

async fn check(review: &LedgerReview, json: bool) -> anyhow::Result<ExitCode> {
    let report = review.report().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let rows: Vec<Vec<String>> = report
            .chains
            .iter()
            .map(|c| {
                vec![
                    c.asset.clone(),
                    c.wallet.clone(),
                    c.rows.to_string(),
                    c.opening.clone(),
                    c.closing.clone(),
                    csv_time(c.from),
                    csv_time(c.to),
                ]
            })
            .collect();
        table(
            &[
                "asset", "wallet", "rows", "opening", "closing", "from", "to",
            ],
            &rows,
            &[false, false, true, true, true, false, false],
        );
        for b in &report.breaks {
            println!("break: {}", b.message);
        }
        for d in &report.duplicates {
            println!("duplicate: {}", d.message);
        }
        for c in &report.conflicts {
            println!("conflict: {}", c.message);
        }
        for r in &report.unpaired_requests {
            println!("request: {}", r.message);
        }
        for f in &report.flagged {
            println!("flagged: {}", f.message);
        }
        if report.holds {
            println!("every chain holds");
        } else {
            println!(
                "{} breaks, {} duplicates, {} conflicts",
                report.breaks.len(),
                report.duplicates.len(),
                report.conflicts.len()
            );
        }
    }
    Ok(if report.holds {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

async fn summary(
    review: &LedgerReview,
    by: Vec<String>,
    filter: &FilterArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let totals = review
        .totals(filter.filter(), by.clone())
        .await
        .context("--by")?;
    if json {
        let rows: Vec<Value> = totals
            .iter()
            .map(|t| {
                let mut row = serde_json::Map::new();
                for (d, k) in by.iter().zip(&t.keys) {
                    row.insert(d.clone(), json!(k));
                }
                row.insert("count".to_owned(), json!(t.count));
                row.insert("amount".to_owned(), json!(t.amount));
                row.insert("fee".to_owned(), json!(t.fee));
                row.insert("net".to_owned(), json!(t.net));
                Value::Object(row)
            })
            .collect();
        let out = json!({
            "by": by,
            "from": filter.from,
            "to": filter.to,
            "rows": rows,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let mut header: Vec<&str> = by.iter().map(String::as_str).collect();
        header.extend(["count", "amount", "fee", "net"]);
        let rows: Vec<Vec<String>> = totals
            .iter()
            .map(|t| {
                let mut row = t.keys.clone();
                row.extend([
                    t.count.to_string(),
                    t.amount.clone(),
                    t.fee.clone(),
                    t.net.clone(),
                ]);
                row
            })
            .collect();
        let mut numeric = vec![false; by.len()];
        numeric.extend([true; 4]);
        table(&header, &rows, &numeric);
    }
    Ok(ExitCode::SUCCESS)
}

async fn balance(
    review: &LedgerReview,
    at: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let found = review.balances(at).await.context("--at")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
    } else {
        println!("balances at {} UTC", found.at);
        let rows: Vec<Vec<String>> = found
            .balances
            .iter()
            .map(|b| vec![b.asset.clone(), b.wallet.clone(), b.balance.clone()])
            .collect();
        table(
            &["asset", "wallet", "balance"],
            &rows,
            &[false, false, true],
        );
    }
    Ok(ExitCode::SUCCESS)
}
