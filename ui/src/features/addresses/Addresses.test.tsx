import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { RequestView } from "../../bindings/RequestView";
import type { EntryCaller } from "../../bindings/EntryCaller";
import adminRecording from "../../fixtures/admin.json";
import officerRecording from "../../fixtures/officer.json";
import { answer, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const admin = adminRecording as Recording;
const officer = officerRecording as Recording;
const history = answer<RequestView[]>(admin, "eve", "list_requests", { filter: { status: null, workflow: null } });

async function openEntry(user: ReturnType<typeof renderOn>["user"], key: string): Promise<HTMLElement> {
  await user.click(await screen.findByTestId("nav-addresses"));
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("address-row").find((r) => r.dataset.name === key);
    if (!found) throw new Error(`no entry ${key}`);
    return found;
  });
  await user.click(row);
  return screen.getByRole("article", { name: `Address ${key}` });
}

const lines = (root: HTMLElement) =>
  within(root)
    .getAllByTestId("change-line")
    .map((l) => [l.dataset.direction, l.textContent]);

describe("Addresses", () => {
  it("lists each entry with its asset, method and address, who added it, and the withdrawals naming it", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openEntry(user, "cold-storage-2");
    expect(within(detail).getByTestId("address-value")).toHaveTextContent("bc1qm3x7d0f5g8h2j4k6l9p1q3r5s7t9v2w4y6z8a0");
    expect(detail).toHaveTextContent("BTC (Bitcoin)");
    await waitFor(() => expect(within(detail).getByTestId("address-added")).toHaveTextContent("with the Organization"));
    const naming = history.filter((r) => r.payload.kind === "withdrawal" && r.payload.key === "cold-storage-2");
    expect(naming.length).toBeGreaterThan(0);
    for (const r of naming) expect(within(detail).getByTestId("address-withdrawals")).toHaveTextContent(r.id);
  });

  it("renames an entry, naming the pending withdrawals that use the old name", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openEntry(user, "cold-storage-2");
    await user.click(within(detail).getByTestId("relabel-address-open"));
    const panel = within(detail).getByTestId("relabel-address");
    const pending = history.filter((r) => r.status === "pending" && r.payload.kind === "withdrawal" && r.payload.key === "cold-storage-2");
    for (const r of pending) expect(within(panel).getByTestId("pending-users")).toHaveTextContent(r.id);
    expect(await within(panel).findByTestId("bot-callers-none")).toHaveTextContent("No bot's withdrawal call has named cold-storage-2.");
    await user.type(within(panel).getByTestId("relabel-address-name"), "cold-storage-archive");
    await user.click(within(panel).getByTestId("relabel-address-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "completes_immediately");
    expect(lines(preview)).toEqual([
      ["none", "ChangesThe entry cold-storage-2 is renamed cold-storage-archive: withdrawals name it cold-storage-archive from then on"],
    ]);
  });

  it("names the bots whose calls still use the old name, from each key's record", async () => {
    const host = replay(admin, { state: "eve" });
    const callers: EntryCaller[] = [
      { service_user: { kind: "service_user", id: "su-rebalancer", name: "rebalancer-bot" }, calls: 14, last_at: 1_795_348_000 },
    ];
    const { user } = renderOn({ ...host, addressCallers: (key: string) => Promise.resolve(key === "cold-storage-2" ? callers : []) });
    const detail = await openEntry(user, "cold-storage-2");
    await user.click(within(detail).getByTestId("relabel-address-open"));
    const named = await within(detail).findByTestId("bot-callers");
    expect(named).toHaveTextContent("1 bot's calls name cold-storage-2; they are refused once it changes, until the bot is updated:");
    expect(named).toHaveTextContent("rebalancer-bot: 14 calls, last");
  });

  it("adds and removes entries, each previewed", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    await user.click(await screen.findByTestId("nav-addresses"));
    await user.click(await screen.findByTestId("add-address-open"));
    const add = screen.getByTestId("add-address");
    expect(within(add).getByTestId("add-address-submit")).toHaveAccessibleDescription(
      "Name: enter the entry's name (withdrawals use it).",
    );
    await user.type(within(add).getByTestId("add-address-key"), "sol-treasury");
    await user.type(within(add).getByTestId("add-address-asset"), "SOL");
    await user.type(within(add).getByTestId("add-address-method"), "Solana");
    await user.type(within(add).getByTestId("add-address-address"), "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
    await user.click(within(add).getByTestId("add-address-preview"));
    expect(lines(await within(add).findByTestId("preview"))).toEqual([
      ["loosening", "LoosensWithdrawals may go to 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM, named sol-treasury"],
    ]);

    const eth = await openEntry(user, "eth-treasury");
    await user.click(within(eth).getByTestId("remove-address-open"));
    const remove = within(eth).getByTestId("remove-address");
    await user.click(within(remove).getByTestId("remove-address-preview"));
    expect(lines(await within(remove).findByTestId("preview"))).toEqual([
      ["tightening", "TightensWithdrawals may no longer go to eth-treasury"],
    ]);
  });

  it("offers no change to whoever may not start a Manage Addresses request", async () => {
    const { user } = renderOn(replay(officer));
    const detail = await openEntry(user, "cold-storage-1");
    expect(screen.getByTestId("add-address-open")).toBeDisabled();
    expect(screen.getByTestId("add-address-open")).toHaveAccessibleDescription(
      "You hold neither Initiate nor Execute on Manage Addresses.",
    );
    expect(within(detail).queryByTestId("relabel-address-open")).not.toBeInTheDocument();
  });
});
