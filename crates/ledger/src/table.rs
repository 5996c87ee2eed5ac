//! The ledger rows of a workspace, at rest and at hand.
//!
//! # At rest: blocks
//!
//! Rows are stored in `ledger_blocks`, up to [`BLOCK_ROWS`] consecutive rows of one import per
//! SQLite row, encoded by [`BlockEncoder`] (read back by [`decode_block`]). A million rows are
//! a few hundred blobs: storing them is one sequential write instead of a million b-tree inserts
//! and three index builds, which is what brings a million-row import under two seconds. What
//! many rows share (the chain and the kind: type, subtype, asset class, asset as spelled, fee
//! currency) stays interned in `ledger_chains` and `ledger_kinds`; a row holds its kind's id.
//!
//! A row's storage id is its place in storage order, from 1: a block holds the ids `first_id ..
//! first_id + rows`. Rows are only ever appended, so an import never changes the ids before it
//! (moving a schema-2 workspace into blocks numbered its rows afresh).
//!
//! Encoding of a block: the number of extra columns of its import (varint), then per row: line
//! (varint), time as the zigzag varint difference to the previous row's (the first row's to 0),
//! kind id (varint), txid and refid (varint length, UTF-8 bytes), amount and fee, a byte whose
//! low four bits say which of balance, amount_usd, fee_usd and balance_usd follow, those, then
//! the extra values (varint length, bytes). Money is exact: a byte holding the scale (low five
//! bits) and the sign (high bit, so a negative zero stays one), then the mantissa's magnitude as
//! a varint.
//!
//! # At hand: [`LedgerTable`]
//!
//! Reviewing reads a [`LedgerTable`]: every row decoded once, in review order (time, then
//! storage id), with the positions of each chain's rows and each id's position. A
//! [`Selection`] (a [`Filter`] resolved against the table) walks the rows a filter selects in
//! that order: the rows of the selected chains when an asset or wallet is asked for, else the
//! time range of the whole order (found by binary search); kind-level conditions (type, subtype,
//! asset, wallet, and text that matches them) are decided once per kind, not per row.

use std::ops::Range;
use std::sync::Arc;

use compact_str::CompactString;
use rusqlite::Connection;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::asset;
use crate::import::{ImportedLedgerRow, LedgerColumns, LedgersFile, UnknownValue, unknown_values};
use crate::ledger::LedgerRow;
use crate::query::Filter;
use crate::store::StoreError;
use crate::time::Timestamp;

/// Rows per block: large enough that a million rows are a few hundred blobs, small enough that
/// a block is written while the next is encoded without holding much.
pub(crate) const BLOCK_ROWS: usize = 4096;

/// The most rows a stored block may say it holds (blocks of another build may be larger than
/// [`BLOCK_ROWS`]); more is a damaged database, not an allocation to attempt.
const MAX_BLOCK_ROWS: usize = 1 << 16;

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("ledger block ({what})"))
}

fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u128 {
    u128::from(((v << 1) ^ (v >> 63)) as u64)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u128);
    out.extend_from_slice(bytes);
}

const SIGN_BIT: u8 = 0x80;

fn put_money(out: &mut Vec<u8>, d: Decimal) {
    let sign = if d.is_sign_negative() { SIGN_BIT } else { 0 };
    // The scale of a Decimal is at most 28: five bits.
    out.push(sign | d.scale() as u8);
    put_varint(out, d.mantissa().unsigned_abs());
}

/// One row as a block stores it (its chain and kind already interned).
pub(crate) struct BlockRow<'a> {
    pub line: u32,
    pub time: i64,
    pub kind: i64,
    pub row: &'a LedgerRow,
    pub extra: &'a [String],
}

/// Encodes the rows of one block (see the module docs).
pub(crate) struct BlockEncoder {
    data: Vec<u8>,
    rows: usize,
    extras: usize,
    last_time: i64,
}

