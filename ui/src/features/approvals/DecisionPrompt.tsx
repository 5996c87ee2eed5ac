import { useState } from "react";
import type { RequestView } from "../../bindings/RequestView";
import { CodePrompt } from "../../components/CodePrompt";
import { formatAmount } from "../../lib/money";
import { whatOf } from "../../lib/org";
import { useDecisionWindow } from "../../lib/useDecisionWindow";
import { useHost } from "../../platform";

/** What a code prompt on a request does: decide it, or (its initiator) cancel it. */
export type RequestAction = "approve" | "reject" | "cancel";

interface DecisionPromptProps {
  request: RequestView;
  action: RequestAction;
  onCancel: () => void;
  onDone: (updated: RequestView, action: RequestAction) => void;
}

const TITLES: Record<RequestAction, { verb: string; label: string }> = {
  approve: { verb: "Approve", label: "Approve the request" },
  reject: { verb: "Reject", label: "Reject the request" },
  cancel: { verb: "Cancel", label: "Cancel the request" },
};

/**
 * What is being decided, repeated where the code is typed: a withdrawal's amount, asset,
 * destination and address; any other request in words.
 */
export function decidedWords(request: RequestView): string {
  const { payload } = request;
  if (payload.kind === "withdrawal") {
    return `${formatAmount(payload.amount)} ${payload.asset} (fee ${formatAmount(payload.fee)}) to ${payload.key}, ${payload.address}`;
  }
  return whatOf(request);
}

/**
 * Asks for the step-up (the 2FA code, or nothing while a decision window is open) and a reason
 * (required to reject, optional to approve), then sends the decision or the cancellation.
 */
export function DecisionPrompt({ request, action, onCancel, onDone }: DecisionPromptProps) {
  const host = useHost();
  const [reason, setReason] = useState("");
  const [reasonMissing, setReasonMissing] = useState(false);
  const { secondsLeft, refresh } = useDecisionWindow();
  const { verb, label } = TITLES[action];
  const why = reason.trim() === "" ? null : reason.trim();

  async function send(otp: string | null) {
    if (action === "reject" && why === null) {
      setReasonMissing(true);
      throw new Error("A rejection needs a reason: say why, for the initiator and the other approvers.");
    }
    // What you see is what you sign: the decision is signed over the request as shown here.
    const seen = request.payload;
    let updated: RequestView;
    try {
      if (action === "reject") {
        updated = await host.rejectRequest(request.id, otp, why ?? "", seen);
      } else if (action === "cancel") {
        updated = await host.cancelRequest(request.id, otp, seen);
      } else {
        updated = await host.approveRequest(request.id, otp, why, seen);
      }
    } finally {
      // A code opens a window; a window may have closed.
      refresh();
    }
    onDone(updated, action);
  }

  const title = `${verb} ${request.id}: ${decidedWords(request)}.`;
  return (
    <CodePrompt
      title={secondsLeft > 0 ? title : `${title} Enter the 6-digit code from your authenticator.`}
      label={label}
      submitLabel={action === "cancel" ? "Cancel request" : verb}
      tone={action === "approve" ? "primary" : "danger"}
      onSubmit={send}
      onCancel={onCancel}
      windowLeft={secondsLeft}
      onSubmitInWindow={() => send(null)}
      focusCode={action !== "reject"}
      extra={
        action === "cancel"
          ? undefined
          : (busy) => (
              <label className="field">
                <span>
                  {action === "reject" ? "Reason (required, shown to the initiator)" : "Reason (optional, kept with your approval)"}
                </span>
                <input
                  type="text"
                  data-testid={action === "reject" ? "reject-reason" : "approve-reason"}
                  value={reason}
                  maxLength={500}
                  readOnly={busy}
                  autoFocus={action === "reject"}
                  aria-invalid={reasonMissing}
                  onChange={(event) => {
                    setReason(event.target.value);
                    setReasonMissing(false);
                  }}
                />
              </label>
            )
      }
    />
  );
}
