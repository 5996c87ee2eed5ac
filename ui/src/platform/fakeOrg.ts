import type { AccountPermission } from "../bindings/AccountPermission";
/**
 * The rules engine of the in-memory fake host: a small TypeScript rendition of `Org::preview`,
 * `Org::validate` and `Org::apply` (crates/org), following docs/decisions.md, "The rules engine".
 * It exists so the UI can be developed and tested without the Rust core; the Rust engine is the
 * one that counts.
 */
import type { ActorRef } from "../bindings/ActorRef";
import type { AddressEntry } from "../bindings/AddressEntry";
import type { ApiKeySpec } from "../bindings/ApiKeySpec";
import type { KeySettings } from "../bindings/KeySettings";
import type { OrgView } from "../bindings/OrgView";
import type { Permissions } from "../bindings/Permissions";
import type { Policy } from "../bindings/Policy";
import type { PolicyFieldChange } from "../bindings/PolicyFieldChange";
import type { Preview } from "../bindings/Preview";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { TraceStep } from "../bindings/TraceStep";
import type { Verdict } from "../bindings/Verdict";
import type { Workflow } from "../bindings/Workflow";
import type { WorkflowPermission } from "../bindings/WorkflowPermission";
import { isAddressOrRange } from "../lib/ip";
import { addDecimal, compareDecimal, isDecimal, isPositiveDecimal, subtractDecimal } from "../lib/money";
import { expiryWords, hasPermission, KIND_WORKFLOW, plural, WORKFLOW_LABELS, WORKFLOWS } from "../lib/org";

export interface FakeMember {
  id: string;
  name: string;
  role: string;
  isOwner: boolean;
  permissions: Permissions;
  account?: AccountPermission[];
}

export interface FakeServiceUser {
  id: string;
  name: string;
  key: ApiKeySpec;
  lastUsed: number | null;
}

export interface FakeOrg {
  name: string;
  members: FakeMember[];
  serviceUsers: FakeServiceUser[];
  policies: Partial<Record<Workflow, Policy>>;
  addresses: AddressEntry[];
  /** Available balance by asset; an asset missing here is unknown to the preview. */
  balances: Record<string, string>;
}

const label = (workflow: Workflow) => WORKFLOW_LABELS[workflow];

/** How many eligible approvers a preview names (the core's `NAMED_APPROVERS`); the rest are counted. */
export const NAMED_APPROVERS = 20;

export function workflowOf(payload: RequestPayload): Workflow {
  return KIND_WORKFLOW[payload.kind];
}

export function policyOf(org: FakeOrg, workflow: Workflow): Policy | null {
  return org.policies[workflow] ?? null;
}

