import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { ExportView } from "../../bindings/ExportView";
import type { ImportProgress } from "../../bindings/ImportProgress";
import type { ImportSummary } from "../../bindings/ImportSummary";
import type { IntegrityView } from "../../bindings/IntegrityView";
import type { LedgerFacets } from "../../bindings/LedgerFacets";
import type { LedgerFilter } from "../../bindings/LedgerFilter";
import type { RowRefView } from "../../bindings/RowRefView";
import type { SeriesBucket } from "../../bindings/SeriesBucket";
import type { SeriesPointView } from "../../bindings/SeriesPointView";
import type { TotalView } from "../../bindings/TotalView";
import { ErrorState } from "../../components/ErrorState";
import { ignoresShortcuts } from "../../lib/keyboard";
import { formatAmount } from "../../lib/money";
import { toHostError, useHost, type HostError } from "../../platform";
import { BalanceChart } from "./BalanceChart";
import { LedgerTable, type LedgerTarget } from "./LedgerTable";
import { TradesList, tradesKey } from "./TradesList";

export const NO_FILTER: LedgerFilter = { date: null, assets: [], types: [], subtypes: [], wallets: [], refid: null, text: null };

/** Paths typed or pasted: one per line, or separated by `;`. */
function splitPaths(text: string): string[] {
  return text
    .split(/[\n;]/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

function progressText(p: ImportProgress): string {
  switch (p.stage) {
    case "reading":
      return `Reading ${p.name} (${p.index + 1} of ${p.files})`;
    case "checking":
      return `Checking the balance chains over ${p.rows.toLocaleString()} rows`;
    case "storing":
      return `Storing ${p.done.toLocaleString()} of ${p.total.toLocaleString()} new rows`;
  }
}

function progressFraction(p: ImportProgress): number | undefined {
  if (p.stage === "reading") return p.files > 0 ? p.index / p.files : undefined;
  if (p.stage === "storing") return p.total > 0 ? p.done / p.total : 1;
  return undefined;
}

/** Import: drop files on the window, choose them in the OS's dialog, or give their paths. */
function ImportZone({ onImported }: { onImported: () => void }) {
  const host = useHost();
  const [paths, setPaths] = useState("");
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<HostError | null>(null);
  const [hover, setHover] = useState(false);
  const [acceptEdited, setAcceptEdited] = useState(false);
  const [lastFiles, setLastFiles] = useState<string[]>([]);
  // One import at a time: a second drop or pick while one runs is ignored (the zone says busy).
  const importing = useRef(false);

  const run = useCallback(
    (files: string[], accept: boolean) => {
      if (files.length === 0 || importing.current) return;
      importing.current = true;
      setBusy(true);
      setError(null);
      setSummary(null);
      setProgress(null);
      setLastFiles(files);
      host.ledgerImport(files, accept).then(
        (result) => {
          importing.current = false;
          setBusy(false);
          setSummary(result);
          if (result.failure === null) {
            setPaths("");
            onImported();
          }
        },
        (reason: unknown) => {
          importing.current = false;
          setBusy(false);
          setError(toHostError(reason));
        },
      );
    },
    [host, onImported],
  );

  useEffect(() => host.onLedgerImportProgress(setProgress), [host]);
  useEffect(
    () =>
      host.onFilesDropped((dropped) => {
        setHover(false);
        run(dropped, acceptEdited);
      }),
    [host, run, acceptEdited],
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    run(splitPaths(paths), acceptEdited);
  };
  const choose = () => {
    setError(null);
    host.chooseImportFiles().then(
      (chosen) => {
        if (chosen !== null) run(chosen, acceptEdited);
      },
      (reason: unknown) => setError(toHostError(reason)),
    );
  };
  const fraction = progress ? progressFraction(progress) : undefined;

  return (
    <section className={`ledger-import${hover ? " hover" : ""}`} aria-label="Import exports" data-testid="ledger-import"
      onDragOver={(e) => {
        e.preventDefault();
        setHover(true);
      }}
      onDragLeave={() => setHover(false)}
    >
      <p>
        <strong>Drop ledgers or trades exports here</strong> (.csv, or the exchange's .zip), or give their paths. An import
        stores every file or none; files and rows already stored add nothing.
      </p>
      <form onSubmit={submit} className="ledger-import-form">
        <label>
          <span className="sr-only">Paths of the files to import</span>
          <textarea
            rows={1}
            value={paths}
            placeholder="/home/me/Downloads/ledgers.zip"
            onChange={(e) => setPaths(e.target.value)}
            data-testid="import-paths"
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey) submit(e);
            }}
          />
        </label>
        <button type="submit" disabled={busy || splitPaths(paths).length === 0} data-testid="import-submit">
          Import files
        </button>
        <button type="button" disabled={busy} onClick={choose} data-testid="import-choose">
          Choose files…
        </button>
      </form>
      <label className="ledger-accept-edited">
        <input type="checkbox" checked={acceptEdited} onChange={(e) => setAcceptEdited(e.target.checked)} data-testid="import-accept-edited" />{" "}
        Accept edited files{" "}
        <span className="muted">
          — read a file another program re-saved (a byte-order mark, mixed line ends, no final line break), listing each as a warning. The exchange
          never writes such files, so they are refused by default.
        </span>
      </label>
      {busy && (
        <div className="ledger-progress" role="status" data-testid="import-progress">
          <progress max={1} value={fraction} />
          <span>{progress ? progressText(progress) : "Starting the import…"}</span>
        </div>
      )}
      {error && <p className="field-error" role="alert">{error.message}</p>}
      {summary?.failure && (
        <div className="error-state" role="alert" data-testid="import-failure">
          <p className="error-title">Nothing was imported: {summary.failure.file} could not be read.</p>
          <p>
            {summary.failure.line !== null && <>Line {summary.failure.line}</>}
            {summary.failure.column !== null && <>, column “{summary.failure.column}”</>}
            {(summary.failure.line !== null || summary.failure.column !== null) && ": "}
            {summary.failure.message}
          </p>
          {summary.failure.edited ? (
            <p>
              <button
                type="button"
                onClick={() => run(lastFiles, true)}
                data-testid="import-accept-retry"
              >
                Import again, accepting edited files
              </button>{" "}
              <span className="muted">only if you changed the file on purpose; the other files were not stored either.</span>
            </p>
          ) : (
            <p className="muted">Fix or remove that file and import again; the other files were not stored either.</p>
          )}
        </div>
      )}
      {summary && summary.failure === null && (
        <ul className="ledger-import-files" data-testid="import-summary">
          {summary.files.map((f) => (
            <li key={f.file} data-status={f.status}>
              {f.message}
              {f.warnings.map((w) => (
                <div key={w} className="warn">
                  warning: {w}
                </div>
              ))}
            </li>
          ))}
          <li className="muted">
            {summary.added.toLocaleString()} rows added; the workspace holds {summary.total_rows.toLocaleString()} ledger rows.
          </li>
        </ul>
      )}
    </section>
  );
}

