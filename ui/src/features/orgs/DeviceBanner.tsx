import { useEffect, useState, type FormEvent } from "react";
import type { DeviceStatus } from "../../bindings/DeviceStatus";
import { toHostError, useHost, type HostError } from "../../platform";

/**
 * On a remote Organization, decisions are accepted only from a device registered to the member.
 * When this device's key is not, says so before the member tries to decide, and registers it
 * with their code. Silent once registered (and in the sandbox, which registers on first use).
 */
export function DeviceBanner() {
  const host = useHost();
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HostError | null>(null);

  useEffect(() => {
    let live = true;
    host.deviceStatus().then(
      (loaded) => {
        if (live) setStatus(loaded);
      },
      (failure: unknown) => {
        if (live) setError(toHostError(failure));
      },
    );
    return () => {
      live = false;
    };
  }, [host]);

  async function register(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setStatus(await host.registerDevice(code.trim()));
      setCode("");
    } catch (failure) {
      setError(toHostError(failure));
    } finally {
      setBusy(false);
    }
  }

  if (status?.registered && error === null) return null;
  return (
    <div className="device-banner" role="region" aria-label="This device" data-testid="device-banner">
      {status && !status.registered && (
        <form onSubmit={(e) => void register(e)}>
          <strong>This device is not registered to you.</strong> Your decisions are signed by it, and the Organization
          refuses signatures from unregistered devices. Register it with your current code:{" "}
          <input
            data-testid="register-device-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            aria-label="Your current 6-digit code"
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
          />{" "}
          <button type="submit" data-testid="register-device" disabled={busy || code.trim().length !== 6}>
            {busy ? "Registering…" : "Register this device"}
          </button>
          <span className="muted"> Key {status.public_key.slice(0, 12)}…</span>
        </form>
      )}
      {error && (
        <p className="action-error" role="alert" data-code={error.code}>
          {error.message}
        </p>
      )}
    </div>
  );
}
