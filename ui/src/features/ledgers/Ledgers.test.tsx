import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import ledgersRecording from "../../fixtures/ledgers.json";
import type { Host } from "../../platform";
import type { PageView } from "../../bindings/PageView";
import type { TradesPageView } from "../../bindings/TradesPageView";
import { answer, renderOn, replay } from "../../test/replay";
import type { Recording, ReplayHost } from "../../test/replayHost";
import { withRows } from "../../test/manyRows";

const ledgers = ledgersRecording as Recording;

const NO_FILTER = { date: null, assets: [], types: [], subtypes: [], wallets: [], refid: null, text: null };

/** jsdom lays nothing out: give the table's scroll area a height, as a window would. */
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(520);
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(900);
});

const rows = () => screen.queryAllByTestId("ledger-row");

/** Some rows are shown (an empty table proves nothing), and each holds `text`. */
function everyRowShows(text: string) {
  expect(rows().length).toBeGreaterThan(0);
  expect(rows().every((r) => within(r).getAllByText(text).length > 0)).toBe(true);
}

/** The Ledgers area, by default with the exports imported (an EUR chain breaks). */
async function openLedgers<H extends Host = ReplayHost>(host: H = replay(ledgers, { state: "imported" }) as unknown as H) {
  const rendered = renderOn(host);
  await rendered.user.click(await screen.findByTestId("nav-ledgers"));
  await screen.findByTestId("integrity-report");
  return { ...rendered, host };
}

describe("Ledgers", { timeout: 20_000 }, () => {
  it("shows the integrity report first, and a break jumps the table to its row", async () => {
    const { user } = await openLedgers();
    const report = await screen.findByTestId("integrity-report");
    const area = screen.getByTestId("ledgers-area");
    // The report comes before the table.
    expect(report.compareDocumentPosition(screen.getByTestId("ledger-scroll")) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const breakButton = await within(report).findByTestId("finding-break");
    expect(breakButton).toHaveTextContent("EUR");
    expect(breakButton).toHaveTextContent("missing");
    const txid = /\((L[^)]+)\)/.exec(breakButton.textContent)?.[1];
    if (!txid) throw new Error("the break names no txid");

    await user.click(breakButton);
    const highlighted = await waitFor(() => {
      const row = area.querySelector<HTMLElement>('[data-testid="ledger-row"][data-highlighted]');
      if (!row) throw new Error("no highlighted row");
      return row;
    });
    expect(highlighted).toHaveTextContent("EUR");
    expect(highlighted.querySelector(`[title$="${txid}"]`)).not.toBeNull();
    await waitFor(() => expect(highlighted).toHaveAttribute("aria-selected", "true"));
    // The table is narrowed to the broken chain.
    expect(screen.getByTestId("filter-asset")).toHaveValue("EUR");
    await waitFor(() => everyRowShows("EUR"));
  });

  it("a filter narrows the table and the totals; a date it cannot read says why", async () => {
    const { user } = await openLedgers();
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
    const all = rows().length;
    await waitFor(() => expect(screen.getAllByTestId("total-row").length).toBeGreaterThan(2));

    await user.selectOptions(screen.getByTestId("filter-asset"), "USDC");
    await waitFor(() => expect(rows().length).toBeLessThan(all));
    await waitFor(() => everyRowShows("USDC"));
    await waitFor(() => {
      const totals = screen.getAllByTestId("total-row");
      expect(totals.every((t) => t.dataset.keys?.startsWith("USDC/"))).toBe(true);
    });
    const deposits = screen.getAllByTestId("total-row").find((t) => t.dataset.keys === "USDC/deposit");
    expect(deposits).toBeDefined();

    await user.type(screen.getByTestId("filter-date"), "last fortnight{Enter}");
    expect(await screen.findByTestId("filter-error")).toHaveTextContent("is not a date");
    expect(screen.getByTestId("filter-date")).toHaveAttribute("aria-invalid", "true");
  });

  it("renders only a window of a million rows, and j / k move through them", async () => {
    const template = answer<PageView>(ledgers, "imported", "ledger_page", { filter: NO_FILTER, offset: 0, limit: 200 }).rows[0];
    if (!template) throw new Error("a recorded row");
    const { user } = await openLedgers(withRows(replay(ledgers, { state: "imported" }), 1_000_000, template));
    const table = await screen.findByRole("table", { name: "Ledger rows" });
    await waitFor(() => expect(table).toHaveAttribute("aria-rowcount", "1000000"));
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
    expect(table.querySelectorAll('[role="row"]').length).toBeLessThan(100);

    const scroll = screen.getByTestId("ledger-scroll");
    scroll.focus();
    await user.keyboard("jj");
    await waitFor(() => expect(rows()[1]).toHaveAttribute("aria-selected", "true"));
    await user.keyboard("k");
    await waitFor(() => expect(rows()[0]).toHaveAttribute("aria-selected", "true"));
  });

  it("imports dropped files with progress, and a bad file stores nothing and names its line and column", async () => {
    const host = replay(ledgers);
    await openLedgers(host);
    expect(await screen.findByText("Nothing imported yet")).toBeInTheDocument();

    act(() => host.simulateDrop(["/home/me/bad-ledgers.csv"]));
    const failure = await screen.findByTestId("import-failure");
    expect(failure).toHaveTextContent("Nothing was imported");
    expect(failure).toHaveTextContent("Line 2, column “amount”");
    expect(screen.getByText("Nothing imported yet")).toBeInTheDocument();

    act(() => host.simulateDrop(["/home/me/ledgers.csv", "/home/me/trades.zip"]));
    expect(await screen.findByTestId("import-summary")).toHaveTextContent("rows added");
    await waitFor(() => expect(screen.queryByText("Nothing imported yet")).not.toBeInTheDocument());
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
  });
});

