import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderApp } from "../../test/app";
import { createFakeHost } from "../../platform";

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

async function openLedgers(host = createFakeHost()) {
  const rendered = renderApp(host);
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

    await user.selectOptions(screen.getByTestId("filter-asset"), "BTC");
    await waitFor(() => expect(rows().length).toBeLessThan(all));
    await waitFor(() => everyRowShows("BTC"));
    await waitFor(() => {
      const totals = screen.getAllByTestId("total-row");
      expect(totals.every((t) => t.dataset.keys?.startsWith("BTC/"))).toBe(true);
    });
    const deposits = screen.getAllByTestId("total-row").find((t) => t.dataset.keys === "BTC/deposit");
    expect(deposits).toHaveTextContent("0.0500000000 BTC");

    await user.type(screen.getByTestId("filter-date"), "last fortnight{Enter}");
    expect(await screen.findByTestId("filter-error")).toHaveTextContent("is not a date");
    expect(screen.getByTestId("filter-date")).toHaveAttribute("aria-invalid", "true");
  });

  it("renders only a window of a million rows, and j / k move through them", async () => {
    const { user } = await openLedgers(createFakeHost({ ledger: { rows: 1_000_000 } }));
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
    const host = createFakeHost({ ledger: "empty" });
    await openLedgers(host);
    expect(await screen.findByText("Nothing imported yet")).toBeInTheDocument();

    act(() => host.simulateDrop(["/tmp/bad-ledgers.csv"]));
    const failure = await screen.findByTestId("import-failure");
    expect(failure).toHaveTextContent("Nothing was imported");
    expect(failure).toHaveTextContent("Line 2, column “amount”");
    expect(screen.getByText("Nothing imported yet")).toBeInTheDocument();

    act(() => host.simulateDrop(["/tmp/ledgers.csv"]));
    expect(await screen.findByTestId("import-summary")).toHaveTextContent("rows added");
    await waitFor(() => expect(screen.queryByText("Nothing imported yet")).not.toBeInTheDocument());
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
  });
});

