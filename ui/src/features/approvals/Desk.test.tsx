import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import deskRecording from "../../fixtures/desk.json";
import officerRecording from "../../fixtures/officer.json";
import type { Host } from "../../platform";
import { codeOf, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const desk = deskRecording as Recording;
const officer = officerRecording as Recording;

describe("The officer's desk", () => {
  it("reviews every picked request in one sheet and approves them with one code, each signed over what it showed", async () => {
    const host = replay(desk, { state: "start" });
    const decideBatch = vi.fn<Host["decideBatch"]>((shown, decision, otp, reason) => host.decideBatch(shown, decision, otp, reason));
    const { user } = renderOn({ ...host, decideBatch });
    await user.click(await screen.findByTestId("nav-approvals"));
    const rows = await screen.findAllByTestId("request-row");
    // Only what Ben may decide can be picked; his own request has no box.
    const boxes = screen.getAllByTestId("pick");
    expect(boxes.length).toBeLessThan(rows.length);

    await user.click(screen.getByTestId("pick-all"));
    expect(screen.getByTestId("batch-bar")).toHaveTextContent(`${boxes.length} requests picked`);
    await user.click(screen.getByTestId("batch-approve"));

    const sheet = await screen.findByTestId("batch-sheet");
    const items = within(sheet).getAllByTestId("batch-item");
    expect(items).toHaveLength(boxes.length);
    // Each in full: the amount and total debit, the destination's address, the initiator.
    for (const item of items) {
      expect(item).toHaveTextContent("Initiator");
      expect(item).toHaveTextContent("Approvals");
    }
    const withdrawal = items.find((i) => within(i).queryByTestId("total-debit") !== null);
    expect(withdrawal).toBeDefined();
    // Against the account: the balance it leaves, and its worth where the market prices it.
    expect(within(withdrawal as HTMLElement).getByTestId("balance-after")).toHaveTextContent("(now ");
    // Where the entry came from: the seeded address book predates the history.
    expect(within(withdrawal as HTMLElement).getByTestId("destination-named")).toHaveTextContent("since before the history");
    const btc = items.find((i) => /BTC/.test(i.textContent));
    expect(within(btc as HTMLElement).getByTestId("fiat-value")).toHaveTextContent(/≈ [\d,.]+ USD at 91,250 USD\/BTC/);

    await user.type(within(sheet).getByTestId("otp-input"), `${await codeOf("Ben Ruiz")}{Enter}`);
    const results = await screen.findByTestId("batch-results");
    const outcomes = within(results).getAllByTestId("batch-outcome");
    expect(outcomes).toHaveLength(boxes.length);
    expect(outcomes.every((o) => o.dataset.ok === "true")).toBe(true);

    // One call, every request with the payload the sheet showed.
    expect(decideBatch).toHaveBeenCalledTimes(1);
    const [shown, decision, otp, reason] = decideBatch.mock.calls[0] ?? [];
    expect(decision).toBe("approve");
    expect(otp).toMatch(/^\d{6}$/);
    expect(reason).toBeNull();
    expect(shown?.map((s) => s.id)).toEqual(items.map((i) => i.dataset.requestId));
    await user.click(within(results).getByTestId("batch-done"));
    expect(screen.queryByTestId("batch-results")).not.toBeInTheDocument();
  });

  it("picks with the keyboard and opens the rejection sheet, which asks why before anything is sent", async () => {
    const host = replay(desk, { state: "start" });
    const decideBatch = vi.fn<Host["decideBatch"]>(() => Promise.reject(new Error("not expected")));
    const { user } = renderOn({ ...host, decideBatch });
    await user.click(await screen.findByTestId("nav-approvals"));
    const rows = await screen.findAllByTestId("request-row");
    const decidable = rows.find((r) => within(r.parentElement as HTMLElement).queryByTestId("pick") !== null);
    await user.click(decidable as HTMLElement);
    await user.keyboard("x");
    expect(screen.getByTestId("batch-bar")).toHaveTextContent("1 request picked");
    await user.keyboard("{Shift>}R{/Shift}");
    const sheet = await screen.findByTestId("batch-sheet");
    expect(within(sheet).getAllByTestId("batch-item")).toHaveLength(1);
    await user.type(within(sheet).getByTestId("otp-input"), `${await codeOf("Ben Ruiz")}{Enter}`);
    expect(await within(sheet).findByRole("alert")).toHaveTextContent("A rejection needs a reason");
    expect(decideBatch).not.toHaveBeenCalled();
  });

  it("opens the approval sheet of everything that needs me from the palette, without a mouse", async () => {
    const { user } = renderOn(replay(desk, { state: "start" }));
    await screen.findByTestId("nav-approvals");
    await user.keyboard("{Control>}k{/Control}");
    await user.type(await screen.findByTestId("palette-input"), "approve all");
    await user.keyboard("{Enter}");
    const sheet = await screen.findByTestId("batch-sheet");
    expect(within(sheet).getAllByTestId("batch-item").length).toBeGreaterThanOrEqual(3);
    expect(within(sheet).getByTestId("otp-input")).toHaveFocus();
  });

  it("shows a pushed request at once without moving the selection, and says when the queue is not live", async () => {
    const host = replay(desk, { state: "start" });
    const { user } = renderOn(host);
    await user.click(await screen.findByTestId("nav-approvals"));
    const before = await screen.findAllByTestId("request-row");
    await user.click(before[1] as HTMLElement);
    const selected = before[1]?.dataset.requestId;
    expect(screen.queryByTestId("sync-line")).not.toBeInTheDocument();

    host.simulateSync({ live: true, since_ms: Date.now(), retry_at_ms: null, problem: null });
    expect(await screen.findByTestId("sync-line")).toHaveAttribute("data-live", "true");

    // Chloe's request arrives by push: shown well before the next poll, the selection stays.
    host.simulatePush("chloe-asked", { kind: "submitted", request_id: null, status: "pending" });
    await waitFor(() => expect(screen.getAllByTestId("request-row")).toHaveLength(before.length + 1), { timeout: 1000 });
    const current = screen.getAllByTestId("request-row").find((r) => r.getAttribute("aria-current") === "true");
    expect(current?.dataset.requestId).toBe(selected);
    const arrived = screen.getAllByTestId("request-row").find((r) => !before.some((b) => b.dataset.requestId === r.dataset.requestId));
    expect(arrived?.dataset.initiator).toBe("Chloe Park");

    // The stream drops: the queue says since when it is in sync, and how it keeps up.
    host.simulateSync({ live: false, since_ms: Date.now() - 60_000, retry_at_ms: Date.now() + 4000, problem: "connection refused" });
    const line = await screen.findByTestId("sync-line");
    expect(line).toHaveAttribute("data-live", "false");
    expect(line).toHaveTextContent(/Not live — last in sync .*Checking every 5 s; reconnecting in \d s/);
  });
});

describe("Told when it needs me", () => {
  it("opens the request a notification names, from any area, and the queue for the tray's count", async () => {
    const host = replay(desk, { state: "start" });
    const { user } = renderOn(host);
    await user.click(await screen.findByTestId("nav-requests"));
    const rows = await (async () => {
      await user.click(await screen.findByTestId("nav-approvals"));
      return screen.findAllByTestId("request-row");
    })();
    const wanted = rows[2]?.dataset.requestId as string;
    await user.click(await screen.findByTestId("nav-requests"));

    act(() => host.simulateOpenRequest({ id: wanted, yours: false }));
    await waitFor(() => {
      const current = screen.getAllByTestId("request-row").find((r) => r.getAttribute("aria-current") === "true");
      expect(current?.dataset.requestId).toBe(wanted);
    });
    expect(screen.getByTestId("nav-approvals")).toHaveAttribute("aria-current", "page");

    await user.click(await screen.findByTestId("nav-requests"));
    act(() => host.simulateOpenRequest({ id: null, yours: false }));
    expect(await screen.findByTestId("nav-approvals")).toHaveAttribute("aria-current", "page");

    // One of the member's own requests (decided, say) opens among their requests.
    act(() => host.simulateOpenRequest({ id: wanted, yours: true }));
    expect(await screen.findByTestId("nav-requests")).toHaveAttribute("aria-current", "page");
  });
});

describe("Followed to settlement", () => {
  it("shows a completed withdrawal's transfer and ledger entry, and that it is what was approved", async () => {
    const { user } = renderOn(replay(officer, { state: "ben-approved-payout" }));
    await user.click(await screen.findByTestId("nav-requests"));
    const rows = await screen.findAllByTestId("request-row");
    const done = rows.find((r) => r.dataset.status === "completed" && r.dataset.kind === "withdrawal");
    expect(done).toBeDefined();
    await user.click(done as HTMLElement);
    const panel = await screen.findByTestId("settlement");
    expect(panel).toHaveAttribute("data-state", "settled");
    expect(panel).toHaveTextContent("Sent: its ledger entry is posted");
    expect(panel).toHaveTextContent(`Exchange reference${done?.dataset.requestId ?? ""}`);
    expect(within(panel).getByTestId("settlement-check")).toHaveAttribute("data-same", "true");
    expect(within(panel).getByTestId("settled-debit")).toHaveTextContent("(amount and fee)");

    // Nothing approved waits to be sent.
    await user.click(screen.getByTestId("unsettled-filter"));
    expect(await screen.findByText("Every approved withdrawal was sent")).toBeInTheDocument();
  });
});
