import { useCallback, useState } from "react";
import type { RequestStatus } from "../../bindings/RequestStatus";
import type { Workflow } from "../../bindings/Workflow";
import { WORKFLOW_LABELS, WORKFLOWS } from "../../lib/org";
import { usePolled } from "../../lib/usePolled";
import { useHost } from "../../platform";
import { STATUS_LABELS } from "./labels";
import { RequestBrowser } from "./RequestBrowser";
import { REFRESH_MS } from "./refresh";

const STATUSES = Object.keys(STATUS_LABELS) as RequestStatus[];

interface RequestsAreaProps {
  selectedId: string | undefined;
  onSelect: (id: string) => void;
  onDecided: () => void;
  onNewRequest: () => void;
}

/** Every request, any status, filterable by status and workflow. */
export function RequestsArea({ selectedId, onSelect, onDecided, onNewRequest }: RequestsAreaProps) {
  const host = useHost();
  const [status, setStatus] = useState<RequestStatus | null>(null);
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  // Approved withdrawals the exchange has not sent: what an officer follows up.
  const [unsettled, setUnsettled] = useState(false);
  const load = useCallback(() => host.listRequests({ status, workflow }), [host, status, workflow]);
  const requests = usePolled(load, REFRESH_MS);
  const filtered = status !== null || workflow !== null || unsettled;
  const rows = unsettled
    ? requests.data?.filter((r) => r.settlement !== undefined && r.settlement.state !== "settled")
    : requests.data;

  return (
    <RequestBrowser
      label="Requests"
      rows={rows}
      error={requests.error}
      onRetry={() => void requests.refresh()}
      showStatus
      empty={{
        title: !filtered
          ? "No requests yet"
          : unsettled
            ? "Every approved withdrawal was sent"
            : `No ${status === null ? "" : `${STATUS_LABELS[status].toLowerCase()} `}requests${workflow === null ? "" : ` in ${WORKFLOW_LABELS[workflow]}`}`,
        hint: "Requests that members and service users submit appear here, whatever became of them. Start one with New request.",
      }}
      selectedId={selectedId}
      onSelect={onSelect}
      onDecided={() => {
        void requests.refresh();
        onDecided();
      }}
      filters={
        <>
          <label className="inline-field">
            <span>Status</span>
            <select
              value={status ?? ""}
              onChange={(event) => setStatus(event.target.value === "" ? null : (event.target.value as RequestStatus))}
            >
              <option value="">All</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <span>Workflow</span>
            <select
              data-testid="workflow-filter"
              value={workflow ?? ""}
              onChange={(event) => setWorkflow(event.target.value === "" ? null : (event.target.value as Workflow))}
            >
              <option value="">All</option>
              {WORKFLOWS.map((w) => (
                <option key={w} value={w}>
                  {WORKFLOW_LABELS[w]}
                </option>
              ))}
            </select>
          </label>
          <label className="check-field inline-check">
            <input type="checkbox" data-testid="unsettled-filter" checked={unsettled} onChange={(e) => setUnsettled(e.target.checked)} />
            <span>Approved, not sent</span>
          </label>
          <button type="button" data-testid="new-request-open" onClick={onNewRequest}>
            New request
          </button>
        </>
      }
    />
  );
}