describe("Ledgers: trades, exports, choosing files, edited files", { timeout: 20_000 }, () => {
  it("lists trades grouped with their legs and fees, with or without the trades export's row", async () => {
    const { user } = await openLedgers();
    await user.click(screen.getByTestId("view-trades"));
    expect(screen.getByTestId("view-trades")).toHaveAttribute("aria-selected", "true");
    const groups = await screen.findAllByTestId("trade-group");
    expect(groups).toHaveLength(2);
    const [first, second] = groups as [HTMLElement, HTMLElement];
    expect(first).toHaveAttribute("data-refid", "TQ3B7X-AAAAA-000001");
    expect(first).toHaveTextContent("buy 0.1000000000 XXBTZEUR");
    expect(within(first).getAllByTestId("trade-leg")).toHaveLength(2);
    expect(within(first).getByTestId("trade-fees")).toHaveTextContent("Fees: 14.40 EUR");
    // The second trade's row is not in the workspace: its legs still group, and it says what to import.
    expect(within(second).getByTestId("trade-without-row")).toHaveTextContent("import trades.csv");
    expect(within(second).getAllByTestId("trade-leg")).toHaveLength(2);
    expect(screen.getByTestId("trades-count")).toHaveTextContent("2 trades");

    // The filters apply: BTC's legs only, which paid no fee.
    await user.selectOptions(screen.getByTestId("filter-asset"), "BTC");
    await waitFor(() => expect(screen.getAllByTestId("trade-leg")).toHaveLength(2));
    for (const fees of screen.getAllByTestId("trade-fees")) expect(fees).toHaveTextContent("No fee");

    // No trade at all: the empty state says what would show.
    await user.selectOptions(screen.getByTestId("filter-type"), "deposit");
    expect(await screen.findByTestId("trades-empty")).toHaveTextContent("import the trades export");

    // A finding's jump goes back to the rows.
    await user.click(screen.getByTestId("finding-break"));
    await waitFor(() => expect(screen.getByTestId("view-rows")).toHaveAttribute("aria-selected", "true"));
    expect(screen.queryByTestId("ledger-trades")).toBeNull();
  });

  it("exports the filtered rows and month-end balances to the path chosen in the save dialog", async () => {
    const { user, host } = await openLedgers();
    await user.selectOptions(screen.getByTestId("filter-asset"), "BTC");
    await waitFor(() => everyRowShows("BTC"));
    const shown = Number((await screen.findByRole("table", { name: "Ledger rows" })).getAttribute("aria-rowcount"));
    expect(shown).toBeGreaterThan(0);

    // Cancelled: once the dialog has answered and its answer is handled, nothing was asked of
    // the core, nothing written, nothing said.
    host.answerDialogs({ save: null });
    await user.click(screen.getByTestId("export-rows"));
    await waitFor(() => expect(host.ledgerCalls().dialogs).toBe(1));
    await act(async () => {});
    expect(host.ledgerCalls().exports).toBe(0);
    expect(screen.queryByTestId("export-result")).toBeNull();
    expect(host.exportedFiles().size).toBe(0);

    host.answerDialogs({ save: "/home/me/btc.csv" });
    await user.click(screen.getByTestId("export-rows"));
    expect(await screen.findByTestId("export-result")).toHaveTextContent(`Wrote ${shown} rows to /home/me/btc.csv`);
    const csv = host.exportedFiles().get("/home/me/btc.csv") ?? "";
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe('"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance"');
    expect(lines).toHaveLength(shown + 1);
    expect(lines.slice(1).every((l) => l.includes('"XXBT"'))).toBe(true);

    host.answerDialogs({ save: "/home/me/balances.csv" });
    await user.click(screen.getByTestId("export-balances"));
    expect(await screen.findByTestId("export-result")).toHaveTextContent(/Wrote \d+ balances at \d+ month ends to \/home\/me\/balances\.csv/);
    const balances = host.exportedFiles().get("/home/me/balances.csv") ?? "";
    expect(balances.startsWith("date,asset,wallet,balance\n")).toBe(true);
    expect(balances.split("\n").slice(1, -1).every((l) => l.includes(",BTC,"))).toBe(true);

    // A path the core refuses: the error shows where the buttons are.
    host.answerDialogs({ save: "relative.csv" });
    await user.click(screen.getByTestId("export-rows"));
    expect(await screen.findByTestId("export-error")).toHaveTextContent("choose a file in the save dialog");
  });

  it("imports the files chosen in the open dialog; cancelling imports nothing", async () => {
    const host = createFakeHost({ ledger: "empty" });
    const { user } = await openLedgers(host);
    host.answerDialogs({ open: null });
    await user.click(screen.getByTestId("import-choose"));
    await waitFor(() => expect(host.ledgerCalls().dialogs).toBe(1));
    await act(async () => {});
    expect(host.ledgerCalls().imports).toBe(0);
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
    const host = createFakeHost({ ledger: "empty", latencyMs: 40 });
    await openLedgers(host);
    act(() => host.simulateDrop(["/home/me/first.csv"]));
    act(() => host.simulateDrop(["/home/me/second.csv"]));
    const summary = await screen.findByTestId("import-summary");
    expect(summary).toHaveTextContent("/home/me/first.csv");
    expect(summary).not.toHaveTextContent("/home/me/second.csv");
    expect(host.ledgerCalls().imports).toBe(1);
  });

  it("drops a jump's answer that comes after the filter changed", async () => {
    const host = createFakeHost({ latencyMs: 250 });
    await openLedgers(host);
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
    const before = host.ledgerCalls();
    // The break's jump asks where its row is; the person picks another asset before the answer.
    fireEvent.click(await screen.findByTestId("finding-break"));
    expect(host.ledgerCalls().locates).toBe(before.locates + 1);
    fireEvent.change(screen.getByTestId("filter-asset"), { target: { value: "BTC" } });
    expect(host.ledgerCalls().locatesAnswered).toBe(before.locatesAnswered);
    await waitFor(() => expect(host.ledgerCalls().locatesAnswered).toBe(before.locatesAnswered + 1));
    await act(async () => {});
    // The late answer neither selects nor highlights a row, nor says the row is missing; the
    // filter stays.
    expect(screen.getByTestId("filter-asset")).toHaveValue("BTC");
    await waitFor(() => {
      expect(rows().length).toBeGreaterThan(3);
      everyRowShows("BTC");
    });
    expect(rows().filter((r) => r.getAttribute("aria-selected") === "true")).toHaveLength(0);
    expect(screen.getByTestId("ledgers-area").querySelector("[data-highlighted]")).toBeNull();
    expect(screen.queryByText(/is not among the stored rows/)).toBeNull();
  });

  it("refuses an edited file, says how to accept it, and imports it with warnings when accepted", async () => {
    const host = createFakeHost({ ledger: "empty" });
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
    const host = createFakeHost({ ledger: "empty" });
    const { user } = await openLedgers(host);
    await user.click(screen.getByTestId("import-accept-edited"));
    await user.type(screen.getByTestId("import-paths"), "/home/me/resaved.csv{Enter}");
    expect(await screen.findByTestId("import-summary")).toHaveTextContent("warning:");
    expect(screen.queryByTestId("import-failure")).toBeNull();
  });
});

describe("Ledgers without the Organization", { timeout: 20_000 }, () => {
  it("offers offline ledger review when the session cannot open, and the area works there", async () => {
    const host = createFakeHost();
    const unreachable = { code: "unavailable", message: "https://org.example: the organization server did not answer." };
    const getSession = vi.fn<typeof host.getSession>().mockRejectedValue(unreachable);
    const { user } = renderApp({ ...host, getSession });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("did not answer");
    await user.click(within(alert).getByTestId("review-offline"));
    const offline = await screen.findByTestId("offline-ledgers");
    expect(offline).toHaveTextContent("Offline ledger review");
    expect(offline).toHaveTextContent("did not answer");
    expect(screen.queryByTestId("nav-ledgers")).toBeNull();
    const report = await screen.findByTestId("integrity-report");
    expect(await within(report).findByTestId("finding-break")).toBeInTheDocument();
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));

    // Connecting again once the Organization answers brings the whole app back (the core opens
    // it again when asked for the session).
    getSession.mockImplementation(() => host.getSession());
    await user.click(screen.getByTestId("offline-retry"));
    expect(await screen.findByTestId("current-member")).toBeInTheDocument();
  });
});
