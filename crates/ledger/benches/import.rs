//! Import throughput: a 1,000,000-row ledgers export in the current (12-column) layout, written
//! by the crate's own writer (consistent chains over six assets, about a third of the rows in the
//! same second as the row before), read and checked.
//!
//! `cargo bench -p countersign-ledger --bench import -- --sample-size 10`

use std::hint::black_box;

use countersign_ledger::{ReadOptions, check, read_ledgers};
use criterion::{Criterion, criterion_group, criterion_main};

/// The allocator the CLI and the app run with (see their `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/generate.rs"]
#[allow(dead_code)]
mod generate;

use generate::{ROWS, cpu_ms, export, peak_mib};

fn import(c: &mut Criterion) {
    let csv = export();
    println!(
        "generated {ROWS} rows, {} MiB of CSV; peak RSS so far {:?} MiB",
        csv.len() / (1024 * 1024),
        peak_mib()
    );
    let (cpu, wall) = (cpu_ms(), std::time::Instant::now());
    let file = read_ledgers("ledgers.csv", &csv, ReadOptions::default()).expect("read");
    let (read_cpu, read_wall) = (cpu_ms(), wall.elapsed());
    let report = check(std::slice::from_ref(&file));
    let (check_cpu, total_wall) = (cpu_ms(), wall.elapsed());
    if let (Some(cpu), Some(read_cpu), Some(check_cpu)) = (cpu, read_cpu, check_cpu) {
        println!(
            "one run: read {} ms CPU ({} ms wall), check {} ms CPU ({} ms wall)",
            read_cpu - cpu,
            read_wall.as_millis(),
            check_cpu - read_cpu,
            (total_wall - read_wall).as_millis()
        );
    }
    assert!(report.holds(), "{:?}", report.breaks.first());
    assert_eq!(report.distinct.len(), ROWS);
    println!(
        "{} chains; peak RSS after one read+check {:?} MiB",
        report.chains.len(),
        peak_mib()
    );
    drop((file, report));

    let mut group = c.benchmark_group("ledgers_1m_rows");
    group.sample_size(10);
    group.bench_function("read", |b| {
        b.iter(|| read_ledgers("ledgers.csv", black_box(&csv), ReadOptions::default()))
    });
    let file = read_ledgers("ledgers.csv", &csv, ReadOptions::default()).expect("read");
    group.bench_function("check", |b| {
        b.iter(|| check(black_box(std::slice::from_ref(&file))))
    });
    drop(file);
    group.bench_function("read_and_check", |b| {
        b.iter(|| {
            let file =
                read_ledgers("ledgers.csv", black_box(&csv), ReadOptions::default()).expect("read");
            check(std::slice::from_ref(&file))
        })
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
