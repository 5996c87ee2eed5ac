//! `countersign ledger …`: offline review of the exchange's ledgers and trades exports in a local
//! workspace (one SQLite database, `countersign_ledger::Workspace`).
//!
//! The workspace is `<data dir>/countersign/ledgers/<NAME>.sqlite` (`default` unless
//! `--workspace NAME`), or the file `--db PATH`. Dates (`--from`, `--to`, `--at`) take every form
//! of `countersign_ledger::DateRange::parse`, read against the system clock: `--from` starts
//! where its date starts, `--to` and `--at` end where theirs ends (`--to 2025-01` includes
//! January). Decimals are printed exactly as stored.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args as ClapArgs, Subcommand};
use countersign_ledger::query::month_ends;
use countersign_ledger::{
    DateRange, Dimension, Filter, ImportStage, IntegrityReport, ReadOptions, SourceFile, Timestamp,
    Workspace,
};
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
    fn filter(&self, now: Timestamp) -> anyhow::Result<Filter> {
        let from = self
            .from
            .as_deref()
            .map(|d| DateRange::parse(d, now).map(|r| r.from))
            .transpose()
            .context("--from")?;
        let to = self
            .to
            .as_deref()
            .map(|d| DateRange::parse(d, now).map(|r| r.to))
            .transpose()
            .context("--to")?;
        Ok(Filter {
            from,
            to,
            assets: self.assets.clone(),
            types: self.types.clone(),
            subtypes: self.subtypes.clone(),
            wallets: self.wallets.clone(),
            refid: self.refid.clone(),
            text: self.text.clone(),
        })
    }
}

fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    Timestamp::from_unix_seconds(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
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

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = db_path(&args)?;
    let mut ws = Workspace::open(&path)
        .with_context(|| format!("opening the ledger workspace {}", path.display()))?;
    let now = now();
    match args.command {
        Command::Import {
            files,
            accept_edited,
        } => import(&mut ws, &files, accept_edited),
        Command::Check { json } => check(&ws, json),
        Command::Summary { by, filter, json } => summary(&ws, &by, &filter.filter(now)?, json),
        Command::Balance { at, json } => {
            let at = match at {
                Some(text) => {
                    let range = DateRange::parse(&text, now).context("--at")?;
                    Timestamp::from_ticks(range.to.ticks() - 1).unwrap_or(range.to)
                }
                None => now,
            };
            balance(&ws, at, json)
        }
        Command::Export {
            filter,
            output,
            assertions,
        } => export(&ws, &filter.filter(now)?, &output, assertions, now),
    }
}

