import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import officerRecording from "../../fixtures/officer.json";
import { renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const officer = officerRecording as Recording;

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
