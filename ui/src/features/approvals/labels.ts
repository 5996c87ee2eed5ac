import type { Decision } from "../../bindings/Decision";
import type { RequestStatus } from "../../bindings/RequestStatus";
import type { Workflow } from "../../bindings/Workflow";

export const STATUS_LABELS: Record<RequestStatus, string> = {
  pending: "Pending",
  completed: "Completed",
  rejected: "Rejected",
  cancelled: "Cancelled",
  expired: "Expired",
};

export const WORKFLOW_LABELS: Record<Workflow, string> = {
  manage_access: "Manage access",
  manage_policies: "Manage policies",
  manage_addresses: "Manage addresses",
  initiate_withdrawal: "Initiate withdrawal",
};

export const DECISION_LABELS: Record<Decision, string> = {
  approve: "approved",
  reject: "rejected",
};
