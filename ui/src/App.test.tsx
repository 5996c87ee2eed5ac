import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { createFakeHost, HostError, HostProvider, type Host } from "./platform";

function renderApp(host: Host = createFakeHost()) {
  const user = userEvent.setup();
  render(
    <HostProvider host={host}>
      <App />
    </HostProvider>,
  );
  return { user, host };
}

const rowOf = (id: string) => document.querySelector<HTMLElement>(`[data-testid="request-row"][data-request-id="${id}"]`);

async function findRow(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const row = rowOf(id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  });
}

/** Reads a demo member's current code from the sandbox panel, as a person would. */
async function codeOf(name: string): Promise<string> {
  const member = await waitFor(() => {
    const found = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberName === name);
    if (!found) throw new Error(`no demo member ${name}`);
    return found;
  });
  return within(member).getByTestId("demo-code").textContent;
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
    const row = await findRow("req-1006");
    expect(row).toHaveAttribute("data-initiator", "rebalancer-bot");
    expect(row).toHaveAttribute("data-approvals", "1/2");
    expect(row).toHaveAttribute("data-status", "pending");
    expect(row).toHaveTextContent("rebalancer-bot");
    expect(within(row).getByText("bot")).toBeInTheDocument();
    expect(within(row).getByText("2.5")).toBeInTheDocument();
    expect(within(row).getByText("BTC")).toBeInTheDocument();
    expect(within(row).getByText("cold-storage-2")).toBeInTheDocument();
    expect(within(row).getByText("1 / 2")).toBeInTheDocument();
    expect(within(row).getByText("12 min")).toBeInTheDocument();

    expect(within(await findRow("req-1005")).getByText("250,000.00")).toBeInTheDocument();
    const ids = screen.getAllByTestId("request-row").map((r) => r.dataset.requestId);
    expect(ids).toEqual(["req-1008", "req-1006", "req-1007", "req-1005", "req-1004"]);
    expect(screen.getAllByTestId("request-row").every((r) => r.dataset.status === "pending")).toBe(true);
  });

  it("counts the pending requests the signed-in member may decide", async () => {
    renderApp();
    await waitFor(() => expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^4$/));
  });

  it("shows the selected request in plain words with its decisions and eligibility", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1006"));
    const detail = screen.getByRole("article", { name: "Request req-1006" });
    expect(within(detail).getByRole("heading", { level: 2 })).toHaveTextContent("rebalancer-bot wants to withdraw 2.5 BTC to cold-storage-2");
    expect(detail).toHaveTextContent("0.00015 BTC");
    expect(detail).toHaveTextContent("bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh");
    expect(detail).toHaveTextContent(/Bob Okafor.*approved/);
    expect(detail).toHaveTextContent("You may approve or reject this request; 1 more approval needed.");
    expect(within(detail).getAllByRole("time")[0]).toHaveAttribute("title", expect.stringMatching(/ UTC$/) as string);
  });

  it("approves with the right code: 1 / 2 becomes 2 / 2 and the request leaves the pending list", async () => {
    const { user } = renderApp();
    await decide(user, "req-1006", "approve", await codeOf("Alice Moreau"));

    expect(await screen.findByTestId("action-ok")).toHaveTextContent("2 / 2 approvals");
    await waitFor(() => expect(rowOf("req-1006")).toBeNull());
    expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^3$/);
    expect(screen.queryByTestId("otp-input")).toBeNull();

    await user.click(screen.getByTestId("nav-requests"));
    const row = await findRow("req-1006");
    expect(row).toHaveAttribute("data-approvals", "2/2");
    expect(row).toHaveAttribute("data-status", "completed");
  });

  it("approving a request that needs more keeps it pending with one more approval", async () => {
    const { user } = renderApp();
    await decide(user, "req-1004", "approve", await codeOf("Alice Moreau"));

    expect(await screen.findByTestId("action-ok")).toHaveTextContent("1 / 2 approvals");
    await waitFor(() => expect(rowOf("req-1004")).toHaveAttribute("data-approvals", "1/2"));
    expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^3$/);
  });

  it("shows the self_approval error beside the prompt", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1005"));
    expect(screen.getByRole("article", { name: "Request req-1005" })).toHaveTextContent(
      "You initiated this request; someone else must approve it",
    );
    await decide(user, "req-1005", "approve", await codeOf("Alice Moreau"));

    const error = await screen.findByTestId("action-error");
    expect(error).toHaveAttribute("data-code", "self_approval");
    expect(error).toHaveTextContent("You initiated this request; someone else must approve it");
    expect(screen.getByTestId("otp-input")).toBeInTheDocument();
    expect(rowOf("req-1005")).toHaveAttribute("data-approvals", "0/2");
  });

  it("shows invalid_otp for a wrong code and lets the member try again", async () => {
    const { user } = renderApp();
    const code = await codeOf("Alice Moreau");
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");
    await decide(user, "req-1006", "approve", wrong);

    const error = await screen.findByTestId("action-error");
    expect(error).toHaveAttribute("data-code", "invalid_otp");
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
    await user.click(await findRow("req-1004"));
    await user.click(screen.getByTestId("reject"));
    await user.type(screen.getByTestId("reject-reason"), "Address not in the plan");
    await user.type(screen.getByTestId("otp-input"), await codeOf("Alice Moreau"));
    await user.click(screen.getByTestId("otp-submit"));

    expect(await screen.findByTestId("action-ok")).toHaveTextContent("Rejected req-1004");
    await waitFor(() => expect(rowOf("req-1004")).toBeNull());
    await user.click(screen.getByTestId("nav-requests"));
    await user.click(await findRow("req-1004"));
    expect(screen.getByRole("article", { name: "Request req-1004" })).toHaveTextContent("Address not in the plan");
  });

  it("is driven by the keyboard: j/k select, a opens the prompt, Escape closes it, / filters, ? helps", async () => {
    const { user } = renderApp();
    await findRow("req-1008");
    await waitFor(() => expect(rowOf("req-1008")).toHaveAttribute("aria-current", "true"));

    await user.keyboard("j");
    expect(rowOf("req-1006")).toHaveAttribute("aria-current", "true");
    await user.keyboard("j");
    await user.keyboard("k");
    expect(rowOf("req-1006")).toHaveAttribute("aria-current", "true");
    expect(rowOf("req-1006")).toHaveFocus();

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
    expect(screen.getAllByTestId("request-row").map((r) => r.dataset.requestId)).toEqual(["req-1004"]);
    await user.keyboard("{Escape}");
    await user.tab();

    await user.keyboard("?");
    expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("says what would appear when nothing is pending", async () => {
    const host = createFakeHost();
    renderApp({ ...host, listRequests: () => Promise.resolve([]) });
    expect(await screen.findByText("No requests are waiting")).toBeInTheDocument();
    expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^0$/);
  });
});

