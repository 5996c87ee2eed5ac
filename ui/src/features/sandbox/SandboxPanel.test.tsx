import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createFakeHost, HostError, type Host } from "../../platform";
import { renderApp } from "../../test/app";

describe("<SandboxPanel> living sandbox", () => {
  it("switches the living sandbox on and off through the host", async () => {
    const host = createFakeHost();
    const { user } = renderApp(host);
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
    const base = createFakeHost();
    const host: Host = {
      ...base,
      setLivingSandbox: () => Promise.reject(new HostError("unavailable", "the sandbox has no su-rebalancer service user")),
    };
    const { user } = renderApp(host);
    const toggle = await screen.findByTestId("living-sandbox");
    await waitFor(() => expect(toggle).toBeEnabled());
    await user.click(toggle);
    expect(await screen.findByText("the sandbox has no su-rebalancer service user")).toBeInTheDocument();
    expect(toggle).not.toBeChecked();
  });
});
