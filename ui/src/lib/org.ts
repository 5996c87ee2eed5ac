/**
 * The Organization's vocabulary as people read it: workflows, permissions, API key scopes, request
 * kinds and policies (shared/spec/organizations.md §2–§5). Records keyed by the generated unions,
 * so the compiler fails when the Rust contract gains or loses a variant.
 */
import type { Permissions } from "../bindings/Permissions";
import type { Policy } from "../bindings/Policy";
import type { OrgView } from "../bindings/OrgView";
import type { PolicyView } from "../bindings/PolicyView";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { RequestView } from "../bindings/RequestView";
import type { Scope } from "../bindings/Scope";
import type { ScopeGroup } from "../bindings/ScopeGroup";
import type { Workflow } from "../bindings/Workflow";
import type { WorkflowPermission } from "../bindings/WorkflowPermission";

export type RequestKind = RequestPayload["kind"];

export const WORKFLOW_LABELS: Record<Workflow, string> = {
  manage_access: "Manage Access",
  manage_policies: "Manage Policies",
  manage_addresses: "Manage Addresses",
  initiate_withdrawal: "Initiate Withdrawal",
};

/** The spec's order. */
export const WORKFLOWS = Object.keys(WORKFLOW_LABELS) as Workflow[];

export const PERMISSION_LABELS: Record<WorkflowPermission, string> = {
  view: "View",
  initiate: "Initiate",
  approve: "Approve",
  execute: "Execute",
};

export const PERMISSION_HELP: Record<WorkflowPermission, string> = {
  view: "see the workflow's requests",
  initiate: "create a request",
  approve: "approve or reject others' requests in the queue",
  execute: "complete a request at once when the policy allows it",
};

export const WORKFLOW_PERMISSIONS = Object.keys(PERMISSION_LABELS) as WorkflowPermission[];

export function hasPermission(permissions: Permissions, workflow: Workflow, permission: WorkflowPermission): boolean {
  return permissions[workflow]?.includes(permission) ?? false;
}

/** A copy of `permissions` with one permission set or cleared, in canonical order, without empty workflows. */
export function withPermission(
  permissions: Permissions,
  workflow: Workflow,
  permission: WorkflowPermission,
  granted: boolean,
): Permissions {
  const next: Permissions = {};
  for (const w of WORKFLOWS) {
    const held = WORKFLOW_PERMISSIONS.filter((p) =>
      w === workflow && p === permission ? granted : hasPermission(permissions, w, p),
    );
    if (held.length > 0) next[w] = held;
  }
  return next;
}

interface ScopeInfo {
  label: string;
  group: ScopeGroup;
  /** What it allows, in the spec's words (§5). */
  allows: string;
}

export const SCOPE_INFO: Record<Scope, ScopeInfo> = {
  funds_query: { label: "Query", group: "funds", allows: "View balances and funding status." },
  funds_earn: { label: "Earn", group: "funds", allows: "Allocate and deallocate Earn (staking and yield) products." },
  funds_add: { label: "Deposit", group: "funds", allows: "Generate deposit addresses, view deposit history." },
  funds_withdraw: { label: "Withdraw", group: "funds", allows: "Submit withdrawal requests \u2014 queued for member approval when a policy governs Initiate Withdrawal." },
  trades_query_open: { label: "Query open orders & trades", group: "orders_and_trades", allows: "View open orders and active trades." },
  trades_query_closed: { label: "Query closed orders & trades", group: "orders_and_trades", allows: "View historical orders and completed trades." },
  trades_modify: { label: "Create & modify orders", group: "orders_and_trades", allows: "Place new orders, modify existing ones." },
  trades_close: { label: "Cancel & close orders", group: "orders_and_trades", allows: "Cancel open orders, close positions." },
  ledger_query: { label: "Query ledger entries", group: "data", allows: "View transaction and ledger history." },
  export_data: { label: "Export data", group: "data", allows: "Export account data for reporting and reconciliation." },
};

/** The spec's table order. */
export const SCOPES = Object.keys(SCOPE_INFO) as Scope[];

export const SCOPE_GROUP_LABELS: Record<ScopeGroup, string> = {
  funds: "Funds",
  orders_and_trades: "Orders & trades",
  data: "Data",
};

export const SCOPE_GROUPS = Object.keys(SCOPE_GROUP_LABELS) as ScopeGroup[];

/** Only withdrawals are subject to the Organization's policies; everything else a key does is immediate. */
export function governedByPolicy(scope: Scope): boolean {
  return scope === "funds_withdraw";
}

/** `scopes` without duplicates, in the spec's order. */
export function sortScopes(scopes: Iterable<Scope>): Scope[] {
  const set = new Set(scopes);
  return SCOPES.filter((s) => set.has(s));
}

/** "queued for 2 approvals" or "immediate: no policy", for what a withdrawal by a key would do. */
export function withdrawalGovernance(policy: Policy | null): string {
  if (policy === null) return "immediate: no policy";
  return `queued for ${plural(policy.required_approvals, "approval")}`;
}

export const KIND_LABELS: Record<RequestKind, string> = {
  invite_member: "Invite a member",
  remove_member: "Remove a member",
  change_member_permissions: "Change a member's permissions",
  create_service_user: "Create a service user",
  change_service_user_key: "Change a service user's key",
  remove_service_user: "Remove a service user",
  resume_service_user: "Switch a stopped key back on",
  resume_withdrawals: "Lift the withdrawal freeze",
  set_decision_window: "Set the decision window",
  change_policy: "Change a policy",
  lock_policy: "Lock a policy",
  add_address: "Add an address",
  relabel_address: "Rename an address",
  remove_address: "Remove an address",
  withdrawal: "Withdraw",
};

