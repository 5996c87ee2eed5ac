import type { AccountPermission } from "../../bindings/AccountPermission";
/**
 * The New request form's state and how it becomes a `RequestPayload`. Pure, so what reaches the
 * host is decided here and tested without a browser. Amounts stay strings from the keyboard to
 * the host: nothing here parses money.
 */
import type { OrgView } from "../../bindings/OrgView";
import type { Permissions } from "../../bindings/Permissions";
import type { RequestPayload } from "../../bindings/RequestPayload";
import type { Workflow } from "../../bindings/Workflow";
import { isDecimal, isPositiveDecimal } from "../../lib/money";
import { policyOf, type RequestKind } from "../../lib/org";
import { findAddress, findMember, findServiceUser } from "../../lib/orgLookup";
import { buildKey, keyDraftOf, type KeyDraft } from "../service-users/keyDraft";

export interface Draft {
  kind: RequestKind;
  /** invite_member, create_service_user. */
  name: string;
  /** remove_member, change_member_permissions. */
  memberId: string;
  /** invite_member, change_member_permissions. */
  permissions: Permissions;
  /** invite_member, change_member_permissions: Trade / Earn. */
  account: AccountPermission[];
  /** change_service_user_key, remove_service_user. */
  serviceUserId: string;
  /** create_service_user, change_service_user_key: the key as the key editor holds it. */
  key: KeyDraft;
  /** change_policy, lock_policy. */
  workflow: Workflow;
  removePolicy: boolean;
  requiredText: string;
  alwaysRequire: boolean;
  /** Hours after which a pending request expires, as typed ("" = never). */
  expiresHoursText: string;
  /** add_address: the new entry's name; relabel_address, remove_address, withdrawal: the entry. */
  addressKey: string;
  asset: string;
  method: string;
  address: string;
  newKey: string;
  amount: string;
  fee: string;
  /** The decision window, in seconds, as typed. */
  windowText: string;
}

const BLANK: Draft = {
  kind: "withdrawal",
  name: "",
  memberId: "",
  permissions: {},
  account: [],
  serviceUserId: "",
  key: keyDraftOf(undefined),
  workflow: "initiate_withdrawal",
  removePolicy: false,
  requiredText: "1",
  alwaysRequire: true,
  expiresHoursText: "",
  addressKey: "",
  asset: "",
  method: "",
  address: "",
  newKey: "",
  amount: "",
  fee: "0",
  windowText: "",
};

/** The fields that follow a member: their current permissions. */
export function withMember(draft: Draft, org: OrgView, memberId: string): Draft {
  const member = findMember(org, memberId);
  return { ...draft, memberId, permissions: member?.permissions ?? {}, account: member?.account ?? [] };
}

/** The fields that follow a service user: its key's current scopes and settings. */
export function withServiceUser(draft: Draft, org: OrgView, serviceUserId: string): Draft {
  return { ...draft, serviceUserId, key: keyDraftOf(findServiceUser(org, serviceUserId)?.key) };
}

/** The fields that follow a workflow: its current policy, to edit from. */
export function withWorkflow(draft: Draft, org: OrgView, workflow: Workflow): Draft {
  const policy = policyOf(org.policies, workflow);
  return {
    ...draft,
    workflow,
    removePolicy: false,
    requiredText: String(policy?.required_approvals ?? 1),
    alwaysRequire: policy?.always_require_approval ?? true,
    expiresHoursText:
      policy?.expires_after == null ? "" : String(Math.round((policy.expires_after / 3600) * 1000) / 1000),
  };
}

/** A fresh draft of `kind`, with the first sensible choice from the Organization preselected. */
export function initialDraft(kind: RequestKind, org: OrgView): Draft {
  const draft: Draft = { ...BLANK, kind };
  const firstMember = org.members.find((m) => !m.is_owner) ?? org.members[0];
  switch (kind) {
    case "remove_member":
      return { ...draft, memberId: firstMember?.id ?? "" };
    case "change_member_permissions":
      return firstMember ? withMember(draft, org, firstMember.id) : draft;
    case "change_service_user_key":
    case "remove_service_user": {
      const first = org.service_users[0];
      return first ? withServiceUser(draft, org, first.id) : draft;
    }
    case "resume_service_user": {
      const stopped = org.service_users.find((s) => s.stopped !== undefined) ?? org.service_users[0];
      return stopped ? withServiceUser(draft, org, stopped.id) : draft;
    }
    case "change_policy":
      return withWorkflow(draft, org, "initiate_withdrawal");
    case "lock_policy": {
      const lockable = org.policies.find((p) => p.policy !== null && !p.policy.locked);
      return { ...draft, workflow: lockable?.workflow ?? "initiate_withdrawal" };
    }
    case "relabel_address":
    case "remove_address":
    case "withdrawal":
      return { ...draft, addressKey: org.addresses[0]?.key ?? "" };
    case "set_decision_window":
      return { ...draft, windowText: String(org.settings.decision_window_seconds) };
    default:
      return draft;
  }
}

/** The longest decision window an Organization may set (`MAX_DECISION_WINDOW_SECONDS` in the core). */
export const MAX_WINDOW_SECONDS = 600;

