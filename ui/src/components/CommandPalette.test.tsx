import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { RequestView } from "../bindings/RequestView";
import officerRecording from "../fixtures/officer.json";
import { answer, findRow, renderOn, replay } from "../test/replay";
import type { Recording } from "../test/replayHost";

const officer = officerRecording as Recording;
const pending = answer<RequestView[]>(officer, "start", "list_requests", { filter: { status: "pending", workflow: null } });

describe("Command palette", () => {
  it("opens with Ctrl+K and goes to an area with the keyboard alone", async () => {
    const { user } = renderOn(replay(officer));
    await findRow(pending[0]?.id ?? "");
    await user.keyboard("{Control>}k{/Control}");
    const input = await screen.findByTestId("palette-input");
    await user.type(input, "service users");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.queryByTestId("palette-input")).toBeNull());
    expect(await screen.findAllByTestId("service-user-row")).toHaveLength(3);
    expect(screen.getByTestId("nav-service-users")).toHaveAttribute("aria-current", "page");
  });

  it("opens a pending request by what it does", async () => {
    const { user } = renderOn(replay(officer));
    const payout = pending.find((r) => r.initiator.name === "payout-bot");
    await findRow(payout?.id ?? "");
    await user.click(screen.getByTestId("nav-requests"));
    await user.keyboard("{Control>}k{/Control}");
    await user.type(await screen.findByTestId("palette-input"), "payout usdt");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.getByTestId("nav-approvals")).toHaveAttribute("aria-current", "page"));
    expect(await findRow(payout?.id ?? "")).toHaveAttribute("aria-current", "true");
  });
});
