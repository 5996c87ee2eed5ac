//! The workspace database's schema: [`MIGRATIONS`], in order, run by [`migrate`] when a workspace
//! opens (`PRAGMA user_version` counts how many have run; a database of a newer build is refused).
//!
//! 1. imports, ledger rows, trades, the stored findings, and the monthly totals;
//! 2. ledger rows compact: what many rows share in `ledger_kinds` and `ledger_chains`, money as a
//!    packed integer;
//! 3. ledger rows in blocks (`ledger_blocks`, the `codec` module's format): schema 2's rows
//!    re-encoded in storage order by the import's own [`RowWriter`], then its row table, view and
//!    indexes dropped.
//!
//! A migration never loses a row or changes a value: money keeps its scale, a request row stays
//! one, extra columns keep their names. Only migration 3 reads rows back (schema 2's packed
//! money and its row table, below); the others are SQL.

use std::collections::HashMap;

use compact_str::CompactString;
use rusqlite::Connection;
use rust_decimal::Decimal;

use super::codec::{decimal, timestamp};
use super::table::ledger_imports;
use super::writer::RowWriter;
use super::{StoreError, to_i64};
use crate::import::{ImportedLedgerRow, LedgersFile};
use crate::ledger::LedgerRow;

/// A schema migration: SQL, or SQL then a step in Rust.
enum Migration {
    Sql(&'static str),
    Then(
        &'static str,
        fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>,
    ),
}

/// Schema migrations, in order; `PRAGMA user_version` counts how many have run.
const MIGRATIONS: &[Migration] = &[
    // 1: imports, ledger rows, trades, the stored findings, and the monthly totals.
    Migration::Sql(
        "CREATE TABLE imports (
         id INTEGER PRIMARY KEY,
         file TEXT NOT NULL,
         sha256 TEXT NOT NULL,
         kind TEXT NOT NULL CHECK (kind IN ('ledgers', 'trades')),
         imported_at INTEGER NOT NULL,
         columns INTEGER NOT NULL,
         extra_columns TEXT NOT NULL,
         rows INTEGER NOT NULL,
         added INTEGER NOT NULL,
         present INTEGER NOT NULL,
         duplicates INTEGER NOT NULL,
         conflicts INTEGER NOT NULL
     );
     CREATE INDEX imports_by_sha256 ON imports(sha256);
     CREATE TABLE ledger (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         line INTEGER NOT NULL,
         txid TEXT NOT NULL,
         refid TEXT NOT NULL,
         time INTEGER NOT NULL,
         type TEXT NOT NULL,
         subtype TEXT NOT NULL,
         aclass TEXT NOT NULL,
         subclass TEXT NOT NULL,
         asset TEXT NOT NULL,
         asset_norm TEXT NOT NULL,
         wallet TEXT NOT NULL,
         amount TEXT NOT NULL,
         fee TEXT NOT NULL,
         balance TEXT,
         amount_usd TEXT,
         fee_usd TEXT,
         balance_usd TEXT,
         fee_currency TEXT NOT NULL,
         extra TEXT
     );
     CREATE INDEX ledger_by_time ON ledger(time);
     CREATE INDEX ledger_by_asset ON ledger(asset_norm, time);
     CREATE INDEX ledger_by_refid ON ledger(refid);
     CREATE TABLE trades (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         line INTEGER NOT NULL,
         txid TEXT NOT NULL UNIQUE,
         ordertxid TEXT NOT NULL,
         pair TEXT NOT NULL,
         aclass TEXT NOT NULL,
         subclass TEXT NOT NULL,
         time INTEGER NOT NULL,
         type TEXT NOT NULL,
         ordertype TEXT NOT NULL,
         price TEXT NOT NULL,
         cost TEXT NOT NULL,
         fee TEXT NOT NULL,
         vol TEXT NOT NULL,
         margin TEXT NOT NULL,
         misc TEXT NOT NULL,
         ledgers TEXT NOT NULL,
         postxid TEXT NOT NULL,
         posstatus TEXT,
         cprice TEXT,
         ccost TEXT,
         cfee TEXT,
         cvol TEXT,
         cmargin TEXT,
         net TEXT,
         cost_usd TEXT,
         trades TEXT NOT NULL,
         extra TEXT
     );
     CREATE INDEX trades_by_time ON trades(time);
     CREATE TABLE findings (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         kind TEXT NOT NULL CHECK (kind IN ('duplicate', 'conflict')),
         file TEXT NOT NULL,
         line INTEGER NOT NULL,
         txid TEXT NOT NULL,
         first_file TEXT NOT NULL,
         first_line INTEGER NOT NULL,
         first_txid TEXT NOT NULL,
         identical INTEGER NOT NULL,
         columns TEXT NOT NULL
     );
     CREATE TABLE monthly (
         asset TEXT NOT NULL,
         wallet TEXT NOT NULL,
         type TEXT NOT NULL,
         subtype TEXT NOT NULL,
         month INTEGER NOT NULL,
         count INTEGER NOT NULL,
         amount TEXT NOT NULL,
         fee TEXT NOT NULL,
         PRIMARY KEY (asset, wallet, type, subtype, month)
     ) WITHOUT ROWID;",
    ),
    // 2: ledger rows compact: the values many rows share (type, subtype, asset class and
    // subclass, asset, fee currency; normalised asset and wallet) once in `ledger_kinds` and
    // `ledger_chains`, money as a packed integer (see `money_value`); `ledger` becomes a view
    // with the columns of 1, so readers are unchanged.
    Migration::Sql(
        "CREATE TABLE ledger_chains (
         id INTEGER PRIMARY KEY,
         asset_norm TEXT NOT NULL,
         wallet TEXT NOT NULL,
         UNIQUE (asset_norm, wallet)
     );
     CREATE TABLE ledger_kinds (
         id INTEGER PRIMARY KEY,
         chain INTEGER NOT NULL REFERENCES ledger_chains(id),
         type TEXT NOT NULL,
         subtype TEXT NOT NULL,
         aclass TEXT NOT NULL,
         subclass TEXT NOT NULL,
         asset TEXT NOT NULL,
         fee_currency TEXT NOT NULL,
         UNIQUE (chain, type, subtype, aclass, subclass, asset, fee_currency)
     );
     CREATE TABLE ledger_rows (
         id INTEGER PRIMARY KEY,
         import_id INTEGER NOT NULL REFERENCES imports(id),
         line INTEGER NOT NULL,
         txid TEXT NOT NULL,
         refid TEXT NOT NULL,
         time INTEGER NOT NULL,
         chain INTEGER NOT NULL REFERENCES ledger_chains(id),
         kind INTEGER NOT NULL REFERENCES ledger_kinds(id),
         amount NOT NULL,
         fee NOT NULL,
         balance,
         amount_usd,
         fee_usd,
         balance_usd,
         extra TEXT
     );
     INSERT INTO ledger_chains (asset_norm, wallet)
         SELECT DISTINCT asset_norm, wallet FROM ledger ORDER BY asset_norm, wallet;
     INSERT INTO ledger_kinds (chain, type, subtype, aclass, subclass, asset, fee_currency)
         SELECT DISTINCT c.id, l.type, l.subtype, l.aclass, l.subclass, l.asset, l.fee_currency
         FROM ledger l JOIN ledger_chains c ON c.asset_norm = l.asset_norm AND c.wallet = l.wallet;
     INSERT INTO ledger_rows (id, import_id, line, txid, refid, time, chain, kind, amount, fee,
             balance, amount_usd, fee_usd, balance_usd, extra)
         SELECT l.id, l.import_id, l.line, l.txid, l.refid, l.time, c.id, k.id, l.amount, l.fee,
             l.balance, l.amount_usd, l.fee_usd, l.balance_usd, l.extra
         FROM ledger l
         JOIN ledger_chains c ON c.asset_norm = l.asset_norm AND c.wallet = l.wallet
         JOIN ledger_kinds k ON k.chain = c.id AND k.type = l.type AND k.subtype = l.subtype
             AND k.aclass = l.aclass AND k.subclass = l.subclass AND k.asset = l.asset
             AND k.fee_currency = l.fee_currency;
     DROP TABLE ledger;
     CREATE INDEX ledger_by_time ON ledger_rows(time);
     CREATE INDEX ledger_by_chain ON ledger_rows(chain, time);
     CREATE INDEX ledger_by_refid ON ledger_rows(refid);
     CREATE VIEW ledger AS
         SELECT r.id, r.import_id, r.line, r.txid, r.refid, r.time, k.type, k.subtype, k.aclass,
             k.subclass, k.asset, c.asset_norm, c.wallet, r.amount, r.fee, r.balance,
             r.amount_usd, r.fee_usd, r.balance_usd, k.fee_currency, r.extra, r.chain
         FROM ledger_rows r
         JOIN ledger_kinds k ON k.id = r.kind
         JOIN ledger_chains c ON c.id = r.chain;",
    ),
    // 3: ledger rows in blocks (see the `codec` module): the rows of 2 re-encoded in storage
    // order, then the row table, its view and its indexes dropped.
    Migration::Then(
        "CREATE TABLE ledger_blocks (
             id INTEGER PRIMARY KEY,
             import_id INTEGER NOT NULL REFERENCES imports(id),
             first_id INTEGER NOT NULL UNIQUE,
             rows INTEGER NOT NULL,
             data BLOB NOT NULL
         );",
        rows_into_blocks,
    ),
];

