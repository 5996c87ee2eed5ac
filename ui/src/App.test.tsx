import { screen, waitFor, within } from "@testing-library/react";
import type userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { RequestView } from "./bindings/RequestView";
import officerRecording from "./fixtures/officer.json";
import { HostError, type Host } from "./platform";
import type { Recording } from "./test/replayHost";
import { answer, codeOf, findRow, renderOn, replay, rowOf } from "./test/replay";

const officer = officerRecording as Recording;

/** The pending requests at the start, as the core listed them for Ben Ruiz. */
const pending = answer<RequestView[]>(officer, "start", "list_requests", { filter: { status: "pending", workflow: null } });

/** The request `initiator` asked for, for `amount`. */
function requestOf(initiator: string, amount: string): RequestView {
  const found = pending.find((r) => r.initiator.name === initiator && r.payload.kind === "withdrawal" && r.payload.amount === amount);
  if (!found) throw new Error(`no request by ${initiator} for ${amount}`);
  return found;
}

const bot = requestOf("rebalancer-bot", "2.5");
const payout = requestOf("payout-bot", "48000");
const usd = requestOf("Ada Okafor", "250000");
const own = requestOf("Ben Ruiz", "86500");
const eth = requestOf("Chloe Park", "120");

function renderApp(host: Host = replay(officer)) {
  return renderOn(host);
}

async function decide(user: ReturnType<typeof userEvent.setup>, id: string, button: "approve" | "reject", code: string) {
  await user.click(await findRow(id));
  await user.click(screen.getByTestId(button));
  await user.type(screen.getByTestId("otp-input"), code);
  await user.click(screen.getByTestId("otp-submit"));
}

