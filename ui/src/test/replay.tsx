import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, vi } from "vitest";
import { App } from "../App";
import { HostProvider, type Host } from "../platform";
import { createReplayHost, type Recording, type ReplayHost, type ReplayHostOptions } from "./replayHost";

/** The hosts of the running test, checked after it for calls the recording did not hold. */
export const activeHosts = new Set<ReplayHost>();

/** A replay host over `recording` whose clock the app's `Date.now` follows. */
export function replay(recording: Recording, options: ReplayHostOptions = {}): ReplayHost {
  const host = createReplayHost(recording, options);
  vi.spyOn(Date, "now").mockImplementation(() => host.nowMs());
  activeHosts.add(host);
  return host;
}

/**
 * Renders the whole app on `host` — a replay of a recording, or one with a call overridden to
 * show a state the recordings do not reach (an empty queue, an outage) — as a person meets it.
 */
export function renderOn<H extends Host>(host: H) {
  const user = userEvent.setup();
  render(
    <HostProvider host={host}>
      <App />
    </HostProvider>,
  );
  return { user, host };
}

/** The recorded answer of `command` with `args` in `state`: what a test expects the app to show. */
export function answer<T>(recording: Recording, state: string, command: string, args: Record<string, unknown> = {}): T {
  const call = recording.states[state]?.calls.find((c) => c.command === command && JSON.stringify(c.args) === JSON.stringify(args));
  if (call?.ok === undefined) throw new Error(`the recording answers no ${command}(${JSON.stringify(args)}) in ${state}`);
  return structuredClone(recording.answers[call.ok]) as T;
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

/** A demo member's current code, read from the sandbox panel as a person would. */
export async function codeOf(name: string): Promise<string> {
  const member = await waitFor(() => {
    const found = screen.getAllByTestId("demo-member").find((m) => m.dataset.memberName === name);
    if (!found) throw new Error(`no demo member ${name}`);
    return found;
  });
  return within(member).getByTestId("demo-code").textContent;
}

/** Opens the Service users area and the service user `name`; its detail. */
export async function openServiceUser(user: ReturnType<typeof userEvent.setup>, name: string): Promise<HTMLElement> {
  await user.click(await screen.findByTestId("nav-service-users"));
  const row = await waitFor(() => {
    const found = screen.getAllByTestId("service-user-row").find((r) => r.dataset.name === name);
    if (!found) throw new Error(`no service user ${name}`);
    return found;
  });
  await user.click(row);
  return screen.getByRole("article", { name: `Service user ${name}` });
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