/** Members holding `permission` on `workflow`, by name. */
export function holders(org: FakeOrg, workflow: Workflow, permission: WorkflowPermission): FakeMember[] {
  return org.members
    .filter((m) => hasPermission(m.permissions, workflow, permission))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function memberRef(member: FakeMember): ActorRef {
  return { kind: "member", id: member.id, name: member.name };
}

/** An actor by its current name; one no longer in the Organization shows as removed. */
export function actorRef(org: FakeOrg, actor: ActorRef): ActorRef {
  const found =
    actor.kind === "member"
      ? org.members.find((m) => m.id === actor.id)
      : org.serviceUsers.find((s) => s.id === actor.id);
  return { kind: actor.kind, id: actor.id, name: found?.name ?? actor.name };
}

const sameActor = (a: ActorRef, b: ActorRef) => a.kind === b.kind && a.id === b.id;

/** The policy a submission would be governed by: a change to a locked policy always needs approval. */
export function governingPolicy(org: FakeOrg, payload: RequestPayload): Policy | null {
  const base = policyOf(org, workflowOf(payload));
  if (payload.kind === "change_policy" && policyOf(org, payload.workflow)?.locked) {
    return { ...(base ?? { required_approvals: 1, locked: false, expires_after: null }), always_require_approval: true };
  }
  return base;
}

function nameOfMember(org: FakeOrg, id: string): string {
  return org.members.find((m) => m.id === id)?.name ?? `(removed ${id})`;
}

function nameOfBot(org: FakeOrg, id: string): string {
  return org.serviceUsers.find((s) => s.id === id)?.name ?? `(removed ${id})`;
}

/** The payload in plain words, as `RequestPayload::describe` puts it. */
export function describe(org: FakeOrg, payload: RequestPayload): string {
  switch (payload.kind) {
    case "invite_member":
      return `invite ${payload.name} as a member`;
    case "remove_member":
      return `remove member ${nameOfMember(org, payload.member)}`;
    case "change_member_permissions":
      return `change ${nameOfMember(org, payload.member)}'s permissions`;
    case "create_service_user":
      return `create service user ${payload.name} with ${plural(payload.key.scopes.length, "API permission")}`;
    case "change_service_user_key":
      return `change ${nameOfBot(org, payload.service_user)}'s API key`;
    case "remove_service_user":
      return `remove service user ${nameOfBot(org, payload.service_user)}`;
    case "change_policy":
      return payload.policy === null
        ? `remove the ${label(payload.workflow)} policy`
        : `set the ${label(payload.workflow)} policy to ${plural(payload.policy.required_approvals, "approval")}${
            payload.policy.always_require_approval ? "" : " (Execute allowed)"
          }`;
    case "lock_policy":
      return `lock the ${label(payload.workflow)} policy`;
    case "add_address":
      return `add address-book entry ${payload.key} for ${payload.asset}`;
    case "relabel_address":
      return `rename address-book entry ${payload.key} to ${payload.new_key}`;
    case "remove_address":
      return `remove address-book entry ${payload.key}`;
    case "withdrawal":
      return `withdraw ${payload.amount} ${payload.asset} to ${payload.key}`;
  }
}

function checkName(field: string, name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return `${field}: must not be empty`;
  if ([...trimmed].length > 64) return `${field}: must be at most 64 characters`;
  if (trimmed !== name) return `${field}: must not start or end with spaces`;
  return null;
}

function checkSettings(settings: KeySettings): string | null {
  for (const field of ["valid_until", "query_from", "query_to"] as const) {
    if (settings[field] < 0) return `key.settings: ${field} must be 0 (unset) or a unix time, not ${settings[field]}`;
  }
  if (settings.query_from > 0 && settings.query_to > 0 && settings.query_to < settings.query_from) {
    return `key.settings: query_to (${settings.query_to}) is before query_from (${settings.query_from})`;
  }
  const bad = settings.ip_allowlist.findIndex((e) => !isAddressOrRange(e));
  if (bad >= 0) {
    return `key.settings: ip_allowlist entry ${bad} (${JSON.stringify(settings.ip_allowlist[bad])}) is not an IPv4/IPv6 address or CIDR range`;
  }
  return null;
}

/** Why `payload` does not fit the Organization as it is now, or null. */
export function validate(org: FakeOrg, payload: RequestPayload): string | null {
  const address = (key: string) => org.addresses.find((a) => a.key === key);
  switch (payload.kind) {
    case "invite_member":
      return (
        checkName("name", payload.name) ??
        (org.members.some((m) => m.name === payload.name) ? `member "${payload.name}" already exists` : null)
      );
    case "remove_member": {
      const m = org.members.find((x) => x.id === payload.member);
      if (!m) return `no member ${payload.member}`;
      return m.isOwner ? "the Owner cannot be removed from the Organization" : null;
    }
    case "change_member_permissions":
      return org.members.some((m) => m.id === payload.member) ? null : `no member ${payload.member}`;
    case "create_service_user":
      return (
        checkName("name", payload.name) ??
        (org.serviceUsers.some((s) => s.name === payload.name)
          ? `service user "${payload.name}" already exists`
          : checkSettings(payload.key.settings))
      );
    case "change_service_user_key":
      return org.serviceUsers.some((s) => s.id === payload.service_user)
        ? checkSettings(payload.key.settings)
        : `no service user ${payload.service_user}`;
    case "remove_service_user":
      return org.serviceUsers.some((s) => s.id === payload.service_user) ? null : `no service user ${payload.service_user}`;
    case "change_policy": {
      const { policy } = payload;
      if (policy !== null && policy.required_approvals < 1) return "required_approvals: must be at least 1";
      if (policy !== null && policy.expires_after === 0) return "expires_after: must be at least 1 second, or absent";
      const wasLocked = policyOf(org, payload.workflow)?.locked ?? false;
      if (wasLocked && !policy?.locked) return `the ${label(payload.workflow)} policy is locked; locking is irreversible`;
      if (!wasLocked && policy?.locked) return "locked: lock a policy with a lock request, not by changing it";
      return null;
    }
    case "lock_policy": {
      const policy = policyOf(org, payload.workflow);
      if (policy === null) return `workflow: ${label(payload.workflow)} has no policy to lock`;
      return policy.locked ? `workflow: the ${label(payload.workflow)} policy is already locked` : null;
    }
    case "add_address": {
      const bad = checkName("key", payload.key);
      if (bad) return bad;
      if (address(payload.key)) return `address-book entry "${payload.key}" already exists`;
      for (const field of ["asset", "method", "address"] as const) {
        if (payload[field].trim() === "") return `${field}: must not be empty`;
      }
      return null;
    }
    case "relabel_address":
      if (!address(payload.key)) return `no address-book entry named "${payload.key}"`;
      return (
        checkName("new_key", payload.new_key) ??
        (address(payload.new_key) ? `address-book entry "${payload.new_key}" already exists` : null)
      );
    case "remove_address":
      return address(payload.key) ? null : `no address-book entry named "${payload.key}"`;
    case "withdrawal": {
      const entry = address(payload.key);
      if (!entry) return `no address-book entry named "${payload.key}"`;
      if (entry.asset !== payload.asset) return `asset: "${payload.key}" is an address for ${entry.asset}, not ${payload.asset}`;
      if (entry.address !== payload.address) return `address: "${payload.key}" now points elsewhere; submit the withdrawal again`;
      if (!isPositiveDecimal(payload.amount)) return "amount: must be greater than 0";
      if (!isDecimal(payload.fee)) return "fee: must not be negative";
      return null;
    }
  }
}

/** How many approvers can be away while requests can still complete (null: no policy). */
export function busFactor(org: FakeOrg, workflow: Workflow): number | null {
  const policy = policyOf(org, workflow);
  if (policy === null) return null;
  const approvers = holders(org, workflow, "approve");
  const botsInitiate =
    workflow === "initiate_withdrawal" && org.serviceUsers.some((s) => s.key.scopes.includes("funds_withdraw"));
  const outsideInitiator =
    botsInitiate ||
    org.members.some(
      (m) =>
        (hasPermission(m.permissions, workflow, "initiate") || hasPermission(m.permissions, workflow, "execute")) &&
        !hasPermission(m.permissions, workflow, "approve"),
    );
  const spokenFor = !outsideInitiator && approvers.length > 0 ? 1 : 0;
  return Math.max(0, approvers.length - spokenFor - policy.required_approvals);
}

function lockSummary(org: FakeOrg, workflow: Workflow, initiator: ActorRef): { ok: boolean; rule: string; text: string } {
  const others = (w: Workflow) => holders(org, w, "approve").filter((m) => !sameActor(memberRef(m), initiator));
  const policyApprovers = others("manage_policies");
  const approvers = others(workflow);
  const required = policyOf(org, workflow)?.required_approvals ?? 0;
  if (policyApprovers.length === 0) {
    return {
      ok: false,
      rule: "lock.precondition",
      text: `locking ${label(workflow)} needs at least one other member holding Approve on Manage Policies; there is none`,
    };
  }
  if (approvers.length < required) {
    return {
      ok: false,
      rule: "lock.reachable",
      text: `${label(workflow)} requires ${required} approvals but only ${approvers.length} other member${
        approvers.length === 1 ? " holds" : "s hold"
      } Approve on it: once locked it could never complete anything`,
    };
  }
  return {
    ok: true,
    rule: "lock.check",
    text: `${label(workflow)} can be locked: ${policyApprovers.length} other member${
      policyApprovers.length === 1 ? " holds" : "s hold"
    } Approve on Manage Policies; bus factor ${busFactor(org, workflow) ?? "n/a"}`,
  };
}

/** What submitting `payload` as `actor` would do, and why: the rules in a fixed order, each recorded. */
export function preview(org: FakeOrg, actor: ActorRef, payload: RequestPayload, execute: boolean, now: number): Preview {
  const workflow = workflowOf(payload);
  const trace: TraceStep[] = [];
  const missing: string[] = [];
  const push = (rule: string, verdict: Verdict, detail: string) => trace.push({ rule, verdict, detail });
  const refuse = (rule: string, reason: string): Preview => {
    push(rule, "fail", reason);
    return { decision: { outcome: "not_permitted", reason }, trace, missing };
  };

  // 1. Who is asking, and may they initiate on this workflow at all?
  let canExecute = false;
  const who = actorRef(org, actor);
  if (actor.kind === "member") {
    const m = org.members.find((x) => x.id === actor.id);
    if (!m) return refuse("initiator.exists", `${actor.id} is not a member of the Organization`);
    const initiate = hasPermission(m.permissions, workflow, "initiate");
    canExecute = hasPermission(m.permissions, workflow, "execute");
    if (!initiate && !canExecute) {
      return refuse("initiator.permission", `${m.name} holds neither Initiate nor Execute on ${label(workflow)}`);
    }
    const held = initiate && canExecute ? "Initiate and Execute" : initiate ? "Initiate" : "Execute";
    push("initiator.permission", "pass", `${m.name} holds ${held} on ${label(workflow)}`);
  } else {
    const s = org.serviceUsers.find((x) => x.id === actor.id);
    if (!s) return refuse("initiator.exists", `${actor.id} is not a service user of the Organization`);
    if (workflow !== "initiate_withdrawal") {
      return refuse(
        "service_user.workflow",
        `${s.name} is a service user: service users act only on withdrawals, not on ${label(workflow)}`,
      );
    }
    if (!s.key.scopes.includes("funds_withdraw")) {
      return refuse("service_user.scope", `${s.name}'s API key lacks the Withdraw permission (funds_withdraw)`);
    }
    push("service_user.scope", "pass", `${s.name}'s API key holds Withdraw (funds_withdraw)`);
    const until = s.key.settings.valid_until;
    if (until > 0 && now >= until) return refuse("service_user.key_expiry", `${s.name}'s API key expired (valid_until ${until})`);
    if (s.key.settings.ip_allowlist.length > 0) {
      missing.push(`the address ${s.name} will call from: its key only works from ${s.key.settings.ip_allowlist.join(", ")}`);
    }
  }

  // 2. Is the payload valid against the Organization as it is now?
  const invalid = validate(org, payload);
  if (invalid !== null) return refuse(invalid.includes("is locked;") ? "policy.locked" : "payload.valid", invalid);
  push("payload.valid", "pass", `the request is consistent with the Organization: ${describe(org, payload)}`);
  if (payload.kind === "withdrawal") {
    const available = org.balances[payload.asset];
    const needed = addDecimal(payload.amount, payload.fee);
    if (available === undefined) {
      missing.push(`the available ${payload.asset} balance (whether funds suffice is checked when it completes)`);
    } else if (compareDecimal(available, needed) < 0) {
      return refuse(
        "funds.available",
        `${available} ${payload.asset} is available; the withdrawal needs ${needed} ${payload.asset} with its fee`,
      );
    } else {
      push("funds.available", "pass", `${available} ${payload.asset} is available`);
    }
  }
  if (payload.kind === "lock_policy") {
    const check = lockSummary(org, payload.workflow, actor);
    if (!check.ok) return refuse(check.rule, check.text);
    push(check.rule, "pass", check.text);
  }

  // 3. The governing policy decides the path.
  const policy = governingPolicy(org, payload);
  if (policy === null) {
    push("policy.none", "decides", `${label(workflow)} has no policy: whoever may initiate completes the request immediately`);
    return { decision: { outcome: "completes_immediately" }, trace, missing };
  }
  if (payload.kind === "change_policy" && policyOf(org, payload.workflow)?.locked) {
    push(
      "policy.locked",
      "decides",
      `the ${label(payload.workflow)} policy is locked: changing it always needs approval (extension)`,
    );
  } else {
    push(
      "policy.required_approvals",
      "note",
      `${label(workflow)} requires ${plural(policy.required_approvals, "approval")}${
        policy.always_require_approval ? ", always" : " unless executed"
      }`,
    );
  }
  if (actor.kind === "service_user") {
    push("service_user.never_executes", "decides", "a service user can only initiate: it waits for members' approvals");
  } else if (execute && canExecute && !policy.always_require_approval) {
    push("execute", "decides", `${who.name} holds Execute and the policy does not always require approval: it completes at once`);
    return { decision: { outcome: "completes_immediately" }, trace, missing };
  } else if (execute && !canExecute) {
    push(
      "execute.permission",
      "decides",
      `execution was asked, but ${who.name} does not hold Execute on ${label(workflow)}: it is queued`,
    );
  } else if (execute) {
    push("policy.always_require_approval", "decides", "the policy always requires approval: even Execute goes through the queue");
  } else {
    if (canExecute && !policy.always_require_approval) push("execute.available", "note", `${who.name} could execute it at once instead`);
    push("queue", "decides", "submitted for approval");
  }

  // 4. The queue: who may approve, and can N ever be reached?
  // Counting needs every member; naming stops at NAMED_APPROVERS, as in the core.
  const all = holders(org, workflow, "approve")
    .filter((m) => !sameActor(memberRef(m), actor))
    .map(memberRef);
  const eligible = all.slice(0, NAMED_APPROVERS);
  const n = policy.required_approvals;
  const reachable = all.length >= n;
  const names =
    eligible.map((a) => a.name).join(", ") + (all.length > eligible.length ? ` and ${all.length - eligible.length} more` : "");
  if (actor.kind === "member") {
    push("invariant.no_self_approval", "note", `${who.name} can never approve their own request and does not count toward the ${n}`);
  }
  push(
    "approvers.eligible",
    reachable ? "pass" : "warn",
    reachable
      ? `${plural(all.length, "eligible approver")} (${names}); any one of them can reject`
      : `only ${plural(all.length, "eligible approver")} (${names}) for ${n} required: it can never complete`,
  );
  if (policy.expires_after !== null) {
    push("policy.expires_after", "note", `it expires if still pending after ${policy.expires_after} s (extension)`);
  }
  return { decision: { outcome: "queued", required_approvals: n, eligible_count: all.length, eligible_approvers: eligible, reachable }, trace, missing };
}

/**
 * Carries out a completed request's payload, re-validated against the Organization as it is now.
 * Returns why it no longer fits (nothing changes then), or null.
 */
export function apply(org: FakeOrg, requestId: string, payload: RequestPayload): string | null {
  const invalid = validate(org, payload);
  if (invalid !== null) return invalid;
  const suffix = requestId.toLowerCase();
  switch (payload.kind) {
    case "invite_member":
      org.members.push({ id: `m-${suffix}`, name: payload.name, role: "Invited member", isOwner: false, permissions: payload.permissions, account: payload.account });
      break;
    case "remove_member":
      org.members = org.members.filter((m) => m.id !== payload.member);
      break;
    case "change_member_permissions":
      for (const m of org.members) {
        if (m.id === payload.member) {
          m.permissions = payload.permissions;
          m.account = payload.account;
        }
      }
      break;
    case "create_service_user":
      org.serviceUsers.push({ id: `su-${suffix}`, name: payload.name, key: payload.key, lastUsed: null });
      break;
    case "change_service_user_key":
      for (const s of org.serviceUsers) if (s.id === payload.service_user) s.key = payload.key;
      break;
    case "remove_service_user":
      org.serviceUsers = org.serviceUsers.filter((s) => s.id !== payload.service_user);
      break;
    case "change_policy":
      if (payload.policy === null) delete org.policies[payload.workflow];
      else org.policies[payload.workflow] = payload.policy;
      break;
    case "lock_policy": {
      const policy = org.policies[payload.workflow];
      if (policy) policy.locked = true;
      break;
    }
    case "add_address":
      org.addresses.push({ key: payload.key, asset: payload.asset, method: payload.method, address: payload.address, verified: false });
      org.addresses.sort((a, b) => a.key.localeCompare(b.key));
      break;
    case "relabel_address":
      for (const a of org.addresses) if (a.key === payload.key) a.key = payload.new_key;
      org.addresses.sort((a, b) => a.key.localeCompare(b.key));
      break;
    case "remove_address":
      org.addresses = org.addresses.filter((a) => a.key !== payload.key);
      break;
    case "withdrawal": {
      const available = org.balances[payload.asset];
      const needed = addDecimal(payload.amount, payload.fee);
      if (available !== undefined) {
        if (compareDecimal(available, needed) < 0) return `Insufficient funds: ${available} ${payload.asset} is available`;
        org.balances[payload.asset] = subtractDecimal(available, needed);
      }
      break;
    }
  }
  return null;
}

export function orgView(org: FakeOrg): OrgView {
  const members = [...org.members].sort((a, b) => Number(b.isOwner) - Number(a.isOwner) || a.name.localeCompare(b.name));
  return {
    name: org.name,
    members: members.map((m) => ({
      id: m.id,
      name: m.name,
      is_owner: m.isOwner,
      permissions: m.permissions,
      account: m.account ?? [],
    })),
    service_users: [...org.serviceUsers]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({ id: s.id, name: s.name, key: s.key, last_used: s.lastUsed })),
    policies: WORKFLOWS.map((w) => ({
      workflow: w,
      policy: policyOf(org, w),
      approvers: holders(org, w, "approve").map(memberRef),
      bus_factor: busFactor(org, w),
    })),
    addresses: [...org.addresses].sort((a, b) => a.key.localeCompare(b.key)),
  };
}

