import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import adminRecording from "../../fixtures/admin.json";
import officerRecording from "../../fixtures/officer.json";
import { renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const officer = officerRecording as Recording;
const admin = adminRecording as Recording;

async function openMember(user: ReturnType<typeof renderOn>["user"], name: string): Promise<HTMLElement> {
  await user.click(await screen.findByTestId("nav-members"));
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("member-row").find((r) => r.dataset.name === name);
    if (!found) throw new Error(`no member ${name}`);
    return found;
  });
  await user.click(row);
  return screen.getByRole("article", { name: `Member ${name}` });
}

const lines = (root: HTMLElement) =>
  within(root)
    .getAllByTestId("change-line")
    .map((l) => [l.dataset.direction, l.dataset.warning === "true", l.textContent]);

const granted = (root: HTMLElement) =>
  Array.from(root.querySelectorAll<HTMLElement>("[data-account]"))
    .filter((el) => el.dataset.granted === "true")
    .map((el) => el.dataset.account);

describe("Members", () => {
  it("shows each member's account permissions beside their workflow permissions", async () => {
    const { user } = renderOn(replay(officer));
    await user.click(await screen.findByTestId("nav-members"));
    const rows = await screen.findAllByTestId("member-row");
    const owner = rows.find((r) => r.textContent?.includes("Ada Okafor"));
    if (!owner) throw new Error("no Owner row");
    await user.click(owner);
    const detail = await screen.findByRole("article", { name: "Member Ada Okafor" });
    expect(granted(detail)).toEqual(["trade", "earn_allocate", "earn_deallocate"]);

    const lead = rows.find((r) => r.textContent?.includes("Chloe Park"));
    if (!lead) throw new Error("no Chloe");
    await user.click(lead);
    await waitFor(() => expect(granted(screen.getByRole("article", { name: "Member Chloe Park" }))).toEqual(["trade"]));

    const officerRow = rows.find((r) => r.textContent?.includes("Ben Ruiz"));
    if (!officerRow) throw new Error("no Ben");
    await user.click(officerRow);
    await waitFor(() => expect(granted(screen.getByRole("article", { name: "Member Ben Ruiz" }))).toEqual([]));
  });
});

describe("Members: the editors", () => {
  it("invites a member through an editable grid, previewed", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    await user.click(await screen.findByTestId("nav-members"));
    await user.click(await screen.findByTestId("invite-member-open"));
    const panel = screen.getByTestId("invite-member");
    await user.type(within(panel).getByTestId("invite-member-name"), "Frank Li");
    await user.click(within(panel).getByRole("checkbox", { name: "View on Initiate Withdrawal" }));
    await user.click(within(panel).getByRole("checkbox", { name: "Approve on Initiate Withdrawal" }));
    await user.click(within(panel).getByTestId("invite-member-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(lines(preview)).toEqual([
      ["loosening", false, "LoosensGains View on Initiate Withdrawal"],
      ["loosening", false, "LoosensGains Approve on Initiate Withdrawal"],
    ]);
  });

  it("warns when a change leaves a workflow's approvers short, and submits it", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const detail = await openMember(user, "Chloe Park");
    await user.click(within(detail).getByTestId("change-member-open"));
    const panel = within(detail).getByTestId("change-member");
    expect(within(panel).getByTestId("change-member-submit")).toHaveAccessibleDescription("No change yet: tick or untick a permission.");
    await user.click(within(panel).getByRole("checkbox", { name: "Approve on Initiate Withdrawal" }));
    await user.click(within(panel).getByTestId("change-member-preview"));
    const preview = await within(panel).findByTestId("preview");
    expect(lines(preview)).toEqual([
      ["tightening", false, "TightensLoses Approve on Initiate Withdrawal"],
      [
        "tightening",
        true,
        "Tightens! Initiate Withdrawal would have 2 members holding Approve for 2 required approvals: a request one of them initiates could never complete",
      ],
    ]);
    await user.click(within(panel).getByTestId("change-member-submit"));
    expect(await within(panel).findByTestId("submit-outcome")).toHaveAttribute("data-status", "pending");
  });

  it("removes a member, never the Owner", async () => {
    const { user } = renderOn(replay(admin, { state: "eve" }));
    const owner = await openMember(user, "Ada Okafor");
    expect(within(owner).getByTestId("remove-member-open")).toBeDisabled();
    expect(within(owner).getByTestId("remove-member-open")).toHaveAccessibleDescription(
      "The Owner cannot be removed from the Organization.",
    );
    const dev = await openMember(user, "Dev Malik");
    await user.click(within(dev).getByTestId("remove-member-open"));
    await user.click(within(dev).getByTestId("remove-member-preview"));
    const preview = await within(dev).findByTestId("preview");
    expect(lines(preview)).toEqual([["tightening", false, "TightensDev Malik leaves the Organization: every permission they hold ends"]]);
  });

  it("offers no member change to whoever may not start a Manage Access request", async () => {
    const { user } = renderOn(replay(officer));
    const detail = await openMember(user, "Dev Malik");
    expect(screen.getByTestId("invite-member-open")).toBeDisabled();
    expect(within(detail).queryByTestId("change-member-open")).not.toBeInTheDocument();
    expect(within(detail).getByTestId("member-changes-blocked")).toHaveTextContent(
      "You hold neither Initiate nor Execute on Manage Access.",
    );
  });
});
