import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { RequestView } from "../../bindings/RequestView";
import adminRecording from "../../fixtures/admin.json";
import officerRecording from "../../fixtures/officer.json";
import { answer, codeOf, findRow, renderOn, replay, rowOf, signInAs } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const admin = adminRecording as Recording;
const officer = officerRecording as Recording;

/** Ada's view once Eve asked for one request of each kind and the Manage Access policy changed. */
const REVIEW = "access-policy-changed";
const everything = answer<RequestView[]>(admin, REVIEW, "list_requests", { filter: { status: null, workflow: null } });

/** The request of `kind` (and `workflow`, for policy changes) among everything Ada sees. */
function requestOf(kind: string, workflow?: string): RequestView {
  const found = everything.find(
    (r) => r.payload.kind === kind && (workflow === undefined || ("workflow" in r.payload && r.payload.workflow === workflow)),
  );
  if (!found) throw new Error(`no ${kind} request`);
  return found;
}

const creation = requestOf("create_service_user");
const tighten = requestOf("change_policy", "initiate_withdrawal");
const keyChange = requestOf("change_service_user_key");
const address = requestOf("add_address");
const withdrawal = everything.find((r) => r.initiator.name === "payout-bot") as RequestView;
const own = everything.find((r) => r.initiator.name === "Ada Okafor") as RequestView;

const detailOf = (id: string) => screen.getByRole("article", { name: `Request ${id}` });

const review = () => renderOn(replay(admin, { state: REVIEW }));

describe("Requests of every kind", () => {
  it("shows amount, asset and destination only for withdrawals; other kinds say what they do, with the workflow", async () => {
    review();
    const bot = await findRow(creation.id);
    expect(bot).toHaveAttribute("data-kind", "create_service_user");
    expect(bot).toHaveTextContent("Create service user hedge-bot with 4 API permissions");
    expect(within(bot).getByText("Manage Access")).toBeInTheDocument();
    expect(bot.querySelector(".amount-value")).toBeNull();
    expect(bot.querySelector(".asset")).toBeNull();

    const policy = await findRow(tighten.id);
    expect(policy).toHaveTextContent("Set the Initiate Withdrawal policy to 3 approvals");
    expect(within(policy).getByText("Manage Policies")).toBeInTheDocument();
    expect(policy.querySelector(".amount-value")).toBeNull();

    const money = await findRow(withdrawal.id);
    expect(money.querySelector(".amount-value")).toHaveTextContent("48,000");
    expect(money.querySelector(".what")).toBeNull();
  });

  it("renders a service user's creation: name, scopes by group with what they allow, and settings", async () => {
    const { user } = review();
    await user.click(await findRow(creation.id));
    const detail = detailOf(creation.id);
    expect(detail).toHaveTextContent("hedge-bot");
    expect(detail).not.toHaveTextContent("Amount");
    const scope = (name: string) => detail.querySelector(`[data-testid="scope"][data-scope="${name}"]`);
    expect(scope("trades_modify")).toHaveAttribute("data-granted", "true");
    expect(scope("trades_modify")).toHaveAttribute("data-group", "orders_and_trades");
    expect(scope("trades_modify")).toHaveTextContent("Place new orders, modify existing ones.");
    expect(scope("funds_withdraw")).toHaveAttribute("data-granted", "false");
    const settings = within(detail).getByTestId("key-settings");
    expect(settings).toHaveTextContent("198.51.100.7");
    expect(settings).toHaveTextContent("Yes: the key may obtain a WebSocket token");
    expect(settings).toHaveTextContent(/Key expiration\s*Never/);
  });

  it("renders a policy change as the proposed policy against the current one", async () => {
    const { user } = review();
    await user.click(await findRow(tighten.id));
    const compare = within(detailOf(tighten.id)).getByTestId("policy-compare");
    expect(within(compare).getByRole("row", { name: /Required approvals/ })).toHaveTextContent(/Required approvals\s*2\s*3/);
    expect(detailOf(tighten.id)).toHaveTextContent("Tightens Required approvals: 2 → 3");
  });

  it("renders a key change with what it gains and loses, and address-book entries with key, asset and address", async () => {
    const { user } = review();
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow(keyChange.id));
    const change = detailOf(keyChange.id);
    // The approver reads the change as the engine computes it, the same lines its initiator saw.
    const lines = await within(change).findAllByTestId("change-line");
    expect(lines.map((l) => [l.dataset.direction, l.textContent])).toEqual(
      keyChange.changes.map((c) => [c.direction ?? "none", expect.stringContaining(c.text.slice(1)) as unknown]),
    );
    expect(lines[0]).toHaveTextContent("Loosens" + "Gains Create & modify orders (trades_modify)");
    expect(change).toHaveTextContent("payout-bot");
    expect(within(change).getByTestId("key-settings")).toHaveTextContent("2001:db8::/48");

    await user.click(await findRow(address.id));
    const entry = detailOf(address.id);
    expect(entry).toHaveTextContent("eur-savings");
    expect(entry).toHaveTextContent("EUR");
    expect(entry).toHaveTextContent("DE02120300000000202051");
    expect(entry).toHaveTextContent("None required");
  });

  it("filters by workflow next to the status", async () => {
    const { user } = review();
    await user.click(await screen.findByTestId("nav-requests"));
    await findRow(address.id);
    await user.selectOptions(screen.getByRole("combobox", { name: "Workflow" }), "manage_policies");
    const policies = everything.filter((r) => r.workflow === "manage_policies").map((r) => r.id);
    expect(policies).toHaveLength(2);
    await waitFor(() => expect(screen.getAllByTestId("request-row").map((r) => r.dataset.requestId)).toEqual(policies));
    await user.selectOptions(screen.getByRole("combobox", { name: "Workflow" }), "initiate_withdrawal");
    await waitFor(() => expect(screen.getAllByTestId("request-row")).toHaveLength(6));
    expect(screen.getAllByTestId("request-row").every((r) => r.dataset.kind === "withdrawal")).toBe(true);
  });
});