/// Brings the schema of the database on `conn` up to date, one migration per transaction;
/// refuses a database a newer build has migrated further.
pub(super) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let done =
        usize::try_from(version).map_err(|_| StoreError::Corrupt("schema version".to_owned()))?;
    if done > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(
            "schema version newer than this build".to_owned(),
        ));
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn.unchecked_transaction()?;
        match migration {
            Migration::Sql(sql) => tx.execute_batch(sql)?,
            Migration::Then(sql, step) => {
                tx.execute_batch(sql)?;
                step(&tx)?;
            }
        }
        tx.pragma_update(None, "user_version", to_i64(i + 1))?;
        tx.commit()?;
    }
    Ok(())
}

// Migration 3: reading schema 2's row table, to move its rows into blocks.

/// Bits of a packed money integer that hold the scale.
const SCALE_BITS: u32 = 5;

/// How a ledger amount is stored: `mantissa × 32 + scale` as an INTEGER when the mantissa fits
/// (every amount seen: 1 to 8 bytes, nothing to format or parse), else the exact text (and so
/// a negative zero, whose sign an integer would lose). Both read back to the same [`Decimal`],
/// scale included.
#[cfg(test)]
fn money_value(d: Decimal) -> rusqlite::types::Value {
    let packed = i64::try_from(d.mantissa())
        .ok()
        .filter(|_| !(d.is_zero() && d.is_sign_negative()))
        .and_then(|m| m.checked_mul(1 << SCALE_BITS))
        .and_then(|m| m.checked_add(i64::from(d.scale())));
    match packed {
        Some(n) => rusqlite::types::Value::Integer(n),
        None => rusqlite::types::Value::Text(d.to_string()),
    }
}

