import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { codeOf, findRow, renderApp, rowOf, signInAs } from "../../test/app";

const detailOf = (id: string) => screen.getByRole("article", { name: `Request ${id}` });

describe("Requests of every kind", () => {
  it("shows amount, asset and destination only for withdrawals; other kinds say what they do, with the workflow", async () => {
    renderApp();
    const bot = await findRow("req-1007");
    expect(bot).toHaveAttribute("data-kind", "create_service_user");
    expect(bot).toHaveTextContent("Create service user hedge-bot with 4 API permissions");
    expect(within(bot).getByText("Manage Access")).toBeInTheDocument();
    expect(bot.querySelector(".amount-value")).toBeNull();
    expect(bot.querySelector(".asset")).toBeNull();

    const policy = await findRow("req-1008");
    expect(policy).toHaveTextContent("Set the Initiate Withdrawal policy to 3 approvals");
    expect(within(policy).getByText("Manage Policies")).toBeInTheDocument();
    expect(policy.querySelector(".amount-value")).toBeNull();

    const withdrawal = await findRow("req-1006");
    expect(withdrawal.querySelector(".amount-value")).toHaveTextContent("2.5");
    expect(withdrawal.querySelector(".what")).toBeNull();
  });

  it("renders a service user's creation: name, scopes by group with what they allow, and settings", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1007"));
    const detail = detailOf("req-1007");
    expect(detail).toHaveTextContent("hedge-bot");
    expect(detail).not.toHaveTextContent("Amount");
    const scope = (name: string) => detail.querySelector(`[data-testid="scope"][data-scope="${name}"]`);
    expect(scope("trades_modify")).toHaveAttribute("data-granted", "true");
    expect(scope("trades_modify")).toHaveAttribute("data-group", "orders_and_trades");
    expect(scope("trades_modify")).toHaveTextContent("Place new orders and modify existing ones.");
    expect(scope("funds_withdraw")).toHaveAttribute("data-granted", "false");
    const settings = within(detail).getByTestId("key-settings");
    expect(settings).toHaveTextContent("198.51.100.7");
    expect(settings).toHaveTextContent("Yes: the key may obtain a WebSocket token");
    expect(settings).toHaveTextContent(/Key expiration\s*Never/);
  });

  it("renders a policy change as the proposed policy against the current one", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1008"));
    const compare = within(detailOf("req-1008")).getByTestId("policy-compare");
    expect(within(compare).getByRole("row", { name: /Required approvals/ })).toHaveTextContent(/Required approvals\s*2\s*3/);
    expect(detailOf("req-1008")).toHaveTextContent("Tightens Required approvals: 2 → 3");
  });

  it("renders a key change with what it gains and loses, and address-book entries with key, asset and address", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow("req-1010"));
    const change = detailOf("req-1010");
    expect(await within(change).findByTestId("scope-diff")).toHaveTextContent("gains: Create & modify orders");
    expect(change).toHaveTextContent("payout-bot");
    expect(within(change).getByTestId("key-settings")).toHaveTextContent(/was 203\.0\.113\.0\/24\s*2001:db8::\/48/);

    await user.click(await findRow("req-1009"));
    const address = detailOf("req-1009");
    expect(address).toHaveTextContent("eur-payroll");
    expect(address).toHaveTextContent("EUR");
    expect(address).toHaveTextContent("DE89370400440532013000");
    expect(address).toHaveTextContent("None required");
  });

  it("filters by workflow next to the status", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-requests"));
    await findRow("req-1001");
    await user.selectOptions(screen.getByRole("combobox", { name: "Workflow" }), "manage_policies");
    await waitFor(() => expect(screen.getAllByTestId("request-row").map((r) => r.dataset.requestId)).toEqual(["req-1008"]));
    await user.selectOptions(screen.getByRole("combobox", { name: "Workflow" }), "initiate_withdrawal");
    await waitFor(() => expect(screen.getAllByTestId("request-row")).toHaveLength(6));
    expect(screen.getAllByTestId("request-row").every((r) => r.dataset.kind === "withdrawal")).toBe(true);
  });
});

