//! The demo account's past: about four months of deposits, spot trades (with their orders),
//! Earn rewards and withdrawals, posted as ledger entries whose running balances end exactly at
//! the seed's balances. Generated from a fixed seed, so every fresh sandbox has the same history
//! (ids differ).
//!
//! Each asset opens with one deposit sized so that the asset's entries sum to its seeded balance;
//! every later movement is small against it, so no running balance ever goes negative.

use rust_decimal::Decimal;

use crate::db::{self, LedgerEntry, SPOT_WALLET, StoreError};
use crate::ids;
use crate::market::{self, PairSpec};

/// A small deterministic generator (64-bit LCG, Knuth's constants): the same history every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// How far back the history starts.
const DAYS: i64 = 120;

/// One planned movement of one asset.
struct Movement {
    time: i64,
    refid: String,
    kind: &'static str,
    subtype: &'static str,
    asset: &'static str,
    amount: Decimal,
    fee: Decimal,
}

/// One planned fill, recorded as an order and a trade as well as its two ledger legs.
struct Fill {
    pair: &'static PairSpec,
    time: i64,
    buy: bool,
    price: Decimal,
    volume: Decimal,
    cost: Decimal,
    fee: Decimal,
    refid: String,
    order: String,
}

/// Posts the history into an empty ledger, ending at `balances`, all before `now`.
pub(crate) fn seed(
    tx: &rusqlite::Transaction<'_>,
    balances: &[(&str, Decimal)],
    now: i64,
) -> Result<(), StoreError> {
    let mut dice = Dice(0x5eed_c0ff_ee00_0001);
    let start = now - DAYS * 86_400;
    let mut moves: Vec<Movement> = Vec::new();
    let mut fills: Vec<Fill> = Vec::new();
    let at = |dice: &mut Dice| {
        start
            + 86_400
            + i64::try_from(dice.below(u64::try_from((DAYS - 2) * 86_400).unwrap_or(1)))
                .unwrap_or(0)
    };

    // Spot trades on the liquid pairs; the fee is charged on the quote leg.
    for _ in 0..64 {
        let pair = &market::PAIRS[usize::try_from(dice.below(6)).unwrap_or(0)];
        let base = market::asset(pair.base).ok_or(StoreError::Corrupt("pair base"))?;
        let quote = market::asset(pair.quote).ok_or(StoreError::Corrupt("pair quote"))?;
        let jitter = Decimal::new(i64::try_from(dice.below(61)).unwrap_or(30) - 30, 3);
        let price = (pair.price() * (Decimal::ONE + jitter)).round_dp(pair.pair_decimals);
        let volume = base.scale(pair.min_volume() * Decimal::from(5 + dice.below(400)));
        let cost = quote.scale(price * volume);
        let fee = quote.scale(
            cost * market::TAKER_FEE_PERCENT
                .parse::<Decimal>()
                .unwrap_or_default()
                / Decimal::ONE_HUNDRED,
        );
        let buy = dice.below(2) == 0;
        let time = at(&mut dice);
        let refid = ids::txid('T');
        let (base_amount, quote_amount) = if buy {
            (volume, -cost)
        } else {
            (-volume, cost)
        };
        moves.push(Movement {
            time,
            refid: refid.clone(),
            kind: "trade",
            subtype: "tradespot",
            asset: base.code,
            amount: base_amount,
            fee: Decimal::ZERO,
        });
        moves.push(Movement {
            time,
            refid: refid.clone(),
            kind: "trade",
            subtype: "tradespot",
            asset: quote.code,
            amount: quote_amount,
            fee,
        });
        fills.push(Fill {
            pair,
            time,
            buy,
            price,
            volume,
            cost,
            fee,
            refid,
            order: ids::txid('O'),
        });
    }
    // Deposits and withdrawals to the address book's kind of destinations, and Earn rewards.
    for _ in 0..40 {
        let asset = &market::ASSETS[usize::try_from(dice.below(6)).unwrap_or(0)];
        let size = asset.min() * Decimal::from(2 + dice.below(60));
        let time = at(&mut dice);
        match dice.below(3) {
            0 => moves.push(Movement {
                time,
                refid: ids::refid(),
                kind: "deposit",
                subtype: "",
                asset: asset.code,
                amount: asset.scale(size * Decimal::from(3)),
                fee: Decimal::ZERO,
            }),
            1 => moves.push(Movement {
                time,
                refid: ids::refid(),
                kind: "withdrawal",
                subtype: "",
                asset: asset.code,
                amount: -asset.scale(size),
                fee: asset.fee(),
            }),
            _ if matches!(asset.code, "ETH" | "SOL" | "USDT") => moves.push(Movement {
                time,
                refid: ids::refid(),
                kind: "earn",
                subtype: "reward",
                asset: asset.code,
                amount: asset.scale(size / Decimal::ONE_HUNDRED),
                fee: Decimal::ZERO,
            }),
            _ => {}
        }
    }
    // The opening deposit of each asset makes its entries sum to the seeded balance.
    for (code, target) in balances {
        let spec = market::asset(code).ok_or(StoreError::Corrupt("seed asset"))?;
        let moved: Decimal = moves
            .iter()
            .filter(|m| m.asset == spec.code)
            .map(|m| m.amount - m.fee)
            .sum();
        moves.push(Movement {
            time: start + 3_600 * i64::try_from(dice.below(20)).unwrap_or(0),
            refid: ids::refid(),
            kind: "deposit",
            subtype: "",
            asset: spec.code,
            amount: spec.scale(*target - moved),
            fee: Decimal::ZERO,
        });
    }
    moves.sort_by_key(|m| m.time);

    let mut running: std::collections::HashMap<&str, Decimal> = std::collections::HashMap::new();
    let mut legs: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for m in &moves {
        let balance = running.entry(m.asset).or_default();
        *balance += m.amount - m.fee;
        if balance.is_sign_negative() {
            return Err(StoreError::Corrupt("seed history overdraws an asset"));
        }
        let id = db::post_ledger(
            tx,
            &LedgerEntry {
                refid: &m.refid,
                time: m.time,
                kind: m.kind,
                subtype: m.subtype,
                asset: m.asset,
                wallet: SPOT_WALLET,
                amount: m.amount,
                fee: m.fee,
                balance: *balance,
            },
        )?;
        legs.entry(m.refid.clone()).or_default().push(id);
    }
    for f in &fills {
        let side = if f.buy { "buy" } else { "sell" };
        tx.execute(
            "INSERT INTO orders (txid, pair, side, ordertype, price, volume, vol_exec, cost, fee, status, userref, opentm, closetm)
             VALUES (?1, ?2, ?3, 'market', '0', ?4, ?4, ?5, ?6, 'closed', NULL, ?7, ?7)",
            rusqlite::params![f.order, f.pair.name, side, f.volume.to_string(), f.cost.to_string(), f.fee.to_string(), f.time],
        )?;
        tx.execute(
            "INSERT INTO trades (txid, ordertxid, pair, time, side, ordertype, price, cost, fee, vol, ledgers)
             VALUES (?1, ?2, ?3, ?4, ?5, 'market', ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                f.refid,
                f.order,
                f.pair.name,
                f.time,
                side,
                f.price.to_string(),
                f.cost.to_string(),
                f.fee.to_string(),
                f.volume.to_string(),
                legs.get(&f.refid).map(|l| l.join(",")).unwrap_or_default()
            ],
        )?;
    }
    Ok(())
}
