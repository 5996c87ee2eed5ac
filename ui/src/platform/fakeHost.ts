import type { ActorRef } from "../bindings/ActorRef";
import type { DecisionView } from "../bindings/DecisionView";
import type { DemoMember } from "../bindings/DemoMember";
import type { RequestFilter } from "../bindings/RequestFilter";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { RequestStatus } from "../bindings/RequestStatus";
import type { RequestView } from "../bindings/RequestView";
import type { Session } from "../bindings/Session";
import { HostError, type Host } from "./host";

/**
 * An in-memory stand-in for the Rust core: a small demo Organization with four members, two
 * service users and a few withdrawals. Used by the unit tests and by `npm run dev` in a plain
 * browser; never inside the Tauri webview.
 */

export interface FakeHostOptions {
  /** Milliseconds since the epoch; defaults to the real clock. */
  now?: () => number;
  /** Delay added to every call, to make loading states visible in development. */
  latencyMs?: number;
}

interface FakeMember {
  ref: ActorRef;
  role: string;
  mayDecide: boolean;
}

interface FakeRequest {
  id: string;
  status: RequestStatus;
  initiator: ActorRef;
  payload: RequestPayload;
  required_approvals: number;
  decisions: DecisionView[];
  created_at: number;
  updated_at: number;
}

const TOTP_STEP_SECONDS = 30;

const member = (id: string, name: string, role: string, mayDecide: boolean): FakeMember => ({
  ref: { kind: "member", id, name },
  role,
  mayDecide,
});
const bot = (id: string, name: string): ActorRef => ({ kind: "service_user", id, name });

function withdrawal(asset: string, amount: string, fee: string, key: string, address: string): RequestPayload {
  return { kind: "withdrawal", asset, amount, fee, key, address };
}

