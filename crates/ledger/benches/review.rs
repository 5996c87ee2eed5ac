//! The offline review at scale: the generated 1,000,000-row ledgers export in the current layout
//! (see `support/generate.rs`), written to a file, then
//! - imported into a fresh workspace (read the file, parse, check, store): target under 2 s;
//! - a filtered page of 200 rows (BTC, type `trade`, one month): target under 20 ms;
//! - totals by asset over every row: target under 100 ms;
//! - peak memory (`VmHWM`) after the import;
//! - opening the workspace and its first page: the rows are decoded into memory once (no target;
//!   reported).
//!
//! `cargo bench -p countersign-ledger --bench review` (or `cargo xtask bench`, which also times
//! polars on the same file). With `COUNTERSIGN_BENCH_DIR` set, the CSV stays there and the
//! figures are written to `review.json` in it, for xtask to compare.

// Durations are shown in seconds and milliseconds: float arithmetic on timings, never on money.
#![allow(clippy::float_arithmetic)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use countersign_ledger::{
    Dimension, Filter, ImportStage, ReadOptions, SourceFile, Timestamp, Workspace,
};
use criterion::{Criterion, criterion_group, criterion_main};

/// The allocator the CLI and the app run with (see their `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/generate.rs"]
#[allow(dead_code)]
mod generate;

use generate::{ROWS, export, peak_mib, process_cpu_ms};

fn at(text: &str) -> Timestamp {
    Timestamp::parse_csv(text).expect("time")
}

fn review(c: &mut Criterion) {
    let dir = match std::env::var_os("COUNTERSIGN_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join(format!("countersign-review-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).expect("bench dir");
    let csv_path = dir.join("ledgers.csv");
    let csv = export();
    std::fs::write(&csv_path, &csv).expect("write csv");
    println!(
        "generated {ROWS} rows, {} MiB of CSV at {}",
        csv.len() / (1024 * 1024),
        csv_path.display()
    );
    drop(csv);

    // Import: fresh workspaces (three, or `COUNTERSIGN_BENCH_RUNS`), the best run counts (the
    // machine is shared). The progress callback marks where reading (and storing) and checking
    // (and indexing) start.
    let runs: usize = std::env::var("COUNTERSIGN_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let mut best: Option<(Duration, u64)> = None;
    for run in 0..runs {
        let db = dir.join(format!("review-{run}.sqlite"));
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let (cpu, wall) = (process_cpu_ms(), Instant::now());
        let bytes = std::fs::read(&csv_path).expect("read csv");
        let mut ws = Workspace::open(&db).expect("open");
        let mut marks: Vec<(&'static str, Instant)> = Vec::new();
        let outcome = ws
            .import_with(
                &[SourceFile {
                    name: "ledgers.csv",
                    bytes: &bytes,
                }],
                ReadOptions::default(),
                &mut |stage| {
                    let name = match stage {
                        // Rows are read (two threads), then checked on one thread while
                        // they are written in blocks on the other, then committed.
                        ImportStage::Reading { .. } => "read",
                        ImportStage::Checking { .. } => "check+store+commit",
                        ImportStage::Storing { .. } => return,
                    };
                    marks.push((name, Instant::now()));
                },
            )
            .expect("import");
        let elapsed = wall.elapsed();
        let end = Instant::now();
        let cpu = process_cpu_ms().zip(cpu).map_or(0, |(b, a)| b - a);
        assert_eq!(outcome.added(), ROWS);
        assert!(outcome.report.is_some_and(|r| r.holds()));
        let spans: Vec<String> = marks
            .iter()
            .enumerate()
            .map(|(i, (name, at))| {
                let next = marks.get(i + 1).map_or(end, |m| m.1);
                format!("{name} {:.3}", (next - *at).as_secs_f64())
            })
            .collect();
        println!(
            "import run {run}: {:.3} s wall, {:.3} s CPU of the process; {} s",
            elapsed.as_secs_f64(),
            cpu as f64 / 1000.0,
            spans.join(", ")
        );
        if best.is_none_or(|(b, _)| elapsed < b) {
            best = Some((elapsed, cpu));
        }
        drop((ws, bytes));
        if run > 0 {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
        }
    }
    let (import, import_cpu) = best.expect("a run");
    let peak = peak_mib();
    println!(
        "import (read + parse + check + store) best {:.3} s (target < 2 s); peak RSS {:?} MiB",
        import.as_secs_f64(),
        peak
    );

    // Opening the workspace and its first query: the rows are decoded into memory once.
    let opened = Instant::now();
    let ws = Workspace::open(dir.join("review-0.sqlite")).expect("open");
    let first = ws.page(&Filter::default(), 0, 200).expect("page");
    let open_time = opened.elapsed();
    assert_eq!(first.total, ROWS);
    println!(
        "open + first page (decoding {ROWS} rows) {:.0} ms; peak RSS {:?} MiB",
        open_time.as_secs_f64() * 1000.0,
        peak_mib()
    );
    let page_filter = Filter {
        from: Some(at("2022-03-01 00:00:00")),
        to: Some(at("2022-04-01 00:00:00")),
        assets: vec!["BTC".to_owned()],
        types: vec!["trade".to_owned()],
        ..Filter::default()
    };
    let page = ws.page(&page_filter, 0, 200).expect("page");
    assert_eq!(page.rows.len(), 200);
    println!("page filter matches {} rows", page.total);
    let totals = ws
        .totals(&Filter::default(), &[Dimension::Asset])
        .expect("totals");
    assert_eq!(totals.iter().map(|t| t.count).sum::<usize>(), ROWS);

    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..20 {
            f();
        }
        start.elapsed() / 20
    };
    let page_time = time(&mut || {
        black_box(ws.page(&page_filter, 0, 200).expect("page"));
    });
    let totals_time = time(&mut || {
        black_box(
            ws.totals(&Filter::default(), &[Dimension::Asset])
                .expect("totals"),
        );
    });
    println!(
        "page of 200 {:.2} ms (target < 20 ms); totals by asset {:.2} ms (target < 100 ms)",
        page_time.as_secs_f64() * 1000.0,
        totals_time.as_secs_f64() * 1000.0
    );
    let json = serde_json::json!({
        "rows": ROWS,
        "csv": csv_path.display().to_string(),
        "import_seconds": import.as_secs_f64(),
        "import_cpu_seconds": import_cpu as f64 / 1000.0,
        "open_ms": open_time.as_secs_f64() * 1000.0,
        "page_ms": page_time.as_secs_f64() * 1000.0,
        "totals_ms": totals_time.as_secs_f64() * 1000.0,
        "peak_rss_mib": peak,
    });
    if std::env::var_os("COUNTERSIGN_BENCH_DIR").is_some() {
        std::fs::write(dir.join("review.json"), json.to_string()).expect("write review.json");
    }

    let mut group = c.benchmark_group("review_1m_rows");
    group.sample_size(20);
    group.bench_function("page_200_btc_trade_month", |b| {
        b.iter(|| ws.page(black_box(&page_filter), 0, 200).expect("page"))
    });
    group.bench_function("totals_by_asset", |b| {
        b.iter(|| {
            ws.totals(black_box(&Filter::default()), &[Dimension::Asset])
                .expect("totals")
        })
    });
    group.finish();
    drop(ws);
    if std::env::var_os("COUNTERSIGN_BENCH_DIR").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

criterion_group!(benches, review);
criterion_main!(benches);
