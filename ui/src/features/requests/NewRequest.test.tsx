import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import newRequestRecording from "../../fixtures/new-request.json";
import type { Host } from "../../platform";
import { codeOf, findRow, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const recording = newRequestRecording as Recording;

/** The app in `state` of the recording, with the preview and submit calls watched. */
function spiedHost(state = "start") {
  const host = replay(recording, { state });
  const previewRequest = vi.fn<Host["previewRequest"]>((payload, execute) => host.previewRequest(payload, execute));
  const submitRequest = vi.fn<Host["submitRequest"]>((payload, execute, otp, reason) => host.submitRequest(payload, execute, otp, reason));
  return { host: { ...host, previewRequest, submitRequest }, previewRequest, submitRequest };
}

const renderApp = (host: Host = replay(recording)) => renderOn(host);

async function openForm(user: ReturnType<typeof renderApp>["user"]): Promise<HTMLElement> {
  await user.click(await screen.findByTestId("nav-requests"));
  await user.click(await screen.findByTestId("new-request-open"));
  return screen.findByTestId("new-request");
}

describe("New request", () => {
  it("starts a withdrawal from Approvals, and the sandbox panel keeps only what is the sandbox's own", async () => {
    const { user } = renderApp();
    const panel = await screen.findByTestId("sandbox-panel");
    expect(within(panel).queryByRole("button", { name: /New request/ })).not.toBeInTheDocument();
    const start = await screen.findByTestId("new-withdrawal-open");
    await waitFor(() => expect(start).toBeEnabled());
    await user.click(start);
    const form = await screen.findByTestId("new-request");
    expect(within(form).getByTestId("new-request-kind")).toHaveValue("withdrawal");
    expect(window.location.hash).toBe("#/new-request/withdrawal");
  });

  it("opens from the Requests area and offers all fifteen kinds, by workflow", async () => {
    const { user } = renderApp();
    const form = await openForm(user);
    expect(form).toHaveTextContent("New request as Ben Ruiz");
    const kind = within(form).getByTestId("new-request-kind");
    expect(within(kind).getAllByRole("option")).toHaveLength(15);
    expect(within(kind).getAllByRole("group").map((g) => g.getAttribute("label"))).toEqual([
      "Manage Access",
      "Manage Policies",
      "Manage Addresses",
      "Initiate Withdrawal",
    ]);
    expect(window.location.hash).toBe("#/new-request");
  });

  it("builds a withdrawal from an address-book entry, keeping the amount's exact digits", async () => {
    const { host, previewRequest, submitRequest } = spiedHost();
    const { user } = renderApp(host);
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("draft-address"), "eth-treasury");
    expect(form).toHaveTextContent("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");

    // A float would round this to 12.345678901234567.
    await user.type(within(form).getByTestId("draft-amount"), "12.345678901234567891");
    await user.clear(within(form).getByTestId("draft-fee"));
    await user.type(within(form).getByTestId("draft-fee"), "2.50");
    await user.click(within(form).getByTestId("new-request-preview"));

    const payload = {
      kind: "withdrawal",
      asset: "ETH",
      amount: "12.345678901234567891",
      fee: "2.50",
      key: "eth-treasury",
      address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    };
    expect(previewRequest).toHaveBeenLastCalledWith(payload, false);
    const preview = await screen.findByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "queued");
    expect(within(preview).getAllByTestId("trace-step").map((s) => s.dataset.rule)).toContain("funds.available");

    const why = "monthly rebalance to the treasury wallet";
    await user.type(within(form).getByTestId("new-request-reason"), why);
    await user.click(within(form).getByTestId("new-request-submit"));
    expect(submitRequest).toHaveBeenLastCalledWith(payload, false, null, why);
    const outcome = await screen.findByTestId("submit-outcome");
    await user.click(within(outcome).getByRole("button", { name: `Open ${outcome.dataset.requestId}` }));
    const row = await findRow(outcome.dataset.requestId ?? "");
    expect(within(row).getByText("12.345678901234567891")).toBeInTheDocument();
    // Every approver reads why, with the request.
    expect(await screen.findByTestId("initiator-reason")).toHaveTextContent(why);
  });

  it("refuses to build what is not a plain positive decimal", async () => {
    const { host, previewRequest } = spiedHost();
    const { user } = renderApp(host);
    const form = await openForm(user);
    for (const amount of ["1e-8", "-1", "0.000", "1,000", "abc"]) {
      await user.clear(within(form).getByTestId("draft-amount"));
      await user.type(within(form).getByTestId("draft-amount"), amount);
      expect(within(form).getByTestId("new-request-problem")).toHaveTextContent("Enter the amount as a plain decimal above 0");
      expect(within(form).getByTestId("new-request-preview")).toBeDisabled();
    }
    expect(previewRequest).not.toHaveBeenCalled();
  });

  it("builds a service user's creation with its scopes and settings", async () => {
    const { host, submitRequest } = spiedHost("eve");
    const { user } = renderApp(host);
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("new-request-kind"), "create_service_user");
    await user.type(within(form).getByTestId("draft-name"), "hedge-bot-2");
    await user.click(within(form).getByRole("checkbox", { name: "Create & modify orders" }));
    await user.click(within(form).getByRole("checkbox", { name: "Query" }));
    await user.click(within(form).getByRole("switch", { name: "Allow WebSocket tokens" }));
    await user.click(within(form).getByTestId("draft-key-ip-add"));
    await user.type(within(form).getByRole("textbox", { name: "IP allow-list entry 1" }), "10.0.0.0/8");
    await user.click(within(form).getByTestId("draft-key-ip-add"));
    await user.type(within(form).getByRole("textbox", { name: "IP allow-list entry 2" }), "2001:db8::1");
    await user.click(within(form).getByRole("button", { name: "5 s" }));
    expect(within(form).getByRole("spinbutton", { name: "Nonce window, in nonce units" })).toHaveValue(5000);
    await user.click(within(form).getByTestId("new-request-submit"));

    expect(submitRequest).toHaveBeenCalledWith(
      {
        kind: "create_service_user",
        name: "hedge-bot-2",
        key: {
          scopes: ["funds_query", "trades_modify"],
          settings: {
            valid_until: 0,
            query_from: 0,
            query_to: 0,
            websocket: true,
            nonce_window: 5000,
            ip_allowlist: ["10.0.0.0/8", "2001:db8::1"],
          },
        },
      },
      false,
      null,
      null,
    );
    const outcome = await screen.findByTestId("submit-outcome");
    expect(outcome).toHaveAttribute("data-status", "pending");
    expect(within(outcome).getByTestId("preview")).toHaveTextContent("Queued for 1 approval");
  });

  it("says which allowlist entry is not an address", async () => {
    const { user } = renderApp();
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("new-request-kind"), "create_service_user");
    await user.type(within(form).getByTestId("draft-name"), "x-bot");
    await user.click(within(form).getByTestId("draft-key-ip-add"));
    await user.type(within(form).getByRole("textbox", { name: "IP allow-list entry 1" }), "10.0.0.0/8");
    await user.click(within(form).getByTestId("draft-key-ip-add"));
    const second = within(form).getByRole("textbox", { name: "IP allow-list entry 2" });
    await user.type(second, "10.0.0.300");
    // Named beside the entry as it is typed, and in the form's problem, with its place.
    expect(second).toHaveAttribute("aria-invalid", "true");
    expect(second).toHaveAccessibleDescription("“10.0.0.300” is not an IPv4/IPv6 address or CIDR range");
    expect(within(form).getByRole("textbox", { name: "IP allow-list entry 1" })).toHaveAttribute("aria-invalid", "false");
    expect(within(form).getByTestId("new-request-problem")).toHaveTextContent(
      "IP allow-list entry 2 (“10.0.0.300”) is not an IPv4/IPv6 address or CIDR range.",
    );
    expect(within(form).getByTestId("new-request-submit")).toBeDisabled();
  });

  it("caps the nonce window where the server does, and names the limit", async () => {
    const { user } = renderApp();
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("new-request-kind"), "create_service_user");
    await user.type(within(form).getByTestId("draft-name"), "x-bot");
    const nonce = within(form).getByRole("spinbutton", { name: "Nonce window, in nonce units" });
    expect(nonce).toHaveAttribute("max", "60000");
    await user.clear(nonce);
    await user.type(nonce, "60001");
    expect(within(form).getByTestId("new-request-problem")).toHaveTextContent(
      "Nonce window: at most 60,000 nonce units (60 s with millisecond nonces).",
    );
    await user.click(within(form).getByRole("button", { name: "60 s (the most)" }));
    expect(within(form).queryByTestId("new-request-problem")).not.toBeInTheDocument();
  });

  it("builds a policy change from the current policy, keeping its lock", async () => {
    const { host, previewRequest } = spiedHost("eve-access-locked");
    const { user } = renderApp(host);
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("new-request-kind"), "change_policy");
    expect(within(form).getByTestId("draft-required")).toHaveValue("2");
    expect(within(form).getByTestId("draft-expires")).toHaveValue("");
    await user.clear(within(form).getByTestId("draft-required"));
    await user.type(within(form).getByTestId("draft-required"), "3");
    await user.type(within(form).getByTestId("draft-expires"), "72");
    expect(within(form).getByTestId("policy-changes")).toHaveTextContent("Tightens Required approvals: 2 → 3");
    expect(within(form).getByTestId("policy-changes")).toHaveTextContent("Tightens Pending requests expire: never → after 3 d");
    await user.click(within(form).getByTestId("new-request-preview"));
    expect(previewRequest).toHaveBeenLastCalledWith(
      {
        kind: "change_policy",
        workflow: "initiate_withdrawal",
        policy: { always_require_approval: true, required_approvals: 3, locked: false, expires_after: 259200 },
      },
      false,
    );
    expect(await screen.findByTestId("preview")).toHaveTextContent("Queued for 1 approval from Ada Okafor");

    await user.selectOptions(within(form).getByTestId("draft-workflow"), "manage_access");
    expect(within(form).getByTestId("draft-remove-policy")).toBeDisabled();
    await user.click(within(form).getByTestId("draft-always"));
    await user.click(within(form).getByTestId("new-request-preview"));
    expect(previewRequest).toHaveBeenLastCalledWith(
      {
        kind: "change_policy",
        workflow: "manage_access",
        policy: { always_require_approval: false, required_approvals: 1, locked: true, expires_after: null },
      },
      false,
    );
    const preview = await screen.findByTestId("preview");
    expect(within(preview).getAllByTestId("trace-step").map((s) => s.dataset.rule)).toContain("policy.locked");
    // Loosening a locked policy is refused before anything is submitted, naming the field.
    expect(preview).toHaveTextContent(/may only tighten, and always_require_approval from yes to no/);
  });

  it("asks for a code when a request would complete at once without a policy, and sends nothing before", async () => {
    const { host, submitRequest } = spiedHost("eve");
    const { user } = renderApp(host);
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("new-request-kind"), "add_address");
    await user.type(within(form).getByTestId("draft-key"), "eur-new");
    await user.type(within(form).getByRole("textbox", { name: "Asset" }), "EUR");
    await user.type(within(form).getByRole("textbox", { name: "Method" }), "SEPA");
    await user.type(within(form).getByRole("textbox", { name: "Address" }), "DE02120300000000202051");
    const payload = { kind: "add_address", key: "eur-new", asset: "EUR", method: "SEPA", address: "DE02120300000000202051" };

    // Not previewed: the core sends nothing and asks for the code, and the form opens the prompt.
    await user.click(within(form).getByTestId("new-request-submit"));
    expect(submitRequest).toHaveBeenLastCalledWith(payload, false, null, null);
    expect(await within(form).findByTestId("otp-input")).toBeInTheDocument();
    expect(form).toHaveTextContent("It completes at once, which is Execute");
    expect(screen.queryByTestId("action-error")).toBeNull();
    await user.click(within(form).getByRole("button", { name: /Back/ }));

    // Previewed: the button says so, and opens the prompt without trying first.
    await user.click(within(form).getByTestId("new-request-preview"));
    await screen.findByTestId("preview");
    const submit = within(form).getByTestId("new-request-submit");
    expect(submit).toHaveTextContent("Submit: completes at once…");
    submitRequest.mockClear();
    await user.click(submit);
    expect(submitRequest).not.toHaveBeenCalled();
    const code = await codeOf("Eve Santos");
    await user.type(within(form).getByTestId("otp-input"), `${code}{Enter}`);
    const outcome = await screen.findByTestId("submit-outcome");
    expect(submitRequest).toHaveBeenCalledWith(payload, false, code, null);
    expect(outcome).toHaveAttribute("data-status", "completed");
  });

  it("asks for a code to execute at once, and the change takes effect", async () => {
    const { host, submitRequest } = spiedHost("ada");
    const { user } = renderApp(host);
    const form = await openForm(user);
    await user.selectOptions(within(form).getByTestId("new-request-kind"), "add_address");
    await user.type(within(form).getByTestId("draft-key"), "cold-storage-3");
    await user.type(within(form).getByRole("textbox", { name: "Asset" }), "BTC");
    await user.type(within(form).getByRole("textbox", { name: "Method" }), "Bitcoin");
    await user.type(within(form).getByRole("textbox", { name: "Address" }), "bc1qexample");
    await user.click(within(form).getByTestId("new-request-execute"));
    await user.click(within(form).getByTestId("new-request-submit"));
    expect(submitRequest).not.toHaveBeenCalled();

    const code = await codeOf("Ada Okafor");
    await user.type(within(form).getByTestId("otp-input"), `${code}{Enter}`);
    const outcome = await screen.findByTestId("submit-outcome");
    expect(submitRequest).toHaveBeenCalledWith(
      { kind: "add_address", key: "cold-storage-3", asset: "BTC", method: "Bitcoin", address: "bc1qexample" },
      true,
      code,
      null,
    );
    expect(outcome).toHaveAttribute("data-status", "completed");
    expect(within(outcome).getByTestId("preview")).toHaveAttribute("data-outcome", "completes_immediately");

    await user.selectOptions(within(form).getByTestId("new-request-kind"), "withdrawal");
    await waitFor(() =>
      expect(within(within(form).getByTestId("draft-address")).getByRole("option", { name: /cold-storage-3/ })).toBeInTheDocument(),
    );
  });

  it("offers no Submit to a member who may not start the request, and says why before anything is typed", async () => {
    const { user } = renderApp();
    const form = await openForm(user);
    const dev = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberName === "Dev Malik");
    await user.click(within(dev as HTMLElement).getByTestId("switch-member"));
    await waitFor(() => expect(screen.getByTestId("current-member")).toHaveTextContent("Dev Malik"));
    const again = await screen.findByTestId("new-request");
    const submit = within(again).getByTestId("new-request-submit");
    expect(submit).toBeDisabled();
    expect(submit).toHaveAccessibleDescription("You hold neither Initiate nor Execute on Initiate Withdrawal.");
    // A preview stays possible (a what-if), and the engine says the same.
    await user.type(within(again).getByTestId("draft-amount"), "1");
    await user.click(within(again).getByTestId("new-request-preview"));
    const preview = await screen.findByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "not_permitted");
    expect(preview).toHaveTextContent("Not permitted: Dev Malik holds neither Initiate nor Execute on Initiate Withdrawal");
    expect(form).not.toBeInTheDocument();
  });

  it("disables Submit once the preview refuses the draft, until the draft changes", async () => {
    const { user } = renderApp();
    const form = await openForm(user);
    await user.type(within(form).getByTestId("draft-amount"), "1000000");
    await user.click(within(form).getByTestId("new-request-preview"));
    const preview = await screen.findByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "not_permitted");
    const submit = within(form).getByTestId("new-request-submit");
    expect(submit).toBeDisabled();
    const reason = preview.querySelector('[data-rule="funds.available"]')?.textContent ?? "";
    expect(reason).toMatch(/BTC is available; the withdrawal needs 1,000,000 BTC/);
    expect(submit.getAttribute("aria-describedby")).not.toBeNull();
    expect(within(form).getByTestId("submit-refusal")).toHaveTextContent(/^Not permitted: .* BTC is available/);
    // Changing the draft clears the refusal: the new draft has not been previewed.
    await user.clear(within(form).getByTestId("draft-amount"));
    await user.type(within(form).getByTestId("draft-amount"), "1");
    expect(within(form).getByTestId("new-request-submit")).toBeEnabled();
  });
});
