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
import type { TradeGroupView } from "../bindings/TradeGroupView";
import type { TradeView } from "../bindings/TradeView";
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
  | "ledgerTrades"
  | "ledgerExportRows"
  | "ledgerExportBalances"
  | "chooseImportFiles"
  | "chooseSavePath"
> & {
  /** As if files were dropped on the window. */
  simulateDrop(paths: string[]): void;
  /** What the OS dialogs answer from now on (null: the person cancels). */
  answerDialogs(answers: DialogAnswers): void;
  /** The files the exports wrote, by path. */
  exportedFiles(): ReadonlyMap<string, string>;
  /** How many dialogs were answered, and imports, exports and locates asked for and answered. */
  ledgerCalls(): LedgerCalls;
};

export interface LedgerCalls {
  /** Open and save dialogs answered. */
  dialogs: number;
  /** Asked for (counted when called, before the fake's latency). */
  imports: number;
  exports: number;
  locates: number;
  /** Locates answered (after the latency). */
  locatesAnswered: number;
}

/** What the fake OS dialogs answer. */
export interface DialogAnswers {
  open?: string[] | null;
  save?: string | null;
}

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

/** The trades export's row of the demo's first trade (the second has only its ledger legs). */
function demoTrade(legs: LedgerRowView[]): TradeView | null {
  if (legs[0]?.refid !== "TQ3B7X-AAAAA-000001") return null;
  const time = legs[0].time_ms;
  return {
    txid: "TQ3B7X-AAAAA-000001",
    ordertxid: "OQCLML-BW3P3-BUCMWZ",
    pair: "XXBTZEUR",
    time_ms: time,
    time: legs[0].time,
    side: "buy",
    ordertype: "limit",
    price: "90000.0",
    cost: "9000.00",
    fee: "14.40",
    vol: "0.1000000000",
    ledgers: legs.map((l) => l.txid),
  };
}

