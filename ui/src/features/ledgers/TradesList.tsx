import { useEffect, useState } from "react";
import type { LedgerFilter } from "../../bindings/LedgerFilter";
import type { TradeGroupView } from "../../bindings/TradeGroupView";
import { formatAmount } from "../../lib/money";
import { formatLocal, formatUtc } from "../../lib/time";
import { toHostError, useHost, type HostError } from "../../platform";

/** Trade groups fetched per call (and shown per "Show more"). */
export const TRADES_PAGE = 50;

interface TradesListProps {
  filter: LedgerFilter;
  /** Changes whenever the rows may have changed (an import). */
  version: number;
}

/** What keys a TradesList: a new filter or new data mounts a new one. */
export function tradesKey(filter: LedgerFilter, version: number): string {
  return `${version}|${JSON.stringify(filter)}`;
}

function Trade({ group }: { group: TradeGroupView }) {
  const trade = group.trade;
  const first = group.legs[0];
  return (
    <article className="trade-group" data-testid="trade-group" data-refid={group.refid} aria-label={`Trade ${group.refid}`}>
      <header className="trade-head">
        {trade ? (
          <>
            <span title={`${formatUtc(trade.time_ms / 1000)} (${trade.time})`}>{formatLocal(trade.time_ms / 1000)}</span>
            <strong>
              {trade.side} {formatAmount(trade.vol)} {trade.pair}
            </strong>
            <span className="num">
              at {formatAmount(trade.price)}, cost {formatAmount(trade.cost)}, fee {formatAmount(trade.fee)}
            </span>
            <span className="muted">{trade.ordertype} order</span>
          </>
        ) : (
          <>
            {first && <span title={`${formatUtc(first.time_ms / 1000)} (${first.time})`}>{formatLocal(first.time_ms / 1000)}</span>}
            <strong>Trade</strong>
            <span className="muted" data-testid="trade-without-row">
              its trades export row is not imported: import trades.csv for the pair, price and volume
            </span>
          </>
        )}
        <span className="mono muted trade-refid">{group.refid}</span>
      </header>
      <table className="trade-legs">
        <thead>
          <tr>
            <th>Leg</th>
            <th className="num">Amount</th>
            <th className="num">Fee</th>
            <th className="num">Balance</th>
            <th>File</th>
          </tr>
        </thead>
        <tbody>
          {group.legs.map((leg) => (
            <tr key={leg.id} data-testid="trade-leg">
              <td className="mono" title={`${leg.type}${leg.subtype ? ` / ${leg.subtype}` : ""}`}>
                {leg.txid}
              </td>
              <td className="num">
                {formatAmount(leg.amount)} <span className="asset">{leg.asset}</span>
              </td>
              <td className="num">
                {formatAmount(leg.fee)} <span className="asset">{leg.asset}</span>
              </td>
              <td className="num">
                {leg.balance === null ? <span className="muted">request</span> : <>{formatAmount(leg.balance)} <span className="asset">{leg.asset}</span></>}
              </td>
              <td className="muted" title={`${leg.file} line ${leg.line}`}>
                {leg.file.split(/[\\/]/).pop()}:{leg.line}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="trade-fees" data-testid="trade-fees">
        {group.fees.length === 0
          ? "No fee on these legs."
          : `Fees: ${group.fees.map((f) => `${formatAmount(f.fee)} ${f.asset}`).join(", ")}`}
      </p>
    </article>
  );
}

/**
 * The trades among the filtered rows, each with its ledger legs (the rows sharing its refid) and
 * their fees, and the trades export's row when it was imported. Fetched a page at a time.
 */
export function TradesList({ filter, version }: TradesListProps) {
  const host = useHost();
  const [groups, setGroups] = useState<TradeGroupView[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<HostError | null>(null);
  const [loading, setLoading] = useState(true);

  // The parent keys this component by filter and data version, so a new query starts afresh.
  useEffect(() => {
    let live = true;
    host.ledgerTrades(filter, 0, TRADES_PAGE).then(
      (page) => {
        if (!live) return;
        setGroups(page.groups);
        setTotal(page.total);
        setLoading(false);
      },
      (reason: unknown) => {
        if (!live) return;
        setError(toHostError(reason));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [host, filter, version]);

  const more = () => {
    setLoading(true);
    host.ledgerTrades(filter, groups.length, TRADES_PAGE).then(
      (page) => {
        setGroups((old) => [...old, ...page.groups]);
        setTotal(page.total);
        setLoading(false);
      },
      (reason: unknown) => {
        setError(toHostError(reason));
        setLoading(false);
      },
    );
  };
  return (
    <section className="ledger-trades" aria-label="Trades with their legs" data-testid="ledger-trades">
      {error && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      {total === 0 && (
        <p className="muted" data-testid="trades-empty">
          No trade among these rows. Trades show here with their ledger legs and fees once a ledgers export holding trade rows is imported; import the
          trades export as well for each trade's pair, price and volume.
        </p>
      )}
      {total !== null && total > 0 && (
        <p className="muted" data-testid="trades-count">
          {total.toLocaleString()} {total === 1 ? "trade" : "trades"}, showing {groups.length.toLocaleString()}
        </p>
      )}
      {groups.map((g) => (
        <Trade key={g.refid} group={g} />
      ))}
      {loading && (
        <p className="muted" aria-busy="true">
          Loading trades…
        </p>
      )}
      {total !== null && groups.length < total && !loading && (
        <button type="button" onClick={more} data-testid="trades-more">
          Show {Math.min(TRADES_PAGE, total - groups.length)} more
        </button>
      )}
    </section>
  );
}
