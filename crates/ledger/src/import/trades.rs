//! Trades rows of a trades export ([`read_trade_rows`]): the 13 columns of the oldest layout
//! required, the others read when present.

use std::sync::Arc;

use super::problem::{ImportError, ImportWarning};
use super::records::{ColumnMap, Input, Part, each_record};
use super::{ImportedTradeRow, TradesFile};
use crate::trades::{TradeRow, TradesColumn, TradesLayout};

pub(super) fn read_trade_rows(
    input: &Input<'_>,
    file: Arc<str>,
    header: Vec<String>,
    reader: csv::Reader<&[u8]>,
    mut warnings: Vec<ImportWarning>,
) -> Result<TradesFile, ImportError> {
    let map = ColumnMap::new(
        input.site,
        &header,
        TradesColumn::from_header,
        TradesLayout::Columns13.columns(),
        TradesColumn::header,
        "trades",
    )?;
    let at = |c| map.index(c);
    use TradesColumn as C;
    let mut rows = Vec::with_capacity(input.capacity);
    each_record(
        input,
        &header,
        map.width,
        reader,
        &mut warnings,
        Part::default(),
        |f| {
            let row = TradeRow {
                txid: f.string(at(C::Txid))?,
                ordertxid: f.string(at(C::Ordertxid))?,
                pair: f.string(at(C::Pair))?,
                aclass: f.string(at(C::Aclass))?,
                subclass: f.string(at(C::Subclass))?,
                time: f.time(at(C::Time))?,
                r#type: f.string(at(C::Type))?,
                ordertype: f.string(at(C::Ordertype))?,
                price: f.decimal(at(C::Price))?,
                cost: f.decimal(at(C::Cost))?,
                fee: f.decimal(at(C::Fee))?,
                vol: f.decimal(at(C::Vol))?,
                margin: f.decimal(at(C::Margin))?,
                misc: f.string(at(C::Misc))?,
                ledgers: f.list(at(C::Ledgers))?,
                postxid: f.string(at(C::Postxid))?,
                posstatus: Some(f.string(at(C::Posstatus))?).filter(|s| !s.is_empty()),
                cprice: f.optional_decimal(at(C::Cprice))?,
                ccost: f.optional_decimal(at(C::Ccost))?,
                cfee: f.optional_decimal(at(C::Cfee))?,
                cvol: f.optional_decimal(at(C::Cvol))?,
                cmargin: f.optional_decimal(at(C::Cmargin))?,
                net: f.optional_decimal(at(C::Net))?,
                cost_usd: f.optional_decimal(at(C::CostUsd))?,
                trades: f.list(at(C::Trades))?,
            };
            rows.push(ImportedTradeRow {
                line: f.line,
                row,
                extra: f.extras(&map.extra)?,
            });
            Ok(())
        },
    )?;
    Ok(TradesFile {
        file,
        layout: TradesLayout::from_headers(&header),
        extra_columns: map.extra.iter().map(|&i| header[i].clone()).collect(),
        rows,
        warnings,
    })
}