/** A ledgers CSV in the exchange's current layout (as the core writes it, quoting simplified). */
function ledgersCsv(rows: LedgerRowView[]): string {
  const header = ["txid", "refid", "time", "type", "subtype", "aclass", "subclass", "asset", "wallet", "amount", "fee", "balance"];
  const line = (r: LedgerRowView) =>
    [r.txid, r.refid, r.time, r.type, r.subtype, "currency", "", r.asset_as_spelled, r.wallet].map((v) => `"${v}"`).join(",") +
    `,${r.amount},${r.fee},${r.balance ?? ""}`;
  return [header.map((h) => `"${h}"`).join(","), ...rows.map(line)].join("\r\n") + "\r\n";
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

const NO_CHAIN_FILTER: LedgerFilter = { date: null, assets: [], types: [], subtypes: [], wallets: [], refid: null, text: null };

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
  let dialogs: DialogAnswers = { open: null, save: null };
  const exported = new Map<string, string>();

  const count = () => (demo ? demo.rows.length : synthetic);
  const rowAt = (i: number): LedgerRowView => (demo ? demo.rows[i]! : syntheticRow(i));
  const all = (): LedgerRowView[] => Array.from({ length: count() }, (_, i) => rowAt(i));
  const selected = (filter: LedgerFilter): LedgerRowView[] => all().filter(predicate(filter));
  const calls: LedgerCalls = { dialogs: 0, imports: 0, exports: 0, locates: 0, locatesAnswered: 0 };
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
      flagged: earn
        ? [{ column: "subtype", value: "migration", rows: 1, first: ref(earn), message: `subtype "migration" on 1 rows, first ${earn.file} line ${earn.line} (${earn.txid})` }]
        : [],
    };
  }

  return {
    ledgerImport: (paths, acceptEdited) => {
      calls.imports += 1;
      return settle(() => {
        if (paths.length === 0) throw new HostError("invalid_input", "No file to import: drop ledgers or trades exports (.csv or .zip), or give their paths.");
        const bad = paths.find((p) => p.includes("bad"));
        if (bad !== undefined) {
          return {
            files: [],
            added: 0,
            total_rows: count(),
            failure: { file: bad, line: 2, column: "amount", message: `${bad} line 2, column "amount": "15O.0000" is not a decimal number`, edited: false },
            check: null,
          };
        }
        // A name with "resaved" stands for a file another program re-saved (it starts with a BOM).
        const resaved = paths.find((p) => p.includes("resaved"));
        const bom = "starts with a UTF-8 byte-order mark, which the exchange never writes: the file was re-saved by another program";
        if (resaved !== undefined && !acceptEdited) {
          return {
            files: [],
            added: 0,
            total_rows: count(),
            failure: {
              file: resaved,
              line: 1,
              column: null,
              message: `${resaved} line 1: ${bom}. If you re-saved it on purpose, import it again with “Accept edited files” on: it is read as it is, and each of these findings is listed as a warning.`,
              edited: true,
            },
            check: null,
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
              warnings: file.includes("resaved") ? [`line 1: ${bom}`] : [],
              message: imported ? `${file}: ${rows} rows, ${rows} added, 0 already present` : `${file}: already imported (as ${DEMO_FILE}), nothing added`,
            } as const;
          }),
          added: fresh ? rows : 0,
          total_rows: rows,
          failure: null,
          check: fresh ? { holds: demo?.duplicates.length === 0, breaks: 0, duplicates: demo?.duplicates.length ?? 0, conflicts: 0 } : null,
        };
      });
    },

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

    ledgerLocate: (filter, row) => {
      calls.locates += 1;
      return settle(() => {
        calls.locatesAnswered += 1;
        if (row.txid === "") return null;
        const rows = emptyFilter(filter) ? all() : selected(filter);
        const at = rows.findIndex((r) => r.txid === row.txid);
        return at < 0 ? null : at;
      });
    },

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

    chooseImportFiles: () =>
      settle(() => {
        calls.dialogs += 1;
        return dialogs.open ? [...dialogs.open] : null;
      }),

    chooseSavePath: () =>
      settle(() => {
        calls.dialogs += 1;
        return dialogs.save ?? null;
      }),

    answerDialogs: (answers) => {
      dialogs = { ...dialogs, ...answers };
    },

    exportedFiles: () => exported,

    ledgerCalls: () => ({ ...calls }),

    ledgerTrades: (filter, offset, limit) =>
      settle(() => {
        const rows = (emptyFilter(filter) && !demo ? all() : selected(filter)).filter((r) => r.type === "trade");
        const groups = new Map<string, LedgerRowView[]>();
        for (const row of rows) groups.set(row.refid, [...(groups.get(row.refid) ?? []), row]);
        const page: TradeGroupView[] = [...groups]
          .slice(offset, offset + Math.min(limit, 200))
          .map(([refid, legs]) => {
            const fees = new Map<string, string>();
            for (const leg of legs) if (compareDecimal(leg.fee, "0") !== 0) fees.set(leg.asset, addDecimal(fees.get(leg.asset) ?? "0", leg.fee));
            return { refid, trade: demoTrade(legs), legs, fees: [...fees].map(([asset, fee]) => ({ asset, fee })) };
          });
        return { groups: page, total: groups.size };
      }),

    ledgerExportRows: (filter, path) => {
      calls.exports += 1;
      return settle(() => {
        if (!path.startsWith("/")) throw new HostError("invalid_input", `${path} is not a file path to export to: choose a file in the save dialog`);
        const rows = selected(filter);
        exported.set(path, ledgersCsv(rows));
        return { path, rows: rows.length, message: `Wrote ${rows.length} ${rows.length === 1 ? "row" : "rows"} to ${path} in the exchange's ledgers layout.` };
      });
    },

    ledgerExportBalances: (filter, path) => {
      calls.exports += 1;
      return settle(() => {
        if (!path.startsWith("/")) throw new HostError("invalid_input", `${path} is not a file path to export to: choose a file in the save dialog`);
        // Each chain's balance at the end of every month its settled rows span.
        const rows = settled({ ...NO_CHAIN_FILTER, assets: filter.assets, wallets: filter.wallets });
        const months = [...new Set(rows.map((r) => r.time.slice(0, 7)))].sort();
        const lines: string[] = [];
        for (const month of months) {
          const [y = 1970, m = 1] = month.split("-").map(Number);
          const end = Date.UTC(y, m, 1);
          const last = new Date(end - DAY * 1000).toISOString().slice(0, 10);
          const byChain = new Map<string, string>();
          for (const r of rows) if (r.time_ms < end && r.balance !== null) byChain.set(`${r.asset},${r.wallet}`, r.balance);
          for (const [chain, balance] of [...byChain].sort()) lines.push(`${last},${chain},${balance}`);
        }
        exported.set(path, ["date,asset,wallet,balance", ...lines].join("\n") + "\n");
        return { path, rows: lines.length, message: `Wrote ${lines.length} balances at ${months.length} month ends to ${path}.` };
      });
    },

    ledgerFacets: () =>
      settle(() => {
        const rows = Array.from({ length: Math.min(count(), 10_000) }, (_, i) => rowAt(i)).filter((r) => r.txid !== "");
        const distinct = (pick: (r: LedgerRowView) => string) => [...new Set(rows.map(pick))].sort();
        return { assets: distinct((r) => r.asset), types: distinct((r) => r.type), subtypes: distinct((r) => r.subtype), wallets: distinct((r) => r.wallet) };
      }),
  };
}
