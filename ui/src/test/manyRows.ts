import type { IntegrityView } from "../bindings/IntegrityView";
import type { LedgerRowView } from "../bindings/LedgerRowView";
import type { Host } from "../platform/host";

/**
 * `host` with a workspace of `count` rows for the Ledgers table: what no recording can hold (a
 * million rows). Each row is a copy of `template` — a row the core returned — with its id, line,
 * txid and time moved on, so the table has a real row's shape and the page's contract
 * (`rows`, `total`) without a ledger engine: nothing here filters or totals.
 */
export function withRows<H extends Host>(host: H, count: number, template: LedgerRowView): H {
  const row = (i: number): LedgerRowView => ({
    ...template,
    id: i + 1,
    line: i + 2,
    txid: `L${String(i).padStart(5, "0")}-SYNTH-ROWS00`,
    time_ms: template.time_ms + i * 1000,
  });
  const report: IntegrityView = { holds: true, rows: count, chains: [], breaks: [], duplicates: [], conflicts: [], unpaired_requests: [], flagged: [] };
  return {
    ...host,
    ledgerReport: () => Promise.resolve(report),
    ledgerPage: (_filter, offset, limit) => {
      const end = Math.min(count, offset + limit);
      return Promise.resolve({ rows: Array.from({ length: Math.max(0, end - offset) }, (_, k) => row(offset + k)), total: count });
    },
    ledgerTotals: () => Promise.resolve([]),
    ledgerFacets: () => Promise.resolve({ assets: [template.asset], types: [template.type], subtypes: [], wallets: [template.wallet] }),
  };
}
