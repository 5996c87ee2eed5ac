//! The ledger rows of a workspace at hand: [`LedgerTable`], every stored row decoded once (from the
//! blocks of the `codec` module), in review order (time, then storage id), with the positions of
//! each chain's rows and each id's position.
//!
//! A row's storage id is its place in storage order, from 1: a block holds the ids `first_id ..
//! first_id + rows`. Rows are only ever appended, so an import never changes the ids before it
//! (moving a schema-2 workspace into blocks numbered its rows afresh). What many rows share (the
//! chain and the kind: type, subtype, asset class, asset as spelled, fee currency) is interned in
//! `ledger_chains` and `ledger_kinds`, and held here once per chain and kind.
//!
//! The table answers by position (a row's place in review order); the `query` module's
//! selections walk it.

use std::ops::Range;
use std::sync::Arc;

use compact_str::CompactString;
use countersign_kraken::Timestamp;
use rusqlite::Connection;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use super::StoreError;
use super::codec::{BLOCK_ROWS, MAX_BLOCK_ROWS, corrupt, decode_block};
use crate::import::{ImportedLedgerRow, LedgerColumns, LedgersFile, UnknownValue, unknown_values};
use crate::ledger::LedgerRow;

/// A chain: the normalised asset and the wallet.
#[derive(Debug)]
pub(crate) struct ChainName {
    pub asset: CompactString,
    pub wallet: CompactString,
}

/// What rows of one kind share.
#[derive(Debug)]
pub(crate) struct Kind {
    /// Index into [`LedgerTable::chains`].
    pub chain: usize,
    pub r#type: CompactString,
    pub subtype: CompactString,
    pub aclass: CompactString,
    pub subclass: CompactString,
    pub asset: CompactString,
    pub fee_currency: CompactString,
}

/// A ledgers import: its file name, known columns and extra column names.
#[derive(Debug)]
pub(crate) struct ImportFile {
    pub name: Arc<str>,
    pub columns: LedgerColumns,
    pub extra_columns: Vec<String>,
}

/// One stored row, with what is not in its kind.
#[derive(Debug)]
pub(crate) struct Entry {
    pub id: i64,
    /// Index into [`LedgerTable::imports`].
    pub import: u32,
    pub line: u32,
    pub txid: CompactString,
    pub refid: CompactString,
    pub amount: Decimal,
    pub fee: Decimal,
    pub balance: Option<Decimal>,
    /// `amount_usd`, `fee_usd`, `balance_usd`: only some layouts have them.
    pub usd: Option<Box<[Option<Decimal>; 3]>>,
    /// Values of the import's extra columns.
    pub extra: Box<[Box<str>]>,
}

/// Every stored ledger row, decoded, in review order (see the module docs).
#[derive(Default)]
pub(crate) struct LedgerTable {
    pub chains: Vec<ChainName>,
    pub kinds: Vec<Kind>,
    pub imports: Vec<ImportFile>,
    /// Per position: time (ticks), kind index, and the row.
    times: Vec<i64>,
    kind_of: Vec<u32>,
    entries: Vec<Entry>,
    /// Position of the row with id `i + 1`.
    position_of: Vec<u32>,
    /// Positions of each chain's rows, ascending; and of its settled rows (with a `txid`).
    by_chain: Vec<Vec<u32>>,
    settled_by_chain: Vec<Vec<u32>>,
    /// The `txid`s of stored trades: their ledger rows are trade legs.
    trade_txids: FxHashSet<CompactString>,
}

/// What the table holds, not every row of it (a workspace's `Debug` shows this).
impl std::fmt::Debug for LedgerTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerTable")
            .field("rows", &self.entries.len())
            .field("chains", &self.chains.len())
            .field("kinds", &self.kinds.len())
            .field("imports", &self.imports.len())
            .field("trades", &self.trade_txids.len())
            .finish()
    }
}