describe("Requests", () => {
  it("lists every status with a status column and filters by status", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-requests"));
    await findRow("req-1001");
    expect(screen.getAllByTestId("request-row").map((r) => r.dataset.status)).toEqual([
      "pending",
      "pending",
      "pending",
      "pending",
      "pending",
      "completed",
      "rejected",
      "cancelled",
      "completed",
      "expired",
    ]);

    await user.selectOptions(screen.getByRole("combobox", { name: "Status" }), "rejected");
    await waitFor(() => expect(screen.getAllByTestId("request-row")).toHaveLength(1));
    const row = await findRow("req-1002");
    expect(row).toHaveTextContent("Rejected");
    expect(within(row).getByText("0.00000001")).toBeInTheDocument();

    await user.selectOptions(screen.getByRole("combobox", { name: "Workflow" }), "manage_access");
    expect(await screen.findByText("No rejected requests in Manage Access")).toBeInTheDocument();
  });

  it("shows no decision buttons for a request that is no longer pending", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow("req-1003"));
    expect(screen.getByRole("article", { name: "Request req-1003" })).toHaveTextContent(/Alice Moreau.*approved/);
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
    await waitFor(() => expect(within(panel).getAllByTestId("demo-member")).toHaveLength(4));
    for (const code of within(panel).getAllByTestId("demo-code")) expect(code.textContent).toMatch(/^\d{6}$/);
    expect(panel).toHaveTextContent(/\d+ s/);
    expect(within(panel).getAllByTestId("switch-member")).toHaveLength(3);
  });

  it("switching member changes the top bar and reloads the lists", async () => {
    const { user } = renderApp();
    expect(await screen.findByTestId("current-member")).toHaveTextContent("Alice Moreau");
    await waitFor(() => expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^4$/));

    const dave = await waitFor(() => {
      const found = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberId === "m-dave");
      if (!found) throw new Error("no Dave");
      return found;
    });
    await user.click(within(dave).getByTestId("switch-member"));

    await waitFor(() => expect(screen.getByTestId("current-member")).toHaveTextContent("Dave Brennan"));
    await waitFor(() => expect(screen.getByTestId("needs-me-count")).toHaveTextContent(/^0$/));
    expect(await screen.findByText("Nothing needs your decision; 5 pending wait for others.")).toBeInTheDocument();
    await waitFor(() => expect(within(dave).queryByTestId("switch-member")).toBeNull());
  });

  it("is absent in remote mode", async () => {
    const host = createFakeHost();
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
    const host = createFakeHost();
    const getSession = vi
      .fn<Host["getSession"]>()
      .mockRejectedValueOnce({ code: "unavailable", message: "The organization server did not answer." })
      .mockImplementation(() => host.getSession());
    const { user } = renderApp({ ...host, getSession });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveAttribute("data-code", "unavailable");
    expect(alert).toHaveTextContent("The organization server did not answer.");
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("current-member")).toHaveTextContent("Alice Moreau");
  });

  it("shows a list failure in place with Retry", async () => {
    const host = createFakeHost();
    const listRequests = vi
      .fn<Host["listRequests"]>()
      .mockRejectedValueOnce(new HostError("unavailable", "The organization server did not answer."))
      .mockImplementation((filter) => host.listRequests(filter));
    const { user } = renderApp({ ...host, listRequests });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Couldn't load requests.");
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await findRow("req-1006")).toBeInTheDocument();
  });
});
