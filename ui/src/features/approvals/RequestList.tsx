import type { RequestView } from "../../bindings/RequestView";
import { ActorName } from "../../components/ActorName";
import { formatAmount } from "../../lib/money";
import { whatOf, WORKFLOW_LABELS } from "../../lib/org";
import { formatAge } from "../../lib/time";
import { StatusTag } from "./StatusTag";
import { RiskMarker } from "./RiskFlags";

interface RequestListProps {
  label: string;
  rows: RequestView[];
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  showStatus: boolean;
  now: number;
  /** The requests picked for a batch; with `onPick`, each row the member may decide gets a box. */
  picked?: ReadonlySet<string>;
  onPick?: (id: string) => void;
}

/** Whether a request may go into a batch: pending, and the member may decide it. */
export function pickable(request: RequestView): boolean {
  return request.status === "pending" && request.viewer.can_decide;
}

/** Withdrawals show amount, asset and destination in their columns; other requests say what they do, with the workflow. */
function WhatCells({ request }: { request: RequestView }) {
  const { payload } = request;
  if (payload.kind === "withdrawal") {
    return (
      <>
        <span className="cell num amount-value">{formatAmount(payload.amount)}</span>
        <span className="cell asset">{payload.asset}</span>
        <span className="cell destination">{payload.key}</span>
      </>
    );
  }
  const what = whatOf(request);
  return (
    <span className="cell what" title={what}>
      <span className="workflow-tag">{WORKFLOW_LABELS[request.workflow]}</span>
      <span className="what-text">{what}</span>
    </span>
  );
}

export function RequestList({ label, rows, selectedId, onSelect, showStatus, now, picked, onPick }: RequestListProps) {
  const picking = onPick !== undefined;
  return (
    <div className={`request-list${showStatus ? " with-status" : ""}${picking ? " picking" : ""}`}>
      <div className="row-head" aria-hidden="true">
        <span>Initiator</span>
        <span className="num">Amount</span>
        <span />
        <span>To / what</span>
        <span className="num">Approvals</span>
        {showStatus && <span>Status</span>}
        <span className="num">Age</span>
      </div>
      <ul aria-label={label}>
        {rows.map((request) => (
          <li key={request.id}>
            {picking && (
              <span className="pick">
                {pickable(request) && (
                  <input
                    type="checkbox"
                    data-testid="pick"
                    aria-label={`Pick ${request.id} for a batch`}
                    checked={picked?.has(request.id) ?? false}
                    onChange={() => onPick(request.id)}
                  />
                )}
              </span>
            )}
            <button
              type="button"
              className="request-row"
              data-testid="request-row"
              data-request-id={request.id}
              data-initiator={request.initiator.name}
              data-approvals={`${request.approvals}/${request.required_approvals}`}
              data-status={request.status}
              data-kind={request.payload.kind}
              data-workflow={request.workflow}
              aria-current={request.id === selectedId ? "true" : undefined}
              onClick={() => onSelect(request.id)}
            >
              <span className="cell initiator">
                <span
                  className={request.viewer.can_decide ? "needs-me" : "needs-me needs-me-off"}
                  title={request.viewer.can_decide ? "Needs your decision" : undefined}
                />
                <ActorName actor={request.initiator} />
              </span>
              <WhatCells request={request} />
              <span className="cell num">
                {request.approvals} / {request.required_approvals}
                <RiskMarker request={request} />
                {request.policy_changed && (
                  <span className="flag" title="The policy changed since this was submitted" aria-label="policy changed">
                    !
                  </span>
                )}
              </span>
              {showStatus && (
                <span className="cell">
                  <StatusTag status={request.status} />
                </span>
              )}
              <span className="cell num muted">{formatAge(request.created_at, now)}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