describe("Why it is waiting", () => {
  it("gives the governing policy, approvals so far, who may still approve and the expiry", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1006"));
    const why = within(detailOf("req-1006")).getByTestId("why-waiting");
    expect(why).toHaveTextContent("Initiate Withdrawal requires 2 approvals, always.");
    expect(why).toHaveTextContent("1 of 2 approvals so far; 1 more needed.");
    expect(why).toHaveTextContent(/Bob Okafor.*approved/);
    expect(within(why).getAllByTestId("still-eligible").map((e) => e.textContent)).toEqual(["Alice Moreau", "Carol Lindqvist"]);
    expect(why).toHaveTextContent("any one of them can reject");
    expect(why).toHaveTextContent(/Expires .* \(in 2 d\) if still pending/);
    expect(within(why).queryByTestId("policy-changed")).toBeNull();
  });

  it("flags a request whose workflow's policy changed since it was submitted", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1007"));
    const why = within(detailOf("req-1007")).getByTestId("why-waiting");
    expect(within(why).getByTestId("policy-changed")).toHaveTextContent(
      "The policy changed since this was submitted; it still follows the policy it was submitted under.",
    );
    expect(within(why).getByTestId("governing-policy")).toHaveTextContent("Manage Access requires 1 approval unless executed.");
    expect(why).toHaveTextContent("Now: Manage Access requires 1 approval, always.");
    expect(why).toHaveTextContent("It does not expire");
    expect(within(why).getAllByTestId("still-eligible").map((e) => e.textContent)).toEqual(["Alice Moreau", "Bob Okafor"]);
  });

  it("is not shown once a request is no longer pending", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow("req-1003"));
    expect(within(detailOf("req-1003")).queryByTestId("why-waiting")).toBeNull();
    expect(detailOf("req-1003")).toHaveTextContent("Initiate Withdrawal requires 2 approvals, always (as submitted)");
  });
});

describe("Cancel request", () => {
  it("is offered only to the initiator of a pending request", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1005"));
    expect(within(detailOf("req-1005")).getByTestId("cancel-request")).toBeInTheDocument();
    for (const other of ["req-1006", "req-1007", "req-1008"]) {
      await user.click(await findRow(other));
      expect(within(detailOf(other)).queryByTestId("cancel-request")).toBeNull();
    }
    await user.click(screen.getByTestId("nav-requests"));
    await user.click(await findRow("req-1010"));
    expect(within(detailOf("req-1010")).queryByTestId("cancel-request")).toBeNull();

    await signInAs(user, "Carol Lindqvist");
    await user.click(screen.getByTestId("nav-approvals"));
    await user.click(await findRow("req-1008"));
    expect(within(detailOf("req-1008")).getByTestId("cancel-request")).toBeInTheDocument();
    await user.click(await findRow("req-1005"));
    expect(within(detailOf("req-1005")).queryByTestId("cancel-request")).toBeNull();
  });

  it("asks for a code, refuses a wrong one, and cancels with the right one", async () => {
    const { user } = renderApp();
    await user.click(await findRow("req-1005"));
    await user.click(screen.getByTestId("cancel-request"));
    const code = await codeOf("Alice Moreau");
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");
    await user.type(screen.getByTestId("otp-input"), wrong);
    await user.click(screen.getByTestId("otp-submit"));
    expect(await screen.findByTestId("action-error")).toHaveAttribute("data-code", "invalid_otp");
    expect(rowOf("req-1005")).not.toBeNull();

    await user.type(screen.getByTestId("otp-input"), `${code}{Enter}`);
    expect(await screen.findByTestId("action-ok")).toHaveTextContent("Cancelled req-1005");
    await waitFor(() => expect(rowOf("req-1005")).toBeNull());
    await user.click(screen.getByTestId("nav-requests"));
    expect(await findRow("req-1005")).toHaveAttribute("data-status", "cancelled");
  });
});
