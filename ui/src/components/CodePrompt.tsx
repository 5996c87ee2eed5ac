import { useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { countdown } from "../lib/useDecisionWindow";
import { toHostError, type HostError } from "../platform";

interface CodePromptProps {
  /** What the code is for, e.g. "Approve req-1006: enter the 6-digit code from your authenticator". */
  title: string;
  /** The form's accessible name. */
  label: string;
  submitLabel: string;
  tone?: "primary" | "danger";
  /** Sends the code; rejects to show the error and ask again. */
  onSubmit: (otp: string) => Promise<void>;
  onCancel: () => void;
  /** Fields shown above the code (e.g. a rejection reason); `busy` while sending. */
  extra?: (busy: boolean) => ReactNode;
  /** Focus the code on opening (default); off when `extra` holds a required field to fill first. */
  focusCode?: boolean;
  /**
   * An open decision window: seconds left. While above 0 (and `onSubmitInWindow` is given) no
   * code is asked: the form sends through the window, and falls back to the code if the window
   * turns out to be closed.
   */
  windowLeft?: number;
  /** Sends through the open decision window (no code). */
  onSubmitInWindow?: () => Promise<void>;
}

/** Asks for the 6-digit step-up code, sends it, and shows a refusal in place. */
export function CodePrompt({
  title,
  label,
  submitLabel,
  tone = "primary",
  onSubmit,
  onCancel,
  extra,
  focusCode = true,
  windowLeft = 0,
  onSubmitInWindow,
}: CodePromptProps) {
  const [otp, setOtp] = useState("");
  // A window that the Organization says is closed is not offered again in this prompt.
  const [windowRefused, setWindowRefused] = useState(false);
  const inWindow = onSubmitInWindow !== undefined && windowLeft > 0 && !windowRefused;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);
  const [incomplete, setIncomplete] = useState(false);
  const otpInput = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    event.stopPropagation();
    if (busy) return;
    if (inWindow) {
      setBusy(true);
      setError(null);
      try {
        await onSubmitInWindow();
        setBusy(false);
      } catch (failure) {
        const refused = toHostError(failure);
        setError(refused);
        if (refused.code === "invalid_otp") setWindowRefused(true);
        setBusy(false);
      }
      return;
    }
    if (otp.length !== 6) {
      setIncomplete(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(otp);
      setBusy(false);
    } catch (failure) {
      setError(toHostError(failure));
      setOtp("");
      setBusy(false);
      otpInput.current?.focus();
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    }
  }

  return (
    <form
      className={tone === "danger" ? "prompt prompt-reject" : "prompt"}
      aria-label={label}
      onSubmit={(event) => void submit(event)}
      onKeyDown={onKeyDown}
    >
      <p className="prompt-title">{title}</p>
      {extra?.(busy)}
      <div className="prompt-row">
        {inWindow ? (
          <p className="window-open" data-testid="window-open" role="timer" aria-live="off">
            Decision window open: <strong>{countdown(windowLeft)}</strong> left. No code needed; this decision is still
            signed by this device.
          </p>
        ) : (
        <label className="field">
          <span>Code</span>
          <input
            ref={otpInput}
            className="otp"
            data-testid="otp-input"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            placeholder="000000"
            autoFocus={focusCode}
            value={otp}
            readOnly={busy}
            aria-invalid={error !== null || incomplete}
            onChange={(event) => {
              setOtp(event.target.value.replace(/\D/g, "").slice(0, 6));
              setIncomplete(false);
            }}
          />
        </label>
        )}
        <button type="submit" className={tone} data-testid="otp-submit" disabled={busy} autoFocus={inWindow && focusCode}>
          {busy ? "Sending…" : submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Back <kbd>Esc</kbd>
        </button>
      </div>
      {incomplete && <p className="hint">Enter all 6 digits of the code.</p>}
      {error && (
        <p className="action-error" role="alert" data-testid="action-error" data-code={error.code}>
          {error.message}
          {error.code === "invalid_otp" && " A code is accepted once: after using one, wait for the next."}
        </p>
      )}
    </form>
  );
}
