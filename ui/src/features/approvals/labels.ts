import type { Decision } from "../../bindings/Decision";
import type { RequestStatus } from "../../bindings/RequestStatus";

export const STATUS_LABELS: Record<RequestStatus, string> = {
  pending: "Pending",
  completed: "Completed",
  rejected: "Rejected",
  cancelled: "Cancelled",
  expired: "Expired",
};

export const DECISION_LABELS: Record<Decision, string> = {
  approve: "approved",
  reject: "rejected",
};
