import { act, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { renderApp } from "../../test/app";
import { createFakeHost } from "../../platform";

/** jsdom lays nothing out: give the table's scroll area a height, as a window would. */
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(520);
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(900);
});

const rows = () => screen.queryAllByTestId("ledger-row");

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
    await waitFor(() => expect(rows().every((r) => within(r).getAllByText("EUR").length > 0)).toBe(true));
  });

  it("a filter narrows the table and the totals; a date it cannot read says why", async () => {
    const { user } = await openLedgers();
    await waitFor(() => expect(rows().length).toBeGreaterThan(10));
    const all = rows().length;
    await waitFor(() => expect(screen.getAllByTestId("total-row").length).toBeGreaterThan(2));

    await user.selectOptions(screen.getByTestId("filter-asset"), "BTC");
    await waitFor(() => expect(rows().length).toBeLessThan(all));
    for (const row of rows()) expect(within(row).getAllByText("BTC").length).toBeGreaterThan(0);
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
