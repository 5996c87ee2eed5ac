import type { RequestStatus } from "../../bindings/RequestStatus";
import { STATUS_LABELS } from "./labels";

export function StatusTag({ status }: { status: RequestStatus }) {
  return <span className={`status status-${status}`}>{STATUS_LABELS[status]}</span>;
}
