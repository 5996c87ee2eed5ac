import { useState } from "react";
import type { RequestView } from "../../bindings/RequestView";
import { CodePrompt } from "../../components/CodePrompt";
import { formatAmount } from "../../lib/money";
import { whatOf } from "../../lib/org";
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
  approve: { verb: "Approve", label: "Approve with your 2FA code" },
  reject: { verb: "Reject", label: "Reject with your 2FA code" },
  cancel: { verb: "Cancel", label: "Cancel the request with your 2FA code" },
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

/** Asks for the 2FA code (and, to reject, an optional reason), then sends the decision or the cancellation. */
export function DecisionPrompt({ request, action, onCancel, onDone }: DecisionPromptProps) {
  const host = useHost();
  const [reason, setReason] = useState("");
  const { verb, label } = TITLES[action];

  async function send(otp: string) {
    // What you see is what you sign: the decision is signed over the request as shown here.
    const seen = request.payload;
    let updated: RequestView;
    if (action === "reject") {
      updated = await host.rejectRequest(request.id, otp, reason.trim() === "" ? null : reason.trim(), seen);
    } else if (action === "cancel") {
      updated = await host.cancelRequest(request.id, otp, seen);
    } else {
      updated = await host.approveRequest(request.id, otp, seen);
    }
    onDone(updated, action);
  }

  return (
    <CodePrompt
      title={`${verb} ${request.id}: ${decidedWords(request)}. Enter the 6-digit code from your authenticator.`}
      label={label}
      submitLabel={action === "cancel" ? "Cancel request" : verb}
      tone={action === "approve" ? "primary" : "danger"}
      onSubmit={send}
      onCancel={onCancel}
      extra={
        action === "reject"
          ? (busy) => (
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
            )
          : undefined
      }
    />
  );
}
