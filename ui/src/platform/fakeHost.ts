import type { ActorRef } from "../bindings/ActorRef";
import type { ApiKeySpec } from "../bindings/ApiKeySpec";
import type { DecisionView } from "../bindings/DecisionView";
import type { DemoMember } from "../bindings/DemoMember";
import type { LockReason } from "../bindings/LockReason";
import type { Permissions } from "../bindings/Permissions";
import type { Policy } from "../bindings/Policy";
import type { RequestFilter } from "../bindings/RequestFilter";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { RequestStatus } from "../bindings/RequestStatus";
import type { RequestView } from "../bindings/RequestView";
import type { Scope } from "../bindings/Scope";
import type { Session } from "../bindings/Session";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import { hasPermission, samePolicy, WORKFLOW_LABELS, WORKFLOW_PERMISSIONS, WORKFLOWS } from "../lib/org";
import {
  actorRef,
  apply,
  describe,
  fakePolicyChanges,
  governingPolicy,
  holders,
  memberRef,
  orgView,
  preview,
  workflowOf,
  type FakeMember,
  type FakeOrg,
} from "./fakeOrg";
import { createFakeLedger, type DialogAnswers, type FakeLedgerData, type LedgerCalls } from "./fakeLedger";
import { HostError, type Host } from "./host";

/**
 * An in-memory stand-in for the Rust core: a small demo Organization with four members, three
 * service users, policies on three of the four workflows, an address book and a few requests of
 * several kinds. Used by the unit tests and by `npm run dev` in a plain browser; never inside
 * the Tauri webview.
 */

export interface FakeHostOptions {
  /** Milliseconds since the epoch; defaults to the real clock. */
  now?: () => number;
  /** Delay added to every call, to make loading states visible in development. */
  latencyMs?: number;
  /** What the ledger review workspace holds at start: the demo export (default), nothing, or `{ rows: n }` synthetic rows. */
  ledger?: FakeLedgerData;
}

/** The fake host, plus what tests (and development) use to play the OS. */
export interface FakeHost extends Host {
  /** As if the OS reported sleep or a screen lock: locks, then tells `onLocked` listeners. */
  simulateSystemLock(reason: LockReason): void;
  /** As if files were dropped on the window. */
  simulateDrop(paths: string[]): void;
  /** What the OS's open and save dialogs answer from now on (null: the person cancels). */
  answerDialogs(answers: DialogAnswers): void;
  /** The files the Ledgers exports wrote, by path. */
  exportedFiles(): ReadonlyMap<string, string>;
  /** How many dialogs were answered, and imports, exports and locates asked for and answered. */
  ledgerCalls(): LedgerCalls;
}

interface FakeRequest {
  id: string;
  status: RequestStatus;
  initiator: ActorRef;
  payload: RequestPayload;
  /** The governing policy, snapshotted at submission. */
  policy: Policy | null;
  decisions: DecisionView[];
  created_at: number;
  updated_at: number;
}

const TOTP_STEP_SECONDS = 30;
const DAY = 86_400;

const bot = (id: string, name: string): ActorRef => ({ kind: "service_user", id, name });

function withdrawal(asset: string, amount: string, fee: string, key: string, address: string): RequestPayload {
  return { kind: "withdrawal", asset, amount, fee, key, address };
}

function allPermissions(): Permissions {
  return Object.fromEntries(WORKFLOWS.map((w) => [w, [...WORKFLOW_PERMISSIONS]]));
}

function keySpec(scopes: Scope[], settings: Partial<ApiKeySpec["settings"]> = {}): ApiKeySpec {
  return {
    scopes,
    settings: { valid_until: 0, query_from: 0, query_to: 0, websocket: false, nonce_window: 0, ip_allowlist: [], ...settings },
  };
}

