import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import adminRecording from "../fixtures/admin.json";
import { HostProvider } from "../platform";
import { replay } from "../test/replay";
import type { Recording } from "../test/replayHost";
import { SubmitOutcomeView } from "./SubmitOutcomeView";

const admin = adminRecording as Recording;

/** What the core answered when Ada created hedge-bot with Manage Access left without a policy. */
function created(): SubmitOutcome {
  const call = admin.states["no-access-policy"]?.calls.find((c) => c.command === "submit_request" && c.next === "ada-created-bot");
  if (call?.ok === undefined) throw new Error("the recording has the creation");
  return structuredClone(admin.answers[call.ok]) as SubmitOutcome;
}

describe("<SubmitOutcomeView> reveal", () => {
  it("copies with an auto-clear, stores in the keychain, and forgets on leaving", async () => {
    const user = userEvent.setup();
    const outcome = created();
    const host = replay(admin, { state: "ada-created-bot" });
    const view = render(
      <HostProvider host={host}>
        <SubmitOutcomeView outcome={outcome} onOpenRequest={() => undefined} />
      </HostProvider>,
    );
    expect(screen.getByTestId("revealed-api-secret")).toHaveTextContent(outcome.revealed?.api_secret ?? "a secret");

    await user.click(screen.getByTestId("copy-secret"));
    expect(await screen.findByTestId("reveal-status")).toHaveTextContent("the clipboard is cleared in 30 s");

    await user.click(screen.getByTestId("store-key"));
    expect(await screen.findByText(/Stored in the OS keychain as service-user:http:\/\/127\.0\.0\.1:8765:hedge-bot/)).toBeInTheDocument();
    expect(screen.getByTestId("copy-secret")).toBeDisabled();
    expect(screen.getByTestId("store-key")).toBeDisabled();

    view.unmount();
    expect([host.callCount("copyRevealedSecret"), host.callCount("storeRevealedKey"), host.callCount("forgetRevealedKey")]).toEqual([1, 1, 1]);
  });

  it("says why when the key is no longer kept", async () => {
    const user = userEvent.setup();
    render(
      <HostProvider host={replay(admin, { state: "bot-key-stored" })}>
        <SubmitOutcomeView outcome={created()} onOpenRequest={() => undefined} />
      </HostProvider>,
    );
    await user.click(screen.getByTestId("copy-secret"));
    expect(await screen.findByRole("alert")).toHaveTextContent("no longer kept");
  });
});
