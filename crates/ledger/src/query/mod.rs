//! Reviewing a [`Workspace`](crate::Workspace): a [`Filter`] of rows, a page of them, totals, balances, trades with
//! their ledger legs, and exports.
//!
//! # Dates
//!
//! [`DateRange::parse`] turns what a person types into a half-open UTC range `[from, to)`,
//! relative to a `now` the caller passes (there is no hidden clock):
//! - `2025-01-31` (that day), `2025-01` (that month), `2024` (that year), `q1 2025` / `2025 q1`
//!   / `q1` (a quarter; of `now`'s year when no year is given);
//! - an instant, `2025-01-31T12:00:00Z` or `2025-01-31 12:00:00`: the range holds just that
//!   instant (`to` is one tick later), so `--to` that instant includes it;
//! - `today`, `yesterday`, `this week`, `last week` (weeks start on Monday), `this month`,
//!   `last month`, `this year`, `last year`;
//! - `last N days`: N whole days ending with today (today included);
//! - `ytd`: from the first of January of `now`'s year to `now`.
//!
//! A filter's `from` is a range's `from` and its `to` a range's `to`, so `--from 2025-01 --to
//! 2025-03` covers January to March.
//!
//! # Totals
//!
//! Request rows (no `txid`) move no balance and are left out of totals and balances; pages and
//! exports show them. Totals over whole months without a `refid` or text filter are added up
//! from the monthly sums the import stored; the rows of partial months at either end of the range
//! (or all rows, with a `refid` or text filter) are read and summed exactly in Rust.
//!
//! # Balances and assertions
//!
//! A chain's balance at an instant is the balance after its last settled row at or before it
//! (within that row's second, the row that ends the chain's path through the balances, as the
//! check orders them); before its first row, the chain's opening balance. [`Workspace::
//! balance_assertions`] writes them as CSV, `date,asset,wallet,balance`: the balance at the end of
//! `date` (UTC), one line per chain and period end, a plain format any spreadsheet or script can
//! compare against.

//!
//! # Modules
//!
//! `dates` reads what people type; `select` resolves a [`Filter`] against the stored rows, which
//! `rows` (pages, trades, exports), `totals` and `balances` walk.

mod balances;
mod dates;
mod rows;
mod select;
mod totals;

use countersign_kraken::Timestamp;

use crate::asset;

pub use balances::{Balance, BalanceAssertions, SeriesPoint};
pub use dates::{Bucket, DateError, DateRange, month_ends};
pub use rows::{Page, StoredRow, TradeGroup};
pub use totals::{Dimension, TotalRow};

/// Which rows to look at; every part that is set must hold (lists: any of their values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Rows at or after this instant.
    pub from: Option<Timestamp>,
    /// Rows before this instant.
    pub to: Option<Timestamp>,
    /// Assets in any spelling (`XXBT`, `XBT` and `BTC` all select bitcoin); a suffixed code
    /// selects that balance only (`DOT.S`).
    pub assets: Vec<String>,
    pub types: Vec<String>,
    pub subtypes: Vec<String>,
    pub wallets: Vec<String>,
    pub refid: Option<String>,
    /// Substring of txid, refid, type, subtype, asset (as spelled or normalised), wallet or an
    /// extra column's value, ignoring ASCII case.
    pub text: Option<String>,
}

impl Filter {
    /// Whether only columns the monthly sums are keyed by are restricted.
    fn by_keys_only(&self) -> bool {
        self.refid.is_none() && self.text.as_deref().is_none_or(str::is_empty)
    }

    /// Its assets normalised (`XXBT` → `BTC`), as chains are keyed.
    fn normalized_assets(&self) -> Vec<String> {
        self.assets
            .iter()
            .map(|a| asset::normalize(a).normalized())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::store::{SourceFile, Workspace};

    /// A ledgers export in the current layout: BTC and EUR chains, two rows in one second, a
    /// trade (two legs and a fee) and a request row.
    const LEDGERS: &str = "\"txid\",\"refid\",\"time\",\"type\",\"subtype\",\"aclass\",\"subclass\",\"asset\",\"wallet\",\"amount\",\"fee\",\"balance\"
\"L1\",\"D1\",\"2025-01-02 09:00:00\",\"deposit\",\"\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",1000.00,0.00,1000.00
\"L2\",\"T1\",\"2025-01-05 10:00:00\",\"trade\",\"tradespot\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",-500.00,1.50,498.50
\"L3\",\"T1\",\"2025-01-05 10:00:00\",\"trade\",\"tradespot\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",0.0100000000,0.0000000000,0.0100000000
\"\",\"W1\",\"2025-02-01 08:00:00\",\"withdrawal\",\"\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",-0.0050000000,0.0000000000,
\"L4\",\"W1\",\"2025-02-01 08:00:05\",\"withdrawal\",\"\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",-0.0050000000,0.0000000000,0.0050000000
\"L5\",\"T2\",\"2025-02-10 12:00:00\",\"trade\",\"tradespot\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",-100.00,0.30,398.20
\"L6\",\"T2\",\"2025-02-10 12:00:00\",\"trade\",\"tradespot\",\"currency\",\"crypto\",\"XXBT\",\"spot / main\",0.0020000000,0.0000000000,0.0070000000
\"L7\",\"D2\",\"2025-03-03 09:00:00\",\"deposit\",\"\",\"currency\",\"fiat\",\"ZEUR\",\"spot / main\",50.00,0.00,448.20
";

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ws = Workspace::open(dir.path().join("ws.sqlite")).expect("open");
        ws.import(&[SourceFile {
            name: "ledgers.csv",
            bytes: LEDGERS.as_bytes(),
        }])
        .expect("import");
        (dir, ws)
    }