describe("Why it is waiting", () => {
  it("gives the governing policy, approvals so far, who may still approve and the expiry", async () => {
    const { user } = review();
    await user.click(await findRow(withdrawal.id));
    const why = within(detailOf(withdrawal.id)).getByTestId("why-waiting");
    expect(why).toHaveTextContent("Initiate Withdrawal requires 2 approvals, always.");
    expect(why).toHaveTextContent("1 of 2 approvals so far; 1 more needed.");
    expect(why).toHaveTextContent(/Chloe Park.*approved/);
    expect(within(why).getAllByTestId("still-eligible").map((e) => e.textContent)).toEqual(["Ada Okafor", "Ben Ruiz"]);
    expect(why).toHaveTextContent("any one of them can reject");
    expect(why).toHaveTextContent("It does not expire");
    expect(within(why).queryByTestId("policy-changed")).toBeNull();
  });

  it("flags a request whose workflow's policy changed since it was submitted", async () => {
    const { user } = review();
    await user.click(await findRow(creation.id));
    const why = within(detailOf(creation.id)).getByTestId("why-waiting");
    expect(within(why).getByTestId("policy-changed")).toHaveTextContent(
      "The policy changed since this was submitted; it still follows the policy it was submitted under.",
    );
    expect(within(why).getByTestId("governing-policy")).toHaveTextContent("Manage Access requires 1 approval, always.");
    expect(why).toHaveTextContent("Now: Manage Access requires 1 approval unless executed.");
    expect(why).toHaveTextContent("It does not expire");
    expect(within(why).getAllByTestId("still-eligible").map((e) => e.textContent)).toEqual(["Ada Okafor"]);
  });

  it("is not shown once a request is no longer pending", async () => {
    const { user } = review();
    await user.click(await screen.findByTestId("nav-requests"));
    const done = requestOf("change_policy", "manage_access");
    await user.click(await findRow(done.id));
    expect(within(detailOf(done.id)).queryByTestId("why-waiting")).toBeNull();
    expect(detailOf(done.id)).toHaveTextContent("Manage Policies requires 1 approval, always (as submitted)");
  });
});

