import { useCallback, useEffect, useState } from "react";
import type { WindowView } from "../bindings/WindowView";
import { useHost } from "../platform";

/** As the core's margin (`crates/app/src/window.rs`). */
const CLOSE_MARGIN_SECONDS = 2;

export interface DecisionWindowState {
  /** The open window; `null` when none is open; `undefined` until first asked. */
  window: WindowView | null | undefined;
  /** Whole seconds until it closes (0 when none is open). */
  secondsLeft: number;
  /** Asks the core again (after a code was typed, which opens one). */
  refresh: () => void;
}

/**
 * The decision window the core holds for the signed-in member (opened by the code that unlocked
 * the app, or by the last code typed to decide): while it is open, decisions need no code. The
 * countdown ticks once a second only while a window is open, so an idle desk costs nothing.
 */
export function useDecisionWindow(): DecisionWindowState {
  const host = useHost();
  const [window, setWindow] = useState<WindowView | null | undefined>(undefined);
  const [now, setNow] = useState(() => Date.now());

  const refresh = useCallback(() => {
    host.decisionWindow().then(
      (w) => {
        setWindow(w);
        setNow(Date.now());
      },
      () => setWindow(null),
    );
  }, [host]);

  useEffect(refresh, [refresh]);

  // The core stops using a window 2 s before it closes (a decision sent then could arrive late):
  // so does the countdown.
  const closesMs = window === undefined || window === null ? 0 : (window.closes_at - CLOSE_MARGIN_SECONDS) * 1000;
  const open = closesMs > now;
  useEffect(() => {
    if (!open) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [open]);

  const secondsLeft = open ? Math.max(0, Math.floor((closesMs - now) / 1000)) : 0;
  return { window: open ? window : window === undefined ? undefined : null, secondsLeft, refresh };
}

/** "1:43" for 103 seconds. */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
