import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import { plural } from "../lib/org";
import { PreviewPanel } from "./PreviewPanel";

function headline({ request }: SubmitOutcome): string {
  if (request.status === "completed") return `Submitted ${request.id}: completed at once.`;
  if (request.status === "pending") {
    return `Submitted ${request.id}: waiting for ${plural(request.required_approvals, "approval")}.`;
  }
  return `Submitted ${request.id}: ${request.status}.`;
}

/** What a submission did: the request it created, a key issued (public half only), and the preview that decided it. */
export function SubmitOutcomeView({ outcome, onOpenRequest }: { outcome: SubmitOutcome; onOpenRequest: (id: string) => void }) {
  return (
    <div className="outcome" data-testid="submit-outcome" data-request-id={outcome.request.id} data-status={outcome.request.status}>
      <p className="notice" role="status" data-testid="action-ok">
        {headline(outcome)}{" "}
        <button type="button" className="link" onClick={() => onOpenRequest(outcome.request.id)}>
          Open {outcome.request.id}
        </button>
      </p>
      {outcome.revealed !== null && (
        <div className="callout" data-testid="key-issued">
          <p>
            <strong>Store this key now: its secret is shown once and kept nowhere.</strong> Leaving this page forgets it.
          </p>
          <dl className="facts">
            <div className="fact">
              <dt>API key</dt>
              <dd>
                <code data-testid="revealed-api-key">{outcome.revealed.api_key}</code>
              </dd>
            </div>
            <div className="fact">
              <dt>API secret</dt>
              <dd>
                <code data-testid="revealed-api-secret">{outcome.revealed.api_secret}</code>
              </dd>
            </div>
          </dl>
        </div>
      )}
      <PreviewPanel preview={outcome.preview} title="Why" />
    </div>
  );
}
