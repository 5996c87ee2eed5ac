import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import { createFakeHost, HostError, HostProvider, type Host } from "../platform";
import { SubmitOutcomeView } from "./SubmitOutcomeView";

const outcome = {
  request: { id: "R-NEW", status: "completed", required_approvals: 1 },
  preview: { decision: { outcome: "completes_immediately" }, trace: [], missing: [] },
  revealed: { api_key: "AK-PUBLIC", api_secret: "SECRET-ONCE" },
} as unknown as SubmitOutcome;

/** A host that records what the reveal asks of it; the secret never goes back to it. */
function recordingHost() {
  const calls: string[] = [];
  const host: Host = {
    ...createFakeHost(),
    copyRevealedSecret: (id) => {
      calls.push(`copy ${id}`);
      return Promise.resolve(30);
    },
    storeRevealedKey: (id) => {
      calls.push(`store ${id}`);
      return Promise.resolve("service-user:https://org.example:hedge-bot");
    },
    forgetRevealedKey: (id) => {
      calls.push(`forget ${id}`);
      return Promise.resolve();
    },
  };
  return { host, calls };
}

describe("<SubmitOutcomeView> reveal", () => {
  it("copies with an auto-clear, stores in the keychain, and forgets on leaving", async () => {
    const user = userEvent.setup();
    const { host, calls } = recordingHost();
    const view = render(
      <HostProvider host={host}>
        <SubmitOutcomeView outcome={outcome} onOpenRequest={() => undefined} />
      </HostProvider>,
    );
    expect(screen.getByTestId("revealed-api-secret")).toHaveTextContent("SECRET-ONCE");

    await user.click(screen.getByTestId("copy-secret"));
    expect(await screen.findByTestId("reveal-status")).toHaveTextContent("the clipboard is cleared in 30 s");

    await user.click(screen.getByTestId("store-key"));
    expect(await screen.findByText(/Stored in the OS keychain as service-user:https:\/\/org.example:hedge-bot/)).toBeInTheDocument();
    expect(screen.getByTestId("copy-secret")).toBeDisabled();
    expect(screen.getByTestId("store-key")).toBeDisabled();

    view.unmount();
    expect(calls).toEqual(["copy R-NEW", "store R-NEW", "forget R-NEW"]);
  });

  it("says why when the key is no longer kept", async () => {
    const user = userEvent.setup();
    const { host } = recordingHost();
    host.copyRevealedSecret = () => Promise.reject(new HostError("not_found", "That key is no longer kept: a secret is shown once."));
    render(
      <HostProvider host={host}>
        <SubmitOutcomeView outcome={outcome} onOpenRequest={() => undefined} />
      </HostProvider>,
    );
    await user.click(screen.getByTestId("copy-secret"));
    expect(await screen.findByRole("alert")).toHaveTextContent("no longer kept");
  });
});