impl BlockEncoder {
    /// A block of an import whose file has `extras` extra columns.
    pub fn new(extras: usize) -> Self {
        let mut data = Vec::with_capacity(BLOCK_ROWS * 96);
        put_varint(&mut data, extras as u128);
        Self {
            data,
            rows: 0,
            extras,
            last_time: 0,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn push(&mut self, r: &BlockRow<'_>) {
        let out = &mut self.data;
        put_varint(out, u128::from(r.line));
        put_varint(out, zigzag(r.time.wrapping_sub(self.last_time)));
        self.last_time = r.time;
        put_varint(out, u128::from(r.kind.unsigned_abs()));
        put_bytes(out, r.row.txid.as_bytes());
        put_bytes(out, r.row.refid.as_bytes());
        put_money(out, r.row.amount);
        put_money(out, r.row.fee);
        let optional = [
            r.row.balance,
            r.row.amount_usd,
            r.row.fee_usd,
            r.row.balance_usd,
        ];
        let present = optional
            .iter()
            .enumerate()
            .fold(0_u8, |bits, (i, d)| bits | (u8::from(d.is_some()) << i));
        out.push(present);
        for d in optional.into_iter().flatten() {
            put_money(out, d);
        }
        for i in 0..self.extras {
            put_bytes(out, r.extra.get(i).map_or(&[][..], |v| v.as_bytes()));
        }
        self.rows += 1;
    }

    pub fn finish(self) -> Vec<u8> {
        self.data
    }
}

/// Reads what [`BlockEncoder`] wrote.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, StoreError> {
        let b = *self.data.get(self.at).ok_or_else(|| corrupt("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u128, StoreError> {
        let mut v: u128 = 0;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt("varint"))
    }

    fn small(&mut self) -> Result<u64, StoreError> {
        u64::try_from(self.varint()?).map_err(|_| corrupt("number"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let len = usize::try_from(self.small()?).map_err(|_| corrupt("length"))?;
        let end = self.at.checked_add(len).ok_or_else(|| corrupt("length"))?;
        let bytes = self
            .data
            .get(self.at..end)
            .ok_or_else(|| corrupt("truncated"))?;
        self.at = end;
        Ok(bytes)
    }

    fn text(&mut self) -> Result<&'a str, StoreError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| corrupt("text"))
    }

    fn money(&mut self) -> Result<Decimal, StoreError> {
        let head = self.byte()?;
        let scale = u32::from(head & !SIGN_BIT);
        let m = self.varint()?;
        if scale > 28 || m >> 96 != 0 {
            return Err(corrupt("amount"));
        }
        let mut d = Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, false, scale);
        // Set apart: `from_parts` drops the sign of a zero.
        d.set_sign_negative(head & SIGN_BIT != 0);
        Ok(d)
    }
}

/// One decoded row of a block.
pub(crate) struct DecodedRow {
    pub line: u32,
    pub time: i64,
    pub kind: i64,
    pub txid: CompactString,
    pub refid: CompactString,
    pub amount: Decimal,
    pub fee: Decimal,
    pub balance: Option<Decimal>,
    pub usd: [Option<Decimal>; 3],
    pub extra: Vec<Box<str>>,
}

/// Decodes the `rows` rows of a block of an import with `extras` extra columns, handing each to
/// `each` in order.
pub(crate) fn decode_block(
    data: &[u8],
    rows: usize,
    extras: usize,
    mut each: impl FnMut(DecodedRow) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut r = Reader { data, at: 0 };
    if usize::try_from(r.small()?).ok() != Some(extras) {
        return Err(corrupt("extra columns"));
    }
    let mut time = 0_i64;
    for _ in 0..rows {
        let line = u32::try_from(r.small()?).map_err(|_| corrupt("line"))?;
        let delta = r.small()?;
        time = time.wrapping_add(((delta >> 1) as i64) ^ -((delta & 1) as i64));
        let kind = i64::try_from(r.small()?).map_err(|_| corrupt("kind"))?;
        let txid = CompactString::from(r.text()?);
        let refid = CompactString::from(r.text()?);
        let amount = r.money()?;
        let fee = r.money()?;
        let present = r.byte()?;
        let mut optional = [None; 4];
        for (i, slot) in optional.iter_mut().enumerate() {
            if present & (1 << i) != 0 {
                *slot = Some(r.money()?);
            }
        }
        let extra = (0..extras)
            .map(|_| r.text().map(Box::from))
            .collect::<Result<_, _>>()?;
        each(DecodedRow {
            line,
            time,
            kind,
            txid,
            refid,
            amount,
            fee,
            balance: optional[0],
            usd: [optional[1], optional[2], optional[3]],
            extra,
        })?;
    }
    if r.at != data.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(())
}

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
    pub fn ticks(&self, position: usize) -> i64 {
        self.times[position]
    }