function diffWords(policy: Policy | null): string {
  if (policy === null) return "no policy: requests complete at once";
  return `${plural(policy.required_approvals, "approval")}${policy.always_require_approval ? ", always" : " unless executed"}`;
}

/** The fake's stand-in for the core's policy diff (crates/org/src/policy.rs `diff`), same words. */
export function fakePolicyChanges(before: Policy | null, after: Policy | null): PolicyFieldChange[] {
  if (before === null && after === null) return [];
  if (before === null || after === null) {
    return [{ field: "policy", from: diffWords(before), to: diffWords(after), direction: after === null ? "loosening" : "tightening" }];
  }
  const changes: PolicyFieldChange[] = [];
  if (before.required_approvals !== after.required_approvals) {
    changes.push({
      field: "required_approvals",
      from: String(before.required_approvals),
      to: String(after.required_approvals),
      direction: after.required_approvals < before.required_approvals ? "loosening" : "tightening",
    });
  }
  const always = (v: boolean) => (v ? "yes" : "no (Execute allowed)");
  if (before.always_require_approval !== after.always_require_approval) {
    changes.push({
      field: "always_require_approval",
      from: always(before.always_require_approval),
      to: always(after.always_require_approval),
      direction: after.always_require_approval ? "tightening" : "loosening",
    });
  }
  if (before.locked !== after.locked) {
    changes.push({ field: "locked", from: before.locked ? "yes" : "no", to: after.locked ? "yes" : "no", direction: after.locked ? "tightening" : "loosening" });
  }
  if (before.expires_after !== after.expires_after) {
    const tightening =
      after.expires_after !== null && (before.expires_after === null || after.expires_after < before.expires_after);
    changes.push({
      field: "expires_after",
      from: expiryWords(before.expires_after),
      to: expiryWords(after.expires_after),
      direction: tightening ? "tightening" : "loosening",
    });
  }
  return changes;
}