export type Built = { payload: RequestPayload; problem?: undefined } | { payload?: undefined; problem: string };

const problem = (text: string): Built => ({ problem: text });

/** The payload the draft describes, or what is missing before it can be previewed. */
export function buildPayload(draft: Draft, org: OrgView): Built {
  switch (draft.kind) {
    case "invite_member":
      if (draft.name.trim() === "") return problem("Enter the new member's name.");
      return {
        payload: { kind: "invite_member", name: draft.name.trim(), permissions: draft.permissions, account: draft.account },
      };
    case "remove_member":
      if (draft.memberId === "") return problem("Choose a member.");
      return { payload: { kind: "remove_member", member: draft.memberId } };
    case "change_member_permissions":
      if (draft.memberId === "") return problem("Choose a member.");
      return {
        payload: {
          kind: "change_member_permissions",
          member: draft.memberId,
          permissions: draft.permissions,
          account: draft.account,
        },
      };
    case "create_service_user": {
      if (draft.name.trim() === "") return problem("Enter the service user's name.");
      const built = buildKey(draft.key);
      if (built.key === undefined) return problem(built.problem);
      return { payload: { kind: "create_service_user", name: draft.name.trim(), key: built.key } };
    }
    case "change_service_user_key": {
      if (draft.serviceUserId === "") return problem("Choose a service user.");
      const built = buildKey(draft.key);
      if (built.key === undefined) return problem(built.problem);
      return { payload: { kind: "change_service_user_key", service_user: draft.serviceUserId, key: built.key } };
    }
    case "remove_service_user":
      if (draft.serviceUserId === "") return problem("Choose a service user.");
      return { payload: { kind: "remove_service_user", service_user: draft.serviceUserId } };
    case "resume_service_user":
      if (draft.serviceUserId === "") return problem("Choose a service user.");
      return { payload: { kind: "resume_service_user", service_user: draft.serviceUserId } };
    case "resume_withdrawals":
      return { payload: { kind: "resume_withdrawals" } };
    case "set_decision_window": {
      const seconds = Number(draft.windowText.trim());
      if (draft.windowText.trim() === "" || !Number.isInteger(seconds) || seconds < 0 || seconds > MAX_WINDOW_SECONDS) {
        return problem(`The decision window is a whole number of seconds from 0 (a code per decision) to ${MAX_WINDOW_SECONDS}.`);
      }
      if (seconds === org.settings.decision_window_seconds) return problem(`The decision window is already ${seconds} seconds.`);
      return { payload: { kind: "set_decision_window", seconds } };
    }
    case "change_policy": {
      if (draft.removePolicy) return { payload: { kind: "change_policy", workflow: draft.workflow, policy: null } };
      const required = draft.requiredText.trim();
      if (!/^\d+$/.test(required) || Number(required) < 1) return problem("Required approvals must be a whole number, at least 1.");
      const hours = draft.expiresHoursText.trim();
      if (hours !== "" && (!/^\d+(\.\d+)?$/.test(hours) || Number(hours) <= 0)) {
        return problem("Expiry must be a number of hours above 0, or empty for never.");
      }
      const expiresAfter = hours === "" ? null : Math.round(Number(hours) * 3600);
      return {
        payload: {
          kind: "change_policy",
          workflow: draft.workflow,
          policy: {
            always_require_approval: draft.alwaysRequire,
            required_approvals: Number(required),
            // Locking goes through a lock request; a change keeps the policy's lock as it is.
            locked: policyOf(org.policies, draft.workflow)?.locked ?? false,
            expires_after: expiresAfter,
          },
        },
      };
    }
    case "lock_policy":
      return { payload: { kind: "lock_policy", workflow: draft.workflow } };
    case "add_address": {
      const fields = { key: draft.addressKey.trim(), asset: draft.asset.trim(), method: draft.method.trim(), address: draft.address.trim() };
      if (Object.values(fields).some((v) => v === "")) return problem("Enter the entry's name, asset, method and address.");
      return { payload: { kind: "add_address", ...fields } };
    }
    case "relabel_address":
      if (draft.addressKey === "") return problem("Choose an address-book entry.");
      if (draft.newKey.trim() === "") return problem("Enter the entry's new name.");
      return { payload: { kind: "relabel_address", key: draft.addressKey, new_key: draft.newKey.trim() } };
    case "remove_address":
      if (draft.addressKey === "") return problem("Choose an address-book entry.");
      return { payload: { kind: "remove_address", key: draft.addressKey } };
    case "withdrawal": {
      const entry = findAddress(org, draft.addressKey);
      if (!entry) return problem("Choose an address-book entry.");
      const amount = draft.amount.trim();
      const fee = draft.fee.trim();
      if (!isPositiveDecimal(amount)) return problem("Enter the amount as a plain decimal above 0, e.g. 2.5.");
      if (!isDecimal(fee)) return problem("Enter the fee as a plain decimal, e.g. 0.00015 (0 if none).");
      // The address comes from the entry, so what is approved is where the funds go.
      return { payload: { kind: "withdrawal", asset: entry.asset, amount, fee, key: entry.key, address: entry.address } };
    }
  }
}
