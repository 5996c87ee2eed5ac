import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Replay } from "../../bindings/Replay";
import adminRecording from "../../fixtures/admin.json";
import officerRecording from "../../fixtures/officer.json";
import { answer, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const admin = adminRecording as Recording;
const officer = officerRecording as Recording;

const policy = (n: number, always: boolean) => ({
  always_require_approval: always,
  required_approvals: n,
  locked: false,
  expires_after: null,
});

async function openEditor(user: ReturnType<typeof renderOn>["user"]): Promise<HTMLElement> {
  await user.click(await screen.findByTestId("nav-policies"));
  const card = await waitFor(() => {
    const found = screen.getAllByTestId("policy-card").find((c) => c.dataset.workflow === "initiate_withdrawal");
    if (!found) throw new Error("no Initiate Withdrawal card");
    return found;
  });
  await user.click(within(card).getByTestId("edit-policy-open"));
  return within(card).getByTestId("edit-policy");
}

describe("Policies: the editor", () => {
  it("shows the draft's diff and the history replayed under it, the counts the engine's", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const editor = await openEditor(user);
    expect(within(editor).getByTestId("policy-change-submit")).toHaveAccessibleDescription(
      "No change yet: edit N, the expiry or whether approval is always required.",
    );
    const required = within(editor).getByTestId("policy-required");
    await user.clear(required);
    await user.type(required, "1");
    await user.click(within(editor).getByTestId("policy-always"));

    // The counts are the engine's replay of the same draft, outcome by outcome.
    const engine = answer<Replay>(admin, "eve", "replay_policy", { workflow: "initiate_withdrawal", policy: policy(1, false) });
    await waitFor(() => {
      const shown = within(editor)
        .getAllByTestId("replay-outcome")
        .map((o) => [o.dataset.outcome, Number(within(o).getByRole("strong").textContent)]);
      expect(shown).toEqual(Object.entries(engine.outcomes).map(([o, ids]) => [o, ids.length]));
    });
    expect(engine.total).toBeGreaterThan(0);
    expect(within(editor).getByTestId("policy-replay")).toHaveTextContent(`Of ${engine.total} past Initiate Withdrawal requests`);
    expect(within(editor).getByTestId("policy-changes")).toHaveTextContent("Loosens Required approvals: 2 → 1");
    // The six pending withdrawals keep the policy they were submitted under, and say so.
    const pending = answer<{ affected_pending: string[] }>(admin, "eve", "policy_diff", {
      workflow: "initiate_withdrawal",
      policy: policy(1, false),
    }).affected_pending;
    expect(pending.length).toBeGreaterThan(0);
    expect(within(editor).getByTestId("policy-affected-pending")).toHaveTextContent(pending.join(", "));

    // The simulator: Chloe holds Execute; with Execute allowed, her sample completes at once.
    await waitFor(() => {
      const chloe = within(editor)
        .getAllByTestId("sample-row")
        .find((r) => r.dataset.initiator === "Chloe Park" && r.dataset.execute === "true");
      expect([chloe?.dataset.now, chloe?.dataset.draft]).toEqual(["queued", "at_once"]);
    });
    const bots = within(editor)
      .getAllByTestId("sample-row")
      .filter((r) => r.textContent?.includes("(bot)"));
    expect(bots.length).toBeGreaterThan(0);
    for (const bot of bots) expect(bot.dataset.draft).toBe("queued");
    expect(within(editor).getByTestId("draft-lock")).toHaveTextContent("Lock readiness: it could be locked.");

    await user.click(within(editor).getByTestId("policy-change-preview"));
    const preview = await within(editor).findByTestId("preview");
    const warned = within(preview)
      .getAllByTestId("change-line")
      .filter((l) => l.dataset.warning === "true")
      .map((l) => l.textContent);
    expect(warned).toEqual([
      "Loosens! Ada Okafor could complete Initiate Withdrawal requests alone",
      "Loosens! Chloe Park could complete Initiate Withdrawal requests alone",
    ]);
  });

  it("locks a policy through its own previewed request, with the lock checks", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    await user.click(await screen.findByTestId("nav-policies"));
    const card = await waitFor(() => {
      const found = screen.getAllByTestId("policy-card").find((c) => c.dataset.workflow === "initiate_withdrawal");
      if (!found) throw new Error("no Initiate Withdrawal card");
      return found;
    });
    await user.click(within(card).getByTestId("lock-policy-open"));
    const panel = within(card).getByTestId("lock-policy");
    expect(panel).toHaveTextContent("Locking is irreversible");
    await user.click(within(panel).getByTestId("lock-policy-preview"));
    const preview = await within(panel).findByTestId("preview");
    const rules = within(preview)
      .getAllByTestId("trace-step")
      .map((s) => s.dataset.rule);
    expect(rules).toContain("lock.check");
    expect(within(preview).getByTestId("change-line")).toHaveTextContent("locked for good");
  });

  it("offers no editor to whoever may not start a Manage Policies request", async () => {
    const { user } = renderOn(replay(officer));
    await user.click(await screen.findByTestId("nav-policies"));
    const cards = await screen.findAllByTestId("policy-card");
    for (const card of cards) {
      expect(within(card).queryByTestId("edit-policy-open")).not.toBeInTheDocument();
      expect(card).toHaveTextContent("Changing policies: You hold neither Initiate nor Execute on Manage Policies.");
    }
  });
});