    fn all(ws: &Workspace, filter: &Filter) -> Vec<StoredRow> {
        ws.page(filter, 0, usize::MAX).expect("page").rows
    }

    #[test]
    fn position_is_the_rows_place_in_the_page_order() {
        let (_dir, ws) = workspace();
        let btc = Filter {
            assets: vec!["BTC".to_owned()],
            ..Filter::default()
        };
        let trades = Filter {
            types: vec!["trade".to_owned()],
            ..Filter::default()
        };
        for filter in [Filter::default(), btc.clone(), trades] {
            for (i, row) in all(&ws, &filter).iter().enumerate() {
                assert_eq!(ws.position(&filter, row.id).expect("position"), Some(i));
            }
        }
        // A row the filter leaves out, and an id that is no row.
        let eur = all(&ws, &Filter::default())
            .into_iter()
            .find(|r| r.asset == "EUR")
            .expect("an EUR row");
        assert_eq!(ws.position(&btc, eur.id).expect("position"), None);
        assert_eq!(
            ws.position(&Filter::default(), 999_999).expect("position"),
            None
        );
    }

    #[test]
    fn find_row_by_file_and_line_or_by_txid() {
        let (_dir, ws) = workspace();
        let rows = all(&ws, &Filter::default());
        let l3 = rows.iter().find(|r| r.row.txid == "L3").expect("L3");
        assert_eq!(l3.line, 4);
        assert_eq!(
            ws.find_row("ledgers.csv", 4, "L3").expect("find"),
            Some(l3.id)
        );
        // Another file's line with this txid (a duplicate's): the row stored under the txid.
        assert_eq!(
            ws.find_row("other.csv", 9, "L3").expect("find"),
            Some(l3.id)
        );
        assert_eq!(ws.find_row("ledgers.csv", 5, "").expect("find"), None);
        assert_eq!(ws.find_row("ledgers.csv", 2, "LX").expect("find"), None);
    }

    #[test]
    fn trade_groups_page_through_trades_with_legs() {
        let (_dir, ws) = workspace();
        for filter in [
            Filter::default(),
            Filter {
                assets: vec!["XBT".to_owned()],
                ..Filter::default()
            },
            Filter {
                from: Some(Timestamp::parse_csv("2025-02-01 00:00:00").expect("time")),
                ..Filter::default()
            },
        ] {
            let whole = ws.trades_with_legs(&filter).expect("trades");
            let refids = ws.trade_refids(&filter).expect("refids");
            assert_eq!(
                refids,
                whole.iter().map(|g| g.refid.clone()).collect::<Vec<_>>()
            );
            for (start, len) in [(0, 1), (1, 5), (0, 10)] {
                let end = (start + len).min(refids.len());
                let page = ws
                    .trade_groups(&filter, &refids[start.min(end)..end])
                    .expect("groups");
                assert_eq!(page, whole[start.min(end)..end]);
            }
        }
        let groups = ws
            .trade_groups(&Filter::default(), &["T1".to_owned()])
            .expect("groups");
        assert_eq!(groups[0].legs.len(), 2);
        assert_eq!(groups[0].fees, [("EUR".to_owned(), Decimal::new(150, 2))]);
    }

    #[test]
    fn monthly_assertions_cover_the_filtered_chains() {
        let (_dir, ws) = workspace();
        let all = ws
            .monthly_assertions(&Filter::default())
            .expect("assertions");
        assert_eq!(
            all.csv,
            "date,asset,wallet,balance
2025-01-31,BTC,spot / main,0.0100000000
2025-01-31,EUR,spot / main,498.50
2025-02-28,BTC,spot / main,0.0070000000
2025-02-28,EUR,spot / main,398.20
2025-03-31,BTC,spot / main,0.0070000000
2025-03-31,EUR,spot / main,448.20
"
        );
        assert_eq!((all.lines, all.ends.len()), (6, 3));
        // The asset filter narrows the chains; a date range sets the period ends.
        let btc_feb = Filter {
            assets: vec!["XXBT".to_owned()],
            types: vec!["deposit".to_owned()],
            ..Filter::default()
        };
        let range = DateRange::parse("2025-02", Timestamp::UNIX_EPOCH).expect("range");
        let btc_feb = Filter {
            from: Some(range.from),
            to: Some(range.to),
            ..btc_feb
        };
        let some = ws.monthly_assertions(&btc_feb).expect("assertions");
        assert_eq!(
            some.csv,
            "date,asset,wallet,balance\n2025-02-28,BTC,spot / main,0.0070000000\n"
        );
        let none = Filter {
            assets: vec!["ETH".to_owned()],
            ..Filter::default()
        };
        assert_eq!(ws.monthly_assertions(&none).expect("assertions").lines, 0);
    }
}
