import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { Decision } from "../../bindings/Decision";
import type { RequestView } from "../../bindings/RequestView";
import { toHostError, useHost, type HostError } from "../../platform";

interface DecisionPromptProps {
  request: RequestView;
  decision: Decision;
  onCancel: () => void;
  onDecided: (updated: RequestView, decision: Decision) => void;
}

/** Asks for the 2FA code (and, to reject, an optional reason), then sends the decision. */
export function DecisionPrompt({ request, decision, onCancel, onDecided }: DecisionPromptProps) {
  const host = useHost();
  const [otp, setOtp] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);
  const [incomplete, setIncomplete] = useState(false);
  const otpInput = useRef<HTMLInputElement>(null);
  const rejecting = decision === "reject";

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (otp.length !== 6) {
      setIncomplete(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = rejecting
        ? await host.rejectRequest(request.id, otp, reason.trim() === "" ? null : reason.trim())
        : await host.approveRequest(request.id, otp);
      onDecided(updated, decision);
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
      className={rejecting ? "prompt prompt-reject" : "prompt"}
      aria-label={rejecting ? "Reject with your 2FA code" : "Approve with your 2FA code"}
      onSubmit={(event) => void submit(event)}
      onKeyDown={onKeyDown}
    >
      <p className="prompt-title">
        {rejecting ? "Reject" : "Approve"} {request.id}: enter the 6-digit code from your authenticator
      </p>
      {rejecting && (
        <label className="field">
          <span>Reason (optional, shown to the initiator)</span>
          <input
            type="text"
            data-testid="reject-reason"
            value={reason}
            maxLength={500}
            readOnly={busy}
            onChange={(event) => setReason(event.target.value)}
          />
        </label>
      )}
      <div className="prompt-row">
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
            autoFocus
            value={otp}
            readOnly={busy}
            aria-invalid={error !== null || incomplete}
            onChange={(event) => {
              setOtp(event.target.value.replace(/\D/g, "").slice(0, 6));
              setIncomplete(false);
            }}
          />
        </label>
        <button type="submit" className={rejecting ? "danger" : "primary"} data-testid="otp-submit" disabled={busy}>
          {busy ? "Sending…" : rejecting ? "Reject" : "Approve"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
      {incomplete && <p className="hint">Enter all 6 digits of the code.</p>}
      {error && (
        <p className="action-error" role="alert" data-testid="action-error" data-code={error.code}>
          {error.message}
        </p>
      )}
    </form>
  );
}