/** A stand-in for TOTP: six digits that change every 30 s, different for each member. */
function fakeCode(memberId: string, step: number): string {
  let hash = 2166136261;
  for (const char of `${memberId}:${step}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  }
  return String(hash % 1_000_000).padStart(6, "0");
}

/** The code a member's authenticator would show at `nowMs` in the fake (tests read an enrolling member's code with it). */
export function fakeAuthenticatorCode(memberId: string, nowMs: number): string {
  return fakeCode(memberId, Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS));
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createFakeHost(options: FakeHostOptions = {}): FakeHost {
  const nowMs = options.now ?? (() => Date.now());
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const latencyMs = options.latencyMs ?? 0;
  const t0 = nowSeconds();
  const ago = (minutes: number) => t0 - minutes * 60;

  const alice: FakeMember = {
    id: "m-alice",
    name: "Alice Moreau",
    role: "Owner: every permission on every workflow",
    isOwner: true,
    permissions: allPermissions(),
    account: ["trade", "earn_allocate", "earn_deallocate"],
  };
  const bob: FakeMember = {
    id: "m-bob",
    name: "Bob Okafor",
    role: "Treasury officer: initiates and approves withdrawals; reviews access changes",
    isOwner: false,
    permissions: { manage_access: ["view", "approve"], initiate_withdrawal: ["view", "initiate", "approve"] },
  };
  const carol: FakeMember = {
    id: "m-carol",
    name: "Carol Lindqvist",
    role: "Treasury lead and administrator: executes withdrawals; manages access, policies and addresses",
    isOwner: false,
    permissions: {
      manage_access: ["view", "initiate", "approve"],
      manage_policies: ["view", "initiate", "approve"],
      manage_addresses: ["view", "initiate", "approve", "execute"],
      initiate_withdrawal: ["view", "initiate", "approve", "execute"],
    },
  };
  const dave: FakeMember = {
    id: "m-dave",
    name: "Dave Brennan",
    role: "Auditor: views every workflow, approves nothing",
    isOwner: false,
    permissions: Object.fromEntries(WORKFLOWS.map((w) => [w, ["view"]])),
  };

  const withdrawalPolicy: Policy = { always_require_approval: true, required_approvals: 2, locked: false, expires_after: 3 * DAY };
  const org: FakeOrg = {
    name: "Northwind Treasury (in-memory demo)",
    members: [alice, bob, carol, dave],
    serviceUsers: [
      {
        id: "su-payout",
        name: "payout-bot",
        key: keySpec(["funds_query", "funds_withdraw"], { nonce_window: 5000, ip_allowlist: ["203.0.113.0/24", "2001:db8::/48"] }),
        lastUsed: ago(3),
      },
      {
        id: "su-rebalancer",
        name: "rebalancer-bot",
        key: keySpec(["funds_query", "funds_withdraw", "trades_query_open", "ledger_query"], {
          valid_until: t0 + 90 * DAY,
          websocket: true,
        }),
        lastUsed: ago(1),
      },
      {
        id: "su-reporting",
        name: "reporting-bot",
        key: keySpec(["funds_query", "trades_query_closed", "ledger_query", "export_data"], {
          query_from: 1_735_689_600,
          nonce_window: 5000,
        }),
        lastUsed: null,
      },
    ],
    policies: {
      manage_access: { always_require_approval: true, required_approvals: 1, locked: true, expires_after: null },
      manage_policies: { always_require_approval: true, required_approvals: 1, locked: false, expires_after: 7 * DAY },
      initiate_withdrawal: withdrawalPolicy,
    },
    addresses: [
      { key: "cold-storage-2", asset: "BTC", method: "Bitcoin", address: "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", verified: true },
      { key: "eur-payroll", asset: "EUR", method: "SEPA", address: "DE89370400440532013000", verified: false },
      { key: "market-maker-b", asset: "ETH", method: "Ether", address: "0xde709f2102306220921060314715629080e2fb77", verified: true },
      { key: "ops-wallet-eu", asset: "USDT", method: "Tether USD (ERC20)", address: "0x52908400098527886E0F7030069857D2E4169EE7", verified: true },
      { key: "treasury-main", asset: "USDC", method: "USD Coin (ERC20)", address: "0x8617E340B3D01FA5F11F306F4090FD50E238070D", verified: true },
    ],
    balances: { BTC: "48.275", ETH: "612.5", USDT: "1250000.00", USDC: "800000" },
  };

  let current: FakeMember = alice;
  // Members with an authenticator; an invited member joins without one and enrolls.
  const enrolled = new Set(org.members.map((m) => m.id));
  let remote: { baseUrl: string; deviceRegistered: boolean } | null = null;
  const FAKE_DEVICE_KEY = "ZmFrZS1kZXZpY2Uta2V5LWZvci10aGUtZmFrZS1ob3N0";
  // The fake has no bot: the switch is remembered, nothing moves.
  let living = false;
  let locked = false;
  const lockListeners = new Set<(reason: LockReason) => void>();
  // Revealed keys the fake would keep for copy and store, by request id (name only: it has no secret to keep).
  const kept = new Map<string, string>();
  let nextId = 1011;
  const rebalancer = bot("su-rebalancer", "rebalancer-bot");
  const payout = bot("su-payout", "payout-bot");
  const approve = (by: FakeMember, minutesAgo: number): DecisionView => ({
    member: memberRef(by),
    decision: "approve",
    at: ago(minutesAgo),
    reason: null,
    digest: null,
  });
  const accessPolicy = { ...org.policies.manage_access } as Policy;
  const policiesPolicy = { ...org.policies.manage_policies } as Policy;

  const requests: FakeRequest[] = [
    {
      id: "req-1008",
      status: "pending",
      initiator: memberRef(carol),
      payload: { kind: "change_policy", workflow: "initiate_withdrawal", policy: { ...withdrawalPolicy, required_approvals: 3 } },
      policy: policiesPolicy,
      decisions: [],
      created_at: ago(5),
      updated_at: ago(5),
    },
    {
      id: "req-1006",
      status: "pending",
      initiator: rebalancer,
      payload: withdrawal("BTC", "2.5", "0.00015", "cold-storage-2", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"),
      policy: withdrawalPolicy,
      decisions: [approve(bob, 10)],
      created_at: ago(12),
      updated_at: ago(10),
    },
    {
      id: "req-1007",
      status: "pending",
      initiator: memberRef(carol),
      payload: {
        kind: "create_service_user",
        name: "hedge-bot",
        key: keySpec(["funds_query", "trades_query_open", "trades_modify", "trades_close"], {
          websocket: true,
          ip_allowlist: ["198.51.100.7"],
        }),
      },
      // Submitted before Manage Access was tightened to "always" and locked: it keeps this snapshot.
      policy: { always_require_approval: false, required_approvals: 1, locked: false, expires_after: null },
      decisions: [],
      created_at: ago(30),
      updated_at: ago(30),
    },
    {
      id: "req-1005",
      status: "pending",
      initiator: memberRef(alice),
      payload: withdrawal("USDT", "250000.00", "2.50", "ops-wallet-eu", "0x52908400098527886E0F7030069857D2E4169EE7"),
      policy: withdrawalPolicy,
      decisions: [],
      created_at: ago(40),
      updated_at: ago(40),
    },
    {
      id: "req-1004",
      status: "pending",
      initiator: payout,
      payload: withdrawal("ETH", "18.75", "0.0035", "market-maker-b", "0xde709f2102306220921060314715629080e2fb77"),
      policy: withdrawalPolicy,
      decisions: [],
      created_at: ago(125),
      updated_at: ago(125),
    },
    {
      id: "req-1003",
      status: "completed",
      initiator: memberRef(bob),
      payload: withdrawal("USDC", "50000", "1", "treasury-main", "0x8617E340B3D01FA5F11F306F4090FD50E238070D"),
      policy: withdrawalPolicy,
      decisions: [approve(alice, 1430), approve(carol, 1425)],
      created_at: ago(1440),
      updated_at: ago(1425),
    },
    {
      id: "req-1002",
      status: "rejected",
      initiator: rebalancer,
      payload: withdrawal("BTC", "0.00000001", "0.00000001", "cold-storage-2", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"),
      policy: withdrawalPolicy,
      decisions: [{ member: memberRef(carol), decision: "reject", at: ago(2800), reason: "Dust test transfer; not needed", digest: null }],
      created_at: ago(2880),
      updated_at: ago(2800),
    },
    {
      id: "req-1010",
      status: "cancelled",
      initiator: memberRef(alice),
      payload: {
        kind: "change_service_user_key",
        service_user: "su-payout",
        key: keySpec(["funds_query", "funds_withdraw", "trades_modify"], { nonce_window: 5000, ip_allowlist: ["203.0.113.0/24"] }),
      },
      policy: accessPolicy,
      decisions: [],
      created_at: ago(3000),
      updated_at: ago(2990),
    },
    {
      id: "req-1009",
      status: "completed",
      initiator: memberRef(carol),
      payload: { kind: "add_address", key: "eur-payroll", asset: "EUR", method: "SEPA", address: "DE89370400440532013000" },
      policy: null,
      decisions: [],
      created_at: ago(4320),
      updated_at: ago(4320),
    },
    {
      id: "req-1001",
      status: "expired",
      initiator: payout,
      payload: withdrawal("ETH", "3.2", "0.0035", "market-maker-b", "0xde709f2102306220921060314715629080e2fb77"),
      policy: withdrawalPolicy,
      decisions: [],
      created_at: ago(10080),
      updated_at: ago(10080 - 3 * 24 * 60),
    },
  ];

  const expiresAt = (r: FakeRequest) => (r.policy?.expires_after == null ? null : r.created_at + r.policy.expires_after);
  const mayView = (r: FakeRequest) => hasPermission(current.permissions, workflowOf(r.payload), "view");

  /** Expiry is applied lazily, before any read or decision. */
  function sweepExpired() {
    const now = nowSeconds();
    for (const r of requests) {
      const at = expiresAt(r);
      if (r.status === "pending" && at !== null && now >= at) {
        r.status = "expired";
        r.updated_at = at;
      }
    }
  }

  /** Why `member` may not approve or reject `request` now, or null. */
  function whyNot(request: FakeRequest, member: FakeMember): { code: HostError["code"]; message: string } | null {
    if (request.status !== "pending") {
      return { code: "not_pending", message: `This request is ${request.status}; there is nothing left to decide.` };
    }
    if (request.initiator.kind === "member" && request.initiator.id === member.id) {
      return { code: "self_approval", message: "You initiated this request; someone else must approve it." };
    }
    const workflow = workflowOf(request.payload);
    if (!hasPermission(member.permissions, workflow, "approve")) {
      return { code: "not_permitted", message: `This needs the Approve permission on ${WORKFLOW_LABELS[workflow]}.` };
    }
    if (request.decisions.some((d) => d.member.id === member.id)) {
      return { code: "already_decided", message: "You have already decided on this request." };
    }
    return null;
  }

  function view(request: FakeRequest): RequestView {
    const reason = whyNot(request, current);
    const pending = request.status === "pending";
    const workflow = workflowOf(request.payload);
    const initiator = actorRef(org, request.initiator);
    return copy({
      id: request.id,
      workflow,
      status: request.status,
      initiator,
      payload: request.payload,
      summary: `${initiator.name} ${pending ? "wants to" : "asked to"} ${describe(org, request.payload)}`,
      required_approvals: request.policy?.required_approvals ?? 0,
      approvals: request.decisions.filter((d) => d.decision === "approve").length,
      decisions: request.decisions,
      created_at: request.created_at,
      updated_at: request.updated_at,
      viewer: { can_decide: reason === null, why_not: reason?.message ?? null },
      policy: request.policy,
      expires_at: expiresAt(request),
      policy_changed: pending && !samePolicy(request.policy, governingPolicy(org, request.payload)),
      still_eligible: pending
        ? holders(org, workflow, "approve")
            .filter((m) => whyNot(request, m) === null)
            .map(memberRef)
        : [],
    });
  }

  function session(): Session {
    if (remote !== null) {
      return copy({ mode: "remote", org_name: `${org.name} (remote)`, base_url: remote.baseUrl, member: memberRef(current), totp_enrolled: true });
    }
    return copy({ mode: "sandbox", org_name: org.name, base_url: "memory://fake-host", member: memberRef(current), totp_enrolled: enrolled.has(current.id) });
  }

  async function settle<T>(work: () => T): Promise<T> {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    sweepExpired();
    return work();
  }

  function checkCode(otp: string): void {
    if (!/^\d{6}$/.test(otp)) throw new HostError("invalid_input", "The code must be 6 digits.");
    if (!enrolled.has(current.id)) throw new HostError("not_enrolled", "Set up your authenticator first: every decision needs its code.");
    const step = Math.floor(nowSeconds() / TOTP_STEP_SECONDS);
    // The previous step is accepted too, as TOTP verifiers do for clock skew.
    if (otp !== fakeCode(current.id, step) && otp !== fakeCode(current.id, step - 1)) {
      throw new HostError("invalid_otp", "That code is not valid. Enter the current 6-digit code from your authenticator.");
    }
  }

  function find(id: string): FakeRequest {
    const request = requests.find((r) => r.id === id);
    if (!request || !mayView(request)) throw new HostError("not_found", `There is no request ${id}.`);
    return request;
  }

  /** Completes a request: its payload takes effect, or, if it no longer fits, nothing changes. */
  function complete(request: FakeRequest): void {
    const failure = apply(org, request.id, request.payload);
    if (failure !== null) throw new HostError("not_permitted", `Cannot complete: ${failure}.`);
    request.status = "completed";
  }

  function decide(id: string, otp: string, decision: DecisionView["decision"], reason: string | null): RequestView {
    const request = find(id);
    // Rules before the code: a refused decision does not spend it.
    const refused = whyNot(request, current);
    if (refused) throw new HostError(refused.code, refused.message);
    checkCode(otp);
    const at = nowSeconds();
    if (decision === "approve" && request.decisions.filter((d) => d.decision === "approve").length + 1 >= (request.policy?.required_approvals ?? 0)) {
      complete(request);
    } else if (decision === "reject") {
      request.status = "rejected";
    }
    request.decisions.push({ member: memberRef(current), decision, at, reason, digest: fakeDigest(`${id}|${current.id}|${decision}|${at}`) });
    request.updated_at = at;
    return view(request);
  }

  function submit(payload: RequestPayload, execute: boolean, otp: string | null): SubmitOutcome {
    if (otp !== null && !/^\d{6}$/.test(otp)) throw new HostError("invalid_input", "The code must be 6 digits.");
    if (execute && otp === null) throw new HostError("invalid_input", "Executing is a decision: enter your 2FA code.");
    const now = nowSeconds();
    const outcome = preview(org, memberRef(current), payload, execute, now);
    if (outcome.decision.outcome === "not_permitted") throw new HostError("not_permitted", outcome.decision.reason);
    const immediate = outcome.decision.outcome === "completes_immediately";
    // Execute is a decision: it needs a fresh code like any other.
    if (immediate && execute && otp !== null) checkCode(otp);
    const request: FakeRequest = {
      id: `req-${nextId++}`,
      status: "pending",
      initiator: memberRef(current),
      payload: copy(payload),
      policy: governingPolicy(org, payload),
      decisions: [],
      created_at: now,
      updated_at: now,
    };
    let revealed: SubmitOutcome["revealed"] = null;
    if (immediate) {
      complete(request);
      if (payload.kind === "create_service_user") {
        revealed = { api_key: `AK-${fakeCode(request.id, now)}${fakeCode(payload.name, now)}`, api_secret: `FAKE-SECRET-${fakeCode(payload.name, now + 1)}` };
        kept.set(request.id, payload.name);
      }
    }
    requests.unshift(request);
    return { request: view(request), preview: copy(outcome), revealed };
  }

  function cancel(id: string, otp: string): RequestView {
    const request = find(id);
    if (request.status !== "pending") throw new HostError("not_pending", `This request is already ${request.status}.`);
    if (request.initiator.kind !== "member" || request.initiator.id !== current.id) {
      throw new HostError("not_permitted", "Only the initiator can cancel a request.");
    }
    checkCode(otp);
    request.status = "cancelled";
    request.updated_at = nowSeconds();
    return view(request);
  }

  // Ledger review needs no session, but the lock applies to it as to every command.
  const ledger = createFakeLedger(options.ledger ?? "demo", (work) =>
    settle(() => {
      if (locked) throw new HostError("locked", "Countersign is locked: enter your code to unlock it.");
      return work();
    }),
  );

  return {
    ...ledger,
    getSession: () => settle(session),

    listRequests: (filter: RequestFilter) =>
      settle(() =>
        requests
          .filter(mayView)
          .filter((r) => filter.status === null || r.status === filter.status)
          .filter((r) => filter.workflow === null || workflowOf(r.payload) === filter.workflow)
          .sort((a, b) => b.created_at - a.created_at)
          .map(view),
      ),

    approveRequest: (id, otp) => settle(() => decide(id, otp, "approve", null)),

    rejectRequest: (id, otp, reason) => settle(() => decide(id, otp, "reject", reason)),

    getOrg: () => settle(() => copy(orgView(org))),

    previewRequest: (payload, execute) => settle(() => copy(preview(org, memberRef(current), payload, execute, nowSeconds()))),

    submitRequest: (payload, execute, otp) => settle(() => submit(payload, execute, otp)),

    cancelRequest: (id, otp) => settle(() => cancel(id, otp)),

    policyDiff: (workflow, policy) =>
      settle(() => ({
        workflow,
        changes: fakePolicyChanges(org.policies[workflow] ?? null, policy),
        affected_pending: requests
          .filter((r) => r.status === "pending" && workflowOf(r.payload) === workflow)
          .map((r) => r.id),
      })),

    sandboxMembers: () =>
      settle(() => {
        const seconds = nowSeconds();
        const step = Math.floor(seconds / TOTP_STEP_SECONDS);
        return org.members.map(
          (m): DemoMember => ({
            id: m.id,
            name: m.name,
            role: m.role,
            code: enrolled.has(m.id) ? fakeCode(m.id, step) : null,
            seconds_remaining: TOTP_STEP_SECONDS - (seconds % TOTP_STEP_SECONDS),
            current: m === current,
          }),
        );
      }),

    switchMember: (memberId) =>
      settle(() => {
        const next = org.members.find((m) => m.id === memberId);
        if (!next) throw new HostError("not_found", `There is no demo member ${memberId}.`);
        current = next;
        return session();
      }),

    copyRevealedSecret: (requestId) =>
      settle(() => {
        if (!kept.has(requestId)) throw new HostError("not_found", "That key is no longer kept: a secret is shown once.");
        return 30;
      }),

    storeRevealedKey: (requestId) =>
      settle(() => {
        const name = kept.get(requestId);
        if (name === undefined) throw new HostError("not_found", "That key is no longer kept: a secret is shown once.");
        kept.delete(requestId);
        return `service-user:fake:${name}`;
      }),

    forgetRevealedKey: (requestId) =>
      settle(() => {
        kept.delete(requestId);
      }),

    lockApp: () =>
      settle(() => {
        locked = true;
      }),

    unlockApp: (otp) =>
      settle(() => {
        checkCode(otp);
        locked = false;
      }),

    appLocked: () => settle(() => locked),

    onLocked: (callback) => {
      // A wrapper per subscription, so subscribing the same callback twice needs two unsubscribes.
      const listener = (reason: LockReason) => callback(reason);
      lockListeners.add(listener);
      return () => {
        lockListeners.delete(listener);
      };
    },

    simulateSystemLock: (reason) => {
      locked = true;
      for (const listener of [...lockListeners]) listener(reason);
    },

    livingSandbox: () => settle(() => living),

    setLivingSandbox: (on) =>
      settle(() => {
        living = on;
        return living;
      }),

    beginEnrollment: () =>
      settle(() => {
        if (enrolled.has(current.id)) throw new HostError("invalid_input", "Your authenticator is already set up.");
        const label = encodeURIComponent(`Countersign ${org.name}:${current.name}`);
        return {
          otpauth_uri: `otpauth://totp/${label}?secret=FAKEFAKEFAKEFAKE&issuer=${encodeURIComponent(`Countersign ${org.name}`)}`,
          qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#fff"/></svg>',
        };
      }),

    confirmEnrollment: (otp) =>
      settle(() => {
        if (!/^\d{6}$/.test(otp)) throw new HostError("invalid_input", "The code must be 6 digits.");
        const step = Math.floor(nowSeconds() / TOTP_STEP_SECONDS);
        if (otp !== fakeCode(current.id, step) && otp !== fakeCode(current.id, step - 1)) {
          throw new HostError("invalid_otp", "That code is not valid. Enter the current 6-digit code from your authenticator.");
        }
        enrolled.add(current.id);
        return session();
      }),

    addOrg: (baseUrl, apiKey) =>
      settle(() => {
        if (!/^https?:\/\//.test(baseUrl.trim())) throw new HostError("invalid_input", "The org API URL must start with http:// or https://.");
        if (apiKey.trim() === "") throw new HostError("invalid_input", "The API key is empty: paste the key's public part.");
        remote = { baseUrl: baseUrl.trim().replace(/\/+$/, ""), deviceRegistered: false };
        return session();
      }),

    deviceStatus: () => settle(() => ({ public_key: FAKE_DEVICE_KEY, registered: remote === null || remote.deviceRegistered })),

    registerDevice: (otp) =>
      settle(() => {
        checkCode(otp);
        if (remote !== null) remote.deviceRegistered = true;
        return { public_key: FAKE_DEVICE_KEY, registered: true };
      }),

    leaveOrg: () =>
      settle(() => {
        if (remote === null) throw new HostError("unavailable", "The app is on its sandbox: there is no remote Organization to leave.");
        remote = null;
        return session();
      }),
  };
}

/**
 * A stand-in for a signed statement's short digest (`ABCD-EFGH-IJKL-MNOP`): the fake signs
 * nothing, but shows the same shape so the UI can be exercised. The real digest is SHA-256 in Rust.
 */
function fakeDigest(text: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let h = 2166136261;
  let out = "";
  for (let i = 0; i < 16; i++) {
    for (const ch of `${text}#${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
    out += alphabet[h % 32];
  }
  return out.match(/.{4}/g)!.join("-");
}