describe("Approvals", () => {
  it("lists pending requests: withdrawals with initiator, amount, asset, destination, approvals and age", async () => {
    renderApp();
    const row = await findRow(bot.id);
    expect(row).toHaveAttribute("data-initiator", "rebalancer-bot");
    expect(row).toHaveAttribute("data-approvals", "0/2");
    expect(row).toHaveAttribute("data-status", "pending");
    expect(within(row).getByText("bot")).toBeInTheDocument();
    expect(within(row).getByText("2.5")).toBeInTheDocument();
    expect(within(row).getByText("BTC")).toBeInTheDocument();
    expect(within(row).getByText("cold-storage-2")).toBeInTheDocument();
    expect(within(row).getByText("0 / 2")).toBeInTheDocument();
    expect(within(row).getByText("12 min")).toBeInTheDocument();

    expect(within(await findRow(usd.id)).getByText("250,000")).toBeInTheDocument();
    const ids = screen.getAllByTestId("request-row").map((r) => r.dataset.requestId);
    expect(ids).toEqual(pending.map((r) => r.id));
    expect(screen.getAllByTestId("request-row").every((r) => r.dataset.status === "pending")).toBe(true);
  });

  it("counts the pending requests the signed-in member may decide", async () => {
    renderApp();
    // Six wait; one is Ben's own.
    await waitFor(() => expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^5$/));
  });

  it("shows the selected request in plain words with its decisions and eligibility", async () => {
    const { user } = renderApp();
    await user.click(await findRow(payout.id));
    const detail = screen.getByRole("article", { name: `Request ${payout.id}` });
    expect(within(detail).getByRole("heading", { level: 2 })).toHaveTextContent("payout-bot wants to withdraw 48,000 USDT to usdt-otc-desk");
    expect(detail).toHaveTextContent(/Chloe Park.*approved/);
    expect(detail).toHaveTextContent("You may approve or reject this request; 1 more approval needed.");
    expect(within(detail).getAllByRole("time")[0]).toHaveAttribute("title", expect.stringMatching(/ UTC$/) as string);
    // What leaves the account: amount and fee, exactly.
    expect(within(detail).getByTestId("total-debit")).toHaveTextContent("48,002.5 USDT");
    // The core's risk flags, in the detail and on the row: nothing has gone to this desk yet.
    const flags = within(detail).getAllByTestId("risk-flag");
    expect(flags.map((f) => f.dataset.kind)).toEqual(["first_to_destination"]);
    expect(flags[0]).toHaveTextContent(
      "First to this destination: no earlier withdrawal went to usdt-otc-desk (0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359).",
    );
    expect(within(await findRow(payout.id)).getByTestId("risk-marker")).toHaveAccessibleName("1 risk flag: First to this destination");
  });

  it("approves with the right code: 1 / 2 becomes 2 / 2 and the request leaves the pending list", async () => {
    const { user } = renderApp();
    await decide(user, payout.id, "approve", await codeOf("Ben Ruiz"));

    expect(await screen.findByTestId("action-ok")).toHaveTextContent("2 / 2 approvals");
    await waitFor(() => expect(rowOf(payout.id)).toBeNull());
    expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^4$/);
    expect(screen.queryByTestId("otp-input")).toBeNull();

    await user.click(screen.getByTestId("nav-requests"));
    const row = await findRow(payout.id);
    expect(row).toHaveAttribute("data-approvals", "2/2");
    expect(row).toHaveAttribute("data-status", "completed");
  });

  it("approving a request that needs more keeps it pending with one more approval", async () => {
    const { user } = renderApp();
    await decide(user, bot.id, "approve", await codeOf("Ben Ruiz"));

    expect(await screen.findByTestId("action-ok")).toHaveTextContent("1 / 2 approvals");
    await waitFor(() => expect(rowOf(bot.id)).toHaveAttribute("data-approvals", "1/2"));
    // Ben decided it: it no longer needs him.
    expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^4$/);    // Approve and next: the request after it in the list is selected.
    const after = pending[pending.findIndex((r) => r.id === bot.id) + 1];
    expect(after).toBeDefined();
    await waitFor(() => expect(rowOf(after?.id ?? "")).toHaveAttribute("aria-current", "true"));
  });

  it("offers a needs-me view beside all pending", async () => {
    const { user } = renderApp();
    await findRow(own.id);
    expect(screen.getByTestId("view-all")).toHaveAttribute("aria-pressed", "true");
    await user.click(screen.getByTestId("view-mine"));
    expect(screen.getByTestId("view-mine")).toHaveTextContent("Needs me (5)");
    // Ben's own request waits for others: it leaves this view; the five he may decide stay.
    await waitFor(() => expect(rowOf(own.id)).toBeNull());
    expect(screen.getAllByTestId("request-row")).toHaveLength(5);
    await user.click(screen.getByTestId("view-all"));
    expect(await findRow(own.id)).toBeInTheDocument();
  });

  it("keeps the selection when a new request arrives at the top of the list", async () => {
    const host = replay(officer);
    const arrived: RequestView = { ...structuredClone(bot), id: "ARRIVED-NEW-1", created_at: bot.created_at + 60 };
    let calls = 0;
    const { user } = renderApp({
      ...host,
      listRequests: async (filter) => {
        const rows = await host.listRequests(filter);
        calls += 1;
        return calls > 1 && filter.status === "pending" ? [arrived, ...rows] : rows;
      },
    });
    // Nothing clicked: the first request is shown. The next poll brings a new request first in
    // the list; the officer stays on the one they were reading.
    const first = pending[0];
    await waitFor(() => expect(rowOf(first?.id ?? "")).toHaveAttribute("aria-current", "true"));
    await waitFor(() => expect(rowOf(arrived.id)).not.toBeNull(), { timeout: 12_000 });
    expect(rowOf(first?.id ?? "")).toHaveAttribute("aria-current", "true");
    expect(rowOf(arrived.id)).not.toHaveAttribute("aria-current");
    await user.keyboard("j");
    expect(rowOf(arrived.id)).not.toHaveAttribute("aria-current");
  }, 20_000);

  it("approving a request that leaves the list selects the one that followed it", async () => {
    const { user } = renderApp();
    await decide(user, payout.id, "approve", await codeOf("Ben Ruiz"));
    await waitFor(() => expect(rowOf(payout.id)).toBeNull());
    const after = pending[pending.findIndex((r) => r.id === payout.id) + 1];
    await waitFor(() => expect(rowOf(after?.id ?? "")).toHaveAttribute("aria-current", "true"));
  });

  it("offers no decision on the member's own request: Approve and Reject disabled, the reason beside them", async () => {
    const { user } = renderApp();
    await user.click(await findRow(own.id));
    const detail = screen.getByRole("article", { name: `Request ${own.id}` });
    const reason = "You initiated this request; a member can never approve or reject their own request";
    expect(detail).toHaveTextContent(reason);
    for (const button of ["approve", "reject"]) {
      expect(within(detail).getByTestId(button)).toBeDisabled();
      expect(within(detail).getByTestId(button)).toHaveAccessibleDescription(reason);
    }
    // Neither the buttons nor their shortcuts open a prompt: no code is typed for nothing.
    await user.keyboard("a");
    await user.keyboard("r");
    expect(screen.queryByTestId("otp-input")).toBeNull();
    // Cancelling it stays offered: it is the initiator's to withdraw.
    expect(within(detail).getByTestId("cancel-request")).toBeEnabled();
    expect(rowOf(own.id)).toHaveAttribute("data-approvals", "0/2");
  });

  it("shows invalid_otp for a wrong code and lets the member try again", async () => {
    const { user } = renderApp();
    const code = await codeOf("Ben Ruiz");
    const wrong = code === "000000" ? "111111" : "000000";
    await decide(user, bot.id, "approve", wrong);

    const error = await screen.findByTestId("action-error");
    expect(error).toHaveAttribute("data-code", "invalid_otp");
    expect(error).toHaveTextContent("That code is wrong, expired or already used.");
    const input = screen.getByTestId("otp-input");
    expect(input).toHaveValue("");
    expect(input).toHaveFocus();

    await user.type(input, "{Enter}");
    await user.type(input, `${code}{Enter}`);
    expect(await screen.findByTestId("action-ok")).toBeInTheDocument();
    expect(screen.queryByTestId("action-error")).toBeNull();
  });

  it("rejects with a reason", async () => {
    const { user } = renderApp();
    await user.click(await findRow(usd.id));
    await user.click(screen.getByTestId("reject"));
    await user.type(screen.getByTestId("reject-reason"), "Address not in the plan");
    await user.type(screen.getByTestId("otp-input"), await codeOf("Ben Ruiz"));
    await user.click(screen.getByTestId("otp-submit"));

    expect(await screen.findByTestId("action-ok")).toHaveTextContent(`Rejected ${usd.id}`);
    await waitFor(() => expect(rowOf(usd.id)).toBeNull());
    await user.click(screen.getByTestId("nav-requests"));
    await user.click(await findRow(usd.id));
    expect(screen.getByRole("article", { name: `Request ${usd.id}` })).toHaveTextContent("Address not in the plan");
  });

  it("is driven by the keyboard: j/k select, a opens the prompt, Escape closes it, / filters, ? helps", async () => {
    const { user } = renderApp();
    const [first, second] = pending;
    if (!first || !second) throw new Error("two pending requests");
    await findRow(first.id);
    await waitFor(() => expect(rowOf(first.id)).toHaveAttribute("aria-current", "true"));

    await user.keyboard("j");
    expect(rowOf(second.id)).toHaveAttribute("aria-current", "true");
    await user.keyboard("j");
    await user.keyboard("k");
    expect(rowOf(second.id)).toHaveAttribute("aria-current", "true");
    expect(rowOf(second.id)).toHaveFocus();

    await user.keyboard("a");
    expect(screen.getByTestId("otp-input")).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("otp-input")).toBeNull();

    await user.keyboard("r");
    expect(screen.getByTestId("reject-reason")).toBeInTheDocument();
    await user.keyboard("{Escape}");

    await user.keyboard("/");
    expect(screen.getByRole("searchbox", { name: "Filter requests" })).toHaveFocus();
    await user.keyboard("eth");
    expect(screen.getAllByTestId("request-row").map((r) => r.dataset.requestId)).toEqual([eth.id]);
    await user.keyboard("{Escape}");
    await user.tab();

    await user.keyboard("?");
    expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("says what would appear when nothing is pending", async () => {
    // The sandbox always has a queue: an empty one is the core's answer overridden.
    const host = replay(officer);
    renderApp({ ...host, listRequests: () => Promise.resolve([]) });
    expect(await screen.findByText("No requests are waiting")).toBeInTheDocument();
    expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^0$/);
  });
});