/// A stored ledger amount ([`money_value`]; TEXT in a workspace from before the packing).
fn optional_money(r: &rusqlite::Row<'_>, i: usize) -> Result<Option<Decimal>, StoreError> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(n) => {
            let scale = u32::try_from(n.rem_euclid(1 << SCALE_BITS)).unwrap_or(u32::MAX);
            Decimal::try_from_i128_with_scale(i128::from(n.div_euclid(1 << SCALE_BITS)), scale)
                .map(Some)
                .map_err(|_| StoreError::Corrupt(format!("amount {n}")))
        }
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map_err(|_| StoreError::Corrupt("amount text".to_owned()))
            .and_then(decimal)
            .map(Some),
        other => Err(StoreError::Corrupt(format!("amount {other:?}"))),
    }
}

/// A stored ledger amount that must be present.
fn money(r: &rusqlite::Row<'_>, i: usize) -> Result<Decimal, StoreError> {
    optional_money(r, i)?.ok_or_else(|| StoreError::Corrupt("missing amount".to_owned()))
}

/// The columns of `ledger` a [`LedgerRow`] is read from, in [`row_from_sql`]'s order.
const LEDGER_COLUMNS: &str = "txid, refid, time, type, subtype, aclass, subclass, \
     asset, wallet, amount, fee, balance, amount_usd, fee_usd, balance_usd, fee_currency";