export const KIND_WORKFLOW: Record<RequestKind, Workflow> = {
  invite_member: "manage_access",
  remove_member: "manage_access",
  change_member_permissions: "manage_access",
  create_service_user: "manage_access",
  change_service_user_key: "manage_access",
  remove_service_user: "manage_access",
  resume_service_user: "manage_access",
  resume_withdrawals: "manage_policies",
  set_decision_window: "manage_policies",
  change_policy: "manage_policies",
  lock_policy: "manage_policies",
  add_address: "manage_addresses",
  relabel_address: "manage_addresses",
  remove_address: "manage_addresses",
  withdrawal: "initiate_withdrawal",
};

export const KINDS = Object.keys(KIND_LABELS) as RequestKind[];

/**
 * What a request does, without who asked: "Create service user hedge-bot with 2 API permissions".
 * Taken from the host's summary ("Eve Santos wants to create …"); the kind's label otherwise.
 */
export function whatOf(request: RequestView): string {
  const name = request.initiator.name;
  for (const verb of ["wants to ", "asked to "]) {
    const prefix = `${name} ${verb}`;
    if (request.summary.startsWith(prefix) && request.summary.length > prefix.length) {
      return capitalise(request.summary.slice(prefix.length));
    }
  }
  return KIND_LABELS[request.payload.kind];
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A span of seconds in its largest whole unit: "90 s", "15 min", "12 h", "3 d". */
export function formatDuration(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** "2 approvals, always" · "1 approval unless executed" · "no policy". */
export function policyWords(policy: Policy | null): string {
  if (policy === null) return "no policy";
  return `${plural(policy.required_approvals, "approval")}${policy.always_require_approval ? ", always" : " unless executed"}`;
}

/** "Initiate Withdrawal requires 2 approvals, always" · "Manage Addresses has no policy: requests complete at once". */
export function policySentence(workflow: Workflow, policy: Policy | null): string {
  const label = WORKFLOW_LABELS[workflow];
  if (policy === null) return `${label} has no policy: requests complete at once`;
  return `${label} requires ${policyWords(policy)}`;
}

/** One line on how many approvers can be away: "1: one approver can be away and requests can still complete". */
export function busFactorText(busFactor: number | null): string {
  if (busFactor === null) return "No policy: nothing waits for approvers.";
  if (busFactor === 0) return "0: every approver is needed; if one is away, requests cannot complete.";
  if (busFactor === 1) return "1: one approver can be away and requests can still complete.";
  return `${busFactor}: up to ${busFactor} approvers can be away and requests can still complete.`;
}

/** The current policy of `workflow` in the Organization view, or null. */
export function policyOf(policies: readonly PolicyView[], workflow: Workflow): Policy | null {
  return policies.find((p) => p.workflow === workflow)?.policy ?? null;
}

export function samePolicy(a: Policy | null, b: Policy | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.required_approvals === b.required_approvals &&
    a.always_require_approval === b.always_require_approval &&
    a.locked === b.locked &&
    a.expires_after === b.expires_after
  );
}

/** "after 3 d" or "never". */
export const expiryWords = (seconds: number | null) => (seconds === null ? "never" : `after ${formatDuration(seconds)}`);

/**
 * Why `memberId` may not start a request on `workflow` (neither Initiate nor Execute held), or
 * null when they may. Only for offering a button or not: the core's preview decides.
 */
export function initiateBlocker(org: OrgView, memberId: string | undefined, workflow: Workflow): string | null {
  const member = org.members.find((m) => m.id === memberId);
  if (member === undefined) return "Sign in as a member of the Organization to start a request.";
  const held = (p: WorkflowPermission) => hasPermission(member.permissions, workflow, p);
  return held("initiate") || held("execute") ? null : `You hold neither Initiate nor Execute on ${WORKFLOW_LABELS[workflow]}.`;
}

/**
 * Why `memberId` may not pull an emergency stop on a key (`"key"`: needs Approve on Manage
 * Access) or on every withdrawal (`"withdrawals"`: Approve on Manage Access or on Initiate
 * Withdrawal), or null when they may. Only for offering the button: the Organization decides.
 */
export function stopBlocker(org: OrgView, memberId: string | undefined, target: "key" | "withdrawals"): string | null {
  const member = org.members.find((m) => m.id === memberId);
  if (member === undefined) return "Sign in as a member of the Organization.";
  const approves = (w: Workflow) => hasPermission(member.permissions, w, "approve");
  if (target === "key") {
    return approves("manage_access") ? null : "Stopping a key needs Approve on Manage Access.";
  }
  return approves("manage_access") || approves("initiate_withdrawal")
    ? null
    : "Freezing withdrawals needs Approve on Manage Access or on Initiate Withdrawal.";
}

/** Whether `value` names a request kind (a route's id, say). */
export function isRequestKind(value: string | undefined): value is RequestKind {
  return value !== undefined && (KINDS as readonly string[]).includes(value);
}

/** A decision window in words, as the core says it (`window_words`): "2 min", "90 s", or off. */
export function windowWords(seconds: number): string {
  if (seconds === 0) return "no window (a code per decision)";
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}
