import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect } from "vitest";
import { App } from "../App";
import { createFakeHost, HostProvider, type Host } from "../platform";

/** Renders the whole app against a host (the fake by default), as a person would meet it. */
export function renderApp(host: Host = createFakeHost()) {
  const user = userEvent.setup();
  render(
    <HostProvider host={host}>
      <App />
    </HostProvider>,
  );
  return { user, host };
}

export const rowOf = (id: string) =>
  document.querySelector<HTMLElement>(`[data-testid="request-row"][data-request-id="${id}"]`);

export async function findRow(id: string): Promise<HTMLElement> {
  return waitFor(() => {
    const row = rowOf(id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  });
}

/** A demo member's current code, read from the sandbox panel. */
export async function codeOf(name: string): Promise<string> {
  const member = await waitFor(() => {
    const found = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberName === name);
    if (!found) throw new Error(`no demo member ${name}`);
    return found;
  });
  return within(member).getByTestId("demo-code").textContent;
}

/** Signs in as another demo member through the sandbox panel. */
export async function signInAs(user: ReturnType<typeof userEvent.setup>, name: string): Promise<void> {
  const member = await waitFor(() => {
    const found = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberName === name);
    if (!found) throw new Error(`no demo member ${name}`);
    return found;
  });
  await user.click(within(member).getByTestId("switch-member"));
  await waitFor(() => expect(screen.getByTestId("current-member")).toHaveTextContent(name));
}