type Jump = { kind: "chain"; asset: string; wallet: string; row: RowRefView } | { kind: "row"; row: RowRefView } | { kind: "refid"; refid: string; row: RowRefView };

function Finding({ label, message, onJump, testId }: { label: string; message: string; onJump: () => void; testId: string }) {
  return (
    <li>
      <button type="button" className="finding" data-testid={testId} onClick={onJump} title="Show this row in the table">
        <span className="finding-kind">{label}</span> {message}
      </button>
    </li>
  );
}

/** The integrity check, first: every finding names its row and jumps the table to it. */
function IntegrityReport({ report, onJump }: { report: IntegrityView; onJump: (jump: Jump) => void }) {
  const findings =
    report.breaks.length + report.duplicates.length + report.conflicts.length + report.unpaired_requests.length + report.flagged.length;
  return (
    <section className="ledger-report" aria-label="Integrity report" data-testid="integrity-report">
      <h3>
        {report.rows === 0
          ? "Nothing imported yet"
          : report.holds
            ? `Every balance chain holds (${report.chains.length} chains, ${report.rows.toLocaleString()} rows)`
            : `${report.breaks.length} breaks, ${report.duplicates.length} duplicates, ${report.conflicts.length} conflicts`}
      </h3>
      {report.rows === 0 && <p className="muted">Import the exchange's ledgers export: the check of every balance chain shows here.</p>}
      {findings > 0 && (
        <ul className="findings">
          {report.breaks.map((b) => (
            <Finding
              key={`b-${b.row.file}-${b.row.line}`}
              testId="finding-break"
              label="Break"
              message={b.message}
              onJump={() => onJump({ kind: "chain", asset: b.asset, wallet: b.wallet, row: b.row })}
            />
          ))}
          {report.duplicates.map((d) => (
            <Finding
              key={`d-${d.row.file}-${d.row.line}`}
              testId="finding-duplicate"
              label="Duplicate"
              message={d.message}
              onJump={() => onJump({ kind: "row", row: d.first ?? d.row })}
            />
          ))}
          {report.conflicts.map((c) => (
            <Finding
              key={`c-${c.row.file}-${c.row.line}`}
              testId="finding-conflict"
              label="Conflict"
              message={c.message}
              onJump={() => onJump({ kind: "row", row: c.first ?? c.row })}
            />
          ))}
          {report.unpaired_requests.map((r) => (
            <Finding
              key={`r-${r.row.file}-${r.row.line}`}
              testId="finding-request"
              label="Unpaired request"
              message={r.message}
              onJump={() => onJump({ kind: "refid", refid: r.refid ?? "", row: r.row })}
            />
          ))}
          {report.flagged.map((f) => (
            <Finding
              key={`f-${f.column}-${f.value}`}
              testId="finding-flag"
              label={`Unknown ${f.column}`}
              message={`“${f.value}” on ${f.rows} rows, first ${f.first.file} line ${f.first.line}: kept as it is`}
              onJump={() => onJump({ kind: "row", row: f.first })}
            />
          ))}
        </ul>
      )}
      {report.chains.length > 0 && (
        <table className="ledger-chains">
          <thead>
            <tr>
              <th>Chain</th>
              <th className="num">Rows</th>
              <th className="num">Opening</th>
              <th className="num">Closing</th>
            </tr>
          </thead>
          <tbody>
            {report.chains.map((c) => (
              <tr key={`${c.asset}-${c.wallet}`}>
                <td>
                  {c.asset} <span className="muted">{c.wallet}</span>
                </td>
                <td className="num">{c.rows.toLocaleString()}</td>
                <td className="num">
                  {formatAmount(c.opening)} <span className="asset">{c.asset}</span>
                </td>
                <td className="num">
                  {formatAmount(c.closing)} <span className="asset">{c.asset}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Select({ label, values, value, onChange, testId }: { label: string; values: string[]; value: string; onChange: (v: string) => void; testId: string }) {
  return (
    <label>
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        <option value="">any</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v === "" ? "(none)" : v}
          </option>
        ))}
      </select>
    </label>
  );
}

type ExportKind = "rows" | "balances";

/**
 * Exports of what the filter selects, to a file chosen in the OS's save dialog: the rows in the
 * exchange's CSV layout, or month-end balance assertions. The core writes the file.
 */
function ExportBar({ filter, rows }: { filter: LedgerFilter; rows: number | null }) {
  const host = useHost();
  const [busy, setBusy] = useState<ExportKind | null>(null);
  const [done, setDone] = useState<ExportView | null>(null);
  const [error, setError] = useState<HostError | null>(null);

  const start = async (kind: ExportKind) => {
    setError(null);
    setDone(null);
    try {
      const path =
        kind === "rows"
          ? await host.chooseSavePath("Export the filtered rows (the exchange's ledgers CSV)", "ledgers.csv")
          : await host.chooseSavePath("Export month-end balances (date,asset,wallet,balance)", "balance-assertions.csv");
      if (path === null) return;
      setBusy(kind);
      setDone(kind === "rows" ? await host.ledgerExportRows(filter, path) : await host.ledgerExportBalances(filter, path));
    } catch (reason) {
      setError(toHostError(reason));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="ledger-exports" role="group" aria-label="Exports">
      <button type="button" onClick={() => void start("rows")} disabled={busy !== null || rows === 0} data-testid="export-rows">
        Export rows…
      </button>
      <button type="button" onClick={() => void start("balances")} disabled={busy !== null || rows === 0} data-testid="export-balances">
        Export balances…
      </button>
      <span className="muted">
        {rows === 0
          ? "Nothing to export: no row matches the filters."
          : "Rows: what the filters select, in the exchange's CSV layout. Balances: each chain's balance at every month end of the dates (or of all rows), as date,asset,wallet,balance; asset and wallet narrow the chains."}
      </span>
      {busy && (
        <span role="status" aria-busy="true">
          Writing…
        </span>
      )}
      {done && (
        <p className="export-done" role="status" data-testid="export-result">
          {done.message}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="export-error">
          {error.message}
        </p>
      )}
    </div>
  );
}

/** The Ledgers area: import, the integrity report, then the filters, totals, chart and the rows. */
export function LedgersArea() {
  const host = useHost();
  const [version, setVersion] = useState(0);
  const [report, setReport] = useState<IntegrityView | null>(null);
  const [reportError, setReportError] = useState<HostError | null>(null);
  const [facets, setFacets] = useState<LedgerFacets>({ assets: [], types: [], subtypes: [], wallets: [] });
  const [filter, setFilter] = useState<LedgerFilter>(NO_FILTER);
  const [dateText, setDateText] = useState("");
  const [refidText, setRefidText] = useState("");
  const [freeText, setFreeText] = useState("");
  const [totals, setTotals] = useState<TotalView[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [tableError, setTableError] = useState<HostError | null>(null);
  const [target, setTarget] = useState<LedgerTarget | null>(null);
  const [jumpNote, setJumpNote] = useState<string | null>(null);
  const [chain, setChain] = useState("");
  const [bucket, setBucket] = useState<SeriesBucket>("month");
  const [series, setSeries] = useState<SeriesPointView[]>([]);
  const [view, setView] = useState<"rows" | "trades">("rows");
  const textRef = useRef<HTMLInputElement>(null);

  // The report and the dropdowns, again after each import.
  useEffect(() => {
    let live = true;
    host.ledgerReport().then(
      (r) => {
        if (!live) return;
        setReport(r);
        setReportError(null);
        setChain((current) => current || (r.chains[0] ? `${r.chains[0].asset}\u0000${r.chains[0].wallet}` : ""));
      },
      (reason: unknown) => live && setReportError(toHostError(reason)),
    );
    host.ledgerFacets().then(
      (f) => live && setFacets(f),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [host, version]);

  // Totals by asset and type of what the filter selects.
  useEffect(() => {
    let live = true;
    host.ledgerTotals(filter, ["asset", "type"]).then(
      (t) => live && setTotals(t),
      () => live && setTotals([]),
    );
    return () => {
      live = false;
    };
  }, [host, filter, version]);

  useEffect(() => {
    if (chain === "") return;
    const [asset = "", wallet = ""] = chain.split("\u0000");
    let live = true;
    host.ledgerSeries(asset, wallet, bucket).then(
      (s) => live && setSeries(s),
      () => live && setSeries([]),
    );
    return () => {
      live = false;
    };
  }, [host, chain, bucket, version]);

  // `/` goes to the free-text filter.
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || ignoresShortcuts(event.target)) return;
      event.preventDefault();
      textRef.current?.focus();
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  // Each filter change or jump (event handlers, below) supersedes the locate in flight: its
  // answer is for another filter.
  const jumpSeq = useRef(0);
  const apply = (next: LedgerFilter) => {
    // The table counts the rows of the new filter (if it is shown); until then the count is unknown.
    setTotal(null);
    setTarget(null);
    setJumpNote(null);
    setFilter(next);
    setDateText(next.date ?? "");
    setRefidText(next.refid ?? "");
    setFreeText(next.text ?? "");
  };
  const pick = (key: "assets" | "types" | "subtypes" | "wallets") => (value: string) => {
    jumpSeq.current += 1;
    apply({ ...filter, [key]: value === "" ? [] : [value] });
  };
  const submitText = (event: FormEvent) => {
    event.preventDefault();
    jumpSeq.current += 1;
    const blank = (t: string) => (t.trim() === "" ? null : t.trim());
    apply({ ...filter, date: blank(dateText), refid: blank(refidText), text: blank(freeText) });
  };

  const jump = (to: Jump) => {
    jumpSeq.current += 1;
    const next: LedgerFilter =
      to.kind === "chain"
        ? { ...NO_FILTER, assets: [to.asset], wallets: [to.wallet] }
        : to.kind === "refid"
          ? { ...NO_FILTER, refid: to.refid }
          : NO_FILTER;
    apply(next);
    setView("rows");
    if (to.kind === "refid") {
      setTarget({ offset: 0, row: to.row });
      return;
    }
    const seq = jumpSeq.current;
    host.ledgerLocate(next, to.row).then(
      (offset) => {
        if (seq !== jumpSeq.current) return;
        if (offset === null) setJumpNote(`${to.row.file} line ${to.row.line} is not among the stored rows (a duplicate is stored once).`);
        else setTarget({ offset, row: to.row });
      },
      (reason: unknown) => {
        if (seq === jumpSeq.current) setJumpNote(toHostError(reason).message);
      },
    );
  };

  const onImported = useCallback(() => setVersion((v) => v + 1), []);
  const dateError = tableError?.code === "invalid_input" ? tableError : null;
  const [chartAsset = ""] = chain.split("\u0000");

  return (
    <div className="ledgers-area" data-testid="ledgers-area">
      <header className="area-header">
        <h2>Ledgers</h2>
        <p className="muted">Offline review of the exchange's exports, kept on this device.</p>
      </header>
      <ImportZone onImported={onImported} />
      {reportError ? (
        <ErrorState title="The integrity report could not be made." error={reportError} onRetry={onImported} />
      ) : report ? (
        <IntegrityReport report={report} onJump={jump} />
      ) : (
        <p className="muted">Checking the workspace…</p>
      )}

      <form className="ledger-filters" aria-label="Filters" onSubmit={submitText}>
        <label>
          <span>Dates</span>
          <input
            value={dateText}
            onChange={(e) => setDateText(e.target.value)}
            placeholder="last month, 2025-01, q1 2025…"
            aria-invalid={dateError !== null}
            aria-describedby={dateError ? "ledger-date-error" : undefined}
            data-testid="filter-date"
          />
        </label>
        <Select label="Asset" values={facets.assets} value={filter.assets[0] ?? ""} onChange={pick("assets")} testId="filter-asset" />
        <Select label="Type" values={facets.types} value={filter.types[0] ?? ""} onChange={pick("types")} testId="filter-type" />
        <Select label="Subtype" values={facets.subtypes} value={filter.subtypes[0] ?? ""} onChange={pick("subtypes")} testId="filter-subtype" />
        <Select label="Wallet" values={facets.wallets} value={filter.wallets[0] ?? ""} onChange={pick("wallets")} testId="filter-wallet" />
        <label>
          <span>Refid</span>
          <input value={refidText} onChange={(e) => setRefidText(e.target.value)} data-testid="filter-refid" />
        </label>
        <label>
          <span>Text</span>
          <input ref={textRef} value={freeText} onChange={(e) => setFreeText(e.target.value)} placeholder="/ to search" data-testid="filter-text" />
        </label>
        <button type="submit" data-testid="filter-apply">
          Apply
        </button>
        <button type="button" onClick={() => {
            jumpSeq.current += 1;
            apply(NO_FILTER);
          }}
          disabled={filter === NO_FILTER}>
          Clear
        </button>
        {dateError && (
          <p id="ledger-date-error" className="field-error" role="alert" data-testid="filter-error">
            {dateError.message}
          </p>
        )}
      </form>

      <ExportBar filter={filter} rows={total} />

      <div className="ledger-summary">
        <section aria-label="Totals" className="ledger-totals">
          <h3>Totals {total !== null && <span className="muted">({total.toLocaleString()} rows)</span>}</h3>
          {totals.length === 0 ? (
            <p className="muted">No settled row matches.</p>
          ) : (
            <table data-testid="ledger-totals">
              <thead>
                <tr>
                  <th>Asset</th>
                  <th>Type</th>
                  <th className="num">Rows</th>
                  <th className="num">Amount</th>
                  <th className="num">Fee</th>
                  <th className="num">Net</th>
                </tr>
              </thead>
              <tbody>
                {totals.map((t) => (
                  <tr key={t.keys.join("\u0000")} data-testid="total-row" data-keys={t.keys.join("/")}>
                    <td>{t.keys[0]}</td>
                    <td>{t.keys[1]}</td>
                    <td className="num">{t.count.toLocaleString()}</td>
                    <td className="num">
                      {formatAmount(t.amount)} <span className="asset">{t.keys[0]}</span>
                    </td>
                    <td className="num">
                      {formatAmount(t.fee)} <span className="asset">{t.keys[0]}</span>
                    </td>
                    <td className="num">
                      {formatAmount(t.net)} <span className="asset">{t.keys[0]}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-label="Balance over time" className="ledger-chart">
          <h3>
            Balance of{" "}
            <select value={chain} onChange={(e) => setChain(e.target.value)} aria-label="Chain" data-testid="chart-chain">
              {report?.chains.map((c) => (
                <option key={`${c.asset}-${c.wallet}`} value={`${c.asset}\u0000${c.wallet}`}>
                  {c.asset} ({c.wallet})
                </option>
              ))}
            </select>{" "}
            by{" "}
            <select value={bucket} onChange={(e) => setBucket(e.target.value as SeriesBucket)} aria-label="Period">
              <option value="day">day</option>
              <option value="week">week</option>
              <option value="month">month</option>
            </select>
          </h3>
          {chain !== "" && <BalanceChart points={series} asset={chartAsset} />}
        </section>
      </div>

      {jumpNote && (
        <p className="muted" role="status">
          {jumpNote}
        </p>
      )}
      {tableError && !dateError && <p className="field-error" role="alert">{tableError.message}</p>}
      <div className="ledger-views" role="tablist" aria-label="Show">
        <button type="button" role="tab" aria-selected={view === "rows"} onClick={() => setView("rows")} data-testid="view-rows">
          Rows
        </button>
        <button type="button" role="tab" aria-selected={view === "trades"} onClick={() => setView("trades")} data-testid="view-trades">
          Trades with their legs
        </button>
      </div>
      {view === "rows" ? (
        <LedgerTable filter={filter} version={version} target={target} onTotal={setTotal} onError={setTableError} />
      ) : (
        <TradesList key={tradesKey(filter, version)} filter={filter} version={version} />
      )}
    </div>
  );
}