describe("Requests", () => {
  it("lists every status with a status column and filters by status", async () => {
    const { user } = renderApp(replay(officer, { state: "history" }));
    await user.click(await screen.findByTestId("nav-requests"));
    await findRow(payout.id);
    const statuses = screen.getAllByTestId("request-row").map((r) => r.dataset.status);
    expect(new Set(statuses)).toEqual(new Set(["pending", "completed", "rejected", "cancelled"]));
    expect(statuses).toHaveLength(pending.length);

    await user.selectOptions(screen.getByRole("combobox", { name: "Status" }), "rejected");
    await waitFor(() => expect(screen.getAllByTestId("request-row")).toHaveLength(1));
    const row = await findRow(usd.id);
    expect(row).toHaveTextContent("Rejected");
    expect(within(row).getByText("250,000")).toBeInTheDocument();

    await user.selectOptions(screen.getByRole("combobox", { name: "Workflow" }), "manage_access");
    expect(await screen.findByText("No rejected requests in Manage Access")).toBeInTheDocument();
  });

  it("shows no decision buttons for a request that is no longer pending", async () => {
    const { user } = renderApp(replay(officer, { state: "history" }));
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow(payout.id));
    expect(screen.getByRole("article", { name: `Request ${payout.id}` })).toHaveTextContent(/Ben Ruiz.*approved/);
    expect(screen.queryByTestId("approve")).toBeNull();
    expect(screen.queryByTestId("reject")).toBeNull();
  });
});