/// Every ledgers import, oldest first, with its id.
pub(crate) fn ledger_imports(conn: &Connection) -> Result<Vec<(i64, ImportFile)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, file, columns, extra_columns FROM imports
         WHERE kind = 'ledgers' ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let name: String = r.get(1)?;
        let bits: i64 = r.get(2)?;
        let extra: String = r.get(3)?;
        out.push((
            r.get(0)?,
            ImportFile {
                name: Arc::from(name.as_str()),
                columns: LedgerColumns::from_bits(u16::try_from(bits).unwrap_or(0)),
                extra_columns: serde_json::from_str(&extra)
                    .map_err(|_| StoreError::Corrupt(format!("extra columns {extra:?}")))?,
            },
        ));
    }
    Ok(out)
}

impl ImportFile {
    /// A ledgers file of this import holding no rows yet (no layout: the store keeps the
    /// columns, not the header).
    pub fn empty_file(&self) -> LedgersFile {
        LedgersFile {
            file: self.name.clone(),
            layout: None,
            columns: self.columns,
            extra_columns: self.extra_columns.clone(),
            rows: Vec::new(),
            warnings: Vec::new(),
            unknown: Vec::new(),
        }
    }
}

fn index_of<K: std::hash::Hash + Eq>(
    map: &FxHashMap<K, usize>,
    key: &K,
    what: &str,
) -> Result<usize, StoreError> {
    map.get(key).copied().ok_or_else(|| corrupt(what))
}

