import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { createFakeHost, fakeAuthenticatorCode, HostProvider, type Host } from "../../platform";

function renderApp(host: Host) {
  const user = userEvent.setup();
  render(
    <HostProvider host={host}>
      <App />
    </HostProvider>,
  );
  return user;
}

/** Invites `name` through the fake's Manage Access workflow and signs in as them. */
async function invited(host: Host, name: string): Promise<string> {
  const submitted = await host.submitRequest({ kind: "invite_member", name, permissions: { manage_access: [], manage_policies: [], manage_addresses: [], initiate_withdrawal: [] }, account: [] }, false, null);
  for (const m of await host.sandboxMembers()) {
    if (m.current || m.code === null) continue;
    await host.switchMember(m.id);
    const code = (await host.sandboxMembers()).find((x) => x.id === m.id)?.code ?? "";
    const done = await host.approveRequest(submitted.request.id, code).catch(() => null);
    if (done?.status === "completed") break;
  }
  const joined = (await host.sandboxMembers()).find((m) => m.name === name);
  if (!joined) throw new Error(`${name} did not join`);
  await host.switchMember(joined.id);
  return joined.id;
}

describe("Enrollment", () => {
  it("walks an invited member through the QR code before anything else, then opens the workspace", async () => {
    const host = createFakeHost();
    const id = await invited(host, "Frank Li");
    const user = renderApp(host);

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

    await user.clear(screen.getByTestId("enroll-code"));
    await user.type(screen.getByTestId("enroll-code"), fakeAuthenticatorCode(id, Date.now()));
    await user.click(screen.getByTestId("confirm-enrollment"));
    await waitFor(() => expect(screen.queryByTestId("enroll-screen")).toBeNull());
    expect(await screen.findByTestId("needs-me-count")).toBeInTheDocument();
  });
});

describe("Adding and leaving an org", () => {
  it("sends only the URL and the key; the secret is the core's to read from the clipboard", async () => {
    const host = createFakeHost();
    const addOrg = vi.fn<Host["addOrg"]>((url, key) => host.addOrg(url, key));
    const user = renderApp({ ...host, addOrg });

    await user.click(await screen.findByTestId("open-add-org"));
    expect(screen.getByTestId("add-org")).toHaveTextContent("this window never sees it");
    expect(screen.getByTestId("add-org-submit")).toBeDisabled();
    await user.type(screen.getByTestId("add-org-url"), "ftp://nowhere");
    await user.type(screen.getByTestId("add-org-key"), "AK-123");
    await user.click(screen.getByTestId("add-org-submit"));
    expect(await screen.findByRole("alert")).toHaveAttribute("data-code", "invalid_input");

    await user.clear(screen.getByTestId("add-org-url"));
    await user.type(screen.getByTestId("add-org-url"), "https://org.example.com/");
    await user.click(screen.getByTestId("add-org-submit"));
    await waitFor(() => expect(screen.queryByTestId("add-org")).toBeNull());
    expect(addOrg).toHaveBeenLastCalledWith("https://org.example.com/", "AK-123");
    expect(screen.queryByTestId("sandbox-badge")).toBeNull();
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();

    // A new device for this member: the banner says so before any decision, and registers it.
    const banner = await screen.findByTestId("device-banner");
    expect(banner).toHaveTextContent("This device is not registered to you");
    await user.type(screen.getByTestId("register-device-code"), "000000");
    await user.click(screen.getByTestId("register-device"));
    expect(await screen.findByRole("alert")).toHaveAttribute("data-code", "invalid_otp");
    await user.clear(screen.getByTestId("register-device-code"));
    const me = await host.getSession();
    await user.type(screen.getByTestId("register-device-code"), fakeAuthenticatorCode(me.member.id, Date.now()));
    await user.click(screen.getByTestId("register-device"));
    await waitFor(() => expect(screen.queryByTestId("device-banner")).toBeNull());

    vi.spyOn(window, "confirm").mockReturnValue(true);
    await user.click(screen.getByTestId("leave-org"));
    expect(await screen.findByTestId("sandbox-badge")).toBeInTheDocument();
  });
});
