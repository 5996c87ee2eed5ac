import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RequestView } from "../../bindings/RequestView";
import officerRecording from "../../fixtures/officer.json";
import { answer, codeOf, findRow, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";
import { INPUT_REPORT_MS } from "./LockScreen";

const officer = officerRecording as Recording;
const [first] = answer<RequestView[]>(officer, "start", "list_requests", { filter: { status: "pending", workflow: null } });

describe("locking", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports input to the core's idle timer, at most once per interval, and gives it the chosen time", async () => {
    const host = replay(officer);
    const now = vi.spyOn(performance, "now").mockReturnValue(1_000);
    renderOn(host);
    await findRow(first?.id ?? "");
    expect(host.callCount("setIdleMinutes")).toBe(1);
    expect(host.callCount("noteInput")).toBe(0);
    fireEvent.keyDown(window, { key: "j" });
    fireEvent.pointerMove(window);
    expect(host.callCount("noteInput")).toBe(1);
    now.mockReturnValue(1_000 + INPUT_REPORT_MS - 1);
    fireEvent.keyDown(window, { key: "k" });
    expect(host.callCount("noteInput")).toBe(1);
    now.mockReturnValue(1_000 + INPUT_REPORT_MS);
    fireEvent.wheel(window);
    expect(host.callCount("noteInput")).toBe(2);
  });

  it("locks when the core's idle timer runs out", async () => {
    const { host } = renderOn(replay(officer));
    await findRow(first?.id ?? "");
    act(() => host.simulateSystemLock("idle"));
    expect(await screen.findByTestId("lock-screen")).toBeInTheDocument();
    expect(screen.queryAllByTestId("request-row")).toHaveLength(0);
  });

  it("hides everything until the member's code unlocks it", async () => {
    const { user, host } = renderOn(replay(officer));
    const code = await codeOf("Ben Ruiz");
    await user.click(await screen.findByTestId("lock-now"));

    expect(await screen.findByTestId("lock-screen")).toBeInTheDocument();
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();
    // The sandbox's lock screen shows the signed-in member's code, and only theirs.
    expect(await screen.findByTestId("lock-demo-code")).toHaveTextContent(/Ben Ruiz/);
    expect(screen.getByTestId("lock-demo-code-value")).toHaveTextContent(code);
    expect(screen.queryAllByTestId("request-row")).toHaveLength(0);
    await waitFor(async () => expect(await host.appLocked()).toBe(true));

    await user.type(screen.getByTestId("unlock-code"), code === "000000" ? "111111" : "000000");
    await user.click(screen.getByTestId("unlock"));
    expect(await screen.findByRole("alert")).toHaveAttribute("data-code", "invalid_otp");
    expect(screen.getByTestId("lock-screen")).toBeInTheDocument();

    await user.clear(screen.getByTestId("unlock-code"));
    await user.type(screen.getByTestId("unlock-code"), code);
    await user.click(screen.getByTestId("unlock"));
    expect(await screen.findByTestId("sandbox-panel")).toBeInTheDocument();
    expect(await host.appLocked()).toBe(false);
  });

  it("opens on the lock screen when the core is already locked (a reload while locked)", async () => {
    renderOn(replay(officer, { state: "locked" }));
    expect(await screen.findByTestId("lock-screen")).toBeInTheDocument();
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();
  });

  it.each(["screen_locked", "sleep"] as const)("locks when the OS reports %s, hiding the queue", async (reason) => {
    const { host } = renderOn(replay(officer));
    await findRow(first?.id ?? "");

    act(() => host.simulateSystemLock(reason));

    expect(await screen.findByTestId("lock-screen")).toBeInTheDocument();
    expect(screen.queryAllByTestId("request-row")).toHaveLength(0);
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();
    expect(await host.appLocked()).toBe(true);
  });
});
