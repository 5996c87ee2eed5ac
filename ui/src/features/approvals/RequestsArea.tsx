import { useCallback, useState } from "react";
import type { RequestStatus } from "../../bindings/RequestStatus";
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
}

/** Every request, any status, filterable by status. */
export function RequestsArea({ selectedId, onSelect, onDecided }: RequestsAreaProps) {
  const host = useHost();
  const [status, setStatus] = useState<RequestStatus | null>(null);
  const load = useCallback(() => host.listRequests({ status, workflow: null }), [host, status]);
  const requests = usePolled(load, REFRESH_MS);

  return (
    <RequestBrowser
      label="Requests"
      rows={requests.data}
      error={requests.error}
      onRetry={() => void requests.refresh()}
      showStatus
      empty={{
        title: status === null ? "No requests yet" : `No ${STATUS_LABELS[status].toLowerCase()} requests`,
        hint: "Withdrawals that members and service users ask for appear here, whatever became of them.",
      }}
      selectedId={selectedId}
      onSelect={onSelect}
      onDecided={() => {
        void requests.refresh();
        onDecided();
      }}
      filters={
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
      }
    />
  );
}