impl LedgerTable {
    /// Reads and decodes every stored row.
    pub fn load(conn: &Connection) -> Result<Self, StoreError> {
        let mut chains = Vec::new();
        let mut chain_at: FxHashMap<i64, usize> = FxHashMap::default();
        let text = |r: &rusqlite::Row<'_>, i| -> rusqlite::Result<CompactString> {
            Ok(CompactString::from(r.get_ref(i)?.as_str()?))
        };
        let mut stmt = conn.prepare("SELECT id, asset_norm, wallet FROM ledger_chains")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            chain_at.insert(r.get(0)?, chains.len());
            chains.push(ChainName {
                asset: text(r, 1)?,
                wallet: text(r, 2)?,
            });
        }
        let mut kinds = Vec::new();
        let mut kind_at: FxHashMap<i64, usize> = FxHashMap::default();
        let mut stmt = conn.prepare(
            "SELECT id, chain, type, subtype, aclass, subclass, asset, fee_currency
             FROM ledger_kinds",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            kind_at.insert(r.get(0)?, kinds.len());
            kinds.push(Kind {
                chain: index_of(&chain_at, &r.get(1)?, "chain of a kind")?,
                r#type: text(r, 2)?,
                subtype: text(r, 3)?,
                aclass: text(r, 4)?,
                subclass: text(r, 5)?,
                asset: text(r, 6)?,
                fee_currency: text(r, 7)?,
            });
        }
        let mut imports = Vec::new();
        let mut import_at: FxHashMap<i64, usize> = FxHashMap::default();
        for (id, import) in ledger_imports(conn)? {
            import_at.insert(id, imports.len());
            imports.push(import);
        }
        let mut trade_txids = FxHashSet::default();
        let mut stmt = conn.prepare("SELECT txid FROM trades")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            trade_txids.insert(text(r, 0)?);
        }

        let (count, blocks): (i64, i64) = conn.query_row(
            "SELECT COALESCE(SUM(rows), 0), COUNT(*) FROM ledger_blocks",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let count = usize::try_from(count)
            .map_err(|_| corrupt("row count"))?
            // What blocks of this build hold at most: a damaged count reserves no more.
            .min(
                usize::try_from(blocks)
                    .unwrap_or(0)
                    .saturating_mul(BLOCK_ROWS),
            );
        let mut times = Vec::with_capacity(count);
        let mut kind_of = Vec::with_capacity(count);
        let mut entries = Vec::with_capacity(count);
        let mut stmt = conn.prepare(
            "SELECT import_id, first_id, rows, data FROM ledger_blocks ORDER BY first_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let import = index_of(&import_at, &r.get(0)?, "import of a block")?;
            let first_id: i64 = r.get(1)?;
            if first_id
                .checked_sub(1)
                .and_then(|i| usize::try_from(i).ok())
                != Some(entries.len())
            {
                return Err(corrupt("ids not contiguous"));
            }
            let n = usize::try_from(r.get::<_, i64>(2)?)
                .ok()
                .filter(|&n| n <= MAX_BLOCK_ROWS)
                .ok_or_else(|| corrupt("rows"))?;
            let data = r.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?;
            let extras = imports[import].extra_columns.len();
            decode_block(data, n, extras, |d| {
                Timestamp::from_ticks(d.time).map_err(|_| corrupt("time"))?;
                times.push(d.time);
                kind_of.push(u32::try_from(index_of(&kind_at, &d.kind, "kind")?).unwrap_or(0));
                entries.push(Entry {
                    id: entries.len() as i64 + 1,
                    import: import as u32,
                    line: d.line,
                    txid: d.txid,
                    refid: d.refid,
                    amount: d.amount,
                    fee: d.fee,
                    balance: d.balance,
                    usd: d.usd.iter().any(Option::is_some).then(|| Box::new(d.usd)),
                    extra: d.extra.into_boxed_slice(),
                });
                Ok(())
            })?;
        }
        drop(rows);
        drop(stmt);
        let mut table = Self {
            chains,
            kinds,
            imports,
            times,
            kind_of,
            entries,
            position_of: Vec::new(),
            by_chain: Vec::new(),
            settled_by_chain: Vec::new(),
            trade_txids,
        };
        table.arrange();
        Ok(table)
    }

    /// Puts the rows (in storage order) in review order, and indexes positions by id and chain.
    fn arrange(&mut self) {
        let n = self.entries.len();
        if !self.times.is_sorted() {
            // Stable: rows of one instant stay in storage order.
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&i| self.times[i as usize]);
            let mut slots: Vec<Option<Entry>> = std::mem::take(&mut self.entries)
                .into_iter()
                .map(Some)
                .collect();
            self.entries = order
                .iter()
                .filter_map(|&i| slots[i as usize].take())
                .collect();
            self.times = order.iter().map(|&i| self.times[i as usize]).collect();
            self.kind_of = order.iter().map(|&i| self.kind_of[i as usize]).collect();
        }
        self.position_of = vec![0; n];
        for (position, entry) in self.entries.iter().enumerate() {
            self.position_of[(entry.id - 1) as usize] = position as u32;
        }
        self.by_chain = vec![Vec::new(); self.chains.len()];
        self.settled_by_chain = vec![Vec::new(); self.chains.len()];
        for (position, &kind) in self.kind_of.iter().enumerate() {
            let chain = self.kinds[kind as usize].chain;
            self.by_chain[chain].push(position as u32);
            if !self.entries[position].txid.is_empty() {
                self.settled_by_chain[chain].push(position as u32);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The time of the row at `position`, in ticks.
    #[inline]
    pub fn ticks(&self, position: usize) -> i64 {
        self.times[position]
    }

    /// The time of the row at `position` (every stored time was checked when loaded).
    #[inline]
    pub fn time(&self, position: usize) -> Timestamp {
        Timestamp::from_ticks(self.times[position]).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The index into [`LedgerTable::kinds`] of the row at `position`.
    #[inline]
    pub fn kind_index(&self, position: usize) -> usize {
        self.kind_of[position] as usize
    }

    #[inline]
    pub fn kind(&self, position: usize) -> &Kind {
        &self.kinds[self.kind_of[position] as usize]
    }

    #[inline]
    pub fn chain(&self, position: usize) -> &ChainName {
        &self.chains[self.kind(position).chain]
    }

    #[inline]
    pub fn entry(&self, position: usize) -> &Entry {
        &self.entries[position]
    }

    /// The position of the row with storage id `id`.
    pub fn position(&self, id: i64) -> Option<usize> {
        let i = usize::try_from(id.checked_sub(1)?).ok()?;
        self.position_of.get(i).map(|&p| p as usize)
    }

    pub fn import_name(&self, position: usize) -> &Arc<str> {
        &self.imports[self.entries[position].import as usize].name
    }

    /// The chain index of (normalised asset, wallet).
    pub fn chain_index(&self, asset: &str, wallet: &str) -> Option<usize> {
        self.chains
            .iter()
            .position(|c| c.asset == asset && c.wallet == wallet)
    }

    /// The positions whose time is in `[from, to)` (a bound left out is open).
    pub fn time_range(&self, from: Option<Timestamp>, to: Option<Timestamp>) -> Range<usize> {
        let low = from.map_or(0, |f| self.times.partition_point(|&t| t < f.ticks()));
        let high = to.map_or(self.times.len(), |t| {
            self.times.partition_point(|&x| x < t.ticks())
        });
        low..high.max(low)
    }

    /// Positions of a chain's rows, ascending.
    #[inline]
    pub fn chain_positions(&self, chain: usize) -> &[u32] {
        &self.by_chain[chain]
    }

    /// Whether `refid` is a stored trade's `txid` (its ledger rows are the trade's legs).
    #[inline]
    pub fn is_trade(&self, refid: &str) -> bool {
        self.trade_txids.contains(refid)
    }

    /// Positions of a chain's settled rows (with a `txid`), ascending.
    pub fn settled_of_chain(&self, chain: usize) -> &[u32] {
        &self.settled_by_chain[chain]
    }

    /// The row at `position` as the export had it (the wallet as its chain uses it).
    pub fn ledger_row(&self, position: usize) -> LedgerRow {
        let e = &self.entries[position];
        let kind = self.kind(position);
        let usd = e.usd.as_deref().copied().unwrap_or([None; 3]);
        LedgerRow {
            txid: e.txid.clone(),
            refid: e.refid.clone(),
            time: self.time(position),
            r#type: kind.r#type.clone(),
            subtype: kind.subtype.clone(),
            aclass: kind.aclass.clone(),
            subclass: kind.subclass.clone(),
            asset: kind.asset.clone(),
            wallet: self.chains[kind.chain].wallet.clone(),
            amount: e.amount,
            fee: e.fee,
            balance: e.balance,
            amount_usd: usd[0],
            fee_usd: usd[1],
            balance_usd: usd[2],
            fee_currency: kind.fee_currency.clone(),
        }
    }

    /// The extra columns of the row at `position`, name and value, in file order.
    pub fn extras(&self, position: usize) -> Vec<(String, String)> {
        let e = &self.entries[position];
        self.imports[e.import as usize]
            .extra_columns
            .iter()
            .zip(e.extra.iter())
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect()
    }

    /// Every stored row, as the files they came from (rows in file order, extra columns left
    /// out), with their unknown types and subtypes: what the integrity check reads.
    pub fn stored_files(&self) -> Result<Vec<LedgersFile>, StoreError> {
        let mut files: Vec<LedgersFile> = self
            .imports
            .iter()
            .map(|i| LedgersFile {
                extra_columns: Vec::new(),
                ..i.empty_file()
            })
            .collect();
        for &position in &self.position_of {
            let position = position as usize;
            let e = &self.entries[position];
            files[e.import as usize].rows.push(ImportedLedgerRow {
                line: e.line,
                row: self.ledger_row(position),
                extra: Vec::new(),
            });
        }
        for file in &mut files {
            file.unknown = unknown_values(file.rows.iter().map(|r| (&r.row, r.line)))
                .into_iter()
                .map(|(column, value, rows, first_line)| UnknownValue {
                    column,
                    value,
                    rows,
                    first_line,
                })
                .collect();
        }
        Ok(files)
    }
}