describe("Ledgers: trades, exports, choosing files, edited files", { timeout: 20_000 }, () => {
  const trades = answer<TradesPageView>(ledgers, "imported", "ledger_trades", { filter: NO_FILTER, offset: 0, limit: 50 });

  it("lists trades grouped with their legs and fees, with or without the trades export's row", async () => {
    const { user } = await openLedgers();
    await user.click(screen.getByTestId("view-trades"));
    expect(screen.getByTestId("view-trades")).toHaveAttribute("aria-selected", "true");
    const groups = await screen.findAllByTestId("trade-group");
    expect(groups).toHaveLength(13);
    const [first] = groups as [HTMLElement];
    expect(first).toHaveAttribute("data-refid", trades.groups[0]?.refid);
    expect(first).toHaveTextContent("buy 1,421.05263158 USDC/EUR");
    expect(within(first).getAllByTestId("trade-leg")).toHaveLength(2);
    expect(within(first).getByTestId("trade-fees")).toHaveTextContent("Fees: 2.7 EUR");
    expect(screen.getByTestId("trades-count")).toHaveTextContent("13 trades");

    // The filters apply: USDC's legs only; the buys' fees were paid in EUR.
    await user.selectOptions(screen.getByTestId("filter-asset"), "USDC");
    await waitFor(() => expect(screen.getAllByTestId("trade-leg")).toHaveLength(13));
    expect(within(screen.getAllByTestId("trade-group")[0] as HTMLElement).getByTestId("trade-fees")).toHaveTextContent("No fee");

    // No trade at all: the empty state says what would show.
    await user.selectOptions(screen.getByTestId("filter-type"), "deposit");
    expect(await screen.findByTestId("trades-empty")).toHaveTextContent("import the trades export");

    // A finding's jump goes back to the rows.
    await user.click(screen.getByTestId("finding-break"));
    await waitFor(() => expect(screen.getByTestId("view-rows")).toHaveAttribute("aria-selected", "true"));
    expect(screen.queryByTestId("ledger-trades")).toBeNull();
  });

  it("says which trades have no row in the trades export: their legs still group", async () => {
    const { user } = await openLedgers(replay(ledgers, { state: "ledgers-only" }));
    await user.click(screen.getByTestId("view-trades"));
    const [first] = await screen.findAllByTestId("trade-group");
    expect(within(first as HTMLElement).getByTestId("trade-without-row")).toHaveTextContent("import trades.csv");
    expect(within(first as HTMLElement).getAllByTestId("trade-leg")).toHaveLength(2);
  });

  it("exports the filtered rows and month-end balances to the path chosen in the save dialog", async () => {
    const { user, host } = await openLedgers();
    await user.selectOptions(screen.getByTestId("filter-asset"), "USDC");
    await waitFor(() => everyRowShows("USDC"));
    const shown = Number((await screen.findByRole("table", { name: "Ledger rows" })).getAttribute("aria-rowcount"));
    expect(shown).toBe(22);

    // Cancelled: once the dialog has answered and its answer is handled, nothing was asked of
    // the core, nothing written, nothing said.
    host.answerDialogs({ save: null });
    await user.click(screen.getByTestId("export-rows"));
    await waitFor(() => expect(host.dialogsAnswered()).toBe(1));
    await act(async () => {});
    expect(host.callCount("ledgerExportRows")).toBe(0);
    expect(screen.queryByTestId("export-result")).toBeNull();
    expect(host.exportedFiles().size).toBe(0);

    host.answerDialogs({ save: "/home/me/usdc.csv" });
    await user.click(screen.getByTestId("export-rows"));
    expect(await screen.findByTestId("export-result")).toHaveTextContent(`Wrote ${shown} rows to /home/me/usdc.csv`);
    const csv = host.exportedFiles().get("/home/me/usdc.csv") ?? "";
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe('"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance"');
    expect(lines).toHaveLength(shown + 1);
    expect(lines.slice(1).every((l) => l.includes('"USDC"'))).toBe(true);

    host.answerDialogs({ save: "/home/me/balances.csv" });
    await user.click(screen.getByTestId("export-balances"));
    expect(await screen.findByTestId("export-result")).toHaveTextContent(/Wrote \d+ balances at \d+ month ends to \/home\/me\/balances\.csv/);
    const balances = host.exportedFiles().get("/home/me/balances.csv") ?? "";
    expect(balances.startsWith("date,asset,wallet,balance\n")).toBe(true);
    expect(balances.split("\n").slice(1, -1).every((l) => l.includes(",USDC,"))).toBe(true);

    // A path the core refuses: the error shows where the buttons are.
    host.answerDialogs({ save: "relative.csv" });
    await user.click(screen.getByTestId("export-rows"));
    expect(await screen.findByTestId("export-error")).toHaveTextContent("choose a file in the save dialog");
  });

  it("imports the files chosen in the open dialog; cancelling imports nothing", async () => {
    const host = replay(ledgers);
    const { user } = await openLedgers(host);
    host.answerDialogs({ open: null });
    await user.click(screen.getByTestId("import-choose"));
    await waitFor(() => expect(host.dialogsAnswered()).toBe(1));
    await act(async () => {});
    expect(host.callCount("ledgerImport")).toBe(0);
    expect(screen.queryByTestId("import-summary")).toBeNull();
    expect(screen.getByText("Nothing imported yet")).toBeInTheDocument();

    host.answerDialogs({ open: ["/home/me/ledgers.csv", "/home/me/trades.zip"] });
    await user.click(screen.getByTestId("import-choose"));
    const summary = await screen.findByTestId("import-summary");
    expect(summary).toHaveTextContent("/home/me/ledgers.csv");
    expect(summary).toHaveTextContent("/home/me/trades.zip");
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
  });

  it("runs one import at a time: files dropped while one runs are not imported over it", async () => {
    const host = replay(ledgers, { latencyMs: 40 });
    await openLedgers(host);
    act(() => host.simulateDrop(["/home/me/ledgers.csv", "/home/me/trades.zip"]));
    act(() => host.simulateDrop(["/home/me/bad-ledgers.csv"]));
    const summary = await screen.findByTestId("import-summary");
    expect(summary).toHaveTextContent("/home/me/ledgers.csv");
    expect(summary).not.toHaveTextContent("/home/me/bad-ledgers.csv");
    expect(host.callCount("ledgerImport")).toBe(1);
  });

  it("drops a jump's answer that comes after the filter changed", async () => {
    const host = replay(ledgers, { state: "imported", latencyMs: 250 });
    await openLedgers(host);
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
    const asked = host.callCount("ledgerLocate");
    const answered = host.answeredCount("ledgerLocate");
    // The break's jump asks where its row is; the person picks another asset before the answer.
    fireEvent.click(await screen.findByTestId("finding-break"));
    expect(host.callCount("ledgerLocate")).toBe(asked + 1);
    fireEvent.change(screen.getByTestId("filter-asset"), { target: { value: "USDC" } });
    expect(host.answeredCount("ledgerLocate")).toBe(answered);
    await waitFor(() => expect(host.answeredCount("ledgerLocate")).toBe(answered + 1));
    await act(async () => {});
    // The late answer neither selects nor highlights a row, nor says the row is missing; the
    // filter stays.
    expect(screen.getByTestId("filter-asset")).toHaveValue("USDC");
    await waitFor(() => {
      expect(rows().length).toBeGreaterThan(3);
      everyRowShows("USDC");
    });
    expect(rows().filter((r) => r.getAttribute("aria-selected") === "true")).toHaveLength(0);
    expect(screen.getByTestId("ledgers-area").querySelector("[data-highlighted]")).toBeNull();
    expect(screen.queryByText(/is not among the stored rows/)).toBeNull();
  });

  it("refuses an edited file, says how to accept it, and imports it with warnings when accepted", async () => {
    const host = replay(ledgers);
    const { user } = await openLedgers(host);
    expect(screen.getByTestId("import-accept-edited")).not.toBeChecked();
    act(() => host.simulateDrop(["/home/me/resaved-ledgers.csv"]));
    const failure = await screen.findByTestId("import-failure");
    expect(failure).toHaveTextContent("byte-order mark");
    expect(failure).toHaveTextContent("Accept edited files");
    expect(screen.getByText("Nothing imported yet")).toBeInTheDocument();

    await user.click(within(failure).getByTestId("import-accept-retry"));
    const summary = await screen.findByTestId("import-summary");
    expect(summary).toHaveTextContent("warning: line 1: starts with a UTF-8 byte-order mark");
    // The retry accepted that file once: the next file is refused again unless the option is ticked.
    expect(screen.getByTestId("import-accept-edited")).not.toBeChecked();
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
  });

  it("typed paths import with the accept-edited option as ticked", async () => {
    const host = replay(ledgers);
    const { user } = await openLedgers(host);
    await user.click(screen.getByTestId("import-accept-edited"));
    await user.type(screen.getByTestId("import-paths"), "/home/me/resaved-ledgers.csv{Enter}");
    expect(await screen.findByTestId("import-summary")).toHaveTextContent("warning:");
    expect(screen.queryByTestId("import-failure")).toBeNull();
  });
});

describe("Ledgers without the Organization", { timeout: 20_000 }, () => {
  it("offers offline ledger review when the session cannot open, and the area works there", async () => {
    const host = replay(ledgers, { state: "offline" });
    const { user } = renderOn(host);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveAttribute("data-code", "unavailable");
    await user.click(within(alert).getByTestId("review-offline"));
    const offline = await screen.findByTestId("offline-ledgers");
    expect(offline).toHaveTextContent("Offline ledger review");
    expect(offline).toHaveTextContent("cannot reach");
    expect(screen.queryByTestId("nav-ledgers")).toBeNull();
    const report = await screen.findByTestId("integrity-report");
    expect(await within(report).findByTestId("finding-break")).toBeInTheDocument();
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));

    // Connecting again once the Organization answers brings the whole app back (the core opens
    // it again when asked for the session).
    host.reach("offline-reachable");
    await user.click(screen.getByTestId("offline-retry"));
    expect(await screen.findByTestId("current-member")).toBeInTheDocument();
  });
});
