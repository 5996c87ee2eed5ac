import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Session } from "../../bindings/Session";
import { toHostError, useHost, type HostError } from "../../platform";

/** Minutes of no keyboard or pointer input before the app locks itself (a setting; 5 by default). */
export const IDLE_MINUTES_KEY = "countersign.idle-minutes";
export const DEFAULT_IDLE_MINUTES = 5;
const IDLE_CHOICES = [1, 2, 5, 10, 15, 30];

export function readIdleMinutes(): number {
  const stored = Number(window.localStorage.getItem(IDLE_MINUTES_KEY));
  return IDLE_CHOICES.includes(stored) ? stored : DEFAULT_IDLE_MINUTES;
}

/**
 * Calls `onIdle` once after `minutes` without keyboard, pointer or wheel input. Polling and other
 * background work do not count as activity: only the person at the keyboard does.
 */
export function useIdle(minutes: number, onIdle: () => void, active: boolean) {
  const callback = useRef(onIdle);
  useEffect(() => {
    callback.current = onIdle;
  }, [onIdle]);
  useEffect(() => {
    if (!active) return;
    let timer = window.setTimeout(() => callback.current(), minutes * 60_000);
    const reset = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => callback.current(), minutes * 60_000);
    };
    const events = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;
    for (const e of events) window.addEventListener(e, reset, { passive: true });
    return () => {
      window.clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, reset);
    };
  }, [minutes, active]);
}

/** The idle setting, beside the lock button. */
export function IdleSetting({ minutes, onChange }: { minutes: number; onChange: (m: number) => void }) {
  return (
    <label className="idle-setting" title="Lock after this long without keyboard or pointer input">
      Lock after{" "}
      <select
        data-testid="idle-minutes"
        value={minutes}
        onChange={(e) => {
          const m = Number(e.currentTarget.value);
          window.localStorage.setItem(IDLE_MINUTES_KEY, String(m));
          onChange(m);
        }}
      >
        {IDLE_CHOICES.map((m) => (
          <option key={m} value={m}>
            {m} min
          </option>
        ))}
      </select>
    </label>
  );
}

/** Shown instead of everything while locked: nothing of the Organization is on screen until the member's code unlocks it. */
export function LockScreen({ session, onUnlocked }: { session: Session; onUnlocked: () => void }) {
  const host = useHost();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await host.unlockApp(code.trim());
      setCode("");
      onUnlocked();
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="lock-screen" data-testid="lock-screen" role="dialog" aria-modal="true" aria-labelledby="lock-title">
      <form onSubmit={(e) => void submit(e)}>
        <h2 id="lock-title">Countersign is locked</h2>
        <p>
          Signed in as <strong>{session.member.name}</strong> at {session.org_name}. Enter your current 6-digit code to
          unlock.
        </p>
        <input
          data-testid="unlock-code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          aria-label="Your current 6-digit code"
          value={code}
          autoFocus
          onChange={(e) => setCode(e.currentTarget.value)}
        />{" "}
        <button type="submit" data-testid="unlock" disabled={busy || code.trim().length !== 6}>
          {busy ? "Unlocking…" : "Unlock"}
        </button>
        {error && (
          <p className="action-error" role="alert" data-code={error.code}>
            {error.message}
          </p>
        )}
      </form>
    </div>
  );
}