    /// The time of the row at `position` (every stored time was checked when loaded).
    pub fn time(&self, position: usize) -> Timestamp {
        Timestamp::from_ticks(self.times[position]).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The index into [`LedgerTable::kinds`] of the row at `position`.
    pub fn kind_index(&self, position: usize) -> usize {
        self.kind_of[position] as usize
    }

    pub fn kind(&self, position: usize) -> &Kind {
        &self.kinds[self.kind_of[position] as usize]
    }

    pub fn chain(&self, position: usize) -> &ChainName {
        &self.chains[self.kind(position).chain]
    }

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

    /// The rows `filter` selects, with time bounds `from` and `to` in place of its own.
    pub fn select(
        &self,
        filter: &Filter,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Selection<'_> {
        let assets: Vec<String> = filter
            .assets
            .iter()
            .map(|a| asset::normalize(a).normalized())
            .collect();
        let chain_ok: Vec<bool> = self
            .chains
            .iter()
            .map(|c| {
                (assets.is_empty() || assets.iter().any(|a| c.asset == a.as_str()))
                    && (filter.wallets.is_empty()
                        || filter.wallets.iter().any(|w| c.wallet == w.as_str()))
            })
            .collect();
        let text = filter
            .text
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(str::to_ascii_lowercase);
        // Per kind: whether its values pass, and whether the text is among them.
        let kind_state: Vec<(bool, bool)> = self
            .kinds
            .iter()
            .map(|k| {
                let chain = &self.chains[k.chain];
                let ok = chain_ok[k.chain]
                    && (filter.types.is_empty()
                        || filter.types.iter().any(|t| k.r#type == t.as_str()))
                    && (filter.subtypes.is_empty()
                        || filter.subtypes.iter().any(|t| k.subtype == t.as_str()));
                let text_here = text.as_deref().is_some_and(|t| {
                    [&k.r#type, &k.subtype, &k.asset, &chain.asset, &chain.wallet]
                        .iter()
                        .any(|v| contains_ignoring_ascii_case(v, t))
                });
                (ok, text_here)
            })
            .collect();
        let chains = (!assets.is_empty() || !filter.wallets.is_empty()).then(|| {
            chain_ok
                .iter()
                .enumerate()
                .filter(|(_, ok)| **ok)
                .map(|(c, _)| c)
                .collect()
        });
        let low = from.map_or(0, |f| self.times.partition_point(|&t| t < f.ticks()));
        let high = to.map_or(self.times.len(), |t| {
            self.times.partition_point(|&x| x < t.ticks())
        });
        Selection {
            table: self,
            range: low..high.max(low),
            chains,
            kind_state,
            refid: filter.refid.clone(),
            text,
            settled_only: false,
            trade_legs: false,
        }
    }
}

/// Whether `needle` (ASCII lowercase) is in `hay`, ignoring ASCII case: SQL `LIKE '%needle%'`.
fn contains_ignoring_ascii_case(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The rows a filter selects (see [`LedgerTable::select`]), walked in review order.
pub(crate) struct Selection<'t> {
    table: &'t LedgerTable,
    /// Positions within the time bounds.
    range: Range<usize>,
    /// The chains an asset or wallet filter leaves, if one is set.
    chains: Option<Vec<usize>>,
    /// Per kind: passes the kind-level conditions; the text is among its values.
    kind_state: Vec<(bool, bool)>,
    refid: Option<String>,
    /// ASCII lowercase.
    text: Option<String>,
    settled_only: bool,
    trade_legs: bool,
}

impl Selection<'_> {
    /// Only rows with a `txid` (request rows move no balance).
    pub fn settled(mut self) -> Self {
        self.settled_only = true;
        self
    }

    /// Only trade legs: rows of type `trade`, or whose `refid` is a stored trade.
    pub fn trade_legs(mut self) -> Self {
        self.trade_legs = true;
        self
    }

    /// Whether the row at `position` is selected.
    pub fn matches(&self, position: usize) -> bool {
        let t = self.table;
        if !self.range.contains(&position) {
            return false;
        }
        let kind = t.kind_of[position] as usize;
        let (ok, text_in_kind) = self.kind_state[kind];
        if !ok {
            return false;
        }
        let e = &t.entries[position];
        if self.settled_only && e.txid.is_empty() {
            return false;
        }
        if self.refid.as_deref().is_some_and(|r| e.refid != r) {
            return false;
        }
        if self.trade_legs && t.kinds[kind].r#type != "trade" && !t.trade_txids.contains(&e.refid) {
            return false;
        }
        match &self.text {
            Some(text) if !text_in_kind => {
                contains_ignoring_ascii_case(&e.txid, text)
                    || contains_ignoring_ascii_case(&e.refid, text)
                    || e.extra
                        .iter()
                        .any(|v| contains_ignoring_ascii_case(v, text))
            }
            _ => true,
        }
    }

    /// Calls `each` with the position of every selected row, in review order, until it returns
    /// `false`.
    pub fn walk(&self, mut each: impl FnMut(usize) -> bool) {
        match &self.chains {
            None => {
                for p in self.range.clone() {
                    if self.matches(p) && !each(p) {
                        return;
                    }
                }
            }
            Some(chains) => {
                let t = self.table;
                let in_range = |c: usize| {
                    let list = &t.by_chain[c];
                    let lo = list.partition_point(|&p| (p as usize) < self.range.start);
                    let hi = list.partition_point(|&p| (p as usize) < self.range.end);
                    &list[lo..hi]
                };
                let merged: Vec<u32>;
                let positions: &[u32] = match chains.as_slice() {
                    [one] => in_range(*one),
                    several => {
                        let mut all: Vec<u32> = several
                            .iter()
                            .flat_map(|&c| in_range(c).iter().copied())
                            .collect();
                        all.sort_unstable();
                        merged = all;
                        &merged
                    }
                };
                for &p in positions {
                    if self.matches(p as usize) && !each(p as usize) {
                        return;
                    }
                }
            }
        }
    }

    /// Every selected position, in review order.
    pub fn positions(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(|p| {
            out.push(p);
            true
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A row with these values and every other field empty.
    fn with_money(txid: String, refid: String, amount: Decimal, fee: Decimal) -> LedgerRow {
        LedgerRow {
            txid: txid.into(),
            refid: refid.into(),
            time: Timestamp::UNIX_EPOCH,
            r#type: CompactString::default(),
            subtype: CompactString::default(),
            aclass: CompactString::default(),
            subclass: CompactString::default(),
            asset: CompactString::default(),
            wallet: CompactString::default(),
            amount,
            fee,
            balance: None,
            amount_usd: None,
            fee_usd: None,
            balance_usd: None,
            fee_currency: CompactString::default(),
        }
    }

    fn money() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0_u32..=28, any::<bool>()).prop_map(|(m, scale, wide)| {
            let m = if wide {
                i128::from(m) << 30
            } else {
                i128::from(m)
            };
            Decimal::from_i128_with_scale(m, scale)
        })
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[A-Z0-9-]{1,19}", "\\PC{0,40}"]
    }

    prop_compose! {
        fn row()(
            line in 2_u32..u32::MAX,
            time in -621_355_968_000_000_i64..2_534_023_007_999_999,
            kind in 1_i64..1_000_000,
            txid in text(),
            refid in text(),
            amount in money(),
            fee in money(),
            optional in proptest::collection::vec(proptest::option::of(money()), 4),
            extra in proptest::collection::vec(text(), 2),
        ) -> (u32, i64, i64, LedgerRow, Vec<String>) {
            let row = LedgerRow {
                balance: optional[0],
                amount_usd: optional[1],
                fee_usd: optional[2],
                balance_usd: optional[3],
                ..with_money(txid, refid, amount, fee)
            };
            (line, time, kind, row, extra)
        }
    }

    proptest! {
        /// Every row reads back from its block as written: money with its scale and sign
        /// (negative zero too), times in any order, text of any length, the extra values.
        #[test]
        fn a_block_reads_back_what_was_written(rows in proptest::collection::vec(row(), 0..40)) {
            let mut block = BlockEncoder::new(2);
            for (line, time, kind, row, extra) in &rows {
                block.push(&BlockRow { line: *line, time: *time, kind: *kind, row, extra });
            }
            prop_assert_eq!(block.rows(), rows.len());
            let data = block.finish();
            let mut back = Vec::new();
            decode_block(&data, rows.len(), 2, |d| {
                back.push(d);
                Ok(())
            })
            .expect("decode");
            prop_assert_eq!(back.len(), rows.len());
            for ((line, time, kind, row, extra), d) in rows.iter().zip(&back) {
                prop_assert_eq!((d.line, d.time, d.kind), (*line, *time, *kind));
                prop_assert_eq!((&d.txid, &d.refid), (&row.txid, &row.refid));
                let exact = |a: Decimal, b: Decimal| {
                    a.serialize() == b.serialize()
                };
                prop_assert!(exact(d.amount, row.amount) && exact(d.fee, row.fee));
                let optional = [d.balance, d.usd[0], d.usd[1], d.usd[2]];
                let written = [row.balance, row.amount_usd, row.fee_usd, row.balance_usd];
                for (a, b) in optional.iter().zip(written) {
                    let same = match (a, b) {
                        (Some(a), Some(b)) => exact(*a, b),
                        (None, None) => true,
                        _ => false,
                    };
                    prop_assert!(same);
                }
                let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
                prop_assert_eq!(d.extra.iter().map(|v| &**v).collect::<Vec<_>>(), extra);
            }
        }
    }

    #[test]
    fn negative_zero_keeps_its_sign() {
        let mut zero = Decimal::new(0, 4);
        zero.set_sign_negative(true);
        let row = with_money(String::new(), String::new(), zero, Decimal::ZERO);
        let mut block = BlockEncoder::new(0);
        block.push(&BlockRow {
            line: 2,
            time: 0,
            kind: 1,
            row: &row,
            extra: &[],
        });
        let data = block.finish();
        decode_block(&data, 1, 0, |d| {
            assert_eq!(d.amount.to_string(), "-0.0000");
            Ok(())
        })
        .expect("decode");
    }

    #[test]
    fn a_damaged_block_is_an_error_not_a_panic() {
        let row = with_money("L".into(), "R".into(), Decimal::ONE, Decimal::ZERO);
        let mut block = BlockEncoder::new(1);
        block.push(&BlockRow {
            line: 2,
            time: 5,
            kind: 1,
            row: &row,
            extra: &["x".to_owned()],
        });
        let data = block.finish();
        for cut in 0..data.len() {
            assert!(
                decode_block(&data[..cut], 1, 1, |_| Ok(())).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = data.clone();
        longer.push(0);
        assert!(decode_block(&longer, 1, 1, |_| Ok(())).is_err());
        // A block whose import has another number of extra columns.
        assert!(decode_block(&data, 1, 2, |_| Ok(())).is_err());
        assert!(decode_block(&data, 1, 1, |_| Ok(())).is_ok());
    }
}
