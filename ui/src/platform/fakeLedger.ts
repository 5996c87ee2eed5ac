import type { BreakView } from "../bindings/BreakView";
import type { ChainView } from "../bindings/ChainView";
import type { FindingView } from "../bindings/FindingView";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { IntegrityView } from "../bindings/IntegrityView";
import type { LedgerFilter } from "../bindings/LedgerFilter";
import type { LedgerRowView } from "../bindings/LedgerRowView";
import type { RowRefView } from "../bindings/RowRefView";
import type { SeriesBucket } from "../bindings/SeriesBucket";
import type { SeriesPointView } from "../bindings/SeriesPointView";
import type { TotalView } from "../bindings/TotalView";
import { addDecimal, compareDecimal, subtractDecimal } from "../lib/money";
import { HostError, type Host } from "./host";

/**
 * The fake host's ledger review workspace: a small demo export (two chains, one of them broken by
 * a missing row, a duplicated txid and an unpaired withdrawal request), or a synthetic workspace
 * of any size whose rows are made from their position, so the table can be tried at 1,000,000 rows.
 */

/** What the fake workspace holds at start. */
export type FakeLedgerData = "demo" | "empty" | { rows: number };

export type FakeLedgerHost = Pick<
  Host,
  | "ledgerImport"
  | "onLedgerImportProgress"
  | "onFilesDropped"
  | "ledgerReport"
  | "ledgerPage"
  | "ledgerLocate"
  | "ledgerTotals"
  | "ledgerSeries"
  | "ledgerFacets"
> & {
  /** As if files were dropped on the window. */
  simulateDrop(paths: string[]): void;
};

export const DEMO_FILE = "demo-ledgers.csv";
const WALLET = "spot / main";
const DAY = 86_400;
/** 2025-01-02 09:00:00 UTC. */
const T0 = 1_735_808_400;

interface Entry {
  day: number;
  type: string;
  subtype?: string;
  asset: string;
  amount: string;
  fee?: string;
  refid?: string;
  /** In the exchange's books but missing from the file: its movement breaks the chain. */
  missing?: true;
  /** Written twice in the file (same txid). */
  twice?: true;
  /** A withdrawal request row (no txid, no balance). */
  request?: true;
}

const DEMO: Entry[] = [
  { day: 0, type: "deposit", asset: "EUR", amount: "25000.00" },
  { day: 1, type: "trade", subtype: "tradespot", asset: "EUR", amount: "-9000.00", fee: "14.40", refid: "TQ3B7X-AAAAA-000001" },
  { day: 1, type: "trade", subtype: "tradespot", asset: "BTC", amount: "0.1000000000", refid: "TQ3B7X-AAAAA-000001" },
  { day: 9, type: "withdrawal", asset: "EUR", amount: "-2500.00", fee: "0.09" },
  { day: 20, type: "deposit", asset: "BTC", amount: "0.0500000000", twice: true },
  { day: 31, type: "deposit", asset: "EUR", amount: "4000.00", missing: true },
  { day: 33, type: "trade", subtype: "tradespot", asset: "EUR", amount: "-6000.00", fee: "9.60", refid: "TQ3B7X-AAAAA-000002" },
  { day: 33, type: "trade", subtype: "tradespot", asset: "BTC", amount: "0.0700000000", refid: "TQ3B7X-AAAAA-000002" },
  { day: 40, type: "staking", asset: "BTC", amount: "0.0001200000" },
  { day: 45, type: "withdrawal", asset: "BTC", amount: "-0.0500000000", fee: "0.0000500000", refid: "AGBREQ-PAIRED-0001", request: true },
  { day: 45, type: "withdrawal", asset: "BTC", amount: "-0.0500000000", fee: "0.0000500000", refid: "AGBREQ-PAIRED-0001" },
  { day: 52, type: "deposit", asset: "EUR", amount: "1200.00" },
  { day: 60, type: "withdrawal", asset: "EUR", amount: "-800.00", fee: "0.09", refid: "AGBREQ-UNPAID-0002", request: true },
  { day: 63, type: "spend", subtype: "dustsweeping", asset: "EUR", amount: "-0.12" },
  { day: 70, type: "earn", subtype: "migration", asset: "BTC", amount: "0.0000300000" },
];

const csvTime = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ");

function txidOf(n: number): string {
  return `L${String(n).padStart(5, "0")}-DEMO-${(n * 7919).toString(36).toUpperCase().padStart(6, "0")}`;
}