describe("Cancel request", () => {
  it("is offered only to the initiator of a pending request", async () => {
    const { user } = renderOn(replay(admin, { state: REVIEW }));
    await user.click(await findRow(own.id));
    expect(within(detailOf(own.id)).getByTestId("cancel-request")).toBeInTheDocument();
    for (const other of [withdrawal.id, creation.id, tighten.id]) {
      await user.click(await findRow(other));
      expect(within(detailOf(other)).queryByTestId("cancel-request")).toBeNull();
    }
    await user.click(screen.getByTestId("nav-requests"));
    await user.click(await findRow(address.id));
    expect(within(detailOf(address.id)).queryByTestId("cancel-request")).toBeNull();

    await signInAs(user, "Eve Santos");
    await user.click(screen.getByTestId("nav-approvals"));
    await user.click(await findRow(tighten.id));
    expect(within(detailOf(tighten.id)).getByTestId("cancel-request")).toBeInTheDocument();
  });

  it("asks for a code, refuses a wrong one, and cancels with the right one", async () => {
    const pending = answer<RequestView[]>(officer, "start", "list_requests", { filter: { status: "pending", workflow: null } });
    const mine = pending.find((r) => r.initiator.name === "Ben Ruiz") as RequestView;
    const { user } = renderOn(replay(officer));
    await user.click(await findRow(mine.id));
    await user.click(screen.getByTestId("cancel-request"));
    const code = await codeOf("Ben Ruiz");
    await user.type(screen.getByTestId("otp-input"), code === "000000" ? "111111" : "000000");
    await user.click(screen.getByTestId("otp-submit"));
    expect(await screen.findByTestId("action-error")).toHaveAttribute("data-code", "invalid_otp");
    expect(rowOf(mine.id)).not.toBeNull();

    await user.type(screen.getByTestId("otp-input"), `${code}{Enter}`);
    expect(await screen.findByTestId("action-ok")).toHaveTextContent(`Cancelled ${mine.id}`);
    await waitFor(() => expect(rowOf(mine.id)).toBeNull());
    await user.click(screen.getByTestId("nav-requests"));
    expect(await findRow(mine.id)).toHaveAttribute("data-status", "cancelled");
  });
});

describe("Reveal a created key", () => {
  it("lets the initiator reveal a created key once, stepped up, then copy or store it", async () => {
    const REVEAL = "eve-may-reveal";
    const created = answer<RequestView[]>(admin, REVEAL, "list_requests", { filter: { status: null, workflow: null } }).find(
      (r) => r.payload.kind === "create_service_user" && r.key_to_reveal,
    );
    if (!created) throw new Error("the recording has a key to reveal");
    const { user } = renderOn(replay(admin, { state: REVEAL }));
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow(created.id));
    const detail = detailOf(created.id);
    await user.click(within(detail).getByTestId("reveal-key"));
    const code = await codeOf("Eve Santos");
    await user.type(within(detail).getByTestId("otp-input"), `${code}{Enter}`);
    const issued = await within(detail).findByTestId("key-issued");
    expect(within(issued).getByTestId("revealed-api-secret").textContent).not.toBe("");
    await user.click(within(issued).getByTestId("copy-secret"));
    expect(await within(issued).findByTestId("reveal-status")).toHaveTextContent("the clipboard is cleared in 30 s");
    await user.click(within(issued).getByTestId("store-key"));
    await waitFor(() => expect(within(issued).getByTestId("reveal-status")).toHaveTextContent("Stored in the OS keychain"));
  });

  it("offers no reveal once the key was revealed, nor to anyone but the initiator", async () => {
    const stored = answer<RequestView[]>(admin, "vault-key-stored", "list_requests", { filter: { status: null, workflow: null } });
    const vault = stored.find((r) => r.payload.kind === "create_service_user" && r.payload.name === "vault-bot");
    expect(vault?.key_to_reveal).toBe(false);
    const adaSees = answer<RequestView[]>(admin, "vault-bot-created", "list_requests", { filter: { status: null, workflow: null } });
    expect(adaSees.find((r) => r.id === vault?.id)?.key_to_reveal).toBe(false);
    const { user } = renderOn(replay(admin, { state: "vault-key-stored" }));
    await user.click(await screen.findByTestId("nav-requests"));
    await user.click(await findRow(vault?.id ?? ""));
    expect(within(detailOf(vault?.id ?? "")).queryByTestId("reveal-key")).not.toBeInTheDocument();
  });
});
