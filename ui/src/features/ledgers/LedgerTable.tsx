import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { LedgerFilter } from "../../bindings/LedgerFilter";
import type { LedgerRowView } from "../../bindings/LedgerRowView";
import type { RowRefView } from "../../bindings/RowRefView";
import { formatAmount } from "../../lib/money";
import { formatLocal, formatUtc } from "../../lib/time";
import { toHostError, useHost, type HostError } from "../../platform";

/** Rows fetched per call. */
export const PAGE_SIZE = 200;
const ROW_HEIGHT = 26;
/** Pages kept in memory; the farthest from the visible rows go first. */
const MAX_PAGES = 40;

/** A row to bring into view and mark: its position among the filtered rows and what it is. */
export interface LedgerTarget {
  offset: number;
  row: RowRefView;
}

interface LedgerTableProps {
  filter: LedgerFilter;
  /** Changes whenever the rows may have changed (an import). */
  version: number;
  target: LedgerTarget | null;
  onTotal: (total: number | null) => void;
  onError: (error: HostError | null) => void;
}

function isTarget(row: LedgerRowView, target: LedgerTarget | null): boolean {
  if (target === null) return false;
  if (target.row.txid !== "") return row.txid === target.row.txid;
  return row.file === target.row.file && row.line === target.row.line;
}

/**
 * The filtered rows as a virtualized table: only the rows in view (and a few around them) are in
 * the DOM, and they are fetched in pages of 200 by offset as they come into view, so a workspace
 * of a million rows scrolls as smoothly as one of ten. Focusable; `j` / `k` move the selection.
 */
export function LedgerTable({ filter, version, target, onTotal, onError }: LedgerTableProps) {
  const host = useHost();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [total, setTotal] = useState(0);
  const [pages, setPages] = useState<ReadonlyMap<number, LedgerRowView[]>>(new Map());
  const [selected, setSelected] = useState<number | null>(null);
  const inFlight = useRef(new Set<number>());
  // Bumped on every filter or data change, so answers to an older query are dropped.
  const generation = useRef(0);

  const load = useCallback(
    (page: number, gen: number) => {
      if (inFlight.current.has(page)) return;
      inFlight.current.add(page);
      host.ledgerPage(filter, page * PAGE_SIZE, PAGE_SIZE).then(
        (result) => {
          if (gen !== generation.current) return;
          inFlight.current.delete(page);
          setTotal(result.total);
          onTotal(result.total);
          onError(null);
          setPages((old) => {
            const next = new Map(old);
            next.set(page, result.rows);
            if (next.size > MAX_PAGES) {
              const far = [...next.keys()].sort((a, b) => Math.abs(b - page) - Math.abs(a - page));
              for (const key of far.slice(0, next.size - MAX_PAGES)) next.delete(key);
            }
            return next;
          });
        },
        (reason: unknown) => {
          if (gen !== generation.current) return;
          inFlight.current.delete(page);
          onTotal(null);
          onError(toHostError(reason));
        },
      );
    },
    [host, filter, onTotal, onError],
  );

  // A new filter or new data: start again from the first page.
  useEffect(() => {
    generation.current += 1;
    inFlight.current = new Set();
    setPages(new Map());
    setSelected(null);
    load(0, generation.current);
  }, [load, version]);

  // The app is not built with the React Compiler; the virtualizer re-renders this component itself.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index;
  const last = items[items.length - 1]?.index;

  // Fetch the pages of the rows in view.
  useEffect(() => {
    if (first === undefined || last === undefined) return;
    for (let page = Math.floor(first / PAGE_SIZE); page <= Math.floor(last / PAGE_SIZE); page++) {
      if (!pages.has(page)) load(page, generation.current);
    }
  }, [first, last, pages, load]);

  // Bring a finding's row into view and select it.
  useEffect(() => {
    if (target === null || total === 0) return;
    setSelected(target.offset);
    virtualizer.scrollToIndex(target.offset, { align: "center" });
    // The virtualizer is a new object each render; only a new target (or its rows) moves the view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [target, total]);

  const rowAt = (index: number): LedgerRowView | undefined => pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.ctrlKey || event.metaKey || event.altKey || total === 0) return;
    const step = event.key === "j" || event.key === "ArrowDown" ? 1 : event.key === "k" || event.key === "ArrowUp" ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const next = Math.min(total - 1, Math.max(0, (selected ?? -1) + step));
    setSelected(next);
    virtualizer.scrollToIndex(next);
  }

  return (
    <div className="ledger-table" role="table" aria-label="Ledger rows" aria-rowcount={total}>
      <div className="ledger-head" role="row">
        <span role="columnheader">Time</span>
        <span role="columnheader">Type</span>
        <span role="columnheader">Asset</span>
        <span role="columnheader" className="num">
          Amount
        </span>
        <span role="columnheader" className="num">
          Fee
        </span>
        <span role="columnheader" className="num">
          Balance
        </span>
        <span role="columnheader">Refid / txid</span>
        <span role="columnheader">File</span>
      </div>
      <div
        ref={scrollRef}
        className="ledger-scroll"
        tabIndex={0}
        data-testid="ledger-scroll"
        aria-label="Ledger rows: j and k move"
        onKeyDown={onKeyDown}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const row = rowAt(item.index);
            const style = { transform: `translateY(${item.start}px)`, height: ROW_HEIGHT };
            if (!row) {
              return (
                <div key={item.key} className="ledger-row loading" role="row" style={style} aria-rowindex={item.index + 1}>
                  <span role="cell">…</span>
                </div>
              );
            }
            const highlighted = isTarget(row, target);
            return (
              <div
                key={item.key}
                role="row"
                data-testid="ledger-row"
                data-row-id={row.id}
                data-highlighted={highlighted || undefined}
                aria-rowindex={item.index + 1}
                aria-selected={selected === item.index}
                className={`ledger-row${highlighted ? " highlighted" : ""}${selected === item.index ? " selected" : ""}`}
                style={style}
                onClick={() => setSelected(item.index)}
              >
                <span role="cell" title={`${formatUtc(row.time_ms / 1000)} (${row.time})`}>
                  {formatLocal(row.time_ms / 1000)}
                </span>
                <span role="cell">
                  {row.type}
                  {row.subtype && <span className="muted"> / {row.subtype}</span>}
                </span>
                <span role="cell" title={row.asset_as_spelled !== row.asset ? `as exported: ${row.asset_as_spelled}` : undefined}>
                  {row.asset}
                  {row.wallet !== "spot / main" && <span className="muted"> · {row.wallet}</span>}
                </span>
                <span role="cell" className="num">
                  {formatAmount(row.amount)} <span className="asset">{row.asset}</span>
                </span>
                <span role="cell" className="num">
                  {formatAmount(row.fee)} <span className="asset">{row.asset}</span>
                </span>
                <span role="cell" className="num">
                  {row.balance === null ? (
                    <span className="muted" title="A request row: it moves no balance">
                      request
                    </span>
                  ) : (
                    <>
                      {formatAmount(row.balance)} <span className="asset">{row.asset}</span>
                    </>
                  )}
                </span>
                <span role="cell" className="mono" title={row.txid === "" ? row.refid : `${row.refid} / ${row.txid}`}>
                  {row.refid}
                </span>
                <span role="cell" className="muted" title={`${row.file} line ${row.line}`}>
                  {row.file.split(/[\\/]/).pop()}:{row.line}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
