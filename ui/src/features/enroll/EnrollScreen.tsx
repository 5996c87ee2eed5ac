import { useState, type FormEvent } from "react";
import type { Enrollment } from "../../bindings/Enrollment";
import type { Session } from "../../bindings/Session";
import { toHostError, useHost, type HostError } from "../../platform";

/**
 * Two-factor enrollment for a member who has no authenticator yet (an invited member's first
 * sign-in). The QR code and the otpauth URI carry the secret: they are fetched on request, shown
 * once, and dropped from memory when the member confirms or leaves the screen.
 */
export function EnrollScreen({ session, onEnrolled }: { session: Session; onEnrolled: (session: Session) => void }) {
  const host = useHost();
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [showKey, setShowKey] = useState(false);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);

  async function begin() {
    setBusy(true);
    setError(null);
    try {
      setEnrollment(await host.beginEnrollment());
      setCode("");
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(false);
    }
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const enrolled = await host.confirmEnrollment(code.trim());
      setEnrollment(null);
      onEnrolled(enrolled);
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="enroll" data-testid="enroll-screen" aria-labelledby="enroll-title">
      <h2 id="enroll-title">Set up your authenticator</h2>
      <p>
        Welcome to {session.org_name}, {session.member.name}. Every approval, rejection, execution and cancellation asks
        for a code from an authenticator app (Aegis, 1Password, Google Authenticator, …). Set one up now: nothing that
        needs a code works until you do.
      </p>
      {enrollment === null ? (
        <button type="button" data-testid="begin-enrollment" disabled={busy} onClick={() => void begin()}>
          {busy ? "Preparing…" : "Show the QR code"}
        </button>
      ) : (
        <form onSubmit={(e) => void confirm(e)}>
          <ol className="enroll-steps">
            <li>
              Scan this code with your authenticator app.
              <img
                className="enroll-qr"
                data-testid="enroll-qr"
                alt="QR code of your authenticator secret"
                src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrollment.qr_svg)}`}
              />
              {showKey ? (
                <code className="enroll-uri" data-testid="otpauth-uri">
                  {enrollment.otpauth_uri}
                </code>
              ) : (
                <button type="button" className="quiet" data-testid="show-otpauth-uri" onClick={() => setShowKey(true)}>
                  Can't scan? Show the setup link
                </button>
              )}
            </li>
            <li>
              <label>
                Enter the 6-digit code it shows{" "}
                <input
                  data-testid="enroll-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  maxLength={6}
                  value={code}
                  onChange={(e) => setCode(e.currentTarget.value)}
                />
              </label>{" "}
              <button type="submit" data-testid="confirm-enrollment" disabled={busy || code.trim().length !== 6}>
                {busy ? "Checking…" : "Confirm"}
              </button>
            </li>
          </ol>
          <p className="muted">
            Confirming also registers this device: your decisions from it are signed with a key kept in the OS keychain.
            This QR code is shown once; if you lose it before confirming, ask for a new one.
          </p>
          <button type="button" className="quiet" disabled={busy} onClick={() => void begin()}>
            New QR code
          </button>
        </form>
      )}
      {error && (
        <p className="action-error" role="alert" data-code={error.code}>
          {error.message}
        </p>
      )}
    </section>
  );
}
