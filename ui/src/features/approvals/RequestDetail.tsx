import type { Decision } from "../../bindings/Decision";
import type { RequestView } from "../../bindings/RequestView";
import { ActorName } from "../../components/ActorName";
import { Amount } from "../../components/Amount";
import { Timestamp } from "../../components/Timestamp";
import { formatAge } from "../../lib/time";
import { DecisionPrompt } from "./DecisionPrompt";
import { DECISION_LABELS, WORKFLOW_LABELS } from "./labels";
import { StatusTag } from "./StatusTag";

interface RequestDetailProps {
  request: RequestView;
  now: number;
  /** The decision whose prompt is open for this request, if any. */
  prompt: Decision | null;
  onPrompt: (decision: Decision | null) => void;
  onDecided: (updated: RequestView, decision: Decision) => void;
}

export function RequestDetail({ request, now, prompt, onPrompt, onDecided }: RequestDetailProps) {
  const { payload, viewer } = request;
  const pending = request.status === "pending";
  const missing = request.required_approvals - request.approvals;

  return (
    <article className="detail" aria-label={`Request ${request.id}`}>
      <h2 className="summary">{request.summary}</h2>
      <p className="detail-meta">
        <span>{request.id}</span>
        <span>{WORKFLOW_LABELS[request.workflow]}</span>
        <StatusTag status={request.status} />
      </p>

      <dl className="facts">
        <dt>Amount</dt>
        <dd>
          <Amount value={payload.amount} asset={payload.asset} />
        </dd>
        <dt>Fee</dt>
        <dd>
          <Amount value={payload.fee} asset={payload.asset} />
        </dd>
        <dt>Destination</dt>
        <dd>
          <div>{payload.key}</div>
          <code className="address">{payload.address}</code>
        </dd>
        <dt>Initiator</dt>
        <dd>
          <ActorName actor={request.initiator} />
        </dd>
        <dt>Created</dt>
        <dd>
          <Timestamp at={request.created_at} /> <span className="muted">({formatAge(request.created_at, now)} ago)</span>
        </dd>
        <dt>Approvals</dt>
        <dd className="num-inline">
          {request.approvals} / {request.required_approvals} required
        </dd>
      </dl>

      <h3>Decisions</h3>
      {request.decisions.length === 0 ? (
        <p className="muted">No one has decided yet.</p>
      ) : (
        <ul className="decisions">
          {request.decisions.map((d) => (
            <li key={`${d.member.id}-${d.at}`}>
              <ActorName actor={d.member} />{" "}
              <span className={`decision decision-${d.decision}`}>{DECISION_LABELS[d.decision]}</span>{" "}
              <Timestamp at={d.at} /> <span className="muted">({formatAge(d.at, now)} ago)</span>
              {d.reason && <q className="reason">{d.reason}</q>}
            </li>
          ))}
        </ul>
      )}

      {pending && (
        <>
          <p className={viewer.can_decide ? "eligibility eligible" : "eligibility"}>
            {viewer.can_decide
              ? `You may approve or reject this request; ${missing > 0 ? `${missing} more approval${missing === 1 ? "" : "s"} needed.` : "it is ready to complete."}`
              : (viewer.why_not ?? "You cannot decide on this request.")}
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              data-testid="approve"
              aria-keyshortcuts="a"
              aria-expanded={prompt === "approve"}
              onClick={() => onPrompt("approve")}
            >
              Approve <kbd>a</kbd>
            </button>
            <button
              type="button"
              data-testid="reject"
              aria-keyshortcuts="r"
              aria-expanded={prompt === "reject"}
              onClick={() => onPrompt("reject")}
            >
              Reject <kbd>r</kbd>
            </button>
          </div>
          {prompt && (
            <DecisionPrompt
              key={prompt}
              request={request}
              decision={prompt}
              onCancel={() => onPrompt(null)}
              onDecided={onDecided}
            />
          )}
        </>
      )}
    </article>
  );
}
