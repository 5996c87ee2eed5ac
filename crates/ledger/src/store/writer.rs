//! Writing ledger rows: [`RowWriter`] appends rows to `ledger_blocks` in the order given (ids
//! following the stored rows', a block per `BLOCK_ROWS` rows of one import), interning each row's
//! chain and kind ([`Interner`]: ids stored once in `ledger_chains` and `ledger_kinds`, new ones
//! inserted as met), and sums the settled rows by month; [`add_monthly`] adds those sums to the
//! stored ones.
//!
//! Invariants: ids are consecutive from the stored rows' last; a block holds rows of one import
//! only; request rows (no `txid`) are written but not summed (they move no balance).

use std::collections::HashMap;

use compact_str::CompactString;
use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::codec::{BLOCK_ROWS, BlockEncoder, BlockRow, decimal, month_start};
use super::{StoreError, to_i64};
use crate::asset;
use crate::check::DEFAULT_WALLET;
use crate::import::{ImportedLedgerRow, LedgersFile};
use crate::ledger::LedgerColumn;

/// The key of a monthly total.
pub(super) type MonthKey = (String, String, String, String, i64);

/// What `ledger_kinds` holds of a row: its chain, type, subtype, asset class and subclass, the
/// asset as spelled and the fee currency.
type KindKey = (
    i64,
    CompactString,
    CompactString,
    CompactString,
    CompactString,
    CompactString,
    CompactString,
);

/// The ids of chains and kinds, stored ones loaded first, new ones stored as met.
struct Interner {
    chains: FxHashMap<(CompactString, CompactString), i64>,
    kinds: FxHashMap<KindKey, i64>,
}

impl Interner {
    fn load(tx: &Connection) -> Result<Self, StoreError> {
        let text = |r: &rusqlite::Row<'_>, i| -> rusqlite::Result<CompactString> {
            Ok(CompactString::from(r.get_ref(i)?.as_str()?))
        };
        let mut chains = FxHashMap::default();
        let mut stmt = tx.prepare("SELECT id, asset_norm, wallet FROM ledger_chains")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            chains.insert((text(r, 1)?, text(r, 2)?), r.get(0)?);
        }
        let mut kinds = FxHashMap::default();
        let mut stmt = tx.prepare(
            "SELECT id, chain, type, subtype, aclass, subclass, asset, fee_currency
             FROM ledger_kinds",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key = (
                r.get(1)?,
                text(r, 2)?,
                text(r, 3)?,
                text(r, 4)?,
                text(r, 5)?,
                text(r, 6)?,
                text(r, 7)?,
            );
            kinds.insert(key, r.get(0)?);
        }
        Ok(Self { chains, kinds })
    }

    fn chain(
        &mut self,
        tx: &Connection,
        asset_norm: &str,
        wallet: &str,
    ) -> Result<i64, StoreError> {
        let key = (CompactString::from(asset_norm), CompactString::from(wallet));
        if let Some(&id) = self.chains.get(&key) {
            return Ok(id);
        }
        tx.execute(
            "INSERT INTO ledger_chains (asset_norm, wallet) VALUES (?1, ?2)",
            params![asset_norm, wallet],
        )?;
        let id = tx.last_insert_rowid();
        self.chains.insert(key, id);
        Ok(id)
    }

    fn kind(&mut self, tx: &Connection, key: &KindKey) -> Result<i64, StoreError> {
        if let Some(&id) = self.kinds.get(key) {
            return Ok(id);
        }
        let (chain, kind, subtype, aclass, subclass, asset, fee_currency) = key;
        tx.execute(
            "INSERT INTO ledger_kinds (chain, type, subtype, aclass, subclass, asset, fee_currency)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                chain,
                kind.as_str(),
                subtype.as_str(),
                aclass.as_str(),
                subclass.as_str(),
                asset.as_str(),
                fee_currency.as_str()
            ],
        )?;
        let id = tx.last_insert_rowid();
        self.kinds.insert(key.clone(), id);
        Ok(id)
    }
}

/// What [`RowWriter`] stored: how many rows, and their monthly counts and sums (to add to the
/// stored ones).
pub(super) struct Inserted {
    pub rows: usize,
    pub monthly: HashMap<MonthKey, (i64, Decimal, Decimal)>,
}

/// A month's sums of a chain's rows of one type and subtype, by the asset's place in
/// [`RowWriter::normalized`].
type SumKey = (usize, CompactString, CompactString, CompactString, i64);

/// Writes ledger rows into `ledger_blocks` in the order given (ids following the stored rows',
/// a block per [`BLOCK_ROWS`] rows of one import), with the ids of their kind (chain and kind
/// interned as met), and sums the settled ones by month.
pub(super) struct RowWriter<'t> {
    tx: &'t Connection,
    insert: rusqlite::Statement<'t>,
    interner: Interner,
    /// Normalised spellings, by spelling.
    spellings: FxHashMap<CompactString, usize>,
    normalized: Vec<String>,
    /// Chain ids by spelling (its place in `normalized`) and wallet.
    chain_ids: FxHashMap<(usize, CompactString), i64>,
    last_kind: Option<(KindKey, i64)>,
    sums: FxHashMap<SumKey, (i64, Decimal, Decimal)>,
    /// The block being filled: its import, first id and rows.
    block: Option<(i64, i64, BlockEncoder)>,
    /// The id the next row gets.
    next_id: i64,
    /// Rows written.
    rows: usize,
}

