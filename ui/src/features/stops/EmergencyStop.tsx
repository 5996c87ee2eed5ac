import { useState } from "react";
import type { StopView } from "../../bindings/StopView";
import { Offer } from "../../components/ChangePanel";
import { CodePrompt } from "../../components/CodePrompt";
import { Timestamp } from "../../components/Timestamp";
import { HostError, useHost } from "../../platform";

/** What a stop switches off: one service user's key, or every withdrawal. */
export type StopOn = { kind: "key"; serviceUser: string; name: string } | { kind: "withdrawals" };

/** The longest reason the Organization takes (`MAX_STOP_REASON` in the core). */
const MAX_REASON = 500;

interface EmergencyStopProps {
  on: StopOn;
  /** Why the member may not pull it: the button is disabled with this beside it. */
  blocked: string | null;
  /** After the stop is in force (refresh the Organization). */
  onStopped: (stop: StopView) => void;
}

/**
 * An emergency stop: one member switches a key off, or freezes every withdrawal, at once and
 * alone, with a reason every member reads and their 2FA code. It waits for no approval because
 * it only tightens; lifting it is a request under the policy.
 */
export function EmergencyStop({ on, blocked, onStopped }: EmergencyStopProps) {
  const host = useHost();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [missingReason, setMissingReason] = useState(false);
  const words =
    on.kind === "key"
      ? {
          open: "Stop this key now…",
          hint: "at once, without approvals: every call it signs is refused",
          title: `Stop ${on.name}'s key now: every call it signs is refused, its pending withdrawals cannot be approved. Switching it back on is a Manage Access request. Enter your 6-digit code.`,
          submit: "Stop the key",
          test: "stop-key",
        }
      : {
          open: "Freeze all withdrawals…",
          hint: undefined,
          title:
            "Freeze every withdrawal now, by members and bots alike; pending ones cannot be approved. Lifting the freeze is a Manage Policies request. Enter your 6-digit code.",
          submit: "Freeze withdrawals",
          test: "freeze-withdrawals",
        };

  if (!open) {
    return (
      <div className="emergency">
        <Offer testId={`${words.test}-open`} label={words.open} blocked={blocked} hint={words.hint} danger onClick={() => setOpen(true)} />
      </div>
    );
  }

  async function pull(otp: string) {
    if (reason.trim() === "") {
      setMissingReason(true);
      throw new HostError("invalid_input", "Say why: every member reads it.");
    }
    const stop = on.kind === "key" ? await host.stopKey(on.serviceUser, reason.trim(), otp) : await host.freezeWithdrawals(reason.trim(), otp);
    setOpen(false);
    setReason("");
    onStopped(stop);
  }

  return (
    <div className="emergency" data-testid={words.test}>
      <CodePrompt
        title={words.title}
        label={words.submit}
        submitLabel={words.submit}
        tone="danger"
        onSubmit={pull}
        onCancel={() => setOpen(false)}
        focusCode={false}
        extra={(busy) => (
          <label className="field">
            <span>Reason (required, shown to every member)</span>
            <input
              type="text"
              data-testid={`${words.test}-reason`}
              value={reason}
              maxLength={MAX_REASON}
              readOnly={busy}
              aria-invalid={missingReason && reason.trim() === ""}
              placeholder={on.kind === "key" ? "e.g. secret seen in a CI log" : "e.g. address book tampering suspected"}
              autoFocus
              onChange={(event) => {
                setReason(event.target.value);
                setMissingReason(false);
              }}
            />
          </label>
        )}
      />
    </div>
  );
}

/** "Stopped by Eve Santos at Dec 7, 2026, 11:45 AM: “secret seen in a CI log”". */
export function StopWords({ stop, verb }: { stop: StopView; verb: string }) {
  return (
    <>
      {verb} by <strong>{stop.by.name}</strong> at <Timestamp at={stop.at} />: “{stop.reason}”
    </>
  );
}
