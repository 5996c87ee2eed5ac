import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RequestView } from "../../bindings/RequestView";
import officerRecording from "../../fixtures/officer.json";
import { answer, codeOf, findRow, renderOn, replay } from "../../test/replay";
import type { Recording } from "../../test/replayHost";
import { useIdle } from "./LockScreen";

const officer = officerRecording as Recording;
const [first] = answer<RequestView[]>(officer, "start", "list_requests", { filter: { status: "pending", workflow: null } });

function IdleProbe({ onIdle }: { onIdle: () => void }) {
  useIdle(5, onIdle, true);
  return <p>probe</p>;
}

describe("locking", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("locks after the idle time, and input keeps it open", () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    render(<IdleProbe onIdle={onIdle} />);
    act(() => {
      vi.advanceTimersByTime(4 * 60_000);
    });
    fireEvent.keyDown(window, { key: "j" });
    act(() => {
      vi.advanceTimersByTime(4 * 60_000);
    });
    expect(onIdle).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(60_000 + 1);
    });
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it("hides everything until the member's code unlocks it", async () => {
    const { user, host } = renderOn(replay(officer));
    const code = await codeOf("Ben Ruiz");
    await user.click(await screen.findByTestId("lock-now"));

    expect(await screen.findByTestId("lock-screen")).toBeInTheDocument();
    expect(screen.queryByTestId("sandbox-panel")).toBeNull();
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
