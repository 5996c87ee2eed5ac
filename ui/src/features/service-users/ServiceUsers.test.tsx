import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { OrgView } from "../../bindings/OrgView";
import adminRecording from "../../fixtures/admin.json";
import officerRecording from "../../fixtures/officer.json";
import type { Host } from "../../platform";
import { answer, openServiceUser, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const admin = adminRecording as Recording;
const officer = officerRecording as Recording;
const org = answer<OrgView>(officer, "start", "get_org");

const scopeIn = (root: HTMLElement, testId: string, scope: string) => {
  const found = root.querySelector<HTMLElement>(`[data-testid="${testId}"][data-scope="${scope}"]`);
  if (!found) throw new Error(`no ${testId} ${scope}`);
  return found;
};

describe("Service users", () => {
  it("lists each service user with its scope count and when its key was last used", async () => {
    const { user } = renderOn(replay(officer));
    await user.click(await screen.findByTestId("nav-service-users"));
    const rows = await screen.findAllByTestId("service-user-row");
    expect(rows.map((r) => r.dataset.name)).toEqual(["payout-bot", "rebalancer-bot", "reporting-bot"]);
    expect(rows[0]).toHaveTextContent("2 of 10 scopes");
    expect(rows[1]).toHaveTextContent("3 of 10 scopes");
    // The demo's keys have not been used since the sandbox started.
    expect(org.service_users.every((s) => s.last_used === null)).toBe(true);
    expect(rows[2]).toHaveTextContent("never used");
  });

  it("shows granted and not-granted scopes in their groups, with the policy badge on Withdraw", async () => {
    const { user } = renderOn(replay(officer));
    const detail = await openServiceUser(user, "reporting-bot");
    const granted = Array.from(detail.querySelectorAll<HTMLElement>('[data-testid="scope"]'));
    expect(granted).toHaveLength(10);
    expect(granted.filter((s) => s.dataset.granted === "true").map((s) => s.dataset.scope)).toEqual([
      "funds_query",
      "trades_query_closed",
      "ledger_query",
      "export_data",
    ]);
    const groups = within(detail).getAllByRole("group");
    expect(groups.map((g) => g.querySelector("legend")?.textContent)).toEqual(["Funds", "Orders & trades", "Data"]);
    expect(within(groups[0] as HTMLElement).getByText("Withdraw")).toBeInTheDocument();
    expect(within(groups[2] as HTMLElement).getByText("Export data")).toBeInTheDocument();

    const withdraw = scopeIn(detail, "scope", "funds_withdraw");
    expect(withdraw).toHaveAttribute("data-granted", "false");
    expect(within(withdraw).getByRole("img", { name: "Not granted" })).toBeInTheDocument();
    expect(within(withdraw).getByTestId("scope-policy-badge")).toHaveTextContent("Governed by policy: queued for 2 approvals");
    expect(withdraw).toHaveTextContent("Submit withdrawal requests — queued for member approval");
    expect(within(scopeIn(detail, "scope", "export_data")).getByRole("img", { name: "Granted" })).toBeInTheDocument();
    expect(detail.querySelectorAll('[data-testid="scope-policy-badge"]')).toHaveLength(1);

    const settings = within(detail).getByTestId("key-settings");
    expect(settings).toHaveTextContent(/Key expiration\s*Never/);
    expect(settings).toHaveTextContent(/WebSocket\s*No/);
    expect(settings).toHaveTextContent(/IP allowlist\s*Any address/);
  });

  it("names the member who received a bot's secret, who cannot approve its requests", async () => {
    const { user } = renderOn(replay(admin, { state: "bot-key-stored" }));
    const created = await openServiceUser(user, "hedge-bot");
    expect(within(created).getByTestId("key-holder")).toHaveTextContent("Secret held by Ada Okafor: they cannot approve its requests");
    const seeded = await openServiceUser(user, "payout-bot");
    expect(within(seeded).getByTestId("key-holder")).toHaveTextContent("Secret issued outside the Organization's requests");
  });

  it("says a withdrawal is immediate when Initiate Withdrawal has no policy", async () => {
    const { user } = renderOn(replay(admin, { state: "no-withdrawal-policy" }));
    const detail = await openServiceUser(user, "payout-bot");
    expect(within(detail).getByTestId("scope-policy-badge")).toHaveTextContent("Immediate: no policy");
    expect(detail).toHaveTextContent("its withdrawals complete at once");
  });

  it("previews a change: the diff says what it gains and loses, the preview says what the request would do", async () => {
    const host = replay(admin, { state: "eve" });
    const previewRequest = vi.fn<Host["previewRequest"]>((payload, execute) => host.previewRequest(payload, execute));
    const submitRequest = vi.fn<Host["submitRequest"]>((payload, execute, otp, reason) => host.submitRequest(payload, execute, otp, reason));
    const { user } = renderOn({ ...host, previewRequest, submitRequest });
    const detail = await openServiceUser(user, "reporting-bot");
    await user.click(within(detail).getByTestId("preview-change-open"));
    const panel = within(detail).getByTestId("preview-change");
    expect(within(panel).getByTestId("key-change-preview")).toBeDisabled();
    expect(within(panel).getByTestId("key-change-submit")).toHaveAccessibleDescription("No change yet: edit a scope or a setting.");

    await user.click(within(panel).getByRole("checkbox", { name: "Withdraw" }));
    await user.click(within(panel).getByRole("checkbox", { name: "Export data" }));
    expect(within(panel).queryByTestId("key-change-why")).not.toBeInTheDocument();
    expect(scopeIn(panel, "scope-toggle", "funds_withdraw")).toHaveTextContent("gains");
    expect(scopeIn(panel, "scope-toggle", "export_data")).toHaveTextContent("loses");
    // What the key holds now is unchanged until the change completes.
    expect(scopeIn(detail, "scope", "funds_withdraw")).toHaveAttribute("data-granted", "false");

    await user.click(within(panel).getByTestId("key-change-preview"));
    const preview = await within(panel).findByTestId("preview");
    const payload = {
      kind: "change_service_user_key",
      service_user: "su-reporting",
      key: {
        scopes: ["funds_query", "funds_withdraw", "trades_query_closed", "ledger_query"],
        settings: expect.objectContaining({ nonce_window: 0, ip_allowlist: [] }) as unknown,
      },
    };
    expect(previewRequest).toHaveBeenCalledWith(payload, false);
    expect(preview).toHaveAttribute("data-outcome", "queued");
    expect(preview).toHaveTextContent("Queued for 1 approval from Ada Okafor — any one can reject");
    // The diff is the engine's: each line loosening or tightening, with Withdraw's consequence.
    const lines = within(preview).getAllByTestId("change-line");
    expect(lines.map((l) => [l.dataset.direction, l.textContent])).toEqual([
      ["loosening", "LoosensGains Withdraw (funds_withdraw) — each withdrawal queued for 2 approvals under the current policy"],
      ["tightening", "TightensLoses Export data (export_data)"],
    ]);

    await user.click(within(panel).getByTestId("key-change-submit"));
    expect(submitRequest).toHaveBeenCalledWith(payload, false, null, null);
    const outcome = await within(panel).findByTestId("submit-outcome");
    expect(outcome).toHaveAttribute("data-status", "pending");
    expect(outcome).toHaveTextContent(/Submitted [A-Z0-9-]+: waiting for 1 approval\./);
  });

  it("undoing a toggle leaves nothing to submit", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openServiceUser(user, "payout-bot");
    await user.click(within(detail).getByTestId("preview-change-open"));
    const panel = within(detail).getByTestId("preview-change");
    await user.click(within(panel).getByRole("checkbox", { name: "Withdraw" }));
    expect(within(panel).getByTestId("key-change-submit")).toBeEnabled();
    await user.click(within(panel).getByRole("checkbox", { name: "Withdraw" }));
    expect(within(panel).getByTestId("key-change-why")).toHaveTextContent("No change yet: edit a scope or a setting.");
    expect(within(panel).getByTestId("key-change-submit")).toBeDisabled();
  });
});