/// A [`LedgerRow`] from the columns [`LEDGER_COLUMNS`] names, starting at column `at`.
fn row_from_sql(r: &rusqlite::Row<'_>, at: usize) -> Result<LedgerRow, StoreError> {
    let text = |i: usize| -> Result<CompactString, StoreError> {
        Ok(CompactString::from(
            r.get_ref(at + i)?.as_str().map_err(rusqlite::Error::from)?,
        ))
    };
    Ok(LedgerRow {
        txid: text(0)?,
        refid: text(1)?,
        time: timestamp(r.get(at + 2)?)?,
        r#type: text(3)?,
        subtype: text(4)?,
        aclass: text(5)?,
        subclass: text(6)?,
        asset: text(7)?,
        wallet: text(8)?,
        amount: money(r, at + 9)?,
        fee: money(r, at + 10)?,
        balance: optional_money(r, at + 11)?,
        amount_usd: optional_money(r, at + 12)?,
        fee_usd: optional_money(r, at + 13)?,
        balance_usd: optional_money(r, at + 14)?,
        fee_currency: text(15)?,
    })
}

/// Moves the rows of `ledger_rows` into blocks, in storage order (ids renumbered from 1,
/// which nothing stored refers to), with their extra columns by the import's column names;
/// then drops the row table, its view and indexes. The monthly sums stay as they are.
fn rows_into_blocks(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let files: Vec<(i64, LedgersFile)> = ledger_imports(tx)?
        .into_iter()
        .map(|(id, import)| (id, import.empty_file()))
        .collect();
    let file_at: HashMap<i64, usize> = files
        .iter()
        .enumerate()
        .map(|(at, (id, _))| (*id, at))
        .collect();
    let mut writer = RowWriter::new(tx)?;
    let mut stmt = tx.prepare(&format!(
        "SELECT import_id, line, extra, {LEDGER_COLUMNS} FROM ledger ORDER BY id"
    ))?;
    let mut rows = stmt.query([])?;
    // Rows of one import are consecutive: a run is written when the next begins.
    let mut current: Option<usize> = None;
    let mut run: Vec<ImportedLedgerRow> = Vec::new();
    let write = |writer: &mut RowWriter<'_>, at: usize, run: &mut Vec<ImportedLedgerRow>| {
        let (id, file) = &files[at];
        let written = writer.write(file, run.iter(), *id);
        run.clear();
        written
    };
    while let Some(r) = rows.next()? {
        let import: i64 = r.get(0)?;
        let at = *file_at
            .get(&import)
            .ok_or_else(|| StoreError::Corrupt(format!("row of unknown import {import}")))?;
        if current.is_some_and(|c| c != at) {
            write(&mut writer, current.unwrap_or(at), &mut run)?;
        }
        current = Some(at);
        let extra: Option<String> = r.get(2)?;
        let values = match extra {
            None => Vec::new(),
            Some(json) => {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&json)
                        .map_err(|_| StoreError::Corrupt(format!("extra columns {json:?}")))?;
                files[at]
                    .1
                    .extra_columns
                    .iter()
                    .map(|name| {
                        object
                            .get(name)
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .collect()
            }
        };
        run.push(ImportedLedgerRow {
            line: r.get(1)?,
            row: row_from_sql(r, 3)?,
            extra: values,
        });
    }
    if let Some(at) = current {
        write(&mut writer, at, &mut run)?;
    }
    drop(rows);
    drop(stmt);
    writer.finish()?;
    tx.execute_batch("DROP VIEW ledger; DROP TABLE ledger_rows;")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::params;

    use super::*;
    use crate::store::{SourceFile, Workspace};
    use countersign_kraken::Timestamp;

    #[test]
    fn money_packs_and_reads_back_exactly_with_its_scale() {
        let conn = Connection::open_in_memory().expect("db");
        for text in [
            "0",
            "0.0000",
            "-0.0000",
            "1.2345000000",
            "-20691.0093",
            "123456789012.3456789012",
            "7922816251426433759354.3950335",
            "-0.0000000000000000000000000001",
        ] {
            let d = decimal(text).expect("decimal");
            let back: Decimal = conn
                .query_row("SELECT ?1", [money_value(d)], |r| {
                    Ok(money(r, 0).expect("money"))
                })
                .expect("query");
            assert_eq!(back.to_string(), d.to_string(), "{text}");
        }
    }

    /// A workspace of schema 1 (text money, every column on the row) opens with its rows intact.
    #[test]
    fn a_schema_1_workspace_is_migrated() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).expect("db");
            let Migration::Sql(schema_1) = MIGRATIONS[0] else {
                panic!("schema 1 is SQL")
            };
            conn.execute_batch(schema_1).expect("schema 1");
            conn.execute_batch(
                "INSERT INTO imports VALUES (1, 'old.csv', 'ab', 'ledgers', 0, 4095, '[]', 1, 1, 0,
                     0, 0);
                 INSERT INTO ledger VALUES (1, 1, 2, 'LA', 'RA', 17000000000000, 'deposit', '',
                     'currency', 'crypto', 'XXBT', 'BTC', 'spot / main', '1.2500000000', '0',
                     '1.2500000000', NULL, NULL, NULL, '', NULL);
                 INSERT INTO monthly VALUES ('BTC', 'spot / main', 'deposit', '', 1698796800, 1,
                     '1.2500000000', '0');
                 PRAGMA user_version = 1;",
            )
            .expect("rows");
        }
        let ws = Workspace::open(&path).expect("open");
        let page = ws.page(&crate::Filter::default(), 0, 10).expect("page");
        assert_eq!(page.total, 1);
        let row = &page.rows[0].row;
        assert_eq!(
            (row.txid.as_str(), row.asset.as_str(), row.wallet.as_str()),
            ("LA", "XXBT", "spot / main")
        );
        assert_eq!(row.amount.to_string(), "1.2500000000");
        assert_eq!(page.rows[0].asset, "BTC");
        let report = ws.check().expect("check");
        assert!(report.holds());
        assert_eq!(report.chains.len(), 1);
    }

    /// A row of schema 2: id, import, line, txid, refid, time, kind, amount, fee, balance,
    /// extra columns.
    type OldRow<'a> = (
        i64,
        i64,
        u32,
        &'a str,
        &'a str,
        i64,
        i64,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
    );

    /// A row as read back: id, file, line, txid, amount, balance, extra columns.
    type Seen<'a> = (
        i64,
        &'a str,
        u32,
        &'a str,
        String,
        Option<String>,
        Vec<(String, String)>,
    );

    /// A workspace of schema 2 (a row table with packed money) opens with its rows in blocks:
    /// storage order kept (ids renumbered from 1 past a deleted row), money exact with its
    /// scale, extra columns by name, request rows and the chain's wallet as they were.
    #[test]
    fn a_schema_2_workspace_is_migrated_into_blocks() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).expect("db");
            for migration in &MIGRATIONS[..2] {
                let Migration::Sql(sql) = migration else {
                    panic!("schemas 1 and 2 are SQL")
                };
                conn.execute_batch(sql).expect("schema");
            }
            let packed = |text: &str| money_value(decimal(text).expect("decimal"));
            conn.execute_batch(
                "INSERT INTO imports VALUES (1, 'a.csv', 'aa', 'ledgers', 0, 4095, '[\"note\"]',
                     2, 2, 0, 0, 0);
                 INSERT INTO imports VALUES (2, 'b.csv', 'bb', 'ledgers', 0, 4095, '[]', 1, 1, 0,
                     0, 0);
                 INSERT INTO ledger_chains VALUES (1, 'BTC', 'spot / main');
                 INSERT INTO ledger_kinds VALUES (1, 1, 'deposit', '', 'currency', 'crypto',
                     'XXBT', '');
                 INSERT INTO ledger_kinds VALUES (2, 1, 'withdrawal', '', 'currency', 'crypto',
                     'XXBT', '');
                 PRAGMA user_version = 2;",
            )
            .expect("schema 2 records");
            let mut insert = conn
                .prepare(
                    "INSERT INTO ledger_rows (id, import_id, line, txid, refid, time, chain, kind,
                         amount, fee, balance, extra)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11)",
                )
                .expect("insert");
            let rows: [OldRow<'_>; 4] = [
                (
                    1,
                    1,
                    2,
                    "LA",
                    "RA",
                    17_000_000_000_000,
                    1,
                    "1.2500000000",
                    "0",
                    Some("1.2500000000"),
                    Some(r#"{"note":"first"}"#),
                ),
                (
                    2,
                    1,
                    3,
                    "",
                    "RB",
                    17_000_100_000_000,
                    2,
                    "-0.5000000000",
                    "0.0001000000",
                    None,
                    Some(r#"{"note":""}"#),
                ),
                // Id 3 was deleted by an import of schema 2 (a duplicate): ids are renumbered.
                (
                    4,
                    2,
                    2,
                    "LB",
                    "RB",
                    17_000_200_000_000,
                    2,
                    "-0.5000000000",
                    "0.0001000000",
                    Some("0.7499000000"),
                    None,
                ),
                (
                    5,
                    2,
                    3,
                    "LC",
                    "RC",
                    17_000_300_000_000,
                    1,
                    "7922816251426433759354.3950335",
                    "0",
                    Some("7922816251426433759355.144933"),
                    None,
                ),
            ];
            for (id, import, line, txid, refid, time, kind, amount, fee, balance, extra) in rows {
                let amount = if amount.len() > 20 {
                    rusqlite::types::Value::Text(amount.to_owned())
                } else {
                    packed(amount)
                };
                insert
                    .execute(params![
                        id,
                        import,
                        line,
                        txid,
                        refid,
                        time,
                        kind,
                        amount,
                        packed(fee),
                        balance.map(|b| rusqlite::types::Value::Text(b.to_owned())),
                        extra
                    ])
                    .expect("row");
            }
        }
        let ws = Workspace::open(&path).expect("open");
        let tables: i64 = ws
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('ledger', 'ledger_rows')",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        assert_eq!(tables, 0, "the row table and its view are gone");
        let rows = ws
            .page(&crate::Filter::default(), 0, 10)
            .expect("page")
            .rows;
        let seen: Vec<Seen<'_>> = rows
            .iter()
            .map(|r| {
                (
                    r.id,
                    &*r.file,
                    r.line,
                    r.row.txid.as_str(),
                    r.row.amount.to_string(),
                    r.row.balance.map(|b| b.to_string()),
                    r.extra.clone(),
                )
            })
            .collect();
        let note = |v: &str| vec![("note".to_owned(), v.to_owned())];
        assert_eq!(
            seen,
            vec![
                (
                    1,
                    "a.csv",
                    2,
                    "LA",
                    "1.2500000000".to_owned(),
                    Some("1.2500000000".to_owned()),
                    note("first")
                ),
                (
                    2,
                    "a.csv",
                    3,
                    "",
                    "-0.5000000000".to_owned(),
                    None,
                    note("")
                ),
                (
                    3,
                    "b.csv",
                    2,
                    "LB",
                    "-0.5000000000".to_owned(),
                    Some("0.7499000000".to_owned()),
                    vec![]
                ),
                (
                    4,
                    "b.csv",
                    3,
                    "LC",
                    "7922816251426433759354.3950335".to_owned(),
                    Some("7922816251426433759355.144933".to_owned()),
                    vec![]
                ),
            ]
        );
        assert!(
            rows.iter()
                .all(|r| r.row.wallet == "spot / main" && r.asset == "BTC")
        );
        assert_eq!(
            ws.chain_balance_at(
                "BTC",
                "spot / main",
                Timestamp::from_ticks(17_000_250_000_000).expect("time")
            )
            .expect("balance"),
            Some(decimal("0.7499000000").expect("decimal"))
        );
        // A later import appends after the migrated rows.
        let mut ws = ws;
        ws.import(&[SourceFile {
            name: "c.csv",
            bytes: b"txid,refid,time,type,subtype,aclass,subclass,asset,wallet,amount,fee,balance
LD,RD,2030-01-01 00:00:00,deposit,,currency,crypto,XXBT,spot / main,1,0,2
",
        }])
        .expect("import");
        let last = ws
            .page(&crate::Filter::default(), 4, 10)
            .expect("page")
            .rows;
        assert_eq!((last[0].id, last[0].row.txid.as_str()), (5, "LD"));
    }
}