describe("Sandbox", () => {
  it("shows the badge and every demo member with a code and a countdown", async () => {
    renderApp();
    expect(await screen.findByTestId("sandbox-badge")).toHaveTextContent("SANDBOX");
    const panel = screen.getByTestId("sandbox-panel");
    expect(panel).toHaveTextContent("Sandbox — demo members");
    await waitFor(() => expect(within(panel).getAllByTestId("demo-member")).toHaveLength(5));
    for (const code of within(panel).getAllByTestId("demo-code")) expect(code.textContent).toMatch(/^\d{6}$/);
    expect(panel).toHaveTextContent(/\d+ s/);
    expect(within(panel).getAllByTestId("switch-member")).toHaveLength(4);
  });

  it("switching member changes the top bar and reloads the lists", async () => {
    const { user } = renderApp();
    expect(await screen.findByTestId("current-member")).toHaveTextContent("Ben Ruiz");
    await waitFor(() => expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^5$/));

    const dev = await waitFor(() => {
      const found = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberId === "m-dev");
      if (!found) throw new Error("no Dev");
      return found;
    });
    await user.click(within(dev).getByTestId("switch-member"));

    await waitFor(() => expect(screen.getByTestId("current-member")).toHaveTextContent("Dev Malik"));
    await waitFor(() => expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^0$/));
    expect(await screen.findByText("Nothing needs your decision; 6 pending wait for others.")).toBeInTheDocument();
    await waitFor(() => expect(within(dev).queryByTestId("switch-member")).toBeNull());
  });

  it("is absent in remote mode", async () => {
    const host = replay(officer);
    renderApp({
      ...host,
      getSession: async () => ({ ...(await host.getSession()), mode: "remote", org_name: "Acme Treasury" }),
    });
    expect(await screen.findByText("Acme Treasury")).toBeInTheDocument();
    expect(screen.queryByTestId("sandbox-badge")).toBeNull();
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();
  });
});

describe("Host failures", () => {
  it("says the core is unreachable and retries on request", async () => {
    const host = replay(officer);
    const getSession = vi
      .fn<Host["getSession"]>()
      .mockRejectedValueOnce({ code: "unavailable", message: "The organization server did not answer." })
      .mockImplementation(() => host.getSession());
    const { user } = renderApp({ ...host, getSession });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveAttribute("data-code", "unavailable");
    expect(alert).toHaveTextContent("The organization server did not answer.");
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("current-member")).toHaveTextContent("Ben Ruiz");
  });

  it("shows a list failure in place with Retry", async () => {
    const host = replay(officer);
    const listRequests = vi
      .fn<Host["listRequests"]>()
      .mockRejectedValueOnce(new HostError("unavailable", "The organization server did not answer."))
      .mockImplementation((filter) => host.listRequests(filter));
    const { user } = renderApp({ ...host, listRequests });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Couldn't load requests.");
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await findRow(bot.id)).toBeInTheDocument();
  });
});