/** A stand-in for TOTP: six digits that change every 30 s, different for each member. */
function fakeCode(memberId: string, step: number): string {
  let hash = 2166136261;
  for (const char of `${memberId}:${step}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  }
  return String(hash % 1_000_000).padStart(6, "0");
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createFakeHost(options: FakeHostOptions = {}): Host {
  const nowMs = options.now ?? (() => Date.now());
  const nowSeconds = () => Math.floor(nowMs() / 1000);
  const latencyMs = options.latencyMs ?? 0;

  const alice = member("m-alice", "Alice Moreau", "admin", true);
  const bob = member("m-bob", "Bob Okafor", "treasurer", true);
  const carol = member("m-carol", "Carol Lindqvist", "treasurer", true);
  const dave = member("m-dave", "Dave Brennan", "auditor", false);
  const members = [alice, bob, carol, dave];
  const rebalancer = bot("su-rebalancer", "rebalancer-bot");
  const payout = bot("su-payout", "payout-bot");

  let current: FakeMember = alice;
  const t0 = nowSeconds();
  const ago = (minutes: number) => t0 - minutes * 60;
  const approve = (by: FakeMember, minutesAgo: number): DecisionView => ({
    member: by.ref,
    decision: "approve",
    at: ago(minutesAgo),
    reason: null,
  });

  const requests: FakeRequest[] = [
    {
      id: "req-1006",
      status: "pending",
      initiator: rebalancer,
      payload: withdrawal("BTC", "2.5", "0.00015", "cold-storage-2", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"),
      required_approvals: 2,
      decisions: [approve(bob, 10)],
      created_at: ago(12),
      updated_at: ago(10),
    },
    {
      id: "req-1005",
      status: "pending",
      initiator: alice.ref,
      payload: withdrawal("USDT", "250000.00", "2.50", "ops-wallet-eu", "0x52908400098527886E0F7030069857D2E4169EE7"),
      required_approvals: 2,
      decisions: [],
      created_at: ago(40),
      updated_at: ago(40),
    },
    {
      id: "req-1004",
      status: "pending",
      initiator: payout,
      payload: withdrawal("ETH", "18.75", "0.0035", "market-maker-b", "0xde709f2102306220921060314715629080e2fb77"),
      required_approvals: 2,
      decisions: [],
      created_at: ago(125),
      updated_at: ago(125),
    },
    {
      id: "req-1003",
      status: "completed",
      initiator: bob.ref,
      payload: withdrawal("USDC", "50000", "1", "treasury-main", "0x8617E340B3D01FA5F11F306F4090FD50E238070D"),
      required_approvals: 2,
      decisions: [approve(alice, 1430), approve(carol, 1425)],
      created_at: ago(1440),
      updated_at: ago(1425),
    },
    {
      id: "req-1002",
      status: "rejected",
      initiator: rebalancer,
      payload: withdrawal("BTC", "0.00000001", "0.00000001", "cold-storage-2", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"),
      required_approvals: 2,
      decisions: [{ member: carol.ref, decision: "reject", at: ago(2800), reason: "Dust test transfer; not needed" }],
      created_at: ago(2880),
      updated_at: ago(2800),
    },
    {
      id: "req-1001",
      status: "expired",
      initiator: payout,
      payload: withdrawal("ETH", "3.2", "0.0035", "market-maker-b", "0xde709f2102306220921060314715629080e2fb77"),
      required_approvals: 2,
      decisions: [],
      created_at: ago(10080),
      updated_at: ago(8640),
    },
  ];

  function whyNot(request: FakeRequest): string | null {
    if (request.status !== "pending") return `This request is ${request.status}; there is nothing left to decide.`;
    if (request.initiator.id === current.ref.id) return "You initiated this request; someone else must approve it.";
    if (request.decisions.some((d) => d.member.id === current.ref.id)) return "You have already decided on this request.";
    if (!current.mayDecide) return `Your role (${current.role}) may not approve or reject withdrawals.`;
    return null;
  }

  function view(request: FakeRequest): RequestView {
    const reason = whyNot(request);
    const { payload } = request;
    return copy({
      ...request,
      workflow: "initiate_withdrawal",
      summary: `${request.initiator.name} ${request.status === "pending" ? "wants to" : "asked to"} withdraw ${payload.amount} ${payload.asset} to ${payload.key}`,
      approvals: request.decisions.filter((d) => d.decision === "approve").length,
      viewer: { can_decide: reason === null, why_not: reason },
    });
  }

  function session(): Session {
    return copy({
      mode: "sandbox",
      org_name: "Northwind Treasury (in-memory demo)",
      base_url: "memory://fake-host",
      member: current.ref,
    });
  }

  async function settle<T>(work: () => T): Promise<T> {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    return work();
  }

  function checkCode(otp: string): void {
    if (!/^\d{6}$/.test(otp)) throw new HostError("invalid_input", "The code must be 6 digits.");
    const step = Math.floor(nowSeconds() / TOTP_STEP_SECONDS);
    // The previous step is accepted too, as TOTP verifiers do for clock skew.
    if (otp !== fakeCode(current.ref.id, step) && otp !== fakeCode(current.ref.id, step - 1)) {
      throw new HostError("invalid_otp", "That code is not valid. Enter the current 6-digit code from your authenticator.");
    }
  }

  function decide(id: string, otp: string, decision: DecisionView["decision"], reason: string | null): RequestView {
    const request = requests.find((r) => r.id === id);
    if (!request) throw new HostError("not_found", `There is no request ${id}.`);
    checkCode(otp);
    if (request.status !== "pending") throw new HostError("not_pending", `This request is already ${request.status}.`);
    if (request.initiator.id === current.ref.id) {
      throw new HostError("self_approval", "You initiated this request; someone else must approve it.");
    }
    if (request.decisions.some((d) => d.member.id === current.ref.id)) {
      throw new HostError("already_decided", "You have already decided on this request.");
    }
    if (!current.mayDecide) {
      throw new HostError("not_permitted", `Your role (${current.role}) may not approve or reject withdrawals.`);
    }
    const at = nowSeconds();
    request.decisions.push({ member: current.ref, decision, at, reason });
    request.updated_at = at;
    if (decision === "reject") {
      request.status = "rejected";
    } else if (request.decisions.filter((d) => d.decision === "approve").length >= request.required_approvals) {
      request.status = "completed";
    }
    return view(request);
  }

  return {
    getSession: () => settle(session),

    listRequests: (filter: RequestFilter) =>
      settle(() =>
        requests
          .filter((r) => filter.status === null || r.status === filter.status)
          .filter(() => filter.workflow === null || filter.workflow === "initiate_withdrawal")
          .sort((a, b) => b.created_at - a.created_at)
          .map(view),
      ),

    approveRequest: (id, otp) => settle(() => decide(id, otp, "approve", null)),

    rejectRequest: (id, otp, reason) => settle(() => decide(id, otp, "reject", reason)),

    sandboxMembers: () =>
      settle(() => {
        const seconds = nowSeconds();
        const step = Math.floor(seconds / TOTP_STEP_SECONDS);
        return members.map(
          (m): DemoMember => ({
            id: m.ref.id,
            name: m.ref.name,
            role: m.role,
            code: fakeCode(m.ref.id, step),
            seconds_remaining: TOTP_STEP_SECONDS - (seconds % TOTP_STEP_SECONDS),
            current: m === current,
          }),
        );
      }),

    switchMember: (memberId) =>
      settle(() => {
        const next = members.find((m) => m.ref.id === memberId);
        if (!next) throw new HostError("not_found", `There is no demo member ${memberId}.`);
        current = next;
        return session();
      }),
  };
}
