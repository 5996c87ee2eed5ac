import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import joiningRecording from "../../fixtures/joining.json";
import type { Host } from "../../platform";
import { renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";

const joining = joiningRecording as Recording;

/** The arguments of the call in `state` that led to `next`: what the person typed there. */
function typed(state: string, next: string): Record<string, unknown> {
  const call = joining.states[state]?.calls.find((c) => c.next === next);
  if (!call) throw new Error(`nothing in ${state} leads to ${next}`);
  return call.args;
}

describe("Enrollment", () => {
  it("walks an invited member through the QR code before anything else, then opens the workspace", async () => {
    const { user } = renderOn(replay(joining, { state: "frank" }));

    expect(await screen.findByTestId("enroll-screen")).toHaveTextContent("Set up your authenticator");
    expect(screen.queryByTestId("request-row")).toBeNull();
    expect(await screen.findByTestId("demo-not-enrolled")).toHaveTextContent("No authenticator yet");

    await user.click(screen.getByTestId("begin-enrollment"));
    const qr = await screen.findByTestId("enroll-qr");
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    // The setup link (the secret in text form) is shown only on request.
    expect(screen.queryByTestId("otpauth-uri")).toBeNull();
    await user.click(screen.getByTestId("show-otpauth-uri"));
    expect(screen.getByTestId("otpauth-uri")).toHaveTextContent(/^otpauth:\/\/totp\/.*secret=/);

    await user.type(screen.getByTestId("enroll-code"), "000000");
    await user.click(screen.getByTestId("confirm-enrollment"));
    expect(await screen.findByRole("alert")).toHaveAttribute("data-code", "invalid_otp");

    // The code Frank's authenticator showed for that secret at that moment.
    const { otp } = typed("frank", "frank-enrolled");
    await user.clear(screen.getByTestId("enroll-code"));
    await user.type(screen.getByTestId("enroll-code"), String(otp));
    await user.click(screen.getByTestId("confirm-enrollment"));
    await waitFor(() => expect(screen.queryByTestId("enroll-screen")).toBeNull());
    expect(await screen.findByTestId("needs-me-count")).toBeInTheDocument();
  });
});

describe("Adding and leaving an org", () => {
  it("sends only the URL and the key; the secret is the core's to read from the clipboard", async () => {
    const host = replay(joining);
    const addOrg = vi.fn<Host["addOrg"]>((url, key) => host.addOrg(url, key));
    const { user } = renderOn({ ...host, addOrg });
    const { baseUrl, apiKey } = typed("start", "remote");

    await user.click(await screen.findByTestId("open-add-org"));
    expect(screen.getByTestId("add-org")).toHaveTextContent("this window never sees it");
    expect(screen.getByTestId("add-org-submit")).toBeDisabled();
    await user.type(screen.getByTestId("add-org-url"), "ftp://nowhere");
    await user.type(screen.getByTestId("add-org-key"), String(apiKey));
    await user.click(screen.getByTestId("add-org-submit"));
    expect(await screen.findByRole("alert")).toHaveAttribute("data-code", "invalid_input");

    await user.clear(screen.getByTestId("add-org-url"));
    await user.type(screen.getByTestId("add-org-url"), String(baseUrl));
    await user.click(screen.getByTestId("add-org-submit"));
    await waitFor(() => expect(screen.queryByTestId("add-org")).toBeNull());
    expect(addOrg).toHaveBeenLastCalledWith(baseUrl, apiKey);
    expect(screen.queryByTestId("sandbox-badge")).toBeNull();
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();

    // A new device for this member: the banner says so before any decision, and registers it.
    const banner = await screen.findByTestId("device-banner");
    expect(banner).toHaveTextContent("This device is not registered to you");
    await user.type(screen.getByTestId("register-device-code"), "000000");
    await user.click(screen.getByTestId("register-device"));
    expect(await screen.findByRole("alert")).toHaveAttribute("data-code", "invalid_otp");
    await user.clear(screen.getByTestId("register-device-code"));
    const { otp } = typed("remote", "remote-registered");
    await user.type(screen.getByTestId("register-device-code"), String(otp));
    await user.click(screen.getByTestId("register-device"));
    await waitFor(() => expect(screen.queryByTestId("device-banner")).toBeNull());

    vi.spyOn(window, "confirm").mockReturnValue(true);
    await user.click(screen.getByTestId("leave-org"));
    expect(await screen.findByTestId("sandbox-badge")).toBeInTheDocument();
  });
});
