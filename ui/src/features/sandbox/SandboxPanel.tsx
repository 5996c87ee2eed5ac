import { useCallback, useState } from "react";
import type { Session } from "../../bindings/Session";
import { ErrorState } from "../../components/ErrorState";
import { usePolled } from "../../lib/usePolled";
import { toHostError, useHost, type HostError } from "../../platform";

/** TOTP step length; the binding carries only the seconds left, so the bar assumes the usual 30 s. */
const CODE_PERIOD_SECONDS = 30;

interface SandboxPanelProps {
  onSwitched: (session: Session) => void;
}

/**
 * Sandbox only, and only what is the sandbox's own: the demo members, their current codes,
 * signing in as one of them, and the living sandbox. Requests start from the area they belong to.
 */
export function SandboxPanel({ onSwitched }: SandboxPanelProps) {
  const host = useHost();
  const load = useCallback(() => host.sandboxMembers(), [host]);
  const members = usePolled(load, 1000);
  const [switching, setSwitching] = useState<string | null>(null);
  const [switchError, setSwitchError] = useState<HostError | null>(null);
  const loadLiving = useCallback(() => host.livingSandbox(), [host]);
  const living = usePolled(loadLiving, 5000);
  const [livingBusy, setLivingBusy] = useState(false);
  const [livingError, setLivingError] = useState<HostError | null>(null);

  async function setLiving(on: boolean) {
    setLivingBusy(true);
    setLivingError(null);
    try {
      await host.setLivingSandbox(on);
      await living.refresh();
    } catch (failure) {
      setLivingError(toHostError(failure));
    } finally {
      setLivingBusy(false);
    }
  }

  async function switchTo(memberId: string) {
    setSwitching(memberId);
    setSwitchError(null);
    try {
      const session = await host.switchMember(memberId);
      await members.refresh();
      onSwitched(session);
    } catch (failure) {
      setSwitchError(toHostError(failure));
    } finally {
      setSwitching(null);
    }
  }

  return (
    <aside className="sandbox-panel" data-testid="sandbox-panel" aria-labelledby="sandbox-title">
      <h2 id="sandbox-title">Sandbox — demo members</h2>
      <p className="muted">Demo codes for this sandbox only. Approve with the signed-in member's code.</p>
      <div className="sandbox-actions">
        <label className="living-toggle" title="Customer deposits arrive in the BTC hot wallet and rebalancer-bot sweeps the excess to cold storage; each sweep joins the approval queue.">
          <input
            type="checkbox"
            data-testid="living-sandbox"
            checked={living.data === true}
            disabled={livingBusy || living.data === undefined}
            onChange={(e) => void setLiving(e.currentTarget.checked)}
          />{" "}
          Living sandbox
        </label>
        <p className="muted">
          Customer deposits arrive in the BTC hot wallet and rebalancer-bot sweeps the excess to cold storage through the
          exchange API; each sweep joins the approval queue.
        </p>
        {livingError && (
          <p className="action-error" role="alert" data-code={livingError.code}>
            {livingError.message}
          </p>
        )}
      </div>
      {switchError && (
        <p className="action-error" role="alert" data-code={switchError.code}>
          {switchError.message}
        </p>
      )}
      {members.data === undefined ? (
        members.error ? (
          <ErrorState title="Couldn't load the demo members." error={members.error} onRetry={() => void members.refresh()} />
        ) : (
          <p className="placeholder">Loading demo members…</p>
        )
      ) : (
        <ul className="demo-members">
          {members.data.map((m) => (
            <li
              key={m.id}
              className={m.current ? "demo-member current" : "demo-member"}
              data-testid="demo-member"
              data-member-id={m.id}
              data-member-name={m.name}
            >
              <div className="demo-head">
                <span className="demo-name">{m.name}</span>
                <span className="demo-role">{m.role}</span>
              </div>
              {m.code === null ? (
                <p className="demo-not-enrolled" data-testid="demo-not-enrolled">
                  No authenticator yet: sign in as {m.name} to set one up.
                </p>
              ) : (
                <>
                  <div className="demo-code-row">
                    <span className="demo-code" data-testid="demo-code" aria-label={`Current code for ${m.name}`}>
                      {m.code}
                    </span>
                    <span className="countdown" title="Seconds until this code changes">
                      {m.seconds_remaining} s
                    </span>
                  </div>
                  <progress
                    max={Math.max(CODE_PERIOD_SECONDS, m.seconds_remaining)}
                    value={m.seconds_remaining}
                    aria-label={`Time left for ${m.name}'s code`}
                  />
                </>
              )}
              {m.current ? (
                <span className="signed-in-tag">Signed in</span>
              ) : (
                <button
                  type="button"
                  data-testid="switch-member"
                  disabled={switching !== null}
                  onClick={() => void switchTo(m.id)}
                >
                  {switching === m.id ? "Signing in…" : `Sign in as ${m.name}`}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
