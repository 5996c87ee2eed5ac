import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import stopsRecording from "../../fixtures/stops.json";
import { codeOf, openServiceUser, renderOn, replay, signInAs } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const stops = stopsRecording as Recording;

describe("Emergency stops", () => {
  it("lets an administrator stop a key at once, with a reason, and shows the stop to everyone", async () => {
    const { user } = renderOn(replay(stops, { state: "eve" }));
    const detail = await openServiceUser(user, "rebalancer-bot");
    expect(screen.queryByTestId("stop-banner")).not.toBeInTheDocument();
    await user.click(within(detail).getByTestId("stop-key-open"));
    const prompt = within(detail).getByTestId("stop-key");
    const code = await codeOf("Eve Santos");
    // No reason: refused in place, nothing sent.
    await user.type(within(prompt).getByTestId("otp-input"), `${code}{Enter}`);
    expect(await within(prompt).findByRole("alert")).toHaveTextContent("Say why: every member reads it.");
    await user.type(within(prompt).getByTestId("stop-key-reason"), "secret seen in a CI log");
    await user.type(within(prompt).getByTestId("otp-input"), `${code}{Enter}`);

    const banner = await screen.findByTestId("stop-banner-key");
    expect(banner).toHaveTextContent("Key stopped rebalancer-bot: stopped by Eve Santos");
    expect(banner).toHaveTextContent("“secret seen in a CI log”");
    const stopped = await within(screen.getByRole("article", { name: "Service user rebalancer-bot" })).findByTestId("key-stopped");
    expect(stopped).toHaveTextContent("Every call it signs is refused");
    expect(within(stopped).getByTestId("resume-key-open")).toBeEnabled();
    const row = screen.getAllByTestId("service-user-row").find((r) => r.dataset.name === "rebalancer-bot");
    expect(row).toHaveTextContent("stopped");
  });

  it("offers the key stop only to Approve on Manage Access, and the freeze to a treasury officer", async () => {
    const { user } = renderOn(replay(stops, { state: "eve-stopped" }));
    await signInAs(user, "Ben Ruiz");
    const detail = await openServiceUser(user, "payout-bot");
    const stop = within(detail).getByTestId("stop-key-open");
    expect(stop).toBeDisabled();
    expect(detail).toHaveTextContent("Stopping a key needs Approve on Manage Access.");

    await user.click(screen.getByTestId("nav-approvals"));
    await user.click(await screen.findByTestId("freeze-withdrawals-open"));
    const prompt = screen.getByTestId("freeze-withdrawals");
    await user.type(within(prompt).getByTestId("freeze-withdrawals-reason"), "address book tampering suspected");
    await user.type(within(prompt).getByTestId("otp-input"), `${await codeOf("Ben Ruiz")}{Enter}`);
    const frozen = await screen.findByTestId("stop-banner-freeze");
    expect(frozen).toHaveTextContent("Withdrawals frozen Frozen by Ben Ruiz");
    expect(frozen).toHaveTextContent("“address book tampering suspected”");
    await waitFor(() => expect(screen.queryByTestId("freeze-withdrawals-open")).not.toBeInTheDocument());
    expect(screen.getByTestId("new-withdrawal-open")).toBeDisabled();
  });

  it("refuses approving what a stop touches, beside the button, and still offers rejecting", async () => {
    const { user } = renderOn(replay(stops, { state: "ben-frozen" }));
    await signInAs(user, "Ada Okafor");
    await user.click(screen.getByTestId("nav-approvals"));
    const rows = await screen.findAllByTestId("request-row");
    await user.click(rows[0] as HTMLElement);
    const blocked = await screen.findByTestId("approve-blocked");
    expect(blocked).toHaveTextContent("Approving is refused while withdrawals are frozen (by Ben Ruiz: address book tampering suspected)");
    expect(screen.getByTestId("approve")).toBeDisabled();
    expect(screen.getByTestId("reject")).toBeEnabled();
    // The keyboard shortcut opens no approval either.
    await user.keyboard("a");
    expect(screen.queryByTestId("otp-input")).not.toBeInTheDocument();

    // The banner leads to where the freeze is lifted: a Manage Policies request, previewed.
    await user.click(screen.getByTestId("banner-lift-freeze"));
    const freeze = await screen.findByTestId("freeze-policy");
    await user.click(within(freeze).getByTestId("lift-freeze-open"));
    await user.click(within(freeze).getByTestId("lift-freeze-preview"));
    const preview = await within(freeze).findByTestId("preview");
    expect(within(preview).getAllByTestId("change-line").map((l) => l.dataset.direction)).toEqual(["loosening"]);
    expect(preview).toHaveTextContent("Withdrawals may be submitted and completed again, under their policy (frozen by Ben Ruiz: address book tampering suspected)");
  });
});