/** The demo file's stored rows and its duplicate rows. */
function demoRows(): { rows: LedgerRowView[]; duplicates: FindingView[] } {
  const balances = new Map<string, string>();
  const rows: LedgerRowView[] = [];
  const duplicates: FindingView[] = [];
  let line = 1;
  DEMO.forEach((entry, i) => {
    const time = T0 + entry.day * DAY + i * 37;
    const fee = entry.fee ?? "0";
    const before = balances.get(entry.asset) ?? "0";
    const balance = entry.request ? null : subtractDecimal(addDecimal(before, entry.amount), fee);
    if (balance !== null) balances.set(entry.asset, balance);
    if (entry.missing) return;
    line += 1;
    const row: LedgerRowView = {
      id: rows.length + 1,
      file: DEMO_FILE,
      line,
      txid: entry.request ? "" : txidOf(i + 1),
      refid: entry.refid ?? `R${String(i + 1).padStart(5, "0")}-DEMO`,
      time_ms: time * 1000,
      time: csvTime(time),
      type: entry.type,
      subtype: entry.subtype ?? "",
      asset: entry.asset,
      asset_as_spelled: entry.asset === "BTC" ? "XXBT" : `Z${entry.asset}`,
      wallet: WALLET,
      amount: entry.amount,
      fee,
      balance,
    };
    rows.push(row);
    if (entry.twice) {
      line += 1;
      duplicates.push({
        row: { file: DEMO_FILE, line, txid: row.txid },
        first: { file: DEMO_FILE, line: row.line, txid: row.txid },
        refid: null,
        message: `${DEMO_FILE} line ${line} (${row.txid}): the txid of line ${row.line} again, identical; the first is kept`,
      });
    }
  });
  return { rows, duplicates };
}

const SYNTHETIC_ASSETS = ["BTC", "EUR", "ETH"] as const;
const SYNTHETIC_TYPES = ["deposit", "trade", "staking", "withdrawal"] as const;

/** Row `i` of a synthetic workspace: one unit per row into one of three chains, a minute apart. */
function syntheticRow(i: number): LedgerRowView {
  const asset = SYNTHETIC_ASSETS[i % 3] ?? "BTC";
  const time = T0 + i * 60;
  const units = Math.floor(i / 3) + 1;
  return {
    id: i + 1,
    file: "synthetic-ledgers.csv",
    line: i + 2,
    txid: `LSYN${String(i).padStart(7, "0")}`,
    refid: `RSYN${String(i).padStart(7, "0")}`,
    time_ms: time * 1000,
    time: csvTime(time),
    type: SYNTHETIC_TYPES[i % 4] ?? "deposit",
    subtype: "",
    asset,
    asset_as_spelled: asset,
    wallet: WALLET,
    amount: "1.0000",
    fee: "0",
    balance: `${units}.0000`,
  };
}

function emptyFilter(filter: LedgerFilter): boolean {
  return (
    !filter.date?.trim() &&
    filter.assets.length === 0 &&
    filter.types.length === 0 &&
    filter.subtypes.length === 0 &&
    filter.wallets.length === 0 &&
    !filter.refid?.trim() &&
    !filter.text?.trim()
  );
}

/** The fake's reading of a date range: a year, a month or a day (the core reads many more forms). */
function dateRange(text: string): [number, number] {
  const t = text.trim();
  let m;
  if ((m = /^(\d{4})$/.exec(t))) return [Date.UTC(+m[1]!, 0, 1), Date.UTC(+m[1]! + 1, 0, 1)];
  if ((m = /^(\d{4})-(\d{2})$/.exec(t))) return [Date.UTC(+m[1]!, +m[2]! - 1, 1), Date.UTC(+m[1]!, +m[2]!, 1)];
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
    const from = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!);
    return [from, from + DAY * 1000];
  }
  throw new HostError(
    "invalid_input",
    `"${t}" is not a date: use 2025-01-31, 2025-01, 2025, q1 2025, 2025-01-31T12:00:00Z, today, yesterday, this/last week, this/last month, this/last year, last 7 days or ytd`,
  );
}

function predicate(filter: LedgerFilter): (row: LedgerRowView) => boolean {
  const range = filter.date?.trim() ? dateRange(filter.date) : null;
  const text = filter.text?.trim().toLowerCase() ?? "";
  const refid = filter.refid?.trim() ?? "";
  return (row) =>
    (range === null || (row.time_ms >= range[0] && row.time_ms < range[1])) &&
    (filter.assets.length === 0 || filter.assets.includes(row.asset) || filter.assets.includes(row.asset_as_spelled)) &&
    (filter.types.length === 0 || filter.types.includes(row.type)) &&
    (filter.subtypes.length === 0 || filter.subtypes.includes(row.subtype)) &&
    (filter.wallets.length === 0 || filter.wallets.includes(row.wallet)) &&
    (refid === "" || row.refid === refid) &&
    (text === "" ||
      [row.txid, row.refid, row.type, row.subtype, row.asset, row.wallet].some((v) => v.toLowerCase().includes(text)));
}

const ref = (row: LedgerRowView): RowRefView => ({ file: row.file, line: row.line, txid: row.txid });

