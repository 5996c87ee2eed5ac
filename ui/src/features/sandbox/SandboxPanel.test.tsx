import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import officerRecording from "../../fixtures/officer.json";
import { HostError, type Host } from "../../platform";
import { renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const officer = officerRecording as Recording;

describe("<SandboxPanel> living sandbox", () => {
  it("switches the living sandbox on and off through the host", async () => {
    const host = replay(officer);
    const { user } = renderOn(host);
    const toggle = await screen.findByTestId("living-sandbox");
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).not.toBeChecked();

    await user.click(toggle);
    await waitFor(() => expect(toggle).toBeChecked());
    expect(await host.livingSandbox()).toBe(true);

    await user.click(toggle);
    await waitFor(() => expect(toggle).not.toBeChecked());
    expect(await host.livingSandbox()).toBe(false);
  });

  it("says why when the host refuses", async () => {
    // The living sandbox needs rebalancer-bot; a sandbox whose bot was removed refuses with these
    // words (countersign_bot::living::LivingError::NoRebalancer).
    const host: Host = {
      ...replay(officer),
      setLivingSandbox: () => Promise.reject(new HostError("unavailable", "the sandbox has no su-rebalancer service user")),
    };
    const { user } = renderOn(host);
    const toggle = await screen.findByTestId("living-sandbox");
    await waitFor(() => expect(toggle).toBeEnabled());
    await user.click(toggle);
    expect(await screen.findByText("the sandbox has no su-rebalancer service user")).toBeInTheDocument();
    expect(toggle).not.toBeChecked();
  });
});
