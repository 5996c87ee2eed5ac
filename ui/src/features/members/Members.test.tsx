import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/app";

const granted = (root: HTMLElement) =>
  Array.from(root.querySelectorAll<HTMLElement>("[data-account]"))
    .filter((el) => el.dataset.granted === "true")
    .map((el) => el.dataset.account);

describe("Members", () => {
  it("shows each member's account permissions beside their workflow permissions", async () => {
    const { user } = renderApp();
    await user.click(await screen.findByTestId("nav-members"));
    const rows = await screen.findAllByTestId("member-row");
    const owner = rows.find((r) => r.textContent?.includes("Alice Moreau"));
    if (!owner) throw new Error("no Owner row");
    await user.click(owner);
    const detail = await screen.findByRole("article", { name: "Member Alice Moreau" });
    expect(granted(detail)).toEqual(["trade", "earn_allocate", "earn_deallocate"]);

    const other = rows.find((r) => !r.textContent?.includes("Alice Moreau"));
    if (!other) throw new Error("no other member");
    await user.click(other);
    await waitFor(() => {
      const article = screen.getByRole("article", { name: /^Member / });
      expect(article.getAttribute("aria-label")).not.toBe("Member Alice Moreau");
      expect(granted(article)).toEqual([]);
    });
  });
});
