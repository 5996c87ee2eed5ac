//! Import throughput: a 1,000,000-row ledgers export in the current (12-column) layout, written
//! by the crate's own writer (consistent chains over six assets, about a third of the rows in the
//! same second as the row before), read and checked.
//!
//! `cargo bench -p countersign-ledger --bench import -- --sample-size 10`

use std::hint::black_box;

use countersign_ledger::{
    LedgerLayout, LedgerRow, ReadOptions, Timestamp, check, read_ledgers, write_ledgers_csv,
};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;

const ROWS: usize = 1_000_000;

const ASSETS: [(&str, &str, u32); 6] = [
    ("XXBT", "crypto", 10),
    ("XETH", "crypto", 10),
    ("ZUSD", "fiat", 4),
    ("GBP", "fiat", 4),
    ("USDT", "stable_coin", 8),
    ("DOT.S", "crypto", 10),
];

/// A small deterministic generator (xorshift), so every run measures the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn export() -> Vec<u8> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut balances = [0_i64; ASSETS.len()];
    let mut seconds = 1_600_000_000_i64;
    let mut rows = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        if !rng.next().is_multiple_of(3) {
            seconds += 1 + (rng.next() % 600) as i64;
        }
        let slot = (rng.next() % ASSETS.len() as u64) as usize;
        let (asset, subclass, scale) = ASSETS[slot];
        // Mostly in, sometimes out, never below zero.
        let amount = if balances[slot] > 0 && rng.next().is_multiple_of(3) {
            -((rng.next() % balances[slot] as u64) as i64) / 2
        } else {
            (rng.next() % 5_000_000) as i64 + 1
        };
        let fee = (rng.next() % 100) as i64;
        balances[slot] += amount - fee;
        rows.push(LedgerRow {
            txid: format!("L{:06}-{:05}-{:06}", i % 1_000_000, i % 99_991, i),
            refid: format!("T{:06}-{:05}-{:06}", i / 2, i % 7919, i / 2),
            time: Timestamp::from_unix_seconds(seconds).expect("time"),
            r#type: "trade".into(),
            subtype: "tradespot".into(),
            aclass: "currency".into(),
            subclass: subclass.into(),
            asset: asset.into(),
            wallet: "spot / main".into(),
            amount: Decimal::new(amount, scale),
            fee: Decimal::new(fee, scale),
            balance: Some(Decimal::new(balances[slot], scale)),
            amount_usd: None,
            fee_usd: None,
            balance_usd: None,
            fee_currency: String::new(),
        });
    }
    let mut csv = Vec::with_capacity(ROWS * 160);
    write_ledgers_csv(&rows, LedgerLayout::CURRENT, &mut csv).expect("write");
    csv
}

/// CPU time this thread has used (Linux; user + system, 10 ms resolution), in milliseconds:
/// unlike wall time it does not grow when other processes share the cores.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name in parentheses; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}

/// Peak resident memory of the process so far (Linux), in MiB.
fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

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
