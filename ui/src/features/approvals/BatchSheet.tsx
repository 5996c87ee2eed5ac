import { useState } from "react";
import type { DecisionOutcome } from "../../bindings/DecisionOutcome";
import type { RequestView } from "../../bindings/RequestView";
import { ActorName } from "../../components/ActorName";
import { CodePrompt } from "../../components/CodePrompt";
import { plural } from "../../lib/org";
import { useDecisionWindow } from "../../lib/useDecisionWindow";
import { useNow } from "../../lib/usePolled";
import { useHost } from "../../platform";
import { PayloadFacts } from "./PayloadDetail";
import { RiskFlags } from "./RiskFlags";
import { FundsFacts } from "./FundsFacts";
import { DestinationFact } from "./DestinationFact";

export type BatchDecision = "approve" | "reject";

interface BatchSheetProps {
  /** The picked requests, in the list's order. */
  requests: RequestView[];
  decision: BatchDecision;
  onClose: () => void;
  /** After the batch was sent: every outcome, in order (some may have failed alone). */
  onDecided: (outcomes: DecisionOutcome[]) => void;
}

/**
 * The review sheet of a batch: every picked request in full (amount, asset, destination and
 * address, initiator, why, flags), then one step-up for all of them. Each is still signed by
 * this device over what is shown here and sent on its own; one that fails fails alone.
 */
export function BatchSheet({ requests, decision, onClose, onDecided }: BatchSheetProps) {
  const host = useHost();
  const { secondsLeft, refresh } = useDecisionWindow();
  const now = useNow(15_000);
  const [reason, setReason] = useState("");
  const [outcomes, setOutcomes] = useState<DecisionOutcome[] | null>(null);
  const verb = decision === "approve" ? "Approve" : "Reject";
  const why = reason.trim() === "" ? null : reason.trim();

  async function send(otp: string | null) {
    if (decision === "reject" && why === null) {
      throw new Error("A rejection needs a reason: say why, for the initiators and the other approvers.");
    }
    const shown = requests.map((r) => ({ id: r.id, seen: r.payload }));
    try {
      const result = await host.decideBatch(shown, decision, otp, why);
      setOutcomes(result);
      onDecided(result);
    } finally {
      refresh();
    }
  }

  if (outcomes !== null) {
    const failed = outcomes.filter((o) => o.request === null).length;
    return (
      <section className="batch-sheet" aria-label="Batch results" data-testid="batch-results">
        <h2>
          {failed === 0
            ? `${verb === "Approve" ? "Approved" : "Rejected"} ${plural(outcomes.length, "request")}`
            : `${plural(outcomes.length - failed, "request")} decided, ${failed} not`}
        </h2>
        <ul className="batch-outcomes">
          {outcomes.map((o) => (
            <li key={o.id} data-testid="batch-outcome" data-request-id={o.id} data-ok={o.request !== null}>
              {o.request !== null ? (
                <>
                  <span className="decision decision-approve">✓</span> <strong>{o.id}</strong>: {o.request.summary} —{" "}
                  {o.request.status === "completed"
                    ? "completed"
                    : o.request.status === "rejected"
                      ? "rejected"
                      : `${o.request.approvals} / ${o.request.required_approvals} approvals, waiting for others`}
                </>
              ) : (
                <>
                  <span className="decision decision-reject">✗</span> <strong>{o.id}</strong>: not decided.{" "}
                  <span className="action-error-inline">{o.error?.message}</span>
                </>
              )}
            </li>
          ))}
        </ul>
        <div className="actions">
          <button type="button" className="primary" data-testid="batch-done" autoFocus onClick={onClose}>
            Done
          </button>
        </div>
      </section>
    );
  }

  const title = `${verb} ${plural(requests.length, "request")}, each as shown above and signed on its own.`;
  return (
    <section className="batch-sheet" aria-label={`${verb} ${plural(requests.length, "request")}`} data-testid="batch-sheet">
      <h2>
        {verb} {plural(requests.length, "request")}
      </h2>
      <p className="muted">Read each one: one step-up decides them all, and each decision is journaled with your signature.</p>
      <ol className="batch-items">
        {requests.map((r) => (
          <li key={r.id} className="batch-item" data-testid="batch-item" data-request-id={r.id}>
            <p className="batch-item-head">
              <strong>{r.summary}</strong> <span className="muted">{r.id}</span>
            </p>
            <dl className="facts">
              <PayloadFacts payload={r.payload} />
              <FundsFacts request={r} />
              <DestinationFact request={r} now={now} />
              <div className="fact">
                <dt>Initiator</dt>
                <dd>
                  <ActorName actor={r.initiator} />
                </dd>
              </div>
              {r.reason !== undefined && (
                <div className="fact">
                  <dt>Why</dt>
                  <dd>“{r.reason}”</dd>
                </div>
              )}
              <div className="fact">
                <dt>Approvals</dt>
                <dd className="num-inline">
                  {r.approvals} / {r.required_approvals} required
                </dd>
              </div>
            </dl>
            <RiskFlags request={r} />
          </li>
        ))}
      </ol>
      <CodePrompt
        title={secondsLeft > 0 ? title : `${title} Enter the 6-digit code from your authenticator.`}
        label={`${verb} the batch`}
        submitLabel={`${verb} ${requests.length}`}
        tone={decision === "approve" ? "primary" : "danger"}
        onSubmit={send}
        onCancel={onClose}
        windowLeft={secondsLeft}
        onSubmitInWindow={() => send(null)}
        focusCode={decision === "approve"}
        extra={(busy) => (
          <label className="field">
            <span>{decision === "reject" ? "Reason (required, shown to each initiator)" : "Reason (optional, kept with each approval)"}</span>
            <input
              type="text"
              data-testid="batch-reason"
              value={reason}
              maxLength={500}
              readOnly={busy}
              autoFocus={decision === "reject"}
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
        )}
      />
    </section>
  );
}
