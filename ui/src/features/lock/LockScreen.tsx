import { useCallback, useEffect, useState, type FormEvent } from "react";
import { DEFAULT_IDLE_MINUTES, IDLE_CHOICES } from "../../bindings/commands";
import type { DemoMember } from "../../bindings/DemoMember";
import type { Session } from "../../bindings/Session";
import { toHostError, useHost, type HostError } from "../../platform";

/** Where this device keeps the idle time chosen (the core's choices and default: `IDLE_CHOICES`). */
export const IDLE_MINUTES_KEY = "countersign.idle-minutes";

export function readIdleMinutes(): number {
  const stored = Number(window.localStorage.getItem(IDLE_MINUTES_KEY));
  return IDLE_CHOICES.includes(stored) ? stored : DEFAULT_IDLE_MINUTES;
}

/** At most one input report per this long: the idle time is counted in minutes. */
export const INPUT_REPORT_MS = 15_000;

/**
 * Tells the core's idle timer that the person at the keyboard did something (keyboard, pointer,
 * wheel, touch), at most once per {@link INPUT_REPORT_MS}. The timer itself lives in the core,
 * which locks the app and says so (`onLocked`): a hidden or throttled page cannot hold it off.
 * Polling and other background work are never reported.
 */
export function useInputReports(active: boolean) {
  const host = useHost();
  useEffect(() => {
    if (!active) return;
    let last = Number.NEGATIVE_INFINITY;
    const report = () => {
      const now = performance.now();
      if (now - last < INPUT_REPORT_MS) return;
      last = now;
      void host.noteInput().catch(() => undefined);
    };
    const events = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;
    for (const e of events) window.addEventListener(e, report, { passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, report);
    };
  }, [host, active]);
}

/** Gives the core the idle time chosen on this device, at start and on every change. */
export function useIdleMinutes(minutes: number) {
  const host = useHost();
  useEffect(() => {
    void host.setIdleMinutes(minutes).catch(() => undefined);
  }, [host, minutes]);
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

/**
 * Shown instead of the Organization while locked, at every start too: nothing of it is on screen
 * until the member's code unlocks it. The offline ledger review stays open (`onReviewLedgers`).
 * In the sandbox, the signed-in demo member's code is shown, so nobody is stranded on a demo.
 */
export function LockScreen({
  session,
  onUnlocked,
  onReviewLedgers,
}: {
  session: Session;
  onUnlocked: () => void;
  onReviewLedgers: () => void;
}) {
  const host = useHost();
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);
  const demo = useDemoCode(session.mode === "sandbox");

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
        {demo?.code && (
          <p className="lock-demo-code" data-testid="lock-demo-code">
            Sandbox: {demo.name}&rsquo;s code is{" "}
            <span className="demo-code" data-testid="lock-demo-code-value">
              {demo.code}
            </span>{" "}
            <span className="muted">(a new one every 30 s)</span>
          </p>
        )}
        <p className="lock-ledgers muted">
          Ledger review needs no Organization: it works on this device&rsquo;s imported files while the
          Organization is locked.{" "}
          <button type="button" className="link" data-testid="review-ledgers-locked" onClick={onReviewLedgers}>
            Review ledgers
          </button>
        </p>
      </form>
    </div>
  );
}

/**
 * The signed-in demo member with their current code (sandbox only), fetched again when it
 * changes rather than every second.
 */
function useDemoCode(sandbox: boolean): DemoMember | null {
  const host = useHost();
  const [demo, setDemo] = useState<DemoMember | null>(null);
  const load = useCallback(() => host.sandboxUnlockCode(), [host]);
  useEffect(() => {
    if (!sandbox) return;
    let timer: number | undefined;
    let stopped = false;
    const next = () => {
      load().then(
        (found) => {
          if (stopped) return;
          setDemo(found);
          if (found) timer = window.setTimeout(next, Math.max(1, found.seconds_remaining) * 1000);
        },
        () => undefined,
      );
    };
    next();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [sandbox, load]);
  return demo;
}