function periodEnd(bucket: SeriesBucket, seconds: number): number {
  const d = new Date(seconds * 1000);
  if (bucket === "month") return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  const day = Math.floor(seconds / DAY);
  if (bucket === "day") return (day + 1) * DAY;
  // Weeks start on Monday; 1970-01-01 was a Thursday.
  return (day - ((day + 3) % 7) + 7) * DAY;
}

export function createFakeLedger(data: FakeLedgerData, settle: <T>(work: () => T) => Promise<T>): FakeLedgerHost {
  let demo = data === "demo" ? demoRows() : null;
  const synthetic = typeof data === "object" ? data.rows : 0;
  const progressListeners = new Set<(p: ImportProgress) => void>();
  const dropListeners = new Set<(paths: string[]) => void>();

  const count = () => (demo ? demo.rows.length : synthetic);
  const rowAt = (i: number): LedgerRowView => (demo ? demo.rows[i]! : syntheticRow(i));
  const all = (): LedgerRowView[] => Array.from({ length: count() }, (_, i) => rowAt(i));
  const selected = (filter: LedgerFilter): LedgerRowView[] => all().filter(predicate(filter));
  const settled = (filter: LedgerFilter) => selected(filter).filter((r) => r.txid !== "");

  function report(): IntegrityView {
    if (!demo) {
      return { holds: true, rows: synthetic, chains: [], breaks: [], duplicates: [], conflicts: [], unpaired_requests: [], flagged: [] };
    }
    const chains: ChainView[] = [];
    const breaks: BreakView[] = [];
    const byAsset = new Map<string, LedgerRowView[]>();
    for (const row of demo.rows) {
      if (row.txid === "" || row.balance === null) continue;
      byAsset.set(row.asset, [...(byAsset.get(row.asset) ?? []), row]);
    }
    for (const [asset, rows] of [...byAsset].sort(([a], [b]) => a.localeCompare(b))) {
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      chains.push({
        asset,
        wallet: WALLET,
        rows: rows.length,
        opening: addDecimal(subtractDecimal(first.balance!, first.amount), first.fee),
        closing: last.balance!,
        from: first.time_ms / 1000,
        to: last.time_ms / 1000,
      });
      rows.forEach((row, i) => {
        const previous = rows[i - 1];
        if (!previous) return;
        const expected = subtractDecimal(addDecimal(previous.balance!, row.amount), row.fee);
        if (compareDecimal(expected, row.balance!) === 0) return;
        const gap = subtractDecimal(row.balance!, expected);
        breaks.push({
          asset,
          wallet: WALLET,
          previous: ref(previous),
          row: ref(row),
          expected,
          found: row.balance!,
          gap,
          message: `${row.file} line ${row.line} (${row.txid}): ${asset} / ${WALLET} balance is ${row.balance} where ${expected} was expected: a movement of ${gap} ${asset} is missing between line ${previous.line} and line ${row.line}`,
        });
      });
    }
    const paid = new Set(demo.rows.filter((r) => r.txid !== "").map((r) => r.refid));
    const unpaired_requests: FindingView[] = demo.rows
      .filter((r) => r.txid === "" && !paid.has(r.refid))
      .map((r) => ({
        row: ref(r),
        first: null,
        refid: r.refid,
        message: `${r.file} line ${r.line} (request) ${r.refid} ${r.amount} ${r.asset}: requested, not settled in these files`,
      }));
    const earn = demo.rows.find((r) => r.subtype === "migration");
    return {
      holds: breaks.length === 0 && demo.duplicates.length === 0,
      rows: demo.rows.length,
      chains,
      breaks,
      duplicates: demo.duplicates,
      conflicts: [],
      unpaired_requests,
      flagged: earn ? [{ column: "subtype", value: "migration", rows: 1, first: ref(earn) }] : [],
    };
  }

  return {
    ledgerImport: (paths) =>
      settle(() => {
        if (paths.length === 0) throw new HostError("invalid_input", "No file to import: drop ledgers or trades exports (.csv or .zip), or give their paths.");
        const bad = paths.find((p) => p.includes("bad"));
        if (bad !== undefined) {
          return {
            files: [],
            added: 0,
            total_rows: count(),
            failure: { file: bad, line: 2, column: "amount", message: `${bad} line 2, column "amount": "15O.0000" is not a decimal number` },
          };
        }
        paths.forEach((name, index) => progressListeners.forEach((l) => l({ stage: "reading", index, files: paths.length, name })));
        const fresh = demo === null && synthetic === 0;
        if (fresh) demo = demoRows();
        const rows = count();
        progressListeners.forEach((l) => l({ stage: "checking", rows }));
        progressListeners.forEach((l) => l({ stage: "storing", done: fresh ? rows : 0, total: fresh ? rows : 0 }));
        return {
          files: paths.map((file, i) => {
            const imported = fresh && i === 0;
            return {
              file,
              status: imported ? "imported" : "already_imported",
              kind: imported ? "ledgers" : null,
              already_as: imported ? null : DEMO_FILE,
              rows: imported ? rows : 0,
              added: imported ? rows : 0,
              present: 0,
              duplicates: imported ? (demo?.duplicates.length ?? 0) : 0,
              conflicts: 0,
              warnings: [],
              message: imported ? `${file}: ${rows} rows, ${rows} added, 0 already present` : `${file}: already imported (as ${DEMO_FILE}), nothing added`,
            } as const;
          }),
          added: fresh ? rows : 0,
          total_rows: rows,
          failure: null,
        };
      }),

    onLedgerImportProgress: (callback) => {
      const listener = (p: ImportProgress) => callback(p);
      progressListeners.add(listener);
      return () => {
        progressListeners.delete(listener);
      };
    },

    onFilesDropped: (callback) => {
      const listener = (paths: string[]) => callback(paths);
      dropListeners.add(listener);
      return () => {
        dropListeners.delete(listener);
      };
    },

    simulateDrop: (paths) => {
      for (const listener of [...dropListeners]) listener(paths);
    },

    ledgerReport: () => settle(report),

    ledgerPage: (filter, offset, limit) =>
      settle(() => {
        if (emptyFilter(filter)) {
          const total = count();
          const end = Math.min(total, offset + Math.min(limit, 1000));
          return { rows: Array.from({ length: Math.max(0, end - offset) }, (_, k) => rowAt(offset + k)), total };
        }
        const rows = selected(filter);
        return { rows: rows.slice(offset, offset + Math.min(limit, 1000)), total: rows.length };
      }),

    ledgerLocate: (filter, row) =>
      settle(() => {
        if (row.txid === "") return null;
        const rows = emptyFilter(filter) ? all() : selected(filter);
        const at = rows.findIndex((r) => r.txid === row.txid);
        return at < 0 ? null : at;
      }),

    ledgerTotals: (filter, by) =>
      settle(() => {
        const sums = new Map<string, TotalView>();
        // A large synthetic workspace repeats every 12 rows: sum one cycle, scaled, rather than every row.
        const cycle = !demo && emptyFilter(filter) && synthetic > 12;
        const rows = cycle ? Array.from({ length: 12 }, (_, i) => syntheticRow(i)) : settled(filter);
        for (const [i, row] of rows.entries()) {
          const times = cycle ? Math.floor((synthetic - i - 1) / 12) + 1 : 1;
          const keys = by.map((d) => {
            switch (d) {
              case "asset":
                return row.asset;
              case "type":
                return row.type;
              case "subtype":
                return row.subtype;
              case "wallet":
                return row.wallet;
              case "month":
                return row.time.slice(0, 7);
              default:
                throw new HostError("invalid_input", `"${d}" is not a total dimension: use asset, type, subtype, wallet or month`);
            }
          });
          const key = keys.join("\u0000");
          const sum = sums.get(key) ?? { keys, count: 0, amount: "0", fee: "0", net: "0" };
          sum.count += times;
          sum.amount = addDecimal(sum.amount, cycle ? `${times}.0000` : row.amount);
          sum.fee = addDecimal(sum.fee, row.fee);
          sum.net = subtractDecimal(sum.amount, sum.fee);
          sums.set(key, sum);
        }
        return [...sums.values()].sort((a, b) => a.keys.join("\u0000").localeCompare(b.keys.join("\u0000")));
      }),

    ledgerSeries: (asset, wallet, bucket) =>
      settle(() => {
        const rows = settled({ date: null, assets: [asset], types: [], subtypes: [], wallets: [wallet], refid: null, text: null });
        const points: SeriesPointView[] = [];
        for (const row of rows) {
          const end = periodEnd(bucket, row.time_ms / 1000);
          let last = points[points.length - 1];
          // Periods without a row end at the balance so far.
          while (last && last.period_end < end) {
            last = { period_end: periodEnd(bucket, last.period_end), balance: last.balance };
            points.push(last);
          }
          if (last && last.period_end === end) last.balance = row.balance ?? last.balance;
          else points.push({ period_end: end, balance: row.balance ?? "0" });
        }
        return points;
      }),

    ledgerFacets: () =>
      settle(() => {
        const rows = Array.from({ length: Math.min(count(), 10_000) }, (_, i) => rowAt(i)).filter((r) => r.txid !== "");
        const distinct = (pick: (r: LedgerRowView) => string) => [...new Set(rows.map(pick))].sort();
        return { assets: distinct((r) => r.asset), types: distinct((r) => r.type), subtypes: distinct((r) => r.subtype), wallets: distinct((r) => r.wallet) };
      }),
  };
}