impl<'t> RowWriter<'t> {
    pub(super) fn new(tx: &'t Connection) -> Result<Self, StoreError> {
        let stored: i64 = tx.query_row(
            "SELECT COALESCE(SUM(rows), 0) FROM ledger_blocks",
            [],
            |r| r.get(0),
        )?;
        Ok(Self {
            tx,
            insert: tx.prepare(
                "INSERT INTO ledger_blocks (import_id, first_id, rows, data) VALUES (?1, ?2, ?3, ?4)",
            )?,
            interner: Interner::load(tx)?,
            spellings: FxHashMap::default(),
            normalized: Vec::new(),
            chain_ids: FxHashMap::default(),
            last_kind: None,
            sums: FxHashMap::default(),
            block: None,
            next_id: stored + 1,
            rows: 0,
        })
    }

    /// Writes `rows` of `file`, in order, for the import `import_id`.
    pub(super) fn write<'r>(
        &mut self,
        file: &LedgersFile,
        rows: impl Iterator<Item = &'r ImportedLedgerRow>,
        import_id: i64,
    ) -> Result<(), StoreError> {
        let wallet_known = file.columns.contains(LedgerColumn::Wallet);
        for imported in rows {
            let row = &imported.row;
            let asset_index = match self.spellings.get(row.asset.as_str()) {
                Some(&i) => i,
                None => {
                    self.normalized
                        .push(asset::normalize(&row.asset).normalized());
                    self.spellings
                        .insert(row.asset.clone(), self.normalized.len() - 1);
                    self.normalized.len() - 1
                }
            };
            let wallet = if wallet_known {
                row.wallet.clone()
            } else {
                CompactString::const_new(DEFAULT_WALLET)
            };
            let chain = match self.chain_ids.get(&(asset_index, wallet.clone())) {
                Some(&id) => id,
                None => {
                    let id =
                        self.interner
                            .chain(self.tx, &self.normalized[asset_index], &wallet)?;
                    self.chain_ids.insert((asset_index, wallet.clone()), id);
                    id
                }
            };
            let key: KindKey = (
                chain,
                row.r#type.clone(),
                row.subtype.clone(),
                row.aclass.clone(),
                row.subclass.clone(),
                row.asset.clone(),
                row.fee_currency.clone(),
            );
            let kind = match &self.last_kind {
                Some((last, id)) if *last == key => *id,
                _ => {
                    let id = self.interner.kind(self.tx, &key)?;
                    self.last_kind = Some((key, id));
                    id
                }
            };
            let full = self.block.as_ref().is_some_and(|(import, _, block)| {
                *import != import_id || block.rows() == BLOCK_ROWS
            });
            if full {
                self.flush()?;
            }
            let (_, _, block) = self.block.get_or_insert_with(|| {
                (
                    import_id,
                    self.next_id,
                    BlockEncoder::new(file.extra_columns.len()),
                )
            });
            block.push(&BlockRow {
                line: imported.line,
                time: row.time.ticks(),
                kind,
                row,
                extra: &imported.extra,
            });
            self.next_id += 1;
            self.rows += 1;
            // Request rows move no balance: they are not in the totals.
            if !row.txid.is_empty() {
                let key = (
                    asset_index,
                    wallet,
                    row.r#type.clone(),
                    row.subtype.clone(),
                    month_start(row.time),
                );
                let sum = self
                    .sums
                    .entry(key)
                    .or_insert((0, Decimal::ZERO, Decimal::ZERO));
                sum.0 += 1;
                sum.1 += row.amount;
                sum.2 += row.fee;
            }
        }
        Ok(())
    }

    /// Stores the block being filled, if any.
    fn flush(&mut self) -> Result<(), StoreError> {
        if let Some((import, first_id, block)) = self.block.take() {
            let rows = to_i64(block.rows());
            self.insert
                .execute(params![import, first_id, rows, block.finish()])?;
        }
        Ok(())
    }

    /// The rows written and their monthly sums.
    pub(super) fn finish(mut self) -> Result<Inserted, StoreError> {
        self.flush()?;
        let normalized = self.normalized;
        let monthly = self
            .sums
            .into_iter()
            .map(|((asset, wallet, kind, subtype, month), sum)| {
                let key = (
                    normalized[asset].clone(),
                    wallet.to_string(),
                    kind.to_string(),
                    subtype.to_string(),
                    month,
                );
                (key, sum)
            })
            .collect();
        Ok(Inserted {
            rows: self.rows,
            monthly,
        })
    }
}

/// Adds monthly counts and sums to the stored ones.
pub(super) fn add_monthly(
    tx: &rusqlite::Transaction<'_>,
    monthly: HashMap<MonthKey, (i64, Decimal, Decimal)>,
) -> Result<(), StoreError> {
    let mut get = tx.prepare(
        "SELECT count, amount, fee FROM monthly
         WHERE asset = ?1 AND wallet = ?2 AND type = ?3 AND subtype = ?4 AND month = ?5",
    )?;
    let mut put = tx.prepare(
        "INSERT OR REPLACE INTO monthly (asset, wallet, type, subtype, month, count, amount, fee)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for ((asset, wallet, kind, subtype, month), (count, amount, fee)) in monthly {
        let before: Option<(i64, String, String)> = get
            .query_row(params![asset, wallet, kind, subtype, month], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let (count, amount, fee) = match before {
            Some((c, a, f)) => (c + count, decimal(&a)? + amount, decimal(&f)? + fee),
            None => (count, amount, fee),
        };
        put.execute(params![
            asset,
            wallet,
            kind,
            subtype,
            month,
            count,
            amount.to_string(),
            fee.to_string()
        ])?;
    }
    Ok(())
}