describe("Service users: the editors", () => {
  const lineTexts = (root: HTMLElement) =>
    within(root)
      .getAllByTestId("change-line")
      .map((l) => [l.dataset.direction, l.dataset.warning === "true", l.textContent]);

  it("creates a service user with every setting set, and shows what it would do before submitting", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    await user.click(await screen.findByTestId("nav-service-users"));
    await user.click(await screen.findByTestId("new-service-user-open"));
    const panel = screen.getByTestId("new-service-user");
    expect(within(panel).getByTestId("new-service-user-submit")).toHaveAccessibleDescription("Name: enter the service user's name.");
    await user.type(within(panel).getByTestId("new-service-user-name"), "audit-bot");
    await user.click(within(panel).getByRole("checkbox", { name: "Query ledger entries" }));
    await user.click(within(panel).getByRole("checkbox", { name: "Export data" }));
    // Each scope names the endpoints it unlocks, from the table the sandbox enforces.
    expect(scopeIn(panel, "scope-toggle", "export_data")).toHaveTextContent(
      "Unlocks AddExport, ExportStatus, RetrieveExport, RemoveExport",
    );
    expect(scopeIn(panel, "scope-toggle", "ledger_query")).toHaveTextContent("WithdrawStatus (or Withdraw)");
    await user.click(within(panel).getByTestId("new-key-expiry-on"));
    fireEvent.change(within(panel).getByTestId("new-key-expiry-at"), { target: { value: "2027-01-31T00:00" } });
    await user.click(within(panel).getByTestId("new-key-window-from-set"));
    fireEvent.change(within(panel).getByTestId("new-key-window-from"), { target: { value: "2026-01-01" } });
    await user.click(within(panel).getByTestId("new-key-window-to-set"));
    fireEvent.change(within(panel).getByTestId("new-key-window-to"), { target: { value: "2026-06-30" } });
    await user.click(within(panel).getByRole("button", { name: "5 s" }));
    await user.click(within(panel).getByTestId("new-key-ip-add"));
    await user.type(within(panel).getByRole("textbox", { name: "IP allow-list entry 1" }), "203.0.113.0/24");

    await user.click(within(panel).getByTestId("new-service-user-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "queued");
    expect(lineTexts(preview)).toEqual([
      ["loosening", false, "LoosensGains Query ledger entries (ledger_query)"],
      ["loosening", false, "LoosensGains Export data (export_data)"],
      ["tightening", false, "TightensExpires 2027-01-31"],
      ["tightening", false, "TightensQueries see entries from 2026-01-01 on"],
      ["tightening", false, "TightensQueries see entries before 2026-07-01"],
      ["loosening", false, "LoosensAccepts a nonce up to 5000 below the highest seen"],
      ["tightening", false, "TightensWorks only from 203.0.113.0/24"],
    ]);
    await user.click(within(panel).getByTestId("new-service-user-submit"));
    const outcome = await within(panel).findByTestId("submit-outcome");
    expect(outcome).toHaveAttribute("data-status", "pending");
  });

  it("warns before a key is opened to every IPv4 address", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openServiceUser(user, "payout-bot");
    await user.click(within(detail).getByTestId("preview-change-open"));
    const panel = within(detail).getByTestId("preview-change");
    await user.click(within(panel).getByTestId("key-su-payouts-ip-add"));
    await user.type(within(panel).getByRole("textbox", { name: "IP allow-list entry 1" }), "0.0.0.0/0");
    await user.click(within(panel).getByTestId("key-change-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(lineTexts(preview)).toEqual([
      ["tightening", false, "TightensIP allow-list narrowed from any address to 0.0.0.0/0"],
      ["loosening", true, "Loosens! IP allow-list entry 0.0.0.0/0 admits every IPv4 address"],
    ]);
    const warned = within(preview)
      .getAllByTestId("trace-step")
      .filter((s) => s.dataset.verdict === "warn");
    expect(warned.map((s) => s.dataset.rule)).toEqual(["change.warning"]);
    // A warning is not a refusal: it may still be submitted.
    expect(within(panel).getByTestId("key-change-submit")).toBeEnabled();
  });

  it("previews a bot's withdrawal as the bot would send it", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openServiceUser(user, "payout-bot");
    await user.click(within(detail).getByTestId("bot-withdrawal-open"));
    const panel = within(detail).getByTestId("bot-withdrawal");
    expect(within(panel).getByTestId("bot-withdrawal-preview")).toBeDisabled();
    await user.selectOptions(within(panel).getByTestId("bot-withdrawal-to"), "cold-storage-1");
    await user.type(within(panel).getByTestId("bot-withdrawal-amount"), "2");
    await user.click(within(panel).getByTestId("bot-withdrawal-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "queued");
    expect(preview).toHaveTextContent("Queued for 2 approvals");
    const rules = within(preview)
      .getAllByTestId("trace-step")
      .map((s) => s.dataset.rule);
    expect(rules).toContain("service_user.scope");
    expect(rules).toContain("service_user.never_executes");
  });

  it("shows what the key did, scope by scope, from the org API's record", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openServiceUser(user, "payout-bot");
    await user.click(within(detail).getByTestId("key-usage-open"));
    const record = await within(detail).findByTestId("key-usage-record");
    expect(
      within(record)
        .getAllByTestId("scope-use")
        .map((r) => [r.dataset.scope, r.textContent]),
    ).toEqual([
      ["funds_query", "Query never used"],
      ["funds_withdraw", "Withdraw never used"],
    ]);
    expect(within(record).getByTestId("no-advice")).toHaveTextContent("The key has not been used");
  });

  it("removes a service user through a Manage Access request", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openServiceUser(user, "reporting-bot");
    await user.click(within(detail).getByTestId("remove-service-user-open"));
    const panel = within(detail).getByTestId("remove-service-user");
    await user.click(within(panel).getByTestId("remove-service-user-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(lineTexts(preview)).toEqual([["tightening", false, "TightensIts key stops working: every scope is withdrawn"]]);
    await user.click(within(panel).getByTestId("remove-service-user-submit"));
    expect(await within(panel).findByTestId("submit-outcome")).toHaveAttribute("data-status", "pending");
  });

  it("offers no editor to a member who may not start a Manage Access request, and says why", async () => {
    const { user } = renderOn(replay(officer));
    const detail = await openServiceUser(user, "payout-bot");
    const create = screen.getByTestId("new-service-user-open");
    expect(create).toBeDisabled();
    expect(create).toHaveAccessibleDescription("You hold neither Initiate nor Execute on Manage Access.");
    expect(within(detail).getByTestId("preview-change-open")).toBeDisabled();
    expect(within(detail).getByTestId("preview-change-open")).toHaveAccessibleDescription(
      "You hold neither Initiate nor Execute on Manage Access.",
    );
    expect(within(detail).getByTestId("remove-service-user-open")).toBeDisabled();
  });
});

describe("Members and Policies", () => {
  it("shows each member's workflow permissions as a grid, with the Owner marked", async () => {
    const { user } = renderOn(replay(officer));
    await user.click(await screen.findByTestId("nav-members"));
    const rows = await screen.findAllByTestId("member-row");
    expect(rows.map((r) => r.dataset.name)).toEqual(["Ada Okafor", "Ben Ruiz", "Chloe Park", "Dev Malik", "Eve Santos"]);
    expect(within(rows[0] as HTMLElement).getByText("Owner")).toBeInTheDocument();
    expect(within(rows[1] as HTMLElement).queryByText("Owner")).toBeNull();

    await user.click(rows[4] as HTMLElement);
    const detail = screen.getByRole("article", { name: "Member Eve Santos" });
    const cells = Array.from(detail.querySelectorAll<HTMLElement>('[data-testid="permission"]'));
    expect(cells).toHaveLength(16);
    const granted = cells.filter((c) => c.dataset.granted === "true").map((c) => `${c.dataset.workflow}:${c.dataset.permission}`);
    expect(granted).toEqual([
      "manage_access:view",
      "manage_access:initiate",
      "manage_access:approve",
      "manage_policies:view",
      "manage_policies:initiate",
      "manage_policies:approve",
      "manage_addresses:view",
      "manage_addresses:initiate",
      "manage_addresses:approve",
      "initiate_withdrawal:view",
    ]);
  });

  it("shows each workflow's policy, lock, approvers and bus factor", async () => {
    const { user } = renderOn(replay(officer));
    await user.click(await screen.findByTestId("nav-policies"));
    const cards = await screen.findAllByTestId("policy-card");
    const card = (workflow: string) => cards.find((c) => c.dataset.workflow === workflow) as HTMLElement;
    expect(cards.map((c) => c.dataset.workflow)).toEqual(["manage_access", "manage_policies", "manage_addresses", "initiate_withdrawal"]);

    // No policy of the demo is locked yet.
    expect(screen.queryAllByTestId("locked-badge")).toHaveLength(0);
    expect(card("initiate_withdrawal")).toHaveTextContent("Requires 2 approvals, always.");
    expect(within(card("initiate_withdrawal")).getByTestId("approvers")).toHaveTextContent("Ada Okafor, Ben Ruiz, Chloe Park");
    expect(within(card("initiate_withdrawal")).getByTestId("bus-factor")).toHaveTextContent(
      "1: one approver can be away and requests can still complete.",
    );
    expect(within(card("manage_policies")).getByTestId("bus-factor")).toHaveTextContent("0: every approver is needed");
    expect(card("manage_addresses")).toHaveTextContent("No policy: requests complete at once.");
  });
});