fn import(ws: &mut Workspace, paths: &[PathBuf], accept_edited: bool) -> anyhow::Result<ExitCode> {
    let mut contents = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        contents.push((path.display().to_string(), bytes));
    }
    let sources: Vec<SourceFile<'_>> = contents
        .iter()
        .map(|(name, bytes)| SourceFile { name, bytes })
        .collect();
    let options = ReadOptions { accept_edited };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} {wide_bar} {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |stage: ImportStage| {
        let Some(bar) = &bar else { return };
        match stage {
            ImportStage::Reading { index, files, name } => {
                bar.set_length(files as u64);
                bar.set_position(index as u64);
                bar.set_message(format!("reading {name}"));
            }
            ImportStage::Checking { rows } => {
                bar.set_message(format!("checking {rows} rows"));
            }
            ImportStage::Storing { done, total } => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message("storing");
            }
        }
        bar.tick();
    };
    let outcome = ws.import_with(&sources, options, &mut progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = outcome?;
    for file in &outcome.files {
        println!("{file}");
        for warning in &file.warnings {
            println!("  warning: {warning}");
        }
    }
    println!(
        "{} rows added; the workspace holds {} ledger rows ({})",
        outcome.added(),
        ws.ledger_rows()?,
        ws.path().display()
    );
    if let Some(report) = &outcome.report {
        if report.holds() {
            println!("integrity: every chain holds");
        } else {
            println!(
                "integrity: {} breaks, {} duplicates, {} conflicts (see `countersign ledger check`)",
                report.breaks.len(),
                report.duplicates.len(),
                report.conflicts.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints rows as a table: columns padded to their widest cell, numbers right-aligned.
fn table(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) {
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

fn row_ref(r: &countersign_ledger::RowRef) -> Value {
    json!({"file": &*r.file, "line": r.line, "txid": r.txid})
}

fn report_json(report: &IntegrityReport) -> Value {
    json!({
        "holds": report.holds(),
        "chains": report.chains.iter().map(|c| json!({
            "asset": c.key.asset,
            "wallet": c.key.wallet,
            "spellings": c.spellings,
            "rows": c.rows,
            "opening": c.opening.to_string(),
            "closing": c.closing.to_string(),
            "from": c.from.to_csv_seconds(),
            "to": c.to.to_csv_seconds(),
        })).collect::<Vec<_>>(),
        "breaks": report.breaks.iter().map(|b| json!({
            "asset": b.chain.asset,
            "wallet": b.chain.wallet,
            "row": row_ref(&b.row),
            "previous": row_ref(&b.previous),
            "previous_balance": b.previous_balance.to_string(),
            "amount": b.amount.to_string(),
            "fee": b.fee.to_string(),
            "expected": b.expected.to_string(),
            "found": b.found.to_string(),
            "gap": b.gap().to_string(),
            "message": b.to_string(),
        })).collect::<Vec<_>>(),
        "duplicates": report.duplicates.iter().map(|d| json!({
            "row": row_ref(&d.row),
            "first": row_ref(&d.first),
            "identical": d.identical,
            "message": d.to_string(),
        })).collect::<Vec<_>>(),
        "conflicts": report.conflicts.iter().map(|c| json!({
            "row": row_ref(&c.row),
            "first": row_ref(&c.first),
            "columns": c.columns,
            "message": c.to_string(),
        })).collect::<Vec<_>>(),
        "requests": report.requests.len(),
        "unpaired_requests": report.unpaired_requests().map(|r| json!({
            "row": row_ref(&r.request),
            "refid": r.refid,
            "asset": r.asset,
            "amount": r.amount.to_string(),
            "message": r.to_string(),
        })).collect::<Vec<_>>(),
        "flagged": report.flagged.iter().map(|f| json!({
            "column": f.column.header(),
            "value": f.value,
            "rows": f.rows,
            "first": row_ref(&f.first),
        })).collect::<Vec<_>>(),
    })
}

fn check(ws: &Workspace, json: bool) -> anyhow::Result<ExitCode> {
    let report = ws.check()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report_json(&report))?);
    } else {
        let rows: Vec<Vec<String>> = report
            .chains
            .iter()
            .map(|c| {
                vec![
                    c.key.asset.clone(),
                    c.key.wallet.clone(),
                    c.rows.to_string(),
                    c.opening.to_string(),
                    c.closing.to_string(),
                    c.from.to_csv_seconds(),
                    c.to.to_csv_seconds(),
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
            println!("break: {b}");
        }
        for d in &report.duplicates {
            println!("duplicate: {d}");
        }
        for c in &report.conflicts {
            println!("conflict: {c}");
        }
        for r in report.unpaired_requests() {
            println!("request: {r}");
        }
        for f in &report.flagged {
            println!(
                "flagged: {} {:?} on {} rows, first {}",
                f.column.header(),
                f.value,
                f.rows,
                f.first
            );
        }
        if report.holds() {
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
    Ok(if report.holds() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

fn summary(ws: &Workspace, by: &[String], filter: &Filter, json: bool) -> anyhow::Result<ExitCode> {
    let dimensions: Vec<Dimension> = by
        .iter()
        .map(|name| {
            Dimension::from_name(name).with_context(|| {
                format!("--by {name:?}: use asset, type, subtype, wallet or month")
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let totals = ws.totals(filter, &dimensions)?;
    if json {
        let rows: Vec<Value> = totals
            .iter()
            .map(|t| {
                let mut row = serde_json::Map::new();
                for (d, k) in dimensions.iter().zip(&t.keys) {
                    row.insert(d.name().to_owned(), json!(k));
                }
                row.insert("count".to_owned(), json!(t.count));
                row.insert("amount".to_owned(), json!(t.amount.to_string()));
                row.insert("fee".to_owned(), json!(t.fee.to_string()));
                row.insert("net".to_owned(), json!(t.net.to_string()));
                Value::Object(row)
            })
            .collect();
        let out = json!({
            "by": dimensions.iter().map(|d| d.name()).collect::<Vec<_>>(),
            "from": filter.from.map(Timestamp::to_csv_with_fraction),
            "to": filter.to.map(Timestamp::to_csv_with_fraction),
            "rows": rows,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let mut header: Vec<&str> = dimensions.iter().map(|d| d.name()).collect();
        header.extend(["count", "amount", "fee", "net"]);
        let rows: Vec<Vec<String>> = totals
            .iter()
            .map(|t| {
                let mut row = t.keys.clone();
                row.extend([
                    t.count.to_string(),
                    t.amount.to_string(),
                    t.fee.to_string(),
                    t.net.to_string(),
                ]);
                row
            })
            .collect();
        let mut numeric = vec![false; dimensions.len()];
        numeric.extend([true; 4]);
        table(&header, &rows, &numeric);
    }
    Ok(ExitCode::SUCCESS)
}

fn balance(ws: &Workspace, at: Timestamp, json: bool) -> anyhow::Result<ExitCode> {
    let balances = ws.balance_at(at)?;
    if json {
        let out = json!({
            "at": at.to_csv_with_fraction(),
            "balances": balances.iter().map(|b| json!({
                "asset": b.asset,
                "wallet": b.wallet,
                "balance": b.balance.to_string(),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("balances at {} UTC", at.to_csv_with_fraction());
        let rows: Vec<Vec<String>> = balances
            .iter()
            .map(|b| vec![b.asset.clone(), b.wallet.clone(), b.balance.to_string()])
            .collect();
        table(
            &["asset", "wallet", "balance"],
            &rows,
            &[false, false, true],
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn export(
    ws: &Workspace,
    filter: &Filter,
    output: &std::path::Path,
    assertions: bool,
    now: Timestamp,
) -> anyhow::Result<ExitCode> {
    let file =
        std::fs::File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    if assertions {
        // Default range: the stored rows' first to last month.
        let all = ws.page(&Filter::default(), 0, 1)?;
        let from = match (filter.from, all.rows.first()) {
            (Some(from), _) => from,
            (None, Some(first)) => first.row.time,
            (None, None) => now,
        };
        let to = match filter.to {
            Some(to) => to,
            None => {
                let last = ws.page(&Filter::default(), all.total.saturating_sub(1), 1)?;
                // The end of the last row's month.
                last.rows
                    .first()
                    .map(|r| r.row.time.to_csv_seconds())
                    .and_then(|t| DateRange::parse(t.get(..7)?, now).ok())
                    .map_or(now, |month| month.to)
            }
        };
        let ends = month_ends(from, to);
        out.write_all(ws.balance_assertions(&ends)?.as_bytes())?;
        out.flush()?;
        println!(
            "wrote balance assertions at {} period ends to {}",
            ends.len(),
            output.display()
        );
    } else {
        let n = ws.export_csv(filter, &mut out)?;
        out.flush()?;
        println!("wrote {n} rows to {}", output.display());
    }
    Ok(ExitCode::SUCCESS)
}
