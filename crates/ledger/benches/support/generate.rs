//! The generated 1,000,000-row export the benches share, and the process measurements they print.

use countersign_ledger::{LedgerLayout, LedgerRow, Timestamp, write_ledgers_csv};
use rust_decimal::Decimal;

pub const ROWS: usize = 1_000_000;

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

pub fn export() -> Vec<u8> {
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
            txid: format!("L{:06}-{:05}-{:06}", i % 1_000_000, i % 99_991, i).into(),
            refid: format!("T{:06}-{:05}-{:06}", i / 2, i % 7919, i / 2).into(),
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
            fee_currency: Default::default(),
        });
    }
    let mut csv = Vec::with_capacity(ROWS * 160);
    write_ledgers_csv(&rows, LedgerLayout::CURRENT, &mut csv).expect("write");
    csv
}

/// CPU time this thread has used (Linux; user + system, 10 ms resolution), in milliseconds:
/// unlike wall time it does not grow when other processes share the cores.
pub fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name in parentheses; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}

/// CPU time the whole process has used (every thread; Linux, user + system, 10 ms resolution),
/// in milliseconds: what an import that runs work on several threads costs.
pub fn process_cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 10)
}

/// Peak resident memory of the process so far (Linux), in MiB.
pub fn peak_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
